//! The indicators catalogue: every figure the platform publishes is defined once here — what it
//! counts, from which records, in which unit — so that the pages, the dashboards, the API and the
//! CSV files all show the same number under the same definition.
//!
//! The store only ever returns [`Tally`] rows (counts, sums, a key): no person leaves it. This module
//! parses the filters a user typed ([`IndicatorQuery`] → [`IndicatorFilter`]) and turns tallies into
//! results (shares, medians from counts, means), so that those rules are tested without a database.

use crate::intervention::Period;
use crate::person::coded_enum;
use crate::person::{parse_country, parse_date, ReturnType, Sex};
use crate::vulnerability::VulnerabilityFlag;
use crate::{FieldErrors, Locale};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

coded_enum! {
    /// The indicators, in the order of the catalogue.
    pub enum IndicatorCode in "indicator" {
        ReturneesRegistered = "returnees_registered",
        ReturneesAssisted = "returnees_assisted",
        PlanWithinMonth = "plan_within_month",
        AssistanceDelivered = "assistance_delivered",
        AssistanceDeliveredXof = "assistance_delivered_xof",
        ReferralsSent = "referrals_sent",
        ReferralsSuccessful = "referrals_successful",
        ReferralDaysToAcceptance = "referral_days_to_acceptance",
        InterventionReach = "intervention_reach",
        Trainings = "trainings",
        PeopleTrained = "people_trained",
        ActionPointsOverdue = "action_points_overdue",
        SustainabilityScore = "sustainability_score",
        SustainabilityAboveBand = "sustainability_above_band",
        SustainabilityChange = "sustainability_change",
        Satisfaction = "satisfaction",
    }
}

coded_enum! {
    /// What an indicator's value is.
    pub enum ValueUnit in "indicator-unit" {
        Count = "count",
        Share = "share",
        Xof = "xof",
        Days = "days",
        Score = "score",
    }
}

coded_enum! {
    /// How an indicator's value can be split into rows.
    pub enum Breakdown in "breakdown" {
        Sex = "sex",
        AgeGroup = "age_group",
        Month = "month",
        Region = "region",
        Dimension = "dimension",
        Stage = "stage",
        Band = "band",
    }
}

coded_enum! {
    /// Age at arrival (or, for interventions, the reporting cells), the groups of the 4W reports.
    pub enum AgeGroup in "age-group" {
        Under18 = "0_17",
        From18To24 = "18_24",
        From25To59 = "25_59",
        Over60 = "60_plus",
    }
}

impl AgeGroup {
    /// Inclusive bounds in whole years; `None`: no upper bound.
    pub fn years(self) -> (i32, Option<i32>) {
        match self {
            AgeGroup::Under18 => (0, Some(17)),
            AgeGroup::From18To24 => (18, Some(24)),
            AgeGroup::From25To59 => (25, Some(59)),
            AgeGroup::Over60 => (60, None),
        }
    }
}

/// The records an indicator is computed from: it decides which filters apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Returnees' cases (arrival cohort) and what hangs from them: plans, referrals, surveys.
    Cases,
    /// Published interventions (4W) and their quarterly reports.
    Interventions,
    /// Trainings and their participants.
    Trainings,
    /// Action points of coordination meetings.
    ActionPoints,
}

impl Source {
    /// The filters that narrow this source; the others are ignored (and said so on the pages).
    pub fn filters(self) -> &'static [FilterKind] {
        use FilterKind::*;
        match self {
            Source::Cases => {
                &[Period, Unit, Sex, AgeGroup, ReturnType, ReturnedFrom, Organisation, Programme, Vulnerability]
            }
            Source::Interventions => &[Period, Unit, Sex, AgeGroup, Organisation],
            Source::Trainings => &[Period, Sex, Organisation],
            Source::ActionPoints => &[Period, Unit, Organisation],
        }
    }
}

coded_enum! {
    /// One of the filters of [`IndicatorFilter`].
    pub enum FilterKind in "indicator-filter" {
        Period = "period",
        Unit = "unit",
        Sex = "sex",
        AgeGroup = "age_group",
        ReturnType = "return_type",
        ReturnedFrom = "returned_from",
        Organisation = "organisation",
        Programme = "programme",
        Vulnerability = "vulnerability",
    }
}

/// A text in both languages of the platform (the catalogue is data, not interface strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Text {
    pub fr: &'static str,
    pub en: &'static str,
}

