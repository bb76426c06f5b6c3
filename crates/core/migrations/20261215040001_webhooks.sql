-- Webhooks (X-5): an enterprise's HTTPS endpoints for task events, each delivery of an event to
-- an endpoint, and every attempt at it. A delivery is written with its job (`jobs`, kind
-- `contracts.webhook`) in the transaction of the change that caused the event, so an event
-- survives a stop of the server between the commit and the POST.

-- `events`: a JSON array of event kinds (`task.launched`, `task.signed`, `task.completed`,
-- `task.void`). `secret` is sealed with the field cipher (bound to this row and column) and shown
-- only when created or rotated. A removed endpoint keeps its row (its deliveries stay readable
-- to nobody but the database) with `active` 0 and `deleted_at` set.
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    secret_rotated_at BIGINT,
    deleted_at BIGINT
);
CREATE INDEX webhook_endpoints_enterprise ON webhook_endpoints (enterprise_id, active);

-- One event for one endpoint. `payload` is the exact JSON body every attempt sends (events carry
-- ids, states and times, no personal data). `state`: `pending` | `delivered` | `failed` (its job
-- was dead-lettered after the last attempt, or the endpoint was removed). `redeliveries` counts
-- the administrator's redeliveries (each a new job under its own key).
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
    enterprise_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_kind TEXT NOT NULL,
    task_id TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_status BIGINT,
    last_error TEXT,
    next_attempt_at BIGINT,
    redeliveries BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    delivered_at BIGINT,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);

-- Each POST: when, how long, and the HTTP status or (no answer) the error.
CREATE TABLE webhook_attempts (
    id TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
    attempted_at BIGINT NOT NULL,
    status BIGINT,
    error TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempted_at);
