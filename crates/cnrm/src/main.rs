//! The `cnrm` command: one binary to serve the platform and run its operations.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use cnrm_app::{audit, bootstrap, demo, reference, users, Actor, App, AppError};
use cnrm_domain::user::UserInput;
use indicatif::{ProgressBar, ProgressStyle};
use std::net::SocketAddr;
use std::sync::Arc;

mod dedup;
mod report;

/// cnrm — coordination platform for the reintegration of returning migrants.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Database: `sqlite:FILE` (created if missing) or `postgres://user:pass@host/db`.
    #[arg(long, global = true, env = "CNRM_DATABASE_URL", default_value = "sqlite:cnrm.sqlite3")]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web platform and the API (applies migrations first).
    Serve(ServeArgs),
    /// Apply database migrations and load the embedded reference data, then exit.
    Migrate,
    /// Load demonstration data (organisations of Mali's reintegration landscape, one account per role).
    Demo(DemoArgs),
    /// Manage user accounts from the server's console.
    #[command(subcommand)]
    User(UserCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Load reference data from a file.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Find registrations of the same person: in the database (fills the review queue), or in a
    /// file (--input people.csv --output DIR).
    Dedup(dedup::DedupArgs),
    /// Write a report to a file.
    #[command(subcommand)]
    Export(ExportCommand),
}

