//! Tests of questionnaires: scoring on hand-computed examples, validation, version pinning,
//! XLSForm import (valid and broken) and export, and the shipped questionnaires.

use super::shipped::{self, rows};
use super::xlsform::{self, XlsFormErrorKind as K, XlsSheet};
use super::*;
use crate::locale::Locale;
use proptest::prelude::*;

const SURVEY: &str = "\
type,name,label,label::English (en),required,relevant,constraint,dimension,weight,composite_weight,score
begin_group,work,Travail,Work,,,,,,,
select_one yn,job,Emploi ?,Job?,yes,,,eco,2,,
integer,income,Revenu,Income,,${job} = 'yes',. >= 0,eco,1,,0..100
select_one sat,sat,Satisfaction,Satisfaction,yes,,,eco,1,,
end_group,,,,,,,,,,
select_one sat,home,Logement,Housing,,,,soc,1,,
select_multiple help,help,Aides,Help,,,,soc,1,,max
select_one school,school,École,School,yes,,,soc,1,,
date,seen,Vu le,Seen on,,,,,,,
text,note,Remarque,Remark,,,,,,,
";

const CHOICES: &str = "\
list_name,name,label,label::English (en),value,score,weight
yn,yes,Oui,Yes,,1,
yn,no,Non,No,,0,
sat,bad,Mauvais,Bad,1,,
sat,fair,Moyen,Fair,2,,
sat,good,Bon,Good,3,,
school,all,Tous,All,,1,
school,none,Aucun,None,,0,
school,na,Sans objet,Not applicable,,na,
help,cash,Argent,Cash,,0.5,
help,food,Vivres,Food,,0.25,
help,dontknow,Ne sait pas,Does not know,,none,
scoring_dimensions,eco,Économique,Economic,,,2
scoring_dimensions,soc,Sociale,Social,,,1
scoring_bands,low,Faible,Low,0,,
scoring_bands,high,Élevé,High,0.5,,
";

const SETTINGS: &str = "\
form_id,version,form_title,form_title::English (en),provisional_weights
demo,1,Démonstration,Demonstration,yes
";

fn parse_csv(survey: &str, choices: &str, settings: &str) -> Result<Definition, Vec<XlsFormError>> {
    xlsform::parse(&rows(survey), &rows(choices), &rows(settings))
}

fn demo() -> Definition {
    parse_csv(SURVEY, CHOICES, SETTINGS).unwrap()
}

