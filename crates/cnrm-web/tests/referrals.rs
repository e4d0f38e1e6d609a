//! Referrals through the pages, on both backends: a case worker refers a returnee to a partner
//! from the case page (only with the returnee's consent), the partner sees the referral with only
//! the fields shared and follows it up, the worker gives feedback or revokes.

mod support;

use axum::http::StatusCode;
use cnrm_app::test_both_backends;
use cnrm_domain::lifecycle::referral::ReferralStatus;
use support::{case_id_of, form, today, today_fr, version_in, Client, Platform, Reply};
use time::OffsetDateTime;
use uuid::Uuid;

/// A registration form as a case worker fills it in: skills to share, a vulnerability not to.
fn registration() -> Vec<(&'static str, &'static str)> {
    vec![
        ("family_name", "Traoré"),
        ("given_names", "Zénabou"),
        ("sex", "female"),
        ("date_of_birth", "11/07/1995"),
        ("nationality", "ML"),
        ("phones", "76 12 34 56"),
        ("languages", "bm"),
        ("education_level", "primary"),
        ("skills", "Couture, teinture"),
        ("intended_settlement", "ML0103"),
        ("arrival_date", "2025-03-18"),
        ("returned_from", "LY"),
        ("return_type", "avr"),
        ("consent_method", "written"),
        ("vulnerabilities", "medical_condition"),
    ]
}

fn referral_form<'a>(to: &'a str, service: &'a str, note: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("to_organisation_id", to),
        ("service", service),
        // What the form sends for the fields always shared (hidden inputs), then those ticked.
        ("shared_fields", "family_name"),
        ("shared_fields", "given_names"),
        ("shared_fields", "sex"),
        ("shared_fields", "phones"),
        ("shared_fields", "age"),
        ("shared_fields", "education_level"),
        ("shared_fields", "skills"),
        ("note", note),
        ("due_on", ""),
    ]
}

async fn referrals_of(p: &Platform, case: Uuid) -> Vec<cnrm_store::Referral> {
    p.db.app.db.referrals_of_case(case).await.unwrap()
}

/// Posts a referral action from the page last seen, as its form does.
async fn act(client: &mut Client, page: &str, referral: Uuid, action: &str, reason: &str) -> Reply {
    let body = client.get(page).await.body;
    let path = format!("/referrals/{referral}/action");
    let version = version_in(&body, &path);
    client.post(&path, &[("action", action), ("reason", reason), ("version", &version), ("back", page)]).await
}

