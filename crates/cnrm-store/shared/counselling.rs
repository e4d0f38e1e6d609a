// Counselling queries (sessions, needs and skills assessments), compiled once per backend like
// `queries.rs` (which delegates to these). Lists of codes are stored as JSON arrays of text.

use cnrm_domain::assessment::{DimensionNeeds, Need, NeedLevel, Pathway, Proficiency, Sector, SessionKind};

#[derive(FromRow)]
struct CounsellingSessionRow {
    id: Uuid,
    case_id: Uuid,
    held_on: Date,
    counsellor_id: Option<Uuid>,
    kind: String,
    duration_minutes: Option<i64>,
    summary: String,
    next_steps: Option<String>,
    recorded_by: Option<Uuid>,
    created_at: OffsetDateTime,
}

const COUNSELLING_SESSION_COLUMNS: &str =
    "id, case_id, held_on, counsellor_id, kind, duration_minutes, summary, next_steps, recorded_by, created_at";

impl TryFrom<CounsellingSessionRow> for CounsellingSession {
    type Error = StoreError;
    fn try_from(r: CounsellingSessionRow) -> StoreResult<CounsellingSession> {
        Ok(CounsellingSession {
            id: r.id,
            case_id: r.case_id,
            held_on: r.held_on,
            counsellor_id: r.counsellor_id,
            kind: code("session kind", &r.kind, SessionKind::parse)?,
            duration_minutes: r.duration_minutes,
            summary: r.summary,
            next_steps: r.next_steps,
            recorded_by: r.recorded_by,
            created_at: r.created_at,
        })
    }
}

#[derive(FromRow)]
struct NeedsAssessmentRow {
    id: Uuid,
    case_id: Uuid,
    assessed_on: Date,
    assessor_id: Option<Uuid>,
    economic_level: String,
    economic_needs: String,
    economic_notes: Option<String>,
    social_level: String,
    social_needs: String,
    social_notes: Option<String>,
    psychosocial_level: String,
    psychosocial_needs: String,
    psychosocial_notes: Option<String>,
    notes: Option<String>,
    recorded_by: Option<Uuid>,
    created_at: OffsetDateTime,
}

const NEEDS_ASSESSMENT_COLUMNS: &str = "id, case_id, assessed_on, assessor_id, economic_level, economic_needs, \
     economic_notes, social_level, social_needs, social_notes, psychosocial_level, psychosocial_needs, \
     psychosocial_notes, notes, recorded_by, created_at";

fn dimension_needs(level: &str, needs: &str, notes: Option<String>) -> StoreResult<DimensionNeeds> {
    Ok(DimensionNeeds {
        level: code("need level", level, NeedLevel::parse)?,
        needs: codes("needs", needs, Need::parse)?,
        notes,
    })
}

impl TryFrom<NeedsAssessmentRow> for NeedsAssessment {
    type Error = StoreError;
    fn try_from(r: NeedsAssessmentRow) -> StoreResult<NeedsAssessment> {
        Ok(NeedsAssessment {
            id: r.id,
            case_id: r.case_id,
            assessed_on: r.assessed_on,
            assessor_id: r.assessor_id,
            economic: dimension_needs(&r.economic_level, &r.economic_needs, r.economic_notes)?,
            social: dimension_needs(&r.social_level, &r.social_needs, r.social_notes)?,
            psychosocial: dimension_needs(&r.psychosocial_level, &r.psychosocial_needs, r.psychosocial_notes)?,
            notes: r.notes,
            recorded_by: r.recorded_by,
            created_at: r.created_at,
        })
    }
}

#[derive(FromRow)]
struct SkillsAssessmentRow {
    id: Uuid,
    case_id: Uuid,
    assessed_on: Date,
    assessor_id: Option<Uuid>,
    skills: String,
    experience_years: Option<i64>,
    experience_sectors: String,
    interest_sectors: String,
    literacy: String,
    numeracy: String,
    pathway: Option<String>,
    notes: Option<String>,
    recorded_by: Option<Uuid>,
    created_at: OffsetDateTime,
}

const SKILLS_ASSESSMENT_COLUMNS: &str = "id, case_id, assessed_on, assessor_id, skills, experience_years, \
     experience_sectors, interest_sectors, literacy, numeracy, pathway, notes, recorded_by, created_at";

impl TryFrom<SkillsAssessmentRow> for SkillsAssessment {
    type Error = StoreError;
    fn try_from(r: SkillsAssessmentRow) -> StoreResult<SkillsAssessment> {
        Ok(SkillsAssessment {
            id: r.id,
            case_id: r.case_id,
            assessed_on: r.assessed_on,
            assessor_id: r.assessor_id,
            skills: serde_json::from_str(&r.skills).map_err(|_| corrupt("skills", &r.skills))?,
            experience_years: r.experience_years,
            experience_sectors: codes("sectors", &r.experience_sectors, Sector::parse)?,
            interest_sectors: codes("sectors", &r.interest_sectors, Sector::parse)?,
            literacy: code("literacy", &r.literacy, Proficiency::parse)?,
            numeracy: code("numeracy", &r.numeracy, Proficiency::parse)?,
            pathway: r.pathway.as_deref().map(|p| code("pathway", p, Pathway::parse)).transpose()?,
            notes: r.notes,
            recorded_by: r.recorded_by,
            created_at: r.created_at,
        })
    }
}

