//! The service catalogue, on both backends: validation workflow and revisions, role scoping, search
//! by need and place, eligibility, and what the referral form is offered.

use cnrm_app::catalogue::{self, CatalogueQuery, ValidationInput};
use cnrm_app::testing::{self, actor, org_id, TestDb};
use cnrm_app::{test_both_backends, AppError};
use cnrm_domain::lifecycle::plan::AssistanceType;
use cnrm_domain::paging::PageRequest;
use cnrm_domain::service::{RevisionStatus, ServiceInput};
use cnrm_store::AuditFilter;

fn page() -> PageRequest {
    PageRequest { page: 1, per_page: 200, sort: "name", descending: false, search: None }
}

fn service(name: &str) -> ServiceInput {
    ServiceInput {
        name: name.into(),
        category: "job_placement".into(),
        dimension: "economic".into(),
        description: "Mise en relation avec des employeurs".into(),
        units: vec!["ML05".into()],
        age_min: "18".into(),
        contact_name: "Oumar Sangaré".into(),
        contact_phone: "+223 76 00 00 00".into(),
        languages: vec!["fr".into(), "ff".into()],
        ..Default::default()
    }
}

fn names(page: &cnrm_domain::paging::Page<cnrm_store::ServiceRevision>) -> Vec<String> {
    page.items.iter().map(|r| r.content.name.clone()).collect()
}

fn query(category: &str, unit: &str) -> CatalogueQuery {
    CatalogueQuery { category: category.into(), unit: unit.into(), ..Default::default() }
}

async fn approve(db: &TestDb, id: uuid::Uuid) -> catalogue::ServiceView {
    let secretariat = actor(db, "secretariat").await;
    let version = catalogue::get(&db.app, &secretariat, id).await.unwrap().service.version;
    let decision = ValidationInput { decision: "approve".into(), comment: String::new() };
    catalogue::validate(&db.app, &secretariat, id, version, &decision).await.unwrap()
}

