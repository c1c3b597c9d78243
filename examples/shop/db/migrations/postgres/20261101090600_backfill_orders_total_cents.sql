-- Backfill: only rows still missing a total, so it can be re-run and interrupted safely.
-- On a large table, run it in batches of a few thousand ids instead of one statement.
-- migrate:up
UPDATE orders
SET total_cents = (
    SELECT COALESCE(SUM(quantity * price_cents), 0)
    FROM order_items
    WHERE order_items.order_id = orders.id
)
WHERE total_cents IS NULL;

-- migrate:down
-- migrate:allow full-table-dml undoing the backfill clears every total it wrote; on a large table, clear them in batches
UPDATE orders SET total_cents = NULL;
