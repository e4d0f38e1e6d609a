// Survey queries (questionnaire versions, submissions, schedules), compiled once per backend like
// `queries.rs` (which delegates to these). Definitions, answers and score details are JSON text.

use cnrm_domain::survey::SurveyKind;

fn json_text(value: &serde_json::Value) -> String {
    value.to_string()
}

fn json_value(what: &str, raw: &str) -> StoreResult<serde_json::Value> {
    serde_json::from_str(raw).map_err(|_| corrupt(what, raw))
}

#[derive(FromRow)]
struct QuestionnaireVersionRow {
    id: Uuid,
    questionnaire_code: String,
    version: i64,
    label: String,
    definition: String,
    provisional_weights: bool,
    imported_by: Option<Uuid>,
    imported_at: OffsetDateTime,
}

const QUESTIONNAIRE_VERSION_COLUMNS: &str =
    "v.id, v.questionnaire_code, v.version, v.label, v.definition, v.provisional_weights, v.imported_by, v.imported_at";

impl TryFrom<QuestionnaireVersionRow> for QuestionnaireVersion {
    type Error = StoreError;
    fn try_from(r: QuestionnaireVersionRow) -> StoreResult<QuestionnaireVersion> {
        Ok(QuestionnaireVersion {
            id: r.id,
            definition: json_value("questionnaire definition", &r.definition)?,
            questionnaire_code: r.questionnaire_code,
            version: r.version,
            label: r.label,
            provisional_weights: r.provisional_weights,
            imported_by: r.imported_by,
            imported_at: r.imported_at,
        })
    }
}

#[derive(FromRow)]
struct SurveySubmissionRow {
    id: Uuid,
    case_id: Uuid,
    questionnaire_code: String,
    version_id: Uuid,
    kind: String,
    answered_on: Date,
    answers: String,
    scores: String,
    score_economic: Option<f64>,
    score_social: Option<f64>,
    score_psychosocial: Option<f64>,
    score_composite: Option<f64>,
    scored_with_version: Uuid,
    submitted_by: Option<Uuid>,
    created_at: OffsetDateTime,
}

const SURVEY_SUBMISSION_COLUMNS: &str = "id, case_id, questionnaire_code, version_id, kind, answered_on, answers, \
     scores, score_economic, score_social, score_psychosocial, score_composite, scored_with_version, submitted_by, \
     created_at";

impl TryFrom<SurveySubmissionRow> for SurveySubmission {
    type Error = StoreError;
    fn try_from(r: SurveySubmissionRow) -> StoreResult<SurveySubmission> {
        Ok(SurveySubmission {
            id: r.id,
            case_id: r.case_id,
            questionnaire_code: r.questionnaire_code,
            version_id: r.version_id,
            kind: code("survey kind", &r.kind, SurveyKind::parse)?,
            answered_on: r.answered_on,
            answers: json_value("survey answers", &r.answers)?,
            scores: SurveyScores {
                economic: r.score_economic,
                social: r.score_social,
                psychosocial: r.score_psychosocial,
                composite: r.score_composite,
                detail: json_value("survey scores", &r.scores)?,
            },
            scored_with_version: r.scored_with_version,
            submitted_by: r.submitted_by,
            created_at: r.created_at,
        })
    }
}

#[derive(FromRow)]
struct ScheduledSurveyRow {
    id: Uuid,
    case_id: Uuid,
    kind: String,
    months_after_baseline: i64,
    due_on: Date,
    done_submission_id: Option<Uuid>,
    created_at: OffsetDateTime,
}

const SCHEDULED_SURVEY_COLUMNS: &str = "s.id, s.case_id, s.kind, s.months_after_baseline, s.due_on, \
     s.done_submission_id, s.created_at";

impl TryFrom<ScheduledSurveyRow> for ScheduledSurvey {
    type Error = StoreError;
    fn try_from(r: ScheduledSurveyRow) -> StoreResult<ScheduledSurvey> {
        Ok(ScheduledSurvey {
            id: r.id,
            case_id: r.case_id,
            kind: code("survey kind", &r.kind, SurveyKind::parse)?,
            months_after_baseline: r.months_after_baseline,
            due_on: r.due_on,
            done_submission_id: r.done_submission_id,
            created_at: r.created_at,
        })
    }
}

#[derive(FromRow)]
struct QueuedSurveyRow {
    #[sqlx(flatten)]
    survey: ScheduledSurveyRow,
    case_number: String,
    protection: bool,
    organisation_id: Uuid,
    assigned_to: Option<Uuid>,
    team: Option<String>,
}

async fn insert_survey_submission_in(tx: &mut Transaction<'_, Db>, s: &SurveySubmission) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO survey_submissions ({SURVEY_SUBMISSION_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    ))
    .bind(s.id)
    .bind(s.case_id)
    .bind(&s.questionnaire_code)
    .bind(s.version_id)
    .bind(s.kind.code())
    .bind(s.answered_on)
    .bind(json_text(&s.answers))
    .bind(json_text(&s.scores.detail))
    .bind(s.scores.economic)
    .bind(s.scores.social)
    .bind(s.scores.psychosocial)
    .bind(s.scores.composite)
    .bind(s.scored_with_version)
    .bind(s.submitted_by)
    .bind(s.created_at)
    .execute(&mut **tx)
    .await
    .map_err(store_error)?;
    Ok(())
}

