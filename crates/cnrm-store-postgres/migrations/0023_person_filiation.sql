-- The filiation of a person (issue 4): the father's given name(s) and the mother's full name, as
-- Malian civil documents write them ("fils de Mamadou et de Fatoumata Diarra"). Namesakes born the
-- same year in the same cercle are common; their parents' names tell them apart, so the identity
-- matcher compares them. Empty when not known, like the other optional texts of `persons`: the rows
-- already there get empty strings and nothing else changes.
-- Paired with cnrm-store-sqlite/migrations/0023_person_filiation.sql.

ALTER TABLE persons ADD COLUMN father_name TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN mother_name TEXT NOT NULL DEFAULT '';