impl Text {
    pub fn get(&self, locale: Locale) -> &'static str {
        match locale {
            Locale::Fr => self.fr,
            Locale::En => self.en,
        }
    }
}

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Indicator {
    pub code: IndicatorCode,
    pub unit: ValueUnit,
    pub source: Source,
    /// The value is shown against a target or a plan (delivered vs planned, reached vs targeted).
    pub has_target: bool,
    pub title: Text,
    /// What it counts and how.
    pub definition: Text,
    /// From which records.
    pub records: Text,
    /// The breakdowns offered, the first being the default one.
    pub breakdowns: &'static [Breakdown],
}

macro_rules! text {
    ($fr:literal, $en:literal) => {
        Text { fr: $fr, en: $en }
    };
}

/// The catalogue, in display order.
pub const CATALOGUE: &[Indicator] = &[
    Indicator {
        code: IndicatorCode::ReturneesRegistered,
        unit: ValueUnit::Count,
        source: Source::Cases,
        has_target: false,
        title: text!("Migrants de retour enregistrés", "Returnees registered"),
        definition: text!(
            "Nombre de dossiers de migrants de retour dont la date d'arrivée tombe dans la période, quel que soit leur statut (ouverts ou clôturés). L'âge est celui à l'arrivée.",
            "Number of returnees' cases whose arrival date falls in the period, whatever their status (open or closed). Age is the age on arrival."
        ),
        records: text!("Dossiers (date d'arrivée, lieu d'installation) et personnes (sexe, date de naissance).", "Cases (arrival date, place of settlement) and persons (sex, birth date)."),
        breakdowns: &[Breakdown::Sex, Breakdown::AgeGroup, Breakdown::Month, Breakdown::Region],
    },
    Indicator {
        code: IndicatorCode::ReturneesAssisted,
        unit: ValueUnit::Count,
        source: Source::Cases,
        has_target: false,
        title: text!("Migrants de retour assistés, par dimension", "Returnees assisted, by dimension"),
        definition: text!(
            "Nombre de migrants de retour arrivés dans la période ayant au moins une assistance de leur plan de réintégration livrée. Par dimension, une personne est comptée une fois dans chaque dimension où elle a été assistée.",
            "Number of returnees who arrived in the period with at least one item of their reintegration plan delivered. By dimension, a person is counted once in each dimension they were assisted in."
        ),
        records: text!("Éléments des plans de réintégration (statut « livré », dimension).", "Reintegration plan items (status “delivered”, dimension)."),
        breakdowns: &[Breakdown::Dimension, Breakdown::Sex, Breakdown::AgeGroup],
    },
    Indicator {
        code: IndicatorCode::PlanWithinMonth,
        unit: ValueUnit::Share,
        source: Source::Cases,
        has_target: false,
        title: text!("Part avec un plan convenu dans le mois suivant l'arrivée", "Share with a plan agreed within one month of arrival"),
        definition: text!(
            "Parmi les migrants de retour arrivés dans la période, part de ceux dont le plan de réintégration a été convenu au plus 30 jours après la date d'arrivée.",
            "Among the returnees who arrived in the period, the share whose reintegration plan was agreed at most 30 days after the arrival date."
        ),
        records: text!("Dossiers (date d'arrivée) et plans de réintégration (date d'accord).", "Cases (arrival date) and reintegration plans (date agreed)."),
        breakdowns: &[Breakdown::Sex, Breakdown::AgeGroup, Breakdown::Region],
    },
    Indicator {
        code: IndicatorCode::AssistanceDelivered,
        unit: ValueUnit::Count,
        source: Source::Cases,
        has_target: true,
        title: text!("Assistances livrées / prévues", "Assistance delivered vs planned"),
        definition: text!(
            "Éléments des plans de réintégration livrés, rapportés aux éléments prévus (tous sauf les annulés), pour les migrants de retour arrivés dans la période.",
            "Reintegration plan items delivered, against the items planned (all but cancelled ones), for the returnees who arrived in the period."
        ),
        records: text!("Éléments des plans de réintégration (statut, dimension).", "Reintegration plan items (status, dimension)."),
        breakdowns: &[Breakdown::Dimension],
    },
    Indicator {
        code: IndicatorCode::AssistanceDeliveredXof,
        unit: ValueUnit::Xof,
        source: Source::Cases,
        has_target: true,
        title: text!("Montants dépensés / budgétés (XOF)", "Amounts spent vs budgeted (XOF)"),
        definition: text!(
            "Montants dépensés sur les éléments des plans de réintégration, rapportés à leurs budgets (éléments non annulés), en francs CFA, pour les migrants de retour arrivés dans la période.",
            "Amounts spent on reintegration plan items, against their budgets (items not cancelled), in CFA francs, for the returnees who arrived in the period."
        ),
        records: text!("Éléments des plans de réintégration (budget, dépensé, dimension).", "Reintegration plan items (budget, spent, dimension)."),
        breakdowns: &[Breakdown::Dimension],
    },
    Indicator {
        code: IndicatorCode::ReferralsSent,
        unit: ValueUnit::Count,
        source: Source::Cases,
        has_target: false,
        title: text!("Orientations envoyées, acceptées, achevées", "Referrals sent, accepted, completed"),
        definition: text!(
            "Orientations envoyées pour les migrants de retour arrivés dans la période (hors orientations révoquées) ; par étape : acceptées (acceptées, en cours ou terminées) et achevées (service rendu).",
            "Referrals sent for the returnees who arrived in the period (revoked ones excluded); by stage: accepted (accepted, in progress or ended) and completed (service delivered)."
        ),
        records: text!("Orientations (statut).", "Referrals (status)."),
        breakdowns: &[Breakdown::Stage],
    },
    Indicator {
        code: IndicatorCode::ReferralsSuccessful,
        unit: ValueUnit::Share,
        source: Source::Cases,
        has_target: false,
        title: text!("Part des orientations réussies", "Share of referrals successful"),
        definition: text!(
            "Parmi les orientations terminées (achevées, non achevées ou déclinées) des migrants de retour arrivés dans la période, part de celles dont le service a été rendu.",
            "Among the ended referrals (completed, not completed or declined) of the returnees who arrived in the period, the share whose service was delivered."
        ),
        records: text!("Orientations (statut).", "Referrals (status)."),
        breakdowns: &[],
    },
    Indicator {
        code: IndicatorCode::ReferralDaysToAcceptance,
        unit: ValueUnit::Days,
        source: Source::Cases,
        has_target: false,
        title: text!("Délai médian d'acceptation des orientations (jours)", "Median days to referral acceptance"),
        definition: text!(
            "Médiane du nombre de jours entre l'envoi d'une orientation et son acceptation par l'organisation qui la reçoit, pour les orientations acceptées des migrants de retour arrivés dans la période.",
            "Median number of days between sending a referral and its acceptance by the receiving organisation, for the accepted referrals of the returnees who arrived in the period."
        ),
        records: text!("Orientations (date d'envoi, date d'acceptation).", "Referrals (date sent, date accepted)."),
        breakdowns: &[],
    },
    Indicator {
        code: IndicatorCode::InterventionReach,
        unit: ValueUnit::Count,
        source: Source::Interventions,
        has_target: true,
        title: text!("Personnes atteintes / ciblées par les interventions", "People reached vs targeted by interventions"),
        definition: text!(
            "Personnes atteintes selon les rapports trimestriels des interventions publiées, rapportées aux personnes ciblées par ces interventions. La période retient les interventions qui la recoupent et les rapports de ses trimestres ; le lieu, les interventions qui couvrent l'unité ; le sexe et l'âge, les cellules correspondantes.",
            "People reached according to the quarterly reports of published interventions, against the people those interventions target. The period keeps the interventions that overlap it and the reports of its quarters; the place, the interventions covering the unit; sex and age, the matching cells."
        ),
        records: text!("Interventions (4W) : cibles ventilées, zones ; rapports trimestriels : personnes atteintes.", "Interventions (4W): disaggregated targets, areas; quarterly reports: people reached."),
        breakdowns: &[Breakdown::Sex, Breakdown::AgeGroup],
    },
    Indicator {
        code: IndicatorCode::Trainings,
        unit: ValueUnit::Count,
        source: Source::Trainings,
        has_target: false,
        title: text!("Formations organisées", "Trainings held"),
        definition: text!(
            "Nombre de formations dont la date de début tombe dans la période.",
            "Number of trainings starting in the period."
        ),
        records: text!("Formations (date de début, organisation).", "Trainings (start date, organisation)."),
        breakdowns: &[Breakdown::Month],
    },
    Indicator {
        code: IndicatorCode::PeopleTrained,
        unit: ValueUnit::Count,
        source: Source::Trainings,
        has_target: false,
        title: text!("Personnes formées", "People trained"),
        definition: text!(
            "Participants inscrits aux formations dont la date de début tombe dans la période ; l'organisation est celle du participant.",
            "Participants registered in the trainings starting in the period; the organisation is the participant's."
        ),
        records: text!("Participants aux formations (sexe, organisation).", "Training participants (sex, organisation)."),
        breakdowns: &[Breakdown::Sex],
    },
    Indicator {
        code: IndicatorCode::ActionPointsOverdue,
        unit: ValueUnit::Count,
        source: Source::ActionPoints,
        has_target: false,
        title: text!("Points d'action en retard", "Action points overdue"),
        definition: text!(
            "Points d'action des réunions de coordination non terminés dont l'échéance est passée (au dernier jour de la période, ou aujourd'hui) ; l'organisation est celle qui porte le point, le lieu celui de la réunion.",
            "Action points of coordination meetings not done whose due date has passed (on the last day of the period, or today); the organisation is the one owning the point, the place the meeting's."
        ),
        records: text!("Points d'action (échéance, statut, organisation responsable) et réunions (lieu).", "Action points (due date, status, owning organisation) and meetings (place)."),
        breakdowns: &[],
    },
    Indicator {
        code: IndicatorCode::SustainabilityScore,
        unit: ValueUnit::Score,
        source: Source::Cases,
        has_target: false,
        title: text!("Score moyen de durabilité de la réintégration", "Mean reintegration sustainability score"),
        definition: text!(
            "Moyenne du score composite (0 à 1) de la dernière enquête de durabilité de chaque migrant de retour arrivé dans la période ; par dimension, la moyenne du score de chaque dimension.",
            "Mean composite score (0 to 1) of the latest sustainability survey of each returnee who arrived in the period; by dimension, the mean of each dimension's score."
        ),
        records: text!("Enquêtes de durabilité (scores).", "Sustainability surveys (scores)."),
        breakdowns: &[Breakdown::Dimension],
    },
    Indicator {
        code: IndicatorCode::SustainabilityAboveBand,
        unit: ValueUnit::Share,
        source: Source::Cases,
        has_target: false,
        title: text!("Part des scores au-dessus de chaque seuil", "Share of scores above each band"),
        definition: text!(
            "Parmi les migrants de retour arrivés dans la période ayant répondu à une enquête, part dont le dernier score composite atteint le seuil de durabilité (0,5) ; par seuil : 0,33, 0,5 et 0,66.",
            "Among the returnees who arrived in the period and answered a survey, the share whose latest composite score reaches the sustainability threshold (0.5); by band: 0.33, 0.5 and 0.66."
        ),
        records: text!("Enquêtes de durabilité (score composite).", "Sustainability surveys (composite score)."),
        breakdowns: &[Breakdown::Band],
    },
    Indicator {
        code: IndicatorCode::SustainabilityChange,
        unit: ValueUnit::Score,
        source: Source::Cases,
        has_target: false,
        title: text!("Évolution du score entre enquête initiale et suivi", "Score change from baseline to follow-up"),
        definition: text!(
            "Moyenne, pour les migrants de retour arrivés dans la période ayant une enquête initiale et au moins un suivi, de l'écart entre le score composite du dernier suivi et celui de l'enquête initiale.",
            "Mean, over the returnees who arrived in the period with a baseline survey and at least one follow-up, of the difference between the latest follow-up's composite score and the baseline's."
        ),
        records: text!("Enquêtes de durabilité (type, score composite).", "Sustainability surveys (kind, composite score)."),
        breakdowns: &[Breakdown::Dimension],
    },
    Indicator {
        code: IndicatorCode::Satisfaction,
        unit: ValueUnit::Score,
        source: Source::Cases,
        has_target: false,
        title: text!("Satisfaction des migrants de retour", "Returnees' satisfaction"),
        definition: text!(
            "Moyenne du score de satisfaction (0 à 1) des enquêtes de satisfaction des migrants de retour arrivés dans la période.",
            "Mean satisfaction score (0 to 1) of the satisfaction surveys of the returnees who arrived in the period."
        ),
        records: text!("Enquêtes de satisfaction (score).", "Satisfaction surveys (score)."),
        breakdowns: &[],
    },
];

