-- Order history rows say what happened as a code and its parameters (JSON), rendered in the
-- reader's language; rows written before keep their sentence in `note` and have neither.
ALTER TABLE desk_order_events ADD COLUMN code TEXT;
ALTER TABLE desk_order_events ADD COLUMN params TEXT;
