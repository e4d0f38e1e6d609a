//! Structure of the drawn charts and maps: what is drawn, proportions, escaping, accessibility,
//! well-formed XML, determinism and size.

use cnrm_charts::*;

fn text(id: &str) -> ChartText {
    ChartText {
        id: id.into(),
        title: "Retours par région".into(),
        description: "Nombre de personnes de retour enregistrées, par région".into(),
        category_axis: "Région".into(),
        value_axis: "Personnes".into(),
        empty: "Aucune donnée pour cette période".into(),
    }
}

/// Parses the whole document, panicking on malformed XML.
fn assert_well_formed(svg: &str) {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut depth = 0i32;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(_) => depth += 1,
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "balanced elements");
    assert!(!svg.contains("style="), "no style attribute (CSP)");
    assert!(!svg.contains("<script"), "no script");
}

/// The values of an attribute on the elements whose opening text starts with `element`.
fn attribute(svg: &str, element: &str, name: &str) -> Vec<f64> {
    svg.match_indices(element)
        .map(|(at, _)| {
            let rest = &svg[at..];
            let tag = &rest[..rest.find('>').unwrap()];
            let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            tag[start..start + tag[start..].find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

fn bar(label: &str, value: Cell) -> Bar {
    Bar { label: label.into(), value }
}

#[test]
fn bar_chart_draws_one_bar_per_shown_count_with_proportional_lengths() {
    let bars = [
        bar("Kayes", Cell::Shown(40)),
        bar("Koulikoro", Cell::Shown(20)),
        bar("Sikasso", Cell::Shown(10)),
        bar("Ségou", Cell::Shown(0)),
    ];
    let svg = bar_chart(&bars, &text("c1"), Locale::Fr);
    assert_well_formed(&svg);
    let widths = attribute(&svg, "<rect x=", "width");
    assert_eq!(widths.len(), 3, "no bar for a zero");
    assert!((widths[0] / widths[1] - 2.0).abs() < 0.02, "{widths:?}");
    assert!((widths[0] / widths[2] - 4.0).abs() < 0.05, "{widths:?}");
    for label in ["Kayes", "Koulikoro", "Sikasso", "Ségou", ">40<", ">20<", ">10<", ">0<", "Région", "Personnes"] {
        assert!(svg.contains(label), "{label} written as text");
    }
    assert!(svg.contains(r#"role="img" aria-labelledby="c1-title c1-desc""#));
    assert!(svg.contains(r#"<title id="c1-title">Retours par région</title>"#));
    assert!(svg.contains("<title>Kayes\u{a0}: 40</title>"), "each bar says its value");
    assert_eq!(svg, bar_chart(&bars, &text("c1"), Locale::Fr), "deterministic");
}

#[test]
fn hidden_counts_draw_no_bar_and_read_less_than_five() {
    let bars = [bar("Kayes", Cell::Shown(12)), bar("Kidal", Cell::Suppressed)];
    let svg = bar_chart(&bars, &text("c2"), Locale::En);
    assert_eq!(svg.matches(r#"class="chart-bar"#).count(), 1);
    assert!(svg.contains("&lt; 5"));
    assert!(svg.contains("<title>Kidal: &lt; 5</title>"));
}

#[test]
fn every_text_is_escaped() {
    let mut t = text(r#"x" onload="alert(1)"#);
    t.title = "<script>alert('x')</script>".into();
    let svg = bar_chart(&[bar("R&D <b>", Cell::Shown(7))], &t, Locale::Fr);
    assert_well_formed(&svg);
    assert!(!svg.contains("<script>") && !svg.contains("<b>") && !svg.contains(r#"" onload"#));
    assert!(svg.contains("R&amp;D &lt;b&gt;"));
}

#[test]
fn nothing_to_draw_gives_the_message() {
    let svg = bar_chart(&[], &text("c3"), Locale::Fr);
    assert_well_formed(&svg);
    assert!(svg.contains("Aucune donnée pour cette période"));
    assert!(!svg.contains("<rect"));
    let svg = time_series(&Breakdown::default(), &text("c4"), Locale::Fr);
    assert!(svg.contains("Aucune donnée pour cette période"));
}

fn sex_by_age() -> Breakdown {
    Breakdown {
        categories: vec!["0–17".into(), "18–24".into(), "25–34".into()],
        series: vec![
            Series { name: "Femmes".into(), values: vec![Cell::Shown(6), Cell::Shown(12), Cell::Suppressed] },
            Series { name: "Hommes".into(), values: vec![Cell::Shown(8), Cell::Shown(30), Cell::Shown(24)] },
        ],
    }
}

#[test]
fn grouped_bars_draw_a_bar_per_series_and_category_with_a_legend() {
    let svg = breakdown_chart(&sex_by_age(), BreakdownLayout::Grouped, &text("c5"), Locale::Fr);
    assert_well_formed(&svg);
    assert_eq!(svg.matches("chart-bar chart-s0").count(), 2, "the hidden one is not drawn");
    assert_eq!(svg.matches("chart-bar chart-s1").count(), 3);
    assert_eq!(svg.matches("chart-swatch").count(), 2);
    assert!(svg.contains(">Femmes<") && svg.contains(">Hommes<"));
    assert!(svg.contains("<title>25–34, Femmes\u{a0}: &lt; 5</title>"));
    let widths = attribute(&svg, "<rect x=", "width");
    // Legend swatches first (10 wide), then bars in category order: women 6, men 8, women 12, men 30, men 24.
    let bars = &widths[2..];
    assert!((bars[3] / bars[2] - 2.5).abs() < 0.03, "{bars:?}");
}

#[test]
fn stacked_bars_add_up_and_write_the_parts() {
    let svg = breakdown_chart(&sex_by_age(), BreakdownLayout::Stacked, &text("c6"), Locale::En);
    assert_well_formed(&svg);
    assert_eq!(svg.matches(r#"class="chart-bar "#).count(), 5);
    assert!(svg.contains(">6 + 8 = 14<"));
    assert!(svg.contains(">&lt; 5 + 24<"), "no total when a part is hidden");
    let xs = attribute(&svg, "<rect x=", "x");
    let widths = attribute(&svg, "<rect x=", "width");
    // First stack: the men's segment starts where the women's ends.
    assert!((xs[3] - (xs[2] + widths[2])).abs() < 0.15, "{xs:?} {widths:?}");
}

#[test]
fn time_series_breaks_the_line_at_hidden_points() {
    let months: Vec<String> = ["janv.", "févr.", "mars", "avr.", "mai"].iter().map(|m| format!("{m} 2026")).collect();
    let data = Breakdown {
        categories: months,
        series: vec![Series {
            name: "Retours".into(),
            values: vec![Cell::Shown(10), Cell::Shown(25), Cell::Suppressed, Cell::Shown(40), Cell::Shown(1200)],
        }],
    };
    let svg = time_series(&data, &text("c7"), Locale::Fr);
    assert_well_formed(&svg);
    assert_eq!(svg.matches("<polyline").count(), 2);
    assert_eq!(svg.matches("<circle").count(), 4);
    assert!(svg.contains(">1\u{a0}200<"), "grouped digits");
    assert!(svg.contains(">&lt; 5<"));
    let ys = attribute(&svg, "<circle", "cy");
    // Higher counts are higher up (smaller y), proportionally from the axis at the bottom.
    assert!(ys[0] > ys[1] && ys[1] > ys[2] && ys[2] > ys[3]);
    assert!(!svg.contains("chart-swatch"), "one series: no legend");
}

#[test]
fn time_series_with_two_series_has_a_legend() {
    let svg = time_series(&sex_by_age(), &text("c8"), Locale::En);
    assert_well_formed(&svg);
    assert_eq!(svg.matches("chart-swatch").count(), 2);
    assert_eq!(svg.matches("<polyline").count(), 2);
}

fn mali_regions() -> Vec<RegionValue> {
    [
        ("ML01", "Kayes", Cell::Shown(120)),
        ("ML02", "Koulikoro", Cell::Shown(80)),
        ("ML03", "Sikasso", Cell::Shown(45)),
        ("ML04", "Ségou", Cell::Shown(30)),
        ("ML05", "Mopti", Cell::Shown(22)),
        ("ML06", "Tombouctou", Cell::Shown(9)),
        ("ML07", "Gao", Cell::Shown(14)),
        ("ML08", "Kidal", Cell::Suppressed),
        ("ML09", "Bamako", Cell::Shown(300)),
        ("ML10", "Ménaka", Cell::Suppressed),
    ]
    .into_iter()
    .map(|(code, name, value)| RegionValue { code: code.into(), name: name.into(), value })
    .collect()
}

fn map_text() -> MapText {
    MapText {
        id: "map".into(),
        title: "Retours par région".into(),
        description: "Carte des régions du Mali".into(),
        legend: "Personnes de retour".into(),
        no_data: "Pas de données ou moins de 5".into(),
    }
}

#[test]
fn mali_map_links_every_region_and_returns_those_without_polygon() {
    let geography = Geography::mali();
    assert_eq!(geography.shapes().len(), 9);
    let map = choropleth(
        geography,
        &mali_regions(),
        Some("ML07"),
        |code| format!("?region={code}&x=1"),
        &map_text(),
        Locale::Fr,
    );
    assert_well_formed(&map.svg);
    assert_eq!(map.svg.matches("<a href=").count(), 9);
    assert!(map.svg.contains(r#"<a href="?region=ML01&amp;x=1" class="map-region"><title>Kayes&#160;: 120</title>"#.replace("&#160;", "\u{a0}").as_str()));
    assert!(map.svg.contains(r#"class="map-region map-selected" aria-current="true"><title>Gao"#));
    let last_region = map.svg.rfind("<a href=").unwrap();
    assert!(map.svg[last_region..].starts_with(r#"<a href="?region=ML07"#), "the selected region is drawn last");
    assert!(map.svg.contains(">Kayes<tspan") && map.svg.contains(">Tombouctou<tspan"), "names written where they fit");
    assert!(!map.svg.contains(">Bamako<tspan"), "not on a region too small for it");
    assert_eq!(map.unmapped.len(), 1);
    assert_eq!(map.unmapped[0].code, "ML10");
    // Kidal is hidden: grey, "< 5"; Bamako has the largest count: darkest class.
    assert!(map.svg.contains("<title>Kidal\u{a0}: &lt; 5</title><path class=\"map-none\""));
    assert!(map.svg.contains("<title>Bamako\u{a0}: 300</title><path class=\"map-c4\""));
    assert!(map.svg.contains("<title>Tombouctou\u{a0}: 9</title><path class=\"map-c0\""));
    for class in ["map-c0", "map-c1", "map-c2", "map-c3", "map-c4", "map-none"] {
        assert!(map.svg.contains(&format!(r##"class="{class}" stroke="#4d5661""##)), "legend shows {class}");
    }
    assert!(map.svg.contains(">Personnes de retour<") && map.svg.contains(">Pas de données ou moins de 5<"));
    println!("Mali map: {} bytes", map.svg.len());
    assert!(map.svg.len() < 40_000, "light page: {} bytes", map.svg.len());
    assert_eq!(
        map.svg,
        choropleth(geography, &mali_regions(), Some("ML07"), |c| format!("?region={c}&x=1"), &map_text(), Locale::Fr)
            .svg
    );
}

#[test]
fn regions_missing_from_the_list_are_drawn_without_data() {
    let map =
        choropleth(Geography::mali(), &[], None, |code| format!("/dashboard?region={code}"), &map_text(), Locale::En);
    assert_well_formed(&map.svg);
    assert_eq!(map.svg.matches(r#"<path class="map-none""#).count(), 9);
    assert!(map.svg.contains("<title>Kayes: Pas de données ou moins de 5</title>"), "name from the map file");
    assert!(map.unmapped.is_empty());
}

#[test]
fn another_country_file_works_and_bad_files_are_refused() {
    let geojson = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"code":"A","label":"North & Co"},"geometry":{"type":"Polygon","coordinates":[[[0,1],[2,1],[2,2],[0,2],[0,1]]]}},
        {"type":"Feature","properties":{"code":"B","label":"South"},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[1.5,0],[2,0],[2,0.5],[1.5,0]]]]}},
        {"type":"Feature","properties":{"code":"C","label":"Nowhere"},"geometry":null}]}"#;
    let geography = Geography::from_geojson(geojson, "code", "label").unwrap();
    assert_eq!(geography.shapes().len(), 2, "no shape without geometry");
    assert_eq!(geography.shapes()[1].path.matches('M').count(), 2, "both parts of a MultiPolygon");
    let regions = vec![
        RegionValue { code: "A".into(), name: "North & Co".into(), value: Cell::Shown(50) },
        RegionValue { code: "C".into(), name: "Nowhere".into(), value: Cell::Shown(7) },
    ];
    let map = choropleth(&geography, &regions, None, |c| format!("#{c}"), &map_text(), Locale::En);
    assert_well_formed(&map.svg);
    assert!(map.svg.contains("North &amp; Co: 50"));
    assert_eq!(map.svg.matches("<a href=").count(), 2);
    assert_eq!(map.unmapped, vec![regions[1].clone()]);

    assert!(matches!(Geography::from_geojson("{", "code", "label"), Err(MapError::Json(_))));
    assert!(matches!(
        Geography::from_geojson(r#"{"type":"Feature"}"#, "code", "label"),
        Err(MapError::NotFeatureCollection)
    ));
    assert!(matches!(
        Geography::from_geojson(geojson, "pcode", "label"),
        Err(MapError::MissingProperty { index: 0, .. })
    ));
    let point = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"A","label":"A"},"geometry":{"type":"Point","coordinates":[0,0]}}]}"#;
    assert!(matches!(Geography::from_geojson(point, "code", "label"), Err(MapError::Geometry { index: 0 })));
}
