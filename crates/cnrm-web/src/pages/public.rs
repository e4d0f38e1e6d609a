//! `/public`: the page anyone may read without logging in (unless an administrator switched it off):
//! national and regional figures after small-cell suppression, the map, the published service
//! directory and the published good practices, in the visitor's language. The service computes and
//! protects the figures; this module only writes them for the reader.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use cnrm_app::public::{self, PublicFigures};
use cnrm_charts::{choropleth, format_cell, Cell, Geography, MapText, RegionValue};
use cnrm_domain::lifecycle::plan::Dimension;
use cnrm_domain::person::Sex;

use super::{render, Layout};
use crate::context::Ctx;
use crate::error::{InLocale, PageError};
use crate::i18n::Tr;
use crate::AppState;

/// A labelled published count.
pub struct Row {
    pub label: String,
    pub value: String,
}

pub struct RegionRow {
    pub pcode: String,
    pub name: String,
    pub registered: String,
    pub assisted: String,
}

pub struct ServiceRow {
    pub name: String,
    pub organisation: String,
    pub category: String,
    pub places: String,
    pub description: String,
    pub cost: String,
    pub contact: String,
    pub languages: String,
    pub hours: String,
}

pub struct PracticeRow {
    pub title: String,
    pub organisation: String,
    pub dimension: String,
    pub region: String,
    pub summary: String,
    pub tags: String,
}

#[derive(Template)]
#[template(path = "public.html")]
pub struct PublicPage {
    pub l: Layout,
    pub registered: String,
    pub assisted: String,
    pub people_reached: String,
    pub people_trained: String,
    pub map: String,
    pub unmapped: Vec<Row>,
    pub regions: Vec<RegionRow>,
    pub unknown_region: RegionRow,
    pub by_sex: Vec<Row>,
    pub sex_total: String,
    pub by_dimension: Vec<Row>,
    pub services: Vec<ServiceRow>,
    pub practices: Vec<PracticeRow>,
    pub updated: String,
}

pub async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let figures = public::figures(&state.app).await.in_locale(ctx.tr)?;
    let l = Layout::new(&ctx, ctx.tr.t("public-title"));
    render(public_page(l, ctx.tr, &figures))
}

fn public_page(l: Layout, tr: Tr, f: &PublicFigures) -> PublicPage {
    let cell = |c: Cell| format_cell(c, tr.locale);
    let organisation = |id| f.organisations.get(&id).cloned().unwrap_or_default();
    let unit = |pcode: &String| f.unit_names.get(pcode).cloned().unwrap_or_else(|| pcode.clone());
    let regions: Vec<RegionValue> = f
        .regions
        .iter()
        .map(|r| RegionValue { code: r.pcode.clone(), name: r.name.clone(), value: r.registered })
        .collect();
    let drawn = choropleth(
        Geography::mali(),
        &regions,
        None,
        |pcode| format!("#region-{pcode}"),
        &MapText {
            id: "public-map".into(),
            title: tr.t("public-map-title"),
            description: tr.t("public-map-description"),
            legend: tr.t("public-registered"),
            no_data: tr.t("public-map-no-data"),
        },
        tr.locale,
    );
    PublicPage {
        registered: cell(f.registered),
        assisted: cell(f.assisted),
        people_reached: cell(f.people_reached),
        people_trained: cell(f.people_trained),
        map: drawn.svg,
        unmapped: drawn.unmapped.into_iter().map(|r| Row { label: r.name, value: cell(r.value) }).collect(),
        regions: f
            .regions
            .iter()
            .map(|r| RegionRow {
                pcode: r.pcode.clone(),
                name: r.name.clone(),
                registered: cell(r.registered),
                assisted: cell(r.assisted),
            })
            .collect(),
        unknown_region: RegionRow {
            pcode: String::new(),
            name: tr.t("indicator-unknown"),
            registered: cell(f.registered_unknown_region),
            assisted: cell(f.assisted_unknown_region),
        },
        by_sex: f
            .by_sex
            .rows
            .iter()
            .map(|(key, value)| Row {
                label: Sex::parse(key).map_or_else(|| tr.t("indicator-unknown"), |s| tr.t(&s.label_key())),
                value: cell(*value),
            })
            .collect(),
        sex_total: cell(f.by_sex.total),
        by_dimension: f
            .assisted_by_dimension
            .iter()
            .map(|(key, value)| Row {
                label: Dimension::parse(key).map_or_else(|| key.clone(), |d| tr.t(&d.label_key())),
                value: cell(*value),
            })
            .collect(),
        services: f
            .services
            .iter()
            .map(|s| {
                let c = &s.content;
                ServiceRow {
                    name: c.name.clone(),
                    organisation: organisation(s.organisation_id),
                    category: tr.t(&c.category.label_key()),
                    places: c.units.iter().map(unit).collect::<Vec<_>>().join(", "),
                    description: c.description.clone(),
                    cost: if c.cost_xof == 0 {
                        tr.t("public-free")
                    } else {
                        format!("{}\u{a0}XOF", cnrm_charts::format_count(c.cost_xof.max(0) as u64, tr.locale))
                    },
                    contact: [&c.contact_name, &c.contact_phone, &c.contact_email]
                        .into_iter()
                        .filter(|s| !s.trim().is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" · "),
                    languages: c.languages.iter().map(|g| tr.t(&g.label_key())).collect::<Vec<_>>().join(", "),
                    hours: c.opening_hours.clone(),
                }
            })
            .collect(),
        practices: f
            .practices
            .iter()
            .map(|p| PracticeRow {
                title: p.title.clone(),
                organisation: organisation(p.organisation_id),
                dimension: tr.t(&p.dimension.label_key()),
                region: p.region_pcode.as_ref().map(unit).unwrap_or_default(),
                summary: p.summary.clone(),
                tags: p.tags.join(", "),
            })
            .collect(),
        updated: tr.datetime(&f.computed_at),
        l,
    }
}

#[derive(serde::Deserialize, Default)]
pub struct PublicPageForm {
    #[serde(default, deserialize_with = "crate::forms::checkbox")]
    enabled: bool,
}

/// Switches the public page on or off (administrators, from the settings page).
pub async fn save_setting(
    State(state): State<AppState>,
    auth: crate::context::Auth,
    axum::Form(form): axum::Form<PublicPageForm>,
) -> Result<Response, PageError> {
    cnrm_app::settings::set_public_page_enabled(&state.app, &auth.actor, form.enabled).await.in_locale(auth.ctx.tr)?;
    Ok(axum::response::IntoResponse::into_response(axum::response::Redirect::to("/admin/settings?msg=saved")))
}
