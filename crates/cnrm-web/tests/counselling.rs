//! The counselling tab of a case and its API, on both backends: the page in French and English, forms
//! sent back with their values and messages, records shown once saved, closed cases, who reaches
//! the tab, and the API round trip.

mod support;

use axum::http::StatusCode;
use cnrm_app::test_both_backends;
use cnrm_domain::assessment::{Need, NeedLevel, Pathway, Proficiency, Sector, SessionKind};
use cnrm_domain::Locale;
use cnrm_web::i18n::Tr;
use serde_json::json;
use support::{case_id_of, form, today, Platform};
use uuid::Uuid;

const ROLES: [&str; 8] =
    ["admin", "secretariat", "oim.admin", "oim.gestion", "oim.agent", "oim.suivi", "anpe.focal", "ue.observateur"];

fn registration() -> Vec<(&'static str, &'static str)> {
    vec![
        ("family_name", "Diakité"),
        ("given_names", "Mariam"),
        ("sex", "female"),
        ("date_of_birth", "12/05/1994"),
        ("nationality", "ML"),
        ("phones", "76 11 22 33"),
        ("arrival_date", "2025-03-18"),
        ("returned_from", "LY"),
        ("return_type", "avr"),
        ("consent_method", "written"),
    ]
}

/// A case registered by the demo case worker through the registration form.
async fn new_case(p: &Platform) -> Uuid {
    let mut agent = p.logged_in("oim.agent").await;
    case_id_of(&agent.register(&registration()).await)
}

