-- Bulk launch from Excel (issue 15, ES-7 §2.5.1.1): an uploaded workbook validated row by row
-- into a batch; launching it writes a `contracts.bulk_launch` job in the same transaction, and
-- the job launches the rows in chunks, each chunk's tasks committed with the rows' states and
-- the batch's counters, so a rerun after a restart continues where it stopped.
-- Portable SQL: TEXT and BIGINT only, times in Unix seconds.

-- state: `validated` (rows checked, nothing launched) | `launching` (the job runs) | `done`.
-- spec: the task settings every row shares (JSON); versions: the template version ids, fixed at
-- upload (JSON list); columns: the workbook's columns (JSON).
CREATE TABLE ec_bulk_batches (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    initiator_id TEXT NOT NULL REFERENCES users (id),
    spec TEXT NOT NULL,
    versions TEXT NOT NULL,
    columns TEXT NOT NULL,
    state TEXT NOT NULL,
    valid_rows BIGINT NOT NULL,
    invalid_rows BIGINT NOT NULL,
    -- Rows chosen to launch, and how many of them are launched or failed so far.
    total BIGINT NOT NULL DEFAULT 0,
    launched BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ec_bulk_batches_enterprise ON ec_bulk_batches (enterprise_id, created_at);

-- One data row of the workbook (row_no as Excel numbers it, the header being row 1).
-- state: `valid` | `invalid` | `skipped` (invalid, left out at launch) | `launched` | `failed`.
-- content: the normalised values and the parties' phones and accounts (JSON, sealed: personal
-- data); errors: the row's errors by column (JSON list, empty when valid).
CREATE TABLE ec_bulk_rows (
    batch_id TEXT NOT NULL REFERENCES ec_bulk_batches (id),
    row_no BIGINT NOT NULL,
    state TEXT NOT NULL,
    content TEXT NOT NULL,
    errors TEXT NOT NULL,
    task_id TEXT,
    PRIMARY KEY (batch_id, row_no)
);
CREATE INDEX ec_bulk_rows_state ON ec_bulk_rows (batch_id, state, row_no);
