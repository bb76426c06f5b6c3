-- An identity check counts only for the data it checked (issue 12, finding 2): the keyed hash of
-- the party's identity fields when the check started. Rows from before have none and count for
-- nothing, so an order still verifying checks again.
ALTER TABLE desk_verifications ADD COLUMN identity_hash TEXT;
