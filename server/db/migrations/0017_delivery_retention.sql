-- Retention (webhook/store.ts pruneDeliveries) deletes the oldest deliveries first, a
-- batch at a time: without this index every batch would scan the whole table, which
-- gains hundreds of thousands of rows a week. Appended at its right edge, it costs an
-- insert little. Built in the migration's transaction: writes to the table wait for it.
create index webhook_deliveries_created on webhook_deliveries (created_at);