/// The catalogue entry of an indicator.
pub fn indicator(code: IndicatorCode) -> &'static Indicator {
    CATALOGUE.iter().find(|i| i.code == code).expect("every indicator code is in the catalogue")
}

/// The sustainability bands (composite score thresholds); 0.5 is the headline one.
pub const BANDS: [f64; 3] = [0.33, 0.5, 0.66];
pub const HEADLINE_BAND: f64 = 0.5;

/// A plan agreed within this many days of arrival counts as agreed "within one month".
pub const PLAN_WITHIN_DAYS: i64 = 30;

/// The filters as typed (page form or API query string); empty: no filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct IndicatorQuery {
    /// First day of the period (`YYYY-MM-DD`).
    pub from: String,
    /// Last day of the period (`YYYY-MM-DD`).
    pub to: String,
    /// A region's pcode (`ML01`).
    pub region: String,
    /// A cercle's pcode (`ML0101`), within the region if both are given.
    pub cercle: String,
    /// A region's or a cercle's pcode (the pages' single place filter).
    pub unit: String,
    /// `female`, `male`, `other`, `unknown`.
    pub sex: String,
    /// `0_17`, `18_24`, `25_59`, `60_plus`.
    pub age_group: String,
    /// `avr`, `humanitarian_evacuation`, `forced`, `spontaneous`.
    pub return_type: String,
    /// ISO 3166-1 alpha-2 code of the country returned from.
    pub returned_from: String,
    /// An organisation's id.
    pub organisation: String,
    /// A programme's name, as written on the cases.
    pub programme: String,
    /// A vulnerability flag code.
    pub vulnerability: String,
    /// The breakdown wanted (a [`Breakdown`] code); empty: the indicator's default one.
    pub by: String,
}

