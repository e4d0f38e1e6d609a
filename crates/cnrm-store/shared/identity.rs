// Identity resolution queries (task F), compiled once per backend like `queries.rs` (which
// delegates to these): person records for the matcher, the review queue, master persons, contact
// requests.

use cnrm_domain::identity::CandidateStatus;

#[derive(FromRow)]
struct IdentityRow {
    id: Uuid,
    master_person_id: Option<Uuid>,
    family_name: String,
    given_names: String,
    other_names: String,
    father_name: String,
    mother_name: String,
    sex: String,
    birth_date: Option<Date>,
    birth_precision: Option<String>,
    origin_pcode: Option<String>,
    settlement_pcode: Option<String>,
}

const IDENTITY_COLUMNS: &str = "id, master_person_id, family_name, given_names, other_names, father_name, \
     mother_name, sex, birth_date, birth_precision, origin_pcode, settlement_pcode";

#[derive(FromRow)]
struct CandidateRow {
    id: Uuid,
    person_a: Uuid,
    person_b: Uuid,
    match_weight: f64,
    probability: f64,
    evidence: String,
    status: String,
    decided_by: Option<Uuid>,
    decided_at: Option<OffsetDateTime>,
    version: i64,
    created_at: OffsetDateTime,
}

const CANDIDATE_COLUMNS: &str =
    "id, person_a, person_b, match_weight, probability, evidence, status, decided_by, decided_at, version, created_at";

impl TryFrom<CandidateRow> for IdentityCandidate {
    type Error = StoreError;
    fn try_from(r: CandidateRow) -> StoreResult<IdentityCandidate> {
        let evidence: StoredEvidence =
            serde_json::from_str(&r.evidence).map_err(|_| corrupt("identity evidence", &r.evidence))?;
        Ok(IdentityCandidate {
            id: r.id,
            person_a: r.person_a,
            person_b: r.person_b,
            match_weight: r.match_weight,
            probability: r.probability,
            evidence: evidence.fields,
            names_swapped: evidence.names_swapped,
            status: CandidateStatus::parse(&r.status).ok_or_else(|| corrupt("identity candidate status", &r.status))?,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            version: r.version,
            created_at: r.created_at,
        })
    }
}

#[derive(FromRow)]
struct ContactRequestRow {
    id: Uuid,
    from_organisation_id: Uuid,
    requested_by: Option<Uuid>,
    to_organisation_id: Uuid,
    person_id: Uuid,
    message: String,
    created_at: OffsetDateTime,
}

impl From<ContactRequestRow> for ContactRequest {
    fn from(r: ContactRequestRow) -> ContactRequest {
        ContactRequest {
            id: r.id,
            from_organisation_id: r.from_organisation_id,
            requested_by: r.requested_by,
            to_organisation_id: r.to_organisation_id,
            person_id: r.person_id,
            message: r.message,
            created_at: r.created_at,
        }
    }
}

/// The phones and documents of persons, by person id (the rows chosen by `clause` over `person_id`).
async fn identity_details(
    pool: &sqlx::Pool<Db>,
    clause: &str,
    binds: &[Uuid],
) -> StoreResult<(std::collections::HashMap<Uuid, Vec<String>>, std::collections::HashMap<Uuid, Vec<DocumentRef>>)> {
    let sql = format!("SELECT person_id, phone FROM person_phones WHERE {clause} ORDER BY person_id, position");
    let mut q = sqlx::query_as::<_, (Uuid, String)>(&sql);
    for b in binds {
        q = q.bind(*b);
    }
    let mut phones: std::collections::HashMap<Uuid, Vec<String>> = std::collections::HashMap::new();
    for (id, phone) in q.fetch_all(pool).await.map_err(store_error)? {
        phones.entry(id).or_default().push(phone);
    }
    let sql = format!("SELECT person_id, doc_type, number FROM person_documents WHERE {clause} ORDER BY person_id, id");
    let mut q = sqlx::query_as::<_, (Uuid, String, String)>(&sql);
    for b in binds {
        q = q.bind(*b);
    }
    let mut documents: std::collections::HashMap<Uuid, Vec<DocumentRef>> = std::collections::HashMap::new();
    for (id, doc_type, number) in q.fetch_all(pool).await.map_err(store_error)? {
        documents.entry(id).or_default().push(DocumentRef { doc_type, number });
    }
    Ok((phones, documents))
}

