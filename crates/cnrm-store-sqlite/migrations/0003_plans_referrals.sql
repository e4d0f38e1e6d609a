-- Reintegration plans and their assistance items; referrals between organisations: what was asked,
-- of whom, what is shared, and where it stands. Paired with the other backend's 0003_plans_referrals.sql.

CREATE TABLE plans (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL UNIQUE REFERENCES cases (id) ON DELETE CASCADE,
    agreed_on TEXT,
    author_id BLOB,
    approved_by BLOB,
    approved_at TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE plan_items (
    id BLOB PRIMARY KEY,
    plan_id BLOB NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    case_id BLOB NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    dimension TEXT NOT NULL,
    assistance_type TEXT NOT NULL,
    level TEXT NOT NULL,
    channel TEXT NOT NULL,
    provider_organisation_id BLOB REFERENCES organisations (id),
    description TEXT NOT NULL,
    budget_xof BIGINT NOT NULL,
    spent_xof BIGINT NOT NULL,
    start_on TEXT,
    end_on TEXT,
    status TEXT NOT NULL,
    cancel_reason TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX plan_items_plan ON plan_items (plan_id);
CREATE INDEX plan_items_case ON plan_items (case_id);

CREATE TABLE referrals (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id),
    plan_item_id BLOB REFERENCES plan_items (id),
    from_organisation_id BLOB NOT NULL REFERENCES organisations (id),
    to_organisation_id BLOB NOT NULL REFERENCES organisations (id),
    service TEXT NOT NULL,
    shared_fields TEXT NOT NULL,
    note TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    feedback TEXT,
    due_on TEXT,
    sent_by BLOB,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX referrals_to ON referrals (to_organisation_id, status, created_at);
CREATE INDEX referrals_case ON referrals (case_id);
