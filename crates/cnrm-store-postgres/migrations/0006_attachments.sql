-- Files attached to a case (scans of consent forms, copies of identity documents…). Metadata and
-- content are two tables so that lists never read content; a removed file loses its content and
-- keeps its metadata row, marked removed. Paired with the other backend's 0006_attachments.sql.

CREATE TABLE attachments (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    removed_by UUID,
    removal_reason TEXT
);
CREATE INDEX attachments_case ON attachments (case_id, id);
-- The same file once per case, among those not removed.
CREATE UNIQUE INDEX attachments_case_checksum ON attachments (case_id, sha256) WHERE removed_at IS NULL;

CREATE TABLE attachment_contents (
    attachment_id UUID PRIMARY KEY REFERENCES attachments (id) ON DELETE CASCADE,
    content BYTEA NOT NULL
);
