-- Questionnaires as versioned data, survey submissions of cases with their scores, and the surveys
-- scheduled for each case (baseline, then follow-ups). A version's definition is the questionnaire
-- as JSON and never changes: a submission keeps the version it was answered with and its raw
-- answers, so its scores can always be recomputed. Scores are also kept in columns (0–1, NULL when
-- nothing was scorable) so that indicators aggregate them without reading JSON.
-- Paired with the other backend's 0018_surveys.sql.

CREATE TABLE questionnaires (
    code TEXT PRIMARY KEY,
    current_version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE questionnaire_versions (
    id BLOB PRIMARY KEY,
    questionnaire_code TEXT NOT NULL REFERENCES questionnaires (code),
    version BIGINT NOT NULL,
    label TEXT NOT NULL,
    definition TEXT NOT NULL,
    provisional_weights BOOLEAN NOT NULL,
    imported_by BLOB,
    imported_at TEXT NOT NULL,
    CONSTRAINT questionnaire_versions_number UNIQUE (questionnaire_code, version)
);

CREATE TABLE survey_submissions (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    questionnaire_code TEXT NOT NULL REFERENCES questionnaires (code),
    version_id BLOB NOT NULL REFERENCES questionnaire_versions (id),
    kind TEXT NOT NULL,
    answered_on TEXT NOT NULL,
    answers TEXT NOT NULL,
    scores TEXT NOT NULL,
    score_economic REAL,
    score_social REAL,
    score_psychosocial REAL,
    score_composite REAL,
    scored_with_version BLOB NOT NULL REFERENCES questionnaire_versions (id),
    submitted_by BLOB,
    created_at TEXT NOT NULL
);
CREATE INDEX survey_submissions_case ON survey_submissions (case_id, answered_on);
CREATE INDEX survey_submissions_answered ON survey_submissions (questionnaire_code, answered_on, kind);

CREATE TABLE survey_schedule (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    months_after_baseline BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    done_submission_id BLOB REFERENCES survey_submissions (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT survey_schedule_step UNIQUE (case_id, kind, months_after_baseline)
);
CREATE INDEX survey_schedule_due ON survey_schedule (due_on) WHERE done_submission_id IS NULL;
