-- Identity resolution (issue 4, part 2): master persons, the review queue of candidate pairs, and
-- contact requests between organisations about a possible match.
--
-- A person record keeps its id and its cases; records found to be the same returnee share a master:
-- `master_person_id` is the smallest record id of the linked group (NULL: the record is its own
-- master). Links are the candidate pairs decided "same"; a split marks the pair `split` and the
-- groups are recomputed from the remaining links, so nothing is ever deleted.
ALTER TABLE persons ADD COLUMN master_person_id BLOB REFERENCES persons (id);
CREATE INDEX persons_master ON persons (master_person_id);

CREATE TABLE identity_candidates (
    id BLOB PRIMARY KEY,
    person_a BLOB NOT NULL REFERENCES persons (id),
    person_b BLOB NOT NULL REFERENCES persons (id),
    match_weight REAL NOT NULL,
    probability REAL NOT NULL,
    -- JSON: [{"field", "level", "weight"}…] and whether the names were swapped.
    evidence TEXT NOT NULL,
    -- pending, same, not_same, unsure, split
    status TEXT NOT NULL,
    decided_by BLOB REFERENCES users (id),
    decided_at TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (person_a < person_b),
    UNIQUE (person_a, person_b)
);
CREATE INDEX identity_candidates_status ON identity_candidates (status, probability);
CREATE INDEX identity_candidates_b ON identity_candidates (person_b);

CREATE TABLE contact_requests (
    id BLOB PRIMARY KEY,
    from_organisation_id BLOB NOT NULL REFERENCES organisations (id),
    requested_by BLOB REFERENCES users (id),
    to_organisation_id BLOB NOT NULL REFERENCES organisations (id),
    -- The record matched at the receiving organisation: never shown to the requester.
    person_id BLOB NOT NULL REFERENCES persons (id),
    message TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX contact_requests_to ON contact_requests (to_organisation_id, id);
