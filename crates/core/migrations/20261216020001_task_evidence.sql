-- Each completed document's evidence package (X-6), made once by the `contracts.evidence` job
-- that the completing transaction queues: its report is signed under a certificate of its own,
-- so it is stored rather than made again for each download.
CREATE TABLE ec_task_evidence (
    document_id TEXT PRIMARY KEY REFERENCES ec_task_documents (id),
    task_id TEXT NOT NULL REFERENCES ec_tasks (id),
    blob TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ec_task_evidence_task ON ec_task_evidence (task_id);
