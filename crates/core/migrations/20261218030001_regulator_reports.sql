-- Regulator reporting (issue 16, ES-17): every completed contract (and later every paper
-- archive) is reported to the supervising platform through the jobs outbox, and a void report
-- follows when a reported subject is withdrawn or voided. Portable SQL: TEXT and BIGINT only,
-- times in Unix seconds.

-- The launcher's field values of a document as filled (sealed JSON: they hold ID numbers); the
-- labour-contract elements of a report are read from them. NULL for uploaded PDFs.
ALTER TABLE ec_task_documents ADD COLUMN field_values TEXT;

-- One report of one subject. id is the `Idempotency-Key` the regulator sees on every attempt.
-- subject_kind: `task` | `archive`; kind: `report` | `void`; state: `pending` (待上报) |
-- `reported` (已上报) | `failed` (上报失败, after the last attempt; staff may resend).
-- body_sealed: the exact JSON sent, made on the first attempt and sent again byte for byte
-- (sealed: ID numbers); body_sha256 its digest; signature the detached CMS signature over it
-- (base64 DER), made with the body. receipt: the regulator's answer, as received.
CREATE TABLE ec_regulator_reports (
    id TEXT PRIMARY KEY,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_status BIGINT,
    last_error TEXT,
    body_sealed TEXT,
    body_sha256 TEXT,
    signature TEXT,
    receipt TEXT,
    receipt_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    reported_at BIGINT,
    UNIQUE (subject_kind, subject_id, kind)
);
CREATE INDEX ec_regulator_reports_state ON ec_regulator_reports (state, updated_at);
CREATE INDEX ec_regulator_reports_enterprise ON ec_regulator_reports (enterprise_id, created_at);

-- The sandbox's stand-in regulator (`/dev/regulator`): what it received, once per
-- Idempotency-Key, with how many deliveries carried that key. body_sealed: the JSON received
-- (sealed: ID numbers). Only the sandbox writes it.
CREATE TABLE sandbox_regulator_received (
    idempotency_key TEXT PRIMARY KEY,
    receipt_id TEXT NOT NULL,
    report_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    title TEXT,
    signer TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    body_sealed TEXT NOT NULL,
    deliveries BIGINT NOT NULL,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL
);
