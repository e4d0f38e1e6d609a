//! Interventions (the 4W: who does what, where, when, for whom) and their progress reports per
//! quarter, which the secretariat validates and locks.
//!
//! The category of an intervention is the [`AssistanceType`] of the plans, so that needs, plans,
//! services and interventions line up. People are counted by sex and age group; budgets are kept in
//! their currency (minor units) with the rate used, and converted to whole francs CFA.

use crate::lifecycle::plan::{parse_amount_xof, AssistanceLevel, AssistanceType, Dimension};
use crate::person::{choose, coded_enum, parse_date};
use crate::validation::{clean_text, FieldErrors};
use serde::{Deserialize, Serialize};
use time::{Date, Month};
use uuid::Uuid;

coded_enum! {
    /// `planned`, `ongoing` or `completed`.
    pub enum InterventionStatus in "intervention-status" {
        Planned = "planned",
        Ongoing = "ongoing",
        Completed = "completed",
    }
}

coded_enum! {
    /// The coordination sector (cluster) of an intervention.
    pub enum InterventionSector in "intervention-sector" {
        Protection = "protection",
        Livelihoods = "livelihoods",
        Education = "education",
        Health = "health",
        Shelter = "shelter",
        FoodSecurity = "food_security",
        Wash = "wash",
        SocialCohesion = "social_cohesion",
        Coordination = "coordination",
        Other = "other",
    }
}

coded_enum! {
    /// Whom an intervention is for.
    pub enum TargetGroup in "target-group" {
        Returnees = "returnees",
        ReturneesAndCommunities = "returnees_and_communities",
        HostCommunities = "host_communities",
        Youth = "youth",
        Women = "women",
        Children = "children",
        Other = "other",
    }
}

coded_enum! {
    /// A reporting period is `open` to reports, `validated` by the secretariat (reports still
    /// editable, shown to observers), then `locked` (no report of the period changes any more).
    pub enum PeriodStatus in "period-status" {
        Open = "open",
        Validated = "validated",
        Locked = "locked",
    }
}

/// The currencies budgets are given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Currency {
    #[serde(rename = "XOF")]
    Xof,
    #[serde(rename = "EUR")]
    Eur,
    #[serde(rename = "USD")]
    Usd,
}

/// Francs CFA per euro, fixed by treaty, in millionths.
pub const EUR_PARITY_MICRO: i64 = 655_957_000;
/// One franc CFA, in millionths.
pub const XOF_RATE_MICRO: i64 = 1_000_000;

impl Currency {
    pub const ALL: [Currency; 3] = [Currency::Xof, Currency::Eur, Currency::Usd];

    pub fn code(self) -> &'static str {
        match self {
            Currency::Xof => "XOF",
            Currency::Eur => "EUR",
            Currency::Usd => "USD",
        }
    }

    pub fn parse(code: &str) -> Option<Currency> {
        Currency::ALL.into_iter().find(|c| c.code().eq_ignore_ascii_case(code))
    }

    /// Digits after the decimal mark (the franc CFA has no subunit).
    pub fn decimals(self) -> u32 {
        match self {
            Currency::Xof => 0,
            Currency::Eur | Currency::Usd => 2,
        }
    }
}

/// The age groups people are counted in.
pub const AGE_GROUPS: [&str; 4] = ["0_17", "18_24", "25_59", "60_plus"];

/// People counted by sex (female, male) and age group, in the order of [`Disaggregation::CELLS`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Disaggregation {
    pub f_0_17: i64,
    pub f_18_24: i64,
    pub f_25_59: i64,
    pub f_60_plus: i64,
    pub m_0_17: i64,
    pub m_18_24: i64,
    pub m_25_59: i64,
    pub m_60_plus: i64,
}

