-- Renaming customers.name to full_name without downtime, step 1 of 3 (expand).
-- Old and new application versions run side by side during the rollout, so a trigger keeps both
-- columns equal until the contract step removes the old one.
-- migrate:up
SET LOCAL lock_timeout = '5s';
ALTER TABLE customers ADD COLUMN full_name text;

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

-- migrate:down
SET LOCAL lock_timeout = '5s';
DROP TRIGGER customers_sync_full_name ON customers;
DROP FUNCTION customers_sync_full_name();
ALTER TABLE customers DROP COLUMN full_name;
