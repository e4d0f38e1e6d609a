//! The case pages through the router, on both backends: registering a returnee (with the check
//! for persons already known), the list and its search, the case file and its actions, and who may
//! see a case.

mod support;

use axum::http::StatusCode;
use cnrm_app::test_both_backends;
use cnrm_domain::Role;
use support::{case_id_of, version_in, Client, Platform};

/// A complete registration form, as a case worker fills it in.
fn registration<'a>(family: &'a str, given: &'a str, document: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("family_name", family),
        ("given_names", given),
        ("other_names", ""),
        ("sex", "female"),
        ("date_of_birth", "11/07/1995"),
        ("birth_date_precision", ""),
        ("estimated_age", ""),
        ("nationality", "ML"),
        ("phones", "76 12 34 56"),
        ("phones", ""),
        ("languages", "bm"),
        ("languages", "fr"),
        ("education_level", "primary"),
        ("marital_status", "single"),
        ("dependants", "2"),
        ("place_of_origin", "ML0103"),
        ("intended_settlement", "ML0103"),
        ("doc_type", if document.is_empty() { "" } else { "passport" }),
        ("number", document),
        ("issuing_country", if document.is_empty() { "" } else { "ML" }),
        ("arrival_date", "2025-03-18"),
        ("returned_from", "LY"),
        ("return_type", "avr"),
        ("point_of_arrival", "Aéroport de Bamako-Sénou"),
        ("immediate_assistance", "reception"),
        ("immediate_assistance", "cash"),
        ("consent_method", "written"),
    ]
}

async fn case_worker_of_another_organisation(p: &Platform) -> Client {
    p.add_account("crm.agent", Role::CaseWorker, "CRM", Some("Kayes")).await;
    p.logged_in("crm.agent").await
}

