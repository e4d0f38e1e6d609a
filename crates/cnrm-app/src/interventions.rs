//! Interventions (4W): who does what, where, when and for whom, with progress reports per quarter
//! that the secretariat validates and locks, and the 4W table for exports.
//!
//! Who may do what: everyone holding `CoordinationRead` reads the published interventions and the
//! reports of validated quarters; an organisation also reads its own unpublished ones and their
//! reports, and edits them with `CoordinationManage` (organisation scope); the secretariat
//! (`CoordinationManage` everywhere, `CoordinationValidate`) sees and edits everything, validates,
//! locks and unlocks quarters. A locked quarter refuses every report edit, here and in the store.

use std::collections::{HashMap, HashSet};

use cnrm_domain::intervention::{
    format_minor, format_rate, period_transition, reports_may_change, reports_published, Disaggregation,
    InterventionInput, InterventionStatus, Period, PeriodAction, PeriodStatus, ReportContext, ReportInput, AGE_GROUPS,
};
use cnrm_domain::lifecycle::plan::AssistanceType;
use cnrm_domain::paging::{Page, PageRequest};
use cnrm_domain::Permission;
use cnrm_store::{
    new_id_and_time, AdminUnit, Intervention, InterventionFilter, InterventionReport, ReportingPeriod, StoreError,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::{Actor, App, AppError};

/// `None` when the actor sees every intervention, else the organisation whose unpublished
/// interventions they also see (their own).
fn reach(actor: &Actor) -> Result<Option<Uuid>, AppError> {
    actor.require(Permission::CoordinationRead)?;
    Ok(match actor.principal().organisation_filter(Permission::CoordinationManage) {
        Ok(None) => None,
        _ => Some(actor.user.organisation_id),
    })
}

/// Whether the actor may edit the intervention and its reports.
pub fn may_change(actor: &Actor, intervention: &Intervention) -> bool {
    actor.principal().may(Permission::CoordinationManage, intervention.organisation_id, None, None)
}

/// Whether the actor may create interventions (for their own organisation).
pub fn may_create(actor: &Actor) -> bool {
    actor.principal().may(Permission::CoordinationManage, actor.user.organisation_id, None, None)
}

/// Whether the actor validates and locks quarters.
pub fn may_validate(actor: &Actor) -> bool {
    actor.holds(Permission::CoordinationValidate)
}

/// Readers inside the intervention (its organisation, the secretariat) see all of its reports;
/// the others those of validated quarters.
fn insider(reach: Option<Uuid>, intervention: &Intervention) -> bool {
    reach.is_none_or(|org| org == intervention.organisation_id)
}

fn visible(reach: Option<Uuid>, intervention: &Intervention) -> bool {
    intervention.published || insider(reach, intervention)
}

async fn readable(app: &App, actor: &Actor, id: Uuid) -> Result<(Intervention, Option<Uuid>), AppError> {
    let reach = reach(actor)?;
    let intervention = app.db.intervention(id).await?.ok_or(AppError::NotFound)?;
    if !visible(reach, &intervention) {
        return Err(AppError::NotFound);
    }
    Ok((intervention, reach))
}

async fn changeable(app: &App, actor: &Actor, id: Uuid) -> Result<Intervention, AppError> {
    let (intervention, _) = readable(app, actor, id).await?;
    if !may_change(actor, &intervention) {
        return Err(AppError::Forbidden);
    }
    Ok(intervention)
}

/// The filters of the 4W table, as typed in the query string (unknown values are ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::IntoParams, utoipa::ToSchema)]
#[serde(default)]
pub struct InterventionQuery {
    /// Recorded or implemented by this organisation (id).
    pub organisation: String,
    /// In this region or cercle (P-code), or one of its cercles.
    pub unit: String,
    /// Activity type (assistance type code).
    pub category: String,
    /// `planned`, `ongoing` or `completed`.
    pub status: String,
    /// Running during this quarter (`2026-Q1`).
    pub period: String,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl InterventionQuery {
    pub fn filter(&self, visible_to: Option<Uuid>) -> InterventionFilter {
        InterventionFilter {
            visible_to,
            organisation_id: Uuid::parse_str(self.organisation.trim()).ok(),
            unit: Some(self.unit.trim().to_string()).filter(|u| !u.is_empty()),
            category: AssistanceType::parse(self.category.trim()),
            status: InterventionStatus::parse(self.status.trim()),
            between: Period::parse(&self.period).map(|p| (p.first_day(), p.last_day())),
        }
    }

    /// The page asked for, the latest start first.
    pub fn request(&self) -> PageRequest {
        let query = cnrm_domain::paging::PageQuery { page: self.page, per_page: self.per_page, ..Default::default() };
        PageRequest { descending: true, ..PageRequest::from_query(&query, &["start"]) }
    }
}

/// A report with its quarter's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    #[serde(flatten)]
    pub report: InterventionReport,
    pub period_status: PeriodStatus,
}

/// One row of the 4W table: the intervention with what its reader may see of its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InterventionSummary {
    #[serde(flatten)]
    pub intervention: Intervention,
    /// People reached over the reports the reader sees.
    pub reached: Disaggregation,
    /// Whole francs CFA spent over those reports.
    pub spent_xof: i64,
    pub may_change: bool,
}

