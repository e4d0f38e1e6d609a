//! Coordination, on both backends: meetings run by the secretariat, action points updated by their
//! owner organisation (and overdue ones in its work queue), agreements and the data-sharing rule
//! for referrals, trainings, good practices, and the demo's year of coordination.

use cnrm_app::agreement_documents as docs;
use cnrm_app::attachments::Upload;
use cnrm_app::coordination::{self as c, AgreementAction, PracticeAction};
use cnrm_app::referrals::{self, ReferralInput};
use cnrm_app::testing::{self, actor, invalid, org_id, TestDb};
use cnrm_app::{settings, test_both_backends, work, AppError};
use cnrm_domain::coordination::{
    ActionPointInput, ActionStatus, ActionUpdateInput, AgreementInput, AgreementStatus, MeetingInput, ParticipantInput,
    PracticeInput, PracticeLinkInput, PracticeStatus, TrainingInput,
};
use cnrm_domain::paging::PageRequest;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

fn page() -> PageRequest {
    PageRequest { page: 1, per_page: 100, sort: "created", descending: true, search: None }
}

fn day(offset: i64) -> String {
    (OffsetDateTime::now_utc().date() + Duration::days(offset)).to_string()
}

fn meeting(db_orgs: &[Uuid]) -> MeetingInput {
    MeetingInput {
        title: "Réunion régionale de Kayes — test".into(),
        level: "regional".into(),
        location: "ML01".into(),
        held_on: day(-10),
        place: "Gouvernorat de Kayes".into(),
        agenda: "Référencements\nFormations".into(),
        organisations: db_orgs.iter().map(Uuid::to_string).collect(),
        attendees: "Moussa Keïta, secrétariat\nOumar Sangaré, ANPE".into(),
        minutes: "Séance ouverte à 9 h.".into(),
        decisions: "Créer un groupe de travail".into(),
    }
}

async fn meetings_total(db: &TestDb) -> i64 {
    db.app.db.meetings(&page()).await.unwrap().total
}