/// The parsed filters. Every field narrows; `None`: not filtered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IndicatorFilter {
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// A region's or a cercle's pcode: a unit covers the units whose pcode it starts.
    pub unit: Option<String>,
    /// The level of `unit` (1 a region), when known.
    pub unit_level: Option<UnitLevel>,
    pub sex: Option<Sex>,
    pub age_group: Option<AgeGroup>,
    pub return_type: Option<ReturnType>,
    pub returned_from: Option<String>,
    pub organisation: Option<Uuid>,
    pub programme: Option<String>,
    pub vulnerability: Option<VulnerabilityFlag>,
}

impl IndicatorFilter {
    /// The filters set, of those this source reads (for the page's "filters applied" line).
    pub fn kinds(&self) -> Vec<FilterKind> {
        let mut kinds = Vec::new();
        let mut set = |on: bool, kind| {
            if on {
                kinds.push(kind)
            }
        };
        set(self.from.is_some() || self.to.is_some(), FilterKind::Period);
        set(self.unit.is_some(), FilterKind::Unit);
        set(self.sex.is_some(), FilterKind::Sex);
        set(self.age_group.is_some(), FilterKind::AgeGroup);
        set(self.return_type.is_some(), FilterKind::ReturnType);
        set(self.returned_from.is_some(), FilterKind::ReturnedFrom);
        set(self.organisation.is_some(), FilterKind::Organisation);
        set(self.programme.is_some(), FilterKind::Programme);
        set(self.vulnerability.is_some(), FilterKind::Vulnerability);
        kinds
    }