impl Disaggregation {
    /// The cell names: sex then age group.
    pub const CELLS: [&'static str; 8] =
        ["f_0_17", "f_18_24", "f_25_59", "f_60_plus", "m_0_17", "m_18_24", "m_25_59", "m_60_plus"];

    pub fn cells(&self) -> [i64; 8] {
        [
            self.f_0_17,
            self.f_18_24,
            self.f_25_59,
            self.f_60_plus,
            self.m_0_17,
            self.m_18_24,
            self.m_25_59,
            self.m_60_plus,
        ]
    }

    pub fn from_cells(c: [i64; 8]) -> Disaggregation {
        Disaggregation {
            f_0_17: c[0],
            f_18_24: c[1],
            f_25_59: c[2],
            f_60_plus: c[3],
            m_0_17: c[4],
            m_18_24: c[5],
            m_25_59: c[6],
            m_60_plus: c[7],
        }
    }

    pub fn total(&self) -> i64 {
        self.cells().iter().sum()
    }

    pub fn female(&self) -> i64 {
        self.cells()[..4].iter().sum()
    }

    pub fn male(&self) -> i64 {
        self.cells()[4..].iter().sum()
    }

    pub fn add(&self, other: &Disaggregation) -> Disaggregation {
        let (a, b) = (self.cells(), other.cells());
        Disaggregation::from_cells(std::array::from_fn(|i| a[i] + b[i]))
    }
}

/// Largest count of people accepted in one cell.
pub const MAX_PEOPLE: i64 = 10_000_000;

/// A count of people: blank is zero, otherwise digits (spaces allowed between groups).
pub fn parse_people(raw: &str) -> Result<i64, &'static str> {
    let digits: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '\u{202f}').collect();
    if digits.is_empty() {
        return Ok(0);
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("error-intervention-people");
    }
    digits.parse::<i64>().ok().filter(|n| *n <= MAX_PEOPLE).ok_or("error-intervention-people")
}

/// Eight counts, named `{prefix}_{cell}` in forms (`targeted_f_0_17`…).
fn parse_cells(errors: &mut FieldErrors, names: [&'static str; 8], raw: [&str; 8]) -> Option<Disaggregation> {
    let mut cells = [0i64; 8];
    let mut ok = true;
    for i in 0..8 {
        match errors.check(names[i], parse_people(raw[i])) {
            Some(n) => cells[i] = n,
            None => ok = false,
        }
    }
    ok.then(|| Disaggregation::from_cells(cells))
}

/// A decimal amount in a currency's minor units: `12 500,50` or `12500.50` EUR → 1 250 050.
pub fn parse_amount_minor(raw: &str, currency: Currency) -> Result<i64, &'static str> {
    if currency == Currency::Xof {
        return parse_amount_xof(raw);
    }
    let compact: String = raw.chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}')).collect();
    if compact.is_empty() {
        return Err("error-required");
    }
    let (whole, fraction) = match compact.split_once(['.', ',']) {
        Some((w, f)) => (w, f),
        None => (compact.as_str(), ""),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!fraction.is_empty() && !digits(fraction)) || fraction.len() > currency.decimals() as usize {
        return Err("error-intervention-amount");
    }
    let scale = 10i64.pow(currency.decimals());
    let fraction = format!("{fraction:0<width$}", width = currency.decimals() as usize);
    let whole: i64 = whole.parse().map_err(|_| "error-intervention-amount")?;
    let fraction: i64 =
        if fraction.is_empty() { 0 } else { fraction.parse().map_err(|_| "error-intervention-amount")? };
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(fraction))
        .filter(|m| *m <= crate::lifecycle::plan::MAX_AMOUNT_XOF)
        .ok_or("error-intervention-amount")
}

/// A rate to the franc CFA, up to six decimals, in millionths: `605,25` → 605 250 000.
pub fn parse_rate_micro(raw: &str) -> Result<i64, &'static str> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err("error-required");
    }
    let (whole, fraction) = compact.split_once(['.', ',']).unwrap_or((compact.as_str(), ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!fraction.is_empty() && !digits(fraction)) || fraction.len() > 6 || whole.len() > 7 {
        return Err("error-intervention-rate");
    }
    let micro = whole.parse::<i64>().unwrap_or(0) * 1_000_000 + format!("{fraction:0<6}").parse::<i64>().unwrap_or(0);
    if micro == 0 {
        Err("error-intervention-rate")
    } else {
        Ok(micro)
    }
}

/// Shows a rate in millionths as a decimal (`655.957`).
pub fn format_rate(micro: i64) -> String {
    let whole = micro / 1_000_000;
    let fraction = format!("{:06}", micro % 1_000_000);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{fraction}")
    }
}

/// Shows an amount in minor units as a decimal in its currency (`1250050` EUR → `12500.50`).
pub fn format_minor(minor: i64, currency: Currency) -> String {
    match currency.decimals() {
        0 => minor.to_string(),
        d => {
            let scale = 10i64.pow(d);
            format!("{}.{:0width$}", minor / scale, minor % scale, width = d as usize)
        }
    }
}

