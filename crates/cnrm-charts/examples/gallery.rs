//! Writes every kind of chart and the map of Mali into one HTML page using the served stylesheet, to
//! look at them in a browser: `cargo run -p cnrm-charts --example gallery -- /tmp/charts.html`.

use cnrm_charts::*;

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| "charts.html".into());
    let css = concat!(env!("CARGO_MANIFEST_DIR"), "/../cnrm-web/assets/cnrm.css");
    let text = |id: &str, title: &str, category: &str| ChartText {
        id: id.into(),
        title: title.into(),
        description: title.into(),
        category_axis: category.into(),
        value_axis: "Personnes de retour".into(),
        empty: "Aucune donnée".into(),
    };
    let regions = [
        ("ML01", "Kayes", 1240),
        ("ML02", "Koulikoro", 860),
        ("ML03", "Sikasso", 455),
        ("ML04", "Ségou", 301),
        ("ML05", "Mopti", 220),
        ("ML06", "Tombouctou", 93),
        ("ML07", "Gao", 140),
        ("ML08", "Kidal", 3),
        ("ML09", "Bamako", 2100),
        ("ML10", "Ménaka", 2),
    ];
    let protected = cnrm_domain::disclosure::protect_list(&regions.iter().map(|r| r.2).collect::<Vec<_>>());
    let bars: Vec<Bar> =
        regions.iter().zip(&protected.cells).map(|(r, &value)| Bar { label: r.1.into(), value }).collect();
    let ages = ["0–17", "18–24", "25–34", "35–49", "50 et plus"];
    let table = cnrm_domain::disclosure::protect_table(&[
        vec![12, 140],
        vec![45, 610],
        vec![30, 820],
        vec![3, 240],
        vec![0, 18],
    ]);
    let sex = Breakdown {
        categories: ages.iter().map(|a| a.to_string()).collect(),
        series: ["Femmes", "Hommes"]
            .iter()
            .enumerate()
            .map(|(s, name)| Series { name: name.to_string(), values: table.cells.iter().map(|row| row[s]).collect() })
            .collect(),
    };
    let months = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
    let monthly = Breakdown {
        categories: months.iter().map(|m| format!("{m} 2026")).collect(),
        series: vec![
            Series {
                name: "Enregistrés".into(),
                values: [120, 135, 160, 3, 210, 240, 180, 175, 260, 300, 280, 310].map(Cell::from).to_vec(),
            },
            Series {
                name: "Plans approuvés".into(),
                values: [40, 52, 70, 80, 95, 130, 110, 0, 150, 170, 160, 200].map(Cell::from).to_vec(),
            },
        ],
    };
    let values: Vec<RegionValue> = regions
        .iter()
        .zip(&protected.cells)
        .map(|(r, &value)| RegionValue { code: r.0.into(), name: r.1.into(), value })
        .collect();
    let map_text = MapText {
        id: "map".into(),
        title: "Personnes de retour par région".into(),
        description: "Carte des régions du Mali, couleur selon le nombre de personnes de retour".into(),
        legend: "Personnes de retour".into(),
        no_data: "Pas de données ou moins de 5".into(),
    };
    let map =
        choropleth(Geography::mali(), &values, Some("ML07"), |code| format!("?region={code}"), &map_text, Locale::Fr);
    let page = format!(
        r#"<!doctype html><html lang="fr"><meta charset="utf-8"><link rel="stylesheet" href="file://{css}"><main>
<h2>Barres</h2>{}<h2>Groupées</h2>{}<h2>Empilées</h2>{}<h2>Série</h2>{}<h2>Carte</h2>{}<p>Sans polygone : {}</p><h2>Vide</h2>{}</main>"#,
        bar_chart(&bars, &text("bars", "Personnes de retour par région", "Région"), Locale::Fr),
        breakdown_chart(&sex, BreakdownLayout::Grouped, &text("grouped", "Par sexe et âge", "Âge"), Locale::Fr),
        breakdown_chart(&sex, BreakdownLayout::Stacked, &text("stacked", "Par sexe et âge", "Âge"), Locale::Fr),
        time_series(&monthly, &text("series", "Par mois", "Mois"), Locale::Fr),
        map.svg,
        map.unmapped
            .iter()
            .map(|r| format!("{} ({})", r.name, format_cell(r.value, Locale::Fr)))
            .collect::<Vec<_>>()
            .join(", "),
        bar_chart(&[], &text("empty", "Rien", "Région"), Locale::Fr),
    );
    std::fs::write(&out, page).expect("writable output");
    println!("{out}: map {} bytes", map.svg.len());
}