/// An intervention with the reports its reader may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InterventionView {
    pub intervention: Intervention,
    /// By quarter, the latest first.
    pub reports: Vec<ReportView>,
    pub reached: Disaggregation,
    pub spent_xof: i64,
    pub may_change: bool,
}

async fn period_statuses(app: &App) -> Result<HashMap<String, ReportingPeriod>, AppError> {
    Ok(app.db.reporting_periods().await?.into_iter().map(|p| (p.period.clone(), p)).collect())
}

fn status_of(periods: &HashMap<String, ReportingPeriod>, period: &str) -> PeriodStatus {
    periods.get(period).map_or(PeriodStatus::Open, |p| p.status)
}

/// The reports of these interventions that the reader may see, by intervention.
pub(crate) async fn visible_reports(
    app: &App,
    reach: Option<Uuid>,
    interventions: &[Intervention],
) -> Result<HashMap<Uuid, Vec<ReportView>>, AppError> {
    let periods = period_statuses(app).await?;
    let ids: Vec<Uuid> = interventions.iter().map(|i| i.id).collect();
    let insiders: HashSet<Uuid> = interventions.iter().filter(|i| insider(reach, i)).map(|i| i.id).collect();
    let mut by_id: HashMap<Uuid, Vec<ReportView>> = HashMap::new();
    for report in app.db.intervention_reports(&ids).await? {
        let period_status = status_of(&periods, &report.period);
        if insiders.contains(&report.intervention_id) || reports_published(period_status) {
            by_id.entry(report.intervention_id).or_default().push(ReportView { report, period_status });
        }
    }
    Ok(by_id)
}

fn totals(reports: &[ReportView]) -> (Disaggregation, i64) {
    reports.iter().fold((Disaggregation::default(), 0), |(reached, spent), r| {
        (reached.add(&r.report.reached), spent + r.report.spent_xof)
    })
}

/// A page of the 4W table.
pub async fn list(app: &App, actor: &Actor, query: &InterventionQuery) -> Result<Page<InterventionSummary>, AppError> {
    let reach = reach(actor)?;
    let page = app.db.interventions(&query.filter(reach), Some(&query.request())).await?;
    let mut reports = visible_reports(app, reach, &page.items).await?;
    let items = page
        .items
        .into_iter()
        .map(|intervention| {
            let (reached, spent_xof) = totals(&reports.remove(&intervention.id).unwrap_or_default());
            InterventionSummary { may_change: may_change(actor, &intervention), intervention, reached, spent_xof }
        })
        .collect();
    Ok(Page { items, total: page.total, page: page.page, per_page: page.per_page })
}

/// An intervention and the reports its reader may see.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<InterventionView, AppError> {
    let (intervention, reach) = readable(app, actor, id).await?;
    let mut reports =
        visible_reports(app, reach, std::slice::from_ref(&intervention)).await?.remove(&id).unwrap_or_default();
    reports.sort_by(|a, b| b.report.period.cmp(&a.report.period));
    let (reached, spent_xof) = totals(&reports);
    Ok(InterventionView { may_change: may_change(actor, &intervention), intervention, reports, reached, spent_xof })
}

