//! Exports of lists with a choice of fields (issue 6, item 5).
//!
//! An export is the list as its reader sees it — the same scope, the same filters — with the
//! columns the reader chose from the list's catalogue ([`cnrm_domain::export_fields`]). Non-personal
//! columns need `AnonymisedExport`; any personal column needs `PersonalDataExport`. The rows never
//! reach further than the list itself, nor further than the export permission's own scope. Every
//! export, anonymised or not, writes one audit entry (`export.cases`, `export.surveys`): who, which list, which
//! fields, which filters, how many rows. Refused exports write none (the web layer logs the denial).
//!
//! Cells are raw values and codes; the web layer writes them with `cnrm_export`, which neutralises
//! what a spreadsheet would take for a formula.

use std::collections::HashMap;

use cnrm_domain::export_fields::{
    age_group_at, includes_personal, month_of, permission_for, shows_scores, ExportField, ExportFormat, ExportList,
};
use cnrm_domain::paging::{COUNT_CAP, MAX_PER_PAGE};
use cnrm_domain::{Permission, Scope};
use cnrm_store::{AdminUnit, CaseExportDetail, CaseScope, CaseSummary, SurveySubmission};
use serde_json::json;
use uuid::Uuid;

use crate::cases::{self, CaseQuery};
pub use crate::interventions::ExportValue;
use crate::{Actor, App, AppError};

/// The most rows one export holds: beyond, the reader narrows the filters.
pub const MAX_EXPORT_ROWS: i64 = COUNT_CAP;

/// An exported list: the chosen fields (the columns, in order) and one row of cells per record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListExport {
    pub list: ExportList,
    pub fields: Vec<&'static ExportField>,
    pub rows: Vec<Vec<ExportValue>>,
}

/// The scope at which the actor may export these fields, if at all: the needed permission, or for
/// an anonymised export the personal one, which covers it.
pub fn export_scope(actor: &Actor, fields: &[&ExportField]) -> Option<Scope> {
    let role = actor.user.role;
    match permission_for(fields) {
        Permission::AnonymisedExport => {
            role.scope_of(Permission::AnonymisedExport).max(role.scope_of(Permission::PersonalDataExport))
        }
        needed => role.scope_of(needed),
    }
}

/// Whether the actor may export anything of a list (to offer the form at all).
pub fn may_export(actor: &Actor) -> bool {
    actor.holds(Permission::AnonymisedExport) || actor.holds(Permission::PersonalDataExport)
}

/// Whether the actor may export personal fields (to enable them on the form).
pub fn may_export_personal(actor: &Actor) -> bool {
    actor.holds(Permission::PersonalDataExport)
}

/// The case list's scope, narrowed to the export permission's scope when that one is narrower.
fn case_export_scope(actor: &Actor, export: Scope) -> Result<CaseScope, AppError> {
    let mut scope = cases::scope_for(actor)?;
    if export < Scope::All && scope.organisation_id.is_none() {
        scope.organisation_id = Some(actor.user.organisation_id);
    }
    match export {
        Scope::Team if scope.assigned_or_team.is_none() => {
            scope.assigned_or_team = Some((actor.user.id, actor.user.team.clone()));
        }
        Scope::Own => scope.assigned_or_team = Some((actor.user.id, None)),
        _ => {}
    }
    Ok(scope)
}

/// The list's filters as the audit keeps them: only those set.
fn filters_of(query: &CaseQuery) -> serde_json::Value {
    let all = [
        ("q", &query.q),
        ("status", &query.status),
        ("priority", &query.priority),
        ("assigned", &query.assigned),
        ("settlement", &query.settlement),
        ("returned_from", &query.returned_from),
        ("return_type", &query.return_type),
        ("arrived_from", &query.arrived_from),
        ("arrived_to", &query.arrived_to),
    ];
    let map: serde_json::Map<String, serde_json::Value> =
        all.into_iter().filter(|(_, v)| !v.trim().is_empty()).map(|(k, v)| (k.to_string(), v.trim().into())).collect();
    serde_json::Value::Object(map)
}