/// Whole francs CFA for an amount in minor units at a rate (millionths), rounded half up.
pub fn to_xof(minor: i64, currency: Currency, rate_micro: i64) -> i64 {
    let scale = 10i128.pow(currency.decimals()) * 1_000_000;
    let product = minor as i128 * rate_micro as i128;
    ((product + scale / 2) / scale) as i64
}

/// A budget in its currency, with the rate used and its value in francs CFA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub currency: Currency,
    pub amount_minor: i64,
    pub rate_micro: i64,
    pub xof: i64,
}

/// The budget's currency, amount and rate: XOF at 1, EUR at its fixed parity, USD at the rate given.
pub fn parse_budget(errors: &mut FieldErrors, currency: &str, amount: &str, rate: &str) -> Option<Budget> {
    let currency = errors.check(
        "currency",
        match currency.trim() {
            "" => Err("error-required"),
            code => Currency::parse(code).ok_or("error-intervention-currency"),
        },
    )?;
    let amount = errors.check("budget", parse_amount_minor(amount, currency));
    let rate = errors.check(
        "rate",
        match (currency, rate.trim()) {
            (Currency::Xof, "") => Ok(XOF_RATE_MICRO),
            (Currency::Xof, raw) => parse_rate_micro(raw).and_then(|r| {
                if r == XOF_RATE_MICRO {
                    Ok(r)
                } else {
                    Err("error-intervention-xof-rate")
                }
            }),
            (Currency::Eur, "") => Ok(EUR_PARITY_MICRO),
            (Currency::Eur, raw) => parse_rate_micro(raw).and_then(|r| {
                if r == EUR_PARITY_MICRO {
                    Ok(r)
                } else {
                    Err("error-intervention-eur-parity")
                }
            }),
            (Currency::Usd, raw) => parse_rate_micro(raw),
        },
    );
    let (amount, rate) = (amount?, rate?);
    Some(Budget { currency, amount_minor: amount, rate_micro: rate, xof: to_xof(amount, currency, rate) })
}

/// A calendar quarter, the reporting period of the 4W (`2026-Q1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub year: i32,
    pub quarter: u8,
}

impl Period {
    /// `2026-Q1` (also accepts `2026Q1`, any case).
    pub fn parse(raw: &str) -> Option<Period> {
        let raw = raw.trim().to_ascii_uppercase();
        let (year, quarter) = raw.split_once("-Q").or_else(|| raw.split_once('Q'))?;
        let year: i32 = year.parse().ok().filter(|y| (2000..=2100).contains(y))?;
        let quarter: u8 = quarter.parse().ok().filter(|q| (1..=4).contains(q))?;
        Some(Period { year, quarter })
    }

    pub fn code(self) -> String {
        format!("{}-Q{}", self.year, self.quarter)
    }

    pub fn containing(date: Date) -> Period {
        Period { year: date.year(), quarter: (date.month() as u8 - 1) / 3 + 1 }
    }

    pub fn first_day(self) -> Date {
        let month = Month::try_from((self.quarter - 1) * 3 + 1).expect("a quarter's first month");
        Date::from_calendar_date(self.year, month, 1).expect("first day of a quarter")
    }

    pub fn last_day(self) -> Date {
        self.next().first_day().previous_day().expect("the day before a quarter")
    }

    pub fn next(self) -> Period {
        if self.quarter == 4 {
            Period { year: self.year + 1, quarter: 1 }
        } else {
            Period { year: self.year, quarter: self.quarter + 1 }
        }
    }

    pub fn previous(self) -> Period {
        if self.quarter == 1 {
            Period { year: self.year - 1, quarter: 4 }
        } else {
            Period { year: self.year, quarter: self.quarter - 1 }
        }
    }

    /// Whether the quarter shares a day with `start..=end`.
    pub fn overlaps(self, start: Date, end: Date) -> bool {
        self.first_day() <= end && self.last_day() >= start
    }
}

/// What the secretariat does to a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodAction {
    Validate,
    Lock,
    Unlock,
    Reopen,
}

impl PeriodAction {
    pub fn parse(code: &str) -> Option<PeriodAction> {
        match code.trim() {
            "validate" => Some(PeriodAction::Validate),
            "lock" => Some(PeriodAction::Lock),
            "unlock" => Some(PeriodAction::Unlock),
            "reopen" => Some(PeriodAction::Reopen),
            _ => None,
        }
    }
}

