-- The gap matrix reads counters instead of every need (a million cases: seconds per request). Derived
-- data, kept by the store in the transaction of every write that can change them (see
-- `refresh_gap_needs` in shared/gaps.rs), filled here from the records already there with the
-- statements the store's rebuild runs. Paired with cnrm-store-postgres/migrations/0016_gap_counters.sql.

-- What each case adds to the matrix: one row per open need category of an open case whose returnee
-- has a place of settlement, with that place. A refresh takes a case's rows off the counters,
-- recomputes them, and adds them back.
CREATE TABLE case_needs (
    case_id BLOB NOT NULL,
    category TEXT NOT NULL,
    pcode TEXT NOT NULL,
    PRIMARY KEY (case_id, category)
) WITHOUT ROWID;

-- Returnees with an open need, per place of settlement and category: the rows of `case_needs`
-- counted. A counter falling to zero is deleted.
CREATE TABLE gap_need_counts (
    pcode TEXT NOT NULL,
    category TEXT NOT NULL,
    returnees INTEGER NOT NULL,
    PRIMARY KEY (pcode, category)
) WITHOUT ROWID;

-- The open need categories of open, settled cases: open plan items (neither delivered nor cancelled)
-- and the needs of each case's latest assessment mapped to the category that answers them
-- (`cnrm_domain::gaps::need_category`), once per case and category.
INSERT INTO case_needs (case_id, category, pcode)
WITH need_map (dimension, pattern, category) AS (VALUES
    ('economic', '%"income"%', 'business_start_up'), ('economic', '%"employment"%', 'job_placement'),
    ('economic', '%"business_capital"%', 'microcredit'), ('economic', '%"vocational_skills"%', 'vocational_training'),
    ('economic', '%"debt"%', 'cash'), ('economic', '%"tools_equipment"%', 'in_kind'),
    ('social', '%"housing"%', 'housing'), ('social', '%"documents"%', 'documents'),
    ('social', '%"children_education"%', 'education'), ('social', '%"family_relations"%', 'family_tracing'),
    ('social', '%"health_access"%', 'medical_care'), ('social', '%"legal"%', 'legal_aid'),
    ('social', '%"basic_needs"%', 'cash'), ('psychosocial', '%"distress"%', 'psychosocial_counselling'),
    ('psychosocial', '%"trauma_follow_up"%', 'psychosocial_counselling'),
    ('psychosocial', '%"substance_use"%', 'psychosocial_counselling'),
    ('psychosocial', '%"stigma"%', 'psychosocial_counselling'),
    ('psychosocial', '%"isolation"%', 'psychosocial_counselling'),
    ('psychosocial', '%"grief"%', 'psychosocial_counselling'),
    ('psychosocial', '%"sleep_problems"%', 'psychosocial_counselling')),
latest AS (SELECT na.case_id, na.economic_needs, na.social_needs, na.psychosocial_needs
    FROM needs_assessments na WHERE NOT EXISTS (SELECT 1 FROM needs_assessments x
    WHERE x.case_id = na.case_id AND (x.assessed_on > na.assessed_on
    OR (x.assessed_on = na.assessed_on AND x.id > na.id)))),
open_needs AS (SELECT case_id, assistance_type AS category FROM plan_items WHERE status NOT IN ('delivered', 'cancelled')
    UNION ALL SELECT l.case_id, m.category FROM latest l JOIN need_map m ON m.dimension = 'economic'
    AND l.economic_needs <> '[]' AND l.economic_needs LIKE m.pattern
    UNION ALL SELECT l.case_id, m.category FROM latest l JOIN need_map m ON m.dimension = 'social'
    AND l.social_needs <> '[]' AND l.social_needs LIKE m.pattern
    UNION ALL SELECT l.case_id, m.category FROM latest l JOIN need_map m ON m.dimension = 'psychosocial'
    AND l.psychosocial_needs <> '[]' AND l.psychosocial_needs LIKE m.pattern),
settled AS MATERIALIZED (SELECT c.id AS case_id, p.settlement_pcode AS pcode
    FROM cases c JOIN persons p ON p.id = c.person_id
    WHERE c.status = 'open' AND p.settlement_pcode IS NOT NULL)
SELECT DISTINCT n.case_id, n.category, s.pcode FROM open_needs n JOIN settled s ON s.case_id = n.case_id;

INSERT INTO gap_need_counts (pcode, category, returnees)
SELECT pcode, category, COUNT(*) FROM case_needs GROUP BY pcode, category;

-- The matrix no longer reads the case listing rows: the index made for it (0015) only slowed their writes.
DROP INDEX case_search_needs;
