-- Households (family links between returnees), outcomes of follow-up contacts, platform settings.
-- Paired with cnrm-store-postgres/migrations/0007_household_followup.sql.
--
-- Family links get a table of their own rather than extending `person_links` (0002, never written):
-- a link needs its own id (the address of its removal, the entity of its audit entries), NOT NULL
-- columns for who linked and when, a check against linking a person to themselves and uniqueness
-- of the unordered pair (one link between two persons, whichever way it was recorded). SQLite's
-- ALTER TABLE can add none of these to an existing table.

-- `person_b` is the `relation` of `person_a` (a child of, a spouse of…); seen from `person_b`, the
-- inverse relation applies (parent ↔ child).
CREATE TABLE family_links (
    id BLOB PRIMARY KEY,
    person_a BLOB NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    person_b BLOB NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    relation TEXT NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    CHECK (person_a <> person_b)
);
CREATE UNIQUE INDEX family_links_pair ON family_links (min(person_a, person_b), max(person_a, person_b));
CREATE INDEX family_links_a ON family_links (person_a);
CREATE INDEX family_links_b ON family_links (person_b);

-- What came of a follow-up contact: one per task, which it marks done. `next_task_id` is the new
-- task scheduled when the returnee could not be reached.
CREATE TABLE task_outcomes (
    task_id BLOB PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    case_id BLOB NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    contacted_on TEXT NOT NULL,
    method TEXT NOT NULL,
    reached BOOLEAN NOT NULL,
    situation TEXT NOT NULL,
    notes TEXT NOT NULL,
    next_task_id BLOB,
    recorded_by BLOB,
    recorded_at TEXT NOT NULL
);
CREATE INDEX task_outcomes_case ON task_outcomes (case_id);

-- Platform settings changed by its administrators: a key, its value (JSON), who changed it last.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_by BLOB,
    updated_at TEXT NOT NULL
);
