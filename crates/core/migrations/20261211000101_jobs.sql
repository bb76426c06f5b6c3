-- Background jobs and the transactional outbox: a job is written in the transaction of the change
-- that causes it, taken by a worker under a lease, retried with backoff and finally dead-lettered.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    -- Enqueueing the same key twice keeps the first job; handlers get it to stay idempotent.
    idempotency_key TEXT NOT NULL UNIQUE,
    -- JSON; personal data inside is sealed by the kind that writes it.
    payload TEXT NOT NULL,
    -- `queued`, `running`, `done` or `dead`.
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at BIGINT NOT NULL,
    -- The worker holding the job and until when; a lease past its time is taken again.
    locked_by TEXT,
    locked_until BIGINT,
    last_error TEXT,
    progress_done BIGINT NOT NULL DEFAULT 0,
    progress_total BIGINT NOT NULL DEFAULT 0,
    -- The user who may read the job's progress (staff may read every job).
    owner_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX jobs_due ON jobs (status, run_at);
CREATE INDEX jobs_kind ON jobs (kind, created_at);

-- Recurring jobs: a node claims a period by moving `next_run_at` with a conditional UPDATE, so
-- several nodes on one database run each period once.
CREATE TABLE job_schedules (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    every_seconds BIGINT NOT NULL,
    next_run_at BIGINT NOT NULL
);

-- The sandbox keeps one message per delivery key, so an outbox job that runs twice (a worker
-- killed after sending, before marking the job done) shows one message.
ALTER TABLE sandbox_messages ADD COLUMN delivery_key TEXT;
CREATE UNIQUE INDEX sandbox_messages_delivery ON sandbox_messages (delivery_key);