/// `open → validated → locked`; a locked period is unlocked back to validated, a validated one
/// reopened. Only a period that has ended is validated.
pub fn period_transition(
    period: Period,
    from: PeriodStatus,
    action: PeriodAction,
    today: Date,
) -> Result<PeriodStatus, &'static str> {
    use PeriodAction as A;
    use PeriodStatus as S;
    match (from, action) {
        (S::Open, A::Validate) if period.last_day() >= today => Err("error-period-not-ended"),
        (S::Open, A::Validate) => Ok(S::Validated),
        (S::Validated, A::Lock) => Ok(S::Locked),
        (S::Locked, A::Unlock) => Ok(S::Validated),
        (S::Validated, A::Reopen) => Ok(S::Open),
        (S::Open, A::Lock) => Err("error-period-lock-unvalidated"),
        _ => Err("error-period-transition"),
    }
}

/// Whether the reports of a period in this status may still be written.
pub fn reports_may_change(status: PeriodStatus) -> Result<(), &'static str> {
    if status == PeriodStatus::Locked {
        Err("error-period-locked")
    } else {
        Ok(())
    }
}

/// Whether readers outside the intervention's organisation see reports of a period in this status:
/// once the secretariat validated them.
pub fn reports_published(status: PeriodStatus) -> bool {
    status != PeriodStatus::Open
}

/// An intervention as submitted (form or API).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InterventionInput {
    pub title: String,
    pub description: String,
    /// `economic`, `social` or `psychosocial`.
    pub dimension: String,
    /// Sector code (`protection`, `livelihoods`…).
    pub sector: String,
    /// Activity type: an assistance type code, as in plans.
    pub category: String,
    /// `individual`, `collective` or `community`.
    pub level: String,
    pub target_group: String,
    /// Admin unit P-codes (regions or cercles).
    pub units: Vec<String>,
    /// Ids of the implementing organisations.
    pub implementers: Vec<String>,
    /// Funding organisations, one per line (or separated by `;`).
    pub funders: String,
    /// `YYYY-MM-DD`.
    pub start_on: String,
    pub end_on: String,
    /// `planned`, `ongoing` or `completed`.
    pub status: String,
    pub targeted_f_0_17: String,
    pub targeted_f_18_24: String,
    pub targeted_f_25_59: String,
    pub targeted_f_60_plus: String,
    pub targeted_m_0_17: String,
    pub targeted_m_18_24: String,
    pub targeted_m_25_59: String,
    pub targeted_m_60_plus: String,
    /// `XOF`, `EUR` or `USD`.
    pub currency: String,
    /// The amount in that currency (`12500.50`).
    pub budget: String,
    /// Francs CFA for one unit of the currency (EUR: 655.957, fixed; USD: required).
    pub rate: String,
    /// Shown to every reader (otherwise only to its organisation and the secretariat).
    pub published: bool,
}

/// A validated intervention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterventionDraft {
    pub title: String,
    pub description: String,
    pub dimension: Dimension,
    pub sector: InterventionSector,
    pub category: AssistanceType,
    pub level: AssistanceLevel,
    pub target_group: TargetGroup,
    pub units: Vec<String>,
    pub implementers: Vec<Uuid>,
    pub funders: Vec<String>,
    pub start_on: Date,
    pub end_on: Date,
    pub status: InterventionStatus,
    pub targeted: Disaggregation,
    pub budget: Budget,
    pub published: bool,
}

/// The admin unit levels an intervention may name: regions (1) and cercles (2).
pub const MAX_UNIT_LEVEL: i64 = 2;

impl InterventionInput {
    pub fn targeted_raw(&self) -> [&str; 8] {
        [
            &self.targeted_f_0_17,
            &self.targeted_f_18_24,
            &self.targeted_f_25_59,
            &self.targeted_f_60_plus,
            &self.targeted_m_0_17,
            &self.targeted_m_18_24,
            &self.targeted_m_25_59,
            &self.targeted_m_60_plus,
        ]
    }

    pub fn set_targeted(&mut self, d: &Disaggregation) {
        let c = d.cells().map(|n| n.to_string());
        [
            self.targeted_f_0_17,
            self.targeted_f_18_24,
            self.targeted_f_25_59,
            self.targeted_f_60_plus,
            self.targeted_m_0_17,
            self.targeted_m_18_24,
            self.targeted_m_25_59,
            self.targeted_m_60_plus,
        ] = c;
    }

