-- The service catalogue: what each organisation offers returnees, where and to whom. Every change is
-- a revision (draft, submitted, returned, published, superseded): the published revision stays
-- visible while a later one waits for the secretariat's validation.
-- Paired with the other backend's 0011_services.sql.

CREATE TABLE catalogue_services (
    id BLOB PRIMARY KEY,
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    version BIGINT NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX catalogue_services_organisation ON catalogue_services (organisation_id);

-- Eligibility lists (sexes, vulnerabilities, return types) and languages are JSON arrays of codes.
CREATE TABLE catalogue_revisions (
    id BLOB PRIMARY KEY,
    service_id BLOB NOT NULL REFERENCES catalogue_services (id),
    number BIGINT NOT NULL,
    status TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    dimension TEXT NOT NULL,
    description TEXT NOT NULL,
    sexes TEXT NOT NULL,
    age_min BIGINT,
    age_max BIGINT,
    vulnerabilities TEXT NOT NULL,
    return_types TEXT NOT NULL,
    capacity_per_month BIGINT,
    cost_xof BIGINT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    languages TEXT NOT NULL,
    opening_hours TEXT NOT NULL,
    review_comment TEXT,
    reviewed_by BLOB,
    reviewed_at TEXT,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (service_id, number)
);
CREATE INDEX catalogue_revisions_search ON catalogue_revisions (status, category);
CREATE INDEX catalogue_revisions_service ON catalogue_revisions (service_id, status);

-- The admin units a revision covers (a region covers its cercles).
CREATE TABLE catalogue_revision_units (
    revision_id BLOB NOT NULL REFERENCES catalogue_revisions (id) ON DELETE CASCADE,
    pcode TEXT NOT NULL REFERENCES admin_units (pcode),
    PRIMARY KEY (revision_id, pcode)
);
CREATE INDEX catalogue_revision_units_pcode ON catalogue_revision_units (pcode);
