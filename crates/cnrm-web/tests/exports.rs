//! Case list exports through the router, on both backends: the form on the list page (personal
//! fields only for those who may export them), the CSV and XLSX downloads with the chosen columns
//! and the list's filters, formulas neutralised, bad choices refused with a message naming them,
//! and the same through the API and its OpenAPI document.

mod support;

use axum::http::{header, StatusCode};
use cnrm_app::test_both_backends;
use cnrm_app::testing::{self, register};
use support::{get_raw, Platform};

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

fn export_entries(actions: &[(String, String)], username: &str) -> usize {
    actions.iter().filter(|(a, u)| a == "export.cases" && u == username).count()
}

test_both_backends! {
    async fn the_case_list_exports_the_chosen_fields_with_formulas_neutralised(db) {
        let p = Platform::on(db).await;
        let worker = p.actor("oim.agent").await;
        let mut input = testing::registration("=Diarra", "@Awa", "female", "1998-01-02", "2025-02-03");
        input.person.intended_settlement = "ML0103".into();
        let case = register(&p.db, &worker, &input).await;

        // The form: every field for the case manager, the personal ones marked; none of those for a case worker.
        let mut manager = p.logged_in("oim.gestion").await;
        let page = manager.get(&format!("/cases?status=open&q={}", case.case_number)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("action=\"/cases/export\""));
        assert!(page.body.contains("value=\"family_name\""));
        assert!(page.body.contains("name=\"status\" value=\"open\""), "the form keeps the list's filters");
        assert!(page.body.contains("name=\"list\" value=\"surveys\""), "and a form for the surveys' scores");
        assert!(page.body.contains("value=\"composite\""));
        let mut agent = p.logged_in("oim.agent").await;
        let page = agent.get("/cases").await;
        assert!(page.body.contains("action=\"/cases/export\""));
        assert!(page.body.contains("value=\"case_number\""));
        assert!(!page.body.contains("value=\"family_name\""), "no personal field offered without the permission");
        let mut observer = p.logged_in("ue.observateur").await;
        assert_eq!(observer.get("/cases/export?fields=case_number").await.status, StatusCode::FORBIDDEN);

        // CSV: the chosen columns in the chosen order, the list's filter, the HXL row when asked.
        let path = format!("/cases/export?q={}&fields=case_number,family_name&fields=given_names&fields=region_code&hxl=1", case.case_number);
        let reply = manager.get(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.headers.get(header::CONTENT_TYPE).unwrap(), "text/csv; charset=utf-8");
        let disposition = reply.headers.get(header::CONTENT_DISPOSITION).unwrap().to_str().unwrap();
        assert!(disposition.starts_with("attachment; filename=\"cnrm-cases-") && disposition.ends_with(".csv\""), "{disposition}");
        let rows = csv_rows(&reply.body);
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert_eq!(rows[0], ["Numéro de dossier", "Nom", "Prénoms", "Code région"]);
        assert_eq!(rows[1], ["#beneficiary+id", "", "", "#adm1+code"]);
        assert_eq!(rows[2], [case.case_number.as_str(), "'=Diarra", "'@Awa", "ML01"], "formulas are neutralised");

        // XLSX: the same, as a workbook.
        let raw = get_raw(&p, &manager, &format!("/cases/export?q={}&fields=case_number,family_name&format=xlsx", case.case_number)).await;
        assert_eq!(raw.status, StatusCode::OK);
        assert_eq!(raw.header(header::CONTENT_TYPE), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        assert!(raw.header(header::CONTENT_DISPOSITION).ends_with(".xlsx\""));
        let sheets = cnrm_export::read_workbook(&raw.body).unwrap();
        assert_eq!(sheets[0].0, "cases");
        assert_eq!(sheets[0].1, vec![
            vec!["Numéro de dossier".to_string(), "Nom".to_string()],
            vec![case.case_number.clone(), "'=Diarra".to_string()],
        ]);
        assert_eq!(export_entries(&p.audit_actions().await, "oim.gestion"), 2);

        // A case worker: anonymised fields only.
        let reply = agent.get(&format!("/cases/export?q={}&fields=case_number,sex", case.case_number)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(csv_rows(&reply.body)[1], [case.case_number.as_str(), "female"]);
        let reply = agent.get(&format!("/cases/export?q={}&fields=case_number,family_name", case.case_number)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert!(!reply.body.contains("Diarra"));
        assert_eq!(export_entries(&p.audit_actions().await, "oim.agent"), 1, "the refused export wrote no export entry");

        // Bad choices: a message naming what is wrong, nothing exported.
        let reply = manager.get("/cases/export?fields=case_number,salary").await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("salary") && reply.body.contains("existe pas"), "{}", reply.body);
        let reply = manager.get("/cases/export?format=csv").await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("Aucun champ choisi"));
        let reply = manager.get("/cases/export?fields=case_number&format=pdf").await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("pdf"));
        let reply = manager.get("/cases/export?list=users&fields=case_number").await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("users"));
        assert_eq!(export_entries(&p.audit_actions().await, "oim.gestion"), 2);

        // The surveys of the listed cases: none yet for this one, and the scores' weights column comes along.
        let reply = manager.get(&format!("/cases/export?list=surveys&q={}&fields=case_number,composite", case.case_number)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(reply.headers.get(header::CONTENT_DISPOSITION).unwrap().to_str().unwrap().contains("cnrm-surveys-"));
        let rows = csv_rows(&reply.body);
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0][..2], ["Numéro de dossier", "Score composite"]);
        assert!(rows[0][2].starts_with("Pondérations des scores"));
        assert!(p.audit_actions().await.iter().any(|(a, u)| a == "export.surveys" && u == "oim.gestion"));
    }

    async fn the_api_exports_cases_under_the_same_rules(db) {
        let p = Platform::on(db).await;
        let worker = p.actor("oim.agent").await;
        let case = register(&p.db, &worker, &testing::registration("=Traoré", "Binta", "female", "1990", "2025-02-03")).await;
        let manager = p.token("oim.gestion").await.unwrap();
        let agent = p.token("oim.agent").await.unwrap();

        let path = format!("/api/v1/cases/export?q={}&fields=case_number,family_name,sex&format=csv", case.case_number);
        let reply = p.api("GET", &path, Some(&manager), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let rows = csv_rows(&reply.body);
        assert_eq!(rows[0], ["Numéro de dossier", "Nom", "Sexe"], "headers in the account's language");
        assert_eq!(rows[1], [case.case_number.as_str(), "'=Traoré", "female"]);
        assert_eq!(rows.len(), 2);

        let reply = p.api("GET", &path, Some(&agent), None).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert_eq!(reply.json()["code"], "forbidden");
        let actions = p.audit_actions().await;
        assert_eq!(export_entries(&actions, "oim.gestion"), 1);
        assert_eq!(export_entries(&actions, "oim.agent"), 0);

        let reply = p.api("GET", "/api/v1/cases/export?fields=case_number,salary", Some(&manager), None).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let problem = reply.json();
        assert_eq!(problem["code"], "invalid_input");
        assert_eq!(problem["errors"][0]["field"], "fields");
        assert_eq!(problem["errors"][0]["code"], "unknown_field");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("salary"));
        assert_eq!(p.api("GET", "/api/v1/cases/export?fields=sex", None, None).await.status, StatusCode::UNAUTHORIZED);

        let doc = p.api("GET", "/api/v1/openapi.json", None, None).await.json();
        let operation = &doc["paths"]["/api/v1/cases/export"]["get"];
        assert!(operation.is_object(), "the export is in the OpenAPI document");
        let params: Vec<&str> = operation["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        for name in ["list", "fields", "format", "hxl", "status", "settlement"] {
            assert!(params.contains(&name), "{name} in {params:?}");
        }
    }
}
