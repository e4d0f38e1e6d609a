-- Indicators (issue 6): the day a referral was accepted, for the median days to acceptance, kept by
-- the store when a referral is accepted and filled here from the audit trail for the referrals
-- accepted before; and one covering index over the cases' listing rows in arrival order, so that a
-- national count for a period reads one index range without visiting the table.
-- Paired with cnrm-store-sqlite/migrations/0019_indicators.sql.

ALTER TABLE referrals ADD COLUMN accepted_on DATE;

UPDATE referrals SET accepted_on = (
    SELECT (MIN(a.at) AT TIME ZONE 'UTC')::date FROM audit_log a
    WHERE a.action = 'referral.accept' AND a.details::jsonb ->> 'referral_id' = referrals.id::text
)
WHERE status IN ('accepted', 'in_progress', 'completed', 'not_completed');

CREATE INDEX case_search_arrival ON case_search (arrival_date) INCLUDE (case_id, organisation_id, settlement_pcode, return_type, returned_from)
    WHERE token = '';