    /// Validates every field; `unit_level` gives the level of a current admin unit, `is_org` says
    /// whether an id is a registered organisation.
    pub fn parse(
        &self,
        unit_level: impl Fn(&str) -> Option<i64>,
        is_org: impl Fn(Uuid) -> bool,
    ) -> Result<InterventionDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = errors.check("title", clean_text(&self.title, 3, 200));
        let description = errors.check("description", clean_text(&self.description, 0, 4000));
        let dimension = errors.check("dimension", choose(&self.dimension, Dimension::parse));
        let sector = errors.check("sector", choose(&self.sector, InterventionSector::parse));
        let category = errors.check("category", choose(&self.category, AssistanceType::parse));
        let level = errors.check("level", choose(&self.level, AssistanceLevel::parse));
        let target_group = errors.check("target_group", choose(&self.target_group, TargetGroup::parse));
        let units = errors.check("units", {
            let mut units: Vec<String> = Vec::new();
            let mut result = Ok(());
            for code in self.units.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
                match unit_level(code) {
                    None => result = result.and(Err("error-intervention-unit-unknown")),
                    Some(level) if level > MAX_UNIT_LEVEL => result = result.and(Err("error-intervention-unit-level")),
                    Some(_) if !units.iter().any(|u| u == code) => units.push(code.to_string()),
                    Some(_) => {}
                }
            }
            result.and(if units.is_empty() { Err("error-required") } else { Ok(units) })
        });
        let implementers = errors.check("implementers", {
            let mut ids: Vec<Uuid> = Vec::new();
            let mut result = Ok(());
            for raw in self.implementers.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
                match Uuid::parse_str(raw).ok().filter(|id| is_org(*id)) {
                    Some(id) if !ids.contains(&id) => ids.push(id),
                    Some(_) => {}
                    None => result = result.and(Err("error-choose-organisation")),
                }
            }
            result.and(if ids.is_empty() { Err("error-required") } else { Ok(ids) })
        });
        let funders = errors.check("funders", {
            let mut names: Vec<String> = Vec::new();
            let mut result = Ok(());
            for raw in self.funders.split(['\n', ';']).map(str::trim).filter(|s| !s.is_empty()) {
                match clean_text(raw, 2, 200) {
                    Ok(name) if !names.contains(&name) => names.push(name),
                    Ok(_) => {}
                    Err(e) => result = result.and(Err(e)),
                }
            }
            result.map(|_| names)
        });
        let start_on = errors.check("start_on", parse_date(&self.start_on));
        let end_on = errors.check(
            "end_on",
            parse_date(&self.end_on).and_then(|end| match start_on {
                Some(start) if end < start => Err("error-intervention-ends-before-start"),
                _ => Ok(end),
            }),
        );
        let status = errors.check("status", choose(&self.status, InterventionStatus::parse));
        let targeted = parse_cells(
            &mut errors,
            Disaggregation::CELLS.map(|c| match c {
                "f_0_17" => "targeted_f_0_17",
                "f_18_24" => "targeted_f_18_24",
                "f_25_59" => "targeted_f_25_59",
                "f_60_plus" => "targeted_f_60_plus",
                "m_0_17" => "targeted_m_0_17",
                "m_18_24" => "targeted_m_18_24",
                "m_25_59" => "targeted_m_25_59",
                _ => "targeted_m_60_plus",
            }),
            self.targeted_raw(),
        );
        let budget = parse_budget(&mut errors, &self.currency, &self.budget, &self.rate);
        errors.finish(|| InterventionDraft {
            title: title.unwrap(),
            description: description.unwrap(),
            dimension: dimension.unwrap(),
            sector: sector.unwrap(),
            category: category.unwrap(),
            level: level.unwrap(),
            target_group: target_group.unwrap(),
            units: units.unwrap(),
            implementers: implementers.unwrap(),
            funders: funders.unwrap(),
            start_on: start_on.unwrap(),
            end_on: end_on.unwrap(),
            status: status.unwrap(),
            targeted: targeted.unwrap(),
            budget: budget.unwrap(),
            published: self.published,
        })
    }
}

/// A progress report as submitted: the people reached during the period, what was spent, what happened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReportInput {
    /// `2026-Q1`.
    pub period: String,
    pub reached_f_0_17: String,
    pub reached_f_18_24: String,
    pub reached_f_25_59: String,
    pub reached_f_60_plus: String,
    pub reached_m_0_17: String,
    pub reached_m_18_24: String,
    pub reached_m_25_59: String,
    pub reached_m_60_plus: String,
    /// Whole francs CFA spent during the period.
    pub spent_xof: String,
    pub narrative: String,
    /// Why more people were reached than targeted (required then).
    pub explanation: String,
}

