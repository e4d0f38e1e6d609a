//! Files attached to a case, on both backends: what is accepted (by content, size, checksum), who
//! sees, downloads, uploads and removes them, and what the audit trail keeps.

use cnrm_app::attachments::{self, Upload};
use cnrm_app::cases;
use cnrm_app::testing::{self, actor, TestDb};
use cnrm_app::{test_both_backends, AppError};
use cnrm_domain::attachment::{AttachmentKind, FileType, MAX_ATTACHMENT_BYTES};
use cnrm_domain::Role;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// A small but complete PDF document (one empty page).
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n\
trailer << /Root 1 0 R >>\n%%EOF\n";

/// A valid 1×1 PNG image.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Demo accounts, plus a case manager of another organisation and a case worker of another team.
async fn setup(db: &TestDb) -> Uuid {
    testing::load_demo(db).await;
    testing::add_account(db, "crm.gestion", Role::CaseManager, "CRM", Some("Bamako")).await;
    testing::add_account(db, "oim.mopti", Role::CaseWorker, "OIM", Some("Mopti")).await;
    let arrived = OffsetDateTime::now_utc().date() - Duration::days(5);
    let input = testing::registration("Diarra", "Awa", "female", "1990", &arrived.to_string());
    testing::register(db, &actor(db, "oim.agent").await, &input).await.id
}

fn upload(kind: &str, name: &str, content: &[u8]) -> Upload {
    Upload {
        kind: kind.into(),
        description: "Fiche signée à l'accueil".into(),
        file_name: name.into(),
        content: content.to_vec(),
    }
}

fn file_error(result: Result<impl std::fmt::Debug, AppError>) -> &'static str {
    match result {
        Err(AppError::Invalid(errors)) => errors.for_field("file").expect("an error on the file"),
        other => panic!("expected a refusal of the file, got {other:?}"),
    }
}

async fn count_rows(db: &TestDb, case_id: Uuid) -> usize {
    db.app.db.attachments_of_case(case_id).await.unwrap().len()
}

async fn actions(db: &TestDb, case_id: Uuid) -> Vec<(String, String)> {
    cases::timeline(&db.app, &actor(db, "oim.gestion").await, case_id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.details))
        .collect()
}

