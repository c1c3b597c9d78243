-- Built without blocking writes to orders. CREATE INDEX CONCURRENTLY cannot run inside a
-- transaction; dk migrate sees that and runs this migration outside one.
-- migrate:up
CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);

-- migrate:down
DROP INDEX CONCURRENTLY orders_customer_id_idx;
