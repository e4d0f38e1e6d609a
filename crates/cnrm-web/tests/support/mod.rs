//! A test client for the router: keeps cookies like a browser, fills in CSRF tokens like the
//! pages' forms do, and speaks to the API with bearer tokens.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use cnrm_app::testing::{self, TestBackend, TestDb};
use cnrm_app::{auth, conduct, Actor};
use cnrm_domain::Role;
use std::collections::HashMap;
use std::sync::Arc;
use time::OffsetDateTime;
use tower::ServiceExt;
use uuid::Uuid;

pub use cnrm_app::testing::DEMO_PASSWORD;

pub struct Platform {
    pub db: TestDb,
    pub router: Router,
}

impl Platform {
    /// A migrated platform with the demo organisations and one account per role.
    pub async fn new(backend: TestBackend) -> Platform {
        Platform::on(TestDb::new(backend).await).await
    }

    pub async fn on(db: TestDb) -> Platform {
        Platform::with_settings(db, cnrm_web::WebSettings::default()).await
    }

    pub async fn with_settings(db: TestDb, settings: cnrm_web::WebSettings) -> Platform {
        testing::load_demo(&db).await;
        let state = cnrm_web::AppState { app: db.app.clone(), settings: Arc::new(settings) };
        Platform { router: cnrm_web::router(state), db }
    }

    pub fn client(&self) -> Client {
        Client { router: self.router.clone(), cookies: HashMap::new(), csrf: None }
    }

    /// A logged-in client whose user has accepted the code of conduct.
    pub async fn logged_in(&self, username: &str) -> Client {
        self.accept_conduct(username).await;
        let mut client = self.client();
        let response = client.login(username, DEMO_PASSWORD).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "login of {username}: {}", response.body);
        client
    }

    pub async fn accept_conduct(&self, username: &str) {
        let user = self.db.app.db.user_by_username(username).await.unwrap().unwrap();
        let current = conduct::current(&self.db.app).await.unwrap().unwrap();
        if user.conduct_version_accepted != Some(current.version) {
            let actor = Actor { user, ip: None, via: cnrm_app::actor::Via::Web };
            conduct::accept(&self.db.app, &actor, current.version).await.unwrap();
        }
    }

    pub async fn user_id(&self, username: &str) -> uuid::Uuid {
        self.db.app.db.user_by_username(username).await.unwrap().unwrap().id
    }

    pub async fn org_id(&self, acronym: &str) -> Uuid {
        testing::org_id(&self.db, acronym).await
    }

    /// The account `username` acting through the pages, for calling the services directly.
    pub async fn actor(&self, username: &str) -> Actor {
        testing::actor(&self.db, username).await
    }

    /// An account besides the demo ones, with the demo password (see [`testing::add_account`]).
    pub async fn add_account(&self, username: &str, role: Role, acronym: &str, team: Option<&str>) {
        testing::add_account(&self.db, username, role, acronym, team).await;
    }

    /// Consent, recorded by the demo case worker, to share the case with the organisation `acronym`.
    pub async fn consent_to(&self, case: Uuid, acronym: &str) {
        testing::consent_to(&self.db, case, self.org_id(acronym).await).await;
    }

    /// An API token for the user, or `None` when their role may not have one.
    pub async fn token(&self, username: &str) -> Option<String> {
        let user = self.db.app.db.user_by_username(username).await.unwrap().unwrap();
        let actor = Actor { user, ip: None, via: cnrm_app::actor::Via::Api };
        auth::create_api_token(&self.db.app, &actor, "tests", 30).await.ok().map(|(_, secret)| secret)
    }

    pub async fn api(&self, method: &str, path: &str, token: Option<&str>, body: Option<serde_json::Value>) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match body {
            Some(json) => {
                request.header(header::CONTENT_TYPE, "application/json").body(Body::from(json.to_string())).unwrap()
            }
            None => request.body(Body::empty()).unwrap(),
        };
        Reply::from(self.router.clone().oneshot(request).await.unwrap()).await
    }

    pub async fn audit_actions(&self) -> Vec<(String, String)> {
        let page =
            cnrm_domain::paging::PageRequest { page: 1, per_page: 200, sort: "seq", descending: false, search: None };
        let mut all = Vec::new();
        let mut request = page;
        loop {
            let result = self.db.app.db.audit_entries(&Default::default(), &request).await.unwrap();
            let done = result.items.len() < request.per_page as usize;
            all.extend(result.items.into_iter().map(|e| (e.action, e.actor_username)));
            if done {
                break;
            }
            request.page += 1;
        }
        all
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    async fn from(response: axum::response::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 10 * 1024 * 1024).await.unwrap();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub struct Client {
    router: Router,
    pub cookies: HashMap<String, String>,
    csrf: Option<String>,
}

fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    Some(html[start..].split('"').next()?.to_string())
}

