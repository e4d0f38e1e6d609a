//! Identity resolution, on both backends: possible matches at registration (what each side may
//! learn), the batch pass filling the review queue, decisions, links to master persons, splits,
//! the online index kept current, contact requests, and the audit of each.

use cnrm_app::cases::{self, RegistrationOutcome};
use cnrm_app::identity::{self, CandidateQuery, ContactRequestInput};
use cnrm_app::plans::{self, PlanItemInput};
use cnrm_app::testing::{self, actor, TestDb};
use cnrm_app::{test_both_backends, Actor, AppError};
use cnrm_domain::identity::{CandidateStatus, MatchReason};
use cnrm_domain::lifecycle::plan::AssistanceType;
use cnrm_domain::paging::PageRequest;
use cnrm_domain::Role;
use cnrm_store::{AuditFilter, CaseRecord, IdentityCandidate};
use uuid::Uuid;

fn person(family: &str, given: &str, born: &str, phone: &str) -> cases::Registration {
    let mut input = testing::registration(family, given, "male", born, "2025-03-01");
    if !phone.is_empty() {
        input.person.phones = vec![phone.into()];
    }
    input
}

/// The registration without confirmation: what the worker is shown before saving.
async fn shown(db: &TestDb, by: &Actor, input: &cases::Registration) -> Vec<cases::PossibleMatch> {
    let mut input = input.clone();
    input.confirm_new_person = false;
    match cases::register(&db.app, by, &input).await.unwrap() {
        RegistrationOutcome::PossibleMatches(m) => m,
        RegistrationOutcome::Registered(_) => panic!("no possible match was shown"),
    }
}

async fn dedup_run(db: &TestDb) -> identity::DedupReport {
    identity::dedup_database(&db.app, &Actor::console(), 0.9, &|_, _, _| {}).await.unwrap()
}

/// The queued pair of two records (either order), if any.
async fn pair(db: &TestDb, steward: &Actor, x: Uuid, y: Uuid) -> Option<IdentityCandidate> {
    let (a, b) = if x < y { (x, y) } else { (y, x) };
    let query = CandidateQuery { per_page: Some(100), ..Default::default() };
    let mut found = Vec::new();
    let mut page = 1;
    loop {
        let q = CandidateQuery { page: Some(page), ..query.clone() };
        let items = identity::candidates(&db.app, steward, &q).await.unwrap();
        let pages = (items.total + 99) / 100;
        found.extend(items.items.into_iter().map(|v| v.candidate).filter(|c| c.person_a == a && c.person_b == b));
        if page >= pages {
            break;
        }
        page += 1;
    }
    assert!(found.len() <= 1, "a pair is queued once");
    found.pop()
}

async fn actions(db: &TestDb, prefix: &str) -> Vec<String> {
    let filter = AuditFilter { action_prefix: Some(prefix.into()), ..Default::default() };
    let page = PageRequest { page: 1, per_page: 100, sort: "seq", descending: false, search: None };
    db.app.db.audit_entries(&filter, &page).await.unwrap().items.into_iter().map(|e| e.action).collect()
}

async fn master(db: &TestDb, person: Uuid) -> Uuid {
    db.app.db.identity_records_of(&[person]).await.unwrap()[0].master_person_id
}

