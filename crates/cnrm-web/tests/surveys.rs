//! The surveys of a case in the pages and the API, on both backends: the tab, the form drawn from
//! any questionnaire (the shipped RSS, a small one with a relevance condition), a refused form sent
//! back with its answers and messages, scores with the provisional-weights notice, who reaches
//! the tab, the API round trip and the questionnaires' administration page.

mod support;

use axum::http::StatusCode;
use cnrm_app::{surveys, test_both_backends, testing};
use serde_json::json;
use support::{case_id_of, form, form_token, get_raw, post_multipart, today, Part, Platform};
use uuid::Uuid;

const ROLES: [&str; 8] =
    ["admin", "secretariat", "oim.admin", "oim.gestion", "oim.agent", "oim.suivi", "anpe.focal", "ue.observateur"];

/// A case registered by the demo case worker through the registration form.
async fn new_case(p: &Platform) -> Uuid {
    let mut agent = p.logged_in("oim.agent").await;
    let fields = [
        ("family_name", "Coulibaly"),
        ("given_names", "Seydou"),
        ("sex", "male"),
        ("date_of_birth", "12/05/1990"),
        ("nationality", "ML"),
        ("arrival_date", "2025-03-18"),
        ("returned_from", "LY"),
        ("return_type", "avr"),
        ("consent_method", "written"),
    ];
    case_id_of(&agent.register(&fields).await)
}

/// Makes the small test questionnaire the current RSS (see `testing::small_rss`).
async fn small_rss_current(p: &Platform) {
    surveys::add_version(&p.db.app, &p.actor("admin").await, &testing::small_rss(1.0, "test-1")).await.unwrap();
}

