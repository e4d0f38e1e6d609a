//! The periodic CNRM report, on both backends: the dashboard's figures for the period and filters,
//! the 4W summary, the scope of an organisation's reader, who may have it, bad quarters, the audit.

use cnrm_app::indicators;
use cnrm_app::interventions::{self, ExportValue, InterventionQuery};
use cnrm_app::report;
use cnrm_app::testing::{self, actor, org_id, TestDb};
use cnrm_app::{test_both_backends, AppError};
use cnrm_domain::indicators::{IndicatorCode, IndicatorQuery};
use cnrm_domain::report::{ReportFormat, ReportParams};
use std::collections::HashMap;

const PROGRAMME: &str = "PILOTE-RAPPORT";

/// Three returnees of the programme: two arrived in the third quarter of 2025 (a woman in Bafoulabé
/// registered by OIM, a man in Banamba by ANPE), one in the fourth (OIM, Diéma).
async fn fixture(db: &TestDb) {
    testing::load_demo(db).await;
    let oim = actor(db, "oim.agent").await;
    let anpe = testing::add_account(db, "anpe.agent", cnrm_domain::Role::CaseWorker, "ANPE", None).await;
    for (by, family, given, sex, arrived, place) in [
        (&oim, "Diarra", "Aïssata", "female", "2025-07-10", "ML0101"),
        (&anpe, "Traoré", "Seydou", "male", "2025-09-30", "ML0201"),
        (&oim, "Keïta", "Mamadou", "male", "2025-10-01", "ML0102"),
    ] {
        let mut input = testing::registration(family, given, sex, "1995-01-01", arrived);
        input.person.intended_settlement = place.into();
        input.ret.programme = PROGRAMME.into();
        testing::register(db, by, &input).await;
    }
}

fn query() -> IndicatorQuery {
    IndicatorQuery { programme: PROGRAMME.into(), ..Default::default() }
}

fn params(quarter: &str) -> ReportParams {
    ReportParams { quarter: quarter.into(), format: String::new() }
}

fn registered(report: &report::PeriodicReport) -> Option<f64> {
    let r = report.dashboard.reports.iter().find(|r| r.indicator.code == IndicatorCode::ReturneesRegistered).unwrap();
    r.result.total.value
}

