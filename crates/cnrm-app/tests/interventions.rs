//! Interventions (4W), on both backends: validation (nothing written on bad input), role scoping
//! (an organisation edits only its own, observers see published information only), period
//! locking (in the service and in the store's write path), the 4W export and the demo data.

use cnrm_app::interventions::{self, InterventionQuery};
use cnrm_app::testing::{self, actor, TestDb};
use cnrm_app::{test_both_backends, AppError};
use cnrm_domain::intervention::{InterventionInput, Period, PeriodAction, PeriodStatus, ReportInput};
use cnrm_store::{InterventionFilter, StoreError};
use uuid::Uuid;

/// The quarter before the current one: ended, so it may be validated and locked.
fn last_quarter() -> Period {
    Period::containing(time::OffsetDateTime::now_utc().date()).previous()
}

fn input(implementer: Uuid) -> InterventionInput {
    let today = time::OffsetDateTime::now_utc().date();
    let mut input = InterventionInput {
        title: "Formation aux métiers du solaire".into(),
        description: "Installateurs de panneaux solaires".into(),
        dimension: "economic".into(),
        sector: "livelihoods".into(),
        category: "vocational_training".into(),
        level: "individual".into(),
        target_group: "youth".into(),
        units: vec!["ML0101".into(), "ML09".into()],
        implementers: vec![implementer.to_string()],
        funders: "Enabel".into(),
        start_on: (last_quarter().first_day() - time::Duration::days(30)).to_string(),
        end_on: (today + time::Duration::days(200)).to_string(),
        status: "ongoing".into(),
        currency: "EUR".into(),
        budget: "15000".into(),
        published: false,
        ..Default::default()
    };
    input.targeted_f_18_24 = "20".into();
    input.targeted_m_18_24 = "30".into();
    input
}

fn report(reached_men: &str) -> ReportInput {
    ReportInput {
        period: last_quarter().code(),
        reached_m_18_24: reached_men.into(),
        spent_xof: "1 500 000".into(),
        narrative: "Première promotion formée".into(),
        ..Default::default()
    }
}

async fn count(db: &TestDb) -> i64 {
    db.app.db.interventions(&InterventionFilter::default(), None).await.unwrap().total
}

async fn audit_len(db: &TestDb) -> i64 {
    db.app.db.audit_head().await.unwrap()
}