/// The interventions among `ids` that the actor may see, in the order given, each with the people
/// reached over the reports the actor may see: evidence quoted elsewhere (good practices).
pub async fn progress_of(app: &App, actor: &Actor, ids: &[Uuid]) -> Result<Vec<InterventionSummary>, AppError> {
    let reach = reach(actor)?;
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        match app.db.intervention(*id).await? {
            Some(intervention) if visible(reach, &intervention) => found.push(intervention),
            _ => {}
        }
    }
    let mut reports = visible_reports(app, reach, &found).await?;
    Ok(found
        .into_iter()
        .map(|intervention| {
            let (reached, spent_xof) = totals(&reports.remove(&intervention.id).unwrap_or_default());
            InterventionSummary { may_change: may_change(actor, &intervention), intervention, reached, spent_xof }
        })
        .collect())
}

/// Every intervention the actor may see, the latest start first (to pick one from a list).
pub async fn visible_to(app: &App, actor: &Actor) -> Result<Vec<Intervention>, AppError> {
    let reach = reach(actor)?;
    Ok(app.db.interventions(&InterventionQuery::default().filter(reach), None).await?.items)
}

async fn parse(app: &App, input: &InterventionInput) -> Result<cnrm_domain::intervention::InterventionDraft, AppError> {
    let units: HashMap<String, i64> =
        app.db.admin_units().await?.into_iter().filter(|u| u.current).map(|u| (u.pcode, u.level)).collect();
    let organisations: HashSet<Uuid> = app.db.organisation_names().await?.into_iter().map(|o| o.id).collect();
    input.parse(|code| units.get(code).copied(), |id| organisations.contains(&id)).map_err(AppError::Invalid)
}

fn details(i: &Intervention) -> serde_json::Value {
    json!({
        "title": i.title,
        "category": i.category.code(),
        "status": i.status.code(),
        "units": i.units,
        "start_on": i.start_on.to_string(),
        "end_on": i.end_on.to_string(),
        "targeted": i.targeted.total(),
        "currency": i.currency.code(),
        "budget_xof": i.budget_xof,
        "published": i.published,
    })
}

/// Records an intervention of the actor's organisation.
pub async fn create(app: &App, actor: &Actor, input: &InterventionInput) -> Result<Intervention, AppError> {
    reach(actor)?;
    actor.require_for(Permission::CoordinationManage, actor.user.organisation_id)?;
    let draft = parse(app, input).await?;
    let (id, now) = new_id_and_time();
    let intervention = Intervention {
        id,
        organisation_id: actor.user.organisation_id,
        title: draft.title,
        description: draft.description,
        dimension: draft.dimension,
        sector: draft.sector,
        category: draft.category,
        level: draft.level,
        target_group: draft.target_group,
        units: draft.units,
        implementers: draft.implementers,
        funders: draft.funders,
        start_on: draft.start_on,
        end_on: draft.end_on,
        status: draft.status,
        targeted: draft.targeted,
        currency: draft.budget.currency,
        budget_minor: draft.budget.amount_minor,
        rate_micro: draft.budget.rate_micro,
        budget_xof: draft.budget.xof,
        published: draft.published,
        version: 1,
        created_by: Some(actor.user.id),
        created_at: now,
        updated_at: now,
    };
    let event = actor.event("intervention.create", "intervention", Some(id.to_string()), details(&intervention));
    app.db.insert_intervention(&intervention, &event).await?;
    Ok(intervention)
}

/// The fields of an intervention as its form shows them.
pub fn input_of(i: &Intervention) -> InterventionInput {
    let mut input = InterventionInput {
        title: i.title.clone(),
        description: i.description.clone(),
        dimension: i.dimension.code().into(),
        sector: i.sector.code().into(),
        category: i.category.code().into(),
        level: i.level.code().into(),
        target_group: i.target_group.code().into(),
        units: i.units.clone(),
        implementers: i.implementers.iter().map(Uuid::to_string).collect(),
        funders: i.funders.join("\n"),
        start_on: i.start_on.to_string(),
        end_on: i.end_on.to_string(),
        status: i.status.code().into(),
        currency: i.currency.code().into(),
        budget: format_minor(i.budget_minor, i.currency),
        rate: format_rate(i.rate_micro),
        published: i.published,
        ..Default::default()
    };
    input.set_targeted(&i.targeted);
    input
}

