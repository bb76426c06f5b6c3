-- Paper archives (ES-10, seed 004 §2.5.2): a contract signed on paper, scanned to one PDF and
-- stored as uploaded, hashed and timestamped by the platform's TSA, with the contract's fields of
-- its business type and its parties (the archiving enterprise and people on its roster). An
-- archive is labelled digitised paper, never e-signed; it can be voided with a reason. Each one
-- is reported to the regulator (`ec_regulator_reports`, subject kind `archive`).

-- A bulk archive: one Excel plus the PDFs it names, stored together or not at all.
CREATE TABLE ec_archive_batches (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    business_type_id TEXT NOT NULL REFERENCES ec_business_types (id),
    title TEXT NOT NULL,
    creator_id TEXT NOT NULL REFERENCES users (id),
    archives BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- state: `archived` | `void`. `blob` is the PDF's content address in the blob store (its
-- SHA-256, as `sha256`); `timestamp_token` an RFC 3161 token over that SHA-256 (base64 DER).
-- `field_values` is the contract's fields as JSON, sealed for the row.
CREATE TABLE ec_archives (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    business_type_id TEXT NOT NULL REFERENCES ec_business_types (id),
    batch_id TEXT REFERENCES ec_archive_batches (id),
    batch_row BIGINT,
    title TEXT NOT NULL,
    creator_id TEXT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    pages BIGINT NOT NULL,
    timestamp_token TEXT NOT NULL,
    timestamped_at BIGINT NOT NULL,
    field_values TEXT NOT NULL,
    void_reason TEXT,
    voided_by TEXT REFERENCES users (id),
    voided_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX ec_archives_enterprise ON ec_archives (enterprise_id, state, created_at);
CREATE INDEX ec_archives_creator ON ec_archives (creator_id, created_at);
CREATE INDEX ec_archives_batch ON ec_archives (batch_id);

-- The parties: position 0 is the archiving enterprise (role `A`), then the people (`B`, `C`, …),
-- each an employee on the enterprise's roster when archived. `display_name` is the enterprise's
-- name or the person's masked name; a person's name and ID number are sealed for the row
-- (`ec_archive_parties`/<column>/`<archive id>:<position>`).
CREATE TABLE ec_archive_parties (
    archive_id TEXT NOT NULL REFERENCES ec_archives (id),
    position BIGINT NOT NULL,
    role_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    display_name TEXT NOT NULL,
    credit_code TEXT,
    employee_id TEXT REFERENCES ec_employees (id),
    name_sealed TEXT,
    id_sealed TEXT,
    id_masked TEXT,
    PRIMARY KEY (archive_id, position)
);
