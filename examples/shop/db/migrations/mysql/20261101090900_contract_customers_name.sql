-- Renaming customers.name to full_name, step 3 of 3 (contract).
-- Apply only once every application instance reads and writes full_name.
-- migrate:allow mysql-multiple-ddl each step is repeatable by hand from the dirty state; status names where it stopped
-- migrate:allow drop-column the expand step moved every reader and writer to full_name
-- migrate:allow irreversible-down name only ever held a copy of full_name, which the down copies back
-- migrate:allow full-table-dml customers is small; on a large table the down would copy back in batches
-- migrate:up
SET SESSION lock_wait_timeout = 5;
DROP TRIGGER customers_full_name_update;
DROP TRIGGER customers_full_name_insert;
ALTER TABLE customers MODIFY COLUMN full_name varchar(200) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE customers DROP COLUMN name, ALGORITHM=INPLACE, LOCK=NONE;

-- migrate:down
SET SESSION lock_wait_timeout = 5;
ALTER TABLE customers ADD COLUMN name varchar(200), ALGORITHM=INSTANT;
UPDATE customers SET name = full_name;
ALTER TABLE customers MODIFY COLUMN name varchar(200) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE customers MODIFY COLUMN full_name varchar(200), ALGORITHM=INPLACE, LOCK=NONE;

DELIMITER //
CREATE TRIGGER customers_full_name_insert BEFORE INSERT ON customers FOR EACH ROW
BEGIN
    SET NEW.full_name = COALESCE(NEW.full_name, NEW.name);
    SET NEW.name = COALESCE(NEW.name, NEW.full_name);
END//

CREATE TRIGGER customers_full_name_update BEFORE UPDATE ON customers FOR EACH ROW
BEGIN
    IF NOT (NEW.full_name <=> OLD.full_name) THEN
        SET NEW.name = NEW.full_name;
    ELSEIF NOT (NEW.name <=> OLD.name) THEN
        SET NEW.full_name = NEW.name;
    END IF;
END//
DELIMITER ;