test_both_backends! {
    async fn a_quarter_report_has_the_dashboard_figures_of_the_quarter(db) {
        fixture(&db).await;
        let me = actor(&db, "secretariat").await;
        let q3 = report::report(&db.app, &me, &params("2025-Q3"), &query(), ReportFormat::Pdf).await.unwrap();
        assert_eq!((q3.query.from.as_str(), q3.query.to.as_str()), ("2025-07-01", "2025-09-30"));
        assert_eq!(q3.quarter.as_deref(), Some("2025-Q3"));
        assert_eq!(q3.format, ReportFormat::Pdf);
        assert_eq!(registered(&q3), Some(2.0), "the two arrivals of the quarter, not the one of October");
        let by_region = q3.dashboard.reports.iter().find(|r| r.result.breakdown == Some(cnrm_domain::indicators::Breakdown::Region)).unwrap();
        let regions: Vec<(String, Option<f64>)> = by_region.result.rows.iter().map(|r| (r.key.clone(), r.figure.value)).collect();
        assert_eq!(regions, [("ML01".to_string(), Some(1.0)), ("ML02".to_string(), Some(1.0))]);
        // The same figures as the dashboard for the same dates: nothing recomputed.
        let dates = IndicatorQuery { from: "2025-07-01".into(), to: "2025-09-30".into(), ..query() };
        let dashboard = indicators::dashboard(&db.app, &me, &dates).await.unwrap();
        for (a, b) in dashboard.reports.iter().zip(&q3.dashboard.reports) {
            assert_eq!(a.result, b.result, "{:?}", a.indicator.code);
        }
        // Any period, and a format asked for.
        let year = report::report(
            &db.app,
            &me,
            &ReportParams { quarter: String::new(), format: "xlsx".into() },
            &IndicatorQuery { from: "2025-01-01".into(), to: "2025-12-31".into(), ..query() },
            ReportFormat::Pdf,
        )
        .await
        .unwrap();
        assert_eq!((registered(&year), year.format, year.quarter.clone()), (Some(3.0), ReportFormat::Xlsx, None));
        // Generating a report is audited, with its filters only.
        let entries = db.app.db.audit_entries(&Default::default(), &cnrm_domain::paging::PageRequest {
            page: 1, per_page: 3, sort: "at", descending: true, search: None,
        }).await.unwrap();
        let last = &entries.items[0];
        assert_eq!(last.action, "export.report");
        let details = last.details.to_string();
        assert!(details.contains("xlsx") && !details.contains("Diarra") && !details.contains("Aïssata"), "{details}");
    }

    async fn the_fourw_summary_adds_up_the_visible_interventions(db) {
        fixture(&db).await;
        let me = actor(&db, "secretariat").await;
        let all = report::report(&db.app, &me, &params(""), &IndicatorQuery::default(), ReportFormat::Pdf).await.unwrap();
        // Against the 4W export (another path): one row per intervention and unit there.
        let table = interventions::export(&db.app, &me, &InterventionQuery::default()).await.unwrap();
        let number = |v: &ExportValue| match v { ExportValue::Number(n) => *n, ExportValue::Text(t) => panic!("{t}") };
        let mut targeted: HashMap<String, i64> = HashMap::new();
        for row in &table.rows {
            let ExportValue::Text(id) = &row[0] else { panic!("an id") };
            targeted.insert(id.clone(), number(&row[18]));
        }
        assert!(!targeted.is_empty(), "the demo has interventions");
        assert_eq!(all.fourw.interventions, targeted.len() as i64);
        assert_eq!(all.fourw.targeted, targeted.values().sum::<i64>());
        assert!(all.fourw.lines.iter().map(|l| l.interventions).sum::<i64>() >= all.fourw.interventions);
        assert!(all.fourw.lines.iter().all(|l| l.reached >= 0 && l.interventions > 0));
        // A quarter long before any intervention: none.
        let old = report::report(&db.app, &me, &params("2001-Q1"), &IndicatorQuery::default(), ReportFormat::Pdf).await.unwrap();
        assert_eq!((old.fourw.interventions, old.fourw.lines.len()), (0, 0));
        // A region: only lines of that region.
        let kayes = IndicatorQuery { region: "ML01".into(), ..Default::default() };
        let regional = report::report(&db.app, &me, &params(""), &kayes, ReportFormat::Pdf).await.unwrap();
        assert!(regional.fourw.lines.iter().all(|l| l.region_pcode == "ML01"), "{:?}", regional.fourw.lines);
        assert!(regional.fourw.interventions <= all.fourw.interventions);
    }

    async fn an_organisation_reader_gets_their_own_organisation_and_others_nothing(db) {
        fixture(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let oim = org_id(&db, "OIM").await;
        let anpe = org_id(&db, "ANPE").await.to_string();
        let asked = IndicatorQuery { organisation: anpe, ..query() };
        let own = report::report(&db.app, &manager, &params("2025-Q3"), &asked, ReportFormat::Pdf).await.unwrap();
        assert_eq!(own.dashboard.scoped.filter.organisation, Some(oim));
        assert_eq!(own.dashboard.scoped.forced_organisation, Some(oim));
        assert_eq!(registered(&own), Some(1.0), "OIM's woman of July, not ANPE's man");
        let own_name = own.organisations[&oim].clone();
        assert!(own.fourw.lines.iter().all(|l| l.organisation == own_name), "{:?}", own.fourw.lines);
        // No aggregates for a case worker.
        let worker = actor(&db, "oim.agent").await;
        let refused = report::report(&db.app, &worker, &params("2025-Q3"), &query(), ReportFormat::Pdf).await;
        assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
    }

    async fn bad_quarters_and_formats_are_refused_clearly(db) {
        testing::load_demo(&db).await;
        let me = actor(&db, "secretariat").await;
        let before = db.app.db.audit_entries(&Default::default(), &cnrm_domain::paging::PageRequest {
            page: 1, per_page: 1, sort: "at", descending: true, search: None,
        }).await.unwrap().total;
        for bad in ["2025-Q5", "T3-2025", "2025"] {
            let result = report::report(&db.app, &me, &params(bad), &query(), ReportFormat::Pdf).await;
            assert_eq!(testing::invalid(result, "quarter"), "report-error-quarter", "{bad}");
        }
        let docx = ReportParams { quarter: "2025-Q1".into(), format: "docx".into() };
        let result = report::report(&db.app, &me, &docx, &query(), ReportFormat::Pdf).await;
        assert_eq!(testing::invalid(result, "format"), "report-error-format");
        // A bad filter is the dashboard's field error.
        let region = IndicatorQuery { region: "ZZ99".into(), ..query() };
        let result = report::report(&db.app, &me, &params("2025-Q1"), &region, ReportFormat::Pdf).await;
        assert_eq!(testing::invalid(result, "region"), "error-choose-from-list");
        let after = db.app.db.audit_entries(&Default::default(), &cnrm_domain::paging::PageRequest {
            page: 1, per_page: 1, sort: "at", descending: true, search: None,
        }).await.unwrap().total;
        assert_eq!(before, after, "nothing audited for a refused report");
    }
}