fn answers(pairs: &[(&str, &str)]) -> Answers {
    Answers::from_pairs(pairs.iter().copied())
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn the_demo_workbook_reads_as_expected() {
    let d = demo();
    assert_eq!((d.code.as_str(), d.version.as_str()), ("demo", "1"));
    assert_eq!(d.title, Text::new("Démonstration", "Demonstration"));
    assert_eq!(d.sections.len(), 1);
    assert_eq!(d.section_items(Some("work")).count(), 3);
    assert_eq!(d.items.len(), 8);
    assert!(d.scoring.provisional_weights);
    // Scores derived from values 1..3: 0, 0.5, 1.
    let sat = d.choice_list("sat").unwrap();
    assert_eq!(sat.options.iter().map(|o| o.score).collect::<Vec<_>>(), [0.0, 0.5, 1.0].map(OptionScore::Score));
    // The scoring lists are not offered as choice lists.
    assert!(d.choice_list(xlsform::DIMENSIONS_LIST).is_none());
    assert_eq!(d.scoring.dimensions.iter().map(|x| x.weight).collect::<Vec<_>>(), [2.0, 1.0]);
    assert_eq!(d.item("help").unwrap().scoring.as_ref().unwrap().combine, Combine::Max);
    assert_eq!(d.item("income").unwrap().scoring.as_ref().unwrap().range, Some(NumberRange { from: 0.0, to: 100.0 }));
}

#[test]
fn scores_match_a_hand_computed_example() {
    let d = demo();
    // eco: job yes (1, weight 2), income 25 → 0.25, sat fair → 0.5: (2 + 0.25 + 0.5) / 4 = 0.6875
    // soc: home bad → 0, help cash+food → max 0.5, school na → out: (0 + 0.5) / 2 = 0.25
    // composite: (2 × 0.6875 + 1 × 0.25) / 3 = 0.541666…
    let a = answers(&[
        ("job", "yes"),
        ("income", "25"),
        ("sat", "fair"),
        ("home", "bad"),
        ("help", "cash food"),
        ("school", "na"),
    ]);
    let s = score(&d, &a);
    assert!(close(s.dimension("eco"), 0.6875), "{s:?}");
    assert!(close(s.dimension("soc"), 0.25), "{s:?}");
    assert!(close(s.composite, (2.0 * 0.6875 + 0.25) / 3.0), "{s:?}");
    assert_eq!(s.dimensions[0].band.as_deref(), Some("high"));
    assert_eq!(s.dimensions[1].band.as_deref(), Some("low"));
    assert_eq!(s.composite_band.as_deref(), Some("high"));
    assert_eq!(s.dimensions[1].items_scored, 2);
    assert!(!s.items.contains_key("school"));
}

#[test]
fn not_applicable_and_not_relevant_answers_leave_the_denominator() {
    let d = demo();
    // job = no makes income irrelevant: its stale answer does not count.
    let s = score(&d, &answers(&[("job", "no"), ("income", "100"), ("sat", "good")]));
    assert!(close(s.dimension("eco"), 1.0 / 3.0), "(2×0 + 1×1) / 3: {s:?}");
    assert!(!s.items.contains_key("income"));
    // Only N/A and "does not know" in the social dimension: nothing to score.
    let s = score(&d, &answers(&[("school", "na"), ("help", "dontknow"), ("sat", "good"), ("job", "yes")]));
    assert_eq!(s.dimension("soc"), None);
    assert_eq!(s.dimensions[1].band, None);
    assert!(close(s.composite, 1.0), "the composite renormalises over the dimensions scored: {s:?}");
    // Nothing at all.
    let s = score(&d, &Answers::new());
    assert_eq!((s.composite, s.dimension("eco"), s.composite_band), (None, None, None));
}

#[test]
fn numbers_are_clamped_and_ranges_can_be_reversed() {
    let mut d = demo();
    let s = score(&d, &answers(&[("job", "yes"), ("income", "250")]));
    assert!(close(s.items.get("income").copied(), 1.0));
    d.items.iter_mut().find(|i| i.name == "income").unwrap().scoring.as_mut().unwrap().range =
        Some(NumberRange { from: 100.0, to: 0.0 });
    let s = score(&d, &answers(&[("job", "yes"), ("income", "25")]));
    assert!(close(s.items.get("income").copied(), 0.75));
}

#[test]
fn composite_from_item_weights_when_items_carry_them() {
    let survey = SURVEY
        .replace("eco,2,,", "eco,2,3,")
        .replace("eco,1,,0..100", "eco,1,0,0..100")
        .replace("eco,1,,\n", "eco,1,1,\n")
        .replace("soc,1,,\n", "soc,1,1,\n")
        .replace("soc,1,,max", "soc,1,1,max");
    let d = parse_csv(&survey, CHOICES, SETTINGS).unwrap();
    let s = score(&d, &answers(&[("job", "yes"), ("sat", "bad"), ("home", "good")]));
    // Items: job 1 (cw 3), sat 0 (cw 1), home 1 (cw 1): 4 / 5.
    assert!(close(s.composite, 0.8), "{s:?}");
    // Mixed: one scored item without composite weight.
    let mixed = survey.replace("soc,1,1,max", "soc,1,,max");
    let errors = parse_csv(&mixed, CHOICES, SETTINGS).unwrap_err();
    assert!(errors.iter().any(|e| e.kind == K::MixedCompositeWeights), "{errors:?}");
}

#[test]
fn changing_weights_is_a_new_version_and_old_scores_stay_reproducible() {
    let v1 = demo();
    let v2 =
        parse_csv(SURVEY, &CHOICES.replace("Economic,,,2", "Economic,,,1"), &SETTINGS.replace("demo,1,", "demo,2,"))
            .unwrap();
    assert_eq!((v1.code.as_str(), v2.version.as_str()), ("demo", "2"));
    assert_ne!(v1, v2);
    let a = answers(&[("job", "yes"), ("sat", "good"), ("home", "bad")]);
    let (s1, s2) = (score(&v1, &a), score(&v2, &a));
    assert!(close(s1.composite, 2.0 / 3.0) && close(s2.composite, 0.5), "{s1:?} {s2:?}");
    // A definition stored as JSON scores the same once read back.
    let stored: Definition = serde_json::from_str(&serde_json::to_string(&v1).unwrap()).unwrap();
    assert_eq!(stored, v1);
    assert_eq!(score(&stored, &a), s1);
}

#[test]
fn validation_checks_types_choices_required_and_constraints() {
    let d = demo();
    let errors =
        validate_answers(&d, &answers(&[("job", "maybe"), ("sat", "good"), ("home", "x"), ("seen", "31/02/2024")]))
            .unwrap_err();
    assert_eq!(errors.for_field("job"), Some("error-choose-from-list"));
    assert_eq!(errors.for_field("home"), Some("error-choose-from-list"));
    assert_eq!(errors.for_field("school"), Some("error-required"));
    assert_eq!(errors.for_field("seen"), Some("error-invalid-date"));
    assert_eq!(errors.for_field("income"), None, "not relevant since job is not yes");

    let errors =
        validate_answers(&d, &answers(&[("job", "yes"), ("income", "-5"), ("sat", "good"), ("school", "all")]))
            .unwrap_err();
    assert_eq!(errors.0, vec![AnswerError { item: "income".into(), message: "questionnaire-error-constraint" }]);
    let errors =
        validate_answers(&d, &answers(&[("job", "yes"), ("income", "1,5"), ("sat", "good"), ("school", "all")]))
            .unwrap_err();
    assert_eq!(errors.for_field("income"), Some("questionnaire-error-integer"));
    let errors =
        validate_answers(&d, &answers(&[("job", "yes"), ("sat", "good"), ("school", "all"), ("help", "cash gold")]))
            .unwrap_err();
    assert_eq!(errors.for_field("help"), Some("error-choose-from-list"));
}

#[test]
fn validation_keeps_canonical_answers_of_relevant_items_only() {
    let d = demo();
    let clean = validate_answers(
        &d,
        &answers(&[
            ("job", "no"),
            ("income", "40"),
            ("sat", "good"),
            ("school", "na"),
            ("help", "food"),
            ("help", "cash"),
            ("seen", "18/03/2024"),
            ("note", "  deux   espaces "),
            ("unknown", "x"),
        ]),
    )
    .unwrap();
    let kept = &clean.answers().0;
    assert_eq!(kept.get("income"), None, "not relevant: dropped");
    assert_eq!(kept.get("unknown"), None);
    assert_eq!(kept.get("help").map(String::as_str), Some("cash food"), "in list order");
    assert_eq!(kept.get("seen").map(String::as_str), Some("2024-03-18"));
    assert_eq!(kept.get("note").map(String::as_str), Some("deux espaces"));
    // What is stored validates again to itself.
    assert_eq!(validate_answers(&d, clean.answers()).unwrap(), clean);
}

#[test]
fn workbook_round_trips_through_tables() {
    for d in [demo(), shipped::rss(), shipped::satisfaction()] {
        let t = xlsform::to_tables(&d);
        let back = xlsform::parse(&t.survey, &t.choices, &t.settings).unwrap_or_else(|e| panic!("{}: {e:?}", d.code));
        assert_eq!(back, d);
    }
}

fn errors_of(survey: &str, choices: &str, settings: &str) -> Vec<XlsFormError> {
    parse_csv(survey, choices, settings).unwrap_err()
}

fn has(errors: &[XlsFormError], sheet: XlsSheet, row: Option<usize>, column: Option<&str>, kind: K) -> bool {
    errors.iter().any(|e| e.sheet == sheet && e.row == row && e.column.as_deref() == column && e.kind == kind)
}

#[test]
fn broken_workbooks_are_refused_with_the_place_of_each_problem() {
    let e = errors_of("", CHOICES, SETTINGS);
    assert!(has(&e, XlsSheet::Survey, None, None, K::MissingSheet), "{e:?}");
    let e = errors_of("type,label\ntext,x\n", CHOICES, SETTINGS);
    assert!(has(&e, XlsSheet::Survey, None, Some("name"), K::MissingColumn), "{e:?}");

    // Row 3 of the survey sheet is the item `job` (header = row 1, begin_group = row 2).
    let e = errors_of(&SURVEY.replace("select_one yn", "select_one yesno"), CHOICES, SETTINGS);
    assert!(has(&e, XlsSheet::Survey, Some(3), Some("type"), K::UnknownChoiceList("yesno".into())), "{e:?}");
    let e = errors_of(&SURVEY.replace("select_one sat,home", "select_one sat,sat"), CHOICES, SETTINGS);
    assert!(has(&e, XlsSheet::Survey, Some(7), Some("name"), K::DuplicateName("sat".into())), "{e:?}");
    let e = errors_of(&SURVEY.replace("${job} = 'yes'", "${jobs} = 'yes'"), CHOICES, SETTINGS);
    assert!(has(&e, XlsSheet::Survey, Some(4), Some("relevant"), K::UnknownReference("jobs".into())), "{e:?}");
    let e = errors_of(&SURVEY.replace("${job} = 'yes'", "${sat} = 'good'"), CHOICES, SETTINGS);
    assert!(has(&e, XlsSheet::Survey, Some(4), Some("relevant"), K::ForwardReference("sat".into())), "{e:?}");
    let e = errors_of(&SURVEY.replace("${job} = 'yes'", "${job} = 'yes' and"), CHOICES, SETTINGS);
    assert!(e.iter().any(|e| matches!(e.kind, K::BadExpression(_)) && e.row == Some(4)), "{e:?}");
    let e = errors_of(&SURVEY.replace("eco,2,,", "eco,deux,,"), CHOICES, SETTINGS);
    assert!(has(&e, XlsSheet::Survey, Some(3), Some("weight"), K::BadWeight("deux".into())), "{e:?}");
    let e = errors_of(&SURVEY.replace("eco,2,,", "ecu,2,,"), CHOICES, SETTINGS);
    assert!(has(&e, XlsSheet::Survey, Some(3), Some("dimension"), K::UnknownDimension("ecu".into())), "{e:?}");
    let e = errors_of(&SURVEY.replace("end_group,,", "note,,"), CHOICES, SETTINGS);
    assert!(has(&e, XlsSheet::Survey, Some(6), Some("name"), K::MissingValue), "{e:?}");
    assert!(has(&e, XlsSheet::Survey, Some(2), Some("type"), K::UnclosedGroup), "{e:?}");
    let e = errors_of(&SURVEY.replace("eco,1,,0..100", "eco,1,,"), CHOICES, SETTINGS);
    assert!(has(&e, XlsSheet::Survey, Some(4), Some("score"), K::MissingRange), "{e:?}");
    let e = errors_of(
        &SURVEY.replace("date,seen,Vu le,Seen on,,,,,", "date,seen,Vu le,Seen on,,,,soc,"),
        CHOICES,
        SETTINGS,
    );
    assert!(has(&e, XlsSheet::Survey, Some(10), Some("dimension"), K::NotScorable), "{e:?}");

    let e = errors_of(SURVEY, &CHOICES.replace("help,food,Vivres,Food,,0.25", "help,food,Vivres,Food,,1.5"), SETTINGS);
    assert!(has(&e, XlsSheet::Choices, Some(11), Some("score"), K::BadScore("1.5".into())), "{e:?}");
    let e = errors_of(
        SURVEY,
        &CHOICES.replace("scoring_bands,high,Élevé,High,0.5", "scoring_bands,high,Élevé,High,0"),
        SETTINGS,
    );
    assert!(e.iter().any(|e| e.kind == K::BadBands), "{e:?}");
    let e = errors_of(SURVEY, CHOICES, "form_id,title\ndemo,x\n");
    assert!(has(&e, XlsSheet::Settings, None, Some("version"), K::MissingColumn), "{e:?}");
}

#[test]
fn import_errors_read_well_in_both_languages() {
    let e = errors_of(&SURVEY.replace("select_one yn", "select_one yesno"), CHOICES, SETTINGS);
    let error = e.iter().find(|e| e.kind == K::UnknownChoiceList("yesno".into())).unwrap();
    assert_eq!(
        error.message(Locale::Fr),
        "Feuille « survey », ligne 3, colonne « type » : la liste « yesno » n'existe pas dans la feuille « choices » : \
         ajoutez ses options ou corrigez le nom."
    );
    assert_eq!(
        error.message(Locale::En),
        "Sheet 'survey', row 3, column 'type': the list 'yesno' does not exist in the 'choices' sheet: add its options \
         or correct the name."
    );
}

#[test]
fn the_shipped_rss_has_three_dimensions_with_equal_weights_awaiting_the_official_ones() {
    let rss = shipped::rss();
    assert_eq!(rss.code, shipped::RSS);
    let codes: Vec<&str> = rss.scoring.dimensions.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["economic", "social", "psychosocial"]);
    assert!(rss.scoring.dimensions.iter().all(|d| d.weight == 1.0));
    assert!(rss.scoring.provisional_weights);
    assert!(rss.scoring.weights_note.fr.contains("annexe 4") && rss.scoring.weights_note.en.contains("Annex 4"));
    let scored: Vec<&ItemScoring> = rss.items.iter().filter_map(|i| i.scoring.as_ref()).collect();
    assert!(scored.iter().all(|s| s.weight == 1.0 && s.composite_weight.is_none()));
    let per = |dim: &str| scored.iter().filter(|s| s.dimension == dim).count();
    assert_eq!((per("economic"), per("social"), per("psychosocial")), (8, 7, 9));
    assert!(rss.items.len() >= 30, "{}", rss.items.len());
    assert!(rss.items.iter().all(|i| !i.label.fr.is_empty() && !i.label.en.is_empty()));
    // Themes that may not apply offer "not applicable".
    let schooling = rss.options_of(rss.item("children_schooling").unwrap());
    assert!(schooling.iter().any(|o| o.score == OptionScore::NotApplicable));
}

