-- Renaming customers.name to full_name, step 2 of 3 (migrate): copy the existing values.
-- Rows written from now on are kept in sync by the expand step's triggers.
-- migrate:up
UPDATE customers SET full_name = name WHERE full_name IS NULL;

-- migrate:down
-- Nothing to undo: the copied values are dropped with the column by the expand step's down.