/// Changes an intervention if nobody saved it since `version` was read (`Stale` otherwise).
pub async fn update(
    app: &App,
    actor: &Actor,
    id: Uuid,
    version: i64,
    input: &InterventionInput,
) -> Result<Intervention, AppError> {
    let before = changeable(app, actor, id).await?;
    let draft = parse(app, input).await?;
    let (_, now) = new_id_and_time();
    let after = Intervention {
        title: draft.title,
        description: draft.description,
        dimension: draft.dimension,
        sector: draft.sector,
        category: draft.category,
        level: draft.level,
        target_group: draft.target_group,
        units: draft.units,
        implementers: draft.implementers,
        funders: draft.funders,
        start_on: draft.start_on,
        end_on: draft.end_on,
        status: draft.status,
        targeted: draft.targeted,
        currency: draft.budget.currency,
        budget_minor: draft.budget.amount_minor,
        rate_micro: draft.budget.rate_micro,
        budget_xof: draft.budget.xof,
        published: draft.published,
        version,
        updated_at: now,
        ..before.clone()
    };
    let event = actor.event("intervention.update", "intervention", Some(id.to_string()), details(&after));
    app.db.update_intervention(&after, &event).await?;
    Ok(Intervention { version: version + 1, ..after })
}

fn period_locked(e: AppError) -> AppError {
    match e {
        AppError::Store(StoreError::Conflict(c)) if c == "period_locked" => AppError::Refused("error-period-locked"),
        AppError::Store(StoreError::Conflict(c)) if c == "intervention_report" => AppError::Stale,
        other => other,
    }
}

/// Records or replaces the report of a quarter (`version`: the report's version that was read, to
/// refuse an edit made meanwhile). Refused when the quarter is locked.
pub async fn save_report(
    app: &App,
    actor: &Actor,
    id: Uuid,
    input: &ReportInput,
    version: Option<i64>,
) -> Result<InterventionReport, AppError> {
    let intervention = changeable(app, actor, id).await?;
    let existing = app.db.intervention_reports(&[id]).await?;
    let period_code = Period::parse(&input.period).map(Period::code);
    let reached_elsewhere =
        existing.iter().filter(|r| Some(&r.period) != period_code.as_ref()).map(|r| r.reached.total()).sum();
    let ctx = ReportContext {
        start_on: intervention.start_on,
        end_on: intervention.end_on,
        targeted: intervention.targeted.total(),
        reached_elsewhere,
        today: time::OffsetDateTime::now_utc().date(),
    };
    let draft = input.parse(&ctx).map_err(AppError::Invalid)?;
    let period = draft.period.code();
    if let Some(p) = app.db.reporting_period(&period).await? {
        reports_may_change(p.status).map_err(AppError::Refused)?;
    }
    let before = existing.into_iter().find(|r| r.period == period);
    let (new_id, now) = new_id_and_time();
    let (report, expected) = match before {
        Some(before) => {
            let expected = version.unwrap_or(before.version);
            let report = InterventionReport {
                reached: draft.reached,
                spent_xof: draft.spent_xof,
                narrative: draft.narrative,
                explanation: draft.explanation,
                version: expected + 1,
                updated_by: Some(actor.user.id),
                updated_at: now,
                ..before
            };
            (report, Some(expected))
        }
        None if version.is_some() => return Err(AppError::Stale),
        None => (
            InterventionReport {
                id: new_id,
                intervention_id: id,
                period: period.clone(),
                reached: draft.reached,
                spent_xof: draft.spent_xof,
                narrative: draft.narrative,
                explanation: draft.explanation,
                version: 1,
                created_by: Some(actor.user.id),
                created_at: now,
                updated_by: Some(actor.user.id),
                updated_at: now,
            },
            None,
        ),
    };
    let event = actor.event(
        if expected.is_some() { "intervention.report.update" } else { "intervention.report.create" },
        "intervention",
        Some(id.to_string()),
        json!({
            "period": period,
            "reached": report.reached.total(),
            "spent_xof": report.spent_xof,
            "explained": report.explanation.is_some(),
        }),
    );
    app.db.save_intervention_report(&report, expected, &event).await.map_err(|e| period_locked(e.into()))?;
    Ok(report)
}

/// A quarter for the secretariat's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PeriodView {
    /// `2026-Q1`.
    pub period: String,
    pub status: PeriodStatus,
    /// Whether the quarter has ended (only ended quarters are validated).
    pub ended: bool,
    pub version: Option<i64>,
}