fn identity_records_from(
    rows: Vec<IdentityRow>,
    mut phones: std::collections::HashMap<Uuid, Vec<String>>,
    mut documents: std::collections::HashMap<Uuid, Vec<DocumentRef>>,
) -> Vec<IdentityRecord> {
    rows.into_iter()
        .map(|r| IdentityRecord {
            person_id: r.id,
            master_person_id: r.master_person_id.unwrap_or(r.id),
            family_name: r.family_name,
            given_names: r.given_names,
            other_names: r.other_names,
            father_name: r.father_name,
            mother_name: r.mother_name,
            sex: r.sex,
            birth_date: r.birth_date,
            birth_precision: r.birth_precision,
            phones: phones.remove(&r.id).unwrap_or_default(),
            origin_pcode: r.origin_pcode,
            settlement_pcode: r.settlement_pcode,
            documents: documents.remove(&r.id).unwrap_or_default(),
        })
        .collect()
}

/// Groups of linked records: connected components of `links` over `members`, each mapped to its
/// smallest id.
fn link_groups(members: &[Uuid], links: &[(Uuid, Uuid)]) -> Vec<(Uuid, Uuid)> {
    let mut parent: std::collections::BTreeMap<Uuid, Uuid> = members.iter().map(|m| (*m, *m)).collect();
    fn find(parent: &mut std::collections::BTreeMap<Uuid, Uuid>, x: Uuid) -> Uuid {
        let mut root = x;
        while let Some(&p) = parent.get(&root) {
            if p == root {
                break;
            }
            root = p;
        }
        let mut cur = x;
        while cur != root {
            let next = parent[&cur];
            parent.insert(cur, root);
            cur = next;
        }
        root
    }
    for (a, b) in links {
        parent.entry(*a).or_insert(*a);
        parent.entry(*b).or_insert(*b);
        let (ra, rb) = (find(&mut parent, *a), find(&mut parent, *b));
        if ra != rb {
            // The smaller id becomes the root: the master is the group's smallest record id.
            let (keep, join) = if ra < rb { (ra, rb) } else { (rb, ra) };
            parent.insert(join, keep);
        }
    }
    let ids: Vec<Uuid> = parent.keys().copied().collect();
    ids.into_iter().map(|id| (id, find(&mut parent, id))).collect()
}

