-- Billing (issue 16, ES-5, seed 004 §2.3): packages of contract quota sold by staff, purchases
-- paid through the payment gateway (one `purchase` ledger row per paid purchase, written with
-- the purchase's move to paid), the expiry of lapsed purchases, and invoices.
-- Portable SQL: TEXT and BIGINT only, times in Unix seconds, money in fen.

-- A package on the price list. on_sale: 1 | 0 (taken off sale; bought ones stay valid).
CREATE TABLE ec_packages (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    contracts BIGINT NOT NULL,
    price_fen BIGINT NOT NULL,
    validity_days BIGINT NOT NULL,
    on_sale BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A purchase order: the package as it was sold (name, count, price, validity copied), its one
-- payment (the purchase id is the payment id at the gateway) and its state:
-- `pending` | `paid` | `failed`. expires_at = paid_at + validity; expired_at is set when the
-- expiry job wrote what was left of it off.
CREATE TABLE ec_purchases (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    package_id TEXT NOT NULL REFERENCES ec_packages (id),
    package_name TEXT NOT NULL,
    contracts BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    validity_days BIGINT NOT NULL,
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    transaction_ref TEXT,
    paid_at BIGINT,
    expires_at BIGINT,
    expired_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ec_purchases_enterprise ON ec_purchases (enterprise_id, created_at);
CREATE INDEX ec_purchases_expiry ON ec_purchases (state, expires_at);

-- Every gateway notification about a purchase, by the gateway's notification id: a second
-- delivery of one notification finds its row and changes nothing.
CREATE TABLE ec_purchase_notifications (
    notify_id TEXT PRIMARY KEY,
    purchase_id TEXT NOT NULL REFERENCES ec_purchases (id),
    result TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- The ledger rows a purchase caused: its `purchase` row and its `expiry` row, one each, kept by
-- the database as well as by the purchase's conditional state change.
ALTER TABLE ec_quota_ledger ADD COLUMN purchase_id TEXT;
CREATE UNIQUE INDEX ec_quota_ledger_one_per_purchase ON ec_quota_ledger (purchase_id, reason)
    WHERE purchase_id IS NOT NULL;

-- An invoice request. kind: `normal` (普通发票, a PDF e-mailed) | `special` (专用发票 on
-- paper, mailed). state: `requested` | `issued`. A request reserves its amount: the
-- invoiceable amount is the paid purchases' sum minus every invoice's.
CREATE TABLE ec_invoices (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    kind TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    title TEXT NOT NULL,
    tax_number TEXT NOT NULL,
    email TEXT NOT NULL,
    bank TEXT NOT NULL,
    bank_account TEXT NOT NULL,
    company_address TEXT NOT NULL,
    company_phone TEXT NOT NULL,
    mail_address TEXT NOT NULL,
    mail_recipient TEXT NOT NULL,
    mail_phone TEXT NOT NULL,
    state TEXT NOT NULL,
    number TEXT,
    blob TEXT,
    tracking_number TEXT,
    requested_by TEXT NOT NULL,
    issued_by TEXT,
    created_at BIGINT NOT NULL,
    issued_at BIGINT
);
CREATE INDEX ec_invoices_enterprise ON ec_invoices (enterprise_id, created_at);
CREATE INDEX ec_invoices_state ON ec_invoices (state, created_at);
