-- E-contract part 1, enterprises (issue 14): the checks behind real-name authentication, the
-- persons' cloud keys, the wing's settings, and the information-change history of enterprises.
-- Portable SQL: TEXT and BIGINT only, times in Unix seconds.

-- Settings of the e-contract platform an operator may change (`enterprise_product`: the desk
-- product enterprises certify with; `certificate_family`: `ecc` or `sm2`).
CREATE TABLE ec_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Each real-name check a person started (`carrier3`, `bank4`, `face`): the identity checked is
-- sealed; a face check waits for its link (id = blind index of the link's token).
-- state: `pending` | `passed` | `failed` | `expired`.
CREATE TABLE ec_realname_checks (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    method TEXT NOT NULL,
    state TEXT NOT NULL,
    identity_sealed TEXT NOT NULL,
    detail TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ec_realname_checks_user ON ec_realname_checks (user_id, created_at);

-- A person's free cloud certificate key, held sealed by the platform like the desk's cloud keys
-- (which belong to orders); unsealed for one signature at a time with the signing PIN or an SMS code.
CREATE TABLE ec_person_keys (
    serial TEXT PRIMARY KEY REFERENCES ca_certificates (serial),
    user_id TEXT NOT NULL REFERENCES users (id),
    key_sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ec_person_keys_user ON ec_person_keys (user_id);

-- Every desk order of an enterprise (§2.7.5): its certification, a certification after a rename,
-- and renewals of its certificate. purpose: `certify` | `recertify` | `renew`.
CREATE TABLE ec_enterprise_orders (
    order_id TEXT PRIMARY KEY REFERENCES desk_orders (id),
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    purpose TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX ec_enterprise_orders_enterprise ON ec_enterprise_orders (enterprise_id);
