-- Contract templates (issue 15, ES-11, seed 004 §2.6): private to an enterprise and bound to one
-- business type. A template has versions; a published version never changes (contracts point at
-- the version they were launched from), editing a published template makes a new draft, and
-- publishing that draft supersedes the old version. Portable SQL: TEXT and BIGINT, Unix seconds.
CREATE TABLE ec_templates (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    business_type_id TEXT NOT NULL REFERENCES ec_business_types (id),
    name TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ec_templates_enterprise ON ec_templates (enterprise_id, business_type_id, updated_at);

-- state: `draft` | `published` | `superseded`. Blobs are SHA-256 names in the blob store:
-- `source_blob` the upload (`source_kind` `pdf` or `docx`), `pdf_blob` the PDF the fields are
-- placed on (the same blob for a PDF upload). JSON columns (see `contracts::templates::model`):
-- `pages` [{width, height}] as displayed, `roles`, `fields`, `signing` (points from the
-- displayed page's top-left corner).
CREATE TABLE ec_template_versions (
    id TEXT PRIMARY KEY,
    template_id TEXT NOT NULL REFERENCES ec_templates (id),
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    source_blob TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    pdf_blob TEXT NOT NULL,
    page_count BIGINT NOT NULL,
    pages TEXT NOT NULL,
    roles TEXT NOT NULL DEFAULT '[]',
    fields TEXT NOT NULL DEFAULT '[]',
    signing TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL,
    published_at BIGINT,
    UNIQUE (template_id, version)
);
-- At most one draft and one published version per template, whatever runs at once.
CREATE UNIQUE INDEX ec_template_versions_one_draft ON ec_template_versions (template_id)
    WHERE state = 'draft';
CREATE UNIQUE INDEX ec_template_versions_one_published ON ec_template_versions (template_id)
    WHERE state = 'published';

-- Fields an enterprise defines beyond the platform's standard list (§2.6.2).
-- kind: `text` | `date` | `number` | `id_number` | `mobile`.
CREATE TABLE ec_template_fields (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES ec_enterprises (id),
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    label_en TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    UNIQUE (enterprise_id, key)
);
