//! Surveys of the demo: a baseline, then the follow-ups already due, for about 60% of the demo
//! cases, answered with the current version of the shipped questionnaires; the other cases get
//! their baseline scheduled. Answers are drawn around a level that depends on the returnee's
//! region, on the assistance delivered to them and on the time since the baseline, so that scores
//! differ by region and assistance as real ones would. The same seed gives the same surveys.

use cnrm_domain::questionnaire::relevance::Subject;
use cnrm_domain::questionnaire::{validate_answers, Answers, Definition, Item, ItemKind, OptionScore};
use cnrm_domain::survey::{self, SurveyKind};
use cnrm_store::{CaseSummary, ScheduledSurvey, SurveySubmission};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::surveys::{definition_of, scores_of};
use crate::{Actor, App, AppError};

/// Share of the demo cases surveyed at baseline.
const SURVEYED: f64 = 0.6;
/// Demo cases looked at, at most: beyond, a benchmark's million cases would take long to load.
const MAX_CASES: usize = 20_000;

/// How well returnees of a region fare, on the 0–1 scale (regions of Mali by P-code; the north
/// and centre, less secure, lower).
fn region_level(settlement: Option<&str>) -> f64 {
    match settlement.map(|p| p.get(..4).unwrap_or(p)) {
        Some("ML09") => 0.62, // Bamako
        Some("ML03") => 0.58, // Sikasso
        Some("ML02") => 0.56, // Koulikoro
        Some("ML01") => 0.52, // Kayes
        Some("ML04") => 0.5,  // Ségou
        Some("ML05") => 0.4,  // Mopti
        Some("ML07") => 0.36, // Gao
        Some("ML06") => 0.34, // Tombouctou
        Some("ML08") => 0.3,  // Kidal
        _ => 0.45,
    }
}

/// A UUIDv7 of a moment on `day`, so that records sort as if entered that day.
fn id_on(rng: &mut ChaCha8Rng, day: Date) -> Uuid {
    let millis = (day.midnight().assume_utc().unix_timestamp() * 1000).max(0) as u64 + rng.gen_range(0..86_400_000);
    uuid::Builder::from_unix_timestamp_millis(millis, &rng.gen::<[u8; 10]>()).into_uuid()
}

/// Whether an item is asked given the answers drawn so far.
fn asked(definition: &Definition, item: &Item, answers: &Answers) -> bool {
    let holds = |condition: Option<&cnrm_domain::questionnaire::Relevance>| {
        condition.is_none_or(|c| {
            c.eval(&|subject: &Subject| match subject {
                Subject::Item(name) => answers.get(name),
                Subject::Current => None,
            })
        })
    };
    let section = item.section.as_deref().and_then(|s| definition.section(s));
    holds(section.and_then(|s| s.relevant.as_ref())) && holds(item.relevant.as_ref())
}

/// Answers drawn around `level` (0–1): scored options near it, other items at random.
fn draw_answers(rng: &mut ChaCha8Rng, definition: &Definition, level: f64, answered_on: Date) -> Answers {
    let mut answers = Answers::new();
    for item in &definition.items {
        if !asked(definition, item, &answers) || (!item.required && rng.gen_bool(0.05)) {
            continue;
        }
        let target = (level + rng.gen_range(-0.25..0.25)).clamp(0.0, 1.0);
        let options = definition.options_of(item);
        let nearest = || {
            options
                .iter()
                .filter_map(|o| match o.score {
                    OptionScore::Score(s) => Some((o, (s - target).abs())),
                    _ => None,
                })
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(o, _)| o.name.clone())
        };
        let value = match &item.kind {
            ItemKind::SingleChoice { .. } => {
                let not_applicable = options.iter().find(|o| o.score == OptionScore::NotApplicable);
                match (not_applicable, item.scoring.is_some()) {
                    (Some(na), true) if rng.gen_bool(0.1) => Some(na.name.clone()),
                    (_, true) => nearest(),
                    (_, false) => options.choose(rng).map(|o| o.name.clone()),
                }
            }
            ItemKind::MultipleChoice { .. } => nearest(),
            ItemKind::Integer | ItemKind::Decimal => {
                let range = item.scoring.as_ref().and_then(|s| s.range);
                Some(match range {
                    Some(r) => format!("{}", (r.from + target * (r.to - r.from)).round()),
                    None => rng.gen_range(0..=5).to_string(),
                })
            }
            ItemKind::Date => Some(answered_on.to_string()),
            ItemKind::Text | ItemKind::Note => None,
        };
        if let Some(value) = value {
            answers.set(item.name.clone(), value);
        }
    }
    answers
}