/// The last eight quarters up to the current one, and any other recorded, the latest first.
pub async fn periods(app: &App, actor: &Actor) -> Result<Vec<PeriodView>, AppError> {
    actor.require(Permission::CoordinationValidate)?;
    let today = time::OffsetDateTime::now_utc().date();
    let recorded = period_statuses(app).await?;
    let mut codes: Vec<Period> = recorded.keys().filter_map(|c| Period::parse(c)).collect();
    let mut p = Period::containing(today);
    for _ in 0..8 {
        codes.push(p);
        p = p.previous();
    }
    codes.sort_unstable_by(|a, b| b.cmp(a));
    codes.dedup();
    Ok(codes
        .into_iter()
        .map(|p| {
            let row = recorded.get(&p.code());
            PeriodView {
                period: p.code(),
                status: row.map_or(PeriodStatus::Open, |r| r.status),
                ended: p.last_day() < today,
                version: row.map(|r| r.version),
            }
        })
        .collect())
}

/// Validates, locks, unlocks or reopens a quarter.
pub async fn act_on_period(
    app: &App,
    actor: &Actor,
    period: &str,
    action: PeriodAction,
) -> Result<ReportingPeriod, AppError> {
    actor.require(Permission::CoordinationValidate)?;
    let period = Period::parse(period).ok_or_else(|| AppError::invalid("period", "error-period-format"))?;
    let code = period.code();
    let before = app.db.reporting_period(&code).await?;
    let from = before.as_ref().map_or(PeriodStatus::Open, |p| p.status);
    let today = time::OffsetDateTime::now_utc().date();
    let status = period_transition(period, from, action, today).map_err(AppError::Refused)?;
    let (_, now) = new_id_and_time();
    let after = ReportingPeriod {
        period: code.clone(),
        status,
        version: before.as_ref().map_or(1, |p| p.version + 1),
        changed_by: Some(actor.user.id),
        changed_at: Some(now),
    };
    let action_name = match action {
        PeriodAction::Validate => "period.validate",
        PeriodAction::Lock => "period.lock",
        PeriodAction::Unlock => "period.unlock",
        PeriodAction::Reopen => "period.reopen",
    };
    let event =
        actor.event(action_name, "reporting_period", Some(code), json!({ "from": from.code(), "to": status.code() }));
    app.db.save_reporting_period(&after, before.map(|p| p.version), &event).await?;
    Ok(after)
}

// ---------------------------------------------------------------------------------------------
// The 4W table for exports.

/// A column of an export: its header (a message key, with the sex and age group of a
/// disaggregated count) and its HXL hashtag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportColumn {
    pub key: &'static str,
    /// `f` or `m` for a count by sex and age group.
    pub sex: Option<&'static str>,
    /// One of [`AGE_GROUPS`].
    pub age: Option<&'static str>,
    pub hxl: String,
}

/// A cell of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportValue {
    Text(String),
    Number(i64),
}

/// A table ready to be written as CSV or XLSX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportTable {
    pub columns: Vec<ExportColumn>,
    pub rows: Vec<Vec<ExportValue>>,
}

fn plain(key: &'static str, hxl: &str) -> ExportColumn {
    ExportColumn { key, sex: None, age: None, hxl: hxl.to_string() }
}

/// The HXL age attribute of an age group (`+age0_17`, `+age60plus`).
pub fn hxl_age(age: &str) -> String {
    format!("+age{}", age.replace("_plus", "plus"))
}