impl Client {
    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    /// The raw `Set-Cookie` headers of a login, for checking cookie attributes.
    pub async fn login_cookies(&mut self, username: &str, password: &str) -> Vec<String> {
        let reply = self.login(username, password).await;
        reply.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect()
    }

    async fn send(&mut self, request: Request<Body>) -> Reply {
        let reply = Reply::from(self.router.clone().oneshot(request).await.unwrap()).await;
        for value in reply.headers.get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        if let Some(token) = csrf_in(&reply.body) {
            self.csrf = Some(token);
        }
        reply
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let request = Request::get(path).header(header::COOKIE, self.cookie_header()).body(Body::empty()).unwrap();
        self.send(request).await
    }

    /// Posts a form with the CSRF token of the last page seen (as a browser would).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        if self.csrf.is_none() {
            self.get("/").await;
        }
        let token = self.csrf.clone().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let request = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// Fills in and sends the registration form, as a case worker does.
    pub async fn register(&mut self, fields: &[(&str, &str)]) -> Reply {
        self.get("/cases/new").await;
        self.post("/cases", fields).await
    }

    pub async fn login(&mut self, username: &str, password: &str) -> Reply {
        self.get("/login").await;
        self.post("/login", &[("username", username), ("password", password)]).await
    }
}

/// The case id a successful registration or case action redirects to.
pub fn case_id_of(reply: &Reply) -> Uuid {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let location = reply.location().expect("a redirect");
    let id = location.strip_prefix("/cases/").and_then(|rest| rest.split('?').next()).expect("a case page");
    Uuid::parse_str(id).unwrap()
}

/// The part of a page from the form posting to `action` to its end.
pub fn form<'a>(body: &'a str, action: &str) -> &'a str {
    let start = body.find(&format!("action=\"{action}\"")).unwrap_or_else(|| panic!("no form {action}"));
    let end = body[start..].find("</form>").map_or(body.len(), |e| start + e);
    &body[start..end]
}

/// The `version` the first form posting to `action` carries.
pub fn version_in(body: &str, action: &str) -> String {
    let form = form(body, action);
    let marker = "name=\"version\" value=\"";
    let start = form.find(marker).unwrap_or_else(|| panic!("no version in the form {action}")) + marker.len();
    form[start..].split('"').next().unwrap().to_string()
}

/// Today as the forms send it (ISO 8601).
pub fn today() -> String {
    OffsetDateTime::now_utc().date().to_string()
}

/// Today as the French pages write it.
pub fn today_fr() -> String {
    let d = OffsetDateTime::now_utc().date();
    format!("{:02}/{:02}/{:04}", d.day(), d.month() as u8, d.year())
}

// Multipart uploads, as a browser sends them, and raw replies (files are not text).

pub const BOUNDARY: &str = "----cnrmTestBoundary7MA4YWxkTrZu0gW";

/// One part of a multipart form.
pub enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, &'a [u8]),
}

pub fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes());
                body.extend_from_slice(value.as_bytes());
            }
            Part::File(name, file_name, content) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                         Content-Type: application/pdf\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(content);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A response with its body as bytes (files are not text).
pub struct Raw {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

pub async fn send(p: &Platform, request: Request<Body>) -> Raw {
    let response = p.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024).await.unwrap().to_vec();
    Raw { status, headers, body }
}

pub fn cookies(client: &Client) -> String {
    client.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
}

/// The CSRF token the forms of a page carry.
pub fn form_token(html: &str) -> String {
    csrf_in(html).expect("a form with a CSRF token")
}

/// Posts a multipart form as the browser of this logged-in client.
pub async fn post_multipart(p: &Platform, client: &Client, path: &str, parts: &[Part<'_>]) -> Raw {
    let request = Request::post(path)
        .header(header::COOKIE, cookies(client))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Body::from(multipart(parts)))
        .unwrap();
    send(p, request).await
}

pub async fn get_raw(p: &Platform, client: &Client, path: &str) -> Raw {
    let request = Request::get(path).header(header::COOKIE, cookies(client)).body(Body::empty()).unwrap();
    send(p, request).await
}