test_both_backends! {
    async fn a_case_worker_registers_a_returnee_and_lands_on_the_case(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        let list = agent.get("/cases").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("href=\"/cases/new\""), "case workers may register");
        assert!(list.body.contains("href=\"/cases\" aria-current=\"page\""), "the navigation leads to the cases");
        let form = agent.get("/cases/new").await;
        assert_eq!(form.status, StatusCode::OK);
        for needle in ["data-draft=\"case-new\"", "<legend><h2>Identité</h2></legend>", "name=\"phones\"", "value=\"gbv_survivor\"", "name=\"consent_method\""] {
            assert!(form.body.contains(needle), "{needle} missing from the registration form");
        }
        let mut fields = registration("Traoré", "Zénabou", "B1234567");
        fields.push(("vulnerabilities", "medical_condition"));
        let reply = agent.register(&fields).await;
        let id = case_id_of(&reply);
        assert!(reply.location().unwrap().ends_with("?msg=created"));
        let file = p.db.app.db.case_file(id).await.unwrap().unwrap();
        assert_eq!(file.person.draft.phones, vec!["+22376123456"]);
        assert_eq!(file.person.documents.len(), 1);
        assert_eq!(file.flags.len(), 1);

        let page = agent.get(reply.location().unwrap()).await;
        assert_eq!(page.status, StatusCode::OK);
        for needle in [
            file.case.case_number.as_str(),
            "Traoré Zénabou",
            "Créé.",
            "Retour volontaire assisté",
            "Aide en espèces",
            "B1234567",
            "+22376123456",
            "Élevée",
            "Gestion du dossier",
            "Suivi du dépistage des vulnérabilités",
            "Dossier enregistré",
            "href=\"/cases/",
        ] {
            assert!(page.body.contains(needle), "{needle} missing from the case page");
        }
        assert!(page.body.contains("value=\"medical_condition\" checked"), "current screening ticked");
        assert!(!page.body.contains("data-testid=\"protection\""), "not a protection case");
        let edit = agent.get(&format!("/cases/{id}/edit")).await;
        assert_eq!(edit.status, StatusCode::OK);
        assert!(edit.body.contains("value=\"11/07/1995\""), "birth date pre-filled");
        assert!(edit.body.contains("value=\"2025-03-18\""), "arrival pre-filled");
        assert!(edit.body.contains("value=\"ML0103\" selected"), "place of origin pre-filled");
    }

    async fn a_similar_person_is_shown_before_anything_is_saved(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        let first = case_id_of(&agent.register(&registration("Traoré", "Zénabou", "B1234567")).await);
        let person = p.db.app.db.case_file(first).await.unwrap().unwrap().person.id;

        let again = registration("TRAORE", "Zenabou", "");
        let reply = agent.register(&again).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.body.contains("data-testid=\"possible-matches\""));
        assert!(reply.body.contains("Cette personne est peut-être déjà enregistrée"));
        assert!(reply.body.contains(&format!("href=\"/cases/{first}\"")), "a link to the case");
        assert!(reply.body.contains(&format!("name=\"existing_person_id\" value=\"{person}\"")));
        assert!(reply.body.contains("C&#39;est la même personne") || reply.body.contains("C'est la même personne"));
        assert!(reply.body.contains("name=\"confirm_new_person\""));
        assert!(reply.body.contains("value=\"TRAORE\""), "typed values kept");
        assert!(reply.body.contains("value=\"2025-03-18\""));
        assert!(reply.body.contains("value=\"cash\" checked"));
        let list = agent.get("/cases?q=traore+zenabou").await;
        assert!(list.body.contains("1 résultat(s)"), "nothing saved: {}", list.body);

        let mut confirmed = again.clone();
        confirmed.push(("confirm_new_person", "true"));
        let other = case_id_of(&agent.post("/cases", &confirmed).await);
        let other_person = p.db.app.db.case_file(other).await.unwrap().unwrap().person.id;
        assert_ne!(other_person, person, "a new person");

        let existing = person.to_string();
        let mut same = again.clone();
        same.push(("existing_person_id", &existing));
        let third = case_id_of(&agent.post("/cases", &same).await);
        assert_eq!(p.db.app.db.case_file(third).await.unwrap().unwrap().person.id, person, "a new case for the same person");
        assert!(agent.get("/cases?q=traore+zenabou").await.body.contains("3 résultat(s)"));

        // Someone in another organisation learns only that the person is followed, and by whom.
        let mut crm = case_worker_of_another_organisation(&p).await;
        let reply = crm.register(&registration("Traoré", "Zénabou", "")).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.body.contains("Une personne semblable est suivie par OIM"), "{}", reply.body);
        assert!(!reply.body.contains(&first.to_string()) && !reply.body.contains(&person.to_string()));
        assert!(!reply.body.contains("name=\"existing_person_id\""));
    }

    async fn invalid_registrations_come_back_with_messages_next_to_the_fields(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        let mut fields = registration("", "Aminata", "");
        for (name, value) in fields.iter_mut() {
            match *name {
                "date_of_birth" => *value = "31/02/1995",
                "phones" if !value.is_empty() => *value = "12",
                "consent_method" => *value = "",
                _ => {}
            }
        }
        let reply = agent.register(&fields).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("role=\"alert\""));
        for field in ["family_name", "date_of_birth", "phones", "consent_method"] {
            assert!(reply.body.contains(&format!("id=\"{field}-error\"")), "no message for {field}");
            assert!(reply.body.contains(&format!("aria-describedby=\"{field}-error")), "{field} not linked to its message");
        }
        assert!(reply.body.contains("Ce champ est obligatoire."));
        assert!(reply.body.contains("Date de naissance invalide"));
        assert!(reply.body.contains("Indiquez comment le consentement"));
        assert!(reply.body.contains("value=\"Aminata\""), "typed values kept");
        assert!(reply.body.contains("value=\"31/02/1995\""));
        assert!(reply.body.contains("value=\"12\""));
        assert!(reply.body.contains("value=\"bm\" checked"));
        assert!(reply.body.contains("value=\"ML0103\" selected"));
        assert!(agent.get("/cases?q=aminata").await.body.contains("Aucun résultat."), "nothing saved");
    }

    async fn the_case_list_searches_names_without_accents_and_keeps_its_filters(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        let id = case_id_of(&agent.register(&registration("Traoré", "Zénabou", "B7654321")).await);
        let number = p.db.app.db.case_file(id).await.unwrap().unwrap().case.case_number;
        for query in ["traore+zenabou", "TRAORE", "Traor%C3%A9", "b7654321", "76123456", number.as_str()] {
            let list = agent.get(&format!("/cases?q={query}&per_page=200")).await;
            assert_eq!(list.status, StatusCode::OK);
            assert!(list.body.contains(&format!("href=\"/cases/{id}\"")), "{query} does not find the case");
        }
        let list = agent.get("/cases?q=traore&status=open&returned_from=LY&settlement=ML01&assigned=me").await;
        assert!(list.body.contains(&number));
        assert!(list.body.contains("q=traore&#38;status=open&#38;returned_from=LY&#38;settlement=ML01&#38;assigned=me&#38;sort=name"), "filters kept in the sort links");
        assert!(list.body.contains("value=\"ML01\" selected") && list.body.contains("name=\"assigned\" value=\"me\" checked"));
        assert!(!agent.get("/cases?q=traore+zenabou&status=closed").await.body.contains(&number));
        assert!(!agent.get("/cases?q=traore+zenabou&returned_from=DZ").await.body.contains(&number));
        assert!(!agent.get("/cases?q=traore+zenabou&arrived_from=2025-04-01").await.body.contains(&number));
        assert!(agent.get("/cases?q=traore+zenabou&arrived_from=2025-03-18&arrived_to=2025-03-18").await.body.contains(&number));
        // Roles without cases see neither the list nor its entry in the navigation.
        let mut admin = p.logged_in("oim.admin").await;
        assert!(!admin.get("/").await.body.contains("href=\"/cases\""));
        assert_eq!(admin.get("/cases").await.status, StatusCode::FORBIDDEN);
    }

    async fn another_organisation_gets_404_on_a_case(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        let id = case_id_of(&agent.register(&registration("Traoré", "Zénabou", "")).await);
        let mut crm = case_worker_of_another_organisation(&p).await;
        assert_eq!(crm.get(&format!("/cases/{id}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(crm.get(&format!("/cases/{id}/edit")).await.status, StatusCode::NOT_FOUND);
        crm.get("/cases").await;
        let reply = crm.post(&format!("/cases/{id}/close"), &[("version", "1"), ("closure_reason", "deceased")]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert!(!crm.get("/cases?q=traore+zenabou").await.body.contains(&id.to_string()));
        assert_eq!(p.db.app.db.case_file(id).await.unwrap().unwrap().case.status, cnrm_domain::lifecycle::case::CaseStatus::Open);
    }

    async fn a_stale_version_is_refused_with_a_message(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        let id = case_id_of(&agent.register(&registration("Traoré", "Zénabou", "")).await);
        let edit = agent.get(&format!("/cases/{id}/edit")).await;
        let version = version_in(&edit.body, &format!("/cases/{id}/return"));
        let ret = |point: &'static str| vec![
            ("version", version.clone()),
            ("arrival_date", "2025-03-18".to_string()),
            ("returned_from", "DZ".to_string()),
            ("return_type", "forced".to_string()),
            ("point_of_arrival", point.to_string()),
        ];
        let first = ret("Gao");
        let first: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(case_id_of(&agent.post(&format!("/cases/{id}/return"), &first).await), id);
        let second = ret("Kayes");
        let second: Vec<(&str, &str)> = second.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = agent.post(&format!("/cases/{id}/return"), &second).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert!(reply.body.contains("Quelqu&#39;un a enregistré ce dossier") || reply.body.contains("Quelqu'un a enregistré ce dossier"), "{}", reply.body);
        assert!(reply.body.contains("value=\"Kayes\""), "what was typed is still there");
        let file = p.db.app.db.case_file(id).await.unwrap().unwrap();
        assert_eq!(file.case.ret.point_of_arrival.as_deref(), Some("Gao"), "nothing overwritten");
        assert_eq!(file.case.ret.returned_from, "DZ");
        // The identity form has its own version, the person's.
        let person_version = version_in(&edit.body, &format!("/cases/{id}/person"));
        let mut person = registration("Traoré", "Zénabou Kadidia", "");
        person.push(("version", &person_version));
        assert_eq!(case_id_of(&agent.post(&format!("/cases/{id}/person"), &person).await), id);
        assert_eq!(agent.post(&format!("/cases/{id}/person"), &person).await.status, StatusCode::CONFLICT);
        let mut invalid = registration("Traoré", "", "");
        let fresh = (person_version.parse::<i64>().unwrap() + 1).to_string();
        invalid.push(("version", &fresh));
        let reply = agent.post(&format!("/cases/{id}/person"), &invalid).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"given_names-error\""));
        assert_eq!(p.db.app.db.case_file(id).await.unwrap().unwrap().person.draft.given_names, "Zénabou Kadidia");
    }

    async fn a_case_is_closed_then_reopened_through_the_forms(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        let id = case_id_of(&agent.register(&registration("Traoré", "Zénabou", "")).await);
        let page = agent.get(&format!("/cases/{id}")).await;
        let close = format!("/cases/{id}/close");
        let version = version_in(&page.body, &close);
        let reply = agent.post(&close, &[("version", &version), ("closure_reason", "")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("aria-describedby=\"closure_reason-error\""));
        let reply = agent.post(&close, &[("version", &version), ("closure_reason", "assistance_completed")]).await;
        assert_eq!(reply.location(), Some(format!("/cases/{id}?msg=saved").as_str()));
        let page = agent.get(&format!("/cases/{id}")).await;
        assert!(page.body.contains("data-testid=\"case-status\">Statut : Clôturé<"));
        assert!(page.body.contains("Assistance terminée"));
        let reply = agent.post(&close, &[("version", &version), ("closure_reason", "deceased")]).await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "an old version is stale");

        let reopen = format!("/cases/{id}/reopen");
        let version = version_in(&page.body, &reopen);
        let reply = agent.post(&reopen, &[("version", &version), ("reopen_reason", "  ")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"reopen_reason-error\""));
        let reason = "La personne est revenue demander un appui";
        assert_eq!(case_id_of(&agent.post(&reopen, &[("version", &version), ("reopen_reason", reason)]).await), id);
        let page = agent.get(&format!("/cases/{id}")).await;
        assert!(page.body.contains("data-testid=\"case-status\">Statut : Ouvert<"));
        assert!(page.body.contains("Dossier clôturé") && page.body.contains("Dossier rouvert"), "in the history");
        let file = p.db.app.db.case_file(id).await.unwrap().unwrap();
        assert_eq!(file.case.status, cnrm_domain::lifecycle::case::CaseStatus::Open);
        assert_eq!(file.case.closure_reason, None);
    }

    async fn consent_screening_and_assignment_through_the_case_page(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        let id = case_id_of(&agent.register(&registration("Traoré", "Zénabou", "")).await);
        let page = agent.get(&format!("/cases/{id}")).await;
        assert!(!page.body.contains(&format!("action=\"/cases/{id}/assign\"")), "a case worker does not assign");

        let consents = format!("/cases/{id}/consents");
        let reply = agent.post(&consents, &[("purpose", "referral_sharing"), ("partner_organisation_id", ""), ("method", "written"), ("granted_on", "2025-03-18")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"partner_organisation_id-error\""));
        assert!(reply.body.contains("value=\"referral_sharing\" selected"), "typed values kept");
        let anpe = p.org_id("ANPE").await.to_string();
        let reply = agent.post(&consents, &[("purpose", "referral_sharing"), ("partner_organisation_id", &anpe), ("method", "oral_witnessed"), ("granted_on", "2025-03-18")]).await;
        assert_eq!(case_id_of(&reply), id);
        let file = p.db.app.db.case_file(id).await.unwrap().unwrap();
        let consent = file.consents.iter().find(|c| c.record.partner_organisation_id.is_some()).unwrap().id;
        let page = agent.get(&format!("/cases/{id}")).await;
        assert!(page.body.contains("Partage avec un partenaire pour une orientation — ANPE"));
        assert_eq!(case_id_of(&agent.post(&format!("/cases/{id}/consents/{consent}/withdraw"), &[]).await), id);
        assert!(agent.get(&format!("/cases/{id}")).await.body.contains("Retiré le"));
        let reply = agent.post(&format!("/cases/{id}/consents/{consent}/withdraw"), &[]).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert!(reply.body.contains("Ce consentement a déjà été retiré."));

        let page = agent.get(&format!("/cases/{id}")).await;
        let screening = format!("/cases/{id}/screening");
        let version = version_in(&page.body, &screening);
        let reply = agent.post(&screening, &[("version", &version), ("vulnerabilities", "gbv_survivor"), ("vulnerabilities", "elderly")]).await;
        assert_eq!(case_id_of(&reply), id);
        let page = agent.get(&format!("/cases/{id}")).await;
        assert!(page.body.contains("data-testid=\"protection\""), "a protection case now");
        assert!(page.body.contains("value=\"gbv_survivor\" checked") && page.body.contains("value=\"elderly\" checked"));

        // The case manager assigns it to another worker of the organisation.
        let mut manager = p.logged_in("oim.gestion").await;
        let page = manager.get(&format!("/cases/{id}")).await;
        let assign = format!("/cases/{id}/assign");
        let version = version_in(&page.body, &assign);
        let manager_id = p.user_id("oim.gestion").await.to_string();
        assert!(page.body.contains(&format!("value=\"{manager_id}\"")), "the organisation's case staff are offered");
        assert!(!page.body.contains(&format!("value=\"{}\"", p.user_id("oim.admin").await)), "not those without cases");
        let reply = manager.post(&assign, &[("version", &version), ("assigned_to", "not-a-user")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"assigned_to-error\""));
        assert_eq!(case_id_of(&manager.post(&assign, &[("version", &version), ("assigned_to", &manager_id)]).await), id);
        let page = manager.get(&format!("/cases/{id}")).await;
        assert!(page.body.contains("data-testid=\"assignee\">Ibrahim Traoré<"));
        assert!(page.body.contains("Assignation modifiée"));
        // The worker no longer sees this protection case, now assigned to someone else.
        assert_eq!(agent.get(&format!("/cases/{id}")).await.status, StatusCode::NOT_FOUND);
    }
}

