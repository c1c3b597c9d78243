-- Renaming customers.name to full_name, step 3 of 3 (contract).
-- Apply only once every application instance reads and writes full_name.
-- migrate:allow drop-column the expand step moved every reader and writer to full_name
-- migrate:allow irreversible-down name only ever held a copy of full_name, which the down copies back
-- migrate:up
DROP TRIGGER customers_full_name_on_update;
DROP TRIGGER customers_full_name_on_insert;
ALTER TABLE customers DROP COLUMN name;

-- migrate:down
ALTER TABLE customers ADD COLUMN name text;
-- migrate:allow full-table-dml the rollback refills the restored name column from full_name, every row
UPDATE customers SET name = full_name;

CREATE TRIGGER customers_full_name_on_insert AFTER INSERT ON customers
WHEN NEW.full_name IS NULL
BEGIN
    UPDATE customers SET full_name = NEW.name WHERE id = NEW.id;
END;

CREATE TRIGGER customers_full_name_on_update AFTER UPDATE OF name ON customers
WHEN NEW.name IS NOT OLD.name
BEGIN
    UPDATE customers SET full_name = NEW.name WHERE id = NEW.id;
END;