    /// The filters set that the source does not read: shown, so that nobody believes them applied.
    pub fn ignored_by(&self, source: Source) -> Vec<FilterKind> {
        self.kinds().into_iter().filter(|k| !source.filters().contains(k)).collect()
    }
}

/// The level of an admin unit (1 region, 2 cercle …), as the store knows it.
pub type UnitLevel = i64;

impl IndicatorQuery {
    /// Parses every field; `unit_level` tells the level of a known pcode (`None`: unknown unit).
    pub fn parse(&self, unit_level: impl Fn(&str) -> Option<UnitLevel>) -> Result<IndicatorFilter, FieldErrors> {
        let mut errors = FieldErrors::new();
        let given = |raw: &str| -> Option<String> {
            let raw = raw.trim();
            (!raw.is_empty()).then(|| raw.to_string())
        };
        let from = given(&self.from).and_then(|d| errors.check("from", parse_date(&d)));
        let to = given(&self.to).and_then(|d| errors.check("to", parse_date(&d)));
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                errors.add("to", "error-end-before-start");
            }
        }
        let mut unit_of = |field: &'static str, raw: &str, levels: &[UnitLevel]| {
            given(raw).and_then(|pcode| {
                let pcode = pcode.to_uppercase();
                let known = unit_level(&pcode).is_some_and(|level| levels.contains(&level));
                errors.check(field, if known { Ok(pcode) } else { Err("error-choose-from-list") })
            })
        };
        let region = unit_of("region", &self.region, &[1]);
        let cercle = unit_of("cercle", &self.cercle, &[2]);
        let unit = unit_of("unit", &self.unit, &[1, 2]);
        // The most precise place given; the others must contain it.
        let places: Vec<(&'static str, String)> = [("region", region), ("unit", unit), ("cercle", cercle)]
            .into_iter()
            .filter_map(|(f, p)| Some((f, p?)))
            .collect();
        let place = places.iter().map(|(_, p)| p.clone()).max_by_key(String::len);
        if let Some(place) = &place {
            for (field, pcode) in &places {
                if !place.starts_with(pcode.as_str()) {
                    errors.add(field, "error-indicator-places-apart");
                }
            }
        }
        let coded = |errors: &mut FieldErrors, field: &'static str, raw: &str, parse: &dyn Fn(&str) -> Option<_>| {
            given(raw).and_then(|code| errors.check(field, parse(&code).ok_or("error-choose-from-list")))
        };
        let sex = coded(&mut errors, "sex", &self.sex, &Sex::parse);
        let age_group = given(&self.age_group)
            .and_then(|code| errors.check("age_group", AgeGroup::parse(&code).ok_or("error-choose-from-list")));
        let return_type = given(&self.return_type)
            .and_then(|code| errors.check("return_type", ReturnType::parse(&code).ok_or("error-choose-from-list")));
        let returned_from = given(&self.returned_from).and_then(|c| errors.check("returned_from", parse_country(&c)));
        let organisation = given(&self.organisation)
            .and_then(|id| errors.check("organisation", Uuid::parse_str(&id).map_err(|_| "error-choose-from-list")));
        let programme = given(&self.programme);
        let vulnerability = given(&self.vulnerability).and_then(|code| {
            errors.check("vulnerability", VulnerabilityFlag::parse(&code).ok_or("error-choose-from-list"))
        });
        let unit_level = place.as_deref().and_then(&unit_level);
        errors.finish(|| IndicatorFilter {
            from,
            to,
            unit: place,
            unit_level,
            sex,
            age_group,
            return_type,
            returned_from,
            organisation,
            programme,
            vulnerability,
        })
    }

    /// The breakdown asked for, if it is one the indicator offers; else its default one.
    pub fn breakdown_for(&self, indicator: &Indicator) -> Result<Option<Breakdown>, FieldErrors> {
        let raw = self.by.trim();
        if raw.is_empty() {
            return Ok(indicator.breakdowns.first().copied());
        }
        if raw == "none" {
            return Ok(None);
        }
        match Breakdown::parse(raw).filter(|b| indicator.breakdowns.contains(b)) {
            Some(b) => Ok(Some(b)),
            None => {
                let mut errors = FieldErrors::new();
                errors.add("by", "error-choose-from-list");
                Err(errors)
            }
        }
    }
}

