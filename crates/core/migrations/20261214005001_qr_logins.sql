-- QR login (SPEC ACC-7): a PC browser shows a QR code; a phone signed in on the phone pages opens
-- its link and confirms, and the PC session that showed it is signed in as the phone's user.
-- `id` is what the PC polls (only with the session it was made for, `session_hash` = the
-- session's stored token hash); the secret in the QR's link is kept only as a keyed blind index.
-- What the phone is shown is kept already reduced: the browser summary and the masked address.
-- state: `pending` | `confirmed` (by `user_id`) | `refused` | `signed_in` (used, final);
-- expiry is read from `expires_at` (two minutes; a confirmed request one more minute to collect).
CREATE TABLE qr_logins (
    id TEXT PRIMARY KEY,
    secret_index TEXT NOT NULL UNIQUE,
    session_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    browser TEXT NOT NULL,
    ip_masked TEXT NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    expires_at BIGINT NOT NULL
);
CREATE INDEX qr_logins_expires ON qr_logins (expires_at);