impl Store {
    async fn identity_records_impl(&self, after: Option<Uuid>, limit: i64) -> StoreResult<Vec<IdentityRecord>> {
        let rows: Vec<IdentityRow> = match after {
            Some(after) => {
                sqlx::query_as(&format!("SELECT {IDENTITY_COLUMNS} FROM persons WHERE id > $1 ORDER BY id LIMIT $2"))
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                sqlx::query_as(&format!("SELECT {IDENTITY_COLUMNS} FROM persons ORDER BY id LIMIT $1"))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(store_error)?;
        let (Some(first), Some(last)) = (rows.first().map(|r| r.id), rows.last().map(|r| r.id)) else {
            return Ok(Vec::new());
        };
        let (phones, documents) =
            identity_details(&self.pool, "person_id >= $1 AND person_id <= $2", &[first, last]).await?;
        Ok(identity_records_from(rows, phones, documents))
    }

    async fn identity_records_of_impl(&self, ids: &[Uuid]) -> StoreResult<Vec<IdentityRecord>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let list = placeholders(1, chunk.len());
            let sql = format!("SELECT {IDENTITY_COLUMNS} FROM persons WHERE id IN ({list}) ORDER BY id");
            let mut q = sqlx::query_as::<_, IdentityRow>(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            let rows = q.fetch_all(&self.pool).await.map_err(store_error)?;
            let (phones, documents) = identity_details(&self.pool, &format!("person_id IN ({list})"), chunk).await?;
            out.extend(identity_records_from(rows, phones, documents));
        }
        Ok(out)
    }

    async fn linked_records_impl(&self, person_id: Uuid) -> StoreResult<Vec<Uuid>> {
        let master: Option<Option<Uuid>> = sqlx::query_scalar("SELECT master_person_id FROM persons WHERE id = $1")
            .bind(person_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        match master {
            None => Ok(Vec::new()),
            Some(None) => Ok(vec![person_id]),
            Some(Some(master)) => {
                sqlx::query_scalar("SELECT id FROM persons WHERE master_person_id = $1 OR id = $1 ORDER BY id")
                    .bind(master)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)
            }
        }
    }

    async fn insert_identity_candidates_impl(
        &self,
        candidates: &[IdentityCandidate],
        audit: &AuditEvent,
    ) -> StoreResult<CandidateInsert> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let mut counts = CandidateInsert::default();
        for c in candidates {
            let evidence =
                serde_json::to_string(&StoredEvidence { fields: c.evidence.clone(), names_swapped: c.names_swapped })
                    .unwrap_or_default();
            let inserted = sqlx::query(&format!(
                "INSERT INTO identity_candidates ({CANDIDATE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (person_a, person_b) DO NOTHING"
            ))
            .bind(c.id)
            .bind(c.person_a)
            .bind(c.person_b)
            .bind(c.match_weight)
            .bind(c.probability)
            .bind(&evidence)
            .bind(c.status.code())
            .bind(c.decided_by)
            .bind(c.decided_at)
            .bind(c.version)
            .bind(c.created_at)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
            if inserted.rows_affected() > 0 {
                counts.added += 1;
            } else {
                counts.known += 1;
                sqlx::query(
                    "UPDATE identity_candidates SET match_weight = $3, probability = $4, evidence = $5 \
                     WHERE person_a = $1 AND person_b = $2 AND status = 'pending'",
                )
                .bind(c.person_a)
                .bind(c.person_b)
                .bind(c.match_weight)
                .bind(c.probability)
                .bind(&evidence)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
            }
        }
        let mut details: serde_json::Value =
            serde_json::from_str(&audit.details).unwrap_or_else(|_| serde_json::json!({}));
        if let Some(map) = details.as_object_mut() {
            map.insert("added".into(), counts.added.into());
            map.insert("known".into(), counts.known.into());
        }
        append_audit_in(&mut tx, &AuditEvent { details: details.to_string(), ..audit.clone() }).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(counts)
    }