/// What the store returns for one key of one indicator: counts and sums only.
///
/// Counts: `count` (and `of`, the plan or target). Shares: `count` of `of`. Days: one row per number
/// of days (`key`), `count` being how many. Scores: `sum` of `count` scores.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tally {
    /// The breakdown key (a code, a month `YYYY-MM`, a pcode), `""` for the total.
    pub key: String,
    pub count: i64,
    pub of: i64,
    pub sum: f64,
}

impl Tally {
    pub fn new(key: impl Into<String>, count: i64, of: i64) -> Tally {
        Tally { key: key.into(), count, of, sum: 0.0 }
    }
}

/// One figure: the value in the indicator's unit, with the counts behind it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Figure {
    /// Count, XOF amount, share (0–1), median days or mean score; `None` when nothing was counted.
    pub value: Option<f64>,
    /// What was counted: the numerator of a share, the number of values behind a median or a mean.
    pub count: i64,
    /// The denominator of a share, or the plan/target of a count with a target.
    pub of: Option<i64>,
}

/// One row of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BreakdownRow {
    pub key: String,
    #[serde(flatten)]
    pub figure: Figure,
}

/// An indicator computed for a filter.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IndicatorResult {
    pub code: IndicatorCode,
    pub unit: ValueUnit,
    pub total: Figure,
    pub breakdown: Option<Breakdown>,
    pub rows: Vec<BreakdownRow>,
}

/// The median of values given as (value, how many times), `None` when there are none. With an even
/// number of values, the mean of the two middle ones.
pub fn median_of_counts(histogram: &[(i64, i64)]) -> Option<f64> {
    let mut sorted: Vec<(i64, i64)> = histogram.iter().copied().filter(|(_, n)| *n > 0).collect();
    sorted.sort_unstable();
    let total: i64 = sorted.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    // The 1-based positions of the middle value(s).
    let (low, high) = ((total + 1) / 2, total / 2 + 1);
    let at = |position: i64| {
        let mut seen = 0;
        for (value, n) in &sorted {
            seen += n;
            if seen >= position {
                return *value;
            }
        }
        unreachable!("position within the total")
    };
    Some((at(low) + at(high)) as f64 / 2.0)
}

/// A share, `None` when the denominator is zero.
pub fn share(count: i64, of: i64) -> Option<f64> {
    (of > 0).then(|| count as f64 / of as f64)
}

