-- E-contract part 2, signing (issue 15): contract tasks, their documents and revisions, parties,
-- cc, the append-only event log (the evidence package reads it) and the enterprises' contract
-- quota as a ledger. Portable SQL: TEXT and BIGINT only, times in Unix seconds.

-- A contract task launched by a member of an enterprise under one of its business types.
-- order_kind: `unordered` (every party at once) | `serial` (one party after another) | `groups`
-- (groups in series, parties inside a group in parallel). state: `launched` | `completed` |
-- `void`; void_reason: `expired` | `withdrawn` | `refused` (void_note: the reason given).
-- current_group: the group index now to sign (serial: each party is its own group).
CREATE TABLE ec_tasks (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    business_type_id TEXT NOT NULL REFERENCES ec_business_types (id),
    initiator_id TEXT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    confidential BIGINT NOT NULL DEFAULT 0,
    deadline BIGINT,
    order_kind TEXT NOT NULL,
    state TEXT NOT NULL,
    void_reason TEXT,
    void_note TEXT,
    current_group BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    completed_at BIGINT,
    voided_at BIGINT
);
CREATE INDEX ec_tasks_enterprise ON ec_tasks (enterprise_id, created_at, id);
CREATE INDEX ec_tasks_initiator ON ec_tasks (initiator_id, created_at, id);
CREATE INDEX ec_tasks_deadline ON ec_tasks (state, deadline);

-- A document of a task: the blob of its current revision (content address in the blob store),
-- the revision number, its SHA-256, the template version it was filled from (if any), its
-- pages' displayed sizes and signing spots (JSON, the templates' shapes).
CREATE TABLE ec_task_documents (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES ec_tasks (id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    template_version_id TEXT,
    blob TEXT NOT NULL,
    revision BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    pages TEXT NOT NULL,
    spots TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ec_task_documents_task ON ec_task_documents (task_id, position);

-- Every revision of every document, the launched one (0) and one per signing party, with who
-- made it; rows are only ever added.
CREATE TABLE ec_task_revisions (
    document_id TEXT NOT NULL REFERENCES ec_task_documents (id),
    revision BIGINT NOT NULL,
    blob TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    party_id TEXT,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (document_id, revision)
);

-- The parties: a role key of the documents' spots, a person (user_id) or an enterprise
-- (enterprise_id, signed by a member who holds a grant of the seal used, or the administrator).
-- state: `waiting` | `to_sign` | `signed` | `refused`. signed_by: the user who signed.
CREATE TABLE ec_task_parties (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES ec_tasks (id),
    position BIGINT NOT NULL,
    role_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    user_id TEXT REFERENCES users (id),
    enterprise_id TEXT REFERENCES ec_enterprises (id),
    display_name TEXT NOT NULL,
    group_index BIGINT NOT NULL,
    may_refuse BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    signed_by TEXT REFERENCES users (id),
    signed_at BIGINT,
    refused_reason TEXT,
    reminded_at BIGINT,
    UNIQUE (task_id, role_key)
);
CREATE INDEX ec_task_parties_task ON ec_task_parties (task_id, position);
CREATE INDEX ec_task_parties_user ON ec_task_parties (user_id, state);
CREATE INDEX ec_task_parties_enterprise ON ec_task_parties (enterprise_id, state);

-- People the task is copied to (real-named persons).
CREATE TABLE ec_task_cc (
    task_id TEXT NOT NULL REFERENCES ec_tasks (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (task_id, user_id)
);
CREATE INDEX ec_task_cc_user ON ec_task_cc (user_id);

-- What happened to a task, append-only, numbered per task and linked in a hash chain
-- (hash = SHA-256 over the previous hash and this row's fields): launched, sms_sent,
-- intent_confirmed, signed, completed, refused, withdrawn, expired, reminded, notified.
-- phone_masked: the phone a code went to; hash_before/after: the document's SHA-256 around a
-- signature.
CREATE TABLE ec_task_events (
    task_id TEXT NOT NULL REFERENCES ec_tasks (id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    party_id TEXT,
    document_id TEXT,
    ip TEXT,
    user_agent TEXT,
    phone_masked TEXT,
    hash_before TEXT,
    hash_after TEXT,
    detail TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (task_id, seq)
);

-- The enterprises' contract quota as a ledger: balance = SUM(delta). reason: `purchase` |
-- `grant` | `launch` (-1 per contract) | `refund` (+1, a withdrawn task) | `expiry`.
CREATE TABLE ec_quota_ledger (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    delta BIGINT NOT NULL,
    reason TEXT NOT NULL,
    task_id TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ec_quota_ledger_enterprise ON ec_quota_ledger (enterprise_id);
-- One refund per task, kept by the database: two withdrawals racing refund once.
CREATE UNIQUE INDEX ec_quota_ledger_one_refund ON ec_quota_ledger (task_id)
    WHERE reason = 'refund';
