-- Handwriting capture (ES-14, seed 004 §2.9.2): a one-time link, shown as a QR code on the PC's
-- "my seals" page, that opens a drawing page on the phone for ten minutes. The token in the link
-- is kept only as a keyed blind index; `id` is what the signed-in PC page waits on.
-- state: `open` | `submitted` (final; `seal_id` names the stored handwriting seal).
CREATE TABLE ec_handwriting_captures (
    id TEXT PRIMARY KEY,
    token_index TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    seal_id TEXT REFERENCES ec_seals (id),
    created_at BIGINT NOT NULL,
    submitted_at BIGINT,
    expires_at BIGINT NOT NULL
);
CREATE INDEX ec_handwriting_captures_user ON ec_handwriting_captures (user_id);