    async fn identity_candidates_impl(
        &self,
        status: Option<CandidateStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<IdentityCandidate>> {
        let status = status.map(|s| s.code().to_string());
        let clause = if status.is_some() { "WHERE status = $1" } else { "WHERE $1 IS NULL OR status = $1" };
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM identity_candidates {clause}"))
            .bind(&status)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        let sql = format!(
            "SELECT {CANDIDATE_COLUMNS} FROM identity_candidates {clause} ORDER BY probability DESC, id LIMIT $2 OFFSET $3"
        );
        let rows: Vec<CandidateRow> = sqlx::query_as(&sql)
            .bind(&status)
            .bind(page.per_page)
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let items = rows.into_iter().map(IdentityCandidate::try_from).collect::<StoreResult<_>>()?;
        Ok(Page { items, total, page: page.page, per_page: page.per_page })
    }

    async fn identity_candidate_impl(&self, id: Uuid) -> StoreResult<Option<IdentityCandidate>> {
        let row: Option<CandidateRow> =
            sqlx::query_as(&format!("SELECT {CANDIDATE_COLUMNS} FROM identity_candidates WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        row.map(IdentityCandidate::try_from).transpose()
    }

    async fn identity_candidates_of_impl(&self, persons: &[Uuid]) -> StoreResult<Vec<IdentityCandidate>> {
        let mut out: Vec<IdentityCandidate> = Vec::new();
        for chunk in persons.chunks(400) {
            let list = placeholders(1, chunk.len());
            let sql = format!(
                "SELECT {CANDIDATE_COLUMNS} FROM identity_candidates WHERE person_a IN ({list}) OR person_b IN ({list}) ORDER BY id"
            );
            let mut q = sqlx::query_as::<_, CandidateRow>(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(&self.pool).await.map_err(store_error)? {
                let c = IdentityCandidate::try_from(row)?;
                if !out.iter().any(|o| o.id == c.id) {
                    out.push(c);
                }
            }
        }
        Ok(out)
    }

    async fn decide_identity_candidate_impl(
        &self,
        c: &IdentityCandidate,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<(Uuid, Uuid)>> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query(
            "UPDATE identity_candidates SET status = $2, decided_by = $3, decided_at = $4, version = version + 1 \
             WHERE id = $1 AND version = $5",
        )
        .bind(c.id)
        .bind(c.status.code())
        .bind(c.decided_by)
        .bind(c.decided_at)
        .bind(c.version)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        stale_unless_written(updated)?;
        // The groups of both records, as they stood: every record sharing a master with either.
        let masters: Vec<Uuid> =
            sqlx::query_scalar("SELECT COALESCE(master_person_id, id) FROM persons WHERE id = $1 OR id = $2")
                .bind(c.person_a)
                .bind(c.person_b)
                .fetch_all(&mut *tx)
                .await
                .map_err(store_error)?;
        let mut members: Vec<Uuid> = vec![c.person_a, c.person_b];
        for m in &masters {
            let ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM persons WHERE master_person_id = $1 OR id = $1")
                .bind(*m)
                .fetch_all(&mut *tx)
                .await
                .map_err(store_error)?;
            members.extend(ids);
        }
        members.sort();
        members.dedup();
        let mut links: Vec<(Uuid, Uuid)> = Vec::new();
        for chunk in members.chunks(400) {
            let list = placeholders(1, chunk.len());
            let sql = format!(
                "SELECT person_a, person_b FROM identity_candidates WHERE status = 'same' AND (person_a IN ({list}) OR person_b IN ({list}))"
            );
            let mut q = sqlx::query_as::<_, (Uuid, Uuid)>(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            links.extend(q.fetch_all(&mut *tx).await.map_err(store_error)?);
        }
        let groups = link_groups(&members, &links);
        let mut sizes: std::collections::HashMap<Uuid, usize> = std::collections::HashMap::new();
        for (_, master) in &groups {
            *sizes.entry(*master).or_default() += 1;
        }
        for (id, master) in &groups {
            let stored = (sizes[master] > 1).then_some(*master);
            sqlx::query("UPDATE persons SET master_person_id = $2 WHERE id = $1")
                .bind(*id)
                .bind(stored)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(groups)
    }

    async fn insert_contact_request_impl(&self, r: &ContactRequest, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO contact_requests (id, from_organisation_id, requested_by, to_organisation_id, person_id, message, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(r.id)
        .bind(r.from_organisation_id)
        .bind(r.requested_by)
        .bind(r.to_organisation_id)
        .bind(r.person_id)
        .bind(&r.message)
        .bind(r.created_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn contact_requests_to_impl(&self, organisation_id: Uuid, limit: i64) -> StoreResult<Vec<ContactRequest>> {
        let rows: Vec<ContactRequestRow> = sqlx::query_as(
            "SELECT id, from_organisation_id, requested_by, to_organisation_id, person_id, message, created_at \
             FROM contact_requests WHERE to_organisation_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(organisation_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(rows.into_iter().map(ContactRequest::from).collect())
    }
}
