-- A nullable column: no table rewrite, no long lock. The next migration fills it.
-- migrate:up
ALTER TABLE orders ADD COLUMN total_cents integer;

-- migrate:down
ALTER TABLE orders DROP COLUMN total_cents;
