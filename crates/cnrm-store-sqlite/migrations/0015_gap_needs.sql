-- The gap matrix counts open needs by place of settlement: each need reaches its case's status and the
-- person's settlement through the case's listing row in `case_search` (kept current by every write to
-- the case or its person), read from this index alone instead of the cases and persons tables.
-- Paired with cnrm-store-postgres/migrations/0015_gap_needs.sql.

CREATE INDEX case_search_needs ON case_search (case_id, status, settlement_pcode) WHERE token = '';