/// The figure of a set of tallies (one key) in a unit.
pub fn figure(indicator: &Indicator, tallies: &[Tally]) -> Figure {
    let count: i64 = tallies.iter().map(|t| t.count).sum();
    let of: i64 = tallies.iter().map(|t| t.of).sum();
    match indicator.unit {
        ValueUnit::Count | ValueUnit::Xof => {
            Figure { value: Some(count as f64), count, of: indicator.has_target.then_some(of) }
        }
        ValueUnit::Share => Figure { value: share(count, of), count, of: Some(of) },
        ValueUnit::Days => {
            let histogram: Vec<(i64, i64)> =
                tallies.iter().filter_map(|t| t.key.parse::<i64>().ok().map(|d| (d, t.count))).collect();
            Figure { value: median_of_counts(&histogram), count, of: None }
        }
        ValueUnit::Score => {
            let sum: f64 = tallies.iter().map(|t| t.sum).sum();
            Figure { value: (count > 0).then(|| sum / count as f64), count, of: None }
        }
    }
}

/// The result from the total's tallies and the breakdown's (one tally per key, in the store's order;
/// for a median, one tally per key and number of days, keyed `KEY/DAYS`).
pub fn compute(
    indicator: &Indicator,
    total: &[Tally],
    breakdown: Option<Breakdown>,
    rows: &[Tally],
) -> IndicatorResult {
    let mut keys: Vec<String> = Vec::new();
    for t in rows {
        if !keys.contains(&t.key) {
            keys.push(t.key.clone());
        }
    }
    let rows = keys
        .into_iter()
        .map(|key| {
            let of_key: Vec<Tally> = rows.iter().filter(|t| t.key == key).cloned().collect();
            BreakdownRow { figure: figure(indicator, &of_key), key }
        })
        .collect();
    IndicatorResult { code: indicator.code, unit: indicator.unit, total: figure(indicator, total), breakdown, rows }
}