/// A validated report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDraft {
    pub period: Period,
    pub reached: Disaggregation,
    pub spent_xof: i64,
    pub narrative: String,
    pub explanation: Option<String>,
}

/// What a report is checked against: its intervention and the other periods' reports.
#[derive(Debug, Clone, Copy)]
pub struct ReportContext {
    pub start_on: Date,
    pub end_on: Date,
    pub targeted: i64,
    /// People reached in the intervention's other periods.
    pub reached_elsewhere: i64,
    pub today: Date,
}

impl ReportInput {
    pub fn reached_raw(&self) -> [&str; 8] {
        [
            &self.reached_f_0_17,
            &self.reached_f_18_24,
            &self.reached_f_25_59,
            &self.reached_f_60_plus,
            &self.reached_m_0_17,
            &self.reached_m_18_24,
            &self.reached_m_25_59,
            &self.reached_m_60_plus,
        ]
    }

    pub fn set_reached(&mut self, d: &Disaggregation) {
        [
            self.reached_f_0_17,
            self.reached_f_18_24,
            self.reached_f_25_59,
            self.reached_f_60_plus,
            self.reached_m_0_17,
            self.reached_m_18_24,
            self.reached_m_25_59,
            self.reached_m_60_plus,
        ] = d.cells().map(|n| n.to_string());
    }

    pub fn parse(&self, ctx: &ReportContext) -> Result<ReportDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let period = errors.check(
            "period",
            match self.period.trim() {
                "" => Err("error-required"),
                raw => Period::parse(raw).ok_or("error-period-format").and_then(|p| {
                    if !p.overlaps(ctx.start_on, ctx.end_on) {
                        Err("error-period-outside")
                    } else if p.first_day() > ctx.today {
                        Err("error-period-future")
                    } else {
                        Ok(p)
                    }
                }),
            },
        );
        let reached = parse_cells(
            &mut errors,
            [
                "reached_f_0_17",
                "reached_f_18_24",
                "reached_f_25_59",
                "reached_f_60_plus",
                "reached_m_0_17",
                "reached_m_18_24",
                "reached_m_25_59",
                "reached_m_60_plus",
            ],
            self.reached_raw(),
        );
        let spent = errors.check(
            "spent_xof",
            match self.spent_xof.trim() {
                "" => Ok(0),
                raw => parse_amount_xof(raw),
            },
        );
        let narrative = errors.check("narrative", clean_text(&self.narrative, 0, 4000));
        let explanation = errors.check("explanation", clean_text(&self.explanation, 0, 2000));
        if let (Some(reached), Some(explanation)) = (&reached, &explanation) {
            if explanation.is_empty() && reached_above_target(ctx.targeted, ctx.reached_elsewhere, reached.total()) {
                errors.add("explanation", "error-intervention-reached-above-target");
            }
        }
        errors.finish(|| ReportDraft {
            period: period.unwrap(),
            reached: reached.unwrap(),
            spent_xof: spent.unwrap(),
            narrative: narrative.unwrap(),
            explanation: explanation.filter(|e| !e.is_empty()),
        })
    }
}

