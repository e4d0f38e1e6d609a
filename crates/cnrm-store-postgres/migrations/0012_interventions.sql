-- Interventions (4W): who does what, where, when, for whom, with their budget; their admin units and
-- organisations (implementing, funding); progress reports per quarter and the quarters' status
-- (open, validated, locked: a locked quarter's reports never change).
-- Paired with the other backend's 0012_interventions.sql.

CREATE TABLE interventions (
    id UUID PRIMARY KEY,
    organisation_id UUID NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    dimension TEXT NOT NULL,
    sector TEXT NOT NULL,
    category TEXT NOT NULL,
    level TEXT NOT NULL,
    target_group TEXT NOT NULL,
    start_on DATE NOT NULL,
    end_on DATE NOT NULL,
    status TEXT NOT NULL,
    targeted_f_0_17 BIGINT NOT NULL,
    targeted_f_18_24 BIGINT NOT NULL,
    targeted_f_25_59 BIGINT NOT NULL,
    targeted_f_60_plus BIGINT NOT NULL,
    targeted_m_0_17 BIGINT NOT NULL,
    targeted_m_18_24 BIGINT NOT NULL,
    targeted_m_25_59 BIGINT NOT NULL,
    targeted_m_60_plus BIGINT NOT NULL,
    currency TEXT NOT NULL,
    budget_minor BIGINT NOT NULL,
    rate_micro BIGINT NOT NULL,
    budget_xof BIGINT NOT NULL,
    published BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX interventions_organisation ON interventions (organisation_id, id);
CREATE INDEX interventions_category ON interventions (category, status);

-- Regions or cercles (never lower).
CREATE TABLE intervention_units (
    intervention_id UUID NOT NULL REFERENCES interventions (id) ON DELETE CASCADE,
    pcode TEXT NOT NULL REFERENCES admin_units (pcode),
    position BIGINT NOT NULL,
    PRIMARY KEY (intervention_id, pcode)
);
CREATE INDEX intervention_units_pcode ON intervention_units (pcode);

-- role: `implementing` (a registered organisation) or `funding` (a name, registered or not).
CREATE TABLE intervention_organisations (
    intervention_id UUID NOT NULL REFERENCES interventions (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    position BIGINT NOT NULL,
    organisation_id UUID REFERENCES organisations (id),
    name TEXT NOT NULL,
    PRIMARY KEY (intervention_id, role, position)
);
CREATE INDEX intervention_organisations_organisation ON intervention_organisations (organisation_id);

-- A quarter (`2026-Q1`) appears here once a report or the secretariat names it.
CREATE TABLE reporting_periods (
    period TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    changed_by UUID,
    changed_at TIMESTAMPTZ
);

CREATE TABLE intervention_reports (
    id UUID PRIMARY KEY,
    intervention_id UUID NOT NULL REFERENCES interventions (id) ON DELETE CASCADE,
    period TEXT NOT NULL REFERENCES reporting_periods (period),
    reached_f_0_17 BIGINT NOT NULL,
    reached_f_18_24 BIGINT NOT NULL,
    reached_f_25_59 BIGINT NOT NULL,
    reached_f_60_plus BIGINT NOT NULL,
    reached_m_0_17 BIGINT NOT NULL,
    reached_m_18_24 BIGINT NOT NULL,
    reached_m_25_59 BIGINT NOT NULL,
    reached_m_60_plus BIGINT NOT NULL,
    spent_xof BIGINT NOT NULL,
    narrative TEXT NOT NULL,
    explanation TEXT,
    version BIGINT NOT NULL,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_by UUID,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (intervention_id, period)
);
CREATE INDEX intervention_reports_period ON intervention_reports (period);
