//! Transfers of cases between organisations, on both backends: who proposes and decides, consent,
//! one pending transfer, ownership moving on acceptance only, allow-lists, stale edits, audit.

use cnrm_app::cases;
use cnrm_app::referrals::{self, ReferralInput};
use cnrm_app::testing::{self, actor, consent_to, org_id as org, TestDb};
use cnrm_app::transfers::{self, TransferAction, TransferInput};
use cnrm_app::{test_both_backends, AppError};
use cnrm_domain::person::ReturnInput;
use cnrm_domain::transfer::{Side, TransferStatus};
use cnrm_domain::Role;
use cnrm_store::AuditFilter;
use uuid::Uuid;

/// The demo platform, case managers at CRM (the receiver) and AME (a third organisation), a case
/// worker at CRM, and a case at OIM (with a screening task) registered by the demo case worker.
async fn setup(db: &TestDb) -> Uuid {
    testing::load_demo(db).await;
    testing::add_account(db, "crm.gestion", Role::CaseManager, "CRM", Some("Ségou")).await;
    testing::add_account(db, "crm.agent", Role::CaseWorker, "CRM", Some("Ségou")).await;
    testing::add_account(db, "ame.gestion", Role::CaseManager, "AME", None).await;
    let mut input = testing::registration("Diarra", "Sekou", "male", "1995-04-12", "2025-02-01");
    input.person.phones = vec!["76 11 22 33".into()];
    input.person.skills = "Maçonnerie".into();
    input.vulnerabilities = vec!["mental_health_need".into()];
    testing::register(db, &actor(db, "oim.agent").await, &input).await.id
}

fn ret() -> ReturnInput {
    testing::registration("", "", "", "", "2025-02-01").ret
}

fn to(organisation: Uuid) -> TransferInput {
    TransferInput {
        to_organisation_id: organisation.to_string(),
        reason: "Le bénéficiaire s'installe à Ségou".into(),
        shared_fields: Vec::new(),
    }
}

fn action(action: &str, reason: &str) -> TransferAction {
    TransferAction { action: action.into(), reason: reason.into(), version: None }
}

async fn audit_of(db: &TestDb, case_id: Uuid, prefix: &str) -> Vec<cnrm_domain::audit::AuditEntry> {
    let filter =
        AuditFilter { entity_id: Some(case_id.to_string()), action_prefix: Some(prefix.into()), ..Default::default() };
    let page =
        cnrm_domain::paging::PageRequest { page: 1, per_page: 100, sort: "seq", descending: false, search: None };
    db.app.db.audit_entries(&filter, &page).await.unwrap().items
}

