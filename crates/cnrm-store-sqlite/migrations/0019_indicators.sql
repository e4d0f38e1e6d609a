-- Indicators (issue 6): the day a referral was accepted, for the median days to acceptance, kept by
-- the store when a referral is accepted and filled here from the audit trail for the referrals
-- accepted before; and one covering index over the cases' listing rows in arrival order, so that a
-- national count for a period reads one index range without visiting the table.
-- Paired with cnrm-store-postgres/migrations/0019_indicators.sql.

ALTER TABLE referrals ADD COLUMN accepted_on TEXT;

UPDATE referrals SET accepted_on = (
    SELECT substr(MIN(a.at), 1, 10) FROM audit_log a
    WHERE a.action = 'referral.accept'
      AND json_extract(a.details, '$.referral_id') = lower(substr(hex(referrals.id), 1, 8) || '-' || substr(hex(referrals.id), 9, 4)
          || '-' || substr(hex(referrals.id), 13, 4) || '-' || substr(hex(referrals.id), 17, 4) || '-' || substr(hex(referrals.id), 21))
)
WHERE status IN ('accepted', 'in_progress', 'completed', 'not_completed');

CREATE INDEX case_search_arrival ON case_search (arrival_date, case_id, organisation_id, settlement_pcode, return_type, returned_from)
    WHERE token = '';
