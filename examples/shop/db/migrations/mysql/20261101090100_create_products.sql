-- migrate:up
CREATE TABLE products (
    id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
    sku varchar(64) NOT NULL UNIQUE,
    title varchar(200) NOT NULL,
    price_cents int NOT NULL CHECK (price_cents >= 0)
);

-- migrate:down
DROP TABLE products;