test_both_backends! {
    async fn registration_discloses_matches_by_organisation(db) {
        testing::load_demo(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let first: CaseRecord = testing::register(&db, &worker, &person("Tapily", "Sékou", "1988-04-09", "76 41 22 90")).await;
        let mut training = PlanItemInput {
            dimension: "economic".into(),
            assistance_type: "vocational_training".into(),
            level: "individual".into(),
            channel: "referral".into(),
            description: "Formation en soudure".into(),
            budget_xof: "200 000".into(),
            ..Default::default()
        };
        plans::add_item(&db.app, &worker, first.id, &training).await.unwrap();
        training.assistance_type = "business_start_up".into();
        training.dimension = "economic".into();
        plans::add_item(&db.app, &worker, first.id, &training).await.unwrap();

        // Same organisation: the case, the name, the reasons.
        let manager = actor(&db, "oim.gestion").await;
        let again = person("TAPILY", "Sekou", "1988-04-09", "+223 76 41 22 90");
        let same_org = shown(&db, &manager, &again).await;
        let m = same_org.iter().find(|m| m.case_id == Some(first.id)).expect("the case is shown");
        assert!(m.name.as_deref().unwrap().contains("Tapily"));
        assert!(m.disclosure.reasons.contains(&MatchReason::SamePhone), "{:?}", m.disclosure.reasons);
        assert!(m.disclosure.probability.unwrap() > 0.9);

        // Another organisation: only where, and the assistance given there; a way to ask.
        let other = testing::add_account(&db, "anpe.agent", Role::CaseWorker, "ANPE", None).await;
        let elsewhere = shown(&db, &other, &again).await;
        assert_eq!(elsewhere.len(), 1, "{elsewhere:?}");
        let m = &elsewhere[0];
        assert_eq!((m.case_id, m.case_number.as_deref(), m.name.as_deref(), m.person_id, m.birth_year), (None, None, None, None, None));
        assert_eq!(m.organisation_id, first.organisation_id);
        assert_eq!(m.disclosure.assistance, vec![AssistanceType::BusinessStartUp, AssistanceType::VocationalTraining]);
        assert!(!m.disclosure.reasons.is_empty() && !m.disclosure.signal_only);
        let json = serde_json::to_string(&elsewhere).unwrap();
        for secret in ["Tapily", "TAPILY", "Sékou", "76412290", &first.case_number, &first.person_id.to_string(), &first.id.to_string()] {
            assert!(!json.contains(secret), "{secret} disclosed: {json}");
        }

        // Asking the organisation: recorded, audited, in its work queue, not in the asker's.
        let contact_ref = m.disclosure.contact_ref.expect("a way to ask");
        let wrong = ContactRequestInput { organisation_id: other.user.organisation_id.to_string(), contact_ref: contact_ref.to_string(), message: String::new() };
        assert!(matches!(identity::ask(&db.app, &other, &wrong).await, Err(AppError::Invalid(_))));
        let elsewhere_org = testing::org_id(&db, "UE").await;
        let not_there = ContactRequestInput { organisation_id: elsewhere_org.to_string(), ..wrong.clone() };
        assert!(matches!(identity::ask(&db.app, &other, &not_there).await, Err(AppError::NotFound)), "the record must be held there");
        let input = ContactRequestInput { organisation_id: m.organisation_id.to_string(), contact_ref: contact_ref.to_string(), message: "Suivez-vous ce monsieur ?".into() };
        identity::ask(&db.app, &other, &input).await.unwrap();
        let received = identity::received(&db.app, &manager, 20).await.unwrap();
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].cases[0].id, first.id);
        assert_eq!(received[0].request.from_organisation_id, other.user.organisation_id);
        assert!(identity::received(&db.app, &other, 20).await.unwrap().is_empty());
        assert_eq!(actions(&db, "identity.contact_request").await.len(), 1);

        // A protection case out of reach is only signalled.
        let mut child = person("Djiguiba", "Alou", "2012-02-02", "");
        child.vulnerabilities = vec!["unaccompanied_child".into()];
        let protected = testing::register(&db, &worker, &child).await;
        assert!(protected.protection);
        let signalled = shown(&db, &other, &person("Djiguiba", "Alou", "2012-02-02", "")).await;
        assert!(!signalled.is_empty());
        assert!(signalled.iter().all(|m| m.disclosure.signal_only && m.disclosure.assistance.is_empty() && m.disclosure.contact_ref.is_none() && m.disclosure.reasons.is_empty() && m.name.is_none() && m.organisation_id.is_nil()), "{signalled:?}");
    }

    async fn the_online_index_follows_registrations_and_edits(db) {
        testing::load_demo(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let probe = |family: &str, given: &str| cnrm_match::Record {
            family_name: family.into(),
            given_name: given.into(),
            sex: cnrm_match::Sex::Male,
            birth: Some(cnrm_match::BirthDate { year: 1979, month: 11, day: 23 }),
            phone: "+22366778899".into(),
            ..Default::default()
        };
        // The index is built on first use; a registration made afterwards is found at once.
        assert!(identity::lookup(&db.app, &probe("Kamissoko", "Lassana")).await.unwrap().is_empty());
        let case = testing::register(&db, &worker, &person("Kamissoko", "Lassana", "1979-11-23", "66 77 88 99")).await;
        let found = identity::lookup(&db.app, &probe("Kamisoko", "Lassana")).await.unwrap();
        assert_eq!(found[0].0, case.person_id);
        // An edit moves the record in the index: the old name no longer finds it, the new one does.
        let file = cases::get(&db.app, &worker, case.id).await.unwrap();
        let mut input = person("Fofana", "Yaya", "1979-11-23", "66 77 88 99").person;
        input.nationality = "ML".into();
        cases::update_person(&db.app, &worker, case.id, file.person.version, &input).await.unwrap();
        let probe_new = |family: &str, given: &str| cnrm_match::Record { phone: String::new(), ..probe(family, given) };
        assert!(identity::lookup(&db.app, &probe_new("Kamissoko", "Lassana")).await.unwrap().iter().all(|c| c.0 != case.person_id));
        assert_eq!(identity::lookup(&db.app, &probe_new("Fofana", "Yaya")).await.unwrap()[0].0, case.person_id);
    }

    async fn review_decisions_are_remembered_linked_split_and_audited(db) {
        testing::load_demo(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let anpe = testing::add_account(&db, "anpe.agent", Role::CaseWorker, "ANPE", None).await;
        let steward = actor(&db, "cnrm.donnees").await;
        let a = testing::register(&db, &worker, &person("Kanouté", "Bakary", "1990-03-12", "76 55 01 02")).await;
        let b = testing::register(&db, &worker, &person("Kanoute", "Bakari", "1990-03-12", "76 55 01 02")).await;
        let c = testing::register(&db, &worker, &person("Samassékou", "Modibo", "1985-07-01", "65 10 20 30")).await;
        let d = testing::register(&db, &anpe, &person("SAMASSEKOU", "Modibo", "1985-07-01", "+223 65 10 20 30")).await;

        // Only data stewards see the queue.
        assert!(matches!(identity::candidates(&db.app, &worker, &CandidateQuery::default()).await, Err(AppError::Forbidden)));
        assert!(matches!(identity::dedup_database(&db.app, &worker, 0.9, &|_, _, _| {}).await, Err(AppError::Forbidden)));

        let first = dedup_run(&db).await;
        assert!(first.added >= 2, "{first:?}");
        let ab = pair(&db, &steward, a.person_id, b.person_id).await.expect("a and b queued");
        let cd = pair(&db, &steward, c.person_id, d.person_id).await.expect("c and d queued");
        assert_eq!(ab.status, CandidateStatus::Pending);
        assert!(ab.evidence.iter().any(|e| e.field == "phone" && e.level == "same" && e.weight > 0.0), "{:?}", ab.evidence);
        assert!(pair(&db, &steward, a.person_id, c.person_id).await.is_none());
        let pending = identity::candidates(&db.app, &steward, &CandidateQuery { status: "pending".into(), ..Default::default() }).await.unwrap();
        assert!(pending.items.windows(2).all(|w| w[0].candidate.probability >= w[1].candidate.probability), "most probable first");
        // The side-by-side view shows identity fields and where the cases are, nothing of the cases.
        let view = identity::candidate(&db.app, &steward, cd.id).await.unwrap();
        assert_eq!(view.a.phones, vec!["+22365102030".to_string()]);
        let mut orgs = [view.a_organisations.clone(), view.b_organisations.clone()].concat();
        orgs.sort();
        let mut expected = vec![c.organisation_id, d.organisation_id];
        expected.sort();
        assert_eq!(orgs, expected);

        // "Not the same": remembered, never proposed again.
        let decided = identity::decide(&db.app, &steward, ab.id, ab.version, "not_same").await.unwrap();
        assert_eq!(decided.status, CandidateStatus::NotSame);
        assert!(matches!(identity::decide(&db.app, &steward, ab.id, ab.version, "same").await, Err(AppError::Stale)));
        assert!(matches!(identity::decide(&db.app, &steward, ab.id, decided.version, "same").await, Err(AppError::Refused("identity-error-not-decidable"))));
        assert!(matches!(identity::decide(&db.app, &steward, cd.id, cd.version, "maybe").await, Err(AppError::Invalid(_))));

        // "Same": both records share one master person; nothing else changes.
        let linked = identity::decide(&db.app, &steward, cd.id, cd.version, "same").await.unwrap();
        assert_eq!(master(&db, c.person_id).await, master(&db, d.person_id).await);
        assert_eq!(master(&db, c.person_id).await, c.person_id.min(d.person_id));
        assert_ne!(master(&db, a.person_id).await, master(&db, b.person_id).await);
        // The case page: the other record's case where the reader may see it, otherwise only where.
        let seen_by_oim = identity::linked(&db.app, &worker, c.id).await.unwrap();
        assert_eq!(seen_by_oim.len(), 1);
        assert_eq!((seen_by_oim[0].case_id, seen_by_oim[0].name.as_deref()), (None, None));
        assert_eq!(seen_by_oim[0].organisation_id, d.organisation_id);
        let admin = actor(&db, "admin").await;
        if cases::visible(&db.app, &admin, d.id).await.is_ok() {
            assert_eq!(identity::linked(&db.app, &admin, c.id).await.unwrap()[0].case_id, Some(d.id));
        }
        // Registering the person again shows one person, not two.
        let again = shown(&db, &actor(&db, "oim.gestion").await, &person("Samassekou", "Modibo", "1985-07-01", "65 10 20 30")).await;
        assert_eq!(again.iter().filter(|m| m.case_id == Some(c.id)).count(), 1);

        // A second run proposes neither the "not the same" pair nor the linked one again.
        let second = dedup_run(&db).await;
        assert_eq!(second.added, 0, "{second:?}");
        assert!(second.already_linked >= 1, "{second:?}");
        assert_eq!(pair(&db, &steward, a.person_id, b.person_id).await.unwrap().status, CandidateStatus::NotSame);
        assert_eq!(pair(&db, &steward, c.person_id, d.person_id).await.unwrap().status, CandidateStatus::Same);

        // Split: both records are separate persons again; the pair stays, marked.
        assert!(matches!(identity::split(&db.app, &steward, ab.id, decided.version).await, Err(AppError::Refused("identity-error-not-linked"))));
        assert!(matches!(identity::split(&db.app, &worker, cd.id, linked.version).await, Err(AppError::Forbidden)));
        let split = identity::split(&db.app, &steward, cd.id, linked.version).await.unwrap();
        assert_eq!(split.status, CandidateStatus::Split);
        assert_eq!(master(&db, c.person_id).await, c.person_id);
        assert_eq!(master(&db, d.person_id).await, d.person_id);
        assert!(identity::linked(&db.app, &worker, c.id).await.unwrap().is_empty());
        assert_eq!(db.app.db.linked_records(d.person_id).await.unwrap(), vec![d.person_id]);

        // Every run, view, decision and split is in the audit trail.
        assert!(actions(&db, "identity.dedup").await.len() >= 2);
        assert_eq!(actions(&db, "identity.decide").await.len(), 2);
        assert_eq!(actions(&db, "identity.split").await.len(), 1);
        assert_eq!(actions(&db, "identity.view").await.len(), 1);
    }
}
