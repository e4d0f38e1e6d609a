// Coordination queries (meetings, action points, agreements, trainings, good practices), compiled
// once per backend like `queries.rs` (which delegates to these). Names are written in full (no
// `use`): several shared files are included into one module.

fn json_lines(what: &str, json: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(json).map_err(|_| corrupt(what, json))
}

fn lines_json(lines: &[String]) -> String {
    serde_json::to_string(lines).unwrap_or_else(|_| "[]".into())
}

#[derive(FromRow)]
struct MeetingRow {
    id: Uuid,
    title: String,
    level: String,
    location_pcode: Option<String>,
    held_on: Date,
    place: String,
    agenda: String,
    attendees: String,
    minutes: String,
    decisions: String,
    version: i64,
    created_by: Option<Uuid>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const MEETING_COLUMNS: &str =
    "id, title, level, location_pcode, held_on, place, agenda, attendees, minutes, decisions, \
     version, created_by, created_at, updated_at";

impl MeetingRow {
    fn into_meeting(self, organisations: Vec<Uuid>) -> StoreResult<Meeting> {
        Ok(Meeting {
            id: self.id,
            title: self.title,
            level: code("meeting level", &self.level, cnrm_domain::coordination::MeetingLevel::parse)?,
            location_pcode: self.location_pcode,
            held_on: self.held_on,
            place: self.place,
            agenda: json_lines("meeting agenda", &self.agenda)?,
            organisations,
            attendees: json_lines("meeting attendees", &self.attendees)?,
            minutes: self.minutes,
            decisions: json_lines("meeting decisions", &self.decisions)?,
            version: self.version,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(FromRow)]
struct ActionPointRow {
    id: Uuid,
    meeting_id: Uuid,
    description: String,
    owner_organisation_id: Uuid,
    due_on: Date,
    status: String,
    version: i64,
    created_by: Option<Uuid>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const ACTION_POINT_COLUMNS: &str =
    "id, meeting_id, description, owner_organisation_id, due_on, status, version, created_by, created_at, updated_at";

impl TryFrom<ActionPointRow> for ActionPoint {
    type Error = StoreError;
    fn try_from(r: ActionPointRow) -> StoreResult<ActionPoint> {
        Ok(ActionPoint {
            id: r.id,
            meeting_id: r.meeting_id,
            description: r.description,
            owner_organisation_id: r.owner_organisation_id,
            due_on: r.due_on,
            status: code("action point status", &r.status, cnrm_domain::coordination::ActionStatus::parse)?,
            version: r.version,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(FromRow)]
struct QueuedActionPointRow {
    #[sqlx(flatten)]
    point: ActionPointRow,
    meeting_title: String,
    meeting_held_on: Date,
}

#[derive(FromRow)]
struct ActionPointUpdateRow {
    id: Uuid,
    action_point_id: Uuid,
    status: String,
    comment: String,
    updated_by: Option<Uuid>,
    updated_at: OffsetDateTime,
}

#[derive(FromRow)]
struct AgreementRow {
    id: Uuid,
    organisation_id: Uuid,
    title: String,
    kind: String,
    scope: String,
    coverage: String,
    start_on: Date,
    end_on: Option<Date>,
    document: String,
    reminder_days: i64,
    status: String,
    status_reason: Option<String>,
    version: i64,
    created_by: Option<Uuid>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const AGREEMENT_COLUMNS: &str = "id, organisation_id, title, kind, scope, coverage, start_on, end_on, document, \
     reminder_days, status, status_reason, version, created_by, created_at, updated_at";

impl AgreementRow {
    fn into_agreement(self, parties: Vec<Uuid>) -> StoreResult<Agreement> {
        Ok(Agreement {
            id: self.id,
            organisation_id: self.organisation_id,
            title: self.title,
            kind: code("agreement type", &self.kind, cnrm_domain::coordination::AgreementType::parse)?,
            parties,
            scope: self.scope,
            coverage: self.coverage,
            start_on: self.start_on,
            end_on: self.end_on,
            document: self.document,
            reminder_days: self.reminder_days,
            status: code("agreement status", &self.status, cnrm_domain::coordination::AgreementStatus::parse)?,
            status_reason: self.status_reason,
            version: self.version,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(FromRow)]
struct TrainingRow {
    id: Uuid,
    organisation_id: Uuid,
    title: String,
    topic: String,
    trainers: String,
    start_on: Date,
    end_on: Date,
    place: String,
    version: i64,
    created_by: Option<Uuid>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const TRAINING_COLUMNS: &str =
    "id, organisation_id, title, topic, trainers, start_on, end_on, place, version, created_by, created_at, updated_at";

impl TryFrom<TrainingRow> for Training {
    type Error = StoreError;
    fn try_from(r: TrainingRow) -> StoreResult<Training> {
        Ok(Training {
            id: r.id,
            organisation_id: r.organisation_id,
            title: r.title,
            topic: code("training topic", &r.topic, cnrm_domain::coordination::TrainingTopic::parse)?,
            trainers: r.trainers,
            start_on: r.start_on,
            end_on: r.end_on,
            place: r.place,
            version: r.version,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(FromRow)]
struct TrainingSummaryRow {
    #[sqlx(flatten)]
    training: TrainingRow,
    women: i64,
    men: i64,
    certified: i64,
}

#[derive(FromRow)]
struct ParticipantRow {
    id: Uuid,
    training_id: Uuid,
    name: String,
    sex: String,
    organisation_id: Uuid,
    pre_score: Option<i64>,
    post_score: Option<i64>,
    certified: bool,
    version: i64,
    added_by: Option<Uuid>,
    added_at: OffsetDateTime,
}

const PARTICIPANT_COLUMNS: &str =
    "id, training_id, name, sex, organisation_id, pre_score, post_score, certified, version, added_by, added_at";

impl TryFrom<ParticipantRow> for TrainingParticipant {
    type Error = StoreError;
    fn try_from(p: ParticipantRow) -> StoreResult<TrainingParticipant> {
        Ok(TrainingParticipant {
            id: p.id,
            training_id: p.training_id,
            name: p.name,
            sex: code("participant sex", &p.sex, cnrm_domain::coordination::ParticipantSex::parse)?,
            organisation_id: p.organisation_id,
            pre_score: p.pre_score,
            post_score: p.post_score,
            certified: p.certified,
            version: p.version,
            added_by: p.added_by,
            added_at: p.added_at,
        })
    }
}

#[derive(FromRow)]
struct PracticeRow {
    id: Uuid,
    organisation_id: Uuid,
    title: String,
    summary: String,
    dimension: String,
    region_pcode: Option<String>,
    evidence: String,
    tags: String,
    status: String,
    status_reason: Option<String>,
    version: i64,
    created_by: Option<Uuid>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const PRACTICE_COLUMNS: &str = "id, organisation_id, title, summary, dimension, region_pcode, evidence, tags, status, \
     status_reason, version, created_by, created_at, updated_at";

impl PracticeRow {
    fn into_practice(self, interventions: Vec<PracticeIntervention>) -> StoreResult<Practice> {
        let r = self;
        Ok(Practice {
            id: r.id,
            organisation_id: r.organisation_id,
            title: r.title,
            summary: r.summary,
            dimension: code("practice dimension", &r.dimension, cnrm_domain::lifecycle::plan::Dimension::parse)?,
            region_pcode: r.region_pcode,
            evidence: json_lines("practice evidence", &r.evidence)?,
            interventions,
            tags: json_lines("practice tags", &r.tags)?,
            status: code("practice status", &r.status, cnrm_domain::coordination::PracticeStatus::parse)?,
            status_reason: r.status_reason,
            version: r.version,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(FromRow)]
struct AgreementDocumentRow {
    id: Uuid,
    agreement_id: Uuid,
    description: String,
    file_name: String,
    file_type: String,
    size_bytes: i64,
    sha256: String,
    uploaded_by: Option<Uuid>,
    created_at: OffsetDateTime,
}

const AGREEMENT_DOCUMENT_COLUMNS: &str =
    "id, agreement_id, description, file_name, file_type, size_bytes, sha256, uploaded_by, created_at";

impl TryFrom<AgreementDocumentRow> for AgreementDocument {
    type Error = StoreError;
    fn try_from(r: AgreementDocumentRow) -> StoreResult<AgreementDocument> {
        Ok(AgreementDocument {
            id: r.id,
            agreement_id: r.agreement_id,
            description: r.description,
            file_name: r.file_name,
            file_type: code("agreement document type", &r.file_type, cnrm_domain::attachment::FileType::parse)?,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            uploaded_by: r.uploaded_by,
            created_at: r.created_at,
        })
    }
}

/// `(all, organisation)` parameters of a list filtered by [`CoordinationReach`].
fn reach_params(reach: CoordinationReach) -> (bool, Option<Uuid>) {
    match reach {
        CoordinationReach::All => (true, None),
        CoordinationReach::PublicAnd(org) => (false, org),
    }
}

impl Store {
    // Meetings and action points.

    async fn replace_meeting_organisations(
        tx: &mut Transaction<'_, Db>,
        meeting_id: Uuid,
        organisations: &[Uuid],
    ) -> StoreResult<()> {
        sqlx::query("DELETE FROM meeting_organisations WHERE meeting_id = $1")
            .bind(meeting_id)
            .execute(&mut **tx)
            .await
            .map_err(store_error)?;
        for org in organisations {
            sqlx::query("INSERT INTO meeting_organisations (meeting_id, organisation_id) VALUES ($1, $2)")
                .bind(meeting_id)
                .bind(org)
                .execute(&mut **tx)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    async fn insert_meeting_impl(&self, m: &Meeting, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(&format!(
            "INSERT INTO meetings ({MEETING_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        ))
        .bind(m.id)
        .bind(&m.title)
        .bind(m.level.code())
        .bind(&m.location_pcode)
        .bind(m.held_on)
        .bind(&m.place)
        .bind(lines_json(&m.agenda))
        .bind(lines_json(&m.attendees))
        .bind(&m.minutes)
        .bind(lines_json(&m.decisions))
        .bind(m.version)
        .bind(m.created_by)
        .bind(m.created_at)
        .bind(m.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        Self::replace_meeting_organisations(&mut tx, m.id, &m.organisations).await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn update_meeting_impl(&self, m: &Meeting, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query(
            "UPDATE meetings SET title = $2, level = $3, location_pcode = $4, held_on = $5, place = $6, agenda = $7, \
             attendees = $8, minutes = $9, decisions = $10, version = version + 1, updated_at = $11 \
             WHERE id = $1 AND version = $12",
        )
        .bind(m.id)
        .bind(&m.title)
        .bind(m.level.code())
        .bind(&m.location_pcode)
        .bind(m.held_on)
        .bind(&m.place)
        .bind(lines_json(&m.agenda))
        .bind(lines_json(&m.attendees))
        .bind(&m.minutes)
        .bind(lines_json(&m.decisions))
        .bind(m.updated_at)
        .bind(m.version)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Conflict("stale".into()));
        }
        Self::replace_meeting_organisations(&mut tx, m.id, &m.organisations).await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn meeting_organisations(&self, meeting_id: Uuid) -> StoreResult<Vec<Uuid>> {
        sqlx::query_scalar(
            "SELECT m.organisation_id FROM meeting_organisations m JOIN organisations o ON o.id = m.organisation_id \
             WHERE m.meeting_id = $1 ORDER BY o.name",
        )
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)
    }

    async fn meeting_impl(&self, id: Uuid) -> StoreResult<Option<MeetingFile>> {
        let sql = format!("SELECT {MEETING_COLUMNS} FROM meetings WHERE id = $1");
        let row: Option<MeetingRow> =
            sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        let meeting = row.into_meeting(self.meeting_organisations(id).await?)?;
        let sql = format!("SELECT {ACTION_POINT_COLUMNS} FROM action_points WHERE meeting_id = $1 ORDER BY id");
        let points: Vec<ActionPointRow> =
            sqlx::query_as(&sql).bind(id).fetch_all(&self.pool).await.map_err(store_error)?;
        let updates: Vec<ActionPointUpdateRow> = sqlx::query_as(
            "SELECT u.id, u.action_point_id, u.status, u.comment, u.updated_by, u.updated_at \
             FROM action_point_updates u JOIN action_points a ON a.id = u.action_point_id \
             WHERE a.meeting_id = $1 ORDER BY u.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(Some(MeetingFile {
            meeting,
            action_points: points.into_iter().map(ActionPoint::try_from).collect::<StoreResult<_>>()?,
            updates: updates
                .into_iter()
                .map(|u| {
                    Ok(ActionPointUpdate {
                        id: u.id,
                        action_point_id: u.action_point_id,
                        status: code("action point status", &u.status, cnrm_domain::coordination::ActionStatus::parse)?,
                        comment: u.comment,
                        updated_by: u.updated_by,
                        updated_at: u.updated_at,
                    })
                })
                .collect::<StoreResult<_>>()?,
        }))
    }

    async fn meetings_impl(&self, page: &PageRequest) -> StoreResult<Page<Meeting>> {
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM meetings").fetch_one(&self.pool).await.map_err(store_error)?;
        let sql = format!("SELECT {MEETING_COLUMNS} FROM meetings ORDER BY held_on DESC, id DESC LIMIT $1 OFFSET $2");
        let rows: Vec<MeetingRow> = sqlx::query_as(&sql)
            .bind(page.per_page)
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let organisations = self.meeting_organisations(row.id).await?;
            items.push(row.into_meeting(organisations)?);
        }
        Ok(Page { items, total, page: page.page, per_page: page.per_page })
    }

    async fn insert_action_point_impl(&self, a: &ActionPoint, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(&format!(
            "INSERT INTO action_points ({ACTION_POINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(a.id)
        .bind(a.meeting_id)
        .bind(&a.description)
        .bind(a.owner_organisation_id)
        .bind(a.due_on)
        .bind(a.status.code())
        .bind(a.version)
        .bind(a.created_by)
        .bind(a.created_at)
        .bind(a.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn action_point_impl(&self, id: Uuid) -> StoreResult<Option<ActionPoint>> {
        let sql = format!("SELECT {ACTION_POINT_COLUMNS} FROM action_points WHERE id = $1");
        let row: Option<ActionPointRow> =
            sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.map(ActionPoint::try_from).transpose()
    }

    async fn update_action_point_impl(
        &self,
        a: &ActionPoint,
        u: &ActionPointUpdate,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query(
            "UPDATE action_points SET status = $2, version = version + 1, updated_at = $3 WHERE id = $1 AND version = $4",
        )
        .bind(a.id)
        .bind(a.status.code())
        .bind(a.updated_at)
        .bind(a.version)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Conflict("stale".into()));
        }
        sqlx::query(
            "INSERT INTO action_point_updates (id, action_point_id, status, comment, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(u.id)
        .bind(u.action_point_id)
        .bind(u.status.code())
        .bind(&u.comment)
        .bind(u.updated_by)
        .bind(u.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn action_points_due_impl(
        &self,
        organisation_id: Uuid,
        before: Date,
        limit: i64,
    ) -> StoreResult<Vec<QueuedActionPoint>> {
        let columns = ACTION_POINT_COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {columns}, m.title AS meeting_title, m.held_on AS meeting_held_on \
             FROM action_points a JOIN meetings m ON m.id = a.meeting_id \
             WHERE a.owner_organisation_id = $1 AND a.status IN ('open', 'in_progress') AND a.due_on < $2 \
             ORDER BY a.due_on, a.id LIMIT $3"
        );
        let rows: Vec<QueuedActionPointRow> = sqlx::query_as(&sql)
            .bind(organisation_id)
            .bind(before)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.into_iter()
            .map(|r| {
                Ok(QueuedActionPoint {
                    action_point: ActionPoint::try_from(r.point)?,
                    meeting_title: r.meeting_title,
                    meeting_held_on: r.meeting_held_on,
                })
            })
            .collect()
    }

    // Agreements.

    async fn replace_agreement_parties(tx: &mut Transaction<'_, Db>, a: &Agreement) -> StoreResult<()> {
        sqlx::query("DELETE FROM agreement_parties WHERE agreement_id = $1")
            .bind(a.id)
            .execute(&mut **tx)
            .await
            .map_err(store_error)?;
        let mut parties = vec![a.organisation_id];
        parties.extend(a.parties.iter().copied().filter(|p| *p != a.organisation_id));
        for org in parties {
            sqlx::query("INSERT INTO agreement_parties (agreement_id, organisation_id) VALUES ($1, $2)")
                .bind(a.id)
                .bind(org)
                .execute(&mut **tx)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    async fn insert_agreement_impl(&self, a: &Agreement, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(&format!(
            "INSERT INTO agreements ({AGREEMENT_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ))
        .bind(a.id)
        .bind(a.organisation_id)
        .bind(&a.title)
        .bind(a.kind.code())
        .bind(&a.scope)
        .bind(&a.coverage)
        .bind(a.start_on)
        .bind(a.end_on)
        .bind(&a.document)
        .bind(a.reminder_days)
        .bind(a.status.code())
        .bind(&a.status_reason)
        .bind(a.version)
        .bind(a.created_by)
        .bind(a.created_at)
        .bind(a.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        Self::replace_agreement_parties(&mut tx, a).await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn update_agreement_impl(&self, a: &Agreement, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query(
            "UPDATE agreements SET title = $2, kind = $3, scope = $4, coverage = $5, start_on = $6, end_on = $7, \
             document = $8, reminder_days = $9, status = $10, status_reason = $11, version = version + 1, \
             updated_at = $12 WHERE id = $1 AND version = $13",
        )
        .bind(a.id)
        .bind(&a.title)
        .bind(a.kind.code())
        .bind(&a.scope)
        .bind(&a.coverage)
        .bind(a.start_on)
        .bind(a.end_on)
        .bind(&a.document)
        .bind(a.reminder_days)
        .bind(a.status.code())
        .bind(&a.status_reason)
        .bind(a.updated_at)
        .bind(a.version)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Conflict("stale".into()));
        }
        Self::replace_agreement_parties(&mut tx, a).await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn agreement_parties(&self, agreement_id: Uuid, owner: Uuid) -> StoreResult<Vec<Uuid>> {
        let others: Vec<Uuid> = sqlx::query_scalar(
            "SELECT p.organisation_id FROM agreement_parties p JOIN organisations o ON o.id = p.organisation_id \
             WHERE p.agreement_id = $1 AND p.organisation_id <> $2 ORDER BY o.name",
        )
        .bind(agreement_id)
        .bind(owner)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(std::iter::once(owner).chain(others).collect())
    }

    async fn agreements_from(&self, rows: Vec<AgreementRow>) -> StoreResult<Vec<Agreement>> {
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let parties = self.agreement_parties(row.id, row.organisation_id).await?;
            items.push(row.into_agreement(parties)?);
        }
        Ok(items)
    }

    async fn agreement_impl(&self, id: Uuid) -> StoreResult<Option<Agreement>> {
        let sql = format!("SELECT {AGREEMENT_COLUMNS} FROM agreements WHERE id = $1");
        let row: Option<AgreementRow> =
            sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        Ok(self.agreements_from(row.into_iter().collect()).await?.pop())
    }

    async fn agreements_impl(
        &self,
        reach: CoordinationReach,
        party: Option<Uuid>,
        page: &PageRequest,
    ) -> StoreResult<Page<Agreement>> {
        let (all, org) = reach_params(reach);
        let clause = "WHERE ($1 OR status <> 'draft' OR organisation_id = $2) \
             AND ($3 IS NULL OR id IN (SELECT agreement_id FROM agreement_parties WHERE organisation_id = $3))";
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM agreements {clause}"))
            .bind(all)
            .bind(org)
            .bind(party)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        let sql = format!(
            "SELECT {AGREEMENT_COLUMNS} FROM agreements {clause} ORDER BY start_on DESC, id DESC LIMIT $4 OFFSET $5"
        );
        let rows: Vec<AgreementRow> = sqlx::query_as(&sql)
            .bind(all)
            .bind(org)
            .bind(party)
            .bind(page.per_page)
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(Page { items: self.agreements_from(rows).await?, total, page: page.page, per_page: page.per_page })
    }

    async fn agreements_between_impl(&self, a: Uuid, b: Uuid) -> StoreResult<Vec<Agreement>> {
        let sql = format!(
            "SELECT {AGREEMENT_COLUMNS} FROM agreements \
             WHERE id IN (SELECT agreement_id FROM agreement_parties WHERE organisation_id = $1) \
             AND id IN (SELECT agreement_id FROM agreement_parties WHERE organisation_id = $2) ORDER BY id"
        );
        let rows: Vec<AgreementRow> =
            sqlx::query_as(&sql).bind(a).bind(b).fetch_all(&self.pool).await.map_err(store_error)?;
        self.agreements_from(rows).await
    }

    // Agreement documents: every uploaded version kept, content in a table of its own.

    async fn insert_agreement_document_impl(
        &self,
        d: &AgreementDocument,
        content: &[u8],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(&format!(
            "INSERT INTO agreement_documents ({AGREEMENT_DOCUMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(d.id)
        .bind(d.agreement_id)
        .bind(&d.description)
        .bind(&d.file_name)
        .bind(d.file_type.code())
        .bind(d.size_bytes)
        .bind(&d.sha256)
        .bind(d.uploaded_by)
        .bind(d.created_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        sqlx::query("INSERT INTO agreement_document_contents (document_id, content) VALUES ($1, $2)")
            .bind(d.id)
            .bind(content)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn agreement_documents_impl(&self, agreement_id: Uuid) -> StoreResult<Vec<AgreementDocument>> {
        let sql = format!(
            "SELECT {AGREEMENT_DOCUMENT_COLUMNS} FROM agreement_documents WHERE agreement_id = $1 ORDER BY id DESC"
        );
        let rows: Vec<AgreementDocumentRow> =
            sqlx::query_as(&sql).bind(agreement_id).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.into_iter().map(AgreementDocument::try_from).collect()
    }

    async fn agreement_document_impl(&self, id: Uuid) -> StoreResult<Option<AgreementDocument>> {
        let sql = format!("SELECT {AGREEMENT_DOCUMENT_COLUMNS} FROM agreement_documents WHERE id = $1");
        let row: Option<AgreementDocumentRow> =
            sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.map(AgreementDocument::try_from).transpose()
    }

    async fn agreement_document_content_impl(&self, id: Uuid) -> StoreResult<Option<Vec<u8>>> {
        sqlx::query_scalar("SELECT content FROM agreement_document_contents WHERE document_id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)
    }

    // Trainings.

    async fn insert_training_impl(&self, t: &Training, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(&format!(
            "INSERT INTO trainings ({TRAINING_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(t.id)
        .bind(t.organisation_id)
        .bind(&t.title)
        .bind(t.topic.code())
        .bind(&t.trainers)
        .bind(t.start_on)
        .bind(t.end_on)
        .bind(&t.place)
        .bind(t.version)
        .bind(t.created_by)
        .bind(t.created_at)
        .bind(t.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn training_impl(&self, id: Uuid) -> StoreResult<Option<TrainingFile>> {
        let sql = format!("SELECT {TRAINING_COLUMNS} FROM trainings WHERE id = $1");
        let row: Option<TrainingRow> =
            sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        let sql = format!("SELECT {PARTICIPANT_COLUMNS} FROM training_participants WHERE training_id = $1 ORDER BY id");
        let participants: Vec<ParticipantRow> =
            sqlx::query_as(&sql).bind(id).fetch_all(&self.pool).await.map_err(store_error)?;
        Ok(Some(TrainingFile {
            training: Training::try_from(row)?,
            participants: participants.into_iter().map(TrainingParticipant::try_from).collect::<StoreResult<_>>()?,
        }))
    }

    async fn update_training_impl(&self, t: &Training, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query(
            "UPDATE trainings SET title = $2, topic = $3, trainers = $4, start_on = $5, end_on = $6, place = $7, \
             version = version + 1, updated_at = $8 WHERE id = $1 AND version = $9",
        )
        .bind(t.id)
        .bind(&t.title)
        .bind(t.topic.code())
        .bind(&t.trainers)
        .bind(t.start_on)
        .bind(t.end_on)
        .bind(&t.place)
        .bind(t.updated_at)
        .bind(t.version)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        stale_unless_written(updated)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn update_training_participant_impl(&self, p: &TrainingParticipant, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query(
            "UPDATE training_participants SET name = $3, sex = $4, organisation_id = $5, pre_score = $6, \
             post_score = $7, certified = $8, version = version + 1 WHERE id = $1 AND training_id = $2 AND version = $9",
        )
        .bind(p.id)
        .bind(p.training_id)
        .bind(&p.name)
        .bind(p.sex.code())
        .bind(p.organisation_id)
        .bind(p.pre_score)
        .bind(p.post_score)
        .bind(p.certified)
        .bind(p.version)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        stale_unless_written(updated)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn remove_training_participant_impl(&self, p: &TrainingParticipant, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let removed =
            sqlx::query("DELETE FROM training_participants WHERE id = $1 AND training_id = $2 AND version = $3")
                .bind(p.id)
                .bind(p.training_id)
                .bind(p.version)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        stale_unless_written(removed)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn trainings_impl(
        &self,
        organisation: Option<Uuid>,
        page: &PageRequest,
    ) -> StoreResult<Page<TrainingSummary>> {
        let clause = "WHERE ($1 IS NULL OR organisation_id = $1 \
             OR id IN (SELECT training_id FROM training_participants WHERE organisation_id = $1))";
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM trainings {clause}"))
            .bind(organisation)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        // With an organisation, the counts are of its own staff.
        let counted = |extra: &str| {
            format!(
                "(SELECT COUNT(*) FROM training_participants p WHERE p.training_id = trainings.id {extra} \
                 AND ($1 IS NULL OR p.organisation_id = $1))"
            )
        };
        let sql = format!(
            "SELECT {TRAINING_COLUMNS}, {} AS women, {} AS men, {} AS certified FROM trainings {clause} \
             ORDER BY start_on DESC, id DESC LIMIT $2 OFFSET $3",
            counted("AND p.sex = 'female'"),
            counted("AND p.sex = 'male'"),
            counted("AND p.certified"),
        );
        let rows: Vec<TrainingSummaryRow> = sqlx::query_as(&sql)
            .bind(organisation)
            .bind(page.per_page)
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let items = rows
            .into_iter()
            .map(|r| {
                Ok(TrainingSummary {
                    training: Training::try_from(r.training)?,
                    women: r.women,
                    men: r.men,
                    certified: r.certified,
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok(Page { items, total, page: page.page, per_page: page.per_page })
    }

    async fn insert_training_participant_impl(&self, p: &TrainingParticipant, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(&format!(
            "INSERT INTO training_participants ({PARTICIPANT_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(p.id)
        .bind(p.training_id)
        .bind(&p.name)
        .bind(p.sex.code())
        .bind(p.organisation_id)
        .bind(p.pre_score)
        .bind(p.post_score)
        .bind(p.certified)
        .bind(p.version)
        .bind(p.added_by)
        .bind(p.added_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    // Good practices.

    async fn insert_practice_impl(&self, p: &Practice, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(&format!(
            "INSERT INTO practices ({PRACTICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        ))
        .bind(p.id)
        .bind(p.organisation_id)
        .bind(&p.title)
        .bind(&p.summary)
        .bind(p.dimension.code())
        .bind(&p.region_pcode)
        .bind(lines_json(&p.evidence))
        .bind(lines_json(&p.tags))
        .bind(p.status.code())
        .bind(&p.status_reason)
        .bind(p.version)
        .bind(p.created_by)
        .bind(p.created_at)
        .bind(p.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        Self::replace_practice_interventions(&mut tx, p).await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn update_practice_impl(&self, p: &Practice, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query(
            "UPDATE practices SET title = $2, summary = $3, dimension = $4, region_pcode = $5, evidence = $6, tags = $7, \
             status = $8, status_reason = $9, version = version + 1, updated_at = $10 WHERE id = $1 AND version = $11",
        )
        .bind(p.id)
        .bind(&p.title)
        .bind(&p.summary)
        .bind(p.dimension.code())
        .bind(&p.region_pcode)
        .bind(lines_json(&p.evidence))
        .bind(lines_json(&p.tags))
        .bind(p.status.code())
        .bind(&p.status_reason)
        .bind(p.updated_at)
        .bind(p.version)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        stale_unless_written(updated)?;
        Self::replace_practice_interventions(&mut tx, p).await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    /// Replaces a practice's linked interventions, in the order given.
    async fn replace_practice_interventions(tx: &mut Transaction<'_, Db>, p: &Practice) -> StoreResult<()> {
        sqlx::query("DELETE FROM practice_interventions WHERE practice_id = $1")
            .bind(p.id)
            .execute(&mut **tx)
            .await
            .map_err(store_error)?;
        for (position, link) in p.interventions.iter().enumerate() {
            sqlx::query(
                "INSERT INTO practice_interventions (practice_id, intervention_id, position, results) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(p.id)
            .bind(link.intervention_id)
            .bind(position as i64)
            .bind(&link.results)
            .execute(&mut **tx)
            .await
            .map_err(store_error)?;
        }
        Ok(())
    }

    /// The practices of these rows with their linked interventions, read in one query.
    async fn practices_from(&self, rows: Vec<PracticeRow>) -> StoreResult<Vec<Practice>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT practice_id, intervention_id, results FROM practice_interventions \
             WHERE practice_id IN ({}) ORDER BY practice_id, position",
            placeholders(1, rows.len())
        );
        let mut query = sqlx::query_as::<_, (Uuid, Uuid, String)>(&sql);
        for row in &rows {
            query = query.bind(row.id);
        }
        let mut links: std::collections::HashMap<Uuid, Vec<PracticeIntervention>> = std::collections::HashMap::new();
        for (practice_id, intervention_id, results) in query.fetch_all(&self.pool).await.map_err(store_error)? {
            links.entry(practice_id).or_default().push(PracticeIntervention { intervention_id, results });
        }
        rows.into_iter()
            .map(|row| {
                let linked = links.remove(&row.id).unwrap_or_default();
                row.into_practice(linked)
            })
            .collect()
    }

    async fn practice_impl(&self, id: Uuid) -> StoreResult<Option<Practice>> {
        let sql = format!("SELECT {PRACTICE_COLUMNS} FROM practices WHERE id = $1");
        let row: Option<PracticeRow> =
            sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        Ok(self.practices_from(row.into_iter().collect()).await?.pop())
    }

    async fn practices_impl(
        &self,
        reach: CoordinationReach,
        status: Option<cnrm_domain::coordination::PracticeStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<Practice>> {
        let (all, org) = reach_params(reach);
        let status = status.map(|s| s.code().to_string());
        let clause = "WHERE ($1 OR status = 'published' OR organisation_id = $2) AND ($3 IS NULL OR status = $3)";
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM practices {clause}"))
            .bind(all)
            .bind(org)
            .bind(&status)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        let sql = format!("SELECT {PRACTICE_COLUMNS} FROM practices {clause} ORDER BY id DESC LIMIT $4 OFFSET $5");
        let rows: Vec<PracticeRow> = sqlx::query_as(&sql)
            .bind(all)
            .bind(org)
            .bind(&status)
            .bind(page.per_page)
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(Page { items: self.practices_from(rows).await?, total, page: page.page, per_page: page.per_page })
    }
}
