-- Renaming customers.name to full_name, step 3 of 3 (contract).
-- Apply only once every application instance reads and writes full_name.
-- On a large table, add CHECK (full_name IS NOT NULL) NOT VALID and VALIDATE it in an earlier
-- migration: SET NOT NULL then skips its full-table scan (PostgreSQL 12 and later).
-- migrate:allow set-not-null customers is small enough to scan; see above for a large table
-- migrate:allow drop-column the expand step moved every reader and writer to full_name
-- migrate:allow irreversible-down name only ever held a copy of full_name, which the down copies back
-- migrate:up
SET LOCAL lock_timeout = '5s';
DROP TRIGGER customers_sync_full_name ON customers;
DROP FUNCTION customers_sync_full_name();
ALTER TABLE customers ALTER COLUMN full_name SET NOT NULL;
ALTER TABLE customers DROP COLUMN name;

-- migrate:down
SET LOCAL lock_timeout = '5s';
ALTER TABLE customers ADD COLUMN name text;
-- migrate:allow full-table-dml the rollback refills the restored name column from full_name, every row
-- migrate:allow backfill-in-ddl-transaction the restored column must be filled before the rollback commits
UPDATE customers SET name = full_name;
ALTER TABLE customers ALTER COLUMN name SET NOT NULL;
ALTER TABLE customers ALTER COLUMN full_name DROP NOT NULL;

CREATE FUNCTION customers_sync_full_name() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.full_name := COALESCE(NEW.full_name, NEW.name);
        NEW.name := COALESCE(NEW.name, NEW.full_name);
    ELSIF NEW.full_name IS DISTINCT FROM OLD.full_name THEN
        NEW.name := NEW.full_name;
    ELSIF NEW.name IS DISTINCT FROM OLD.name THEN
        NEW.full_name := NEW.name;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER customers_sync_full_name
    BEFORE INSERT OR UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION customers_sync_full_name();
