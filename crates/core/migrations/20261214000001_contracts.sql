-- The e-contract wing (seed 004), part 1's foundation: real-named persons, enterprises certified
-- through the desk, their members and business types, departments, seal types, seals and grants.
-- Portable SQL as in the platform migration: TEXT and BIGINT only, times in Unix seconds.
-- Personal data is sealed (`*_sealed`), looked up by blind index (`*_index`), listed masked.

-- Each acceptance of a text a person must consent to before real-name authentication
-- (`privacy` policy, `biometric` notice), with the text's version and where it came from.
CREATE TABLE ec_consents (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    document TEXT NOT NULL,
    version TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    accepted_at BIGINT NOT NULL
);
CREATE INDEX ec_consents_user ON ec_consents (user_id);

-- A person who passed real-name authentication (`face`, `carrier3` or `bank4`), and the personal
-- cloud certificate that earned. One account per real person: the ID number's index is unique.
CREATE TABLE ec_persons (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    name_sealed TEXT NOT NULL,
    name_masked TEXT NOT NULL,
    id_index TEXT NOT NULL UNIQUE,
    id_sealed TEXT NOT NULL,
    id_masked TEXT NOT NULL,
    method TEXT NOT NULL,
    -- The desk verification session that passed.
    verification_id TEXT,
    certificate_serial TEXT REFERENCES ca_certificates (serial),
    verified_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- An enterprise, from its first certification application on. The unified social credit code
-- (public register data, not personal) names one enterprise: a second applicant for a code that
-- is certified or being certified by someone else is refused.
-- state: `certifying` (its desk order is open) | `certified` | `withdrawn` (the order was withdrawn
-- or cancelled before it completed) | `recertifying` (renamed: must certify again to sign).
CREATE TABLE ec_enterprises (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL UNIQUE,
    legal_rep_name_sealed TEXT NOT NULL,
    legal_rep_name_masked TEXT NOT NULL,
    state TEXT NOT NULL,
    -- Who applied (becomes the one administrator when the order completes).
    applicant_user_id TEXT NOT NULL REFERENCES users (id),
    -- The certification order on the desk, and the certificate it produced: the enterprise's
    -- signing certificate (subject O = name, serialNumber = credit code), behind its seals.
    order_id TEXT REFERENCES desk_orders (id),
    certificate_serial TEXT REFERENCES ca_certificates (serial),
    -- `cloud` (key held sealed by the platform) or `ukey` (key on a USB token).
    medium TEXT NOT NULL,
    certified_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ec_enterprises_applicant ON ec_enterprises (applicant_user_id);

-- People of an enterprise: join requests and members in one row per (enterprise, person).
-- role: `admin` (exactly one while the enterprise is certified) | `delegate` | `member`.
-- state: `pending` (asked to join) | `active` | `rejected` | `withdrawn` (the applicant withdrew
-- the request or left) | `removed` (by the administrator). Re-applying reuses the row.
CREATE TABLE ec_members (
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL DEFAULT 'member',
    state TEXT NOT NULL,
    -- The applicant's reason to join, and the administrator's reason when rejecting.
    reason TEXT,
    decision_reason TEXT,
    decided_by TEXT REFERENCES users (id),
    decided_at BIGINT,
    department_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (enterprise_id, user_id)
);
CREATE INDEX ec_members_user ON ec_members (user_id);
-- At most one active administrator per enterprise, kept by the database itself; transfers swap
-- roles inside one transaction so there is exactly one afterwards.
CREATE UNIQUE INDEX ec_members_one_admin ON ec_members (enterprise_id)
    WHERE role = 'admin' AND state = 'active';

-- The business types of an enterprise (劳动合同, 劳务派遣合同, …), copied from the platform's list
-- at certification. Data of one type is invisible to members without it. `required_fields` is the
-- JSON list of contract fields every template of the type must place (part 2).
CREATE TABLE ec_business_types (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    required_fields TEXT NOT NULL DEFAULT '[]',
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    UNIQUE (enterprise_id, code)
);

CREATE TABLE ec_member_business_types (
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    business_type_id TEXT NOT NULL REFERENCES ec_business_types (id),
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (enterprise_id, user_id, business_type_id)
);

-- The directory: a tree of departments per enterprise (parent NULL = directly under the
-- enterprise). Only an empty department (no children, nobody in it) can be deleted.
CREATE TABLE ec_departments (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    parent_id TEXT REFERENCES ec_departments (id),
    name TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ec_departments_enterprise ON ec_departments (enterprise_id);

-- The seal types a deployment offers enterprises (operators may add rows or switch some off).
-- shape: `round` (ring, name on the upper arc, star) | `square` (name in seal style) | `date`.
CREATE TABLE ec_seal_types (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    shape TEXT NOT NULL,
    position BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1
);
INSERT INTO ec_seal_types (code, name, name_en, shape, position, active) VALUES
    ('company', '公章', 'Company seal', 'round', 1, 1),
    ('contract', '合同专用章', 'Contract seal', 'round', 2, 1),
    ('legal_rep', '法人章', 'Legal representative seal', 'square', 3, 1),
    ('date', '日期章', 'Date stamp', 'date', 4, 1);

-- Seals: an enterprise's (kind = a seal type code, bound to the enterprise's certificate) or a
-- person's (`enterprise_id` NULL; kind `name` or `handwriting`, bound to the person's
-- certificate). The image is a transparent PNG in the blob store (content address).
-- source: `generated` | `uploaded` | `captured`; state: `active` | `disabled` | `void`.
CREATE TABLE ec_seals (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT REFERENCES ec_enterprises (id),
    user_id TEXT REFERENCES users (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    image_blob TEXT NOT NULL,
    image_width BIGINT NOT NULL,
    image_height BIGINT NOT NULL,
    source TEXT NOT NULL,
    state TEXT NOT NULL,
    void_reason TEXT,
    certificate_serial TEXT REFERENCES ca_certificates (serial),
    created_by TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ec_seals_enterprise ON ec_seals (enterprise_id);
CREATE INDEX ec_seals_user ON ec_seals (user_id);

-- Grants of an enterprise seal to a member, optionally until a time. Revoking keeps the row
-- (the log of grants); at most one open grant per seal and member.
CREATE TABLE ec_seal_grants (
    id TEXT PRIMARY KEY,
    seal_id TEXT NOT NULL REFERENCES ec_seals (id),
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    granted_by TEXT NOT NULL REFERENCES users (id),
    granted_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    revoked_by TEXT REFERENCES users (id)
);
CREATE INDEX ec_seal_grants_user ON ec_seal_grants (enterprise_id, user_id);
CREATE UNIQUE INDEX ec_seal_grants_open ON ec_seal_grants (seal_id, user_id)
    WHERE revoked_at IS NULL;
