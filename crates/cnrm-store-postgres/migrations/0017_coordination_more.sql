-- Coordination, continued: training participants get a version (their scores and certificate are
-- edited), agreements keep their signed documents as files (every version kept, the latest in
-- force), and good practices link the interventions that show their results.
-- Paired with the other backend's 0017_coordination_more.sql.

ALTER TABLE training_participants ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- Metadata and content in two tables, as for case attachments: lists never read content.
-- Nothing is ever deleted: a new upload replaces the document, the old ones stay.
CREATE TABLE agreement_documents (
    id UUID PRIMARY KEY,
    agreement_id UUID NOT NULL REFERENCES agreements (id),
    description TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by UUID,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX agreement_documents_agreement ON agreement_documents (agreement_id, id);

CREATE TABLE agreement_document_contents (
    document_id UUID PRIMARY KEY REFERENCES agreement_documents (id),
    content BYTEA NOT NULL
);

CREATE TABLE practice_interventions (
    practice_id UUID NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    intervention_id UUID NOT NULL REFERENCES interventions (id),
    position BIGINT NOT NULL,
    results TEXT NOT NULL,
    PRIMARY KEY (practice_id, intervention_id)
);
CREATE INDEX practice_interventions_intervention ON practice_interventions (intervention_id);
