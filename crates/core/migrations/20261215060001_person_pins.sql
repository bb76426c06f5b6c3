-- The signing PIN of a real-named person's cloud key (Argon2id), with its wrong-try lockout: the
-- same rule and columns as the desk's `desk_cloud_pins`, for the keys in `ec_person_keys`.
CREATE TABLE ec_person_pins (
    serial TEXT PRIMARY KEY REFERENCES ec_person_keys (serial),
    pin_hash TEXT NOT NULL,
    failures BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    updated_at BIGINT NOT NULL
);