/// The columns of the 4W export, in order.
pub fn fourw_columns() -> Vec<ExportColumn> {
    let mut columns = vec![
        plain("fourw-col-id", "#activity+code"),
        plain("fourw-col-title", "#activity+name"),
        plain("fourw-col-org", "#org+name"),
        plain("fourw-col-org-acronym", "#org+acronym"),
        plain("fourw-col-implementers", "#org+impl"),
        plain("fourw-col-funders", "#org+funder"),
        plain("fourw-col-dimension", "#sector+dimension"),
        plain("fourw-col-sector", "#sector"),
        plain("fourw-col-category", "#activity+type"),
        plain("fourw-col-level", "#activity+level"),
        plain("fourw-col-target-group", "#population+type"),
        plain("fourw-col-adm1-name", "#adm1+name"),
        plain("fourw-col-adm1-code", "#adm1+code"),
        plain("fourw-col-adm2-name", "#adm2+name"),
        plain("fourw-col-adm2-code", "#adm2+code"),
        plain("fourw-col-start", "#date+start"),
        plain("fourw-col-end", "#date+end"),
        plain("fourw-col-status", "#status"),
    ];
    for (measure, key, cell_key) in [
        ("#targeted", "fourw-col-targeted", "fourw-col-targeted-cell"),
        ("#reached", "fourw-col-reached", "fourw-col-reached-cell"),
    ] {
        columns.push(plain(key, measure));
        for sex in ["f", "m"] {
            for age in AGE_GROUPS {
                columns.push(ExportColumn {
                    key: cell_key,
                    sex: Some(sex),
                    age: Some(age),
                    hxl: format!("{measure}+{sex}{}", hxl_age(age)),
                });
            }
        }
    }
    columns.extend([
        plain("fourw-col-currency", "#currency"),
        plain("fourw-col-budget", "#value+budget"),
        plain("fourw-col-rate", "#value+rate+xof"),
        plain("fourw-col-budget-xof", "#value+budget+xof"),
        plain("fourw-col-spent-xof", "#value+spent+xof"),
    ]);
    columns
}

/// The 4W table of the interventions matching the query that the actor may see: one row per
/// intervention and admin unit (the OCHA P-codes of the region, and of the cercle when it is one;
/// only the units in the area asked for, when the query names one),
/// people and money for the whole intervention on each of its rows (`#activity+code` tells them
/// apart). Audited as `export.4w`.
pub async fn export(app: &App, actor: &Actor, query: &InterventionQuery) -> Result<ExportTable, AppError> {
    let reach = reach(actor)?;
    let interventions = app.db.interventions(&query.filter(reach), None).await?.items;
    let mut reports = visible_reports(app, reach, &interventions).await?;
    let units: HashMap<String, AdminUnit> =
        app.db.admin_units().await?.into_iter().map(|u| (u.pcode.clone(), u)).collect();
    let organisations: HashMap<Uuid, cnrm_store::OrganisationName> =
        app.db.organisation_names().await?.into_iter().map(|o| (o.id, o)).collect();
    let org_name = |id: &Uuid| organisations.get(id).map_or_else(|| id.to_string(), |o| o.name.clone());
    let text = |s: &str| ExportValue::Text(s.to_string());
    let mut rows = Vec::new();
    for i in &interventions {
        let (reached, spent) = totals(&reports.remove(&i.id).unwrap_or_default());
        for pcode in &i.units {
            let unit = units.get(pcode);
            // Filtered by area, the table keeps the rows of that area only.
            if let Some(area) = query.filter(reach).unit {
                if *pcode != area && unit.and_then(|u| u.parent_pcode.as_deref()) != Some(area.as_str()) {
                    continue;
                }
            }
            let (adm1, adm2) = match unit {
                Some(u) if u.level >= 2 => (u.parent_pcode.as_ref().and_then(|p| units.get(p)), Some(u)),
                _ => (unit, None),
            };
            let mut row = vec![
                text(&i.id.to_string()),
                text(&i.title),
                text(&org_name(&i.organisation_id)),
                text(organisations.get(&i.organisation_id).map_or("", |o| o.acronym.as_str())),
                text(&i.implementers.iter().map(org_name).collect::<Vec<_>>().join("; ")),
                text(&i.funders.join("; ")),
                text(i.dimension.code()),
                text(i.sector.code()),
                text(i.category.code()),
                text(i.level.code()),
                text(i.target_group.code()),
                text(adm1.map_or("", |u| u.name.as_str())),
                text(adm1.map_or(pcode.as_str(), |u| u.pcode.as_str())),
                text(adm2.map_or("", |u| u.name.as_str())),
                text(adm2.map_or("", |u| u.pcode.as_str())),
                text(&i.start_on.to_string()),
                text(&i.end_on.to_string()),
                text(i.status.code()),
            ];
            for d in [&i.targeted, &reached] {
                row.push(ExportValue::Number(d.total()));
                row.extend(d.cells().map(ExportValue::Number));
            }
            row.extend([
                text(i.currency.code()),
                text(&format_minor(i.budget_minor, i.currency)),
                text(&format_rate(i.rate_micro)),
                ExportValue::Number(i.budget_xof),
                ExportValue::Number(spent),
            ]);
            rows.push(row);
        }
    }
    let event = actor.event(
        "export.4w",
        "intervention",
        None,
        json!({ "interventions": interventions.len(), "rows": rows.len(), "query": query }),
    );
    app.db.append_audit(&event).await?;
    Ok(ExportTable { columns: fourw_columns(), rows })
}