#[test]
fn the_shipped_rss_scores_a_hand_computed_interview() {
    let rss = shipped::rss();
    let a = answers(&[
        ("interview_date", "2024-06-03"),
        ("household_size", "6"),
        // Economic: .75 + .67 + 1 + 0 + .5 + 2/3 + 1 + 0 = 4.58666… / 8
        ("economic_satisfaction", "satisfied"),
        ("food_reduction", "rarely"),
        ("debt_level", "no_debt"),
        ("can_borrow", "no"),
        ("employment", "occasional"),
        ("occupation", "Maraîchage"),
        ("income_sources", "2"),
        ("productive_assets", "yes"),
        ("job_search", "yes"),
        // Social: .5 + N/A + N/A + .5 + .75 + .25 + 0 = 2 / 5
        ("housing", "average"),
        ("children_schooling", "no_children"),
        ("justice_access", "not_needed"),
        ("identity_documents", "some"),
        ("missing_documents", "passport"),
        ("water_access", "good"),
        ("health_access", "poor"),
        ("social_protection", "none"),
        // Psychosocial: .67 + .5 + .75 + 1 + 1 + 0 + .33 + 0 + .5 = 4.75 / 9
        ("community_participation", "sometimes"),
        ("support_network", "few"),
        ("belonging", "agree"),
        ("physical_safety", "strongly_agree"),
        ("discrimination", "never"),
        ("family_tensions", "often"),
        ("distress", "sometimes"),
        ("distress_signs", "sleep worry"),
        ("wish_support", "yes"),
        ("stay_or_leave", "unsure"),
    ]);
    let clean = validate_answers(&rss, &a).unwrap();
    assert_eq!(clean.answers().get("distress_signs"), Some("worry sleep"));
    let s = score(&rss, clean.answers());
    let (economic, social, psychosocial) = ((0.75 + 0.67 + 1.0 + 0.5 + 2.0 / 3.0 + 1.0) / 8.0, 2.0 / 5.0, 4.75 / 9.0);
    assert!(close(s.dimension("economic"), economic), "{s:?}");
    assert!(close(s.dimension("social"), social), "{s:?}");
    assert!(close(s.dimension("psychosocial"), psychosocial), "{s:?}");
    assert!(close(s.composite, (economic + social + psychosocial) / 3.0), "{s:?}");
    assert_eq!(s.composite_band.as_deref(), Some("medium"));
}