test_both_backends! {
    async fn only_a_case_manager_proposes_with_consent_and_once_at_a_time(db) {
        let case_id = setup(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let worker = actor(&db, "oim.agent").await;
        let crm = org(&db, "CRM").await;
        let refused = transfers::propose(&db.app, &manager, case_id, &to(crm)).await;
        assert!(matches!(refused, Err(AppError::Refused("error-consent-never-given"))), "{refused:?}");
        consent_to(&db, case_id, crm).await;
        assert!(matches!(transfers::propose(&db.app, &worker, case_id, &to(crm)).await, Err(AppError::Forbidden)), "a case worker does not propose");
        let receiver = actor(&db, "crm.gestion").await;
        assert!(matches!(transfers::propose(&db.app, &receiver, case_id, &to(crm)).await, Err(AppError::NotFound)));
        match transfers::propose(&db.app, &manager, case_id, &TransferInput { reason: " ".into(), ..to(crm) }).await {
            Err(AppError::Invalid(errors)) => assert_eq!(errors.for_field("reason"), Some("error-required")),
            other => panic!("{other:?}"),
        }
        let own = org(&db, "OIM").await;
        assert!(matches!(transfers::propose(&db.app, &manager, case_id, &to(own)).await, Err(AppError::Invalid(_))));
        let proposed = transfers::propose(&db.app, &manager, case_id, &to(crm)).await.unwrap();
        assert_eq!(proposed.status, TransferStatus::Proposed);
        assert!(proposed.case_number.starts_with("OIM-"));
        let codes: Vec<&str> = proposed.shared_fields.iter().map(|f| f.code()).collect();
        assert_eq!(codes, ["family_name", "given_names", "sex", "phones", "settlement"]);
        let second = transfers::propose(&db.app, &manager, case_id, &to(crm)).await;
        assert!(matches!(second, Err(AppError::Refused("error-transfer-pending"))), "{second:?}");
        let ame = org(&db, "AME").await;
        consent_to(&db, case_id, ame).await;
        assert!(matches!(transfers::propose(&db.app, &manager, case_id, &to(ame)).await, Err(AppError::Refused("error-transfer-pending"))));
        // Nothing moved yet: the case is still OIM's.
        assert_eq!(cases::get(&db.app, &manager, case_id).await.unwrap().case.organisation_id, own);
        assert!(cases::get(&db.app, &receiver, case_id).await.is_err());
        assert_eq!(audit_of(&db, case_id, "transfer.propose").await.len(), 1);
    }

    async fn acceptance_moves_the_case_with_a_new_number(db) {
        let case_id = setup(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let worker = actor(&db, "oim.agent").await;
        let receiver = actor(&db, "crm.gestion").await;
        let crm = org(&db, "CRM").await;
        let anpe = org(&db, "ANPE").await;
        consent_to(&db, case_id, crm).await;
        consent_to(&db, case_id, anpe).await;
        let referral = ReferralInput { to_organisation_id: anpe.to_string(), service: "vocational_training".into(), ..Default::default() };
        referrals::send(&db.app, &worker, case_id, &referral).await.unwrap();
        let before = cases::get(&db.app, &worker, case_id).await.unwrap();
        assert!(before.case.assigned_to.is_some() && before.case.team.is_some());
        let proposed = transfers::propose(&db.app, &manager, case_id, &TransferInput { shared_fields: vec!["skills".into()], ..to(crm) }).await.unwrap();

        // The receiver sees the proposal and only the allow-listed fields, and the view is audited.
        let lists = transfers::lists(&db.app, &receiver).await.unwrap();
        assert_eq!(lists.incoming.len(), 1);
        assert!(lists.outgoing.is_empty());
        assert_eq!(transfers::lists(&db.app, &manager).await.unwrap().outgoing.len(), 1);
        assert_eq!(transfers::waiting(&db.app, &receiver, 10).await.unwrap().len(), 1);
        let seen = transfers::get(&db.app, &receiver, proposed.id).await.unwrap();
        assert_eq!(seen.side, Side::Receiver);
        let keys: Vec<&str> = seen.person.keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 5, "{keys:?}");
        for key in &keys {
            assert!(["family_name", "given_names", "sex", "phones", "skills"].contains(key), "{key} disclosed");
        }
        assert_eq!(seen.person["skills"], "Maçonnerie");
        assert!(!seen.person.contains_key("vulnerabilities") && !seen.person.contains_key("returned_from"));
        assert_eq!(audit_of(&db, case_id, "transfer.disclosure").await.len(), 1);
        assert!(matches!(transfers::act(&db.app, &manager, proposed.id, &action("accept", "")).await, Err(AppError::Refused("error-transfer-wrong-side"))));
        assert!(matches!(
            transfers::act(&db.app, &receiver, proposed.id, &TransferAction { version: Some(proposed.version + 1), ..action("accept", "") }).await,
            Err(AppError::Stale)
        ));

        let accepted = transfers::act(&db.app, &receiver, proposed.id, &action("accept", "")).await.unwrap();
        assert_eq!(accepted.status, TransferStatus::Accepted);
        let year = time::OffsetDateTime::now_utc().year();
        let new_number = accepted.new_case_number.clone().unwrap();
        assert_eq!(new_number, format!("CRM-{year}-000001"));
        let stored = db.app.db.transfer(proposed.id).await.unwrap().unwrap();
        assert_eq!(stored.case_number, before.case.case_number, "the former number is kept");
        assert_eq!(stored.new_case_number.as_deref(), Some(new_number.as_str()));
        assert_eq!(stored.decided_by, Some(receiver.user.id));

        // The sender no longer sees the case; the receiver's case manager sees all of it.
        assert!(matches!(cases::get(&db.app, &manager, case_id).await, Err(AppError::NotFound)));
        assert!(matches!(cases::get(&db.app, &worker, case_id).await, Err(AppError::NotFound)));
        let after = cases::get(&db.app, &receiver, case_id).await.unwrap();
        assert_eq!(after.case.organisation_id, crm);
        assert_eq!(after.case.case_number, new_number);
        assert_eq!((after.case.assigned_to, after.case.team.clone()), (None, None));
        assert_eq!(after.case.version, before.case.version + 1);
        assert_eq!(after.person.draft.family_name, "Diarra");
        assert!(!after.flags.is_empty(), "the whole file comes along");
        assert!(after.tasks.iter().all(|t| t.done_at.is_some() || t.assigned_to.is_none()));
        assert_eq!(referrals::of_case(&db.app, &receiver, case_id).await.unwrap().len(), 1, "referrals stay with the case");
        let found = cases::list(&db.app, &receiver, &cases::CaseQuery { q: new_number.clone(), ..Default::default() }).await.unwrap();
        assert_eq!(found.total, 1);
        // Nothing more to do with it, and no more disclosure view.
        assert!(matches!(transfers::act(&db.app, &receiver, proposed.id, &action("decline", "trop tard")).await, Err(AppError::Refused("error-transfer-closed"))));
        assert!(transfers::get(&db.app, &receiver, proposed.id).await.unwrap().person.is_empty());
        assert!(transfers::waiting(&db.app, &receiver, 10).await.unwrap().is_empty());

        // A save based on what was read before the transfer is stale; the sender's is not even possible.
        let stale = cases::update_return(&db.app, &receiver, case_id, before.case.version, &ret()).await;
        assert!(matches!(stale, Err(AppError::Stale)), "{stale:?}");
        assert!(matches!(cases::update_return(&db.app, &worker, case_id, before.case.version, &ret()).await, Err(AppError::NotFound)));
        cases::update_return(&db.app, &receiver, case_id, after.case.version, &ret()).await.unwrap();

        // The audit trail holds each step; the acceptance names both numbers.
        let accepts = audit_of(&db, case_id, "transfer.accept").await;
        assert_eq!(accepts.len(), 1);
        let details: serde_json::Value = serde_json::from_str(&accepts[0].details).unwrap();
        assert_eq!(details["case_number"], new_number.as_str());
        assert_eq!(details["former_case_number"], before.case.case_number.as_str());
        assert_eq!(accepts[0].actor_username, "crm.gestion");
        let history: Vec<String> = cases::timeline(&db.app, &receiver, case_id).await.unwrap().into_iter().map(|e| e.action).collect();
        for a in ["transfer.propose", "transfer.disclosure", "transfer.accept"] {
            assert!(history.iter().any(|h| h == a), "{a} missing from {history:?}");
        }
    }

    async fn declining_or_cancelling_keeps_the_case_where_it_is(db) {
        let case_id = setup(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let worker = actor(&db, "oim.agent").await;
        let receiver = actor(&db, "crm.gestion").await;
        let crm = org(&db, "CRM").await;
        let own = org(&db, "OIM").await;
        consent_to(&db, case_id, crm).await;
        let number = cases::get(&db.app, &manager, case_id).await.unwrap().case.case_number;

        let first = transfers::propose(&db.app, &manager, case_id, &to(crm)).await.unwrap();
        match transfers::act(&db.app, &receiver, first.id, &action("decline", "  ")).await {
            Err(AppError::Invalid(errors)) => assert_eq!(errors.for_field("reason"), Some("error-required")),
            other => panic!("{other:?}"),
        }
        let declined = transfers::act(&db.app, &receiver, first.id, &action("decline", "Pas de bureau à Ségou")).await.unwrap();
        assert_eq!(declined.status, TransferStatus::Declined);
        assert_eq!(declined.decision_reason.as_deref(), Some("Pas de bureau à Ségou"));
        let kept = cases::get(&db.app, &manager, case_id).await.unwrap().case;
        assert_eq!((kept.organisation_id, kept.case_number.clone()), (own, number.clone()));
        assert!(cases::get(&db.app, &receiver, case_id).await.is_err());

        // A declined proposal frees the place for another, which the sender may cancel.
        let second = transfers::propose(&db.app, &manager, case_id, &to(crm)).await.unwrap();
        assert!(matches!(transfers::act(&db.app, &receiver, second.id, &action("cancel", "")).await, Err(AppError::Refused("error-transfer-wrong-side"))));
        assert!(matches!(transfers::act(&db.app, &worker, second.id, &action("cancel", "")).await, Err(AppError::Forbidden)));
        let cancelled = transfers::act(&db.app, &manager, second.id, &action("cancel", "Le bénéficiaire reste à Kayes")).await.unwrap();
        assert_eq!(cancelled.status, TransferStatus::Cancelled);
        assert!(matches!(transfers::act(&db.app, &receiver, second.id, &action("accept", "")).await, Err(AppError::Refused("error-transfer-closed"))));
        let kept = cases::get(&db.app, &manager, case_id).await.unwrap().case;
        assert_eq!((kept.organisation_id, kept.case_number), (own, number));
        let all = transfers::of_case(&db.app, &worker, case_id).await.unwrap();
        assert_eq!(all.iter().map(|t| t.status).collect::<Vec<_>>(), [TransferStatus::Cancelled, TransferStatus::Declined]);
        assert_eq!(audit_of(&db, case_id, "transfer.decline").await.len(), 1);
        assert_eq!(audit_of(&db, case_id, "transfer.cancel").await.len(), 1);
    }

    async fn a_third_organisation_sees_nothing(db) {
        let case_id = setup(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let crm = org(&db, "CRM").await;
        consent_to(&db, case_id, crm).await;
        let proposed = transfers::propose(&db.app, &manager, case_id, &to(crm)).await.unwrap();
        let stranger = actor(&db, "ame.gestion").await;
        assert!(matches!(transfers::get(&db.app, &stranger, proposed.id).await, Err(AppError::NotFound)));
        assert!(matches!(transfers::act(&db.app, &stranger, proposed.id, &action("accept", "")).await, Err(AppError::NotFound)));
        let lists = transfers::lists(&db.app, &stranger).await.unwrap();
        assert!(lists.incoming.is_empty() && lists.outgoing.is_empty());
        assert!(matches!(transfers::of_case(&db.app, &stranger, case_id).await, Err(AppError::NotFound)));
        // In the receiving organisation, only its case managers decide.
        let receiving_worker = actor(&db, "crm.agent").await;
        assert!(matches!(transfers::lists(&db.app, &receiving_worker).await, Err(AppError::Forbidden)));
        assert!(matches!(transfers::get(&db.app, &receiving_worker, proposed.id).await, Err(AppError::NotFound)));
        assert!(matches!(transfers::act(&db.app, &receiving_worker, proposed.id, &action("accept", "")).await, Err(AppError::NotFound)));
        for username in ["anpe.focal", "oim.admin", "admin"] {
            let other = actor(&db, username).await;
            assert!(matches!(transfers::get(&db.app, &other, proposed.id).await, Err(AppError::NotFound)), "{username}");
            assert!(matches!(transfers::lists(&db.app, &other).await, Err(AppError::Forbidden)), "{username}");
        }
        assert_eq!(db.app.db.transfer(proposed.id).await.unwrap().unwrap().status, TransferStatus::Proposed);
        assert!(audit_of(&db, case_id, "transfer.disclosure").await.is_empty());
    }

    async fn consent_withdrawn_while_pending_stops_disclosure_and_acceptance(db) {
        let case_id = setup(&db).await;
        let manager = actor(&db, "oim.gestion").await;
        let receiver = actor(&db, "crm.gestion").await;
        let crm = org(&db, "CRM").await;
        let consent = consent_to(&db, case_id, crm).await;
        let proposed = transfers::propose(&db.app, &manager, case_id, &to(crm)).await.unwrap();
        cases::withdraw_consent(&db.app, &manager, case_id, consent).await.unwrap();
        let seen = transfers::get(&db.app, &receiver, proposed.id).await.unwrap();
        assert!(!seen.consent_holds);
        assert!(seen.person.is_empty());
        let refused = transfers::act(&db.app, &receiver, proposed.id, &action("accept", "")).await;
        assert!(matches!(refused, Err(AppError::Refused("error-consent-withdrawn"))), "{refused:?}");
        assert_eq!(cases::get(&db.app, &manager, case_id).await.unwrap().case.organisation_id, org(&db, "OIM").await);
    }
}
