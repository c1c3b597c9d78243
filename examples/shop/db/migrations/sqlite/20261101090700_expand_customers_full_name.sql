-- Renaming customers.name to full_name without downtime, step 1 of 3 (expand).
-- During the rollout the new application writes both columns; these triggers keep full_name equal
-- to name for the old application, which writes name only.
-- migrate:up
ALTER TABLE customers ADD COLUMN full_name text;

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

-- migrate:down
DROP TRIGGER customers_full_name_on_update;
DROP TRIGGER customers_full_name_on_insert;
ALTER TABLE customers DROP COLUMN full_name;