test_both_backends! {
    async fn bad_input_is_refused_field_by_field_and_nothing_is_written(db) {
        testing::load_demo(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let oim = testing::org_id(&db, "OIM").await;
        let (before, audit_before) = (count(&db).await, audit_len(&db).await);
        assert!(before >= 30, "the demo has its interventions: {before}");

        let bad = InterventionInput {
            end_on: "2020-01-01".into(),
            units: vec!["ML9999".into()],
            currency: "GBP".into(),
            ..input(oim)
        };
        let errors = match interventions::create(&db.app, &manager, &bad).await {
            Err(AppError::Invalid(errors)) => errors,
            other => panic!("{other:?}"),
        };
        assert_eq!(errors.for_field("end_on"), Some("error-intervention-ends-before-start"));
        assert_eq!(errors.for_field("units"), Some("error-intervention-unit-unknown"));
        assert_eq!(errors.for_field("currency"), Some("error-intervention-currency"));
        // A commune is below the cercle level; a dollar budget needs its rate.
        let commune = db.app.db.admin_units().await.unwrap().into_iter().find(|u| u.level == 3);
        if let Some(commune) = commune {
            let deep = InterventionInput { units: vec![commune.pcode], ..input(oim) };
            assert_eq!(testing::invalid(interventions::create(&db.app, &manager, &deep).await, "units"), "error-intervention-unit-level");
        }
        let usd = InterventionInput { currency: "USD".into(), ..input(oim) };
        assert_eq!(testing::invalid(interventions::create(&db.app, &manager, &usd).await, "rate"), "error-required");
        assert_eq!((count(&db).await, audit_len(&db).await), (before, audit_before), "nothing written");

        let created = interventions::create(&db.app, &manager, &input(oim)).await.unwrap();
        assert_eq!(created.budget_xof, 9_839_355, "15 000 € at 655.957");
        assert_eq!(created.units, vec!["ML0101".to_string(), "ML09".to_string()]);

        // More people reached than targeted needs an explanation; nothing is written without it.
        let audit_before = audit_len(&db).await;
        let over = report("60");
        assert_eq!(
            testing::invalid(interventions::save_report(&db.app, &manager, created.id, &over, None).await, "explanation"),
            "error-intervention-reached-above-target"
        );
        assert_eq!(audit_len(&db).await, audit_before);
        assert!(db.app.db.intervention_reports(&[created.id]).await.unwrap().is_empty());
        let explained = ReportInput { explanation: "Une seconde promotion a été ouverte".into(), ..over };
        let saved = interventions::save_report(&db.app, &manager, created.id, &explained, None).await.unwrap();
        assert_eq!((saved.reached.total(), saved.spent_xof), (60, 1_500_000));
        let next = ReportInput { period: "2001-Q1".into(), ..report("1") };
        assert_eq!(
            testing::invalid(interventions::save_report(&db.app, &manager, created.id, &next, None).await, "period"),
            "error-period-outside"
        );
    }

    async fn organisations_edit_only_their_own_and_observers_see_published_information(db) {
        testing::load_demo(&db).await;
        let (manager, focal) = (actor(&db, "oim.gestion").await, actor(&db, "anpe.focal").await);
        let (observer, secretariat) = (actor(&db, "ue.observateur").await, actor(&db, "secretariat").await);
        let worker = actor(&db, "oim.agent").await;
        let oim = testing::org_id(&db, "OIM").await;
        let created = interventions::create(&db.app, &manager, &input(oim)).await.unwrap();

        // Observers create nothing; an unpublished intervention is the organisation's and the secretariat's.
        assert!(matches!(interventions::create(&db.app, &observer, &input(oim)).await, Err(AppError::Forbidden)));
        assert!(matches!(interventions::create(&db.app, &worker, &input(oim)).await, Err(AppError::Forbidden)));
        assert!(matches!(interventions::get(&db.app, &observer, created.id).await, Err(AppError::NotFound)));
        assert!(matches!(interventions::get(&db.app, &focal, created.id).await, Err(AppError::NotFound)));
        assert!(interventions::get(&db.app, &worker, created.id).await.is_ok(), "its organisation reads it");
        assert!(interventions::get(&db.app, &secretariat, created.id).await.unwrap().may_change);
        let everyone = InterventionQuery { per_page: Some(200), ..Default::default() };
        let seen = interventions::list(&db.app, &observer, &everyone).await.unwrap();
        assert!(seen.items.iter().all(|s| s.intervention.published), "observers list published ones only");
        let all = interventions::list(&db.app, &secretariat, &everyone).await.unwrap();
        assert!(all.total > seen.total, "the secretariat sees the unpublished ones too");

        // Publish it; another NGO reads it but cannot edit it or report on it.
        let published = InterventionInput { published: true, ..input(oim) };
        let updated = interventions::update(&db.app, &manager, created.id, created.version, &published).await.unwrap();
        let view = interventions::get(&db.app, &focal, created.id).await.unwrap();
        assert!(!view.may_change);
        assert!(matches!(
            interventions::update(&db.app, &focal, created.id, updated.version, &published).await,
            Err(AppError::Forbidden)
        ));
        assert!(matches!(
            interventions::save_report(&db.app, &focal, created.id, &report("10"), None).await,
            Err(AppError::Forbidden)
        ));
        // A stale version is refused.
        assert!(matches!(
            interventions::update(&db.app, &manager, created.id, created.version, &published).await,
            Err(AppError::Stale)
        ));

        // Reports reach observers once the secretariat validated their quarter.
        interventions::save_report(&db.app, &manager, created.id, &report("10"), None).await.unwrap();
        assert!(interventions::get(&db.app, &observer, created.id).await.unwrap().reports.is_empty());
        assert_eq!(interventions::get(&db.app, &worker, created.id).await.unwrap().reached.total(), 10);
        assert!(matches!(
            interventions::act_on_period(&db.app, &manager, &last_quarter().code(), PeriodAction::Validate).await,
            Err(AppError::Forbidden)
        ));
        interventions::act_on_period(&db.app, &secretariat, &last_quarter().code(), PeriodAction::Validate).await.unwrap();
        let view = interventions::get(&db.app, &observer, created.id).await.unwrap();
        assert_eq!((view.reports.len(), view.reached.total()), (1, 10));
        assert_eq!(view.reports[0].period_status, PeriodStatus::Validated);

        // Filters: by organisation, region (its cercles included), category and quarter.
        let query = InterventionQuery {
            organisation: oim.to_string(),
            unit: "ML01".into(),
            category: "vocational_training".into(),
            period: last_quarter().code(),
            per_page: Some(200),
            ..Default::default()
        };
        let found = interventions::list(&db.app, &focal, &query).await.unwrap();
        assert!(found.items.iter().any(|s| s.intervention.id == created.id));
        assert!(found.items.iter().all(|s| s.intervention.category.code() == "vocational_training"));
        let elsewhere = InterventionQuery { unit: "ML07".into(), ..query };
        let found = interventions::list(&db.app, &focal, &elsewhere).await.unwrap();
        assert!(found.items.iter().all(|s| s.intervention.id != created.id));
    }

    async fn a_locked_period_refuses_report_edits_in_the_service_and_in_the_store(db) {
        testing::load_demo(&db).await;
        let (manager, secretariat) = (actor(&db, "oim.gestion").await, actor(&db, "secretariat").await);
        let oim = testing::org_id(&db, "OIM").await;
        let created = interventions::create(&db.app, &manager, &input(oim)).await.unwrap();
        let first = interventions::save_report(&db.app, &manager, created.id, &report("10"), None).await.unwrap();
        let quarter = last_quarter().code();

        // Locking needs a validated quarter, and the current quarter has not ended.
        assert!(matches!(
            interventions::act_on_period(&db.app, &secretariat, &quarter, PeriodAction::Lock).await,
            Err(AppError::Refused("error-period-lock-unvalidated"))
        ));
        let current = Period::containing(time::OffsetDateTime::now_utc().date()).code();
        assert!(matches!(
            interventions::act_on_period(&db.app, &secretariat, &current, PeriodAction::Validate).await,
            Err(AppError::Refused("error-period-not-ended"))
        ));
        interventions::act_on_period(&db.app, &secretariat, &quarter, PeriodAction::Validate).await.unwrap();
        // Validated reports may still be corrected.
        let second = interventions::save_report(&db.app, &manager, created.id, &report("12"), Some(first.version)).await.unwrap();
        let locked = interventions::act_on_period(&db.app, &secretariat, &quarter, PeriodAction::Lock).await.unwrap();
        assert_eq!(locked.status, PeriodStatus::Locked);
        let actions = db.app.db.audit_entries(&Default::default(), &cnrm_domain::paging::PageRequest {
            page: 1, per_page: 5, sort: "at", descending: true, search: None,
        }).await.unwrap();
        assert!(actions.items.iter().any(|e| e.action == "period.lock" && e.entity_id.as_deref() == Some(quarter.as_str())));

        // The service refuses; the secretariat too.
        let audit_before = audit_len(&db).await;
        for who in [&manager, &secretariat] {
            assert!(matches!(
                interventions::save_report(&db.app, who, created.id, &report("15"), None).await,
                Err(AppError::Refused("error-period-locked"))
            ));
        }
        // The store refuses too, were the service's check skipped (and whatever the version).
        let (_, now) = cnrm_store::new_id_and_time();
        let bypass = cnrm_store::InterventionReport { spent_xof: 1, version: second.version + 1, updated_at: now, ..second.clone() };
        let event = manager.event("intervention.report.update", "intervention", None, serde_json::json!({}));
        match db.app.db.save_intervention_report(&bypass, Some(second.version), &event).await {
            Err(StoreError::Conflict(c)) => assert_eq!(c, "period_locked"),
            other => panic!("{other:?}"),
        }
        assert_eq!(audit_len(&db).await, audit_before, "nothing written");
        let stored = db.app.db.intervention_reports(&[created.id]).await.unwrap();
        assert_eq!((stored.len(), stored[0].reached.total(), stored[0].spent_xof), (1, 12, 1_500_000));

        // Unlocked, the quarter takes edits again.
        interventions::act_on_period(&db.app, &secretariat, &quarter, PeriodAction::Unlock).await.unwrap();
        let third = interventions::save_report(&db.app, &manager, created.id, &report("15"), None).await.unwrap();
        assert_eq!(third.reached.total(), 15);
        let periods = interventions::periods(&db.app, &secretariat).await.unwrap();
        assert!(periods.iter().any(|p| p.period == quarter && p.status == PeriodStatus::Validated));
        assert!(matches!(interventions::periods(&db.app, &manager).await, Err(AppError::Forbidden)));
    }

    async fn the_4w_export_has_hxl_tags_and_p_codes_and_is_audited(db) {
        testing::load_demo(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let oim = testing::org_id(&db, "OIM").await;
        let created = interventions::create(&db.app, &manager, &input(oim)).await.unwrap();
        interventions::save_report(&db.app, &manager, created.id, &report("10"), None).await.unwrap();
        let table = interventions::export(&db.app, &manager, &InterventionQuery::default()).await.unwrap();
        let hxl: Vec<&str> = table.columns.iter().map(|c| c.hxl.as_str()).collect();
        assert_eq!(&hxl[..18], &[
            "#activity+code", "#activity+name", "#org+name", "#org+acronym", "#org+impl", "#org+funder",
            "#sector+dimension", "#sector", "#activity+type", "#activity+level", "#population+type",
            "#adm1+name", "#adm1+code", "#adm2+name", "#adm2+code", "#date+start", "#date+end", "#status",
        ]);
        assert_eq!(hxl[18], "#targeted");
        assert_eq!(hxl[19], "#targeted+f+age0_17");
        assert_eq!(hxl[26], "#targeted+m+age60plus");
        assert_eq!(hxl[27], "#reached");
        assert_eq!(&hxl[36..], &["#currency", "#value+budget", "#value+rate+xof", "#value+budget+xof", "#value+spent+xof"]);
        // One row per admin unit: Kayes's cercle under its region, and Bamako as a region.
        let mine: Vec<_> = table.rows.iter().filter(|r| r[0] == interventions::ExportValue::Text(created.id.to_string())).collect();
        assert_eq!(mine.len(), 2);
        let text = |v: &interventions::ExportValue| match v {
            interventions::ExportValue::Text(t) => t.clone(),
            interventions::ExportValue::Number(n) => n.to_string(),
        };
        let codes: Vec<(String, String)> = mine.iter().map(|r| (text(&r[12]), text(&r[14]))).collect();
        assert_eq!(codes, vec![("ML01".to_string(), "ML0101".to_string()), ("ML09".to_string(), String::new())]);
        assert_eq!(text(&mine[0][4]), "Organisation internationale pour les migrations");
        assert_eq!((text(&mine[0][18]), text(&mine[0][27]), text(&mine[0][37])), ("50".into(), "10".into(), "15000.00".into()));
        assert_eq!(text(&mine[0][38]), "655.957");
        let actions = db.app.db.audit_entries(&Default::default(), &cnrm_domain::paging::PageRequest {
            page: 1, per_page: 3, sort: "at", descending: true, search: None,
        }).await.unwrap();
        assert_eq!(actions.items[0].action, "export.4w");

        // Observers export published interventions only, and no figures of unvalidated quarters.
        let observer = actor(&db, "ue.observateur").await;
        let theirs = interventions::export(&db.app, &observer, &InterventionQuery::default()).await.unwrap();
        assert!(theirs.rows.iter().all(|r| r[0] != interventions::ExportValue::Text(created.id.to_string())));
        assert!(!theirs.rows.is_empty(), "the demo's published interventions");
    }
}
