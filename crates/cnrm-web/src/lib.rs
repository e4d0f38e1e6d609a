//! cnrm's web layer: server-rendered pages and the `/api/v1` JSON API.
//!
//! Handlers stay thin: they parse input, call a service of `cnrm-app`, and render. Pages and the
//! API share the services, so the permission checks, validation and audit are the same for both.

pub mod api;
pub mod assets;
pub mod context;
pub mod error;
pub mod forms;
pub mod i18n;
pub mod pages;
pub mod xlsform;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
use cnrm_app::App;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::{Arc, OnceLock};
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub settings: Arc<WebSettings>,
}

/// Settings of the web layer, from the command line or the environment.
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    /// Mark cookies `Secure`: set when the platform is served over HTTPS (directly or via a proxy).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
}

/// The process-wide Prometheus recorder (installing twice is an error, so tests share one).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (several routers in one test process).
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

pub fn router(state: AppState) -> Router {
    metrics_handle();
    let pages = Router::new()
        .route("/", get(pages::home::home))
        .route("/work", get(pages::work::show))
        .route("/login", get(pages::session::login_form).post(pages::session::login))
        .route("/logout", post(pages::session::logout))
        .route("/locale", post(pages::session::switch_locale))
        .route("/code-of-conduct", get(pages::conduct::show).post(pages::conduct::accept))
        .route("/admin/code-of-conduct", get(pages::conduct::edit_form).post(pages::conduct::publish))
        .route("/account", get(pages::account::show))
        .route("/account/password", get(pages::account::password_form).post(pages::account::change_password))
        .route("/account/tokens", post(pages::account::create_token))
        .route("/account/tokens/{id}/revoke", post(pages::account::revoke_token))
        .route("/organisations", get(pages::organisations::list).post(pages::organisations::create))
        .route("/organisations/new", get(pages::organisations::new_form))
        .route("/organisations/{id}", get(pages::organisations::show).post(pages::organisations::update))
        .route("/organisations/{id}/edit", get(pages::organisations::edit_form))
        .route("/cases", get(pages::cases::list).post(pages::cases::register))
        .route("/cases/new", get(pages::cases::new_form))
        .route("/cases/export", get(pages::exports::export_cases))
        .route("/cases/{id}", get(pages::cases::show))
        .route("/cases/{id}/edit", get(pages::cases::edit_form))
        .route("/cases/{id}/family", get(pages::household::show))
        .route("/cases/{id}/family/links", post(pages::household::add_link))
        .route("/cases/{id}/family/links/{link_id}/remove", post(pages::household::remove_link))
        .route(
            "/cases/{id}/tasks/{task_id}/outcome",
            get(pages::household::outcome_form).post(pages::household::record_outcome),
        )
        .route("/admin/settings", get(pages::household::settings_form).post(pages::household::save_settings))
        .route("/cases/{id}/person", post(pages::cases::update_person))
        .route("/cases/{id}/return", post(pages::cases::update_return))
        .route("/cases/{id}/consents", post(pages::cases::add_consent))
        .route("/cases/{id}/consents/{consent_id}/withdraw", post(pages::cases::withdraw_consent))
        .route("/cases/{id}/screening", post(pages::cases::screen))
        .route("/cases/{id}/assign", post(pages::cases::assign))
        .route("/cases/{id}/close", post(pages::cases::close))
        .route("/cases/{id}/reopen", post(pages::cases::reopen))
        .route("/cases/{id}/referrals", post(pages::cases::send_referral))
        .route("/cases/{id}/counselling", get(pages::counselling::show))
        .route("/cases/{id}/counselling/sessions", post(pages::counselling::add_session))
        .route("/cases/{id}/counselling/needs", post(pages::counselling::add_needs))
        .route("/cases/{id}/counselling/skills", post(pages::counselling::add_skills))
        .route("/cases/{id}/surveys", get(pages::surveys::show).post(pages::surveys::submit))
        .route("/cases/{id}/surveys/new", get(pages::surveys::new))
        .route("/admin/questionnaires", get(pages::surveys::admin).post(pages::surveys::import))
        .route("/admin/questionnaires/{code}/xlsform", get(pages::surveys::export))
        .route("/admin/questionnaires/{code}/recompute", post(pages::surveys::recompute))
        .route("/cases/{id}/plan/items", post(pages::cases::add_plan_item))
        .route("/cases/{id}/plan/agree", post(pages::cases::agree_plan))
        .route("/cases/{id}/plan/approve", post(pages::cases::approve_plan))
        .route("/cases/{id}/plan/items/{item_id}/action", post(pages::cases::act_on_plan_item))
        .route(
            "/cases/{id}/attachments",
            get(pages::attachments::show)
                .post(pages::attachments::upload)
                .layer(DefaultBodyLimit::max(context::MAX_MULTIPART_BYTES)),
        )
        .route("/cases/{id}/attachments/{attachment_id}", get(pages::attachments::download))
        .route("/cases/{id}/attachments/{attachment_id}/remove", post(pages::attachments::remove))
        .route("/projects", get(pages::projects::list).post(pages::projects::create))
        .route("/projects/new", get(pages::projects::new_form))
        .route("/projects/{id}", get(pages::projects::show).post(pages::projects::update))
        .route("/projects/{id}/edit", get(pages::projects::edit_form))
        .route("/projects/{id}/members", post(pages::projects::add_member))
        .route("/projects/{id}/members/{case_id}/remove", post(pages::projects::remove_member))
        .route("/projects/{id}/action", post(pages::projects::act))
        .route("/interventions", get(pages::interventions::list).post(pages::interventions::create))
        .route("/interventions/new", get(pages::interventions::new_form))
        .route("/interventions/export.csv", get(pages::interventions::export_csv))
        .route("/interventions/export.xlsx", get(pages::interventions::export_xlsx))
        .route("/interventions/periods", get(pages::interventions::periods))
        .route("/interventions/periods/{period}", post(pages::interventions::act_on_period))
        .route("/interventions/{id}", get(pages::interventions::show).post(pages::interventions::update))
        .route("/interventions/{id}/edit", get(pages::interventions::edit_form))
        .route("/interventions/{id}/reports", post(pages::interventions::save_report))
        .route("/catalogue/export.csv", get(pages::interventions::export_catalogue_csv))
        .route("/catalogue/export.xlsx", get(pages::interventions::export_catalogue_xlsx))
        .route("/gaps", get(pages::gaps::page))
        .route("/gaps.csv", get(pages::gaps::csv))
        .route("/dashboard", get(pages::indicators::dashboard))
        .route("/reports/cnrm", get(pages::reports::page))
        .route("/reports/cnrm.pdf", get(pages::reports::pdf))
        .route("/reports/cnrm.xlsx", get(pages::reports::xlsx))
        .route("/indicators", get(pages::indicators::catalogue))
        .route("/indicators/{code}", get(pages::indicators::detail))
        .route("/catalogue", get(pages::catalogue::list).post(pages::catalogue::create))
        .route("/catalogue/new", get(pages::catalogue::new_form))
        .route("/catalogue/{id}", get(pages::catalogue::show).post(pages::catalogue::update))
        .route("/catalogue/{id}/edit", get(pages::catalogue::edit_form))
        .route("/catalogue/{id}/submit", post(pages::catalogue::submit))
        .route("/catalogue/{id}/validate", post(pages::catalogue::validate))
        .route("/coordination", get(pages::coordination::hub))
        .route("/meetings", get(pages::coordination::meetings).post(pages::coordination::create_meeting))
        .route("/meetings/new", get(pages::coordination::new_meeting))
        .route("/meetings/{id}", get(pages::coordination::show_meeting).post(pages::coordination::update_meeting))
        .route("/meetings/{id}/edit", get(pages::coordination::edit_meeting))
        .route("/meetings/{id}/minutes.pdf", get(pages::coordination::minutes_pdf))
        .route("/meetings/{id}/action-points", post(pages::coordination::add_action_point))
        .route("/action-points/{id}", post(pages::coordination::update_action_point))
        .route("/agreements", get(pages::coordination::agreements).post(pages::coordination::create_agreement))
        .route("/agreements/new", get(pages::coordination::new_agreement))
        .route("/agreements/{id}", get(pages::coordination::show_agreement).post(pages::coordination::update_agreement))
        .route("/agreements/{id}/edit", get(pages::coordination::edit_agreement))
        .route("/agreements/{id}/action", post(pages::coordination::act_on_agreement))
        .route(
            "/agreements/{id}/documents",
            post(pages::coordination::upload_agreement_document)
                .layer(DefaultBodyLimit::max(context::MAX_MULTIPART_BYTES)),
        )
        .route("/agreements/{id}/documents/{document_id}", get(pages::coordination::download_agreement_document))
        .route("/trainings", get(pages::coordination::trainings).post(pages::coordination::create_training))
        .route("/trainings/new", get(pages::coordination::new_training))
        .route("/trainings/{id}", get(pages::coordination::show_training).post(pages::coordination::update_training))
        .route("/trainings/{id}/edit", get(pages::coordination::edit_training))
        .route("/trainings/{id}/participants", post(pages::coordination::add_participant))
        .route("/trainings/{id}/participants/{participant_id}", post(pages::coordination::update_participant))
        .route("/trainings/{id}/participants/{participant_id}/edit", get(pages::coordination::edit_participant))
        .route("/trainings/{id}/participants/{participant_id}/remove", post(pages::coordination::remove_participant))
        .route("/practices", get(pages::coordination::practices).post(pages::coordination::create_practice))
        .route("/practices/new", get(pages::coordination::new_practice))
        .route("/practices/{id}", get(pages::coordination::show_practice).post(pages::coordination::update_practice))
        .route("/practices/{id}/edit", get(pages::coordination::edit_practice))
        .route("/practices/{id}/action", post(pages::coordination::act_on_practice))
        .route("/admin/settings/data-sharing", post(pages::coordination::save_data_sharing))
        .route("/admin/settings/public-page", post(pages::public::save_setting))
        .route("/public", get(pages::public::page))
        .route("/referrals", get(pages::referrals::list))
        .route("/referrals/{id}", get(pages::referrals::show))
        .route("/referrals/{id}/action", post(pages::referrals::act))
        .route("/cases/{id}/transfers", post(pages::transfers::propose))
        .route("/transfers", get(pages::transfers::list))
        .route("/transfers/{id}", get(pages::transfers::show))
        .route("/transfers/{id}/action", post(pages::transfers::act))
        .route("/identity/review", get(pages::identity::review))
        .route("/identity/review/{id}", get(pages::identity::show))
        .route("/identity/review/{id}/decision", post(pages::identity::decide))
        .route("/identity/review/{id}/split", post(pages::identity::split))
        .route("/identity/ask", get(pages::identity::ask_form).post(pages::identity::ask))
        .route("/users", get(pages::users::list).post(pages::users::create))
        .route("/users/new", get(pages::users::new_form))
        .route("/users/{id}", get(pages::users::show).post(pages::users::update))
        .route("/users/{id}/reset-password", post(pages::users::reset_password))
        .route("/audit", get(pages::audit::list))
        .route("/roles", get(pages::roles::table))
        .layer(axum::middleware::from_fn_with_state(state.clone(), context::resolve_context));
    let api = api::router().layer(axum::middleware::from_fn_with_state(state.clone(), api::log_api_denials));
    Router::new()
        .merge(pages)
        .route("/assets/{file}", get(assets::serve))
        .route("/healthz", get(pages::ops::healthz))
        .route("/metrics", get(pages::ops::metrics))
        .nest("/api/v1", api)
        .fallback(pages::ops::not_found)
        .layer(axum::middleware::from_fn(pages::ops::record_metrics))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
