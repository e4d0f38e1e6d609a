-- Case management: returnees (persons), their identity documents and phones, cases with their return,
-- consent, vulnerability screening and tasks. Paired with cnrm-store-postgres/migrations/0002_cases.sql.

CREATE TABLE persons (
    id BLOB PRIMARY KEY,
    family_name TEXT NOT NULL,
    given_names TEXT NOT NULL,
    other_names TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date TEXT,
    birth_precision TEXT,
    nationality TEXT NOT NULL,
    languages TEXT NOT NULL,
    education_level TEXT,
    occupation TEXT NOT NULL,
    skills TEXT NOT NULL,
    marital_status TEXT,
    dependants BIGINT,
    origin_pcode TEXT REFERENCES admin_units (pcode),
    settlement_pcode TEXT REFERENCES admin_units (pcode),
    emergency_contact_name TEXT NOT NULL,
    emergency_contact_phone TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX persons_settlement ON persons (settlement_pcode);

-- Folded name tokens (accents and case removed): prefix searches use the index on both engines.
CREATE TABLE person_name_tokens (
    token TEXT NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    PRIMARY KEY (token, person_id)
);
CREATE INDEX person_name_tokens_person ON person_name_tokens (person_id);

CREATE TABLE person_phones (
    phone TEXT NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    PRIMARY KEY (phone, person_id)
);
CREATE INDEX person_phones_person ON person_phones (person_id);

CREATE TABLE person_documents (
    id BLOB PRIMARY KEY,
    person_id BLOB NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    doc_type TEXT NOT NULL,
    number TEXT NOT NULL,
    number_key TEXT NOT NULL,
    issuing_country TEXT NOT NULL,
    UNIQUE (doc_type, number_key)
);
CREATE INDEX person_documents_person ON person_documents (person_id);
CREATE INDEX person_documents_number ON person_documents (number_key);

CREATE TABLE case_counters (
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    year BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, year)
);

CREATE TABLE cases (
    id BLOB PRIMARY KEY,
    person_id BLOB NOT NULL REFERENCES persons (id),
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    case_number TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    protection BOOLEAN NOT NULL,
    assigned_to BLOB REFERENCES users (id),
    team TEXT,
    arrival_date TEXT NOT NULL,
    returned_from TEXT NOT NULL,
    return_type TEXT NOT NULL,
    arrival_point TEXT NOT NULL,
    programme TEXT NOT NULL,
    immediate_assistance TEXT NOT NULL,
    closure_reason TEXT,
    closed_on TEXT,
    version BIGINT NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- Lists are ordered by arrival, newest first, within an organisation, a status, an assignee or a team.
CREATE INDEX cases_organisation ON cases (organisation_id, arrival_date, id);
CREATE INDEX cases_organisation_status ON cases (organisation_id, status, arrival_date, id);
CREATE INDEX cases_assigned ON cases (assigned_to, arrival_date);
CREATE INDEX cases_team ON cases (organisation_id, team, arrival_date);
CREATE INDEX cases_person ON cases (person_id);
CREATE INDEX cases_arrival ON cases (arrival_date);

CREATE TABLE consents (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    partner_organisation_id BLOB REFERENCES organisations (id),
    method TEXT NOT NULL,
    granted_on TEXT NOT NULL,
    obtained_by BLOB,
    withdrawn_on TEXT,
    withdrawn_by BLOB,
    created_at TEXT NOT NULL
);
CREATE INDEX consents_case ON consents (case_id);

CREATE TABLE vulnerabilities (
    case_id BLOB NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    flag TEXT NOT NULL,
    noted_by BLOB,
    noted_at TEXT NOT NULL,
    PRIMARY KEY (case_id, flag)
);

CREATE TABLE tasks (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    due_on TEXT NOT NULL,
    assigned_to BLOB REFERENCES users (id),
    done_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX tasks_case ON tasks (case_id);
CREATE INDEX tasks_assigned ON tasks (assigned_to, due_on);

CREATE TABLE person_links (
    person_a BLOB NOT NULL REFERENCES persons (id),
    person_b BLOB NOT NULL REFERENCES persons (id),
    relation TEXT NOT NULL,
    PRIMARY KEY (person_a, person_b)
);
