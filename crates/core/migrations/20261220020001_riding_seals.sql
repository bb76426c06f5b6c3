-- A party's riding seal (骑缝章, issue 15): an enterprise party may carry one of its company or
-- contract seals cut into slices over a page range of every document. `riding_pages` is `"all"`
-- or `{"from": a, "to": b}` as JSON; both columns are NULL for a party without one.
ALTER TABLE ec_task_parties ADD COLUMN riding_seal_id TEXT REFERENCES ec_seals (id);
ALTER TABLE ec_task_parties ADD COLUMN riding_pages TEXT;