/// Adds a schedule step; one already scheduled keeps its due date when `move_open` is false, else
/// takes the new one unless it is done.
async fn upsert_schedule_step_in(
    tx: &mut Transaction<'_, Db>,
    s: &ScheduledSurvey,
    move_open: bool,
) -> StoreResult<()> {
    let on_conflict = if move_open {
        "DO UPDATE SET due_on = excluded.due_on WHERE survey_schedule.done_submission_id IS NULL"
    } else {
        "DO NOTHING"
    };
    sqlx::query(&format!(
        "INSERT INTO survey_schedule (id, case_id, kind, months_after_baseline, due_on, done_submission_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (case_id, kind, months_after_baseline) {on_conflict}"
    ))
    .bind(s.id)
    .bind(s.case_id)
    .bind(s.kind.code())
    .bind(s.months_after_baseline)
    .bind(s.due_on)
    .bind(s.done_submission_id)
    .bind(s.created_at)
    .execute(&mut **tx)
    .await
    .map_err(store_error)?;
    Ok(())
}

impl Store {
    async fn questionnaires_impl(&self) -> StoreResult<Vec<QuestionnaireVersion>> {
        let sql = format!(
            "SELECT {QUESTIONNAIRE_VERSION_COLUMNS} FROM questionnaires q \
             JOIN questionnaire_versions v ON v.questionnaire_code = q.code AND v.version = q.current_version \
             ORDER BY q.code"
        );
        let rows: Vec<QuestionnaireVersionRow> =
            sqlx::query_as(&sql).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.into_iter().map(QuestionnaireVersion::try_from).collect()
    }

    async fn questionnaire_version_impl(
        &self,
        code: &str,
        version: Option<i64>,
    ) -> StoreResult<Option<QuestionnaireVersion>> {
        let sql = format!(
            "SELECT {QUESTIONNAIRE_VERSION_COLUMNS} FROM questionnaires q \
             JOIN questionnaire_versions v ON v.questionnaire_code = q.code \
             WHERE q.code = $1 AND v.version = COALESCE($2, q.current_version)"
        );
        let row: Option<QuestionnaireVersionRow> =
            sqlx::query_as(&sql).bind(code).bind(version).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.map(QuestionnaireVersion::try_from).transpose()
    }

    async fn questionnaire_version_by_id_impl(&self, id: Uuid) -> StoreResult<Option<QuestionnaireVersion>> {
        let sql = format!("SELECT {QUESTIONNAIRE_VERSION_COLUMNS} FROM questionnaire_versions v WHERE v.id = $1");
        let row: Option<QuestionnaireVersionRow> =
            sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.map(QuestionnaireVersion::try_from).transpose()
    }

    async fn questionnaire_versions_impl(&self, code: &str) -> StoreResult<Vec<QuestionnaireVersion>> {
        let sql = format!(
            "SELECT {QUESTIONNAIRE_VERSION_COLUMNS} FROM questionnaire_versions v \
             WHERE v.questionnaire_code = $1 ORDER BY v.version DESC"
        );
        let rows: Vec<QuestionnaireVersionRow> =
            sqlx::query_as(&sql).bind(code).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.into_iter().map(QuestionnaireVersion::try_from).collect()
    }

