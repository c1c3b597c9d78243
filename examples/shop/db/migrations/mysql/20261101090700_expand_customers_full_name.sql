-- Renaming customers.name to full_name without downtime, step 1 of 3 (expand).
-- Old and new application versions run side by side during the rollout, so triggers keep both
-- columns equal until the contract step removes the old one. The mysql client's DELIMITER lets the
-- trigger bodies hold semicolons.
-- migrate:allow mysql-multiple-ddl a half-done run leaves an unused column or trigger, which the down removes
-- migrate:up
SET SESSION lock_wait_timeout = 5;
ALTER TABLE customers ADD COLUMN full_name varchar(200), ALGORITHM=INSTANT;

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

-- migrate:down
SET SESSION lock_wait_timeout = 5;
DROP TRIGGER customers_full_name_update;
DROP TRIGGER customers_full_name_insert;
ALTER TABLE customers DROP COLUMN full_name, ALGORITHM=INPLACE, LOCK=NONE;
