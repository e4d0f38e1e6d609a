-- Foundation: reference data, organisations, users, sessions, API tokens, code of conduct, audit trail.
-- Paired with cnrm-store-postgres/migrations/0001_foundation.sql: keep both in step.

CREATE TABLE reference_datasets (
    name TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);

CREATE TABLE admin_units (
    pcode TEXT PRIMARY KEY,
    level INTEGER NOT NULL,
    parent_pcode TEXT,
    iso_3166_2 TEXT,
    name TEXT NOT NULL,
    dataset_version TEXT NOT NULL,
    current BOOLEAN NOT NULL
);

CREATE TABLE organisations (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    acronym TEXT NOT NULL,
    kind TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    search_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE organisation_regions (
    organisation_id BLOB NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    pcode TEXT NOT NULL REFERENCES admin_units (pcode),
    PRIMARY KEY (organisation_id, pcode)
);

CREATE TABLE users (
    id BLOB PRIMARY KEY,
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    team TEXT,
    locale TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    disabled BOOLEAN NOT NULL,
    conduct_version_accepted BIGINT,
    search_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_login_at TEXT
);
CREATE INDEX users_organisation ON users (organisation_id);

CREATE TABLE login_attempts (
    id BLOB PRIMARY KEY,
    username TEXT NOT NULL,
    ip TEXT NOT NULL,
    succeeded BOOLEAN NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_attempts_username ON login_attempts (username, id);
CREATE INDEX login_attempts_ip ON login_attempts (ip, id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE codes_of_conduct (
    version BIGINT PRIMARY KEY,
    text_fr TEXT NOT NULL,
    text_en TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB
);

CREATE TABLE conduct_acceptances (
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version BIGINT NOT NULL REFERENCES codes_of_conduct (version),
    accepted_at TEXT NOT NULL,
    PRIMARY KEY (user_id, version)
);

-- The audit chain: one head row serialises appends (its UPDATE takes the write lock), each entry
-- carries the previous entry's hash.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    at TEXT NOT NULL,
    actor_user_id BLOB,
    actor_username TEXT NOT NULL,
    actor_organisation_id BLOB,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT,
    details TEXT NOT NULL,
    ip TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_organisation ON audit_log (actor_organisation_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);

-- Append-only: the application never changes or removes an entry. Someone with direct access to
-- the file can drop these triggers, which is what `cnrm audit verify` is for.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
