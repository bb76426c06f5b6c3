-- Batch signing under one intent code (issue 15, ES-8): a signer confirms one SMS code bound to a
-- set of tasks (the code's hash covers a hash of the sorted task ids), and a
-- `contracts.batch_sign` job signs them one by one, each item committed with the batch's
-- counters, so a rerun after a restart continues with the items not yet signed.
-- Portable SQL: TEXT and BIGINT only, times in Unix seconds.

-- state: `signing` (the job runs) | `done`.
-- tasks_hash: SHA-256 (hex) of the sorted task ids joined by ','; choices: the seal choices
-- every task is signed with (JSON: seal_id, personal_seal); origin_ip, origin_agent: the
-- confirming request's, written into each task's log with its signature.
CREATE TABLE ec_sign_batches (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    tasks_hash TEXT NOT NULL,
    choices TEXT NOT NULL,
    origin_ip TEXT,
    origin_agent TEXT,
    state TEXT NOT NULL,
    total BIGINT NOT NULL,
    signed BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ec_sign_batches_user ON ec_sign_batches (user_id, created_at);

-- One task of a batch. state: `pending` | `signing` (begun; a rerun that finds the party signed
-- counts it) | `signed` | `failed` (code, zh, en: why, as the single sign would have answered).
CREATE TABLE ec_sign_batch_items (
    batch_id TEXT NOT NULL REFERENCES ec_sign_batches (id),
    position BIGINT NOT NULL,
    task_id TEXT NOT NULL,
    state TEXT NOT NULL,
    code TEXT,
    reason_zh TEXT,
    reason_en TEXT,
    PRIMARY KEY (batch_id, position)
);
CREATE INDEX ec_sign_batch_items_state ON ec_sign_batch_items (batch_id, state, position);
