-- The certificate authority: its CAs (keys encrypted under a key derived from the master key),
-- the certificates they issued with their status, and the CRLs they published. Portable SQL as
-- in the platform migration: TEXT and BIGINT only, times in Unix seconds, DER as base64.

CREATE TABLE ca_authorities (
    name TEXT PRIMARY KEY,
    family TEXT NOT NULL,
    role TEXT NOT NULL,
    issuer_name TEXT,
    serial TEXT NOT NULL,
    subject TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    certificate_der TEXT NOT NULL,
    key_algorithm TEXT NOT NULL,
    sm2_id TEXT NOT NULL,
    key_encrypted TEXT NOT NULL,
    -- Base URL of the /pki endpoints this CA's certificates point at (AIA, CRL DP).
    public_url TEXT NOT NULL,
    -- Bumped by every revocation under this CA; OCSP caches and CRLs compare it.
    revision BIGINT NOT NULL DEFAULT 0,
    -- The last CRL number used; the next CRL takes crl_number + 1.
    crl_number BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX ca_authorities_family_role ON ca_authorities (family, role);

CREATE TABLE ca_certificates (
    serial TEXT PRIMARY KEY,
    ca_name TEXT NOT NULL REFERENCES ca_authorities (name),
    profile TEXT NOT NULL,
    subject TEXT NOT NULL,
    key_algorithm TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    status TEXT NOT NULL,
    revoked_at BIGINT,
    revocation_reason TEXT,
    certificate_der TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX ca_certificates_revoked ON ca_certificates (ca_name, status);

CREATE TABLE ca_crls (
    ca_name TEXT NOT NULL REFERENCES ca_authorities (name),
    number BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    this_update BIGINT NOT NULL,
    next_update BIGINT NOT NULL,
    crl_der TEXT NOT NULL,
    PRIMARY KEY (ca_name, number)
);
