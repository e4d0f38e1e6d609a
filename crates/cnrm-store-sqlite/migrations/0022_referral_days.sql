-- The median days from sending a referral to its acceptance, at national scale (issue 6): the accepted
-- referrals counted per number of days, per case and per cell, kept by the store like the case facts
-- (0021), so that the median over a million cases reads a few thousand counters.
--
-- `case_referral_days`: per case, its accepted referrals per number of days from the day a referral was
-- sent to the day it was accepted. `referral_day_cells`: the same counts added up per cell of the case
-- facts (arrival month x organisation x region x sex x age group) and number of days. Both are rewritten
-- for the cases a transaction changed, with the case facts, and filled by the store from the records
-- (`rebuild_case_facts`) when the application migrates a database that has accepted referrals and no
-- counts yet, i.e. right after this migration.
-- Paired with cnrm-store-postgres/migrations/0022_referral_days.sql.

CREATE TABLE case_referral_days (
    case_id BLOB NOT NULL,
    days INTEGER NOT NULL,
    referrals INTEGER NOT NULL,
    PRIMARY KEY (case_id, days)
) WITHOUT ROWID;

CREATE TABLE referral_day_cells (
    arrival_month TEXT NOT NULL,
    organisation_id BLOB NOT NULL,
    region_pcode TEXT NOT NULL,
    sex TEXT NOT NULL,
    age_group TEXT NOT NULL,
    days INTEGER NOT NULL,
    referrals INTEGER NOT NULL,
    PRIMARY KEY (arrival_month, organisation_id, region_pcode, sex, age_group, days)
) WITHOUT ROWID;