/// The case list with the chosen fields, as the actor sees it with these filters (sorted as the
/// list is). `Forbidden` without the permission the fields need or without the case list itself;
/// `Refused("export-error-too-many")` beyond [`MAX_EXPORT_ROWS`] cases. Audited as `export.cases`.
pub async fn export_cases(
    app: &App,
    actor: &Actor,
    query: &CaseQuery,
    fields: &[&'static ExportField],
    format: ExportFormat,
) -> Result<ListExport, AppError> {
    let summaries = listed_cases(app, actor, query, fields).await?;

    let needs = |codes: &[&str]| fields.iter().any(|f| codes.contains(&f.code));
    let details: HashMap<Uuid, CaseExportDetail> = if needs(&[
        "programme",
        "point_of_arrival",
        "nationality",
        "other_names",
        "father_name",
        "mother_name",
        "documents",
        "phones",
        "emergency_contact",
        "occupation",
        "skills",
    ]) {
        let ids: Vec<Uuid> = summaries.iter().map(|c| c.id).collect();
        app.db.case_export_details(&ids).await?.into_iter().map(|d| (d.case_id, d)).collect()
    } else {
        HashMap::new()
    };
    let places = Places::load(app, fields).await?;

    let empty = CaseExportDetail::default();
    let rows: Vec<Vec<ExportValue>> = summaries
        .iter()
        .map(|c| {
            let detail = details.get(&c.id).unwrap_or(&empty);
            fields.iter().map(|f| ExportValue::Text(case_cell(f.code, c, detail, &places))).collect()
        })
        .collect();

    audit(app, actor, ExportList::Cases, query, fields, format, rows.len()).await?;
    Ok(ListExport { list: ExportList::Cases, fields: fields.to_vec(), rows })
}

/// The surveys answered for the cases of the case list as the actor sees it with these filters,
/// one row each (by case as the list sorts them, then by date), with their scores on 0–1. A choice
/// showing a score always ends with the `weights` column (provisional or official weights). Same
/// permissions and refusals as [`export_cases`]; audited as `export.surveys`.
pub async fn export_surveys(
    app: &App,
    actor: &Actor,
    query: &CaseQuery,
    fields: &[&'static ExportField],
    format: ExportFormat,
) -> Result<ListExport, AppError> {
    let mut fields = fields.to_vec();
    if shows_scores(&fields) && !fields.iter().any(|f| f.code == "weights") {
        if let Some(weights) = ExportList::Surveys.fields().iter().find(|f| f.code == "weights") {
            fields.push(weights);
        }
    }
    let summaries = listed_cases(app, actor, query, &fields).await?;
    let ids: Vec<Uuid> = summaries.iter().map(|c| c.id).collect();
    let mut by_case: HashMap<Uuid, Vec<SurveySubmission>> = HashMap::new();
    for s in app.db.survey_submissions_of_cases(&ids).await? {
        by_case.entry(s.case_id).or_default().push(s);
    }
    let mut provisional: HashMap<Uuid, bool> = HashMap::new();
    for version in by_case.values().flatten().map(|s| s.scored_with_version) {
        if let std::collections::hash_map::Entry::Vacant(e) = provisional.entry(version) {
            let stored = app.db.questionnaire_version_by_id(version).await?;
            e.insert(stored.is_none_or(|v| v.provisional_weights));
        }
    }
    let places = Places::load(app, &fields).await?;
    let empty = CaseExportDetail::default();
    let mut rows: Vec<Vec<ExportValue>> = Vec::new();
    for c in &summaries {
        for s in by_case.get(&c.id).into_iter().flatten() {
            let score = |v: Option<f64>| v.map(|v| format!("{v:.3}")).unwrap_or_default();
            rows.push(
                fields
                    .iter()
                    .map(|f| {
                        ExportValue::Text(match f.code {
                            "questionnaire" => s.questionnaire_code.clone(),
                            "kind" => s.kind.code().into(),
                            "answered_month" => month_of(s.answered_on),
                            "answered_on" => s.answered_on.to_string(),
                            "economic" => score(s.scores.economic),
                            "social" => score(s.scores.social),
                            "psychosocial" => score(s.scores.psychosocial),
                            "composite" => score(s.scores.composite),
                            "weights" => {
                                let provisional = provisional.get(&s.scored_with_version).copied().unwrap_or(true);
                                (if provisional { "provisional" } else { "official" }).into()
                            }
                            other => case_cell(other, c, &empty, &places),
                        })
                    })
                    .collect(),
            );
        }
    }
    audit(app, actor, ExportList::Surveys, query, &fields, format, rows.len()).await?;
    Ok(ListExport { list: ExportList::Surveys, fields, rows })
}

/// An export of `list` (see [`export_cases`] and [`export_surveys`]).
pub async fn export(
    app: &App,
    actor: &Actor,
    list: ExportList,
    query: &CaseQuery,
    fields: &[&'static ExportField],
    format: ExportFormat,
) -> Result<ListExport, AppError> {
    match list {
        ExportList::Cases => export_cases(app, actor, query, fields, format).await,
        ExportList::Surveys => export_surveys(app, actor, query, fields, format).await,
    }
}

/// The one audit entry of an export.
async fn audit(
    app: &App,
    actor: &Actor,
    list: ExportList,
    query: &CaseQuery,
    fields: &[&ExportField],
    format: ExportFormat,
    rows: usize,
) -> Result<(), AppError> {
    let event = actor.event(
        &format!("export.{}", list.code()),
        "case",
        None,
        json!({
            "list": list.code(),
            "fields": fields.iter().map(|f| f.code).collect::<Vec<_>>(),
            "personal": includes_personal(fields),
            "format": format.code(),
            "filters": filters_of(query),
            "rows": rows,
        }),
    );
    app.db.append_audit(&event).await?;
    Ok(())
}

/// Region and cercle names and codes, and organisation labels, loaded when the fields need them.
struct Places {
    units: HashMap<String, AdminUnit>,
    organisations: HashMap<Uuid, String>,
}

impl Places {
    async fn load(app: &App, fields: &[&ExportField]) -> Result<Places, AppError> {
        let needs = |codes: &[&str]| fields.iter().any(|f| codes.contains(&f.code));
        let units = if needs(&["region", "region_code", "cercle", "cercle_code"]) {
            app.db.admin_units().await?.into_iter().map(|u| (u.pcode.clone(), u)).collect()
        } else {
            HashMap::new()
        };
        let organisations = if needs(&["organisation"]) {
            app.db.organisation_names().await?.into_iter().map(|o| (o.id, o.label())).collect()
        } else {
            HashMap::new()
        };
        Ok(Places { units, organisations })
    }

    /// The region and the cercle of a settlement P-code.
    fn of(&self, pcode: Option<&String>) -> (Option<&AdminUnit>, Option<&AdminUnit>) {
        match pcode.and_then(|p| self.units.get(p)) {
            Some(u) if u.level >= 2 => (u.parent_pcode.as_ref().and_then(|p| self.units.get(p)), Some(u)),
            other => (other, None),
        }
    }
}

/// The cases of the list the actor may export with these fields, as the list sorts them:
/// `Forbidden` without the permission the fields need or without the case list itself,
/// `Refused("export-error-too-many")` beyond [`MAX_EXPORT_ROWS`] cases.
async fn listed_cases(
    app: &App,
    actor: &Actor,
    query: &CaseQuery,
    fields: &[&ExportField],
) -> Result<Vec<CaseSummary>, AppError> {
    if fields.is_empty() {
        return Err(AppError::Refused("export-error-no-field"));
    }
    let export = export_scope(actor, fields).ok_or(AppError::Forbidden)?;
    let scope = case_export_scope(actor, export)?;
    let filter = query.filter(actor);
    let mut request = query.page_request();
    request.page = 1;
    request.per_page = MAX_PER_PAGE;
    let mut summaries: Vec<CaseSummary> = Vec::new();
    loop {
        let page = app.db.cases(&scope, &filter, &request).await?;
        if request.page == 1 && page.total > MAX_EXPORT_ROWS {
            return Err(AppError::Refused("export-error-too-many"));
        }
        let done = (page.items.len() as i64) < request.per_page;
        summaries.extend(page.items);
        if done || summaries.len() as i64 >= MAX_EXPORT_ROWS {
            break;
        }
        request.page += 1;
    }
    summaries.truncate(MAX_EXPORT_ROWS as usize);
    Ok(summaries)
}

/// One cell of the case export.
fn case_cell(code: &str, c: &CaseSummary, d: &CaseExportDetail, places: &Places) -> String {
    let (adm1, adm2) = places.of(c.settlement_pcode.as_ref());
    let organisations = &places.organisations;
    let date = |d: Option<time::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    match code {
        "case_number" => c.case_number.clone(),
        "organisation" => organisations.get(&c.organisation_id).cloned().unwrap_or_default(),
        "status" => c.status.code().into(),
        "priority" => c.priority.code().into(),
        "protection" => (if c.protection { "yes" } else { "no" }).into(),
        "arrival_month" => month_of(c.arrival_date),
        "arrival_date" => c.arrival_date.to_string(),
        "returned_from" => c.returned_from.clone(),
        "return_type" => c.return_type.code().into(),
        "programme" => d.programme.clone(),
        "point_of_arrival" => d.point_of_arrival.clone(),
        "region" => adm1.map(|u| u.name.clone()).unwrap_or_default(),
        "region_code" => adm1.map(|u| u.pcode.clone()).unwrap_or_default(),
        "cercle" => adm2.map(|u| u.name.clone()).unwrap_or_default(),
        "cercle_code" => adm2.map(|u| u.pcode.clone()).unwrap_or_default(),
        "sex" => c.sex.code().into(),
        "age_group" => {
            c.birth_date.and_then(|b| age_group_at(b, c.arrival_date)).map(|g| g.code().to_string()).unwrap_or_default()
        }
        "nationality" => d.nationality.clone(),
        "family_name" => c.family_name.clone(),
        "given_names" => c.given_names.clone(),
        "other_names" => d.other_names.clone(),
        "father_name" => d.father_name.clone(),
        "mother_name" => d.mother_name.clone(),
        "birth_date" => date(c.birth_date),
        "documents" => d.documents.iter().map(|(t, n)| format!("{t}: {n}")).collect::<Vec<_>>().join("; "),
        "phones" => d.phones.join("; "),
        "emergency_contact" => format!("{} {}", d.emergency_contact_name, d.emergency_contact_phone).trim().to_string(),
        "occupation" => d.occupation.clone(),
        "skills" => d.skills.clone(),
        _ => String::new(),
    }
}
