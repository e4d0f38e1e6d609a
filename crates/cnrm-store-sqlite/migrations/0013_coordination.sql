-- Coordination between the actors: meetings (attendance, agenda, minutes, decisions) and their
-- action points with the history of their updates, partnership agreements and their parties,
-- training sessions and their participants, and the library of good practices.
-- Lists of lines (agenda, attendees, decisions, evidence, tags) are JSON arrays of strings.
-- Paired with the other backend's 0013_coordination.sql.

CREATE TABLE meetings (
    id BLOB PRIMARY KEY,
    title TEXT NOT NULL,
    level TEXT NOT NULL,
    location_pcode TEXT REFERENCES admin_units (pcode),
    held_on TEXT NOT NULL,
    place TEXT NOT NULL,
    agenda TEXT NOT NULL,
    attendees TEXT NOT NULL,
    minutes TEXT NOT NULL,
    decisions TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX meetings_held_on ON meetings (held_on, id);

CREATE TABLE meeting_organisations (
    meeting_id BLOB NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (meeting_id, organisation_id)
);

CREATE TABLE action_points (
    id BLOB PRIMARY KEY,
    meeting_id BLOB NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    owner_organisation_id BLOB NOT NULL REFERENCES organisations (id),
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX action_points_meeting ON action_points (meeting_id, id);
CREATE INDEX action_points_owner ON action_points (owner_organisation_id, status, due_on);

-- Every change of status of an action point, with the comment of who made it.
CREATE TABLE action_point_updates (
    id BLOB PRIMARY KEY,
    action_point_id BLOB NOT NULL REFERENCES action_points (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    comment TEXT NOT NULL,
    updated_by BLOB,
    updated_at TEXT NOT NULL
);
CREATE INDEX action_point_updates_point ON action_point_updates (action_point_id, id);

CREATE TABLE agreements (
    id BLOB PRIMARY KEY,
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    coverage TEXT NOT NULL,
    start_on TEXT NOT NULL,
    end_on TEXT,
    document TEXT NOT NULL,
    reminder_days BIGINT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    version BIGINT NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX agreements_organisation ON agreements (organisation_id, id);

-- Every party, the recording organisation included.
CREATE TABLE agreement_parties (
    agreement_id BLOB NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (agreement_id, organisation_id)
);
CREATE INDEX agreement_parties_organisation ON agreement_parties (organisation_id);

CREATE TABLE trainings (
    id BLOB PRIMARY KEY,
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL,
    topic TEXT NOT NULL,
    trainers TEXT NOT NULL,
    start_on TEXT NOT NULL,
    end_on TEXT NOT NULL,
    place TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX trainings_organisation ON trainings (organisation_id, start_on);

CREATE TABLE training_participants (
    id BLOB PRIMARY KEY,
    training_id BLOB NOT NULL REFERENCES trainings (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    pre_score BIGINT CHECK (pre_score BETWEEN 0 AND 100),
    post_score BIGINT CHECK (post_score BETWEEN 0 AND 100),
    certified BOOLEAN NOT NULL,
    added_by BLOB,
    added_at TEXT NOT NULL
);
CREATE INDEX training_participants_training ON training_participants (training_id, id);
CREATE INDEX training_participants_organisation ON training_participants (organisation_id);

CREATE TABLE practices (
    id BLOB PRIMARY KEY,
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    dimension TEXT NOT NULL,
    region_pcode TEXT REFERENCES admin_units (pcode),
    evidence TEXT NOT NULL,
    tags TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    version BIGINT NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX practices_status ON practices (status, id);
CREATE INDEX practices_organisation ON practices (organisation_id, id);