#[derive(Subcommand)]
enum ExportCommand {
    /// The periodic CNRM report (indicators, charts, map, 4W summary; aggregates only) as PDF or XLSX,
    /// e.g. `cnrm export report --quarter 2026-Q3 --format pdf --output rapport.pdf`.
    Report(report::ReportArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "CNRM_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Load demonstration data before serving.
    #[arg(long)]
    demo: bool,
    #[command(flatten)]
    demo_args: DemoArgs,
    /// Mark cookies Secure: set when users reach the platform over HTTPS.
    #[arg(long, env = "CNRM_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Trust X-Forwarded-For for the client address (only behind your own reverse proxy).
    #[arg(long, env = "CNRM_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
}

#[derive(Args, Clone, Copy)]
struct DemoArgs {
    /// Seed of the demonstration data: the same seed gives the same data and passwords.
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    /// How many synthetic returnees (with their cases) to generate, when the demo has none yet.
    #[arg(long, default_value_t = 500)]
    returnees: usize,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; prints its one-time password.
    Add {
        #[arg(long)]
        username: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// Organisation, by acronym, name or id.
        #[arg(long)]
        organisation: String,
        /// One of: platform_admin, secretariat, org_admin, case_manager, case_worker, me_officer,
        /// partner_focal_point, donor_observer.
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        team: String,
        /// fr or en.
        #[arg(long, default_value = "fr")]
        locale: String,
    },
    /// Give an account a new one-time password (printed) and end its sessions.
    ResetPassword { username: String },
    /// Disable an account and end its sessions.
    Disable { username: String },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain of the whole trail; exits non-zero and names the first broken entry.
    Verify,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Load a new version of the administrative units (CSV: level,pcode,parent_pcode,iso_3166_2,name).
    AdminUnits {
        file: std::path::PathBuf,
        /// A label for this version, e.g. `mali-2025-reform`.
        #[arg(long)]
        version: String,
    },
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("CNRM_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open(url: &str) -> Result<App> {
    let db =
        cnrm_app::connect(url).await.with_context(|| format!("opening the database {}", cnrm_app::redact_url(url)))?;
    db.migrate().await.context("applying migrations")?;
    let app = App::new(db);
    bootstrap::prepare(&app).await.context("loading reference data")?;
    Ok(app)
}

fn explain(e: AppError) -> anyhow::Error {
    match e {
        AppError::Invalid(errors) => {
            let lines: Vec<String> =
                errors.0.iter().map(|f| format!("  --{}: {}", f.field.replace('_', "-"), f.message)).collect();
            anyhow::anyhow!("invalid input:\n{}", lines.join("\n"))
        }
        AppError::NotFound => anyhow::anyhow!("not found"),
        other => anyhow::anyhow!(other.to_string()),
    }
}

async fn load_demo(app: &App, args: DemoArgs) -> Result<()> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} demo data [{bar:30}] {pos}/{len} {msg}").expect("valid template"),
    );
    let accounts = demo::load(app, args.seed, &bar).await.map_err(explain)?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} ({per_sec}, {eta})")
            .expect("valid template"),
    );
    let added = demo::load_returnees(app, args.seed, args.returnees, &bar).await.map_err(explain)?;
    if added > 0 {
        println!("{added} synthetic returnees and their cases added.");
    }
    println!("Demo accounts (password for all: {}):", demo::demo_password(args.seed));
    for a in &accounts {
        println!("  {:<16} {:<22} {}", a.username, a.role.code(), a.organisation);
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn serve(url: &str, args: ServeArgs) -> Result<()> {
    let app = open(url).await?;
    if args.demo {
        load_demo(&app, args.demo_args).await?;
    }
    if let Some(first) = bootstrap::first_administrator(&app).await.map_err(explain)? {
        println!("First administrator created. Username: {}  Password: {}", first.username, first.password);
        println!("This password is shown once; it must be changed at first login.");
    }
    // The identity index is built in the background; a registration before it is ready waits for it.
    let warm = app.clone();
    tokio::spawn(async move {
        match cnrm_app::identity::warm(&warm).await {
            Ok(records) => tracing::info!(records, "identity index built"),
            Err(e) => tracing::warn!(error = %e, "identity index not built; it will be at the first registration"),
        }
    });
    let state = cnrm_web::AppState {
        app,
        settings: Arc::new(cnrm_web::WebSettings {
            secure_cookies: args.secure_cookies,
            trust_forwarded_for: args.trust_forwarded_for,
        }),
    };
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("listening on {}", args.listen))?;
    tracing::info!(address = %args.listen, database = %cnrm_app::redact_url(url), "cnrm is serving");
    println!("cnrm is serving on http://{}", args.listen);
    axum::serve(listener, cnrm_web::router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving")?;
    Ok(())
}

async fn find_organisation(app: &App, needle: &str) -> Result<uuid::Uuid> {
    let names = app.db.organisation_names().await?;
    let needle_lower = needle.trim().to_lowercase();
    let found: Vec<_> = names
        .iter()
        .filter(|o| {
            o.id.to_string() == needle_lower
                || o.acronym.to_lowercase() == needle_lower
                || o.name.to_lowercase() == needle_lower
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(one.id),
        [] => bail!(
            "no organisation called {needle:?}; known: {}",
            names.iter().map(|o| o.label()).collect::<Vec<_>>().join(", ")
        ),
        _ => bail!("{needle:?} names several organisations; use the id"),
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Dedup(args) if dedup::database_mode(&args) => {
            dedup::run_database(&open(&cli.database).await?, args).await
        }
        Command::Dedup(args) => dedup::run(args),
        Command::Export(ExportCommand::Report(args)) => report::run(open(&cli.database).await?, args).await,
        Command::Serve(args) => serve(&cli.database, args).await,
        Command::Migrate => {
            open(&cli.database).await?;
            println!("Database is up to date: {}", cnrm_app::redact_url(&cli.database));
            Ok(())
        }
        Command::Demo(args) => load_demo(&open(&cli.database).await?, args).await,
        Command::User(command) => {
            let app = open(&cli.database).await?;
            let console = Actor::console();
            match command {
                UserCommand::Add { username, name, organisation, role, email, team, locale } => {
                    let organisation_id = find_organisation(&app, &organisation).await?;
                    let input = UserInput {
                        username,
                        display_name: name,
                        email,
                        organisation_id: organisation_id.to_string(),
                        role,
                        team,
                        locale,
                    };
                    let account = users::create(&app, &console, &input).await.map_err(explain)?;
                    println!("Account {} created. One-time password: {}", account.user.username, account.password);
                }
                UserCommand::ResetPassword { username } => {
                    let user = users::by_username(&app, &username).await.map_err(explain)?;
                    let password = users::reset_password(&app, &console, user.id).await.map_err(explain)?;
                    println!("New one-time password for {}: {}", user.username, password);
                }
                UserCommand::Disable { username } => {
                    let user = users::by_username(&app, &username).await.map_err(explain)?;
                    users::disable(&app, &console, user.id).await.map_err(explain)?;
                    println!("Account {} disabled; its sessions have ended.", user.username);
                }
            }
            Ok(())
        }
        Command::Audit(AuditCommand::Verify) => {
            let app = open(&cli.database).await?;
            let bar = ProgressBar::new(0);
            bar.set_style(ProgressStyle::with_template("verifying [{bar:30}] {pos}/{len}").expect("valid template"));
            let result = audit::verify(app.db.as_ref(), |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            })
            .await;
            bar.finish_and_clear();
            let count = result?;
            println!("Audit trail intact: {count} entries verified.");
            Ok(())
        }
        Command::Import(ImportCommand::AdminUnits { file, version }) => {
            let app = open(&cli.database).await?;
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let loaded = reference::load_admin_units(&app, Some(&Actor::console()), &bytes, &version).await?;
            if loaded {
                println!("Admin units version {version} loaded from {}.", file.display());
            } else {
                println!("{} is already the current admin units: nothing to do.", file.display());
            }
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_logging();
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
