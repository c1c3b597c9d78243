-- Backfill: only rows still missing a total, so it can be re-run and interrupted safely. Data changes
-- only, so dk migrate runs it in one transaction even on MySQL.
-- On a large table, run it in batches of a few thousand ids instead of one statement.
-- migrate:allow full-table-dml the down clears the column the up filled, on a table of a few demo rows
-- migrate:up
UPDATE orders
SET total_cents = (
    SELECT COALESCE(SUM(quantity * price_cents), 0)
    FROM order_items
    WHERE order_items.order_id = orders.id
)
WHERE total_cents IS NULL;

-- migrate:down
UPDATE orders SET total_cents = NULL;