/// The registration form with the filiation filled in after the given names.
fn with_filiation<'a>(fields: Vec<(&'a str, &'a str)>, father: &'a str, mother: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut fields = fields;
    let at = fields.iter().position(|(name, _)| *name == "given_names").unwrap() + 1;
    fields.insert(at, ("father_name", father));
    fields.insert(at + 1, ("mother_name", mother));
    fields
}

test_both_backends! {
    async fn the_filiation_is_registered_shown_and_changed(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        let form = agent.get("/cases/new").await.body;
        for needle in ["name=\"father_name\"", "name=\"mother_name\"", "Prénom du père", "Nom et prénom de la mère",
                       "Comme sur l&#39;acte de naissance : fils/fille de", "aria-describedby=\"father_name-hint\""] {
            let needle = if form.contains(needle) { needle.to_string() } else { needle.replace("&#39;", "'") };
            assert!(form.contains(&needle), "{needle} missing from the registration form");
        }
        let given = form.find("name=\"given_names\"").unwrap();
        assert!(given < form.find("name=\"father_name\"").unwrap(), "after the given names");

        let fields = with_filiation(registration("Traoré", "Zénabou", ""), " Mamadou  Lamine ", "Fatoumata Diarra");
        let id = case_id_of(&agent.register(&fields).await);
        let file = p.db.app.db.case_file(id).await.unwrap().unwrap();
        assert_eq!(file.person.draft.father_name.as_deref(), Some("Mamadou Lamine"));
        assert_eq!(file.person.draft.mother_name.as_deref(), Some("Fatoumata Diarra"));
        let page = agent.get(&format!("/cases/{id}")).await.body;
        for needle in ["Prénom du père", "Mamadou Lamine", "Nom et prénom de la mère", "Fatoumata Diarra"] {
            assert!(page.contains(needle), "{needle} missing from the case file");
        }
        let edit = agent.get(&format!("/cases/{id}/edit")).await.body;
        assert!(edit.contains("value=\"Mamadou Lamine\"") && edit.contains("value=\"Fatoumata Diarra\""), "pre-filled");

        // Changed through the identity form: stored, and what the matcher reads follows.
        let version = version_in(&edit, &format!("/cases/{id}/person"));
        let mut change = with_filiation(registration("Traoré", "Zénabou", ""), "Mamadou Lamine", "Oumou Sangaré");
        change.push(("version", &version));
        assert_eq!(case_id_of(&agent.post(&format!("/cases/{id}/person"), &change).await), id);
        let file = p.db.app.db.case_file(id).await.unwrap().unwrap();
        assert_eq!(file.person.draft.mother_name.as_deref(), Some("Oumou Sangaré"));
        let record = p.db.app.db.identity_records_of(&[file.person.id]).await.unwrap().remove(0);
        assert_eq!((record.father_name.as_str(), record.mother_name.as_str()), ("Mamadou Lamine", "Oumou Sangaré"));

        // Left empty: nothing stored.
        let bare = case_id_of(&agent.register(&with_filiation(registration("Keïta", "Awa", ""), "", "")).await);
        assert_eq!(p.db.app.db.case_file(bare).await.unwrap().unwrap().person.draft.father_name, None);
    }

    async fn a_filiation_in_digits_or_another_script_is_refused_and_kept(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        let fields = with_filiation(registration("Diarra", "Aminata", ""), "1975", "فاطمة ديارا");
        let reply = agent.register(&fields).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        for field in ["father_name", "mother_name"] {
            assert!(reply.body.contains(&format!("id=\"{field}-error\"")), "no message for {field}");
            assert!(reply.body.contains(&format!("aria-describedby=\"{field}-error")), "{field} not linked to its message");
        }
        assert!(reply.body.contains("Un nom doit contenir au moins une lettre."));
        assert!(reply.body.contains("Écrivez ce nom en lettres latines"));
        assert!(reply.body.contains("value=\"1975\"") && reply.body.contains("value=\"فاطمة ديارا\""), "typed values kept");
        assert!(reply.body.contains("value=\"Aminata\""));
        assert!(agent.get("/cases?q=aminata").await.body.contains("Aucun résultat."), "nothing saved");
    }
}
