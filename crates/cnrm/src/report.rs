//! `cnrm export report`: the periodic CNRM report written to a file from the server's console, the
//! same PDF or XLSX as the pages' download. It runs as the console (platform administration: the
//! national figures, and the published interventions in the 4W summary) and is audited like a
//! download.

use anyhow::{bail, Context, Result};
use clap::Args;
use cnrm_app::{Actor, App, AppError};
use cnrm_domain::indicators::IndicatorQuery;
use cnrm_domain::report::{ReportFormat, ReportParams};
use cnrm_domain::Locale;
use cnrm_web::i18n::Tr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Args)]
pub struct ReportArgs {
    /// A quarter, e.g. 2026-Q3 (replaces --from and --to).
    #[arg(long, default_value = "")]
    quarter: String,
    /// First day of the period (YYYY-MM-DD).
    #[arg(long, default_value = "")]
    from: String,
    /// Last day of the period (YYYY-MM-DD).
    #[arg(long, default_value = "")]
    to: String,
    /// A region's or a cercle's P-code (ML01, ML0101).
    #[arg(long, default_value = "")]
    unit: String,
    /// An organisation's id.
    #[arg(long, default_value = "")]
    organisation: String,
    /// A programme's name, as written on the cases.
    #[arg(long, default_value = "")]
    programme: String,
    /// `pdf` or `xlsx`; by default the output file's extension, else pdf.
    #[arg(long, default_value = "")]
    format: String,
    /// The language of the report: `fr` or `en`.
    #[arg(long, default_value = "fr")]
    locale: String,
    /// The file to write.
    #[arg(long)]
    output: PathBuf,
}

pub async fn run(app: App, args: ReportArgs) -> Result<()> {
    let Some(locale) = Locale::parse(&args.locale) else { bail!("--locale: choose fr or en") };
    let tr = Tr::new(locale);
    let format = match args.format.trim() {
        "" => match args.output.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("xlsx") => "xlsx".to_string(),
            _ => "pdf".to_string(),
        },
        given => given.to_string(),
    };
    let params = ReportParams { quarter: args.quarter, format };
    let query = IndicatorQuery {
        from: args.from,
        to: args.to,
        unit: args.unit,
        organisation: args.organisation,
        programme: args.programme,
        ..Default::default()
    };
    let actor = Actor::console();
    let report = match cnrm_app::report::report(&app, &actor, &params, &query, ReportFormat::Pdf).await {
        Ok(report) => report,
        Err(AppError::Invalid(errors)) => {
            let lines: Vec<String> =
                errors.0.iter().map(|f| format!("  --{}: {}", f.field.replace('_', "-"), tr.t(f.message))).collect();
            bail!("invalid input, nothing written:\n{}", lines.join("\n"))
        }
        Err(e) => bail!(e.to_string()),
    };
    let state = cnrm_web::AppState { app: app.clone(), settings: Arc::new(cnrm_web::WebSettings::default()) };
    let notice = cnrm_web::pages::surveys::provisional_notice(&state, tr)
        .await
        .map_err(|_| anyhow::anyhow!("the questionnaires could not be read"))?;
    let file = cnrm_web::pages::reports::write(tr, &report, notice).map_err(anyhow::Error::msg)?;
    std::fs::write(&args.output, &file.bytes).with_context(|| format!("writing {}", args.output.display()))?;
    println!("Report written to {} ({}, {} bytes).", args.output.display(), report.format.code(), file.bytes.len());
    Ok(())
}