test_both_backends! {
    async fn a_returnee_is_referred_followed_up_and_the_partner_sees_only_what_is_shared(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        let case = case_id_of(&agent.register(&registration()).await);
        let case_page = format!("/cases/{case}");
        let anpe = p.org_id("ANPE").await.to_string();
        let oim = p.org_id("OIM").await.to_string();

        // The form: active partners but not the case's own organisation; the fields always shared
        // ticked for good, sensitive ones marked, the first service's defaults proposed.
        let page = agent.get(&case_page).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Orientations") && page.body.contains("Aucune orientation pour ce dossier."));
        let sending = form(&page.body, &format!("/cases/{case}/referrals"));
        assert!(sending.contains(&format!("value=\"{anpe}\"")) && !sending.contains(&format!("value=\"{oim}\"")));
        assert!(sending.contains("value=\"vocational_training\""));
        assert!(sending.contains("<input type=\"checkbox\" checked disabled> Nom de famille"));
        assert!(sending.contains("<input type=\"hidden\" name=\"shared_fields\" value=\"family_name\">"));
        assert!(sending.contains("value=\"skills\" checked"), "a default of the first service");
        assert!(sending.contains("value=\"vulnerabilities\"> Vulnérabilités constatées <span class=\"badge sensitive\">sensible</span>"));
        assert!(sending.contains("les champs toujours partagés plus ceux que vous cochez"));
        assert!(sending.contains("name=\"_csrf\""));

        // Without the returnee's consent to share with ANPE: blocked, with the reason, nothing sent.
        let path = format!("/cases/{case}/referrals");
        let reply = agent.post(&path, &referral_form(&anpe, "vocational_training", "Formation en couture")).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert!(reply.body.contains("La personne n&#39;a pas donné son consentement pour cet usage de ses données.") || reply.body.contains("La personne n'a pas donné son consentement pour cet usage de ses données."), "{}", reply.body);
        assert!(reply.body.contains("value=\"vocational_training\" selected") && reply.body.contains("Formation en couture"), "typed values kept");
        assert!(referrals_of(&p, case).await.is_empty(), "nothing sent");
        // An incomplete form comes back with messages next to its fields.
        let reply = agent.post(&path, &referral_form("", "", "")).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        for field in ["to_organisation_id", "service"] {
            assert!(reply.body.contains(&format!("id=\"{field}-error\"")), "no message for {field}");
            assert!(reply.body.contains(&format!("aria-describedby=\"{field}-error")), "{field} not linked to its message");
        }

        // With the consent, it goes out.
        agent.get(&case_page).await;
        let granted = today();
        let consent = [("purpose", "referral_sharing"), ("partner_organisation_id", anpe.as_str()), ("method", "written"), ("granted_on", granted.as_str())];
        assert_eq!(case_id_of(&agent.post(&format!("/cases/{case}/consents"), &consent).await), case);
        let reply = agent.post(&path, &referral_form(&anpe, "vocational_training", "Formation en couture")).await;
        assert_eq!(reply.location(), Some(format!("/cases/{case}?msg=saved").as_str()));
        let sent = referrals_of(&p, case).await;
        assert_eq!(sent.len(), 1);
        let first = sent[0].id;
        let codes: Vec<&str> = sent[0].shared_fields.iter().map(|f| f.code()).collect();
        assert_eq!(codes, ["family_name", "given_names", "sex", "phones", "age", "education_level", "skills"]);
        let page = agent.get(&case_page).await;
        assert!(page.body.contains("Formation professionnelle") && page.body.contains("Envoyée"));
        assert!(form(&page.body, &format!("/referrals/{first}/action")).contains("value=\"revoke\""), "the sender may revoke");
        assert!(page.body.contains("Orientation envoyée"), "in the history");

        // The partner sees it among the referrals received, without personal data in the list.
        let mut partner = p.logged_in("anpe.focal").await;
        assert!(partner.get("/").await.body.contains("href=\"/referrals\""), "in the navigation");
        let list = partner.get("/referrals").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains(&format!("href=\"/referrals/{first}\"")));
        assert!(list.body.contains("Formation professionnelle") && list.body.contains("OIM"));
        assert!(!list.body.contains("Zénabou"));
        assert!(partner.get("/referrals?status=sent").await.body.contains(&format!("href=\"/referrals/{first}\"")));
        assert!(!partner.get("/referrals?status=completed").await.body.contains(&format!("href=\"/referrals/{first}\"")));

        // Opening it shows the fields shared and nothing else.
        let received = format!("/referrals/{first}");
        let page = partner.get(&received).await;
        assert_eq!(page.status, StatusCode::OK);
        for needle in ["Traoré", "Zénabou", "Femme", "+22376123456", "<dt>Âge</dt>", "Primaire", "Couture, teinture", "Formation en couture", "OIM"] {
            assert!(page.body.contains(needle), "{needle} missing from the partner's view");
        }
        for hidden in ["Problème de santé", "Vulnérabilités constatées", "Pays de provenance", "Bambara", "/cases/", "OIM-"] {
            assert!(!page.body.contains(hidden), "{hidden} shown to the partner");
        }
        assert!(page.body.contains("value=\"accept\"") && page.body.contains("value=\"decline\""));
        assert!(!page.body.contains("value=\"start\""));

        // Declining needs a reason; then the partner accepts, starts and completes.
        let reply = act(&mut partner, &received, first, "decline", "  ").await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains("id=\"reason-error\"") && reply.body.contains("aria-describedby=\"reason-error\""));
        let reply = act(&mut partner, &received, first, "accept", "").await;
        assert_eq!(reply.location(), Some(format!("{received}?msg=saved").as_str()));
        let page = partner.get(reply.location().unwrap()).await;
        assert!(page.body.contains("Statut : Acceptée") && page.body.contains("value=\"start\""));
        // A form from before the acceptance is stale: refused with a message, nothing changed.
        let stale = partner.post(&format!("/referrals/{first}/action"), &[("action", "start"), ("version", "1"), ("back", &received)]).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.body.contains("Quelqu&#39;un a modifié cette orientation") || stale.body.contains("Quelqu'un a modifié cette orientation"));
        assert_eq!(act(&mut partner, &received, first, "start", "").await.status, StatusCode::SEE_OTHER);
        assert_eq!(act(&mut partner, &received, first, "complete", "").await.status, StatusCode::SEE_OTHER);
        let page = partner.get(&received).await;
        assert!(page.body.contains("Statut : Réalisée"));
        assert!(!page.body.contains("/action\""), "nothing more to do for the partner");

        // The worker sees it completed and gives feedback, which is required.
        let page = agent.get(&case_page).await;
        assert!(page.body.contains("Réalisée") && page.body.contains("Service réalisé par le partenaire"));
        let feedback = form(&page.body, &format!("/referrals/{first}/action"));
        assert!(feedback.contains("value=\"feedback\"") && !page.body.contains("value=\"revoke\""));
        let reply = act(&mut agent, &case_page, first, "feedback", "").await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.body.contains(&format!("id=\"feedback-{first}-error\"")));
        let reply = act(&mut agent, &case_page, first, "feedback", "Formation suivie jusqu'au bout").await;
        assert_eq!(reply.location(), Some(format!("{case_page}?msg=saved").as_str()));
        let page = agent.get(&case_page).await;
        assert!(page.body.contains("Formation suivie jusqu&#39;au bout") || page.body.contains("Formation suivie jusqu'au bout"));
        assert!(!page.body.contains("value=\"feedback\""), "feedback is given once");
        assert_eq!(p.db.app.db.referral(first).await.unwrap().unwrap().feedback.as_deref(), Some("Formation suivie jusqu'au bout"));

        // A second referral, late: marked on both sides; once revoked, the partner loses it.
        let reply = agent.post(&path, &referral_form(&anpe, "job_placement", "")).await;
        assert_eq!(case_id_of(&reply), case);
        let second = referrals_of(&p, case).await.into_iter().find(|r| r.id != first).unwrap();
        let yesterday = OffsetDateTime::now_utc().date().previous_day().unwrap();
        let late = cnrm_store::Referral { due_on: Some(yesterday), ..second.clone() };
        let event = cnrm_app::Actor::console().event("test.due", "case", None, serde_json::json!({}));
        p.db.app.db.update_referral(&late, &event).await.unwrap();
        assert!(agent.get(&case_page).await.body.contains("<span class=\"badge overdue\">en retard</span>"));
        assert!(partner.get("/referrals").await.body.contains("<span class=\"badge overdue\">en retard</span>"));
        assert_eq!(partner.get(&format!("/referrals/{}", second.id)).await.status, StatusCode::OK);
        let reply = act(&mut agent, &case_page, second.id, "revoke", "").await;
        assert_eq!(reply.location(), Some(format!("{case_page}?msg=saved").as_str()));
        assert_eq!(p.db.app.db.referral(second.id).await.unwrap().unwrap().status, ReferralStatus::Revoked);
        let page = agent.get(&case_page).await;
        assert!(page.body.contains("Retirée par l&#39;expéditeur") || page.body.contains("Retirée par l'expéditeur"));
        assert!(page.body.contains("Orientation révoquée"), "in the history");
        assert_eq!(partner.get(&format!("/referrals/{}", second.id)).await.status, StatusCode::NOT_FOUND);
        partner.get("/referrals").await;
        let reply = partner.post(&format!("/referrals/{}/action", second.id), &[("action", "accept"), ("version", "3"), ("back", "/referrals")]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);

        // A case worker receives no referral.
        assert!(!agent.get("/").await.body.contains("href=\"/referrals\""));
        assert_eq!(agent.get("/referrals").await.status, StatusCode::FORBIDDEN);
        assert_eq!(agent.get(&received).await.status, StatusCode::FORBIDDEN);
    }

    async fn after_a_withdrawal_the_partner_sees_nothing_and_nothing_more_is_sent(db) {
        let p = Platform::on(db).await;
        let mut agent = p.logged_in("oim.agent").await;
        let case = case_id_of(&agent.register(&registration()).await);
        let case_page = format!("/cases/{case}");
        let anpe = p.org_id("ANPE").await.to_string();
        agent.get(&case_page).await;
        let granted = today();
        let consent = [("purpose", "referral_sharing"), ("partner_organisation_id", anpe.as_str()), ("method", "written"), ("granted_on", granted.as_str())];
        assert_eq!(case_id_of(&agent.post(&format!("/cases/{case}/consents"), &consent).await), case);
        let path = format!("/cases/{case}/referrals");
        assert_eq!(case_id_of(&agent.post(&path, &referral_form(&anpe, "vocational_training", "")).await), case);
        let referral = referrals_of(&p, case).await[0].id;

        let file = p.db.app.db.case_file(case).await.unwrap().unwrap();
        let consent = file.consents.iter().find(|c| c.record.partner_organisation_id.is_some()).unwrap().id;
        assert_eq!(case_id_of(&agent.post(&format!("/cases/{case}/consents/{consent}/withdraw"), &[]).await), case);

        let mut partner = p.logged_in("anpe.focal").await;
        let page = partner.get(&format!("/referrals/{referral}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("data-testid=\"consent-withdrawn\""));
        assert!(page.body.contains("a retiré son consentement au partage de ses données avec votre organisation"));
        assert!(!page.body.contains("Zénabou") && !page.body.contains("Couture"), "nothing shown");

        let reply = agent.post(&path, &referral_form(&anpe, "vocational_training", "")).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        let withdrawn = format!("La personne a retiré son consentement pour cet usage de ses données le {}.", today_fr());
        assert!(reply.body.contains(&withdrawn), "the withdrawal and its date: {}", reply.body);
        assert_eq!(referrals_of(&p, case).await.len(), 1, "nothing more sent");
    }
}