/// The columns of the service catalogue export, in order.
pub fn catalogue_columns() -> Vec<ExportColumn> {
    vec![
        plain("export-catalogue-col-id", "#service+code"),
        plain("export-catalogue-col-name", "#service+name"),
        plain("fourw-col-org", "#org+name"),
        plain("fourw-col-org-acronym", "#org+acronym"),
        plain("fourw-col-dimension", "#sector+dimension"),
        plain("fourw-col-category", "#activity+type"),
        plain("fourw-col-adm1-name", "#adm1+name"),
        plain("fourw-col-adm1-code", "#adm1+code"),
        plain("fourw-col-adm2-name", "#adm2+name"),
        plain("fourw-col-adm2-code", "#adm2+code"),
        plain("export-catalogue-col-capacity", "#capacity+monthly"),
        plain("export-catalogue-col-cost", "#value+cost+xof"),
        plain("export-catalogue-col-contact-name", "#contact+name"),
        plain("export-catalogue-col-contact-phone", "#contact+phone"),
        plain("export-catalogue-col-contact-email", "#contact+email"),
        plain("export-catalogue-col-hours", "#meta+hours"),
        plain("fourw-col-status", "#status"),
    ]
}

/// The service catalogue as a table: the revisions the actor may see matching the query
/// (published ones when the query names no status), one row per service and admin unit with the
/// OCHA P-codes. Audited as `export.catalogue`.
pub async fn export_catalogue(
    app: &App,
    actor: &Actor,
    query: &crate::catalogue::CatalogueQuery,
) -> Result<ExportTable, AppError> {
    let mut query = query.clone();
    if query.status.trim().is_empty() {
        query.status = "published".into();
    }
    let mut revisions = Vec::new();
    let mut request = PageRequest { page: 1, per_page: 500, sort: "name", descending: false, search: None };
    loop {
        let page = crate::catalogue::list(app, actor, &query, &request).await?;
        let done = (page.items.len() as i64) < request.per_page || request.page * request.per_page >= page.total;
        revisions.extend(page.items);
        if done {
            break;
        }
        request.page += 1;
    }
    let units: HashMap<String, AdminUnit> =
        app.db.admin_units().await?.into_iter().map(|u| (u.pcode.clone(), u)).collect();
    let organisations: HashMap<Uuid, cnrm_store::OrganisationName> =
        app.db.organisation_names().await?.into_iter().map(|o| (o.id, o)).collect();
    let text = |s: &str| ExportValue::Text(s.to_string());
    let mut rows = Vec::new();
    for r in &revisions {
        let c = &r.content;
        let org = organisations.get(&r.organisation_id);
        for pcode in &c.units {
            let unit = units.get(pcode);
            let (adm1, adm2) = match unit {
                Some(u) if u.level >= 2 => (u.parent_pcode.as_ref().and_then(|p| units.get(p)), Some(u)),
                _ => (unit, None),
            };
            rows.push(vec![
                text(&r.service_id.to_string()),
                text(&c.name),
                text(org.map_or("", |o| o.name.as_str())),
                text(org.map_or("", |o| o.acronym.as_str())),
                text(c.dimension.code()),
                text(c.category.code()),
                text(adm1.map_or("", |u| u.name.as_str())),
                text(adm1.map_or(pcode.as_str(), |u| u.pcode.as_str())),
                text(adm2.map_or("", |u| u.name.as_str())),
                text(adm2.map_or("", |u| u.pcode.as_str())),
                c.capacity_per_month.map_or_else(|| text(""), ExportValue::Number),
                ExportValue::Number(c.cost_xof),
                text(&c.contact_name),
                text(&c.contact_phone),
                text(&c.contact_email),
                text(&c.opening_hours),
                text(r.status.code()),
            ]);
        }
    }
    let event = actor.event(
        "export.catalogue",
        "service",
        None,
        json!({ "services": revisions.len(), "rows": rows.len(), "query": query }),
    );
    app.db.append_audit(&event).await?;
    Ok(ExportTable { columns: catalogue_columns(), rows })
}
