//! The permission matrix: every role × every route and API endpoint → allowed or denied,
//! on both backends. Denials must be 403 (404 where existence itself is sensitive) and audited.

mod support;

use axum::http::StatusCode;
use cnrm_app::test_both_backends;
use support::Platform;

const ROLES: [&str; 9] = [
    "admin",
    "secretariat",
    "oim.admin",
    "oim.gestion",
    "oim.agent",
    "oim.suivi",
    "anpe.focal",
    "ue.observateur",
    "cnrm.donnees",
];

/// Expected status for each role, in the order of [`ROLES`].
type Row = (&'static str, &'static str, [u16; 9]);

const OK: u16 = 200;
const NO: u16 = 403;

/// Pages, with `{oim}`, `{anpe}`, `{target}` (an OIM case worker) and `{anpe_user}` filled in.
const PAGES: &[Row] = &[
    ("GET", "/", [OK; 9]),
    ("GET", "/account", [OK; 9]),
    ("GET", "/work", [OK; 9]),
    ("GET", "/organisations", [OK; 9]),
    ("GET", "/organisations?q=oim&sort=acronym&dir=desc", [OK; 9]),
    ("GET", "/organisations/{oim}", [OK; 9]),
    ("GET", "/organisations/new", [OK, OK, NO, NO, NO, NO, NO, NO, NO]),
    ("GET", "/organisations/{oim}/edit", [OK, OK, OK, NO, NO, NO, NO, NO, NO]),
    ("GET", "/organisations/{anpe}/edit", [OK, OK, NO, NO, NO, NO, NO, NO, NO]),
    ("GET", "/users", [OK, NO, OK, NO, NO, NO, NO, NO, NO]),
    ("GET", "/users/new", [OK, NO, OK, NO, NO, NO, NO, NO, NO]),
    ("GET", "/users/{target}", [OK, NO, OK, NO, NO, NO, NO, NO, NO]),
    ("GET", "/users/{anpe_user}", [OK, NO, 404, NO, NO, NO, NO, NO, NO]),
    ("GET", "/audit", [OK, NO, OK, NO, NO, NO, NO, NO, NO]),
    ("GET", "/roles", [OK, NO, OK, NO, NO, NO, NO, NO, NO]),
    ("GET", "/admin/code-of-conduct", [OK, NO, NO, NO, NO, NO, NO, NO, NO]),
    ("GET", "/admin/settings", [OK, NO, NO, NO, NO, NO, NO, NO, NO]),
    // Empty offsets: refused with a message for the administrator, forbidden to everyone else.
    ("POST", "/admin/settings", [422, NO, NO, NO, NO, NO, NO, NO, NO]),
    // A case nobody may see: "not found" for those who read cases, forbidden to the others.
    ("GET", "/cases/00000000-0000-0000-0000-000000000000/family", [NO, NO, NO, 404, 404, NO, NO, NO, NO]),
    ("GET", "/cases", [NO, NO, NO, OK, OK, NO, NO, NO, NO]),
    ("GET", "/cases?q=traore&status=open&sort=name", [NO, NO, NO, OK, OK, NO, NO, NO, NO]),
    ("GET", "/cases/new", [NO, NO, NO, OK, OK, NO, NO, NO, NO]),
    ("GET", "/referrals", [NO, NO, NO, OK, NO, NO, OK, NO, NO]),
    // The service catalogue: published services for every coordination reader; writing for those who
    // publish their organisation's services; validation for the secretariat.
    // Gap and overlap analysis (counts only): every coordination reader; filters validated.
    ("GET", "/gaps", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/gaps?region=ML01&category=housing&from=2026-01-01&to=2026-12-31", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/gaps?region=ML0101", [422, 422, 422, 422, 422, 422, 422, 422, NO]),
    ("GET", "/gaps.csv?region=ML02", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/catalogue", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/catalogue?category=job_placement&unit=ML0103", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/catalogue/new", [NO, OK, OK, OK, NO, OK, OK, NO, NO]),
    ("POST", "/catalogue", [NO, 422, 422, 422, NO, 422, 422, NO, NO]),
    ("GET", "/catalogue/01890000-0000-7000-8000-0000000ca7a1", [404, 404, 404, 404, 404, 404, 404, 404, NO]),
    ("GET", "/catalogue/01890000-0000-7000-8000-0000000ca7a1/edit", [404, 404, 404, 404, 404, 404, 404, 404, NO]),
    ("POST", "/catalogue/01890000-0000-7000-8000-0000000ca7a1/submit", [404, 404, 404, 404, 404, 404, 404, 404, NO]),
    ("POST", "/catalogue/01890000-0000-7000-8000-0000000ca7a1/validate", [NO, 404, NO, NO, NO, NO, NO, NO, NO]),
    ("GET", "/projects", [NO, NO, NO, OK, OK, NO, NO, NO, NO]),
    ("GET", "/projects?status=active&page=2", [NO, NO, NO, OK, OK, NO, NO, NO, NO]),
    ("GET", "/projects/new", [NO, NO, NO, OK, NO, NO, NO, NO, NO]),
    ("POST", "/projects", [NO, NO, NO, 422, NO, NO, NO, NO, NO]),
    // A project that does not exist: not found for those who read cases, forbidden to the others.
    ("GET", "/projects/01890000-0000-7000-8000-0000000c0095", [NO, NO, NO, 404, 404, NO, NO, NO, NO]),
    ("POST", "/projects/01890000-0000-7000-8000-0000000c0095/action", [NO, NO, NO, 404, 404, NO, NO, NO, NO]),
    // Coordination (G3): every role but the data steward reads; the secretariat runs meetings; the
    // organisations' coordination managers record agreements, trainings and practices.
    ("GET", "/coordination", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/meetings", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/meetings/new", [NO, OK, NO, NO, NO, NO, NO, NO, NO]),
    ("POST", "/meetings", [NO, 422, NO, NO, NO, NO, NO, NO, NO]),
    ("GET", "/meetings/01890000-0000-7000-8000-00000000c003", [404, 404, 404, 404, 404, 404, 404, 404, NO]),
    ("GET", "/meetings/01890000-0000-7000-8000-00000000c003/minutes.pdf", [404, 404, 404, 404, 404, 404, 404, 404, NO]),
    ("POST", "/action-points/01890000-0000-7000-8000-00000000c004", [404, 404, 404, 404, 404, 404, 404, 404, NO]),
    ("GET", "/agreements", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/agreements/new", [NO, OK, OK, OK, NO, OK, OK, NO, NO]),
    ("POST", "/agreements", [NO, 422, 422, 422, NO, 422, 422, NO, NO]),
    ("GET", "/trainings", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/trainings?organisation={anpe}", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/trainings/new", [NO, OK, OK, OK, NO, OK, OK, NO, NO]),
    ("POST", "/trainings", [NO, 422, 422, 422, NO, 422, 422, NO, NO]),
    ("GET", "/practices", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/practices/new", [NO, OK, OK, OK, NO, OK, OK, NO, NO]),
    ("POST", "/practices", [NO, 422, 422, 422, NO, 422, 422, NO, NO]),
    ("POST", "/admin/settings/data-sharing", [303, NO, NO, NO, NO, NO, NO, NO, NO]),
    ("GET", "/referrals?status=sent&page=2", [NO, NO, NO, OK, NO, NO, OK, NO, NO]),
    ("GET", "/transfers", [NO, NO, NO, OK, NO, NO, NO, NO, NO]),
    // Identity resolution (F): the review queue for data stewards only; asking another organisation
    // about a possible match for those who register cases.
    ("GET", "/identity/review", [NO, NO, NO, NO, NO, NO, NO, NO, OK]),
    ("GET", "/identity/review?status=pending&page=2", [NO, NO, NO, NO, NO, NO, NO, NO, OK]),
    ("GET", "/identity/review/01890000-0000-7000-8000-0000001de171", [NO, NO, NO, NO, NO, NO, NO, NO, 404]),
    ("POST", "/identity/review/01890000-0000-7000-8000-0000001de171/decision", [NO, NO, NO, NO, NO, NO, NO, NO, 404]),
    ("POST", "/identity/review/01890000-0000-7000-8000-0000001de171/split", [NO, NO, NO, NO, NO, NO, NO, NO, 404]),
    ("GET", "/identity/ask?organisation_id={anpe}&contact_ref=x", [NO, NO, NO, OK, OK, NO, NO, NO, NO]),
    ("POST", "/identity/ask", [NO, NO, NO, 422, 422, NO, NO, NO, NO]),
    ("GET", "/code-of-conduct", [OK; 9]),
    ("GET", "/account/password", [OK; 9]),
    // Counselling of a case that does not exist: refused without the permission, else not found.
    ("GET", "/cases/01890000-0000-7000-8000-00000000c0c0/counselling", [NO, NO, NO, 404, 404, NO, NO, NO, NO]),
    (
        "POST",
        "/cases/01890000-0000-7000-8000-00000000c0c0/counselling/sessions",
        [NO, NO, NO, 404, 404, NO, NO, NO, NO],
    ),
    ("POST", "/cases/01890000-0000-7000-8000-00000000c0c0/counselling/needs", [NO, NO, NO, 404, 404, NO, NO, NO, NO]),
    ("POST", "/cases/01890000-0000-7000-8000-00000000c0c0/counselling/skills", [NO, NO, NO, 404, 404, NO, NO, NO, NO]),
    ("POST", "/users/{target}/reset-password", [OK, NO, OK, NO, NO, NO, NO, NO, NO]),
    ("POST", "/users/{anpe_user}/reset-password", [OK, NO, 404, NO, NO, NO, NO, NO, NO]),
    ("POST", "/organisations/{anpe}", [303, 303, NO, NO, NO, NO, NO, NO, NO]),
    ("POST", "/organisations", [303, 303, NO, NO, NO, NO, NO, NO, NO]),
    // Attachments of a case out of sight (here: none): not found for every role, never revealed.
    ("GET", "/cases/01890000-0000-7000-8000-0000000a77ac/attachments", [404; 9]),
    ("POST", "/cases/01890000-0000-7000-8000-0000000a77ac/attachments", [404; 9]),
    ("GET", "/cases/01890000-0000-7000-8000-0000000a77ac/attachments/01890000-0000-7000-8000-0000000f11e0", [404; 9]),
    (
        "POST",
        "/cases/01890000-0000-7000-8000-0000000a77ac/attachments/01890000-0000-7000-8000-0000000f11e0/remove",
        [404; 9],
    ),
    // Interventions (4W): every role but the data steward reads; organisations (not case workers,
    // observers nor the platform administrator) record; the secretariat validates and locks quarters.
    ("GET", "/interventions", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/interventions?category=cash&period=2026-Q1&unit=ML01&page=2", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/interventions/new", [NO, OK, OK, OK, NO, OK, OK, NO, NO]),
    ("POST", "/interventions", [NO, 422, 422, 422, NO, 422, 422, NO, NO]),
    ("GET", "/interventions/export.csv", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/interventions/export.xlsx?unit=ML09", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/interventions/periods", [NO, OK, NO, NO, NO, NO, NO, NO, NO]),
    ("GET", "/catalogue/export.csv", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/catalogue/export.xlsx?category=cash", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    // No action chosen: refused with a message for the secretariat, forbidden to everyone else.
    ("POST", "/interventions/periods/2020-Q1", [NO, 422, NO, NO, NO, NO, NO, NO, NO]),
    ("GET", "/interventions/01890000-0000-7000-8000-0000000a4a4a", [404, 404, 404, 404, 404, 404, 404, 404, NO]),
    ("GET", "/interventions/01890000-0000-7000-8000-0000000a4a4a/edit", [404, 404, 404, 404, 404, 404, 404, 404, NO]),
    (
        "POST",
        "/interventions/01890000-0000-7000-8000-0000000a4a4a/reports",
        [404, 404, 404, 404, 404, 404, 404, 404, NO],
    ),
];

const API: &[Row] = &[
    ("GET", "/api/v1/me", [OK; 9]),
    ("GET", "/api/v1/work", [OK; 9]),
    ("GET", "/api/v1/organisations", [OK; 9]),
    ("GET", "/api/v1/organisations/{oim}", [OK; 9]),
    ("GET", "/api/v1/admin-units", [OK; 9]),
    ("GET", "/api/v1/roles", [OK; 9]),
    ("POST", "/api/v1/organisations", [201, 201, NO, NO, NO, NO, NO, NO, NO]),
    ("PUT", "/api/v1/organisations/{oim}", [OK, OK, OK, NO, NO, NO, NO, NO, NO]),
    ("PUT", "/api/v1/organisations/{anpe}", [OK, OK, NO, NO, NO, NO, NO, NO, NO]),
    ("GET", "/api/v1/users", [OK, NO, OK, NO, NO, NO, NO, NO, NO]),
    ("GET", "/api/v1/users/{target}", [OK, NO, OK, NO, NO, NO, NO, NO, NO]),
    ("GET", "/api/v1/users/{anpe_user}", [OK, NO, 404, NO, NO, NO, NO, NO, NO]),
    ("PUT", "/api/v1/users/{target}", [OK, NO, OK, NO, NO, NO, NO, NO, NO]),
    ("POST", "/api/v1/users", [201, NO, 201, NO, NO, NO, NO, NO, NO]),
    ("GET", "/api/v1/audit", [OK, NO, OK, NO, NO, NO, NO, NO, NO]),
    ("GET", "/api/v1/cases", [NO, NO, NO, OK, OK, NO, NO, NO, NO]),
    ("GET", "/api/v1/gaps", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/api/v1/gaps?category=teleportation", [422, 422, 422, 422, 422, 422, 422, 422, NO]),
    ("GET", "/api/v1/catalogue", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/api/v1/catalogue?category=job_placement&unit=ML0103", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("POST", "/api/v1/catalogue", [NO, 422, 422, 422, NO, 422, 422, NO, NO]),
    ("GET", "/api/v1/catalogue/01890000-0000-7000-8000-0000000ca7a1", [404, 404, 404, 404, 404, 404, 404, 404, NO]),
    ("PUT", "/api/v1/catalogue/01890000-0000-7000-8000-0000000ca7a1", [404, 404, 404, 404, 404, 404, 404, 404, NO]),
    ("POST", "/api/v1/catalogue/01890000-0000-7000-8000-0000000ca7a1/validate", [NO, 404, NO, NO, NO, NO, NO, NO, NO]),
    ("GET", "/api/v1/projects", [NO, NO, NO, OK, OK, NO, NO, NO, NO]),
    ("GET", "/api/v1/projects?status=planned", [NO, NO, NO, OK, OK, NO, NO, NO, NO]),
    ("POST", "/api/v1/projects", [NO, NO, NO, 422, NO, NO, NO, NO, NO]),
    ("GET", "/api/v1/projects/01890000-0000-7000-8000-0000000c0095", [NO, NO, NO, 404, 404, NO, NO, NO, NO]),
    ("GET", "/api/v1/meetings", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("POST", "/api/v1/meetings", [NO, 422, NO, NO, NO, NO, NO, NO, NO]),
    ("GET", "/api/v1/meetings/01890000-0000-7000-8000-00000000c003", [404, 404, 404, 404, 404, 404, 404, 404, NO]),
    ("PUT", "/api/v1/action-points/01890000-0000-7000-8000-00000000c004", [404, 404, 404, 404, 404, 404, 404, 404, NO]),
    ("GET", "/api/v1/agreements", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("POST", "/api/v1/agreements", [NO, 422, 422, 422, NO, 422, 422, NO, NO]),
    ("GET", "/api/v1/trainings", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("POST", "/api/v1/trainings", [NO, 422, 422, 422, NO, 422, 422, NO, NO]),
    ("GET", "/api/v1/practices?status=published", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("POST", "/api/v1/practices", [NO, 422, 422, 422, NO, 422, 422, NO, NO]),
    ("GET", "/api/v1/settings/referral-data-sharing", [OK, NO, NO, NO, NO, NO, NO, NO, NO]),
    ("GET", "/api/v1/settings/follow-up-offsets", [OK, NO, NO, NO, NO, NO, NO, NO, NO]),
    // The matrix sends an organisation as body: no offsets, refused for the administrator.
    ("PUT", "/api/v1/settings/follow-up-offsets", [422, NO, NO, NO, NO, NO, NO, NO, NO]),
    ("GET", "/api/v1/cases/00000000-0000-0000-0000-000000000000/family-links", [NO, NO, NO, 404, 404, NO, NO, NO, NO]),
    ("GET", "/api/v1/cases?q=traore&status=open", [NO, NO, NO, OK, OK, NO, NO, NO, NO]),
    (
        "GET",
        "/api/v1/cases/01890000-0000-7000-8000-00000000c0c0/counselling-sessions",
        [NO, NO, NO, 404, 404, NO, NO, NO, NO],
    ),
    (
        "POST",
        "/api/v1/cases/01890000-0000-7000-8000-00000000c0c0/counselling-sessions",
        [NO, NO, NO, 404, 404, NO, NO, NO, NO],
    ),
    (
        "GET",
        "/api/v1/cases/01890000-0000-7000-8000-00000000c0c0/needs-assessments",
        [NO, NO, NO, 404, 404, NO, NO, NO, NO],
    ),
    (
        "POST",
        "/api/v1/cases/01890000-0000-7000-8000-00000000c0c0/needs-assessments",
        [NO, NO, NO, 404, 404, NO, NO, NO, NO],
    ),
    (
        "GET",
        "/api/v1/cases/01890000-0000-7000-8000-00000000c0c0/skills-assessments",
        [NO, NO, NO, 404, 404, NO, NO, NO, NO],
    ),
    (
        "POST",
        "/api/v1/cases/01890000-0000-7000-8000-00000000c0c0/skills-assessments",
        [NO, NO, NO, 404, 404, NO, NO, NO, NO],
    ),
    ("GET", "/api/v1/transfers", [NO, NO, NO, OK, NO, NO, NO, NO, NO]),
    ("GET", "/api/v1/identity/candidates", [NO, NO, NO, NO, NO, NO, NO, NO, OK]),
    ("GET", "/api/v1/identity/candidates?status=not_same", [NO, NO, NO, NO, NO, NO, NO, NO, OK]),
    ("GET", "/api/v1/identity/candidates/01890000-0000-7000-8000-0000001de171", [NO, NO, NO, NO, NO, NO, NO, NO, 404]),
    (
        "POST",
        "/api/v1/identity/candidates/01890000-0000-7000-8000-0000001de171/decision",
        [NO, NO, NO, NO, NO, NO, NO, NO, 404],
    ),
    (
        "POST",
        "/api/v1/identity/links/01890000-0000-7000-8000-0000001de171/split",
        [NO, NO, NO, NO, NO, NO, NO, NO, 404],
    ),
    ("POST", "/api/v1/identity/contact-requests", [NO, NO, NO, 422, 422, NO, NO, NO, NO]),
    ("GET", "/api/v1/cases/01890000-0000-7000-8000-0000000a77ac/attachments", [404; 9]),
    ("POST", "/api/v1/cases/01890000-0000-7000-8000-0000000a77ac/attachments", [404; 9]),
    (
        "GET",
        "/api/v1/cases/01890000-0000-7000-8000-0000000a77ac/attachments/01890000-0000-7000-8000-0000000f11e0/content",
        [404; 9],
    ),
    (
        "POST",
        "/api/v1/cases/01890000-0000-7000-8000-0000000a77ac/attachments/01890000-0000-7000-8000-0000000f11e0/remove",
        [404; 9],
    ),
    ("GET", "/api/v1/interventions", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("POST", "/api/v1/interventions", [NO, 422, 422, 422, NO, 422, 422, NO, NO]),
    ("GET", "/api/v1/interventions/01890000-0000-7000-8000-0000000a4a4a", [404, 404, 404, 404, 404, 404, 404, 404, NO]),
    ("GET", "/api/v1/interventions/export.csv?status=ongoing", [OK, OK, OK, OK, OK, OK, OK, OK, NO]),
    ("GET", "/api/v1/periods", [NO, OK, NO, NO, NO, NO, NO, NO, NO]),
    // An open quarter is validated before it is locked: refused for the secretariat, forbidden to others.
    ("POST", "/api/v1/periods/2020-Q1/lock", [NO, 409, NO, NO, NO, NO, NO, NO, NO]),
];

async fn fill(p: &Platform, path: &str) -> String {
    path.replace("{oim}", &p.org_id("OIM").await.to_string())
        .replace("{anpe}", &p.org_id("ANPE").await.to_string())
        .replace("{target}", &p.user_id("target.worker").await.to_string())
        .replace("{anpe_user}", &p.user_id("anpe.target").await.to_string())
}

/// Accounts that the matrix resets and edits, so that the role accounts stay usable.
async fn add_targets(p: &Platform) {
    for (username, org) in [("target.worker", "OIM"), ("anpe.target", "ANPE")] {
        let input = cnrm_domain::user::UserInput {
            username: username.into(),
            display_name: "Target Worker".into(),
            organisation_id: p.org_id(org).await.to_string(),
            role: "case_worker".into(),
            team: "Kayes".into(),
            ..Default::default()
        };
        cnrm_app::users::create(&p.db.app, &cnrm_app::Actor::console(), &input).await.unwrap();
    }
}

fn organisation_form(role: &str, index: usize) -> Vec<(String, String)> {
    vec![
        ("name".into(), format!("Organisation créée par {role} {index}")),
        ("type".into(), "national_ngo".into()),
        ("regions".into(), "ML01".into()),
        ("regions".into(), "ML0103".into()),
        ("active".into(), "true".into()),
    ]
}

async fn run_matrix(p: Platform) {
    add_targets(&p).await;
    let mut failures = Vec::new();
    let mut denials = 0;
    for (i, role) in ROLES.iter().enumerate() {
        let mut client = p.logged_in(role).await;
        for (method, path, expected) in PAGES {
            let url = fill(&p, path).await;
            let reply = match *method {
                "GET" => client.get(&url).await,
                _ => {
                    let fields = if url == "/organisations" || url.starts_with("/organisations/") {
                        let mut f = organisation_form(role, i);
                        if url != "/organisations" {
                            f[0].1 = "Agence nationale pour l'emploi".into();
                            f.push(("acronym".into(), "ANPE".into()));
                            f[1].1 = "government".into();
                        }
                        f
                    } else {
                        Vec::new()
                    };
                    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                    client.get("/account").await;
                    client.post(&url, &fields).await
                }
            };
            if reply.status.as_u16() != expected[i] {
                failures.push(format!(
                    "{role} {method} {path}: expected {}, got {} {}",
                    expected[i],
                    reply.status,
                    reply.location().unwrap_or("")
                ));
            }
            if reply.status == StatusCode::FORBIDDEN {
                denials += 1;
            }
        }
        let token = p.token(role).await;
        for (method, path, expected) in API {
            let Some(token) = token.as_deref() else {
                continue;
            };
            let url = fill(&p, path).await;
            let body = match (*method, path.contains("users")) {
                ("GET", _) => None,
                (_, true) if *method == "POST" => Some(serde_json::json!({
                    "username": format!("api.{}", role.replace('.', "-")), "display_name": "Api User",
                    "organisation_id": p.org_id("OIM").await, "role": "case_worker"
                })),
                (_, true) => Some(
                    serde_json::json!({ "display_name": format!("Renamed by {role}"), "role": "case_worker", "team": "Kayes" }),
                ),
                (_, false) => {
                    let (name, acronym, kind) = if *method == "POST" {
                        (format!("API org by {role}"), String::new(), "national_ngo")
                    } else if path.contains("{anpe}") {
                        ("Agence nationale pour l'emploi".to_string(), "ANPE".to_string(), "government")
                    } else {
                        ("Organisation internationale pour les migrations".to_string(), "OIM".to_string(), "un_agency")
                    };
                    Some(
                        serde_json::json!({ "name": name, "acronym": acronym, "type": kind, "regions": ["ML01"], "active": true }),
                    )
                }
            };
            let reply = p.api(method, &url, Some(token), body).await;
            if reply.status.as_u16() != expected[i] {
                failures.push(format!(
                    "{role} API {method} {path}: expected {}, got {} {}",
                    expected[i], reply.status, reply.body
                ));
            }
            if reply.status == StatusCode::FORBIDDEN {
                denials += 1;
                assert_eq!(reply.headers["content-type"], "application/problem+json");
                assert_eq!(reply.json()["code"], "forbidden");
            }
        }
        if token.is_none() {
            assert_eq!(*role, "ue.observateur", "only donors have no API access");
        }
    }
    assert!(failures.is_empty(), "permission matrix mismatches:\n{}", failures.join("\n"));
    let audited = p.audit_actions().await.iter().filter(|(a, _)| a == "access.denied").count();
    assert_eq!(audited, denials, "every denial is in the audit trail");
}

test_both_backends! {
    async fn permission_matrix(db) {
        run_matrix(Platform::on(db).await).await;
    }

    async fn anonymous_visitors_see_only_the_login_page(db) {
        let p = Platform::on(db).await;
        let mut client = p.client();
        for path in ["/", "/organisations", "/users", "/audit", "/account", "/roles"] {
            let reply = client.get(path).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
            assert!(reply.location().unwrap().starts_with("/login?next="), "{path}");
        }
        for path in ["/api/v1/me", "/api/v1/organisations", "/api/v1/users", "/api/v1/audit"] {
            let reply = p.api("GET", path, None, None).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
            assert_eq!(reply.json()["code"], "unauthenticated");
        }
        assert_eq!(client.get("/healthz").await.status, StatusCode::OK);
        // Assets come from the binary, under names that change with their content.
        let login = client.get("/login").await.body;
        for marker in ["rel=\"stylesheet\" href=\"", "<script src=\""] {
            let start = login.find(marker).expect("asset link") + marker.len();
            let href = login[start..].split('"').next().unwrap().to_string();
            assert!(href.starts_with("/assets/cnrm-") && href.len() > "/assets/cnrm-12345678.js".len() - 2, "{href}");
            let asset = client.get(&href).await;
            assert_eq!(asset.status, StatusCode::OK, "{href}");
            assert!(asset.headers["cache-control"].to_str().unwrap().contains("immutable"));
        }
        assert_eq!(client.get("/assets/cnrm-1.css").await.status, StatusCode::NOT_FOUND);
        let spec = p.api("GET", "/api/v1/openapi.json", None, None).await;
        assert_eq!(spec.status, StatusCode::OK);
        assert!(spec.json()["openapi"].as_str().unwrap().starts_with("3.1"));
    }
}
