-- The case list and the name search at national scale (a million cases): one narrow row per case and
-- name token, plus one row per case with the empty token for plain lists, ordered by organisation,
-- token and arrival so that a list, a filter or a name prefix is a range of one index, read in order
-- (an index-only scan: every column is in the primary key's index), without visiting the persons and
-- cases tables. Derived data: the store rebuilds a case's rows whenever the case or its person is
-- written (see `refresh_case_search`), and this migration fills it for the cases already registered.
-- Paired with cnrm-store-sqlite/migrations/0004_case_search.sql.

CREATE TABLE case_search (
    organisation_id UUID NOT NULL,
    -- A folded name token (see person.rs `fold_name`), or '' for the one listing row of the case.
    -- Byte order, whatever the database's collation: prefix searches are ranges [prefix, next prefix).
    token TEXT COLLATE "C" NOT NULL,
    arrival_date DATE NOT NULL,
    case_id UUID NOT NULL,
    case_number TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    protection BOOLEAN NOT NULL,
    assigned_to UUID,
    team TEXT,
    returned_from TEXT NOT NULL,
    return_type TEXT NOT NULL,
    settlement_pcode TEXT COLLATE "C",
    -- Family then given names as written, for sorting by name.
    sort_name TEXT NOT NULL,
    -- Every folded token of the person between spaces (' keita moussa '): the other words of a
    -- several-word search are matched here, on the row already read.
    names TEXT NOT NULL,
    PRIMARY KEY (organisation_id, token, arrival_date, case_id)
        INCLUDE (case_number, status, priority, protection, assigned_to, team, returned_from, return_type,
                 settlement_pcode, sort_name, names)
);

-- A case worker's reach (assigned to them, or their team) over the listing rows, with what the
-- protection rule reads, so that counting them never visits the table.
CREATE INDEX case_search_assigned ON case_search (assigned_to, arrival_date) INCLUDE (protection, team) WHERE token = '';
CREATE INDEX case_search_team ON case_search (organisation_id, team, arrival_date) INCLUDE (protection, assigned_to)
    WHERE token = '';
-- Counting the cases of a status and a place of settlement (a region covers its cercles: a range).
CREATE INDEX case_search_settlement ON case_search (organisation_id, status, settlement_pcode) WHERE token = '';
-- Refreshing one case's rows.
CREATE INDEX case_search_case ON case_search (case_id);

INSERT INTO case_search (organisation_id, token, arrival_date, case_id, case_number, status, priority, protection,
    assigned_to, team, returned_from, return_type, settlement_pcode, sort_name, names)
SELECT c.organisation_id, t.token, c.arrival_date, c.id, c.case_number, c.status, c.priority, c.protection,
    c.assigned_to, c.team, c.returned_from, c.return_type, p.settlement_pcode, p.family_name || ' ' || p.given_names,
    COALESCE((SELECT ' ' || string_agg(n.token, ' ') || ' ' FROM person_name_tokens n WHERE n.person_id = p.id), ' ')
FROM cases c
JOIN persons p ON p.id = c.person_id
JOIN (SELECT person_id, token FROM person_name_tokens UNION ALL SELECT id, '' FROM persons) t ON t.person_id = p.id;
