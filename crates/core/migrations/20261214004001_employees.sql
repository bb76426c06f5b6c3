-- Employees of an enterprise (seed 004 §2.4, ES-6): the onboarding field set it collects, its
-- QR self-onboarding code, and one row per onboarding from the first entry to resignation.
-- Portable SQL: TEXT and BIGINT only, times in Unix seconds, dates as `YYYY-MM-DD` text.

-- What an enterprise collects on the phone form (a JSON list of codes from the platform's list;
-- name, phone and ID number always), and the code of its self-onboarding QR link.
CREATE TABLE ec_employee_settings (
    enterprise_id TEXT PRIMARY KEY REFERENCES ec_enterprises (id),
    fields TEXT NOT NULL,
    join_code TEXT UNIQUE,
    updated_at BIGINT NOT NULL
);

-- state: `invited` (entered by the administrator, by Excel or through the QR link; the SMS link
-- is out) | `submitted` (the employee filled the form) | `rejected` (sent back with a reason and a
-- new link) | `active` (approved: on the roster) | `resigned` (left on `resigned_on`).
-- Phone and ID number are sealed, found by blind index and listed masked; the other collected
-- fields (bank card, addresses, …) are one sealed JSON object. The name stays clear for search.
-- The form's link is a one-time token kept only as its blind index (`link_hash`).
CREATE TABLE ec_employees (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    name TEXT NOT NULL,
    phone_index TEXT NOT NULL,
    phone_sealed TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    id_index TEXT,
    id_sealed TEXT,
    id_masked TEXT,
    data_sealed TEXT,
    department_id TEXT REFERENCES ec_departments (id),
    position TEXT,
    source TEXT NOT NULL,
    state TEXT NOT NULL,
    reject_reason TEXT,
    link_hash TEXT UNIQUE,
    link_expires_at BIGINT,
    hired_on TEXT,
    resigned_on TEXT,
    created_by TEXT REFERENCES users (id),
    submitted_at BIGINT,
    decided_by TEXT REFERENCES users (id),
    decided_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ec_employees_enterprise ON ec_employees (enterprise_id, state);
CREATE INDEX ec_employees_department ON ec_employees (department_id);
-- One person once per enterprise until they resign, kept by the database itself: parallel
-- onboardings of the same phone (single, Excel, QR) leave exactly one row.
CREATE UNIQUE INDEX ec_employees_one_phone ON ec_employees (enterprise_id, phone_index)
    WHERE state <> 'resigned';
CREATE UNIQUE INDEX ec_employees_one_id ON ec_employees (enterprise_id, id_index)
    WHERE id_index IS NOT NULL AND state <> 'resigned';
