-- A member's claim of the administrator role (§2.9.3.2), made as a desk order of the e-contract
-- project's "管理员申领" product. `state`: `open` while the order runs, then `done` (the claimant
-- became the administrator), `void` (the order completed but nothing changed; `reason` says why)
-- or `withdrawn` (the order was cancelled or refunded). One open claim per enterprise and
-- claimant, kept by the database itself.
CREATE TABLE ec_admin_claims (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    order_id TEXT NOT NULL UNIQUE REFERENCES desk_orders (id),
    -- `legal_rep` (the claimant is the legal representative) or `authorised` (an operator with
    -- the enterprise's authorisation letter).
    route TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ec_admin_claims_enterprise ON ec_admin_claims (enterprise_id);
CREATE UNIQUE INDEX ec_admin_claims_one_open ON ec_admin_claims (enterprise_id, user_id)
    WHERE state = 'open';
