-- Gap and overlap analysis: the needs query reads open plan items by status and category with their
-- case from this index alone. Paired with the other backend's 0014_gaps.sql.

CREATE INDEX plan_items_needs ON plan_items (status, assistance_type, case_id);
-- Each need then reaches its case's status and person, and the person's settlement, through these
-- narrow indexes instead of the wide rows.
CREATE INDEX cases_gaps ON cases (id, status, person_id);
CREATE INDEX persons_gaps ON persons (id, settlement_pcode);
