-- MySQL commits each CREATE TABLE: if the second one failed, the first would stay (empty) and the
-- migration would be left dirty, for `migrate repair` after a look.
-- migrate:allow mysql-multiple-ddl two new, empty tables: a half-done run loses nothing
-- migrate:up
CREATE TABLE orders (
    id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
    customer_id bigint NOT NULL,
    status varchar(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    FOREIGN KEY (customer_id) REFERENCES customers (id)
);

CREATE TABLE order_items (
    order_id bigint NOT NULL,
    product_id bigint NOT NULL,
    quantity int NOT NULL CHECK (quantity > 0),
    price_cents int NOT NULL,
    PRIMARY KEY (order_id, product_id),
    FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
    FOREIGN KEY (product_id) REFERENCES products (id)
);

-- migrate:down
DROP TABLE order_items;
DROP TABLE orders;
