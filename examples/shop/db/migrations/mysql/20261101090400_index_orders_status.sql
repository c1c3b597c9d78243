-- Built in place without blocking writes to orders (ALGORITHM=INPLACE, LOCK=NONE): MySQL refuses the
-- statement rather than copy the table or block writes. (InnoDB indexes orders.customer_id by itself,
-- for its foreign key.)
-- migrate:up
ALTER TABLE orders ADD INDEX orders_status_created_idx (status, created_at), ALGORITHM=INPLACE, LOCK=NONE;

-- migrate:down
ALTER TABLE orders DROP INDEX orders_status_created_idx, ALGORITHM=INPLACE, LOCK=NONE;
