-- Households (family links between returnees), outcomes of follow-up contacts, platform settings.
-- Paired with cnrm-store-sqlite/migrations/0007_household_followup.sql.
--
-- Family links get a table of their own rather than extending `person_links` (0002, never written):
-- a link needs its own id (the address of its removal, the entity of its audit entries), NOT NULL
-- columns for who linked and when, a check against linking a person to themselves and uniqueness
-- of the unordered pair (one link between two persons, whichever way it was recorded). SQLite's
-- ALTER TABLE can add none of these to an existing table.

-- `person_b` is the `relation` of `person_a` (a child of, a spouse of…); seen from `person_b`, the
-- inverse relation applies (parent ↔ child).
CREATE TABLE family_links (
    id UUID PRIMARY KEY,
    person_a UUID NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    person_b UUID NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    relation TEXT NOT NULL,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    CHECK (person_a <> person_b)
);
CREATE UNIQUE INDEX family_links_pair ON family_links (LEAST(person_a, person_b), GREATEST(person_a, person_b));
CREATE INDEX family_links_a ON family_links (person_a);
CREATE INDEX family_links_b ON family_links (person_b);

-- What came of a follow-up contact: one per task, which it marks done. `next_task_id` is the new
-- task scheduled when the returnee could not be reached.
CREATE TABLE task_outcomes (
    task_id UUID PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    case_id UUID NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    contacted_on DATE NOT NULL,
    method TEXT NOT NULL,
    reached BOOLEAN NOT NULL,
    situation TEXT NOT NULL,
    notes TEXT NOT NULL,
    next_task_id UUID,
    recorded_by UUID,
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX task_outcomes_case ON task_outcomes (case_id);

-- Platform settings changed by its administrators: a key, its value (JSON), who changed it last.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_by UUID,
    updated_at TIMESTAMPTZ NOT NULL
);
