-- The registration desk: staff roles, the catalog (projects/channels and their products), orders
-- with their history, verification sessions, materials, payments and cloud-held keys. Portable
-- SQL as in the platform migration: TEXT and BIGINT only, times in Unix seconds, money in fen,
-- JSON documents as TEXT. Personal data is sealed (`*_sealed`) and only masked copies are listed.

CREATE TABLE staff_roles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE desk_projects (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- First letter of the name's pinyin, for the A–Z index.
    initial TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- How many enterprise certificates an applicant must order (001: exactly 2); 0 = no rule.
    required_quantity BIGINT NOT NULL DEFAULT 0,
    -- Landing page, notices, manual, client download, FAQ, service contacts (JSON).
    help TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE desk_products (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES desk_projects (id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    ca TEXT NOT NULL,
    profile TEXT NOT NULL,
    -- Everything else a product fixes (terms, medium, price, materials, methods...), as JSON.
    settings TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX desk_products_project ON desk_products (project_id);

CREATE TABLE desk_orders (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id),
    product_id TEXT NOT NULL REFERENCES desk_products (id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    -- The application form (JSON, sealed) and its masked summary for lists.
    form_sealed TEXT NOT NULL,
    summary TEXT NOT NULL,
    subject_name TEXT NOT NULL,
    -- Blind index of the subject's ID number; `open_key` = index + business while the order is
    -- open, NULL once it ends, so the unique index allows one open order per ID and business.
    id_index TEXT,
    open_key TEXT UNIQUE,
    term_years BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    review_first BIGINT NOT NULL,
    paid_at BIGINT,
    -- Why automatic checks sent this order to a person (JSON list), and the reviewer's reason.
    flags TEXT NOT NULL,
    reject_reason TEXT,
    signed_at BIGINT,
    signature_evidence TEXT,
    tracking_number TEXT,
    certificate_serial TEXT,
    -- The certificate a renewal, change, reissue or unlock acts on.
    target_serial TEXT,
    version BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX desk_orders_user ON desk_orders (user_id, created_at);
CREATE INDEX desk_orders_state ON desk_orders (state, updated_at);

CREATE TABLE desk_order_events (
    order_id TEXT NOT NULL REFERENCES desk_orders (id),
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (order_id, seq)
);

CREATE TABLE desk_verifications (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES desk_orders (id),
    -- Whose identity: `organisation`, `legal_rep`, `operator`, `person`.
    party TEXT NOT NULL,
    method TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    -- Secret of the check (micro-deposit amount, face-session token), sealed.
    secret_sealed TEXT,
    detail TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX desk_verifications_order ON desk_verifications (order_id, party);

CREATE TABLE desk_materials (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    blob TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX desk_materials_user ON desk_materials (user_id, kind, created_at);

-- One-time links that let a phone upload into an order, or a legal representative authorise it.
CREATE TABLE desk_links (
    token_hash TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES desk_orders (id),
    purpose TEXT NOT NULL,
    detail TEXT NOT NULL,
    used BIGINT NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE desk_payments (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES desk_orders (id),
    channel TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    state TEXT NOT NULL,
    provider_ref TEXT,
    paid_at BIGINT,
    refunded_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX desk_payments_order ON desk_payments (order_id);

-- Every payment notification accepted, by the gateway's notification id: a replay is refused.
CREATE TABLE desk_payment_notifications (
    notify_id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES desk_payments (id),
    result TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

CREATE TABLE desk_invoices (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES desk_orders (id),
    blob TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Keys of cloud certificates, held by the platform sealed under the platform key.
CREATE TABLE desk_cloud_keys (
    serial TEXT PRIMARY KEY REFERENCES ca_certificates (serial),
    order_id TEXT NOT NULL REFERENCES desk_orders (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    key_sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Certificates on USB tokens the platform produced: token serial and the sealed SO PIN.
CREATE TABLE desk_tokens (
    certificate_serial TEXT PRIMARY KEY REFERENCES ca_certificates (serial),
    order_id TEXT NOT NULL REFERENCES desk_orders (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    token_serial TEXT NOT NULL,
    token_model TEXT NOT NULL,
    so_pin_sealed TEXT,
    created_at BIGINT NOT NULL
);

-- Expiry reminders sent (LIFE-7): one row per certificate and threshold, so the job is idempotent.
CREATE TABLE desk_expiry_reminders (
    serial TEXT NOT NULL,
    days BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (serial, days)
);

-- Certificate login (LIFE-8): a token certificate bound to an account, and the one-time
-- challenges a token signs to bind or to log in.
CREATE TABLE cert_bindings (
    serial TEXT PRIMARY KEY REFERENCES ca_certificates (serial),
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    bound_at BIGINT NOT NULL
);
CREATE INDEX cert_bindings_user ON cert_bindings (user_id);

CREATE TABLE cert_challenges (
    id TEXT PRIMARY KEY,
    challenge TEXT NOT NULL,
    purpose TEXT NOT NULL,
    user_id TEXT,
    used BIGINT NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL
);

-- The holder's signing PIN of a cloud certificate (Argon2id), with its wrong-try lockout.
CREATE TABLE desk_cloud_pins (
    serial TEXT PRIMARY KEY REFERENCES desk_cloud_keys (serial),
    pin_hash TEXT NOT NULL,
    failures BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    updated_at BIGINT NOT NULL
);
