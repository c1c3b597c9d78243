-- A nullable column: no table rewrite, no long lock. The next migration fills it.
-- migrate:up
SET LOCAL lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN total_cents integer;

-- migrate:down
SET LOCAL lock_timeout = '5s';
ALTER TABLE orders DROP COLUMN total_cents;
