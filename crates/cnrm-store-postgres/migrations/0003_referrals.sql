-- Referrals between organisations: what was asked, of whom, what is shared, and where it stands.
-- Paired with the other backend's 0003_referrals.sql.

CREATE TABLE referrals (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id),
    from_organisation_id UUID NOT NULL REFERENCES organisations (id),
    to_organisation_id UUID NOT NULL REFERENCES organisations (id),
    service TEXT NOT NULL,
    shared_fields TEXT NOT NULL,
    note TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    feedback TEXT,
    due_on DATE,
    sent_by UUID,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX referrals_to ON referrals (to_organisation_id, status, created_at);
CREATE INDEX referrals_case ON referrals (case_id);
