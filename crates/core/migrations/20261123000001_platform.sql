-- Platform tables. Portable SQL for SQLite and PostgreSQL: TEXT and BIGINT only (sqlx's Any
-- driver cannot decode SQLite booleans or timestamp types); times are Unix seconds.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    login_name TEXT,
    login_name_key TEXT UNIQUE,
    phone_index TEXT NOT NULL UNIQUE,
    phone_sealed TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    email_index TEXT UNIQUE,
    email_sealed TEXT,
    email_masked TEXT,
    real_name_sealed TEXT,
    password_hash TEXT,
    avatar_blob TEXT,
    avatar_type TEXT,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    first_failed_at BIGINT,
    locked_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    csrf_token TEXT NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    verified_phone_sealed TEXT,
    verified_phone_until BIGINT,
    old_phone_until BIGINT,
    ip TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE captchas (
    id TEXT PRIMARY KEY,
    answer_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE sms_codes (
    id TEXT PRIMARY KEY,
    phone_index TEXT NOT NULL,
    purpose TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sms_codes_lookup ON sms_codes (phone_index, purpose, created_at);

-- Messages and captcha answers kept by the sandbox providers (only written in sandbox mode).
CREATE TABLE sandbox_messages (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    code TEXT,
    created_at BIGINT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX sandbox_messages_recipient ON sandbox_messages (recipient, seq);

-- Append-only, hash-chained audit log. `audit_head` holds the last link so a deleted tail shows.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    ip TEXT NOT NULL,
    before_state TEXT NOT NULL,
    after_state TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, 'genesis');