#[test]
fn the_shipped_satisfaction_survey_counts_only_what_applies() {
    let d = shipped::satisfaction();
    assert_eq!(d.code, shipped::SATISFACTION);
    assert!(d.scoring.provisional_weights);
    let five_point: Vec<&Item> = d.items.iter().filter(|i| i.name.starts_with("sat_")).collect();
    assert_eq!(five_point.len(), 10);
    for item in &five_point {
        let scores: Vec<OptionScore> = d.options_of(item).iter().map(|o| o.score).collect();
        assert_eq!(
            scores,
            [0.0, 0.25, 0.5, 0.75, 1.0]
                .map(OptionScore::Score)
                .into_iter()
                .chain([OptionScore::NotApplicable])
                .collect::<Vec<_>>()
        );
    }
    let mut a = answers(&[("interview_date", "2024-06-03"), ("recommend", "yes")]);
    for item in &five_point {
        a.set(item.name.clone(), "not_applicable");
    }
    a.set("sat_overall", "satisfied").set("sat_respect", "very_dissatisfied");
    validate_answers(&d, &a).unwrap();
    // (1 + 0.75 + 0) / 3
    assert!(close(score(&d, &a).composite, 1.75 / 3.0));
}

/// Random answers to the RSS: for each item, maybe one of its options (or a number).
fn rss_answers() -> impl Strategy<Value = Answers> {
    let rss = shipped::rss();
    let choices: Vec<(String, Vec<String>, bool)> = rss
        .items
        .iter()
        .map(|i| {
            (
                i.name.clone(),
                rss.options_of(i).iter().map(|o| o.name.clone()).collect(),
                matches!(i.kind, ItemKind::Integer),
            )
        })
        .collect();
    proptest::collection::vec(proptest::option::of(0usize..100), choices.len()).prop_map(move |picks| {
        let mut answers = Answers::new();
        for ((name, options, integer), pick) in choices.iter().zip(picks) {
            match (pick, options.is_empty(), integer) {
                (Some(p), false, _) => {
                    answers.set(name.clone(), options[p % options.len()].clone());
                }
                (Some(p), true, true) => {
                    answers.set(name.clone(), (p % 6).to_string());
                }
                _ => {}
            }
        }
        answers
    })
}

