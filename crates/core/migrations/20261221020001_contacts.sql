-- Frequent contacts (常用联系人, issue 15, ES-7 §2.5.1.1.3): the parties an enterprise adds most
-- often when launching, kept per enterprise. A person by name and mobile (optionally an ID
-- number): the mobile and ID number sealed (AAD: table, column, row id), a blind index of the
-- mobile for dedupe, masked copies for lists. An enterprise by reference to a certified
-- enterprise of the platform; its name is read from `ec_enterprises` when listed.
-- `dedupe_key` is `p:<phone blind index>` or `e:<enterprise id>`: adding the same one again
-- updates the row (the unique index keeps one row even if two adds race).
CREATE TABLE ec_contacts (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    kind TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    name TEXT,
    phone_sealed TEXT,
    phone_masked TEXT,
    id_sealed TEXT,
    id_masked TEXT,
    party_enterprise_id TEXT REFERENCES ec_enterprises (id),
    note TEXT,
    created_by TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE UNIQUE INDEX ec_contacts_one ON ec_contacts (enterprise_id, dedupe_key);
