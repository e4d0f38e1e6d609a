// List exports (issue 6, item 5): what an export with a choice of fields adds to the list's own
// rows. Compiled once per backend like `queries.rs` (which delegates to these). The ids come from
// the case list query, already limited to what the reader may see: nothing here widens a scope.

#[derive(FromRow)]
struct CaseExportRow {
    case_id: Uuid,
    person_id: Uuid,
    other_names: String,
    father_name: String,
    mother_name: String,
    nationality: String,
    arrival_point: String,
    programme: String,
    occupation: String,
    skills: String,
    emergency_contact_name: String,
    emergency_contact_phone: String,
}

/// Ids per query: far below both engines' limits on parameters.
const EXPORT_CHUNK: usize = 500;

impl Store {
    async fn case_export_details_impl(&self, ids: &[Uuid]) -> StoreResult<Vec<CaseExportDetail>> {
        let mut details = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(EXPORT_CHUNK) {
            let sql = format!(
                "SELECT c.id AS case_id, p.id AS person_id, p.other_names, p.father_name, p.mother_name, p.nationality, \
                 c.arrival_point, c.programme, p.occupation, p.skills, p.emergency_contact_name, p.emergency_contact_phone \
                 FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id IN ({})",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query_as::<_, CaseExportRow>(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            let rows = query.fetch_all(&self.pool).await.map_err(store_error)?;
            let mut persons: Vec<Uuid> = rows.iter().map(|r| r.person_id).collect();
            persons.sort();
            persons.dedup();
            let mut phones: std::collections::HashMap<Uuid, Vec<String>> = std::collections::HashMap::new();
            let mut documents: std::collections::HashMap<Uuid, Vec<(String, String)>> =
                std::collections::HashMap::new();
            if !persons.is_empty() {
                let sql = format!(
                    "SELECT person_id, phone FROM person_phones WHERE person_id IN ({}) ORDER BY person_id, position",
                    placeholders(1, persons.len())
                );
                let mut query = sqlx::query_as::<_, (Uuid, String)>(&sql);
                for id in &persons {
                    query = query.bind(*id);
                }
                for (person, phone) in query.fetch_all(&self.pool).await.map_err(store_error)? {
                    phones.entry(person).or_default().push(phone);
                }
                let sql = format!(
                    "SELECT person_id, doc_type, number FROM person_documents WHERE person_id IN ({}) \
                     ORDER BY person_id, doc_type, number",
                    placeholders(1, persons.len())
                );
                let mut query = sqlx::query_as::<_, (Uuid, String, String)>(&sql);
                for id in &persons {
                    query = query.bind(*id);
                }
                for (person, doc_type, number) in query.fetch_all(&self.pool).await.map_err(store_error)? {
                    documents.entry(person).or_default().push((doc_type, number));
                }
            }
            details.extend(rows.into_iter().map(|r| CaseExportDetail {
                case_id: r.case_id,
                other_names: r.other_names,
                father_name: r.father_name,
                mother_name: r.mother_name,
                nationality: r.nationality,
                point_of_arrival: r.arrival_point,
                programme: r.programme,
                occupation: r.occupation,
                skills: r.skills,
                emergency_contact_name: r.emergency_contact_name,
                emergency_contact_phone: r.emergency_contact_phone,
                phones: phones.get(&r.person_id).cloned().unwrap_or_default(),
                documents: documents.get(&r.person_id).cloned().unwrap_or_default(),
            }));
        }
        Ok(details)
    }
}

impl Store {
    async fn survey_submissions_of_cases_impl(&self, ids: &[Uuid]) -> StoreResult<Vec<SurveySubmission>> {
        let mut submissions = Vec::new();
        for chunk in ids.chunks(EXPORT_CHUNK) {
            let sql = format!(
                "SELECT {SURVEY_SUBMISSION_COLUMNS} FROM survey_submissions WHERE case_id IN ({}) \
                 ORDER BY case_id, answered_on, id",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query_as::<_, SurveySubmissionRow>(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            let rows = query.fetch_all(&self.pool).await.map_err(store_error)?;
            for row in rows {
                submissions.push(SurveySubmission::try_from(row)?);
            }
        }
        Ok(submissions)
    }
}
