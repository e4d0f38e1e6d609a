-- Indicators at national scale (issue 6): the listing row of each case (token '') carries what the
-- indicators' case filters and breakdowns read from the person and the case (sex, birth date for the
-- age group at arrival, programme), so that no indicator joins the persons and cases tables. Name
-- token rows leave them NULL. Filled here for the cases already registered (one set-based update),
-- then kept by `refresh_case_search`. The arrival index is rebuilt to cover them, so that a count by
-- sex or age group for a period still reads one index range only.
-- Paired with cnrm-store-sqlite/migrations/0020_case_search_filters.sql.

ALTER TABLE case_search ADD COLUMN sex TEXT;
ALTER TABLE case_search ADD COLUMN birth_date DATE;
ALTER TABLE case_search ADD COLUMN programme TEXT;

UPDATE case_search s SET sex = p.sex, birth_date = p.birth_date, programme = c.programme
FROM cases c JOIN persons p ON p.id = c.person_id
WHERE c.id = s.case_id AND s.token = '';

DROP INDEX case_search_arrival;
CREATE INDEX case_search_arrival ON case_search (arrival_date)
    INCLUDE (case_id, organisation_id, settlement_pcode, return_type, returned_from, sex, birth_date, programme)
    WHERE token = '';
