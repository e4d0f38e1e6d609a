//! The "Documents" tab and the attachments API, on both backends: multipart uploads behind the
//! CSRF check, refusals shown next to the field, downloads with safe headers, removal, and
//! outsiders who get "not found".

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use cnrm_app::test_both_backends;
use cnrm_domain::attachment::MAX_ATTACHMENT_BYTES;
use cnrm_domain::Role;
use support::{case_id_of, form_token, get_raw, multipart, post_multipart, send, Client, Part, Platform, BOUNDARY};
use uuid::Uuid;

/// A small but complete PDF document (one empty page).
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n\
trailer << /Root 1 0 R >>\n%%EOF\n";

/// A valid 1×1 PNG image.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn registration() -> Vec<(&'static str, &'static str)> {
    vec![
        ("family_name", "Konaté"),
        ("given_names", "Salif"),
        ("sex", "male"),
        ("date_of_birth", "12/05/1992"),
        ("nationality", "ML"),
        ("phones", "76 12 34 56"),
        ("arrival_date", "2025-03-18"),
        ("returned_from", "LY"),
        ("return_type", "avr"),
        ("consent_method", "written"),
    ]
}

/// The case worker with a new case of their own, and the token of the documents page.
async fn agent_with_case(p: &Platform) -> (Client, Uuid, String) {
    let mut agent = p.logged_in("oim.agent").await;
    let case = case_id_of(&agent.register(&registration()).await);
    let page = agent.get(&format!("/cases/{case}/attachments")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = form_token(&page.body);
    (agent, case, token)
}

async fn stored(p: &Platform, case: Uuid) -> Vec<cnrm_store::Attachment> {
    p.db.app.db.attachments_of_case(case).await.unwrap()
}

test_both_backends! {
    async fn multipart_uploads_need_the_right_csrf_token(db) {
        let p = Platform::on(db).await;
        let (agent, case, token) = agent_with_case(&p).await;
        let path = format!("/cases/{case}/attachments");
        let page = get_raw(&p, &agent, &path).await.text();
        // The form is multipart, with the token as its first field.
        let form_start = page.find("enctype=\"multipart/form-data\"").expect("an upload form");
        let form = &page[form_start..];
        assert!(form.find("name=\"_csrf\"").unwrap() < form.find("name=\"file\"").unwrap(), "the token comes first");
        assert!(form.contains("5 Mo"), "the limit is shown");
        assert!(page.contains("aria-current=\"page\">Documents</a>"), "the tab is current");

        let file = Part::File("file", "consentement.pdf", PDF);
        let refused = post_multipart(&p, &agent, &path, &[Part::Text("kind", "consent_form"), Part::File("file", "consentement.pdf", PDF)]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "no token");
        assert!(refused.text().contains("Formulaire expiré"));
        let wrong = "0".repeat(64);
        let refused = post_multipart(&p, &agent, &path, &[Part::Text("_csrf", &wrong), Part::Text("kind", "consent_form"), Part::File("file", "consentement.pdf", PDF)]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "wrong token");
        assert!(stored(&p, case).await.is_empty(), "nothing written without the token");
        let csrf_refusals = p.audit_actions().await.iter().filter(|(a, _)| a == "access.csrf_rejected").count();
        assert_eq!(csrf_refusals, 2);

        let accepted = post_multipart(&p, &agent, &path, &[Part::Text("_csrf", &token), Part::Text("kind", "consent_form"), Part::Text("description", "Signé à l'accueil"), file]).await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.text());
        assert_eq!(accepted.header(header::LOCATION), format!("{path}?msg=attachment-added"));
        let files = stored(&p, case).await;
        assert_eq!(files.len(), 1);
        assert_eq!((files[0].file_name.as_str(), files[0].description.as_str()), ("consentement.pdf", "Signé à l'accueil"));
        let page = get_raw(&p, &agent, &format!("{path}?msg=attachment-added")).await.text();
        assert!(page.contains("Document joint au dossier.") && page.contains("consentement.pdf") && page.contains("Formulaire de consentement"));
    }

    async fn refused_files_come_back_with_the_reason_next_to_the_field(db) {
        let p = Platform::on(db).await;
        let (agent, case, token) = agent_with_case(&p).await;
        let path = format!("/cases/{case}/attachments");

        let mut big = PDF.to_vec();
        big.resize(MAX_ATTACHMENT_BYTES + 100 * 1024, b' ');
        let reply = post_multipart(&p, &agent, &path, &[Part::Text("_csrf", &token), Part::Text("kind", "medical_report"), Part::Text("description", "Rapport de l'hôpital"), Part::File("file", "rapport.pdf", &big)]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let body = reply.text();
        assert!(body.contains("Ce fichier fait 5,1 Mo : la limite est 5 Mo."), "{body}");
        assert!(body.contains("id=\"file-error\"") && body.contains("aria-describedby=\"file-error file-hint\""));
        assert!(body.contains("value=\"medical_report\" selected") && body.contains("Rapport de l&#39;hôpital") || body.contains("Rapport de l'hôpital"), "typed values kept");

        let reply = post_multipart(&p, &agent, &path, &[Part::Text("_csrf", &token), Part::Text("kind", "other"), Part::File("file", "note.pdf", b"Juste du texte, pas un PDF.\n")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("Type de fichier non accepté : PDF, JPEG ou PNG"));
        let reply = post_multipart(&p, &agent, &path, &[Part::Text("_csrf", &token), Part::Text("kind", "other"), Part::File("file", "vide.pdf", b"")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("Ce fichier est vide"));

        let ok = post_multipart(&p, &agent, &path, &[Part::Text("_csrf", &token), Part::Text("kind", "identity_document_copy"), Part::File("file", "passeport.png", PNG)]).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        let reply = post_multipart(&p, &agent, &path, &[Part::Text("_csrf", &token), Part::Text("kind", "other"), Part::File("file", "autre-nom.png", PNG)]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let body = reply.text();
        assert!(body.contains("Ce fichier est déjà joint au dossier : « passeport.png » (Copie de pièce d&#39;identité)")
            || body.contains("Ce fichier est déjà joint au dossier : « passeport.png » (Copie de pièce d'identité)"), "{body}");

        // A body over the multipart limit is cut off with a message page.
        let mut huge = PDF.to_vec();
        huge.resize(2 * MAX_ATTACHMENT_BYTES + 128 * 1024, b' ');
        let reply = post_multipart(&p, &agent, &path, &[Part::Text("_csrf", &token), Part::Text("kind", "other"), Part::File("file", "enorme.pdf", &huge)]).await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
        let body = reply.text();
        assert!(body.contains("Envoi trop volumineux") && body.contains("ne peut pas dépasser 5 Mo"), "{body}");
        assert_eq!(stored(&p, case).await.len(), 1, "only the accepted file was written");

        // Closed cases take no more files.
        let mut manager = p.logged_in("oim.gestion").await;
        let version = p.db.app.db.case_file(case).await.unwrap().unwrap().case.version.to_string();
        manager.get(&format!("/cases/{case}")).await;
        let closed = manager.post(&format!("/cases/{case}/close"), &[("version", &version), ("closure_reason", "assistance_completed")]).await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
        let page = get_raw(&p, &agent, &path).await.text();
        assert!(!page.contains("enctype=\"multipart/form-data\"") && page.contains("Le dossier est clôturé"));
        let reply = post_multipart(&p, &agent, &path, &[Part::Text("_csrf", &token), Part::Text("kind", "other"), Part::File("file", "a.pdf", PDF)]).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert_eq!(stored(&p, case).await.len(), 1);
    }

    async fn downloads_are_the_same_bytes_with_safe_headers_and_audited(db) {
        let p = Platform::on(db).await;
        let (agent, case, token) = agent_with_case(&p).await;
        let path = format!("/cases/{case}/attachments");
        let reply = post_multipart(&p, &agent, &path, &[Part::Text("_csrf", &token), Part::Text("kind", "assessment_form"), Part::File("file", "Fiche d'évaluation <finale>.pdf", PDF)]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        let id = stored(&p, case).await[0].id;
        let page = get_raw(&p, &agent, &path).await.text();
        assert!(page.contains(&format!("href=\"/cases/{case}/attachments/{id}\"")));

        let manager = p.logged_in("oim.gestion").await;
        let file = get_raw(&p, &manager, &format!("{path}/{id}")).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.body, PDF);
        assert_eq!(file.header(header::CONTENT_TYPE), "application/pdf");
        assert_eq!(
            file.header(header::CONTENT_DISPOSITION),
            "attachment; filename=\"Fiche d__valuation _finale_.pdf\"; filename*=UTF-8''Fiche%20d%27%C3%A9valuation%20_finale_.pdf"
        );
        assert_eq!(file.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(file.header(header::CACHE_CONTROL), "private, no-store");
        let actions = p.audit_actions().await;
        assert!(actions.contains(&("attachment.download".to_string(), "oim.gestion".to_string())));
        assert!(actions.contains(&("attachment.add".to_string(), "oim.agent".to_string())));
        // The case history names them.
        let mut agent = agent;
        let history = agent.get(&format!("/cases/{case}")).await.body;
        assert!(history.contains("Document joint") && history.contains("Document téléchargé"), "timeline labels");

        // A checksum that no longer matches: a server error, never the file.
        cnrm_app::testing::execute(&p.db, &format!("UPDATE attachments SET size_bytes = 1 WHERE sha256 = '{}'", cnrm_domain::attachment::checksum(PDF))).await.unwrap();
        let broken = get_raw(&p, &manager, &format!("{path}/{id}")).await;
        assert_eq!(broken.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!broken.body.starts_with(b"%PDF"));
    }

    async fn outsiders_get_not_found(db) {
        let p = Platform::on(db).await;
        let (agent, case, token) = agent_with_case(&p).await;
        let path = format!("/cases/{case}/attachments");
        post_multipart(&p, &agent, &path, &[Part::Text("_csrf", &token), Part::Text("kind", "consent_form"), Part::File("file", "c.pdf", PDF)]).await;
        let id = stored(&p, case).await[0].id;
        p.add_account("crm.gestion", Role::CaseManager, "CRM", Some("Bamako")).await;
        p.add_account("oim.mopti", Role::CaseWorker, "OIM", Some("Mopti")).await;

        // The partner's focal point, through the pages.
        let focal = p.logged_in("anpe.focal").await;
        assert_eq!(get_raw(&p, &focal, &path).await.status, StatusCode::NOT_FOUND);
        assert_eq!(get_raw(&p, &focal, &format!("{path}/{id}")).await.status, StatusCode::NOT_FOUND);
        // Another organisation's case manager, a case worker of another team, the focal point: the API.
        for outsider in ["crm.gestion", "oim.mopti", "anpe.focal"] {
            let token = p.token(outsider).await.unwrap();
            let list = p.api("GET", &format!("/api/v1{path}"), Some(&token), None).await;
            assert_eq!(list.status, StatusCode::NOT_FOUND, "{outsider}: {}", list.body);
            let file = p.api("GET", &format!("/api/v1{path}/{id}/content"), Some(&token), None).await;
            assert_eq!(file.status, StatusCode::NOT_FOUND, "{outsider}");
            assert_eq!(file.json()["code"], "not_found");
        }
        // An attachment through another case's address is not found either.
        let mut manager = p.logged_in("oim.gestion").await;
        manager.get("/cases/new").await;
        let mut fields = registration();
        fields[0] = ("family_name", "Sylla");
        let other_case = case_id_of(&manager.post("/cases", &fields).await);
        assert_eq!(get_raw(&p, &agent, &format!("/cases/{other_case}/attachments/{id}")).await.status, StatusCode::NOT_FOUND);
        assert!(!p.audit_actions().await.iter().any(|(a, _)| a == "attachment.download"));
    }

    async fn removal_deletes_the_content_and_keeps_a_greyed_record(db) {
        let p = Platform::on(db).await;
        let (agent, case, token) = agent_with_case(&p).await;
        let path = format!("/cases/{case}/attachments");
        post_multipart(&p, &agent, &path, &[Part::Text("_csrf", &token), Part::Text("kind", "consent_form"), Part::File("file", "c.pdf", PDF)]).await;
        let id = stored(&p, case).await[0].id;
        let mut agent = agent;
        agent.get(&path).await;
        let remove = format!("{path}/{id}/remove");
        let reply = agent.post(&remove, &[("reason", "  ")]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains(&format!("id=\"reason-{id}-error\"")) && reply.body.contains("Ce champ est obligatoire."));
        let reply = agent.post(&remove, &[("reason", "Scan illisible")]).await;
        assert_eq!(reply.location(), Some(format!("{path}?msg=attachment-removed").as_str()), "{}", reply.body);
        assert!(p.db.app.db.attachment_content(id).await.unwrap().is_none());
        let kept = p.db.app.db.attachment(id).await.unwrap().unwrap();
        assert_eq!(kept.removal_reason.as_deref(), Some("Scan illisible"));
        let page = agent.get(&path).await.body;
        assert!(page.contains("class=\"removed\"") && page.contains("Retiré le") && page.contains("Scan illisible"));
        assert!(!page.contains(&format!("href=\"/cases/{case}/attachments/{id}\"")), "no download link once removed");
        assert_eq!(get_raw(&p, &agent, &format!("{path}/{id}")).await.status, StatusCode::NOT_FOUND);
        assert!(p.audit_actions().await.contains(&("attachment.remove".to_string(), "oim.agent".to_string())));
        // Only those who may change the case remove.
        let mut focal = p.logged_in("anpe.focal").await;
        focal.get("/account").await;
        assert_eq!(focal.post(&remove, &[("reason", "x")]).await.status, StatusCode::NOT_FOUND);
    }

    async fn the_api_uploads_lists_downloads_and_removes_without_csrf(db) {
        let p = Platform::on(db).await;
        let (_, case, _) = agent_with_case(&p).await;
        let token = p.token("oim.agent").await.unwrap();
        let path = format!("/api/v1/cases/{case}/attachments");
        let upload = |parts: &[Part]| {
            Request::post(&path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::ACCEPT_LANGUAGE, "en")
                .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
                .body(Body::from(multipart(parts)))
                .unwrap()
        };
        let created = send(&p, upload(&[Part::Text("kind", "signed_plan"), Part::Text("description", "Plan signé"), Part::File("file", "plan.pdf", PDF)])).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let json: serde_json::Value = serde_json::from_slice(&created.body).unwrap();
        assert_eq!((json["kind"].as_str(), json["file_type"].as_str()), (Some("signed_plan"), Some("pdf")));
        let id = json["id"].as_str().unwrap().to_string();

        let mut big = PDF.to_vec();
        big.resize(MAX_ATTACHMENT_BYTES + 1, b' ');
        let refused = send(&p, upload(&[Part::Text("kind", "other"), Part::File("file", "big.pdf", &big)])).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let problem: serde_json::Value = serde_json::from_slice(&refused.body).unwrap();
        assert_eq!(problem["errors"][0]["field"], "file");
        assert_eq!(problem["errors"][0]["code"], "attachment-too-large");
        assert_eq!(problem["errors"][0]["message"].as_str().unwrap(), "This file is 5.1 MB: the limit is 5 MB. Reduce the scan (150 to 200 dpi, black and white or greyscale) or send the pages separately.");
        let duplicate = send(&p, upload(&[Part::Text("kind", "other"), Part::File("file", "again.pdf", PDF)])).await;
        let problem: serde_json::Value = serde_json::from_slice(&duplicate.body).unwrap();
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("“plan.pdf” (Signed reintegration plan)"), "{problem}");

        let list = p.api("GET", &path, Some(&token), None).await;
        assert_eq!(list.status, StatusCode::OK);
        assert_eq!(list.json().as_array().unwrap().len(), 1);
        let content = send(&p, Request::get(format!("{path}/{id}/content")).header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).unwrap()).await;
        assert_eq!(content.status, StatusCode::OK);
        assert_eq!(content.body, PDF);
        assert_eq!(content.header(header::CACHE_CONTROL), "private, no-store");
        assert!(content.header(header::CONTENT_DISPOSITION).starts_with("attachment; filename=\"plan.pdf\""));

        let missing_reason = p.api("POST", &format!("{path}/{id}/remove"), Some(&token), Some(serde_json::json!({}))).await;
        assert_eq!(missing_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        let removed = p.api("POST", &format!("{path}/{id}/remove"), Some(&token), Some(serde_json::json!({ "reason": "Mauvais dossier" }))).await;
        assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
        assert!(removed.json()["removed_at"].is_string());
        assert_eq!(p.api("GET", &format!("{path}/{id}/content"), Some(&token), None).await.status, StatusCode::NOT_FOUND);
        let actions = p.audit_actions().await;
        for action in ["attachment.add", "attachment.download", "attachment.remove"] {
            assert!(actions.contains(&(action.to_string(), "oim.agent".to_string())), "{action}");
        }

        let spec = p.api("GET", "/api/v1/openapi.json", None, None).await.json();
        let paths = &spec["paths"];
        assert!(paths["/api/v1/cases/{id}/attachments"]["post"]["requestBody"]["content"]["multipart/form-data"].is_object());
        assert!(paths["/api/v1/cases/{id}/attachments"]["get"].is_object());
        assert!(paths["/api/v1/cases/{id}/attachments/{attachment_id}/content"]["get"].is_object());
        assert!(paths["/api/v1/cases/{id}/attachments/{attachment_id}/remove"]["post"].is_object());
    }
}
