//! Referrals between organisations, on both backends: consent gating, allow-lists, scoping.

use cnrm_app::cases;
use cnrm_app::referrals::{self, ReferralAction, ReferralInput};
use cnrm_app::testing::{self, actor, consent_to, org_id as org, TestDb};
use cnrm_app::{test_both_backends, AppError};
use cnrm_domain::lifecycle::referral::ReferralStatus;

/// A case at OIM with a skills entry and a vulnerability, registered by the demo case worker.
async fn case(db: &TestDb) -> uuid::Uuid {
    testing::load_demo(db).await;
    let mut input = testing::registration("Tounkara", "Lassana", "male", "1996-02-03", "2025-02-01");
    input.person.phones = vec!["76 55 44 33".into()];
    input.person.skills = "Soudure, mécanique".into();
    input.person.education_level = "primary".into();
    input.vulnerabilities = vec!["mental_health_need".into()];
    testing::register(db, &actor(db, "oim.agent").await, &input).await.id
}

fn training(to: uuid::Uuid) -> ReferralInput {
    ReferralInput {
        to_organisation_id: to.to_string(),
        service: "vocational_training".into(),
        note: "Formation en soudure".into(),
        ..Default::default()
    }
}

fn action(action: &str, reason: &str, version: i64) -> ReferralAction {
    ReferralAction { action: action.into(), reason: reason.into(), version }
}

test_both_backends! {
    async fn a_referral_needs_the_matching_consent(db) {
        let case_id = case(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let anpe = org(&db, "ANPE").await;
        let fafpa = org(&db, "FAFPA").await;
        let refused = referrals::send(&db.app, &worker, case_id, &training(anpe)).await;
        assert!(matches!(refused, Err(AppError::Refused("error-consent-never-given"))), "{refused:?}");
        // Consent to share with FAFPA does not cover ANPE.
        consent_to(&db, case_id, fafpa).await;
        assert!(matches!(referrals::send(&db.app, &worker, case_id, &training(anpe)).await, Err(AppError::Refused(_))));
        let consent = consent_to(&db, case_id, anpe).await;
        let sent = referrals::send(&db.app, &worker, case_id, &training(anpe)).await.unwrap();
        assert_eq!(sent.status, ReferralStatus::Sent);
        // Withdrawal takes effect at once: no new referral, and the receiver sees no field any more.
        cases::withdraw_consent(&db.app, &worker, case_id, consent).await.unwrap();
        assert!(matches!(referrals::send(&db.app, &worker, case_id, &training(anpe)).await, Err(AppError::Refused("error-consent-withdrawn"))));
        let partner = actor(&db, "anpe.focal").await;
        let seen = referrals::received(&db.app, &partner, sent.id).await.unwrap();
        assert!(!seen.consent_holds);
        assert!(seen.person.is_empty());
    }

    async fn the_receiver_sees_only_the_allow_list_and_only_while_referred(db) {
        let case_id = case(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let anpe = org(&db, "ANPE").await;
        consent_to(&db, case_id, anpe).await;
        let sent = referrals::send(&db.app, &worker, case_id, &training(anpe)).await.unwrap();
        let allowed: Vec<&str> = sent.shared_fields.iter().map(|f| f.code()).collect();
        assert!(!allowed.contains(&"vulnerabilities") && !allowed.contains(&"returned_from"));
        let partner = actor(&db, "anpe.focal").await;
        let seen = referrals::received(&db.app, &partner, sent.id).await.unwrap();
        let keys: Vec<&str> = seen.person.keys().map(String::as_str).collect();
        assert!(keys.iter().all(|k| allowed.contains(k)), "{keys:?} outside {allowed:?}");
        assert_eq!(seen.person["family_name"], "Tounkara");
        assert_eq!(seen.person["skills"], "Soudure, mécanique");
        // The partner cannot open the case itself, nor can another organisation see the referral.
        assert!(cases::get(&db.app, &partner, case_id).await.is_err());
        let stranger = testing::add_account(&db, "fafpa.focal", cnrm_domain::Role::PartnerFocalPoint, "FAFPA", None).await;
        assert!(matches!(referrals::received(&db.app, &stranger, sent.id).await, Err(AppError::NotFound)));
        assert_eq!(referrals::incoming(&db.app, &stranger, None, &page()).await.unwrap().total, 0);
        assert_eq!(referrals::incoming(&db.app, &partner, None, &page()).await.unwrap().total, 1);
        // Revoked by the sender: gone for the receiver.
        referrals::act(&db.app, &worker, sent.id, &action("revoke", "", sent.version)).await.unwrap();
        assert!(matches!(referrals::received(&db.app, &partner, sent.id).await, Err(AppError::NotFound)));
        let disclosures = db.app.db.audit_entries(&cnrm_store::AuditFilter { action_prefix: Some("referral.disclosure".into()), ..Default::default() }, &page()).await.unwrap();
        assert_eq!(disclosures.total, 1, "every disclosure is audited");
    }

    async fn each_side_moves_the_referral_only_where_it_may(db) {
        let case_id = case(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let anpe = org(&db, "ANPE").await;
        consent_to(&db, case_id, anpe).await;
        let sent = referrals::send(&db.app, &worker, case_id, &training(anpe)).await.unwrap();
        let partner = actor(&db, "anpe.focal").await;
        assert!(matches!(referrals::act(&db.app, &worker, sent.id, &action("accept", "", 1)).await, Err(AppError::Refused("error-referral-wrong-side"))));
        assert!(matches!(referrals::act(&db.app, &partner, sent.id, &action("revoke", "", 1)).await, Err(AppError::Refused("error-referral-wrong-side"))));
        assert!(matches!(referrals::act(&db.app, &partner, sent.id, &action("decline", " ", 1)).await, Err(AppError::Invalid(_))));
        let accepted = referrals::act(&db.app, &partner, sent.id, &action("accept", "", 1)).await.unwrap();
        assert!(matches!(referrals::act(&db.app, &partner, sent.id, &action("start", "", 1)).await, Err(AppError::Stale)));
        let started = referrals::act(&db.app, &partner, sent.id, &action("start", "", accepted.version)).await.unwrap();
        let done = referrals::act(&db.app, &partner, sent.id, &action("complete", "", started.version)).await.unwrap();
        assert_eq!(done.status, ReferralStatus::Completed);
        let thanked = referrals::act(&db.app, &worker, sent.id, &action("feedback", "Formation suivie jusqu'au bout", done.version)).await.unwrap();
        assert_eq!(thanked.feedback.as_deref(), Some("Formation suivie jusqu'au bout"));
        assert!(matches!(referrals::act(&db.app, &worker, sent.id, &action("feedback", "encore", thanked.version)).await, Err(AppError::Refused("error-referral-feedback-given"))));
        let history: Vec<String> = cases::timeline(&db.app, &worker, case_id).await.unwrap().into_iter().map(|e| e.action).collect();
        for a in ["referral.send", "referral.accept", "referral.start", "referral.complete", "referral.feedback"] {
            assert!(history.iter().any(|h| h == a), "{a} missing from {history:?}");
        }
    }
}

fn page() -> cnrm_domain::paging::PageRequest {
    cnrm_domain::paging::PageRequest { page: 1, per_page: 50, sort: "seq", descending: true, search: None }
}
