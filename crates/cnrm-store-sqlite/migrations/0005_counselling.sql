-- Counselling sessions, needs assessments (economic, social, psychosocial) and skills assessments of
-- a case. Rows are only ever added: the history of assessments is kept. Lists of codes are JSON
-- arrays of text. Paired with the other backend's 0005_counselling.sql.

CREATE TABLE counselling_sessions (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    held_on TEXT NOT NULL,
    counsellor_id BLOB REFERENCES users (id),
    kind TEXT NOT NULL,
    duration_minutes BIGINT,
    summary TEXT NOT NULL,
    next_steps TEXT,
    recorded_by BLOB,
    created_at TEXT NOT NULL
);
CREATE INDEX counselling_sessions_case ON counselling_sessions (case_id, held_on);

CREATE TABLE needs_assessments (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    assessed_on TEXT NOT NULL,
    assessor_id BLOB REFERENCES users (id),
    economic_level TEXT NOT NULL,
    economic_needs TEXT NOT NULL,
    economic_notes TEXT,
    social_level TEXT NOT NULL,
    social_needs TEXT NOT NULL,
    social_notes TEXT,
    psychosocial_level TEXT NOT NULL,
    psychosocial_needs TEXT NOT NULL,
    psychosocial_notes TEXT,
    notes TEXT,
    recorded_by BLOB,
    created_at TEXT NOT NULL
);
CREATE INDEX needs_assessments_case ON needs_assessments (case_id, assessed_on);

CREATE TABLE skills_assessments (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    assessed_on TEXT NOT NULL,
    assessor_id BLOB REFERENCES users (id),
    skills TEXT NOT NULL,
    experience_years BIGINT,
    experience_sectors TEXT NOT NULL,
    interest_sectors TEXT NOT NULL,
    literacy TEXT NOT NULL,
    numeracy TEXT NOT NULL,
    pathway TEXT,
    notes TEXT,
    recorded_by BLOB,
    created_at TEXT NOT NULL
);
CREATE INDEX skills_assessments_case ON skills_assessments (case_id, assessed_on);