test_both_backends! {
    async fn a_draft_is_seen_by_its_organisation_only_until_the_secretariat_publishes_it(db) {
        testing::load_demo(&db).await;
        let anpe = actor(&db, "anpe.focal").await;
        let observer = actor(&db, "ue.observateur").await;
        let other_org = actor(&db, "oim.gestion").await;
        let secretariat = actor(&db, "secretariat").await;
        let created = catalogue::create(&db.app, &anpe, None, &service("Placement à Mopti")).await.unwrap();
        let id = created.id;
        assert_eq!(created.organisation_id, org_id(&db, "ANPE").await);
        assert_eq!(created.pending.as_ref().unwrap().status, RevisionStatus::Draft);
        for reader in [&observer, &other_org] {
            assert!(matches!(catalogue::get(&db.app, reader, id).await, Err(AppError::NotFound)));
            let listed = catalogue::list(&db.app, reader, &query("job_placement", "ML05"), &page()).await.unwrap();
            assert!(!names(&listed).contains(&"Placement à Mopti".to_string()));
        }
        let own = catalogue::list(&db.app, &anpe, &query("job_placement", "ML05"), &page()).await.unwrap();
        assert_eq!(names(&own), vec!["Placement à Mopti"]);

        // Nothing to validate before it is submitted.
        let v = catalogue::get(&db.app, &anpe, id).await.unwrap();
        assert!(v.may_edit && v.may_submit && !v.may_validate);
        let approve_now = ValidationInput { decision: "approve".into(), comment: String::new() };
        assert!(matches!(
            catalogue::validate(&db.app, &secretariat, id, v.service.version, &approve_now).await,
            Err(AppError::Refused("error-catalogue-transition"))
        ));
        assert!(matches!(catalogue::validate(&db.app, &anpe, id, v.service.version, &approve_now).await, Err(AppError::Forbidden)));
        let submitted = catalogue::submit(&db.app, &anpe, id, v.service.version).await.unwrap();
        assert_eq!(submitted.current().status, RevisionStatus::Submitted);
        let queue = catalogue::pending_queue(&db.app, &secretariat, &page()).await.unwrap();
        assert!(names(&queue).contains(&"Placement à Mopti".to_string()));
        assert!(matches!(catalogue::pending_queue(&db.app, &anpe, &page()).await, Err(AppError::Forbidden)));
        // Under review, it cannot change.
        assert!(matches!(
            catalogue::update(&db.app, &anpe, id, submitted.service.version, &service("Autre nom")).await,
            Err(AppError::Refused("error-catalogue-under-review"))
        ));

        // Returned: a comment is required; then fixed, resubmitted and published.
        let bare = ValidationInput { decision: "return".into(), comment: "  ".into() };
        assert_eq!(testing::invalid(catalogue::validate(&db.app, &secretariat, id, submitted.service.version, &bare).await, "comment"), "error-catalogue-return-comment");
        let with_comment = ValidationInput { decision: "return".into(), comment: "Précisez les horaires d'ouverture".into() };
        let returned = catalogue::validate(&db.app, &secretariat, id, submitted.service.version, &with_comment).await.unwrap();
        assert_eq!(returned.current().status, RevisionStatus::Returned);
        assert_eq!(returned.current().review_comment.as_deref(), Some("Précisez les horaires d'ouverture"));
        assert!(matches!(catalogue::get(&db.app, &observer, id).await, Err(AppError::NotFound)));
        let fixed = ServiceInput { opening_hours: "Lun–ven 8h–16h".into(), ..service("Placement à Mopti") };
        let edited = catalogue::update(&db.app, &anpe, id, returned.service.version, &fixed).await.unwrap();
        assert_eq!(edited.current().status, RevisionStatus::Draft);
        let resubmitted = catalogue::submit(&db.app, &anpe, id, edited.service.version).await.unwrap();
        let published = approve(&db, resubmitted.service.id).await;
        assert!(published.service.pending.is_none());
        assert_eq!(published.service.published.as_ref().unwrap().content.opening_hours, "Lun–ven 8h–16h");
        let seen = catalogue::get(&db.app, &observer, id).await.unwrap();
        assert!(!seen.may_edit && !seen.may_submit);
        let listed = catalogue::list(&db.app, &observer, &query("job_placement", "ML0506"), &page()).await.unwrap();
        assert_eq!(names(&listed), vec!["Placement à Mopti"]);

        // Every step is in the audit trail.
        let filter = AuditFilter { entity_id: Some(id.to_string()), ..Default::default() };
        let trail = db.app.db.audit_entries(&filter, &page()).await.unwrap();
        let mut actions: Vec<String> = trail.items.iter().map(|e| e.action.clone()).collect();
        actions.sort();
        assert_eq!(actions, vec!["catalogue.approve", "catalogue.create", "catalogue.return", "catalogue.submit", "catalogue.submit", "catalogue.update"]);
    }

    async fn a_change_to_a_published_service_waits_while_the_published_version_stays_visible(db) {
        testing::load_demo(&db).await;
        let anpe = actor(&db, "anpe.focal").await;
        let observer = actor(&db, "ue.observateur").await;
        let created = catalogue::create(&db.app, &anpe, None, &service("Placement à Mopti")).await.unwrap();
        let v = catalogue::submit(&db.app, &anpe, created.id, created.version).await.unwrap();
        let published = approve(&db, v.service.id).await;
        let first = published.service.published.clone().unwrap();
        assert_eq!(first.number, 1);

        let wider = ServiceInput { units: vec!["ML05".into(), "ML06".into()], ..service("Placement à Mopti et Tombouctou") };
        // A stale version is refused and nothing changes.
        assert!(matches!(catalogue::update(&db.app, &anpe, created.id, published.service.version - 1, &wider).await, Err(AppError::Stale)));
        let revised = catalogue::update(&db.app, &anpe, created.id, published.service.version, &wider).await.unwrap();
        let pending = revised.service.pending.clone().unwrap();
        assert_eq!((pending.number, pending.status), (2, RevisionStatus::Draft));
        assert_eq!(revised.service.published.as_ref().unwrap().content.name, "Placement à Mopti");
        // Others still see the published version only, and searches find it where it is published.
        let seen = catalogue::get(&db.app, &observer, created.id).await.unwrap();
        assert!(seen.service.pending.is_none());
        assert_eq!(seen.current().content.name, "Placement à Mopti");
        let timbuktu = catalogue::list(&db.app, &observer, &query("job_placement", "ML06"), &page()).await.unwrap();
        assert!(timbuktu.items.iter().all(|r| r.service_id != created.id));

        let submitted = catalogue::submit(&db.app, &anpe, created.id, revised.service.version).await.unwrap();
        let after = approve(&db, submitted.service.id).await;
        let now_published = after.service.published.clone().unwrap();
        assert_eq!((now_published.number, now_published.content.name.as_str()), (2, "Placement à Mopti et Tombouctou"));
        assert!(after.service.pending.is_none());
        let timbuktu = catalogue::list(&db.app, &observer, &query("job_placement", "ML06"), &page()).await.unwrap();
        assert_eq!(timbuktu.items.iter().filter(|r| r.service_id == created.id).count(), 1);
        // The first revision is superseded: never listed again, even for the secretariat.
        let secretariat = actor(&db, "secretariat").await;
        let all = catalogue::list(&db.app, &secretariat, &CatalogueQuery::default(), &page()).await.unwrap();
        assert_eq!(all.items.iter().filter(|r| r.service_id == created.id).count(), 1);
    }

    async fn organisations_change_only_their_own_services(db) {
        testing::load_demo(&db).await;
        let anpe = actor(&db, "anpe.focal").await;
        let oim = actor(&db, "oim.gestion").await;
        let secretariat = actor(&db, "secretariat").await;
        let draft = catalogue::create(&db.app, &anpe, None, &service("Brouillon ANPE")).await.unwrap();
        // Another organisation: a draft does not exist for it, a published service cannot be changed.
        assert!(matches!(catalogue::update(&db.app, &oim, draft.id, 1, &service("Pris")).await, Err(AppError::NotFound)));
        assert!(matches!(catalogue::submit(&db.app, &oim, draft.id, 1).await, Err(AppError::NotFound)));
        let published = catalogue::list(&db.app, &oim, &query("job_placement", "ML01"), &page()).await.unwrap();
        let anpe_service = published.items.iter().find(|r| r.organisation_id == anpe.user.organisation_id).unwrap();
        let version = catalogue::get(&db.app, &oim, anpe_service.service_id).await.unwrap().service.version;
        assert!(matches!(catalogue::update(&db.app, &oim, anpe_service.service_id, version, &service("Pris")).await, Err(AppError::Forbidden)));
        // Writing for another organisation needs a grant reaching it (the secretariat's).
        let anpe_id = org_id(&db, "ANPE").await;
        assert!(matches!(catalogue::create(&db.app, &oim, Some(anpe_id), &service("Pour l'ANPE")).await, Err(AppError::Forbidden)));
        let for_anpe = catalogue::create(&db.app, &secretariat, Some(anpe_id), &service("Pour l'ANPE")).await.unwrap();
        assert_eq!(for_anpe.organisation_id, anpe_id);
        assert!(catalogue::get(&db.app, &anpe, for_anpe.id).await.unwrap().may_edit);
        // Readers without the coordination grants.
        let worker = actor(&db, "oim.agent").await;
        assert!(matches!(catalogue::create(&db.app, &worker, None, &service("Non")).await, Err(AppError::Forbidden)));
        assert!(catalogue::list(&db.app, &worker, &CatalogueQuery::default(), &page()).await.is_ok());
        let steward = actor(&db, "cnrm.donnees").await;
        assert!(matches!(catalogue::list(&db.app, &steward, &CatalogueQuery::default(), &page()).await, Err(AppError::Forbidden)));
    }

    async fn bad_input_is_refused_with_a_message_and_nothing_is_written(db) {
        testing::load_demo(&db).await;
        let anpe = actor(&db, "anpe.focal").await;
        let secretariat = actor(&db, "secretariat").await;
        let before = catalogue::list(&db.app, &secretariat, &CatalogueQuery::default(), &page()).await.unwrap().total;
        let bad = ServiceInput { units: vec!["ML05".into(), "XX99".into()], ..service("Placement à Mopti") };
        assert_eq!(testing::invalid(catalogue::create(&db.app, &anpe, None, &bad).await, "units"), "error-catalogue-unknown-unit");
        let bad = ServiceInput { category: "magic".into(), age_min: "40".into(), age_max: "30".into(), ..service("Placement") };
        match catalogue::create(&db.app, &anpe, None, &bad).await {
            Err(AppError::Invalid(errors)) => {
                assert_eq!(errors.for_field("category"), Some("error-choose-from-list"));
                assert_eq!(errors.for_field("age_max"), Some("error-catalogue-age-range"));
            }
            other => panic!("expected invalid input, got {other:?}"),
        }
        let after = catalogue::list(&db.app, &secretariat, &CatalogueQuery::default(), &page()).await.unwrap().total;
        assert_eq!(before, after);
        assert_eq!(testing::invalid(catalogue::list(&db.app, &anpe, &query("", "XX99"), &page()).await, "unit"), "error-catalogue-unknown-unit");
        assert_eq!(testing::invalid(catalogue::list(&db.app, &anpe, &query("teleportation", ""), &page()).await, "category"), "error-choose-from-list");
    }

    async fn search_by_need_and_place_matches_regions_and_their_cercles(db) {
        testing::load_demo(&db).await;
        let observer = actor(&db, "ue.observateur").await;
        let search = |category: &'static str, unit: &'static str| {
            let app = db.app.clone();
            let observer = observer.clone();
            async move { names(&catalogue::list(&app, &observer, &query(category, unit), &page()).await.unwrap()) }
        };
        // ANPE's job placement covers the Kayes region: found from the cercle of Kayes.
        assert_eq!(search("job_placement", "ML0103").await, vec!["Placement en emploi et intermédiation"]);
        assert!(search("job_placement", "ML0305").await.is_empty(), "not offered in Sikasso");
        // FAFPA's apprenticeship covers the cercle of Sikasso: found from the region too.
        assert_eq!(search("apprenticeship", "ML03").await, vec!["Apprentissage en atelier chez un maître artisan"]);
        assert!(search("apprenticeship", "ML0301").await.is_empty(), "another cercle of the region");
        // Submitted and draft demo entries are not published.
        assert!(search("education", "").await.is_empty());
        assert!(!search("business_start_up", "ML0103").await.iter().any(|n| n.contains("Kayes")));
        let everything = search("", "").await;
        assert!(everything.len() >= 12, "{everything:?}");
    }

    async fn the_referral_form_is_offered_partners_serving_the_returnees_place_and_profile(db) {
        testing::load_demo(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let mut input = testing::registration("Keïta", "Sekou", "male", "1995", "2025-01-10");
        input.person.intended_settlement = "ML0103".into();
        let case = testing::register(&db, &worker, &input).await;
        let anpe = org_id(&db, "ANPE").await;
        let crm = org_id(&db, "CRM").await;
        let found = catalogue::destinations(&db.app, &worker, case.id, AssistanceType::JobPlacement).await.unwrap();
        assert!(found.settlement_known);
        assert_eq!(found.organisations.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![anpe]);
        // Psychosocial support: the general service, not the one for women survivors of violence.
        let found = catalogue::destinations(&db.app, &worker, case.id, AssistanceType::PsychosocialCounselling).await.unwrap();
        assert_eq!(found.organisations.len(), 1);
        assert_eq!(found.organisations[0].0, crm);
        assert_eq!(found.organisations[0].1, vec!["Soutien psychosocial et premiers secours psychologiques"]);
        // Nothing published for that need there.
        let none = catalogue::destinations(&db.app, &worker, case.id, AssistanceType::Apprenticeship).await.unwrap();
        assert!(none.organisations.is_empty());

        let mut input = testing::registration("Diarra", "Kadiatou", "female", "1998", "2025-02-01");
        input.person.intended_settlement = "ML0901".into();
        input.vulnerabilities = vec!["gbv_survivor".into()];
        let manager = actor(&db, "oim.gestion").await;
        let case = testing::register(&db, &manager, &input).await;
        let found = catalogue::destinations(&db.app, &manager, case.id, AssistanceType::PsychosocialCounselling).await.unwrap();
        assert_eq!(found.organisations[0].1.len(), 2, "{found:?}");
        // Someone who may not see the case learns nothing.
        let anpe_reader = actor(&db, "anpe.focal").await;
        assert!(catalogue::destinations(&db.app, &anpe_reader, case.id, AssistanceType::JobPlacement).await.is_err());
    }
}
