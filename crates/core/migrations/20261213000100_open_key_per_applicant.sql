-- Issue 12, finding 13: the "one open order per ID number and business" slot becomes the
-- applicant's own (`index:business:user_id`), so a refusal never reveals, and a stale draft never
-- blocks, another user's order for the same ID. Open orders keep their slot under the new key.
UPDATE desk_orders SET open_key = open_key || ':' || user_id WHERE open_key IS NOT NULL;
