-- Demo data, so that the backfills below have rows to work on.
-- migrate:allow full-table-dml the down empties demo tables of a few rows
-- migrate:up
INSERT INTO products (sku, title, price_cents) VALUES
    ('TEA-01', 'Sencha; first flush', 1250),
    ('TEA-02', 'Assam ''Breakfast''', 900),
    ('CUP-01', 'Stoneware cup', 1800);

INSERT INTO customers (name, email) VALUES
    ('Ada Lovelace', 'ada@example.com'),
    ('Grace Hopper', 'grace@example.com');

INSERT INTO orders (customer_id, status)
SELECT id, 'paid' FROM customers;

INSERT INTO order_items (order_id, product_id, quantity, price_cents)
SELECT o.id, p.id, 2, p.price_cents
FROM orders o CROSS JOIN products p
WHERE p.sku <> 'CUP-01';

-- migrate:down
DELETE FROM order_items;
DELETE FROM orders;
DELETE FROM customers WHERE email IN ('ada@example.com', 'grace@example.com');
DELETE FROM products WHERE sku IN ('TEA-01', 'TEA-02', 'CUP-01');
