// Case management queries, compiled once per backend like `queries.rs` (which delegates to these).

use cnrm_domain::consent::{ConsentMethod, ConsentPurpose, ConsentRecord};
use cnrm_domain::lifecycle::case::{CaseStatus, ClosureReason};
use cnrm_domain::person::{
    BirthDate, DatePrecision, DocumentType, EducationLevel, IdentityDocument, ImmediateAssistance, Language,
    MaritalStatus, PersonDraft, ReturnDraft, ReturnType, Sex,
};
use cnrm_domain::vulnerability::{Priority, VulnerabilityFlag};

fn code<T>(what: &str, raw: &str, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
    parse(raw).ok_or_else(|| corrupt(what, raw))
}

fn codes<T>(what: &str, json: &str, parse: fn(&str) -> Option<T>) -> StoreResult<Vec<T>> {
    let raw: Vec<String> = serde_json::from_str(json).map_err(|_| corrupt(what, json))?;
    raw.iter().map(|c| code(what, c, parse)).collect()
}

fn codes_json<T: Copy>(values: &[T], code: fn(T) -> &'static str) -> String {
    serde_json::to_string(&values.iter().map(|v| code(*v)).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into())
}

/// The smallest string greater than every string starting with `prefix`: `token >= p AND token < next`
/// is an index range scan on both engines.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// `text` with the `LIKE` wildcards taken literally (escape character `!`, named in each `LIKE`).
fn like_escape(text: &str) -> String {
    text.replace('!', "!!").replace('%', "!%").replace('_', "!_")
}

