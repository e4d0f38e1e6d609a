-- Questionnaires as versioned data, survey submissions of cases with their scores, and the surveys
-- scheduled for each case (baseline, then follow-ups). A version's definition is the questionnaire
-- as JSON and never changes: a submission keeps the version it was answered with and its raw
-- answers, so its scores can always be recomputed. Scores are also kept in columns (0–1, NULL when
-- nothing was scorable) so that indicators aggregate them without reading JSON.
-- Paired with the other backend's 0018_surveys.sql.

CREATE TABLE questionnaires (
    code TEXT PRIMARY KEY,
    current_version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE questionnaire_versions (
    id UUID PRIMARY KEY,
    questionnaire_code TEXT NOT NULL REFERENCES questionnaires (code),
    version BIGINT NOT NULL,
    label TEXT NOT NULL,
    definition TEXT NOT NULL,
    provisional_weights BOOLEAN NOT NULL,
    imported_by UUID,
    imported_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT questionnaire_versions_number UNIQUE (questionnaire_code, version)
);

CREATE TABLE survey_submissions (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    questionnaire_code TEXT NOT NULL REFERENCES questionnaires (code),
    version_id UUID NOT NULL REFERENCES questionnaire_versions (id),
    kind TEXT NOT NULL,
    answered_on DATE NOT NULL,
    answers TEXT NOT NULL,
    scores TEXT NOT NULL,
    score_economic DOUBLE PRECISION,
    score_social DOUBLE PRECISION,
    score_psychosocial DOUBLE PRECISION,
    score_composite DOUBLE PRECISION,
    scored_with_version UUID NOT NULL REFERENCES questionnaire_versions (id),
    submitted_by UUID,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX survey_submissions_case ON survey_submissions (case_id, answered_on);
CREATE INDEX survey_submissions_answered ON survey_submissions (questionnaire_code, answered_on, kind);

CREATE TABLE survey_schedule (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    months_after_baseline BIGINT NOT NULL,
    due_on DATE NOT NULL,
    done_submission_id UUID REFERENCES survey_submissions (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT survey_schedule_step UNIQUE (case_id, kind, months_after_baseline)
);
CREATE INDEX survey_schedule_due ON survey_schedule (due_on) WHERE done_submission_id IS NULL;
