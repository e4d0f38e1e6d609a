//! `cnrm export report` against real databases, on both backends: the file written, its language,
//! and a bad quarter refused with nothing written.

use cnrm_app::test_both_backends;
use cnrm_app::testing;

mod support;
use support::{cnrm, text};

test_both_backends! {
    async fn export_report_writes_the_pdf_or_the_workbook(db) {
        testing::load_demo(&db).await;
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("rapport.pdf");
        let done = cnrm(&db, &["export", "report", "--quarter", "2025-Q3", "--output", pdf.to_str().unwrap()]);
        assert!(done.status.success(), "{}", text(&done));
        let bytes = std::fs::read(&pdf).unwrap();
        assert!(cnrm_pdf::contains_text(&bytes, "Rapport périodique du CNRM — 2025-Q3"));
        assert!(cnrm_pdf::contains_text(&bytes, "du 2025-07-01 au 2025-09-30"));
        assert!(cnrm_pdf::contains_text(&bytes, "Migrants de retour enregistrés"));

        // The extension chooses the format; the language is asked for.
        let xlsx = dir.path().join("report.xlsx");
        let done = cnrm(&db, &["export", "report", "--quarter", "2025-Q3", "--locale", "en", "--output", xlsx.to_str().unwrap()]);
        assert!(done.status.success(), "{}", text(&done));
        let sheets = cnrm_export::read_workbook(&std::fs::read(&xlsx).unwrap()).unwrap();
        assert_eq!(sheets[0].0, "Indicators");
        assert!(sheets[0].1[0][0].contains("CNRM periodic report — 2025-Q3"), "{:?}", sheets[0].1);

        // A bad quarter: the flag named with a message that says how to write it, no file.
        let bad = dir.path().join("bad.pdf");
        let refused = cnrm(&db, &["export", "report", "--quarter", "2025-T3", "--output", bad.to_str().unwrap()]);
        assert!(!refused.status.success());
        assert!(text(&refused).contains("--quarter: Trimestre non reconnu"), "{}", text(&refused));
        assert!(text(&refused).contains("2026-Q3"), "{}", text(&refused));
        assert!(!bad.exists());
    }
}
