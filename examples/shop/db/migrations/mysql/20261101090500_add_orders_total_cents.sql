-- A nullable column, added without copying the table (ALGORITHM=INSTANT). The next migration fills it.
-- migrate:up
SET SESSION lock_wait_timeout = 5;
ALTER TABLE orders ADD COLUMN total_cents int, ALGORITHM=INSTANT;

-- migrate:down
SET SESSION lock_wait_timeout = 5;
ALTER TABLE orders DROP COLUMN total_cents, ALGORITHM=INPLACE, LOCK=NONE;
