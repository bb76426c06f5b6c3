-- Per-client counters of the requests that guard accounts (SMS sends, logins, PIN tries), kept
-- in the database so that every node behind a load balancer counts against the same limit.
-- One row per bucket, client address and fixed window; the purge job deletes old windows.
CREATE TABLE rate_counters (
    bucket TEXT NOT NULL,
    client TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (bucket, client, window_start)
);
CREATE INDEX rate_counters_window ON rate_counters (window_start);