    async fn insert_questionnaire_version_impl(&self, v: &QuestionnaireVersion, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query(
            "INSERT INTO questionnaires (code, current_version, created_at, updated_at) VALUES ($1, $2, $3, $3) \
             ON CONFLICT (code) DO UPDATE SET current_version = excluded.current_version, updated_at = excluded.updated_at",
        )
        .bind(&v.questionnaire_code)
        .bind(v.version)
        .bind(v.imported_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO questionnaire_versions \
             (id, questionnaire_code, version, label, definition, provisional_weights, imported_by, imported_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(v.id)
        .bind(&v.questionnaire_code)
        .bind(v.version)
        .bind(&v.label)
        .bind(json_text(&v.definition))
        .bind(v.provisional_weights)
        .bind(v.imported_by)
        .bind(v.imported_at)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn insert_survey_submission_impl(
        &self,
        submission: &SurveySubmission,
        completes: Option<Uuid>,
        schedule: &[ScheduledSurvey],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        insert_survey_submission_in(&mut tx, submission).await?;
        if let Some(step) = completes {
            let written = sqlx::query(
                "UPDATE survey_schedule SET done_submission_id = $1 WHERE id = $2 AND done_submission_id IS NULL",
            )
            .bind(submission.id)
            .bind(step)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
            stale_unless_written(written)?;
        }
        for step in schedule {
            upsert_schedule_step_in(&mut tx, step, false).await?;
        }
        append_audit_in(&mut tx, audit).await?;
        refresh_case_facts(&mut tx, &[submission.case_id]).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn survey_submission_impl(&self, id: Uuid) -> StoreResult<Option<SurveySubmission>> {
        let sql = format!("SELECT {SURVEY_SUBMISSION_COLUMNS} FROM survey_submissions WHERE id = $1");
        let row: Option<SurveySubmissionRow> =
            sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)?;
        row.map(SurveySubmission::try_from).transpose()
    }

    async fn survey_submissions_of_case_impl(&self, case_id: Uuid) -> StoreResult<Vec<SurveySubmission>> {
        let sql = format!(
            "SELECT {SURVEY_SUBMISSION_COLUMNS} FROM survey_submissions WHERE case_id = $1 \
             ORDER BY answered_on DESC, id DESC"
        );
        let rows: Vec<SurveySubmissionRow> =
            sqlx::query_as(&sql).bind(case_id).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.into_iter().map(SurveySubmission::try_from).collect()
    }

    async fn survey_submissions_scored_otherwise_impl(
        &self,
        code: &str,
        version_id: Uuid,
        after: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<SurveySubmission>> {
        let sql = format!(
            "SELECT {SURVEY_SUBMISSION_COLUMNS} FROM survey_submissions \
             WHERE questionnaire_code = $1 AND scored_with_version <> $2 AND ($3 IS NULL OR id > $3) \
             ORDER BY id LIMIT $4"
        );
        let rows: Vec<SurveySubmissionRow> = sqlx::query_as(&sql)
            .bind(code)
            .bind(version_id)
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.into_iter().map(SurveySubmission::try_from).collect()
    }

    async fn rescore_survey_submissions_impl(
        &self,
        scores: &[(Uuid, SurveyScores)],
        version_id: Uuid,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        for (id, s) in scores {
            sqlx::query(
                "UPDATE survey_submissions SET scores = $1, score_economic = $2, score_social = $3, \
                 score_psychosocial = $4, score_composite = $5, scored_with_version = $6 WHERE id = $7",
            )
            .bind(json_text(&s.detail))
            .bind(s.economic)
            .bind(s.social)
            .bind(s.psychosocial)
            .bind(s.composite)
            .bind(version_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        // New scores move the cases' figures.
        let ids: Vec<Uuid> = scores.iter().map(|(id, _)| *id).collect();
        let mut cases = Vec::new();
        for chunk in ids.chunks(BULK_ROWS) {
            let sql = format!("SELECT DISTINCT case_id FROM survey_submissions WHERE id IN ({})", placeholders(1, chunk.len()));
            let mut query = sqlx::query_scalar::<_, Uuid>(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            cases.extend(query.fetch_all(&mut *tx).await.map_err(store_error)?);
        }
        refresh_case_facts(&mut tx, &cases).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn survey_schedule_of_case_impl(&self, case_id: Uuid) -> StoreResult<Vec<ScheduledSurvey>> {
        let sql = format!(
            "SELECT {SCHEDULED_SURVEY_COLUMNS} FROM survey_schedule s WHERE s.case_id = $1 \
             ORDER BY s.due_on, s.months_after_baseline"
        );
        let rows: Vec<ScheduledSurveyRow> =
            sqlx::query_as(&sql).bind(case_id).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.into_iter().map(ScheduledSurvey::try_from).collect()
    }

    async fn save_survey_schedule_impl(&self, steps: &[ScheduledSurvey], audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        append_audit_in(&mut tx, audit).await?;
        for step in steps {
            upsert_schedule_step_in(&mut tx, step, true).await?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn surveys_due_impl(&self, organisation_id: Uuid, until: Date, limit: i64) -> StoreResult<Vec<QueuedSurvey>> {
        let sql = format!(
            "SELECT {SCHEDULED_SURVEY_COLUMNS}, c.case_number, c.protection, c.organisation_id, c.assigned_to, c.team \
             FROM survey_schedule s JOIN cases c ON c.id = s.case_id \
             WHERE c.organisation_id = $1 AND c.status = 'open' AND s.done_submission_id IS NULL AND s.due_on <= $2 \
             ORDER BY s.due_on, s.id LIMIT $3"
        );
        let rows: Vec<QueuedSurveyRow> = sqlx::query_as(&sql)
            .bind(organisation_id)
            .bind(until)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.into_iter()
            .map(|r| {
                Ok(QueuedSurvey {
                    survey: ScheduledSurvey::try_from(r.survey)?,
                    case_number: r.case_number,
                    protection: r.protection,
                    organisation_id: r.organisation_id,
                    assigned_to: r.assigned_to,
                    team: r.team,
                })
            })
            .collect()
    }

    async fn bulk_insert_surveys_impl(
        &self,
        submissions: &[SurveySubmission],
        schedule: &[ScheduledSurvey],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        // The audit entry first: every transaction starts with a write (see `queries.rs`).
        append_audit_in(&mut tx, audit).await?;
        for s in submissions {
            insert_survey_submission_in(&mut tx, s).await?;
        }
        for step in schedule {
            upsert_schedule_step_in(&mut tx, step, false).await?;
        }
        refresh_case_facts(&mut tx, &submissions.iter().map(|s| s.case_id).collect::<Vec<_>>()).await?;
        tx.commit().await.map_err(store_error)
    }
}