/// Whether the people reached over every period would exceed the target (then an explanation is due).
pub fn reached_above_target(targeted: i64, reached_elsewhere: i64, reached_here: i64) -> bool {
    reached_elsewhere + reached_here > targeted
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn input() -> InterventionInput {
        let mut input = InterventionInput {
            title: "Formation  professionnelle des rapatriés".into(),
            dimension: "economic".into(),
            sector: "livelihoods".into(),
            category: "vocational_training".into(),
            level: "individual".into(),
            target_group: "returnees".into(),
            units: vec!["ML01".into(), "ML0101".into(), "ML01".into()],
            implementers: vec![Uuid::from_u128(7).to_string()],
            funders: "Union européenne\nEnabel; Union européenne".into(),
            start_on: "2026-01-01".into(),
            end_on: "2026-12-31".into(),
            status: "ongoing".into(),
            currency: "EUR".into(),
            budget: "10 000,50".into(),
            published: true,
            ..Default::default()
        };
        input.targeted_f_18_24 = "40".into();
        input.targeted_m_25_59 = "60".into();
        input
    }

    fn level(code: &str) -> Option<i64> {
        match code.len() {
            4 => Some(1),
            6 => Some(2),
            8 => Some(3),
            _ => None,
        }
        .filter(|_| code.starts_with("ML"))
    }

    #[test]
    fn interventions_are_parsed_with_their_budget_in_francs() {
        let draft = input().parse(level, |id| id == Uuid::from_u128(7)).unwrap();
        assert_eq!(draft.title, "Formation professionnelle des rapatriés");
        assert_eq!(draft.units, vec!["ML01".to_string(), "ML0101".to_string()]);
        assert_eq!(draft.funders, vec!["Union européenne".to_string(), "Enabel".to_string()]);
        assert_eq!(draft.targeted.total(), 100);
        assert_eq!((draft.targeted.female(), draft.targeted.male()), (40, 60));
        assert_eq!(draft.budget.amount_minor, 1_000_050);
        assert_eq!(draft.budget.rate_micro, EUR_PARITY_MICRO);
        // 10 000.50 € × 655.957 = 6 559 897.98… → 6 559 898 F CFA.
        assert_eq!(draft.budget.xof, 6_559_898);
        let usd = InterventionInput { currency: "USD".into(), budget: "1000".into(), rate: "605,5".into(), ..input() };
        assert_eq!(usd.parse(level, |_| true).unwrap().budget.xof, 605_500);
        let xof = InterventionInput { currency: "XOF".into(), budget: "2 500 000".into(), ..input() };
        assert_eq!(xof.parse(level, |_| true).unwrap().budget.xof, 2_500_000);
    }

    #[test]
    fn bad_interventions_are_refused_field_by_field() {
        let bad = InterventionInput {
            end_on: "2025-12-31".into(),
            units: vec!["BF0101".into()],
            currency: "GBP".into(),
            implementers: vec!["not-an-id".into()],
            targeted_f_0_17: "-3".into(),
            ..input()
        };
        let errors = bad.parse(level, |_| true).unwrap_err();
        assert_eq!(errors.for_field("end_on"), Some("error-intervention-ends-before-start"));
        assert_eq!(errors.for_field("units"), Some("error-intervention-unit-unknown"));
        assert_eq!(errors.for_field("currency"), Some("error-intervention-currency"));
        assert_eq!(errors.for_field("implementers"), Some("error-choose-organisation"));
        assert_eq!(errors.for_field("targeted_f_0_17"), Some("error-intervention-people"));
        let commune = InterventionInput { units: vec!["ML010101".into()], ..input() };
        assert_eq!(
            commune.parse(level, |_| true).unwrap_err().for_field("units"),
            Some("error-intervention-unit-level")
        );
        let usd = InterventionInput { currency: "USD".into(), rate: String::new(), ..input() };
        assert_eq!(usd.parse(level, |_| true).unwrap_err().for_field("rate"), Some("error-required"));
        let eur = InterventionInput { rate: "650".into(), ..input() };
        assert_eq!(eur.parse(level, |_| true).unwrap_err().for_field("rate"), Some("error-intervention-eur-parity"));
        let cents = InterventionInput { currency: "XOF".into(), budget: "10.5".into(), ..input() };
        assert_eq!(cents.parse(level, |_| true).unwrap_err().for_field("budget"), Some("error-amount"));
        let empty = InterventionInput::default().parse(level, |_| true).unwrap_err();
        for field in ["title", "dimension", "sector", "category", "level", "target_group", "units", "implementers"] {
            assert_eq!(empty.for_field(field), Some("error-required"), "{field}");
        }
        for field in ["start_on", "end_on", "status", "currency"] {
            assert_eq!(empty.for_field(field), Some("error-required"), "{field}");
        }
    }

    #[test]
    fn amounts_and_rates_convert_exactly() {
        assert_eq!(parse_amount_minor("12,5", Currency::Usd), Ok(1250));
        assert_eq!(parse_amount_minor("12.345", Currency::Usd), Err("error-intervention-amount"));
        assert_eq!(parse_rate_micro("655.957"), Ok(EUR_PARITY_MICRO));
        assert_eq!(parse_rate_micro("0"), Err("error-intervention-rate"));
        assert_eq!(format_rate(EUR_PARITY_MICRO), "655.957");
        assert_eq!(format_rate(XOF_RATE_MICRO), "1");
        assert_eq!(format_minor(1_000_050, Currency::Eur), "10000.50");
        assert_eq!(to_xof(100, Currency::Eur, EUR_PARITY_MICRO), 656);
        assert_eq!(Currency::parse("eur"), Some(Currency::Eur));
    }

    #[test]
    fn quarters_are_parsed_and_bounded() {
        let q = Period::parse("2026-q2").unwrap();
        assert_eq!(q, Period { year: 2026, quarter: 2 });
        assert_eq!(q.code(), "2026-Q2");
        assert_eq!((q.first_day(), q.last_day()), (date!(2026 - 04 - 01), date!(2026 - 06 - 30)));
        assert_eq!(Period::parse("2026Q4").unwrap().last_day(), date!(2026 - 12 - 31));
        assert_eq!(Period::containing(date!(2026 - 11 - 15)), Period { year: 2026, quarter: 4 });
        assert_eq!(Period { year: 2026, quarter: 4 }.next(), Period { year: 2027, quarter: 1 });
        assert_eq!(Period { year: 2026, quarter: 1 }.previous(), Period { year: 2025, quarter: 4 });
        assert!(Period::parse("2026-Q5").is_none() && Period::parse("Q1-2026").is_none());
        assert!(q.overlaps(date!(2026 - 06 - 30), date!(2026 - 09 - 01)));
        assert!(!q.overlaps(date!(2026 - 07 - 01), date!(2026 - 09 - 01)));
    }

    #[test]
    fn periods_are_validated_then_locked_and_locked_ones_refuse_reports() {
        use PeriodAction as A;
        use PeriodStatus as S;
        let q1 = Period { year: 2026, quarter: 1 };
        let today = date!(2026 - 05 - 10);
        assert_eq!(period_transition(q1, S::Open, A::Validate, today), Ok(S::Validated));
        assert_eq!(period_transition(q1.next(), S::Open, A::Validate, today), Err("error-period-not-ended"));
        assert_eq!(period_transition(q1, S::Open, A::Lock, today), Err("error-period-lock-unvalidated"));
        assert_eq!(period_transition(q1, S::Validated, A::Lock, today), Ok(S::Locked));
        assert_eq!(period_transition(q1, S::Locked, A::Unlock, today), Ok(S::Validated));
        assert_eq!(period_transition(q1, S::Validated, A::Reopen, today), Ok(S::Open));
        assert_eq!(period_transition(q1, S::Locked, A::Validate, today), Err("error-period-transition"));
        assert_eq!(reports_may_change(S::Locked), Err("error-period-locked"));
        assert_eq!(reports_may_change(S::Validated), Ok(()));
        assert!(!reports_published(S::Open) && reports_published(S::Locked));
    }

    #[test]
    fn reports_beyond_the_target_need_an_explanation() {
        let ctx = ReportContext {
            start_on: date!(2026 - 01 - 01),
            end_on: date!(2026 - 12 - 31),
            targeted: 100,
            reached_elsewhere: 70,
            today: date!(2026 - 05 - 10),
        };
        let mut report = ReportInput { period: "2026-Q1".into(), spent_xof: "150 000".into(), ..Default::default() };
        report.reached_f_18_24 = "20".into();
        let draft = report.parse(&ctx).unwrap();
        assert_eq!((draft.reached.total(), draft.spent_xof), (20, 150_000));
        report.reached_m_25_59 = "11".into();
        assert_eq!(
            report.parse(&ctx).unwrap_err().for_field("explanation"),
            Some("error-intervention-reached-above-target")
        );
        report.explanation = "Deux villages voisins ont rejoint la formation".into();
        assert_eq!(
            report.parse(&ctx).unwrap().explanation.as_deref(),
            Some("Deux villages voisins ont rejoint la formation")
        );
        let future = ReportInput { period: "2026-Q3".into(), ..report.clone() };
        assert_eq!(future.parse(&ctx).unwrap_err().for_field("period"), Some("error-period-future"));
        let outside = ReportInput { period: "2025-Q4".into(), ..report.clone() };
        assert_eq!(outside.parse(&ctx).unwrap_err().for_field("period"), Some("error-period-outside"));
        let garbled = ReportInput { period: "T1 2026".into(), reached_f_0_17: "beaucoup".into(), ..report };
        let errors = garbled.parse(&ctx).unwrap_err();
        assert_eq!(errors.for_field("period"), Some("error-period-format"));
        assert_eq!(errors.for_field("reached_f_0_17"), Some("error-intervention-people"));
    }
}