test_both_backends! {
    async fn the_secretariat_runs_meetings_and_owners_update_their_action_points(db) {
        testing::load_demo(&db).await;
        let (oim, anpe) = (org_id(&db, "OIM").await, org_id(&db, "ANPE").await);
        let secretariat = actor(&db, "secretariat").await;
        let (oim_admin, anpe_focal, observer) =
            (actor(&db, "oim.admin").await, actor(&db, "anpe.focal").await, actor(&db, "ue.observateur").await);
        let before = meetings_total(&db).await;

        // Only the secretariat records meetings; bad input names its fields and writes nothing.
        assert!(matches!(c::create_meeting(&db.app, &oim_admin, &meeting(&[oim])).await, Err(AppError::Forbidden)));
        let bad = MeetingInput { level: "cercle".into(), held_on: "31/02/2026".into(), ..meeting(&[oim]) };
        assert_eq!(invalid(c::create_meeting(&db.app, &secretariat, &bad).await, "location"), "error-meeting-location-level");
        let unknown = MeetingInput { organisations: vec![Uuid::now_v7().to_string()], ..meeting(&[]) };
        assert_eq!(invalid(c::create_meeting(&db.app, &secretariat, &unknown).await, "organisations"), "error-choose-organisation");
        assert_eq!(meetings_total(&db).await, before);
        let m = c::create_meeting(&db.app, &secretariat, &meeting(&[oim, anpe])).await.unwrap();
        assert_eq!(meetings_total(&db).await, before + 1);

        // Action points: recorded by the secretariat, with an owner and a due date.
        let point = ActionPointInput { description: "Partager la liste des formations".into(), owner_organisation_id: anpe.to_string(), due_on: day(-2) };
        assert!(matches!(c::add_action_point(&db.app, &anpe_focal, m.id, &point).await, Err(AppError::Forbidden)));
        assert_eq!(invalid(c::add_action_point(&db.app, &secretariat, m.id, &ActionPointInput { due_on: "".into(), ..point.clone() }).await, "due_on"), "error-required");
        let point = c::add_action_point(&db.app, &secretariat, m.id, &point).await.unwrap();

        // Everyone reads the meeting; only the owner (and the secretariat) may update the point.
        let seen = c::meeting(&db.app, &observer, m.id).await.unwrap();
        assert_eq!(seen.meeting.organisations.len(), 2);
        assert_eq!(seen.meeting.decisions, vec!["Créer un groupe de travail"]);
        assert!(seen.action_points[0].overdue && !seen.action_points[0].may_update && !seen.may_edit);
        assert!(c::meeting(&db.app, &anpe_focal, m.id).await.unwrap().action_points[0].may_update);
        let update = ActionUpdateInput { status: "in_progress".into(), comment: "Liste en préparation".into(), version: point.version };
        assert!(matches!(c::update_action_point(&db.app, &oim_admin, point.id, &update).await, Err(AppError::Forbidden)));
        assert!(matches!(c::update_action_point(&db.app, &observer, point.id, &update).await, Err(AppError::Forbidden)));
        let no_comment = ActionUpdateInput { comment: " ".into(), ..update.clone() };
        assert_eq!(invalid(c::update_action_point(&db.app, &anpe_focal, point.id, &no_comment).await, "comment"), "error-required");
        let moved = c::update_action_point(&db.app, &anpe_focal, point.id, &update).await.unwrap();
        assert_eq!((moved.status, moved.version), (ActionStatus::InProgress, 2));
        // A second form read before that update is stale; a step back is refused.
        assert!(matches!(c::update_action_point(&db.app, &anpe_focal, point.id, &update).await, Err(AppError::Stale)));
        let back = ActionUpdateInput { status: "open".into(), version: 2, ..update.clone() };
        assert_eq!(invalid(c::update_action_point(&db.app, &anpe_focal, point.id, &back).await, "status"), "error-action-transition");
        let done = ActionUpdateInput { status: "done".into(), comment: "Liste envoyée".into(), version: 2 };
        c::update_action_point(&db.app, &anpe_focal, point.id, &done).await.unwrap();
        let view = c::meeting(&db.app, &observer, m.id).await.unwrap();
        let p = &view.action_points[0];
        assert_eq!(p.point.status, ActionStatus::Done);
        assert!(!p.overdue, "done is never overdue");
        assert_eq!(p.updates.iter().map(|u| u.comment.as_str()).collect::<Vec<_>>(), vec!["Liste en préparation", "Liste envoyée"]);

        // The secretariat edits the minutes; an edit from an old version is stale.
        let edited = MeetingInput { minutes: "Séance ouverte à 9 h.\nClôture à 12 h.".into(), ..meeting(&[oim, anpe]) };
        let saved = c::update_meeting(&db.app, &secretariat, m.id, m.version, &edited).await.unwrap();
        assert_eq!(saved.minutes, "Séance ouverte à 9 h.\nClôture à 12 h.");
        assert!(matches!(c::update_meeting(&db.app, &secretariat, m.id, m.version, &edited).await, Err(AppError::Stale)));
        assert!(matches!(c::update_meeting(&db.app, &anpe_focal, m.id, saved.version, &edited).await, Err(AppError::Forbidden)));
        let data_steward = actor(&db, "cnrm.donnees").await;
        assert!(matches!(c::meetings(&db.app, &data_steward, &page()).await, Err(AppError::Forbidden)));
    }

    async fn overdue_action_points_wait_in_the_owner_organisations_work_queue(db) {
        testing::load_demo(&db).await;
        let anpe = org_id(&db, "ANPE").await;
        let secretariat = actor(&db, "secretariat").await;
        let (anpe_focal, oim_admin) = (actor(&db, "anpe.focal").await, actor(&db, "oim.admin").await);
        let m = c::create_meeting(&db.app, &secretariat, &meeting(&[anpe])).await.unwrap();
        let late = c::add_action_point(&db.app, &secretariat, m.id, &ActionPointInput {
            description: "Point en retard".into(), owner_organisation_id: anpe.to_string(), due_on: day(-3) }).await.unwrap();
        let later = c::add_action_point(&db.app, &secretariat, m.id, &ActionPointInput {
            description: "Point pas encore dû".into(), owner_organisation_id: anpe.to_string(), due_on: day(5) }).await.unwrap();
        let queue = work::queue(&db.app, &anpe_focal).await.unwrap();
        let ids: Vec<Uuid> = queue.action_points_overdue.iter().map(|p| p.action_point.id).collect();
        assert!(ids.contains(&late.id), "{ids:?}");
        assert!(!ids.contains(&later.id), "not yet due");
        assert_eq!(queue.action_points_overdue.iter().find(|p| p.action_point.id == late.id).unwrap().meeting_title, m.title);
        let other = work::queue(&db.app, &oim_admin).await.unwrap();
        assert!(!other.action_points_overdue.iter().any(|p| p.action_point.id == late.id), "not OIM's");
        let dropped = ActionUpdateInput { status: "dropped".into(), comment: "Sans objet".into(), version: late.version };
        c::update_action_point(&db.app, &anpe_focal, late.id, &dropped).await.unwrap();
        let queue = work::queue(&db.app, &anpe_focal).await.unwrap();
        assert!(!queue.action_points_overdue.iter().any(|p| p.action_point.id == late.id), "closed");
    }

    async fn agreements_and_the_data_sharing_rule_for_referrals(db) {
        testing::load_demo(&db).await;
        let (oim, crm) = (org_id(&db, "OIM").await, org_id(&db, "CRM").await);
        let (oim_admin, anpe_focal, observer, admin) = (
            actor(&db, "oim.admin").await, actor(&db, "anpe.focal").await,
            actor(&db, "ue.observateur").await, actor(&db, "admin").await,
        );
        let input = AgreementInput {
            title: "Partage de données OIM–Croix-Rouge".into(),
            kind: "data_sharing".into(),
            parties: vec![crm.to_string()],
            scope: "Référencements psychosociaux".into(),
            start_on: day(-30),
            end_on: day(-31),
            ..Default::default()
        };
        // Ends before it starts: refused with a message, nothing written.
        let count = |db: &TestDb| { let db = db.app.clone(); async move { db.db.agreements(cnrm_store::CoordinationReach::All, None, &page()).await.unwrap().total } };
        let before = count(&db).await;
        assert_eq!(invalid(c::create_agreement(&db.app, &oim_admin, &input).await, "end_on"), "error-coordination-ends-before-start");
        assert!(matches!(c::create_agreement(&db.app, &observer, &input).await, Err(AppError::Forbidden)));
        assert_eq!(count(&db).await, before);
        let agreement = c::create_agreement(&db.app, &oim_admin, &AgreementInput { end_on: day(20), ..input.clone() }).await.unwrap();
        assert_eq!(agreement.parties, vec![oim, crm]);
        assert_eq!(agreement.status, AgreementStatus::Draft);
        // A draft is its organisation's business: hidden from observers and other organisations.
        assert!(matches!(c::agreement(&db.app, &observer, agreement.id).await, Err(AppError::NotFound)));
        assert!(c::agreements(&db.app, &anpe_focal, None, &page()).await.unwrap().items.iter().all(|a| a.agreement.id != agreement.id));
        let stranger = AgreementAction { action: "activate".into(), version: 1, ..Default::default() };
        assert!(matches!(c::act_on_agreement(&db.app, &anpe_focal, agreement.id, &stranger).await, Err(AppError::NotFound)));

        // A referral OIM → CRM while the setting is off goes; once on, it needs the agreement.
        let oim_agent = actor(&db, "oim.agent").await;
        let case = testing::register(&db, &oim_agent, &testing::registration("Doumbia", "Sali", "female", "1996", "2025-05-01")).await;
        testing::consent_to(&db, case.id, crm).await;
        let referral = |note: &str| ReferralInput { to_organisation_id: crm.to_string(), service: "psychosocial_counselling".into(), note: note.into(), ..Default::default() };
        assert!(!settings::referrals_require_data_sharing(&db.app).await.unwrap(), "off by default");
        referrals::send(&db.app, &oim_agent, case.id, &referral("premier")).await.unwrap();
        assert!(matches!(settings::set_referrals_require_data_sharing(&db.app, &oim_admin, true).await, Err(AppError::Forbidden)));
        settings::set_referrals_require_data_sharing(&db.app, &admin, true).await.unwrap();
        let sent_before = db.app.db.referrals_of_case(case.id).await.unwrap().len();
        match referrals::send(&db.app, &oim_agent, case.id, &referral("deuxième")).await {
            Err(AppError::Refused(key)) => assert_eq!(key, "referral-needs-data-sharing"),
            other => panic!("{other:?}"),
        }
        assert_eq!(db.app.db.referrals_of_case(case.id).await.unwrap().len(), sent_before, "nothing written");
        // Activated, the agreement binds both: the referral goes; observers now see it.
        let active = c::act_on_agreement(&db.app, &oim_admin, agreement.id, &AgreementAction { action: "activate".into(), version: 1, ..Default::default() }).await.unwrap();
        assert_eq!(active.status, AgreementStatus::Active);
        assert!(c::data_sharing_in_force(&db.app, crm, oim).await.unwrap());
        referrals::send(&db.app, &oim_agent, case.id, &referral("troisième")).await.unwrap();
        let seen = c::agreement(&db.app, &observer, agreement.id).await.unwrap();
        assert!(seen.renewal_due && !seen.may_change, "ends in 20 days, reminder at 60");

        // The renewal reminder waits in the owner's work queue.
        let queue = work::queue(&db.app, &oim_admin).await.unwrap();
        assert!(queue.agreements_to_renew.iter().any(|a| a.id == agreement.id));
        // Terminated, it no longer binds: referrals are refused again.
        let ended = AgreementAction { action: "terminate".into(), reason: "Fin du projet".into(), version: active.version };
        c::act_on_agreement(&db.app, &oim_admin, agreement.id, &ended).await.unwrap();
        assert!(matches!(referrals::send(&db.app, &oim_agent, case.id, &referral("quatrième")).await, Err(AppError::Refused(_))));
        settings::set_referrals_require_data_sharing(&db.app, &admin, false).await.unwrap();
        referrals::send(&db.app, &oim_agent, case.id, &referral("cinquième")).await.unwrap();
    }

    async fn trainings_count_participants_by_organisation_and_sex(db) {
        testing::load_demo(&db).await;
        let (oim, anpe) = (org_id(&db, "OIM").await, org_id(&db, "ANPE").await);
        let (oim_admin, anpe_focal, observer) =
            (actor(&db, "oim.admin").await, actor(&db, "anpe.focal").await, actor(&db, "ue.observateur").await);
        let input = TrainingInput {
            title: "Protection des données personnelles".into(),
            topic: "data_protection".into(),
            trainers: "Délégué à la protection des données".into(),
            start_on: day(-5),
            end_on: day(-6),
            place: "Bamako".into(),
        };
        assert_eq!(invalid(c::create_training(&db.app, &oim_admin, &input).await, "end_on"), "error-coordination-ends-before-start");
        assert!(matches!(c::create_training(&db.app, &observer, &input).await, Err(AppError::Forbidden)));
        let training = c::create_training(&db.app, &oim_admin, &TrainingInput { end_on: day(-4), ..input }).await.unwrap();
        let person = |name: &str, sex: &str, org: Uuid, pre: &str, post: &str| ParticipantInput {
            name: name.into(), sex: sex.into(), organisation_id: org.to_string(), pre_score: pre.into(), post_score: post.into(), certified: "on".into(),
        };
        assert_eq!(invalid(c::add_participant(&db.app, &oim_admin, training.id, &person("Awa", "female", oim, "40", "120")).await, "post_score"), "error-training-score");
        assert!(matches!(c::add_participant(&db.app, &anpe_focal, training.id, &person("Awa", "female", anpe, "40", "80")).await, Err(AppError::Forbidden)));
        c::add_participant(&db.app, &oim_admin, training.id, &person("Awa Diarra", "female", oim, "40", "80")).await.unwrap();
        c::add_participant(&db.app, &oim_admin, training.id, &person("Issa Coulibaly", "male", anpe, "50", "70")).await.unwrap();
        c::add_participant(&db.app, &oim_admin, training.id, &person("Fanta Keïta", "female", anpe, "", "90")).await.unwrap();
        let view = c::training(&db.app, &oim_admin, training.id).await.unwrap();
        assert_eq!((view.women, view.men, view.certified), (2, 1, 3));
        assert_eq!(view.mean_gain, Some(30.0), "(40 + 20) / 2; the one without a pre-test is left out");
        let anpe_row = view.by_organisation.iter().find(|r| r.organisation_id == anpe).unwrap();
        assert_eq!((anpe_row.women, anpe_row.men), (1, 1));
        assert_eq!(view.participants.len(), 3);
        let seen = c::training(&db.app, &observer, training.id).await.unwrap();
        assert!(seen.participants.is_empty() && seen.women == 2, "observers get counts, not names");
        // ANPE's history lists the training (its staff was trained), counting its own staff.
        let history = c::trainings(&db.app, &anpe_focal, Some(anpe), &page()).await.unwrap();
        let row = history.items.iter().find(|t| t.training.id == training.id).unwrap();
        assert_eq!((row.women, row.men), (1, 1));
        let apej = org_id(&db, "APEJ").await;
        assert!(!c::trainings(&db.app, &observer, Some(apej), &page()).await.unwrap().items.iter().any(|t| t.training.id == training.id));
    }

    async fn practices_are_validated_by_the_secretariat_before_being_published(db) {
        testing::load_demo(&db).await;
        let secretariat = actor(&db, "secretariat").await;
        let (oim_admin, anpe_focal, observer) =
            (actor(&db, "oim.admin").await, actor(&db, "anpe.focal").await, actor(&db, "ue.observateur").await);
        let input = PracticeInput {
            title: "Groupes de parole pour les femmes de retour".into(),
            summary: "Des groupes de parole mensuels animés par des psychologues.".into(),
            dimension: "psychosocial".into(),
            region: "ML01".into(),
            evidence: "Rapport de suivi 2025".into(),
            tags: "femmes, psychosocial".into(),
            interventions: Vec::new(),
        };
        assert_eq!(invalid(c::create_practice(&db.app, &oim_admin, &PracticeInput { summary: "court".into(), ..input.clone() }).await, "summary"), "error-too-short");
        let p = c::create_practice(&db.app, &oim_admin, &input).await.unwrap();
        assert_eq!(p.status, PracticeStatus::Draft);
        let act = |action: &str, version: i64| PracticeAction { action: action.into(), version, reason: "Préciser les résultats".into() };
        assert!(matches!(c::practice(&db.app, &observer, p.id).await, Err(AppError::NotFound)));
        assert!(matches!(c::practice(&db.app, &anpe_focal, p.id).await, Err(AppError::NotFound)));
        // Its organisation submits; only the secretariat validates, returns and publishes.
        assert!(matches!(c::act_on_practice(&db.app, &oim_admin, p.id, &act("validate", 1)).await, Err(AppError::Forbidden)));
        assert!(matches!(c::act_on_practice(&db.app, &secretariat, p.id, &act("publish", 1)).await, Err(AppError::Refused("error-practice-transition"))));
        let p = c::act_on_practice(&db.app, &oim_admin, p.id, &act("submit", 1)).await.unwrap();
        assert!(matches!(c::update_practice(&db.app, &oim_admin, p.id, p.version, &input).await, Err(AppError::Refused(_))), "no edits once submitted");
        let p = c::act_on_practice(&db.app, &secretariat, p.id, &act("return", p.version)).await.unwrap();
        assert_eq!((p.status, p.status_reason.as_deref()), (PracticeStatus::Returned, Some("Préciser les résultats")));
        let p = c::update_practice(&db.app, &oim_admin, p.id, p.version, &PracticeInput { evidence: "Rapport de suivi 2025\nEnquête à 6 mois".into(), ..input }).await.unwrap();
        assert_eq!(p.evidence.len(), 2);
        let p = c::act_on_practice(&db.app, &oim_admin, p.id, &act("submit", p.version)).await.unwrap();
        let p = c::act_on_practice(&db.app, &secretariat, p.id, &act("validate", p.version)).await.unwrap();
        assert!(!c::practices(&db.app, &observer, None, &page()).await.unwrap().items.iter().any(|x| x.id == p.id), "validated is not published");
        let p = c::act_on_practice(&db.app, &secretariat, p.id, &act("publish", p.version)).await.unwrap();
        assert_eq!(p.status, PracticeStatus::Published);
        let public = c::practices(&db.app, &observer, None, &page()).await.unwrap();
        assert!(public.items.iter().any(|x| x.id == p.id));
        assert!(public.items.iter().all(|x| x.status == PracticeStatus::Published), "observers see published ones only");
        assert!(c::practice(&db.app, &anpe_focal, p.id).await.is_ok());
    }

    async fn trainings_are_edited_by_their_organiser_and_participants_corrected(db) {
        testing::load_demo(&db).await;
        let (oim, anpe) = (org_id(&db, "OIM").await, org_id(&db, "ANPE").await);
        let secretariat = actor(&db, "secretariat").await;
        let (oim_admin, anpe_focal, observer) =
            (actor(&db, "oim.admin").await, actor(&db, "anpe.focal").await, actor(&db, "ue.observateur").await);
        let input = TrainingInput {
            title: "Gestion de cas — session 1".into(),
            topic: "case_management".into(),
            trainers: "Équipe OIM".into(),
            start_on: day(-10),
            end_on: day(-8),
            place: "Kayes".into(),
        };
        let t = c::create_training(&db.app, &oim_admin, &input).await.unwrap();
        let moved = TrainingInput { place: "Bamako".into(), end_on: day(-7), ..input.clone() };
        // Only the organiser organisation's managers (and the secretariat) edit it.
        assert!(matches!(c::update_training(&db.app, &anpe_focal, t.id, t.version, &moved).await, Err(AppError::Forbidden)));
        assert!(matches!(c::update_training(&db.app, &observer, t.id, t.version, &moved).await, Err(AppError::Forbidden)));
        // The same rules as recording it; refused, nothing is written.
        let bad = TrainingInput { end_on: day(-11), ..moved.clone() };
        assert_eq!(invalid(c::update_training(&db.app, &oim_admin, t.id, t.version, &bad).await, "end_on"), "error-coordination-ends-before-start");
        let unchanged = c::training(&db.app, &oim_admin, t.id).await.unwrap().training;
        assert_eq!((unchanged.version, unchanged.place.as_str()), (1, "Kayes"));
        let saved = c::update_training(&db.app, &oim_admin, t.id, t.version, &moved).await.unwrap();
        assert_eq!((saved.version, saved.place.as_str()), (2, "Bamako"));
        // A form read before that save is stale.
        assert!(matches!(c::update_training(&db.app, &secretariat, t.id, 1, &input).await, Err(AppError::Stale)));
        let by_secretariat = c::update_training(&db.app, &secretariat, t.id, 2, &TrainingInput { title: "Gestion de cas — session 1 (Bamako)".into(), ..moved }).await.unwrap();
        assert_eq!(by_secretariat.version, 3);
        let reread = c::training(&db.app, &oim_admin, t.id).await.unwrap().training;
        assert_eq!((reread.version, reread.place.as_str(), reread.end_on.to_string()), (3, "Bamako", day(-7)));
        let filter = cnrm_store::AuditFilter { entity_id: Some(t.id.to_string()), ..Default::default() };
        let trail = db.app.db.audit_entries(&filter, &page()).await.unwrap().items;
        assert_eq!(trail.iter().filter(|e| e.action == "training.update").count(), 2);

        // Participants: scores and certificate corrected, or removed, with their own version.
        let person = ParticipantInput {
            name: "Awa Diarra".into(), sex: "female".into(), organisation_id: oim.to_string(),
            pre_score: "40".into(), post_score: "".into(), certified: "".into(),
        };
        let p = c::add_participant(&db.app, &oim_admin, t.id, &person).await.unwrap();
        let other = c::add_participant(&db.app, &oim_admin, t.id, &ParticipantInput { name: "Issa Coulibaly".into(), sex: "male".into(), organisation_id: anpe.to_string(), ..person.clone() }).await.unwrap();
        let corrected = ParticipantInput { post_score: "85".into(), certified: "on".into(), ..c::participant_input(&p) };
        assert!(matches!(c::update_participant(&db.app, &anpe_focal, t.id, p.id, p.version, &corrected).await, Err(AppError::Forbidden)));
        let too_high = ParticipantInput { post_score: "101".into(), ..corrected.clone() };
        assert_eq!(invalid(c::update_participant(&db.app, &oim_admin, t.id, p.id, p.version, &too_high).await, "post_score"), "error-training-score");
        let unknown_org = ParticipantInput { organisation_id: Uuid::now_v7().to_string(), ..corrected.clone() };
        assert_eq!(invalid(c::update_participant(&db.app, &oim_admin, t.id, p.id, p.version, &unknown_org).await, "organisation_id"), "error-choose-organisation");
        let p2 = c::update_participant(&db.app, &oim_admin, t.id, p.id, p.version, &corrected).await.unwrap();
        assert_eq!((p2.post_score, p2.certified, p2.version), (Some(85), true, 2));
        assert!(matches!(c::update_participant(&db.app, &oim_admin, t.id, p.id, p.version, &corrected).await, Err(AppError::Stale)));
        assert!(matches!(c::update_participant(&db.app, &oim_admin, Uuid::now_v7(), p.id, p2.version, &corrected).await, Err(AppError::NotFound)));
        let view = c::training(&db.app, &oim_admin, t.id).await.unwrap();
        assert_eq!((view.women, view.men, view.certified, view.mean_gain), (1, 1, 1, Some(45.0)));
        // Removal: only by a manager, only the version read; then it is gone from the counts.
        assert!(matches!(c::remove_participant(&db.app, &anpe_focal, t.id, other.id, other.version).await, Err(AppError::Forbidden)));
        assert!(matches!(c::remove_participant(&db.app, &oim_admin, t.id, other.id, other.version + 1).await, Err(AppError::Stale)));
        c::remove_participant(&db.app, &secretariat, t.id, other.id, other.version).await.unwrap();
        let view = c::training(&db.app, &oim_admin, t.id).await.unwrap();
        assert_eq!((view.women, view.men, view.participants.len()), (1, 0, 1));
        assert!(matches!(c::remove_participant(&db.app, &oim_admin, t.id, other.id, other.version).await, Err(AppError::NotFound)));
        let participant_trail = |id: Uuid| cnrm_store::AuditFilter { entity_id: Some(id.to_string()), ..Default::default() };
        let actions: Vec<String> = db.app.db.audit_entries(&participant_trail(other.id), &page()).await.unwrap().items.into_iter().map(|e| e.action).collect();
        assert!(actions.contains(&"training.participant_remove".to_string()), "{actions:?}");
        let actions: Vec<String> = db.app.db.audit_entries(&participant_trail(p.id), &page()).await.unwrap().items.into_iter().map(|e| e.action).collect();
        assert!(actions.contains(&"training.participant_update".to_string()), "{actions:?}");
    }

    async fn agreements_keep_every_version_of_their_signed_document(db) {
        testing::load_demo(&db).await;
        let crm = org_id(&db, "CRM").await;
        let secretariat = actor(&db, "secretariat").await;
        let (oim_admin, anpe_focal, observer) =
            (actor(&db, "oim.admin").await, actor(&db, "anpe.focal").await, actor(&db, "ue.observateur").await);
        let agreement = c::create_agreement(&db.app, &oim_admin, &AgreementInput {
            title: "Protocole OIM–Croix-Rouge".into(),
            kind: "mou".into(),
            parties: vec![crm.to_string()],
            scope: "Accompagnement psychosocial".into(),
            start_on: day(-30),
            document: "Réf. OIM/CRM/2026-04".into(),
            ..Default::default()
        }).await.unwrap();
        let upload = |name: &str, content: &[u8]| Upload { file_name: name.into(), content: content.to_vec(), description: "Version signée".into(), ..Default::default() };
        let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();
        let mut docx = b"PK\x03\x04".to_vec();
        docx.resize(0x1E, 0);
        docx.extend_from_slice(b"word/document.xml and the rest of the document");
        let versions = |db: &TestDb| { let app = db.app.clone(); async move { app.db.agreement_documents(agreement.id).await.unwrap() } };

        // Refused with a message, nothing written: not a document, empty, or a stranger's upload.
        assert_eq!(invalid(docs::add(&db.app, &oim_admin, agreement.id, &upload("notes.txt", b"juste du texte")).await, "file"), "error-agreement-document-type");
        assert_eq!(invalid(docs::add(&db.app, &oim_admin, agreement.id, &upload("vide.pdf", b"")).await, "file"), "error-attachment-empty");
        assert!(matches!(docs::add(&db.app, &observer, agreement.id, &upload("a.pdf", &pdf)).await, Err(AppError::NotFound)), "a draft is out of its sight");
        assert!(versions(&db).await.is_empty());
        let first = docs::add(&db.app, &oim_admin, agreement.id, &upload("Protocole signé.pdf", &pdf)).await.unwrap();
        assert_eq!(first.file_name, "Protocole signé.pdf");
        // The same file again is not a new version.
        assert_eq!(invalid(docs::add(&db.app, &oim_admin, agreement.id, &upload("encore.pdf", &pdf)).await, "file"), "error-agreement-document-same");
        let active = c::act_on_agreement(&db.app, &oim_admin, agreement.id, &AgreementAction { action: "activate".into(), version: agreement.version, ..Default::default() }).await.unwrap();
        // Active, everyone sees it; only its organisation (and the secretariat) replace the document.
        assert!(matches!(docs::add(&db.app, &anpe_focal, agreement.id, &upload("a.docx", &docx)).await, Err(AppError::Forbidden)));
        let second = docs::add(&db.app, &secretariat, agreement.id, &upload("Avenant.docx", &docx)).await.unwrap();
        assert_eq!(second.file_type, cnrm_domain::attachment::FileType::Docx);
        let (view, listed) = docs::of_agreement(&db.app, &observer, agreement.id).await.unwrap();
        assert_eq!(listed.iter().map(|d| d.id).collect::<Vec<_>>(), vec![second.id, first.id], "the one in force first, the old one kept");
        assert!(!docs::may_upload(&view));
        assert_eq!(view.agreement.document, "Réf. OIM/CRM/2026-04", "the text reference stays");
        let old = docs::download(&db.app, &observer, agreement.id, first.id).await.unwrap();
        assert_eq!(old.content, pdf);
        assert_eq!(docs::download(&db.app, &anpe_focal, agreement.id, second.id).await.unwrap().content, docx);
        assert!(matches!(docs::download(&db.app, &observer, Uuid::now_v7(), first.id).await, Err(AppError::NotFound)));
        let trail = cnrm_store::AuditFilter { entity_id: Some(agreement.id.to_string()), ..Default::default() };
        let actions: Vec<String> = db.app.db.audit_entries(&trail, &page()).await.unwrap().items.into_iter().map(|e| e.action).collect();
        assert_eq!(actions.iter().filter(|a| *a == "agreement.document_add").count(), 2);
        assert_eq!(actions.iter().filter(|a| *a == "agreement.document_download").count(), 2);
        // Terminated, no new version; the old ones stay readable.
        c::act_on_agreement(&db.app, &oim_admin, agreement.id, &AgreementAction { action: "terminate".into(), reason: "Fin du projet".into(), version: active.version }).await.unwrap();
        let third = b"%PDF-1.4\n% version 3\n%%EOF\n";
        assert!(matches!(docs::add(&db.app, &oim_admin, agreement.id, &upload("v3.pdf", third)).await, Err(AppError::Refused("error-agreement-closed"))));
        assert_eq!(versions(&db).await.len(), 2);
        assert!(docs::download(&db.app, &observer, agreement.id, second.id).await.is_ok());
    }

    async fn practices_link_the_interventions_that_show_their_results(db) {
        testing::load_demo(&db).await;
        let oim = org_id(&db, "OIM").await;
        let secretariat = actor(&db, "secretariat").await;
        let (oim_admin, observer) = (actor(&db, "oim.admin").await, actor(&db, "ue.observateur").await);
        let all = cnrm_app::interventions::visible_to(&db.app, &secretariat).await.unwrap();
        let public = all.iter().find(|i| i.published && i.organisation_id != oim).expect("a published intervention of another organisation");
        let own = all.iter().find(|i| i.organisation_id == oim).expect("an intervention of OIM");
        let hidden = all.iter().find(|i| !i.published && i.organisation_id != oim);
        let link = |id: Uuid, results: &str| PracticeLinkInput { intervention_id: id.to_string(), results: results.into() };
        let input = PracticeInput {
            title: "Accompagnement conjoint des micro-entreprises".into(),
            summary: "Un suivi conjoint des micro-entreprises par deux partenaires, de l'idée à la première année.".into(),
            dimension: "economic".into(),
            tags: "emploi".into(),
            interventions: vec![link(public.id, "Taux de survie à un an de 80 %"), link(own.id, "60 jeunes formés")],
            ..Default::default()
        };
        let count = |db: &TestDb| { let app = db.app.clone(); async move { app.db.practices(cnrm_store::CoordinationReach::All, None, &page()).await.unwrap().total } };
        let before = count(&db).await;
        // Unknown, or out of the author's sight: a clear message, nothing written.
        let unknown = PracticeInput { interventions: vec![link(Uuid::now_v7(), "Résultats")], ..input.clone() };
        assert_eq!(invalid(c::create_practice(&db.app, &oim_admin, &unknown).await, "interventions"), "error-practice-intervention-unknown");
        if let Some(hidden) = hidden {
            let unseen = PracticeInput { interventions: vec![link(hidden.id, "Résultats")], ..input.clone() };
            assert_eq!(invalid(c::create_practice(&db.app, &oim_admin, &unseen).await, "interventions"), "error-practice-intervention-unknown");
        }
        let no_results = PracticeInput { interventions: vec![link(public.id, "")], ..input.clone() };
        assert_eq!(invalid(c::create_practice(&db.app, &oim_admin, &no_results).await, "interventions"), "error-practice-intervention-results");
        assert_eq!(count(&db).await, before);

        let p = c::create_practice(&db.app, &oim_admin, &input).await.unwrap();
        assert_eq!(p.interventions.iter().map(|l| l.intervention_id).collect::<Vec<_>>(), vec![public.id, own.id]);
        let view = c::practice(&db.app, &oim_admin, p.id).await.unwrap();
        assert_eq!(view.linked.len(), 2);
        let figures = cnrm_app::interventions::get(&db.app, &oim_admin, public.id).await.unwrap();
        let shown = &view.linked[0];
        assert_eq!((shown.title.as_str(), shown.results.as_str()), (public.title.as_str(), "Taux de survie à un an de 80 %"));
        assert_eq!((shown.targeted, shown.reached), (figures.intervention.targeted.total(), figures.reached.total()));
        // Edited: links replaced, in the order given.
        let edited = c::update_practice(&db.app, &oim_admin, p.id, p.version, &PracticeInput { interventions: vec![link(own.id, "75 jeunes formés")], ..input.clone() }).await.unwrap();
        assert_eq!(edited.interventions.len(), 1);
        let reread = c::practice(&db.app, &oim_admin, p.id).await.unwrap();
        assert_eq!(reread.linked.iter().map(|l| l.results.as_str()).collect::<Vec<_>>(), vec!["75 jeunes formés"]);
        assert_eq!(c::practice_input(&reread.practice).interventions, vec![link(own.id, "75 jeunes formés")]);
        // Published, observers see the links to interventions they may see, with figures.
        let mut version = edited.version;
        for (who, action) in [(&oim_admin, "submit"), (&secretariat, "validate"), (&secretariat, "publish")] {
            version = c::act_on_practice(&db.app, who, p.id, &PracticeAction { action: action.into(), version, ..Default::default() }).await.unwrap().version;
        }
        let seen = c::practice(&db.app, &observer, p.id).await.unwrap();
        assert_eq!(seen.linked.len(), usize::from(own.published));
        let listed = c::practices(&db.app, &observer, None, &page()).await.unwrap();
        assert_eq!(listed.items.iter().find(|x| x.id == p.id).unwrap().interventions.len(), 1);
    }

    async fn the_demo_holds_a_year_of_coordination(db) {
        testing::load_demo(&db).await;
        let secretariat = actor(&db, "secretariat").await;
        let meetings = c::meetings(&db.app, &secretariat, &page()).await.unwrap();
        assert_eq!(meetings.total, 8, "four national, two in Kayes, two in Bamako");
        let mut overdue = 0;
        for m in &meetings.items {
            overdue += c::meeting(&db.app, &secretariat, m.id).await.unwrap().action_points.iter().filter(|p| p.overdue).count();
        }
        assert!(overdue > 0, "some action points are overdue");
        let (oim, anpe) = (org_id(&db, "OIM").await, org_id(&db, "ANPE").await);
        assert!(c::data_sharing_in_force(&db.app, oim, anpe).await.unwrap());
        let observer = actor(&db, "ue.observateur").await;
        assert!(c::practices(&db.app, &observer, None, &page()).await.unwrap().total >= 1);
        assert!(c::trainings(&db.app, &observer, None, &page()).await.unwrap().total >= 3);
        // Loading again adds nothing.
        testing::load_demo(&db).await;
        assert_eq!(c::meetings(&db.app, &secretariat, &page()).await.unwrap().total, 8);
    }
}