async fn insert_counselling_session_in(tx: &mut Transaction<'_, Db>, s: &CounsellingSession) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO counselling_sessions ({COUNSELLING_SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(s.id)
    .bind(s.case_id)
    .bind(s.held_on)
    .bind(s.counsellor_id)
    .bind(s.kind.code())
    .bind(s.duration_minutes)
    .bind(&s.summary)
    .bind(&s.next_steps)
    .bind(s.recorded_by)
    .bind(s.created_at)
    .execute(&mut **tx)
    .await
    .map_err(store_error)?;
    Ok(())
}

async fn insert_needs_assessment_in(tx: &mut Transaction<'_, Db>, a: &NeedsAssessment) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO needs_assessments ({NEEDS_ASSESSMENT_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    ))
    .bind(a.id)
    .bind(a.case_id)
    .bind(a.assessed_on)
    .bind(a.assessor_id)
    .bind(a.economic.level.code())
    .bind(codes_json(&a.economic.needs, Need::code))
    .bind(&a.economic.notes)
    .bind(a.social.level.code())
    .bind(codes_json(&a.social.needs, Need::code))
    .bind(&a.social.notes)
    .bind(a.psychosocial.level.code())
    .bind(codes_json(&a.psychosocial.needs, Need::code))
    .bind(&a.psychosocial.notes)
    .bind(&a.notes)
    .bind(a.recorded_by)
    .bind(a.created_at)
    .execute(&mut **tx)
    .await
    .map_err(store_error)?;
    Ok(())
}

async fn insert_skills_assessment_in(tx: &mut Transaction<'_, Db>, a: &SkillsAssessment) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO skills_assessments ({SKILLS_ASSESSMENT_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    ))
    .bind(a.id)
    .bind(a.case_id)
    .bind(a.assessed_on)
    .bind(a.assessor_id)
    .bind(serde_json::to_string(&a.skills).unwrap_or_else(|_| "[]".into()))
    .bind(a.experience_years)
    .bind(codes_json(&a.experience_sectors, Sector::code))
    .bind(codes_json(&a.interest_sectors, Sector::code))
    .bind(a.literacy.code())
    .bind(a.numeracy.code())
    .bind(a.pathway.map(Pathway::code))
    .bind(&a.notes)
    .bind(a.recorded_by)
    .bind(a.created_at)
    .execute(&mut **tx)
    .await
    .map_err(store_error)?;
    Ok(())
}

impl Store {
    async fn insert_counselling_session_impl(&self, s: &CounsellingSession, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        insert_counselling_session_in(&mut tx, s).await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn counselling_sessions_impl(&self, case_id: Uuid) -> StoreResult<Vec<CounsellingSession>> {
        let sql = format!(
            "SELECT {COUNSELLING_SESSION_COLUMNS} FROM counselling_sessions WHERE case_id = $1 ORDER BY held_on DESC, id DESC"
        );
        let rows: Vec<CounsellingSessionRow> =
            sqlx::query_as(&sql).bind(case_id).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.into_iter().map(CounsellingSession::try_from).collect()
    }

    async fn insert_needs_assessment_impl(&self, a: &NeedsAssessment, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        insert_needs_assessment_in(&mut tx, a).await?;
        append_audit_in(&mut tx, audit).await?;
        refresh_gap_needs(&mut tx, &[a.case_id]).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn needs_assessments_impl(&self, case_id: Uuid) -> StoreResult<Vec<NeedsAssessment>> {
        let sql = format!(
            "SELECT {NEEDS_ASSESSMENT_COLUMNS} FROM needs_assessments WHERE case_id = $1 ORDER BY assessed_on DESC, id DESC"
        );
        let rows: Vec<NeedsAssessmentRow> =
            sqlx::query_as(&sql).bind(case_id).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.into_iter().map(NeedsAssessment::try_from).collect()
    }

    async fn insert_skills_assessment_impl(&self, a: &SkillsAssessment, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        insert_skills_assessment_in(&mut tx, a).await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn skills_assessments_impl(&self, case_id: Uuid) -> StoreResult<Vec<SkillsAssessment>> {
        let sql = format!(
            "SELECT {SKILLS_ASSESSMENT_COLUMNS} FROM skills_assessments WHERE case_id = $1 ORDER BY assessed_on DESC, id DESC"
        );
        let rows: Vec<SkillsAssessmentRow> =
            sqlx::query_as(&sql).bind(case_id).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.into_iter().map(SkillsAssessment::try_from).collect()
    }

    async fn bulk_insert_counselling_impl(
        &self,
        sessions: &[CounsellingSession],
        needs: &[NeedsAssessment],
        skills: &[SkillsAssessment],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        // The audit entry first: every transaction starts with a write (see `queries.rs`).
        append_audit_in(&mut tx, audit).await?;
        for s in sessions {
            insert_counselling_session_in(&mut tx, s).await?;
        }
        for a in needs {
            insert_needs_assessment_in(&mut tx, a).await?;
        }
        for a in skills {
            insert_skills_assessment_in(&mut tx, a).await?;
        }
        refresh_gap_needs(&mut tx, &needs.iter().map(|a| a.case_id).collect::<Vec<_>>()).await?;
        tx.commit().await.map_err(store_error)
    }
}
