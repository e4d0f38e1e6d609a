-- Reintegration plans and their assistance items; referrals between organisations: what was asked,
-- of whom, what is shared, and where it stands. Paired with the other backend's 0003_plans_referrals.sql.

CREATE TABLE plans (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL UNIQUE REFERENCES cases (id) ON DELETE CASCADE,
    agreed_on DATE,
    author_id UUID,
    approved_by UUID,
    approved_at TIMESTAMPTZ,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE plan_items (
    id UUID PRIMARY KEY,
    plan_id UUID NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    case_id UUID NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    dimension TEXT NOT NULL,
    assistance_type TEXT NOT NULL,
    level TEXT NOT NULL,
    channel TEXT NOT NULL,
    provider_organisation_id UUID REFERENCES organisations (id),
    description TEXT NOT NULL,
    budget_xof BIGINT NOT NULL,
    spent_xof BIGINT NOT NULL,
    start_on DATE,
    end_on DATE,
    status TEXT NOT NULL,
    cancel_reason TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX plan_items_plan ON plan_items (plan_id);
CREATE INDEX plan_items_case ON plan_items (case_id);

CREATE TABLE referrals (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id),
    plan_item_id UUID REFERENCES plan_items (id),
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