/// The reporting quarters (`YYYY-Qn`, ordered as text) of the period's first and last days.
pub fn quarter_bounds(from: Option<Date>, to: Option<Date>) -> (Option<String>, Option<String>) {
    (from.map(|d| Period::containing(d).code()), to.map(|d| Period::containing(d).code()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn known(pcode: &str) -> Option<UnitLevel> {
        match pcode {
            "ML01" | "ML02" => Some(1),
            "ML0101" | "ML0201" => Some(2),
            _ => None,
        }
    }

    #[test]
    fn every_code_is_in_the_catalogue_once_with_both_languages() {
        for code in IndicatorCode::ALL {
            assert_eq!(CATALOGUE.iter().filter(|i| i.code == code).count(), 1, "{code:?}");
            let i = indicator(code);
            for text in [i.title, i.definition, i.records] {
                assert!(!text.fr.is_empty() && !text.en.is_empty() && text.fr != text.en, "{code:?}");
            }
        }
    }

    #[test]
    fn an_empty_query_filters_nothing() {
        let filter = IndicatorQuery::default().parse(known).unwrap();
        assert_eq!(filter, IndicatorFilter::default());
        assert!(filter.kinds().is_empty());
    }

    #[test]
    fn a_full_query_parses_every_field() {
        let query = IndicatorQuery {
            from: "2025-01-01".into(),
            to: " 2025-12-31 ".into(),
            region: "ml01".into(),
            cercle: "ML0101".into(),
            unit: String::new(),
            sex: "female".into(),
            age_group: "18_24".into(),
            return_type: "avr".into(),
            returned_from: "ly".into(),
            organisation: "0192f0c4-0000-7000-8000-000000000001".into(),
            programme: " MPRR ".into(),
            vulnerability: "disability".into(),
            by: String::new(),
        };
        let f = query.parse(known).unwrap();
        assert_eq!(f.from, Some(date!(2025 - 01 - 01)));
        assert_eq!(f.to, Some(date!(2025 - 12 - 31)));
        assert_eq!(f.unit.as_deref(), Some("ML0101"));
        assert_eq!(f.sex, Some(Sex::Female));
        assert_eq!(f.age_group, Some(AgeGroup::From18To24));
        assert_eq!(f.return_type, Some(ReturnType::Avr));
        assert_eq!(f.returned_from.as_deref(), Some("LY"));
        assert!(f.organisation.is_some());
        assert_eq!(f.programme.as_deref(), Some("MPRR"));
        assert_eq!(f.vulnerability, Some(VulnerabilityFlag::Disability));
        assert_eq!(f.ignored_by(Source::Trainings).len(), 6);
    }

    #[test]
    fn bad_fields_are_all_named() {
        let query = IndicatorQuery {
            from: "2025-13-01".into(),
            region: "ML0101".into(),
            sex: "x".into(),
            age_group: "adult".into(),
            organisation: "acme".into(),
            ..IndicatorQuery::default()
        };
        let errors = query.parse(known).unwrap_err();
        for field in ["from", "region", "sex", "age_group", "organisation"] {
            assert!(errors.for_field(field).is_some(), "{field}");
        }
        let reversed = IndicatorQuery { from: "2025-02-01".into(), to: "2025-01-01".into(), ..Default::default() };
        assert_eq!(reversed.parse(known).unwrap_err().for_field("to"), Some("error-end-before-start"));
        let apart = IndicatorQuery { region: "ML02".into(), cercle: "ML0101".into(), ..Default::default() };
        assert_eq!(apart.parse(known).unwrap_err().for_field("region"), Some("error-indicator-places-apart"));
        let unit = IndicatorQuery { unit: "ML0201".into(), region: "ML02".into(), ..Default::default() };
        assert_eq!(unit.parse(known).unwrap().unit.as_deref(), Some("ML0201"));
    }

    #[test]
    fn breakdowns_are_those_of_the_indicator() {
        let registered = indicator(IndicatorCode::ReturneesRegistered);
        assert_eq!(IndicatorQuery::default().breakdown_for(registered).unwrap(), Some(Breakdown::Sex));
        let by_month = IndicatorQuery { by: "month".into(), ..Default::default() };
        assert_eq!(by_month.breakdown_for(registered).unwrap(), Some(Breakdown::Month));
        let none = IndicatorQuery { by: "none".into(), ..Default::default() };
        assert_eq!(none.breakdown_for(registered).unwrap(), None);
        let by_stage = IndicatorQuery { by: "stage".into(), ..Default::default() };
        assert!(by_stage.breakdown_for(registered).is_err());
    }

    #[test]
    fn medians_come_from_counts() {
        assert_eq!(median_of_counts(&[]), None);
        assert_eq!(median_of_counts(&[(3, 0)]), None);
        assert_eq!(median_of_counts(&[(5, 1)]), Some(5.0));
        // 1 1 1 4 9 → 1
        assert_eq!(median_of_counts(&[(9, 1), (1, 3), (4, 1)]), Some(1.0));
        // 2 2 6 6 → 4
        assert_eq!(median_of_counts(&[(6, 2), (2, 2)]), Some(4.0));
        // 0 3 3 10 → 3
        assert_eq!(median_of_counts(&[(0, 1), (3, 2), (10, 1)]), Some(3.0));
    }

    #[test]
    fn figures_follow_the_unit() {
        let share = indicator(IndicatorCode::PlanWithinMonth);
        let f = figure(share, &[Tally::new("", 3, 4)]);
        assert_eq!(f, Figure { value: Some(0.75), count: 3, of: Some(4) });
        assert_eq!(figure(share, &[Tally::new("", 0, 0)]).value, None);

        let delivered = indicator(IndicatorCode::AssistanceDelivered);
        assert_eq!(figure(delivered, &[Tally::new("", 2, 5)]), Figure { value: Some(2.0), count: 2, of: Some(5) });
        let registered = indicator(IndicatorCode::ReturneesRegistered);
        assert_eq!(figure(registered, &[Tally::new("", 7, 0)]).of, None);

        let days = indicator(IndicatorCode::ReferralDaysToAcceptance);
        let f = figure(days, &[Tally::new("2", 1, 0), Tally::new("10", 2, 0)]);
        assert_eq!((f.value, f.count), (Some(10.0), 3));

        let score = indicator(IndicatorCode::SustainabilityScore);
        let f = figure(score, &[Tally { key: String::new(), count: 4, of: 0, sum: 2.2 }]);
        assert!((f.value.unwrap() - 0.55).abs() < 1e-9);
        assert_eq!(figure(score, &[]).value, None);
    }

    #[test]
    fn compute_groups_rows_by_key_in_order() {
        let registered = indicator(IndicatorCode::ReturneesRegistered);
        let result = compute(
            registered,
            &[Tally::new("", 5, 0)],
            Some(Breakdown::Sex),
            &[Tally::new("female", 2, 0), Tally::new("male", 3, 0)],
        );
        assert_eq!(result.total.value, Some(5.0));
        assert_eq!(result.rows.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), ["female", "male"]);
        assert_eq!(result.rows[1].figure.count, 3);
    }

    #[test]
    fn quarters_of_a_period() {
        assert_eq!(quarter_bounds(None, None), (None, None));
        let (from, to) = quarter_bounds(Some(date!(2024 - 11 - 01)), Some(date!(2025 - 04 - 01)));
        assert_eq!((from.as_deref(), to.as_deref()), (Some("2024-Q4"), Some("2025-Q2")));
    }
}