test_both_backends! {
    async fn the_tab_and_the_form_render_any_questionnaire_and_keep_refused_answers(db) {
        let p = Platform::on(db).await;
        let case = new_case(&p).await;
        let tab = format!("/cases/{case}/surveys");
        let mut agent = p.logged_in("oim.agent").await;

        let file = agent.get(&format!("/cases/{case}")).await;
        assert!(file.body.contains(&format!("href=\"{tab}\"")), "tab link on the case page");
        let page = agent.get(&tab).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains(&format!("href=\"{tab}\" aria-current=\"page\">Enquêtes</a>")));
        assert!(page.body.contains("Aucune enquête pour ce dossier.") && page.body.contains("Enquête initiale"), "the baseline is scheduled");
        assert!(page.body.contains(&format!("href=\"{tab}/new?kind=baseline\"")));

        // The shipped RSS renders: its items as fields, the relevance script served by the binary.
        let shipped = agent.get(&format!("{tab}/new?kind=baseline")).await;
        assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.body);
        assert!(shipped.body.contains("data-survey") && shipped.body.contains("name=\"answers."));
        let script = shipped.body.split("<script src=\"").nth(2).and_then(|s| s.split('"').next()).expect("the survey script");
        assert!(script.starts_with("/assets/survey-"), "{script}");
        let asset = agent.get(script).await;
        assert_eq!(asset.status, StatusCode::OK);
        assert!(asset.body.contains("data-relevant"));

        let satisfaction = agent.get(&format!("{tab}/new?kind=satisfaction")).await;
        assert_eq!(satisfaction.status, StatusCode::OK);
        assert!(satisfaction.body.contains("name=\"kind\" value=\"satisfaction\"") && satisfaction.body.contains("name=\"answers."));
        assert_eq!(agent.get(&format!("{tab}/new?kind=weekly")).await.status, StatusCode::NOT_FOUND);

        // A questionnaire with a condition: the condition travels with its field.
        small_rss_current(&p).await;
        // A needs assessment today makes the baseline due: it shows in the work queue.
        let needs = cnrm_domain::assessment::NeedsInput {
            assessed_on: today(),
            economic_level: "high".into(),
            social_level: "low".into(),
            psychosocial_level: "low".into(),
            ..Default::default()
        };
        cnrm_app::counselling::add_needs_assessment(&p.db.app, &p.actor("oim.agent").await, case, &needs).await.unwrap();
        let work = agent.get("/work").await;
        let block = &work.body[work.body.find("data-testid=\"work-surveys\"").expect("the surveys due")..];
        assert!(block.contains(&format!("href=\"{tab}\"")) && block.contains("Enquête initiale"));
        let page = agent.get(&format!("{tab}/new?kind=baseline")).await;
        let action = form(&page.body, &tab);
        assert!(action.contains(&format!("data-draft=\"survey:{case}:baseline\"")), "drafts are kept");
        let schooling = &action[action.find("data-item=\"schooling\"").expect("the schooling item")..];
        assert!(schooling.contains("children") && schooling.contains("cmp"), "{}", &schooling[..200]);

        // Refused: the answers come back with their messages; nothing is written.
        let reply = agent.post(&tab, &[("kind", "baseline"), ("answered_on", "2025-03-01"),
            ("answers.economic_satisfaction", "4"), ("answers.children", "no")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"answered_on-error\"") && reply.body.contains("id=\"answers.support_network-error\""), "{}", reply.body);
        assert!(reply.body.contains("name=\"answers.economic_satisfaction\" value=\"4\" checked"));
        assert!(p.db.app.db.survey_submissions_of_case(case).await.unwrap().is_empty());

        // Saved, then listed with its scores and the provisional-weights notice.
        let reply = agent.post(&tab, &[("kind", "baseline"), ("answered_on", &today()),
            ("answers.economic_satisfaction", "5"), ("answers.children", "no"), ("answers.support_network", "1")]).await;
        assert_eq!(reply.location(), Some(format!("{tab}?msg=saved").as_str()), "{}", reply.body);
        let page = agent.get(&format!("{tab}?msg=saved")).await;
        let row = &page.body[page.body.find("data-testid=\"survey-row\"").expect("the submission")..];
        assert!(row.contains("1.00") && row.contains("<strong>0.50</strong>") && row.contains("Enquête initiale"), "{}", &row[..400]);
        assert!(page.body.contains("data-testid=\"provisional-weights\"") && page.body.contains("pondérations égales provisoires"));
        assert!(page.body.contains("Suivi à 3 mois") && page.body.contains("Suivi à 12 mois"));

        assert!(!agent.get("/work").await.body.contains("data-testid=\"work-surveys\""), "taken: no longer due");

        // In English.
        agent.post("/locale", &[("locale", "en"), ("next", &tab)]).await;
        let english = agent.get(&tab).await;
        for text in [">Surveys</a>", "Baseline survey", "provisional equal weights", "Follow-up at 6 months"] {
            assert!(english.body.contains(text), "{text} missing in English");
        }
    }

    async fn only_those_who_reach_the_case_use_the_tab(db) {
        let p = Platform::on(db).await;
        let case = new_case(&p).await;
        small_rss_current(&p).await;
        let tab = format!("/cases/{case}/surveys");
        let answers = [("kind", "follow_up"), ("answered_on", "2025-04-01"), ("answers.economic_satisfaction", "3"),
            ("answers.children", "no"), ("answers.support_network", "2")];
        let expected_get = [403, 403, 403, 200, 200, 403, 403, 403];
        let expected_post = [403, 403, 403, 303, 303, 403, 403, 403];
        let mut failures = Vec::new();
        for (i, role) in ROLES.iter().enumerate() {
            let mut client = p.logged_in(role).await;
            let got = client.get(&tab).await.status.as_u16();
            if got != expected_get[i] {
                failures.push(format!("{role} GET: {got}"));
            }
            client.get("/account").await;
            let got = client.post(&tab, &answers).await.status.as_u16();
            if got != expected_post[i] {
                failures.push(format!("{role} POST: {got}"));
            }
        }
        assert!(failures.is_empty(), "{failures:?}");
        assert_eq!(p.db.app.db.survey_submissions_of_case(case).await.unwrap().len(), 2);
        // Another organisation's manager does not find the case.
        p.add_account("crm.gestion", cnrm_domain::Role::CaseManager, "CRM", None).await;
        let mut other = p.logged_in("crm.gestion").await;
        let reply = other.get(&tab).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
        other.get("/account").await;
        assert_eq!(other.post(&tab, &answers).await.status, StatusCode::NOT_FOUND);
    }

    async fn the_api_round_trip(db) {
        let p = Platform::on(db).await;
        let case = new_case(&p).await;
        let token = p.token("oim.agent").await.unwrap();
        let listed = p.api("GET", "/api/v1/questionnaires", Some(&token), None).await;
        assert_eq!(listed.status, StatusCode::OK);
        let codes: Vec<String> = listed.json().as_array().unwrap().iter().map(|q| q["questionnaire_code"].as_str().unwrap().to_string()).collect();
        assert!(codes.contains(&"rss".to_string()) && codes.contains(&"satisfaction".to_string()), "{codes:?}");
        let rss = p.api("GET", "/api/v1/questionnaires/rss", Some(&token), None).await.json();
        assert!(rss["definition"]["items"].as_array().is_some_and(|items| !items.is_empty()));
        assert_eq!(rss["provisional_weights"], true);
        assert_eq!(p.api("GET", "/api/v1/questionnaires/nothing", Some(&token), None).await.status, StatusCode::NOT_FOUND);

        small_rss_current(&p).await;
        let surveys = format!("/api/v1/cases/{case}/surveys");
        let wrong = p.api("POST", &surveys, Some(&token), Some(json!({ "kind": "baseline", "answered_on": today(), "answers": { "economic_satisfaction": "7" } }))).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = wrong.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect();
        assert!(fields.contains(&"answers.economic_satisfaction".to_string()) && fields.contains(&"answers.support_network".to_string()), "{fields:?}");
        let created = p.api("POST", &surveys, Some(&token), Some(json!({ "kind": "baseline", "answered_on": today(),
            "answers": { "economic_satisfaction": "5", "children": "yes", "schooling": "na", "support_network": "1" } }))).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let created = created.json();
        assert_eq!(created["scores"]["composite"], 0.5, "not applicable leaves the denominator");
        assert_eq!(created["answers"]["schooling"], "na");
        let listed = p.api("GET", &surveys, Some(&token), None).await.json();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["provisional_weights"], true);
        assert_eq!(listed[0]["kind"], "baseline");

        let partner = p.token("anpe.focal").await.unwrap();
        assert_eq!(p.api("GET", &surveys, Some(&partner), None).await.status, StatusCode::FORBIDDEN);
        let document = p.api("GET", "/api/v1/openapi.json", None, None).await.json();
        for path in ["/api/v1/cases/{id}/surveys", "/api/v1/questionnaires", "/api/v1/questionnaires/{code}"] {
            assert!(document["paths"].get(path).is_some(), "{path} not in the OpenAPI document");
        }
    }

    async fn administrators_manage_questionnaire_versions(db) {
        let p = Platform::on(db).await;
        let mut admin = p.logged_in("admin").await;
        let page = admin.get("/admin/questionnaires").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("<code>rss</code>") && page.body.contains("<code>satisfaction</code>"));
        assert!(page.body.contains("href=\"/admin/questionnaires/rss/xlsform\""));
        let reply = admin.post("/admin/questionnaires/rss/recompute", &[]).await;
        assert_eq!(reply.location(), Some("/admin/questionnaires?msg=questionnaire-recomputed"));
        let mut agent = p.logged_in("oim.agent").await;
        assert_eq!(agent.get("/admin/questionnaires").await.status, StatusCode::FORBIDDEN);
        assert_eq!(agent.post("/admin/questionnaires/rss/recompute", &[]).await.status, StatusCode::FORBIDDEN);
    }

    async fn a_questionnaire_goes_out_and_comes_back_as_xlsform(db) {
        let p = Platform::on(db).await;
        let mut admin = p.logged_in("admin").await;
        let page = admin.get("/admin/questionnaires").await;
        let token = form_token(&page.body);
        let first = surveys::current(&p.db.app, "rss").await.unwrap();

        let exported = get_raw(&p, &admin, "/admin/questionnaires/rss/xlsform").await;
        assert_eq!(exported.status, StatusCode::OK);
        assert_eq!(exported.header(axum::http::header::CONTENT_TYPE), cnrm_web::xlsform::CONTENT_TYPE);
        assert!(exported.header(axum::http::header::CONTENT_DISPOSITION).contains(&format!("rss-v{}.xlsx", first.version)));

        // Not a workbook, then a workbook naming a choice list that does not exist: refused with
        // the reasons, nothing stored.
        let reply = post_multipart(&p, &admin, "/admin/questionnaires", &[Part::Text("_csrf", &token), Part::File("file", "rss.xlsx", b"not a workbook")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("pas un classeur .xlsx lisible"));
        let mut tables = cnrm_domain::questionnaire::xlsform::to_tables(&surveys::definition_of(&first).unwrap());
        let broken = tables.survey.iter_mut().skip(1).find(|row| row[0].starts_with("select_one ")).expect("a single choice");
        broken[0] = "select_one nowhere".into();
        let workbook = cnrm_export::write_xlsform(&tables.survey, &tables.choices, &tables.settings).unwrap();
        let reply = post_multipart(&p, &admin, "/admin/questionnaires", &[Part::Text("_csrf", &token), Part::File("file", "rss.xlsx", &workbook)]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("data-testid=\"import-problems\"") && reply.text().contains("nowhere"), "{}", reply.text());
        assert_eq!(surveys::current(&p.db.app, "rss").await.unwrap().id, first.id);

        // The exported workbook comes back as the next version, the same questionnaire.
        let reply = post_multipart(&p, &admin, "/admin/questionnaires", &[Part::Text("_csrf", &token), Part::File("file", "rss.xlsx", &exported.body)]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let second = surveys::current(&p.db.app, "rss").await.unwrap();
        assert_eq!(second.version, first.version + 1);
        assert_eq!(second.definition, first.definition);
        assert_eq!(second.imported_by, Some(p.user_id("admin").await));

        // A case worker may neither export nor import.
        let agent = p.logged_in("oim.agent").await;
        assert_eq!(get_raw(&p, &agent, "/admin/questionnaires/rss/xlsform").await.status, StatusCode::FORBIDDEN);
    }
}