/// What the demo surveys are built from.
struct Builder<'a> {
    rng: ChaCha8Rng,
    today: Date,
    now: OffsetDateTime,
    submitted_by: Option<Uuid>,
    rss: (Uuid, &'a Definition),
    satisfaction: Option<(Uuid, &'a Definition)>,
    submissions: Vec<SurveySubmission>,
    schedule: Vec<ScheduledSurvey>,
}

impl Builder<'_> {
    /// A submission answered around `level`, if its answers pass the questionnaire's validation.
    fn submit(&mut self, case_id: Uuid, kind: SurveyKind, answered_on: Date, level: f64) -> Option<Uuid> {
        let (version_id, definition) = match kind {
            SurveyKind::Satisfaction => self.satisfaction?,
            _ => self.rss,
        };
        let drawn = draw_answers(&mut self.rng, definition, level, answered_on);
        let clean = validate_answers(definition, &drawn).ok()?.into_answers();
        let id = id_on(&mut self.rng, answered_on);
        self.submissions.push(SurveySubmission {
            id,
            case_id,
            questionnaire_code: definition.code.clone(),
            version_id,
            kind,
            answered_on,
            answers: serde_json::to_value(&clean).ok()?,
            scores: scores_of(definition, &clean),
            scored_with_version: version_id,
            submitted_by: self.submitted_by,
            created_at: self.now,
        });
        Some(id)
    }

    fn step(&mut self, case_id: Uuid, step: survey::ScheduleStep, done: Option<Uuid>) {
        self.schedule.push(ScheduledSurvey {
            id: Uuid::now_v7(),
            case_id,
            kind: step.kind,
            months_after_baseline: i64::from(step.months_after_baseline),
            due_on: step.due_on,
            done_submission_id: done,
            created_at: self.now,
        });
    }

    /// A case's surveys: a baseline (or its due date), then the follow-ups due so far, most of
    /// them taken, scoring higher with assistance delivered and with time.
    fn case(&mut self, case: &CaseSummary, assisted: bool) {
        let surveyed = self.rng.gen_bool(SURVEYED);
        let baseline_on = case.arrival_date + Duration::days(self.rng.gen_range(15..60));
        if !surveyed || baseline_on > self.today {
            let due = survey::baseline_at_registration(case.arrival_date);
            self.step(case.id, due, None);
            return;
        }
        let region = region_level(case.settlement_pcode.as_deref());
        let baseline =
            survey::ScheduleStep { kind: SurveyKind::Baseline, months_after_baseline: 0, due_on: baseline_on };
        let done = self.submit(case.id, SurveyKind::Baseline, baseline_on, region - 0.1);
        self.step(case.id, baseline, done);
        let mut last_follow_up = None;
        for step in survey::follow_ups(baseline_on) {
            let taken = step.due_on <= self.today && self.rng.gen_bool(0.85);
            let progress = f64::from(step.months_after_baseline) / 12.0 * 0.1;
            let level = region - 0.05 + progress + if assisted { 0.15 } else { 0.0 };
            let done = taken.then(|| self.submit(case.id, SurveyKind::FollowUp, step.due_on, level)).flatten();
            if done.is_some() {
                last_follow_up = Some(step.due_on);
            }
            self.step(case.id, step, done);
        }
        if let (Some(on), true) = (last_follow_up, assisted) {
            if self.rng.gen_bool(0.5) {
                self.submit(case.id, SurveyKind::Satisfaction, on, 0.7);
            }
        }
    }
}

/// Loads the demo surveys unless the first demo case already has some. Returns how many
/// submissions were added.
pub async fn load_surveys(app: &App, seed: u64) -> Result<usize, AppError> {
    use cnrm_domain::lifecycle::plan::PlanItemStatus;
    use cnrm_domain::paging::{PageRequest, MAX_PER_PAGE};
    use cnrm_store::{CaseFilter, CaseScope, ProtectionVisibility};

    let Some(rss_version) = app.db.questionnaire_version(survey::SUSTAINABILITY_QUESTIONNAIRE, None).await? else {
        return Ok(0);
    };
    let rss = definition_of(&rss_version)?;
    let satisfaction_version = app.db.questionnaire_version(survey::SATISFACTION_QUESTIONNAIRE, None).await?;
    let satisfaction = satisfaction_version.as_ref().map(definition_of).transpose()?;
    let everything = CaseScope { organisation_id: None, assigned_or_team: None, protection: ProtectionVisibility::All };
    let mut request = PageRequest { page: 1, per_page: MAX_PER_PAGE, sort: "arrival", descending: false, search: None };
    let mut cases = Vec::new();
    while cases.len() < MAX_CASES {
        let page = app.db.cases(&everything, &CaseFilter::default(), &request).await?;
        let last = page.page >= page.pages();
        cases.extend(page.items);
        if last {
            break;
        }
        request.page += 1;
    }
    match cases.first() {
        Some(first) if app.db.survey_schedule_of_case(first.id).await?.is_empty() => {}
        _ => return Ok(0),
    }
    let worker = app.db.user_by_username("oim.agent").await?;
    let (_, now) = cnrm_store::new_id_and_time();
    let mut builder = Builder {
        rng: ChaCha8Rng::seed_from_u64(seed ^ 0x050B_7E15),
        today: now.date(),
        now,
        submitted_by: None,
        rss: (rss_version.id, &rss),
        satisfaction: satisfaction_version.as_ref().zip(satisfaction.as_ref()).map(|(v, d)| (v.id, d)),
        submissions: Vec::new(),
        schedule: Vec::new(),
    };
    let mut total = 0;
    for chunk in cases.chunks(2_000) {
        for case in chunk {
            let assisted = match app.db.plan_of_case(case.id).await? {
                Some(plan) => plan.items.iter().any(|i| i.status == PlanItemStatus::Delivered),
                None => false,
            };
            builder.submitted_by = worker.as_ref().filter(|w| w.organisation_id == case.organisation_id).map(|w| w.id);
            builder.case(case, assisted);
        }
        let (submissions, schedule) = (std::mem::take(&mut builder.submissions), std::mem::take(&mut builder.schedule));
        total += submissions.len();
        let details =
            serde_json::json!({ "seed": seed, "submissions": submissions.len(), "scheduled": schedule.len() });
        let event = Actor::console().event("demo.load_surveys", "case", None, details);
        app.db.bulk_insert_surveys(&submissions, &schedule, &event).await?;
    }
    Ok(total)
}
