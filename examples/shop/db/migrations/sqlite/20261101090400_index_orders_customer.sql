-- SQLite has no concurrent index builds; a plain index is the equivalent.
-- migrate:up
CREATE INDEX orders_customer_id_idx ON orders (customer_id);

-- migrate:down
DROP INDEX orders_customer_id_idx;