test_both_backends! {
    async fn accepted_files_are_decided_by_their_bytes(db) {
        let case_id = setup(&db).await;
        let agent = actor(&db, "oim.agent").await;

        let pdf = attachments::add(&db.app, &agent, case_id, &upload("consent_form", "C:\\scans\\consentement.PDF", PDF)).await.unwrap();
        assert_eq!(pdf.file_type, FileType::Pdf);
        assert_eq!(pdf.kind, AttachmentKind::ConsentForm);
        assert_eq!(pdf.file_name, "consentement.pdf");
        assert_eq!(pdf.size_bytes, PDF.len() as i64);
        assert_eq!(pdf.sha256, cnrm_domain::attachment::checksum(PDF));
        assert_eq!(pdf.uploaded_by, Some(agent.user.id));
        // A PNG named like a PDF is a PNG, and is offered under a name saying so.
        let png = attachments::add(&db.app, &agent, case_id, &upload("identity_document_copy", "passeport.pdf", PNG)).await.unwrap();
        assert_eq!(png.file_type, FileType::Png);
        assert_eq!(png.file_name, "passeport.pdf.png");

        // Refused, nothing written: empty, oversize, text or a program named .pdf, no kind.
        assert_eq!(file_error(attachments::add(&db.app, &agent, case_id, &upload("other", "vide.pdf", b"")).await), "error-attachment-empty");
        let mut big = PDF.to_vec();
        big.resize(MAX_ATTACHMENT_BYTES + 1, b' ');
        assert_eq!(file_error(attachments::add(&db.app, &agent, case_id, &upload("other", "gros.pdf", &big)).await), "error-attachment-too-large");
        assert_eq!(file_error(attachments::add(&db.app, &agent, case_id, &upload("other", "note.pdf", b"Bonjour, ceci est un texte.\n")).await), "error-attachment-type");
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00\x00\x00\x00\x00\x00\x00\x40\x00";
        assert_eq!(file_error(attachments::add(&db.app, &agent, case_id, &upload("other", "formulaire.pdf", exe)).await), "error-attachment-type");
        let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00";
        assert_eq!(file_error(attachments::add(&db.app, &agent, case_id, &upload("other", "scan.png", elf)).await), "error-attachment-type");
        match attachments::add(&db.app, &agent, case_id, &Upload { kind: String::new(), ..upload("", "x.pdf", b"%PDF-1.7 other") }).await {
            Err(AppError::Invalid(errors)) => assert_eq!(errors.for_field("kind"), Some("error-required")),
            other => panic!("{other:?}"),
        }
        match attachments::add(&db.app, &agent, case_id, &upload("passport", "x.pdf", b"%PDF-1.7 other")).await {
            Err(AppError::Invalid(errors)) => assert_eq!(errors.for_field("kind"), Some("error-choose-from-list")),
            other => panic!("{other:?}"),
        }
        // The at-limit file is accepted.
        let mut at_limit = PDF.to_vec();
        at_limit.resize(MAX_ATTACHMENT_BYTES, b'\n');
        attachments::add(&db.app, &agent, case_id, &upload("medical_report", "rapport.pdf", &at_limit)).await.unwrap();
        assert_eq!(count_rows(&db, case_id).await, 3, "refused files left nothing behind");
        let adds = actions(&db, case_id).await.into_iter().filter(|(a, _)| a == "attachment.add").count();
        assert_eq!(adds, 3, "one audit entry per file stored, none for refusals");
    }

    async fn the_same_file_is_not_attached_twice_to_a_case(db) {
        let case_id = setup(&db).await;
        let agent = actor(&db, "oim.agent").await;
        let first = attachments::add(&db.app, &agent, case_id, &upload("consent_form", "a.pdf", PDF)).await.unwrap();
        assert_eq!(file_error(attachments::add(&db.app, &agent, case_id, &upload("other", "copie.pdf", PDF)).await), "error-attachment-duplicate");
        assert_eq!(count_rows(&db, case_id).await, 1);
        // Once removed, the same scan may be attached again.
        attachments::remove(&db.app, &agent, case_id, first.id, "Mauvais dossier").await.unwrap();
        attachments::add(&db.app, &agent, case_id, &upload("consent_form", "a.pdf", PDF)).await.unwrap();
        // The database holds the rule too, should two uploads race.
        let mut again = db.app.db.attachments_of_case(case_id).await.unwrap().pop().unwrap();
        again.id = Uuid::now_v7();
        let event = agent.event("attachment.add", "case", Some(case_id.to_string()), serde_json::json!({}));
        assert!(matches!(db.app.db.insert_attachment(&again, PDF, &event).await, Err(cnrm_store::StoreError::Conflict(_))));
    }

    async fn downloads_return_the_same_bytes_and_are_audited(db) {
        let case_id = setup(&db).await;
        let agent = actor(&db, "oim.agent").await;
        let manager = actor(&db, "oim.gestion").await;
        let png = attachments::add(&db.app, &agent, case_id, &upload("assessment_form", "evaluation.png", PNG)).await.unwrap();
        let download = attachments::download(&db.app, &manager, case_id, png.id).await.unwrap();
        assert_eq!(download.content, PNG);
        assert_eq!(download.attachment, png);
        let downloads: Vec<_> = actions(&db, case_id).await.into_iter().filter(|(a, _)| a == "attachment.download").collect();
        assert_eq!(downloads.len(), 1);
        assert!(downloads[0].1.contains(&png.id.to_string()));
        // Through another case's address: not found.
        let other_case = {
            let agent2 = actor(&db, "oim.gestion").await;
            let arrived = OffsetDateTime::now_utc().date() - Duration::days(2);
            let input = testing::registration("Keïta", "Sidi", "male", "1985", &arrived.to_string());
            testing::register(&db, &agent2, &input).await.id
        };
        assert!(matches!(attachments::download(&db.app, &manager, other_case, png.id).await, Err(AppError::NotFound)));
    }

    async fn content_that_no_longer_matches_its_checksum_is_never_served(db) {
        let case_id = setup(&db).await;
        let agent = actor(&db, "oim.agent").await;
        let pdf = attachments::add(&db.app, &agent, case_id, &upload("consent_form", "a.pdf", PDF)).await.unwrap();
        testing::execute(&db, &format!("UPDATE attachments SET sha256 = '{}' WHERE sha256 = '{}'", "0".repeat(64), pdf.sha256)).await.unwrap();
        assert!(matches!(attachments::download(&db.app, &agent, case_id, pdf.id).await, Err(AppError::Internal(_))));
        assert!(!actions(&db, case_id).await.iter().any(|(a, _)| a == "attachment.download"), "nothing served, nothing audited as served");
    }

    async fn only_those_who_see_the_case_see_its_files(db) {
        let case_id = setup(&db).await;
        let agent = actor(&db, "oim.agent").await;
        let pdf = attachments::add(&db.app, &agent, case_id, &upload("consent_form", "a.pdf", PDF)).await.unwrap();
        let (_, listed) = attachments::of_case(&db.app, &actor(&db, "oim.gestion").await, case_id).await.unwrap();
        assert_eq!(listed, vec![pdf.clone()]);
        for outsider in ["crm.gestion", "oim.mopti", "anpe.focal", "admin", "ue.observateur"] {
            let who = actor(&db, outsider).await;
            assert!(matches!(attachments::of_case(&db.app, &who, case_id).await, Err(AppError::NotFound)), "{outsider} lists");
            assert!(matches!(attachments::download(&db.app, &who, case_id, pdf.id).await, Err(AppError::NotFound)), "{outsider} downloads");
            assert!(matches!(attachments::add(&db.app, &who, case_id, &upload("other", "b.png", PNG)).await, Err(AppError::NotFound)), "{outsider} uploads");
            assert!(matches!(attachments::remove(&db.app, &who, case_id, pdf.id, "raison").await, Err(AppError::NotFound)), "{outsider} removes");
        }
        assert_eq!(count_rows(&db, case_id).await, 1);
    }

    async fn removal_deletes_the_content_and_keeps_the_record(db) {
        let case_id = setup(&db).await;
        let agent = actor(&db, "oim.agent").await;
        let manager = actor(&db, "oim.gestion").await;
        let pdf = attachments::add(&db.app, &agent, case_id, &upload("consent_form", "a.pdf", PDF)).await.unwrap();
        match attachments::remove(&db.app, &manager, case_id, pdf.id, "   ").await {
            Err(AppError::Invalid(errors)) => assert_eq!(errors.for_field("reason"), Some("error-required")),
            other => panic!("{other:?}"),
        }
        let removed = attachments::remove(&db.app, &manager, case_id, pdf.id, "Copie illisible, remplacée").await.unwrap();
        assert_eq!(removed.removed_by, Some(manager.user.id));
        assert!(db.app.db.attachment_content(pdf.id).await.unwrap().is_none(), "the content is deleted");
        let kept = db.app.db.attachment(pdf.id).await.unwrap().unwrap();
        assert!(kept.removed_at.is_some());
        assert_eq!(kept.removed_by, Some(manager.user.id));
        assert_eq!(kept.removal_reason.as_deref(), Some("Copie illisible, remplacée"));
        assert_eq!(kept.sha256, pdf.sha256);
        assert!(matches!(attachments::download(&db.app, &manager, case_id, pdf.id).await, Err(AppError::NotFound)));
        assert!(matches!(attachments::remove(&db.app, &manager, case_id, pdf.id, "encore").await, Err(AppError::Refused("error-attachment-already-removed"))));
        let history = actions(&db, case_id).await;
        let removal = history.iter().find(|(a, _)| a == "attachment.remove").expect("removal audited");
        assert!(removal.1.contains("Copie illisible") && removal.1.contains(&pdf.sha256));
        assert!(history.iter().any(|(a, _)| a == "attachment.add"));
    }

    async fn closed_cases_refuse_uploads(db) {
        let case_id = setup(&db).await;
        let agent = actor(&db, "oim.agent").await;
        let pdf = attachments::add(&db.app, &agent, case_id, &upload("consent_form", "a.pdf", PDF)).await.unwrap();
        let case = cases::get(&db.app, &agent, case_id).await.unwrap().case;
        cases::close(&db.app, &agent, case_id, case.version, "assistance_completed").await.unwrap();
        assert!(matches!(attachments::add(&db.app, &agent, case_id, &upload("other", "b.png", PNG)).await, Err(AppError::Refused("error-attachment-case-closed"))));
        // Still listed and downloadable for the record.
        assert_eq!(attachments::download(&db.app, &agent, case_id, pdf.id).await.unwrap().content, PDF);
    }
}
