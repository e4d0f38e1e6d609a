-- Transfers of a case to another organisation: proposed by the sender, accepted (ownership moves,
-- the case gets the receiver's number), declined or cancelled. At most one pending per case.
-- Paired with the other backend's 0008_transfers.sql.

CREATE TABLE transfers (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id),
    from_organisation_id UUID NOT NULL REFERENCES organisations (id),
    to_organisation_id UUID NOT NULL REFERENCES organisations (id),
    case_number TEXT NOT NULL,
    new_case_number TEXT,
    reason TEXT NOT NULL,
    shared_fields TEXT NOT NULL,
    status TEXT NOT NULL,
    decision_reason TEXT,
    proposed_by UUID,
    decided_by UUID,
    decided_at TIMESTAMPTZ,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX transfers_one_pending ON transfers (case_id) WHERE status = 'proposed';
CREATE INDEX transfers_case ON transfers (case_id);
CREATE INDEX transfers_to ON transfers (to_organisation_id, status);
CREATE INDEX transfers_from ON transfers (from_organisation_id, status);