test_both_backends! {
    async fn the_tab_renders_in_both_languages_keeps_refused_values_and_shows_saved_records(db) {
        let p = Platform::on(db).await;
        let case = new_case(&p).await;
        let tab = format!("/cases/{case}/counselling");
        let mut agent = p.logged_in("oim.agent").await;

        // The case page links to the tab; the tab shows its three parts, empty, with their forms.
        let file = agent.get(&format!("/cases/{case}")).await;
        assert!(file.body.contains(&format!("href=\"{tab}\"")), "tab link on the case page");
        let page = agent.get(&tab).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&format!("href=\"{tab}\" aria-current=\"page\">Accompagnement</a>")), "{}", page.body);
        for text in ["<h2 id=\"sessions-title\">Séances d", "Évaluation des besoins", "Évaluation des compétences", "Aucune séance enregistrée.", "Dimension Psychosociale", "Reprise des études"] {
            assert!(page.body.contains(text), "{text} missing");
        }
        let me = p.user_id("oim.agent").await;
        let session_form = form(&page.body, &format!("{tab}/sessions"));
        assert!(session_form.contains("name=\"_csrf\"") && session_form.contains(&format!("value=\"{me}\" selected")), "the recorder counsels by default");
        assert!(session_form.contains(&format!("value=\"{}\"", today())), "dated today by default");
        let needs_form = form(&page.body, &format!("{tab}/needs"));
        assert!(needs_form.contains("name=\"economic_needs\" value=\"business_capital\"") && !needs_form.contains("name=\"economic_needs\" value=\"housing\""), "each dimension lists its own needs");
        assert!(form(&page.body, &format!("{tab}/skills")).contains("value=\"food_processing\""));

        // In English.
        let switched = agent.post("/locale", &[("locale", "en"), ("next", &tab)]).await;
        assert_eq!(switched.status, StatusCode::SEE_OTHER);
        let english = agent.get(&tab).await;
        for text in ["lang=\"en\"", ">Counselling</a>", "Counselling sessions", "Needs assessment", "Skills assessment", "Psychosocial dimension", "Return to education"] {
            assert!(english.body.contains(text), "{text} missing in English");
        }
        agent.post("/locale", &[("locale", "fr"), ("next", &tab)]).await;

        // A session before the arrival, too long: back with messages next to the fields, values kept.
        agent.get(&tab).await;
        let summary = "Entretien sur le projet de couture\net la famille";
        let reply = agent.post(&format!("{tab}/sessions"), &[("held_on", "2025-03-01"), ("counsellor_id", &me.to_string()), ("kind", "family"),
            ("duration_minutes", "700"), ("summary", summary), ("next_steps", "Revoir la famille")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        for field in ["held_on", "duration_minutes"] {
            assert!(reply.body.contains(&format!("id=\"session-{field}-error\"")), "no message for {field}");
            assert!(reply.body.contains(&format!("aria-describedby=\"session-{field}-error")), "{field} not linked to its message");
        }
        assert!(reply.body.contains("Cette date précède l&#39;arrivée de la personne.") || reply.body.contains("Cette date précède l'arrivée de la personne."));
        assert!(reply.body.contains("value=\"2025-03-01\"") && reply.body.contains("value=\"700\"") && reply.body.contains(summary));
        assert!(reply.body.contains("value=\"family\" selected"));
        assert!(!reply.body.contains("id=\"needs-assessed_on-error\""), "only the form sent shows errors");
        assert!(p.db.app.db.counselling_sessions(case).await.unwrap().is_empty());

        // Needs: a need of another dimension; skills: literacy missing.
        let reply = agent.post(&format!("{tab}/needs"), &[("assessed_on", "2025-04-01"), ("assessor_id", &me.to_string()),
            ("economic_level", "high"), ("economic_needs", "income"), ("economic_needs", "housing"), ("social_level", "low"),
            ("psychosocial_level", "none"), ("psychosocial_notes", "Dort bien")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"needs-economic_needs-error\"") && reply.body.contains("name=\"economic_needs\" value=\"income\" checked"));
        assert!(reply.body.contains("value=\"high\" selected") && reply.body.contains("Dort bien"));
        let reply = agent.post(&format!("{tab}/skills"), &[("assessed_on", "2025-04-02"), ("assessor_id", &me.to_string()),
            ("skills", "Couture\nTeinture"), ("experience_years", "4"), ("interest_sectors", "tailoring"), ("numeracy", "basic")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"skills-literacy-error\"") && reply.body.contains("Couture\nTeinture</textarea>"));
        assert!(reply.body.contains("name=\"interest_sectors\" value=\"tailoring\" checked"));

        // Saved, then shown.
        let reply = agent.post(&format!("{tab}/sessions"), &[("held_on", "2025-03-20"), ("counsellor_id", &me.to_string()), ("kind", "family"),
            ("duration_minutes", "50"), ("summary", summary), ("next_steps", "")]).await;
        assert_eq!(reply.location(), Some(format!("{tab}?msg=saved").as_str()), "{}", reply.body);
        let reply = agent.post(&format!("{tab}/needs"), &[("assessed_on", "2025-04-01"), ("assessor_id", &me.to_string()),
            ("economic_level", "high"), ("economic_needs", "income"), ("economic_needs", "debt"), ("social_level", "low"),
            ("psychosocial_level", "none")]).await;
        assert_eq!(reply.location(), Some(format!("{tab}?msg=saved").as_str()), "{}", reply.body);
        let reply = agent.post(&format!("{tab}/skills"), &[("assessed_on", "2025-04-02"), ("assessor_id", &me.to_string()),
            ("skills", "Couture\r\nTeinture\r\n"), ("experience_years", "4"), ("interest_sectors", "tailoring"), ("literacy", "basic"), ("numeracy", "basic"), ("pathway", "self_employment")]).await;
        assert_eq!(reply.location(), Some(format!("{tab}?msg=saved").as_str()), "{}", reply.body);
        let page = agent.get(&format!("{tab}?msg=saved")).await;
        assert!(page.body.contains("Modifications enregistrées."));
        assert!(page.body.contains("Entretien sur le projet de couture<br>et la famille") && page.body.contains("Familiale") && page.body.contains("50 min"));
        assert!(page.body.contains("20/03/2025") && page.body.contains("Mariam Sissoko"));
        let current = &page.body[page.body.find("data-testid=\"current-needs\"").expect("the current assessment")..];
        assert!(current.contains("Besoin le plus élevé : Élevé") && current.contains("Revenu, Dettes"));
        let skills = &page.body[page.body.find("data-testid=\"current-skills\"").expect("the current skills")..];
        assert!(skills.contains("Couture, Teinture") && skills.contains("4 ans") && skills.contains("Auto-emploi ou activité propre"));
        assert_eq!(p.db.app.db.skills_assessments(case).await.unwrap()[0].skills, vec!["Couture".to_string(), "Teinture".to_string()]);

        // A second needs assessment becomes the current one; the first goes to the history.
        agent.post(&format!("{tab}/needs"), &[("assessed_on", &today()), ("assessor_id", &me.to_string()), ("economic_level", "moderate"),
            ("social_level", "none"), ("psychosocial_level", "low"), ("psychosocial_needs", "isolation")]).await;
        let page = agent.get(&tab).await;
        let current = &page.body[page.body.find("data-testid=\"current-needs\"").unwrap()..page.body.find("data-testid=\"needs-history\"").expect("history")];
        assert!(current.contains("Isolement") && !current.contains("Dettes"));
        assert!(page.body.contains("Évaluations précédentes (1)"));

        // The case's history names what was recorded.
        let file = agent.get(&format!("/cases/{case}")).await;
        assert!(file.body.contains("Évaluation des besoins enregistrée") && file.body.contains("Évaluation des compétences enregistrée"));
        assert!(file.body.contains("Séance d&#39;accompagnement enregistrée") || file.body.contains("Séance d'accompagnement enregistrée"));

        // Closed: readable, no forms, and a post is refused with a message.
        let manager = cnrm_app::Actor { user: p.db.app.db.user_by_username("oim.gestion").await.unwrap().unwrap(), ip: None, via: cnrm_app::actor::Via::Web };
        let version = p.db.app.db.case_file(case).await.unwrap().unwrap().case.version;
        cnrm_app::cases::close(&p.db.app, &manager, case, version, "assistance_completed").await.unwrap();
        let page = agent.get(&tab).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("data-testid=\"counselling-closed\"") && page.body.contains("Familiale"));
        assert!(!page.body.contains(&format!("action=\"{tab}/sessions\"")));
        let reply = agent.post(&format!("{tab}/sessions"), &[("held_on", &today()), ("kind", "individual"), ("summary", "Après la clôture")]).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert!(reply.body.contains("role=\"alert\">Ce dossier est clôturé : rouvrez-le"), "{}", reply.body);
        assert_eq!(p.db.app.db.counselling_sessions(case).await.unwrap().len(), 1);
    }

    async fn only_those_who_reach_the_case_use_the_tab(db) {
        let p = Platform::on(db).await;
        let case = new_case(&p).await;
        let tab = format!("/cases/{case}/counselling");
        let session = [("held_on", "2025-03-25"), ("kind", "individual"), ("summary", "Entretien")];
        // Roles without cases are refused; the case's organisation's manager and worker are in.
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
            let got = client.post(&format!("{tab}/sessions"), &session).await.status.as_u16();
            if got != expected_post[i] {
                failures.push(format!("{role} POST: {got}"));
            }
        }
        assert!(failures.is_empty(), "{failures:?}");
        assert_eq!(p.db.app.db.counselling_sessions(case).await.unwrap().len(), 2, "one by the manager, one by the worker");
        // A worker of another team of the same organisation does not find the case.
        let input = cnrm_domain::user::UserInput {
            username: "oim.mopti".into(),
            display_name: "Agent de Mopti".into(),
            organisation_id: p.org_id("OIM").await.to_string(),
            role: "case_worker".into(),
            team: "Mopti".into(),
            ..Default::default()
        };
        let account = cnrm_app::users::create(&p.db.app, &cnrm_app::Actor::console(), &input).await.unwrap();
        let mut user = account.user;
        user.must_change_password = false;
        let actor = cnrm_app::Actor::console();
        p.db.app.db.save_user(&user, false, &actor.event("test.unlock", "user", None, json!({}))).await.unwrap();
        let mut other = p.client();
        p.accept_conduct("oim.mopti").await;
        assert_eq!(other.login("oim.mopti", &account.password).await.status, StatusCode::SEE_OTHER);
        assert_eq!(other.get(&tab).await.status, StatusCode::NOT_FOUND);
        let denied = p.audit_actions().await.iter().filter(|(a, _)| a == "access.denied").count();
        assert!(denied >= 12, "denials are audited ({denied})");
    }

    async fn the_api_round_trip(db) {
        let p = Platform::on(db).await;
        let case = new_case(&p).await;
        let token = p.token("oim.agent").await.unwrap();
        let sessions = format!("/api/v1/cases/{case}/counselling-sessions");
        let needs = format!("/api/v1/cases/{case}/needs-assessments");
        let skills = format!("/api/v1/cases/{case}/skills-assessments");

        let reply = p.api("POST", &sessions, Some(&token), Some(json!({ "held_on": "2025-03-17", "kind": "individual", "summary": "" }))).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let problem = reply.json();
        assert_eq!(problem["code"], "invalid_input");
        let fields: Vec<(String, String)> = problem["errors"].as_array().unwrap().iter()
            .map(|e| (e["field"].as_str().unwrap().to_string(), e["code"].as_str().unwrap().to_string())).collect();
        assert!(fields.contains(&("held_on".into(), "counselling-before-arrival".into())) && fields.contains(&("summary".into(), "required".into())), "{fields:?}");

        let first = p.api("POST", &sessions, Some(&token), Some(json!({ "held_on": "2025-03-20", "kind": "business", "duration_minutes": "30", "summary": "Idée de commerce de céréales" }))).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        let first = first.json();
        assert_eq!(first["kind"], SessionKind::Business.code());
        assert_eq!(first["duration_minutes"], 30);
        assert_eq!(first["counsellor_id"], p.user_id("oim.agent").await.to_string());
        let second = p.api("POST", &sessions, Some(&token), Some(json!({ "held_on": today(), "kind": "follow_up", "summary": "Suivi" }))).await.json();
        let listed = p.api("GET", &sessions, Some(&token), None).await;
        assert_eq!(listed.status, StatusCode::OK);
        let ids: Vec<String> = listed.json().as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect();
        assert_eq!(ids, vec![second["id"].as_str().unwrap().to_string(), first["id"].as_str().unwrap().to_string()], "newest first");

        let assessment = json!({
            "assessed_on": "2025-04-01", "economic_level": "high", "economic_needs": ["income", "employment"],
            "social_level": "moderate", "social_needs": ["housing"], "psychosocial_level": "low",
            "psychosocial_needs": ["stigma"], "notes": "Souhaite rester à Kayes"
        });
        let created = p.api("POST", &needs, Some(&token), Some(assessment)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let wrong = p.api("POST", &needs, Some(&token), Some(json!({ "assessed_on": "2025-04-01", "economic_level": "low", "economic_needs": ["stigma"], "social_level": "none", "psychosocial_level": "none" }))).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(wrong.json()["errors"][0]["field"], "economic_needs");
        let listed = p.api("GET", &needs, Some(&token), None).await.json();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["economic"]["level"], NeedLevel::High.code());
        assert_eq!(listed[0]["economic"]["needs"], json!([Need::Income.code(), Need::Employment.code()]));
        assert_eq!(listed[0]["psychosocial"]["needs"], json!(["stigma"]));
        assert_eq!(listed[0]["notes"], "Souhaite rester à Kayes");

        let created = p.api("POST", &skills, Some(&token), Some(json!({
            "assessed_on": today(), "skills": ["Mécanique moto", "Soudure"], "experience_years": "7",
            "experience_sectors": ["mechanics"], "interest_sectors": ["mechanics", "transport"],
            "literacy": "none", "numeracy": "basic", "pathway": "apprenticeship"
        }))).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let listed = p.api("GET", &skills, Some(&token), None).await.json();
        assert_eq!(listed[0]["skills"], json!(["Mécanique moto", "Soudure"]));
        assert_eq!(listed[0]["experience_years"], 7);
        assert_eq!(listed[0]["interest_sectors"], json!([Sector::Mechanics.code(), Sector::Transport.code()]));
        assert_eq!(listed[0]["literacy"], Proficiency::NoProficiency.code());
        assert_eq!(listed[0]["pathway"], Pathway::Apprenticeship.code());

        // Others: a partner's focal point is refused, an unknown case is not found.
        let partner = p.token("anpe.focal").await.unwrap();
        for path in [&sessions, &needs, &skills] {
            let reply = p.api("GET", path, Some(&partner), None).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(reply.json()["code"], "forbidden");
        }
        let unknown = p.api("GET", &format!("/api/v1/cases/{}/needs-assessments", Uuid::now_v7()), Some(&token), None).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);

        // In the OpenAPI document.
        let spec = p.api("GET", "/api/v1/openapi.json", None, None).await.json();
        for path in ["/api/v1/cases/{id}/counselling-sessions", "/api/v1/cases/{id}/needs-assessments", "/api/v1/cases/{id}/skills-assessments"] {
            assert!(spec["paths"][path]["get"].is_object() && spec["paths"][path]["post"].is_object(), "{path}");
        }
        assert!(spec["components"]["schemas"]["NeedsAssessment"].is_object());
    }
}

#[test]
fn every_code_of_counselling_is_labelled_in_both_languages() {
    let keys: Vec<String> = [
        SessionKind::ALL.iter().map(|v| v.label_key()).collect::<Vec<_>>(),
        NeedLevel::ALL.iter().map(|v| v.label_key()).collect(),
        Need::ALL.iter().map(|v| v.label_key()).collect(),
        Sector::ALL.iter().map(|v| v.label_key()).collect(),
        Proficiency::ALL.iter().map(|v| v.label_key()).collect(),
        Pathway::ALL.iter().map(|v| v.label_key()).collect(),
    ]
    .concat();
    let english = include_str!("../locales/en/main.ftl");
    for key in &keys {
        for locale in [Locale::Fr, Locale::En] {
            assert_ne!(&Tr::new(locale).t(key), key, "{key} in {locale:?}");
        }
        assert!(english.lines().any(|l| l.starts_with(&format!("{key} ="))), "{key} missing in English");
    }
}