fn all_scores(s: &Scores) -> Vec<Option<f64>> {
    s.dimensions.iter().map(|d| d.score).chain([s.composite]).collect()
}

proptest! {
    #[test]
    fn scores_stay_within_zero_and_one(a in rss_answers()) {
        let s = score(&shipped::rss(), &a);
        for value in all_scores(&s).into_iter().flatten().chain(s.items.values().copied()) {
            prop_assert!((0.0..=1.0).contains(&value));
        }
    }

    #[test]
    fn not_applicable_is_the_same_as_no_answer_and_a_real_answer_moves_the_mean_towards_it(
        a in rss_answers(),
        which in 0usize..100,
    ) {
        let rss = shipped::rss();
        let with_na: Vec<(&Item, &ChoiceOption)> = rss
            .items
            .iter()
            .filter(|i| i.scoring.is_some())
            .flat_map(|i| rss.options_of(i).iter().filter(|o| o.score == OptionScore::NotApplicable).map(move |o| (i, o)))
            .collect();
        let (item, na) = with_na[which % with_na.len()];
        let mut unanswered = a.clone();
        unanswered.0.remove(&item.name);
        let mut not_applicable = a.clone();
        not_applicable.set(item.name.clone(), na.name.clone());
        let base = score(&rss, &unanswered);
        prop_assert_eq!(&score(&rss, &not_applicable), &base);
        // Any real answer: the dimension's score lands between the score without it and its value.
        let dimension = &item.scoring.as_ref().unwrap().dimension;
        for option in rss.options_of(item) {
            let OptionScore::Score(value) = option.score else { continue };
            let mut answered = a.clone();
            answered.set(item.name.clone(), option.name.clone());
            let after = score(&rss, &answered).dimension(dimension).unwrap();
            let before = base.dimension(dimension).unwrap_or(value);
            prop_assert!(after >= before.min(value) - 1e-9 && after <= before.max(value) + 1e-9);
        }
    }

    #[test]
    fn scaling_every_weight_changes_no_score(a in rss_answers(), factor in 0.01f64..100.0) {
        let rss = shipped::rss();
        let mut scaled = rss.clone();
        for item in &mut scaled.items {
            if let Some(s) = &mut item.scoring {
                s.weight *= factor;
            }
        }
        for d in &mut scaled.scoring.dimensions {
            d.weight *= factor;
        }
        let (s1, s2) = (score(&rss, &a), score(&scaled, &a));
        for (x, y) in all_scores(&s1).into_iter().zip(all_scores(&s2)) {
            prop_assert_eq!(x.is_some(), y.is_some());
            prop_assert!((x.unwrap_or(0.0) - y.unwrap_or(0.0)).abs() < 1e-9);
        }
    }

    #[test]
    fn validated_answers_score_like_the_raw_ones(a in rss_answers()) {
        let rss = shipped::rss();
        if let Ok(clean) = validate_answers(&rss, &a) {
            prop_assert_eq!(score(&rss, clean.answers()), score(&rss, &a));
        }
    }
}
