-- Collective projects: one business or community work shared by several cases of an organisation
-- (a cooperative of returnees), and its members, each with the plan item funding its share.
-- Paired with the other backend's 0009_collective_projects.sql.

CREATE TABLE projects (
    id BLOB PRIMARY KEY,
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    sector TEXT NOT NULL,
    location_pcode TEXT NOT NULL REFERENCES admin_units (pcode),
    description TEXT NOT NULL,
    budget_xof BIGINT NOT NULL,
    start_on TEXT,
    status TEXT NOT NULL,
    status_reason TEXT,
    version BIGINT NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX projects_organisation ON projects (organisation_id, status, id);

-- A case appears once per project.
CREATE TABLE project_members (
    project_id BLOB NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    case_id BLOB NOT NULL REFERENCES cases (id),
    plan_item_id BLOB REFERENCES plan_items (id),
    added_by BLOB,
    added_at TEXT NOT NULL,
    PRIMARY KEY (project_id, case_id)
);
CREATE INDEX project_members_case ON project_members (case_id);