#[derive(FromRow)]
struct PersonRow {
    id: Uuid,
    family_name: String,
    given_names: String,
    other_names: String,
    father_name: String,
    mother_name: String,
    sex: String,
    birth_date: Option<Date>,
    birth_precision: Option<String>,
    nationality: String,
    languages: String,
    education_level: Option<String>,
    occupation: String,
    skills: String,
    marital_status: Option<String>,
    dependants: Option<i64>,
    origin_pcode: Option<String>,
    settlement_pcode: Option<String>,
    emergency_contact_name: String,
    emergency_contact_phone: String,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const PERSON_COLUMNS: &str = "id, family_name, given_names, other_names, father_name, mother_name, sex, birth_date, \
     birth_precision, nationality, languages, education_level, occupation, skills, marital_status, dependants, \
     origin_pcode, settlement_pcode, emergency_contact_name, emergency_contact_phone, version, created_at, updated_at";

fn some(text: String) -> Option<String> {
    Some(text).filter(|t| !t.is_empty())
}

impl PersonRow {
    fn into_record(self, phones: Vec<String>, documents: Vec<IdentityDocument>) -> StoreResult<PersonRecord> {
        let birth = match (self.birth_date, self.birth_precision.as_deref()) {
            (Some(date), Some(p)) => BirthDate { date, precision: code("birth precision", p, DatePrecision::parse)? },
            _ => return Err(corrupt("birth date", "missing")),
        };
        Ok(PersonRecord {
            id: self.id,
            draft: PersonDraft {
                family_name: self.family_name,
                given_names: self.given_names,
                other_names: some(self.other_names),
                father_name: some(self.father_name),
                mother_name: some(self.mother_name),
                sex: code("sex", &self.sex, Sex::parse)?,
                birth,
                nationality: self.nationality,
                phones,
                languages: codes("languages", &self.languages, Language::parse)?,
                education_level: self.education_level.as_deref().map(|c| code("education", c, EducationLevel::parse)).transpose()?,
                occupation: some(self.occupation),
                skills: some(self.skills),
                marital_status: self.marital_status.as_deref().map(|c| code("marital status", c, MaritalStatus::parse)).transpose()?,
                dependants: self.dependants.and_then(|d| u8::try_from(d).ok()),
                place_of_origin: self.origin_pcode,
                intended_settlement: self.settlement_pcode,
                emergency_contact_name: some(self.emergency_contact_name),
                emergency_contact_phone: some(self.emergency_contact_phone),
            },
            documents,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(FromRow)]
struct CaseRow {
    id: Uuid,
    person_id: Uuid,
    organisation_id: Uuid,
    case_number: String,
    status: String,
    priority: String,
    protection: bool,
    assigned_to: Option<Uuid>,
    team: Option<String>,
    arrival_date: Date,
    returned_from: String,
    return_type: String,
    arrival_point: String,
    programme: String,
    immediate_assistance: String,
    closure_reason: Option<String>,
    closed_on: Option<Date>,
    version: i64,
    created_by: Option<Uuid>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const CASE_COLUMNS: &str = "id, person_id, organisation_id, case_number, status, priority, protection, assigned_to, team, \
     arrival_date, returned_from, return_type, arrival_point, programme, immediate_assistance, closure_reason, closed_on, \
     version, created_by, created_at, updated_at";

impl TryFrom<CaseRow> for CaseRecord {
    type Error = StoreError;
    fn try_from(r: CaseRow) -> StoreResult<CaseRecord> {
        Ok(CaseRecord {
            id: r.id,
            person_id: r.person_id,
            organisation_id: r.organisation_id,
            case_number: r.case_number,
            status: code("case status", &r.status, CaseStatus::parse)?,
            priority: code("priority", &r.priority, Priority::parse)?,
            protection: r.protection,
            assigned_to: r.assigned_to,
            team: r.team,
            ret: ReturnDraft {
                arrival_date: r.arrival_date,
                returned_from: r.returned_from,
                return_type: code("return type", &r.return_type, ReturnType::parse)?,
                point_of_arrival: some(r.arrival_point),
                programme: some(r.programme),
                immediate_assistance: codes("immediate assistance", &r.immediate_assistance, ImmediateAssistance::parse)?,
            },
            closure_reason: r.closure_reason.as_deref().map(|c| code("closure reason", c, ClosureReason::parse)).transpose()?,
            closed_on: r.closed_on,
            version: r.version,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(FromRow)]
struct ConsentRow {
    id: Uuid,
    case_id: Uuid,
    purpose: String,
    partner_organisation_id: Option<Uuid>,
    method: String,
    granted_on: Date,
    obtained_by: Option<Uuid>,
    withdrawn_on: Option<Date>,
    withdrawn_by: Option<Uuid>,
    created_at: OffsetDateTime,
}

#[derive(FromRow)]
struct TaskRow {
    id: Uuid,
    case_id: Uuid,
    kind: String,
    due_on: Date,
    assigned_to: Option<Uuid>,
    done_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
}

#[derive(FromRow)]
struct SummaryRow {
    id: Uuid,
    case_number: String,
    organisation_id: Uuid,
    person_id: Uuid,
    family_name: String,
    given_names: String,
    sex: String,
    birth_date: Option<Date>,
    status: String,
    priority: String,
    protection: bool,
    assigned_to: Option<Uuid>,
    arrival_date: Date,
    returned_from: String,
    return_type: String,
    settlement_pcode: Option<String>,
}

async fn write_person_details(tx: &mut Transaction<'_, Db>, person: &PersonRecord) -> StoreResult<()> {
    for table in ["person_name_tokens", "person_phones", "person_documents"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE person_id = $1"))
            .bind(person.id)
            .execute(&mut **tx)
            .await
            .map_err(store_error)?;
    }
    let mut tokens: Vec<&str> = Vec::new();
    let key = person.draft.search_key();
    for token in key.split_whitespace() {
        if !tokens.contains(&token) {
            tokens.push(token);
        }
    }
    for token in tokens {
        sqlx::query("INSERT INTO person_name_tokens (token, person_id) VALUES ($1, $2)")
            .bind(token)
            .bind(person.id)
            .execute(&mut **tx)
            .await
            .map_err(store_error)?;
    }
    for (position, phone) in person.draft.phones.iter().enumerate() {
        sqlx::query("INSERT INTO person_phones (phone, person_id, position) VALUES ($1, $2, $3)")
            .bind(phone)
            .bind(person.id)
            .bind(position as i64)
            .execute(&mut **tx)
            .await
            .map_err(store_error)?;
    }
    for document in &person.documents {
        sqlx::query(
            "INSERT INTO person_documents (id, person_id, doc_type, number, number_key, issuing_country) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::now_v7())
        .bind(person.id)
        .bind(document.doc_type.code())
        .bind(&document.number)
        .bind(&document.number)
        .bind(&document.issuing_country)
        .execute(&mut **tx)
        .await
        .map_err(store_error)?;
    }
    Ok(())
}

async fn insert_consent(tx: &mut Transaction<'_, Db>, c: &StoredConsent) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO consents (id, case_id, purpose, partner_organisation_id, method, granted_on, obtained_by, \
         withdrawn_on, withdrawn_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(c.id)
    .bind(c.case_id)
    .bind(c.record.purpose.code())
    .bind(c.record.partner_organisation_id)
    .bind(c.record.method.code())
    .bind(c.record.granted_on)
    .bind(c.obtained_by)
    .bind(c.record.withdrawn_on)
    .bind(c.withdrawn_by)
    .bind(c.created_at)
    .execute(&mut **tx)
    .await
    .map_err(store_error)?;
    Ok(())
}

async fn insert_tasks(tx: &mut Transaction<'_, Db>, tasks: &[Task]) -> StoreResult<()> {
    for t in tasks {
        sqlx::query(
            "INSERT INTO tasks (id, case_id, kind, due_on, assigned_to, done_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(t.id)
        .bind(t.case_id)
        .bind(&t.kind)
        .bind(t.due_on)
        .bind(t.assigned_to)
        .bind(t.done_at)
        .bind(t.created_at)
        .execute(&mut **tx)
        .await
        .map_err(store_error)?;
    }
    Ok(())
}

async fn replace_flags(tx: &mut Transaction<'_, Db>, case_id: Uuid, flags: &[StoredFlag]) -> StoreResult<()> {
    sqlx::query("DELETE FROM vulnerabilities WHERE case_id = $1").bind(case_id).execute(&mut **tx).await.map_err(store_error)?;
    for f in flags {
        sqlx::query("INSERT INTO vulnerabilities (case_id, flag, noted_by, noted_at) VALUES ($1, $2, $3, $4)")
            .bind(case_id)
            .bind(f.flag.code())
            .bind(f.noted_by)
            .bind(f.noted_at)
            .execute(&mut **tx)
            .await
            .map_err(store_error)?;
    }
    Ok(())
}

impl Store {
    async fn create_case_impl(&self, new: &NewCase, audit: &AuditEvent) -> StoreResult<String> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO case_counters (organisation_id, year, last_seq) VALUES ($1, $2, 1) \
             ON CONFLICT (organisation_id, year) DO UPDATE SET last_seq = case_counters.last_seq + 1 RETURNING last_seq",
        )
        .bind(new.case.organisation_id)
        .bind(i64::from(new.year))
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        let number = cnrm_domain::case_number::case_number(&new.number_prefix, new.year, seq);
        let numbered = NewCase { case: CaseRecord { case_number: number.clone(), ..new.case.clone() }, ..new.clone() };
        write_new_cases(&mut tx, std::slice::from_ref(&numbered)).await?;
        let case = &numbered.case;
        let mut audit = audit.clone();
        audit.entity_id = Some(case.id.to_string());
        append_audit_in(&mut tx, &audit).await?;
        refresh_case_facts(&mut tx, &[case.id]).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(number)
    }

    async fn person_record(&self, id: Uuid) -> StoreResult<Option<PersonRecord>> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1");
        let Some(row): Option<PersonRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)? else {
            return Ok(None);
        };
        let phones: Vec<String> = sqlx::query_scalar("SELECT phone FROM person_phones WHERE person_id = $1 ORDER BY position")
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let documents: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT doc_type, number, issuing_country FROM person_documents WHERE person_id = $1 ORDER BY doc_type, number",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let documents = documents
            .into_iter()
            .map(|(t, number, issuing_country)| {
                Ok(IdentityDocument { doc_type: code("document type", &t, DocumentType::parse)?, number, issuing_country })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        row.into_record(phones, documents).map(Some)
    }

    async fn case_file_impl(&self, id: Uuid) -> StoreResult<Option<CaseFile>> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1");
        let Some(row): Option<CaseRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(store_error)? else {
            return Ok(None);
        };
        let case = CaseRecord::try_from(row)?;
        let person = self.person_record(case.person_id).await?.ok_or(StoreError::NotFound)?;
        let consents: Vec<ConsentRow> = sqlx::query_as(
            "SELECT id, case_id, purpose, partner_organisation_id, method, granted_on, obtained_by, withdrawn_on, \
             withdrawn_by, created_at FROM consents WHERE case_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let consents = consents
            .into_iter()
            .map(|r| {
                Ok(StoredConsent {
                    id: r.id,
                    case_id: r.case_id,
                    record: ConsentRecord {
                        purpose: code("consent purpose", &r.purpose, ConsentPurpose::parse)?,
                        partner_organisation_id: r.partner_organisation_id,
                        method: code("consent method", &r.method, ConsentMethod::parse)?,
                        granted_on: r.granted_on,
                        withdrawn_on: r.withdrawn_on,
                    },
                    obtained_by: r.obtained_by,
                    withdrawn_by: r.withdrawn_by,
                    created_at: r.created_at,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let flags: Vec<(String, Option<Uuid>, OffsetDateTime)> =
            sqlx::query_as("SELECT flag, noted_by, noted_at FROM vulnerabilities WHERE case_id = $1 ORDER BY flag")
                .bind(id)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
        let flags = flags
            .into_iter()
            .map(|(f, noted_by, noted_at)| Ok(StoredFlag { flag: code("flag", &f, VulnerabilityFlag::parse)?, noted_by, noted_at }))
            .collect::<StoreResult<Vec<_>>>()?;
        let tasks: Vec<TaskRow> = sqlx::query_as(
            "SELECT id, case_id, kind, due_on, assigned_to, done_at, created_at FROM tasks WHERE case_id = $1 ORDER BY due_on, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let tasks = tasks
            .into_iter()
            .map(|t| Task {
                id: t.id,
                case_id: t.case_id,
                kind: t.kind,
                due_on: t.due_on,
                assigned_to: t.assigned_to,
                done_at: t.done_at,
                created_at: t.created_at,
            })
            .collect();
        Ok(Some(CaseFile { case, person, consents, flags, tasks }))
    }

    /// Lists run on `case_search` alone (one index range, read in order) to find the page's cases,
    /// then read those few cases in full.
    async fn cases_impl(&self, scope: &CaseScope, filter: &CaseFilter, page: &PageRequest) -> StoreResult<Page<CaseSummary>> {
        // Conditions are added with their parameters, numbered as they come.
        let mut conditions: Vec<String> = Vec::new();
        let mut params: Vec<Param> = Vec::new();
        let mut add = |sql: &str, values: Vec<Param>, params: &mut Vec<Param>| {
            let mut sql = sql.to_string();
            for (i, value) in values.into_iter().enumerate() {
                params.push(value);
                sql = sql.replace(&format!("?{}", i + 1), &format!("${}", params.len()));
            }
            conditions.push(sql);
        };
        if let Some(org) = scope.organisation_id {
            add("s.organisation_id = ?1", vec![Param::Id(org)], &mut params);
        }
        // A name search reads the rows of the tokens the first word starts; anything else reads the
        // one listing row of each case (the literal '' lets both engines use the partial indexes).
        let mut by_name = false;
        match &filter.search {
            Some(CaseSearch::Name(tokens)) if !tokens.is_empty() => {
                by_name = true;
                // The longest word is the most selective prefix: it picks the rows; the others are
                // matched in the row's list of names.
                let driver = tokens.iter().max_by_key(|t| t.chars().count()).cloned().unwrap_or_default();
                add("s.token >= ?1 AND s.token < ?2", vec![Param::Text(driver.clone()), Param::Text(prefix_end(&driver))], &mut params);
                let mut skipped = false;
                for token in tokens {
                    if *token == driver && !skipped {
                        skipped = true;
                        continue;
                    }
                    add("s.names LIKE ?1 ESCAPE '!'", vec![Param::Text(format!("% {}%", like_escape(token)))], &mut params);
                }
            }
            _ => add("s.token = ''", vec![], &mut params),
        }
        match &filter.search {
            Some(CaseSearch::CaseNumber(number)) => {
                add("s.case_id IN (SELECT id FROM cases WHERE case_number = ?1)", vec![Param::Text(number.clone())], &mut params)
            }
            Some(CaseSearch::Phone(phone)) => add(
                "s.case_id IN (SELECT c.id FROM person_phones ph JOIN cases c ON c.person_id = ph.person_id WHERE ph.phone = ?1)",
                vec![Param::Text(phone.clone())],
                &mut params,
            ),
            Some(CaseSearch::Document(number)) => add(
                "s.case_id IN (SELECT c.id FROM person_documents d JOIN cases c ON c.person_id = d.person_id \
                 WHERE d.number_key = ?1)",
                vec![Param::Text(number.clone())],
                &mut params,
            ),
            _ => {}
        }
        if let Some((user, team)) = &scope.assigned_or_team {
            match team {
                Some(team) => add("(s.assigned_to = ?1 OR s.team = ?2)", vec![Param::Id(*user), Param::Text(team.clone())], &mut params),
                None => add("s.assigned_to = ?1", vec![Param::Id(*user)], &mut params),
            }
        }
        match scope.protection {
            ProtectionVisibility::All => {}
            ProtectionVisibility::AssignedTo(user) => add("(NOT s.protection OR s.assigned_to = ?1)", vec![Param::Id(user)], &mut params),
            ProtectionVisibility::None => add("NOT s.protection", vec![], &mut params),
        }
        if let Some(status) = filter.status {
            add("{+}s.status = ?1", vec![Param::Text(status.code().into())], &mut params);
        }
        if let Some(priority) = filter.priority {
            add("{+}s.priority = ?1", vec![Param::Text(priority.code().into())], &mut params);
        }
        if let Some(user) = filter.assigned_to {
            add("s.assigned_to = ?1", vec![Param::Id(user)], &mut params);
        }
        if let Some(unit) = &filter.settlement {
            add(
                "{+}s.settlement_pcode >= ?1 AND {+}s.settlement_pcode < ?2",
                vec![Param::Text(unit.clone()), Param::Text(prefix_end(unit))],
                &mut params,
            );
        }
        if let Some(country) = &filter.returned_from {
            add("{+}s.returned_from = ?1", vec![Param::Text(country.clone())], &mut params);
        }
        if let Some(kind) = filter.return_type {
            add("{+}s.return_type = ?1", vec![Param::Text(kind.code().into())], &mut params);
        }
        if let Some(from) = filter.arrived_from {
            add("s.arrival_date >= ?1", vec![Param::Date(from)], &mut params);
        }
        if let Some(to) = filter.arrived_to {
            add("s.arrival_date <= ?1", vec![Param::Date(to)], &mut params);
        }
        // `{+}` marks filters that only narrow the rows read. Counting, the engine may pick any index
        // (the settlement one makes a region's count cheap); but a page must be read in arrival order
        // from the primary key and stop after its rows, and SQLite's planner, without LIMIT in its
        // costs, would rather sort a whole region: a unary `+` keeps it off those indexes.
        let conditions = conditions.join(" AND ");
        let clause = format!("WHERE {}", conditions.replace("{+}", ""));
        let page_clause = format!("WHERE {}", conditions.replace("{+}", if BACKEND == Backend::Sqlite { "+" } else { "" }));
        // A case has several name rows: a prefix can start two of its names.
        let distinct = if by_name { "DISTINCT " } else { "" };
        let count_sql = format!(
            "SELECT COUNT(*) FROM (SELECT {distinct}s.case_id FROM case_search s {clause} LIMIT {}) capped",
            cnrm_domain::paging::COUNT_CAP + 1
        );
        let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
        for p in &params {
            count = p.bind_scalar(count);
        }
        let total = count.fetch_one(&self.pool).await.map_err(store_error)?;
        let column = match page.sort {
            "case_number" => "s.case_number",
            "name" => "s.sort_name",
            "priority" => "s.priority",
            _ => "s.arrival_date",
        };
        let dir = if page.descending { "DESC" } else { "ASC" };
        let n = params.len();
        let ids_sql = format!(
            "SELECT {distinct}s.case_id, {column} FROM case_search s {page_clause} ORDER BY {column} {dir}, s.case_id {dir} \
             LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let mut ids_query = sqlx::query(&ids_sql);
        for p in &params {
            ids_query = p.bind_query(ids_query);
        }
        let ids: Vec<Uuid> = ids_query
            .bind(page.per_page)
            .bind(page.offset())
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?
            .iter()
            .map(|row| sqlx::Row::try_get::<Uuid, _>(row, 0))
            .collect::<Result<_, _>>()
            .map_err(store_error)?;
        let mut rows = Vec::with_capacity(ids.len());
        if !ids.is_empty() {
            let placeholders = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT c.id, c.case_number, c.organisation_id, c.person_id, p.family_name, p.given_names, p.sex, p.birth_date, \
                 c.status, c.priority, c.protection, c.assigned_to, c.arrival_date, c.returned_from, c.return_type, \
                 p.settlement_pcode FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id IN ({placeholders})"
            );
            let mut query = sqlx::query_as::<_, SummaryRow>(&sql);
            for id in &ids {
                query = query.bind(*id);
            }
            rows = query.fetch_all(&self.pool).await.map_err(store_error)?;
            rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
        }
        let items = rows
            .into_iter()
            .map(|r| {
                Ok(CaseSummary {
                    id: r.id,
                    case_number: r.case_number,
                    organisation_id: r.organisation_id,
                    person_id: r.person_id,
                    family_name: r.family_name,
                    given_names: r.given_names,
                    sex: code("sex", &r.sex, Sex::parse)?,
                    birth_date: r.birth_date,
                    status: code("case status", &r.status, CaseStatus::parse)?,
                    priority: code("priority", &r.priority, Priority::parse)?,
                    protection: r.protection,
                    assigned_to: r.assigned_to,
                    arrival_date: r.arrival_date,
                    returned_from: r.returned_from,
                    return_type: code("return type", &r.return_type, ReturnType::parse)?,
                    settlement_pcode: r.settlement_pcode,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page { items, total, page: page.page, per_page: page.per_page })
    }

    async fn update_person_impl(&self, person: &PersonRecord, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let d = &person.draft;
        let updated = sqlx::query(
            "UPDATE persons SET family_name = $2, given_names = $3, other_names = $4, sex = $5, birth_date = $6, \
             birth_precision = $7, nationality = $8, languages = $9, education_level = $10, occupation = $11, skills = $12, \
             marital_status = $13, dependants = $14, origin_pcode = $15, settlement_pcode = $16, \
             emergency_contact_name = $17, emergency_contact_phone = $18, version = version + 1, updated_at = $19, \
             father_name = $21, mother_name = $22 \
             WHERE id = $1 AND version = $20",
        )
        .bind(person.id)
        .bind(&d.family_name)
        .bind(&d.given_names)
        .bind(d.other_names.clone().unwrap_or_default())
        .bind(d.sex.code())
        .bind(d.birth.date)
        .bind(d.birth.precision.code())
        .bind(&d.nationality)
        .bind(codes_json(&d.languages, Language::code))
        .bind(d.education_level.map(EducationLevel::code))
        .bind(d.occupation.clone().unwrap_or_default())
        .bind(d.skills.clone().unwrap_or_default())
        .bind(d.marital_status.map(MaritalStatus::code))
        .bind(d.dependants.map(i64::from))
        .bind(&d.place_of_origin)
        .bind(&d.intended_settlement)
        .bind(d.emergency_contact_name.clone().unwrap_or_default())
        .bind(d.emergency_contact_phone.clone().unwrap_or_default())
        .bind(person.updated_at)
        .bind(person.version)
        .bind(d.father_name.clone().unwrap_or_default())
        .bind(d.mother_name.clone().unwrap_or_default())
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Conflict("stale".into()));
        }
        write_person_details(&mut tx, person).await?;
        let cases: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM cases WHERE person_id = $1")
            .bind(person.id)
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
        refresh_case_search(&mut tx, &cases).await?;
        append_audit_in(&mut tx, audit).await?;
        // The settlement, sex or birth date may have changed: the returnee's needs and figures move.
        cases_changed(&mut tx, &cases).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn update_case_impl(&self, case: &CaseRecord, flags: Option<&[StoredFlag]>, tasks: &[Task], audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let updated = sqlx::query(
            "UPDATE cases SET status = $2, priority = $3, protection = $4, assigned_to = $5, team = $6, arrival_date = $7, \
             returned_from = $8, return_type = $9, arrival_point = $10, programme = $11, immediate_assistance = $12, \
             closure_reason = $13, closed_on = $14, organisation_id = $15, version = version + 1, updated_at = $16 \
             WHERE id = $1 AND version = $17",
        )
        .bind(case.id)
        .bind(case.status.code())
        .bind(case.priority.code())
        .bind(case.protection)
        .bind(case.assigned_to)
        .bind(&case.team)
        .bind(case.ret.arrival_date)
        .bind(&case.ret.returned_from)
        .bind(case.ret.return_type.code())
        .bind(case.ret.point_of_arrival.clone().unwrap_or_default())
        .bind(case.ret.programme.clone().unwrap_or_default())
        .bind(codes_json(&case.ret.immediate_assistance, ImmediateAssistance::code))
        .bind(case.closure_reason.map(ClosureReason::code))
        .bind(case.closed_on)
        .bind(case.organisation_id)
        .bind(case.updated_at)
        .bind(case.version)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Conflict("stale".into()));
        }
        if let Some(flags) = flags {
            replace_flags(&mut tx, case.id, flags).await?;
        }
        insert_tasks(&mut tx, tasks).await?;
        refresh_case_search(&mut tx, &[case.id]).await?;
        append_audit_in(&mut tx, audit).await?;
        // Closed or reopened, the case leaves or re-enters the matrix.
        cases_changed(&mut tx, &[case.id]).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn add_consent_impl(&self, consent: &StoredConsent, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        insert_consent(&mut tx, consent).await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn withdraw_consent_impl(&self, id: Uuid, on: Date, by: Uuid, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let updated =
            sqlx::query("UPDATE consents SET withdrawn_on = $2, withdrawn_by = $3 WHERE id = $1 AND withdrawn_on IS NULL")
                .bind(id)
                .bind(on)
                .bind(by)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn document_holder_impl(&self, doc_type: &str, number_key: &str) -> StoreResult<Option<Uuid>> {
        sqlx::query_scalar("SELECT person_id FROM person_documents WHERE doc_type = $1 AND number_key = $2")
            .bind(doc_type)
            .bind(number_key)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)
    }

    /// Every case of a person, in one query: enough to apply the reach rules (`cases::may_see`)
    /// before loading any case file.
    async fn cases_of_person_impl(&self, person_id: Uuid) -> StoreResult<Vec<CaseRecord>> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE person_id = $1 ORDER BY id");
        let rows: Vec<CaseRow> =
            sqlx::query_as(&sql).bind(person_id).fetch_all(&self.pool).await.map_err(store_error)?;
        rows.into_iter().map(CaseRecord::try_from).collect()
    }
}

/// Writes new cases with everything registered with them (persons unless existing, their name
/// tokens, phones and documents, consents, screening, tasks) in multi-row inserts: one registration
/// and a bulk load take the same path.
async fn write_new_cases(tx: &mut Transaction<'_, Db>, batch: &[NewCase]) -> StoreResult<()> {
    use sqlx::QueryBuilder;
        let persons: Vec<&PersonRecord> = batch.iter().filter(|n| !n.existing_person).map(|n| &n.person).collect();
        for chunk in persons.chunks(BULK_ROWS) {
            let mut q = QueryBuilder::<Db>::new(format!("INSERT INTO persons ({PERSON_COLUMNS}) "));
            q.push_values(chunk, |mut b, p| {
                let d = &p.draft;
                b.push_bind(p.id)
                    .push_bind(d.family_name.clone())
                    .push_bind(d.given_names.clone())
                    .push_bind(d.other_names.clone().unwrap_or_default())
                    .push_bind(d.father_name.clone().unwrap_or_default())
                    .push_bind(d.mother_name.clone().unwrap_or_default())
                    .push_bind(d.sex.code())
                    .push_bind(d.birth.date)
                    .push_bind(d.birth.precision.code())
                    .push_bind(d.nationality.clone())
                    .push_bind(codes_json(&d.languages, Language::code))
                    .push_bind(d.education_level.map(EducationLevel::code))
                    .push_bind(d.occupation.clone().unwrap_or_default())
                    .push_bind(d.skills.clone().unwrap_or_default())
                    .push_bind(d.marital_status.map(MaritalStatus::code))
                    .push_bind(d.dependants.map(i64::from))
                    .push_bind(d.place_of_origin.clone())
                    .push_bind(d.intended_settlement.clone())
                    .push_bind(d.emergency_contact_name.clone().unwrap_or_default())
                    .push_bind(d.emergency_contact_phone.clone().unwrap_or_default())
                    .push_bind(p.version)
                    .push_bind(p.created_at)
                    .push_bind(p.updated_at);
            });
            q.build().execute(&mut **tx).await.map_err(store_error)?;
        }
        let tokens: Vec<(String, Uuid)> = persons
            .iter()
            .flat_map(|p| {
                let mut seen: Vec<String> = Vec::new();
                for t in p.draft.search_key().split_whitespace() {
                    if !seen.iter().any(|s| s == t) {
                        seen.push(t.to_string());
                    }
                }
                seen.into_iter().map(move |t| (t, p.id))
            })
            .collect();
        for chunk in tokens.chunks(BULK_ROWS * 4) {
            let mut q = QueryBuilder::<Db>::new("INSERT INTO person_name_tokens (token, person_id) ");
            q.push_values(chunk, |mut b, (token, id)| {
                b.push_bind(token.clone()).push_bind(*id);
            });
            q.build().execute(&mut **tx).await.map_err(store_error)?;
        }
        let phones: Vec<(String, Uuid, i64)> = persons
            .iter()
            .flat_map(|p| p.draft.phones.iter().enumerate().map(move |(i, phone)| (phone.clone(), p.id, i as i64)))
            .collect();
        for chunk in phones.chunks(BULK_ROWS * 4) {
            let mut q = QueryBuilder::<Db>::new("INSERT INTO person_phones (phone, person_id, position) ");
            q.push_values(chunk, |mut b, (phone, id, position)| {
                b.push_bind(phone.clone()).push_bind(*id).push_bind(*position);
            });
            q.build().execute(&mut **tx).await.map_err(store_error)?;
        }
        let documents: Vec<(Uuid, &IdentityDocument)> =
            persons.iter().flat_map(|p| p.documents.iter().map(move |d| (p.id, d))).collect();
        for chunk in documents.chunks(BULK_ROWS) {
            let mut q = QueryBuilder::<Db>::new(
                "INSERT INTO person_documents (id, person_id, doc_type, number, number_key, issuing_country) ",
            );
            q.push_values(chunk, |mut b, (person_id, d)| {
                b.push_bind(Uuid::now_v7())
                    .push_bind(*person_id)
                    .push_bind(d.doc_type.code())
                    .push_bind(d.number.clone())
                    .push_bind(d.number.clone())
                    .push_bind(d.issuing_country.clone());
            });
            q.build().execute(&mut **tx).await.map_err(store_error)?;
        }
        for chunk in batch.chunks(BULK_ROWS) {
            let mut q = QueryBuilder::<Db>::new(format!("INSERT INTO cases ({CASE_COLUMNS}) "));
            q.push_values(chunk, |mut b, n| {
                let c = &n.case;
                b.push_bind(c.id)
                    .push_bind(c.person_id)
                    .push_bind(c.organisation_id)
                    .push_bind(c.case_number.clone())
                    .push_bind(c.status.code())
                    .push_bind(c.priority.code())
                    .push_bind(c.protection)
                    .push_bind(c.assigned_to)
                    .push_bind(c.team.clone())
                    .push_bind(c.ret.arrival_date)
                    .push_bind(c.ret.returned_from.clone())
                    .push_bind(c.ret.return_type.code())
                    .push_bind(c.ret.point_of_arrival.clone().unwrap_or_default())
                    .push_bind(c.ret.programme.clone().unwrap_or_default())
                    .push_bind(codes_json(&c.ret.immediate_assistance, ImmediateAssistance::code))
                    .push_bind(c.closure_reason.map(ClosureReason::code))
                    .push_bind(c.closed_on)
                    .push_bind(c.version)
                    .push_bind(c.created_by)
                    .push_bind(c.created_at)
                    .push_bind(c.updated_at);
            });
            q.build().execute(&mut **tx).await.map_err(store_error)?;
        }
        let consents: Vec<&StoredConsent> = batch.iter().flat_map(|n| n.consents.iter()).collect();
        for chunk in consents.chunks(BULK_ROWS) {
            let mut q = QueryBuilder::<Db>::new(
                "INSERT INTO consents (id, case_id, purpose, partner_organisation_id, method, granted_on, obtained_by, \
                 withdrawn_on, withdrawn_by, created_at) ",
            );
            q.push_values(chunk, |mut b, c| {
                b.push_bind(c.id)
                    .push_bind(c.case_id)
                    .push_bind(c.record.purpose.code())
                    .push_bind(c.record.partner_organisation_id)
                    .push_bind(c.record.method.code())
                    .push_bind(c.record.granted_on)
                    .push_bind(c.obtained_by)
                    .push_bind(c.record.withdrawn_on)
                    .push_bind(c.withdrawn_by)
                    .push_bind(c.created_at);
            });
            q.build().execute(&mut **tx).await.map_err(store_error)?;
        }
        let flags: Vec<(Uuid, &StoredFlag)> = batch.iter().flat_map(|n| n.flags.iter().map(move |f| (n.case.id, f))).collect();
        for chunk in flags.chunks(BULK_ROWS) {
            let mut q = QueryBuilder::<Db>::new("INSERT INTO vulnerabilities (case_id, flag, noted_by, noted_at) ");
            q.push_values(chunk, |mut b, (case_id, f)| {
                b.push_bind(*case_id).push_bind(f.flag.code()).push_bind(f.noted_by).push_bind(f.noted_at);
            });
            q.build().execute(&mut **tx).await.map_err(store_error)?;
        }
        let tasks: Vec<&Task> = batch.iter().flat_map(|n| n.tasks.iter()).collect();
        for chunk in tasks.chunks(BULK_ROWS) {
            let mut q =
                QueryBuilder::<Db>::new("INSERT INTO tasks (id, case_id, kind, due_on, assigned_to, done_at, created_at) ");
            q.push_values(chunk, |mut b, t| {
                b.push_bind(t.id)
                    .push_bind(t.case_id)
                    .push_bind(t.kind.clone())
                    .push_bind(t.due_on)
                    .push_bind(t.assigned_to)
                    .push_bind(t.done_at)
                    .push_bind(t.created_at);
            });
            q.build().execute(&mut **tx).await.map_err(store_error)?;
        }
    for step in batch.iter().flat_map(|n| n.surveys.iter()) {
        upsert_schedule_step_in(tx, step, false).await?;
    }
    let ids: Vec<Uuid> = batch.iter().map(|n| n.case.id).collect();
    refresh_case_search(tx, &ids).await
}

/// How the rows of `case_search` are made from a case and its person: `{token}` is `''` (the listing
/// row) or `t.token` with `{join}` bringing in the person's name tokens; `{ids}` lists the cases.
/// `{filters}` is what the indicators filter cases by ([`INDICATOR_FILTER_VALUES`]), on the listing
/// row only. The 0004 and 0020 migrations fill the table with the same columns for the cases that
/// existed before them.
const CASE_SEARCH_ROWS: &str = "INSERT INTO case_search (organisation_id, token, arrival_date, case_id, case_number, \
     status, priority, protection, assigned_to, team, returned_from, return_type, settlement_pcode, sort_name, names, \
     sex, birth_date, programme) \
     SELECT c.organisation_id, {token}, c.arrival_date, c.id, c.case_number, c.status, c.priority, c.protection, \
     c.assigned_to, c.team, c.returned_from, c.return_type, p.settlement_pcode, p.family_name || ' ' || p.given_names, \
     COALESCE((SELECT ' ' || string_agg(n.token, ' ') || ' ' FROM person_name_tokens n WHERE n.person_id = p.id), ' '), \
     {filters} FROM cases c JOIN persons p ON p.id = c.person_id {join} WHERE c.id IN ({ids})";

/// The person's and case's values the indicators filter by, kept on the listing row so that no
/// indicator joins the persons and cases tables (name token rows leave them NULL).
const INDICATOR_FILTER_VALUES: &str = "p.sex, p.birth_date, c.programme";

/// Rebuilds the search rows of these cases from what the transaction has written: every write to a
/// case or its person ends here, so lists and searches never see a stale row. Those that can change
/// the gap matrix (status, settlement) also call `refresh_gap_needs` once their audit entry is
/// written; new cases need not, having no plan or assessment yet.
async fn refresh_case_search(tx: &mut Transaction<'_, Db>, case_ids: &[Uuid]) -> StoreResult<()> {
    for chunk in case_ids.chunks(BULK_ROWS) {
        let ids = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let statements = [
            format!("DELETE FROM case_search WHERE case_id IN ({ids})"),
            CASE_SEARCH_ROWS
                .replace("{token}", "''")
                .replace("{filters}", INDICATOR_FILTER_VALUES)
                .replace("{join}", "")
                .replace("{ids}", &ids),
            CASE_SEARCH_ROWS
                .replace("{token}", "t.token")
                .replace("{filters}", "NULL, NULL, NULL")
                .replace("{join}", "JOIN person_name_tokens t ON t.person_id = p.id")
                .replace("{ids}", &ids),
        ];
        for sql in &statements {
            let mut query = sqlx::query(sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut **tx).await.map_err(store_error)?;
        }
    }
    Ok(())
}

/// Rows per multi-row `INSERT`: under both engines' limits on bound parameters (21 columns × 500).
const BULK_ROWS: usize = 500;

impl Store {
    async fn bulk_insert_cases_impl(&self, batch: &[NewCase], audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        write_new_cases(&mut tx, batch).await?;
        // Counters move past the numbers given, so later registrations continue the series.
        let mut highest: Vec<(Uuid, i32, i64)> = Vec::new();
        for n in batch {
            let seq = cnrm_domain::case_number::parse_case_number(&n.case.case_number).map_or(0, |c| c.seq);
            match highest.iter_mut().find(|(o, y, _)| *o == n.case.organisation_id && *y == n.year) {
                Some(entry) => entry.2 = entry.2.max(seq),
                None => highest.push((n.case.organisation_id, n.year, seq)),
            }
        }
        for (organisation_id, year, seq) in highest {
            sqlx::query(
                "INSERT INTO case_counters (organisation_id, year, last_seq) VALUES ($1, $2, $3) \
                 ON CONFLICT (organisation_id, year) DO UPDATE SET last_seq = \
                 CASE WHEN excluded.last_seq > case_counters.last_seq THEN excluded.last_seq ELSE case_counters.last_seq END",
            )
            .bind(organisation_id)
            .bind(i64::from(year))
            .bind(seq)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        append_audit_in(&mut tx, audit).await?;
        refresh_case_facts(&mut tx, &batch.iter().map(|n| n.case.id).collect::<Vec<_>>()).await?;
        tx.commit().await.map_err(store_error)
    }
}

/// A bind parameter of a dynamically built query.
#[derive(Clone)]
enum Param {
    Id(Uuid),
    Text(String),
    Date(Date),
}

type Args<'q> = <Db as sqlx::Database>::Arguments<'q>;

impl Param {
    fn bind_scalar<'q, O>(&'q self, q: sqlx::query::QueryScalar<'q, Db, O, Args<'q>>) -> sqlx::query::QueryScalar<'q, Db, O, Args<'q>> {
        match self {
            Param::Id(v) => q.bind(*v),
            Param::Text(v) => q.bind(v.as_str()),
            Param::Date(v) => q.bind(*v),
        }
    }

    fn bind_query<'q>(&'q self, q: sqlx::query::Query<'q, Db, Args<'q>>) -> sqlx::query::Query<'q, Db, Args<'q>> {
        match self {
            Param::Id(v) => q.bind(*v),
            Param::Text(v) => q.bind(v.as_str()),
            Param::Date(v) => q.bind(*v),
        }
    }
}
