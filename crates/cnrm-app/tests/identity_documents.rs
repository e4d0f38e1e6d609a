//! Identity documents in the batch pass, on both backends: the documents stored with each record
//! reach the matcher with their kinds, so a passport re-typed with one error speaks for a match and
//! two different passports speak against it, while a NINA says nothing about a passport.

use cnrm_app::cases;
use cnrm_app::identity::{self, CandidateQuery};
use cnrm_app::testing::{self, actor};
use cnrm_app::{test_both_backends, Actor};
use cnrm_domain::person::DocumentInput;
use cnrm_store::IdentityCandidate;
use uuid::Uuid;

fn with_document(family: &str, kind: &str, number: &str) -> cases::Registration {
    let mut input = testing::registration(family, "Moussa", "male", "1978-05-02", "2025-03-01");
    input.documents =
        vec![DocumentInput { doc_type: kind.into(), number: number.into(), issuing_country: "ML".into() }];
    input
}

fn document_weight(c: &IdentityCandidate) -> Option<(String, f64)> {
    c.evidence.iter().find(|e| e.field == "document").map(|e| (e.level.clone(), e.weight))
}

test_both_backends! {
    async fn stored_documents_weigh_in_the_batch_pass(db) {
        testing::load_demo(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let steward = actor(&db, "cnrm.donnees").await;
        let a = testing::register(&db, &worker, &with_document("Kanouté", "passport", "AB1234567")).await;
        // The same passport re-typed with two digits swapped.
        let b = testing::register(&db, &worker, &with_document("Kanoute", "passport", "AB1234576")).await;
        // A namesake with another passport.
        let c = testing::register(&db, &worker, &with_document("KANOUTE", "passport", "CD7654321")).await;
        // A NINA: nothing to compare with a passport.
        let d = testing::register(&db, &worker, &with_document("Kanouté", "nina", "12345678901234A")).await;

        identity::dedup_database(&db.app, &Actor::console(), 0.5, &|_, _, _| {}).await.unwrap();
        let query = CandidateQuery { per_page: Some(100), ..Default::default() };
        let queued = identity::candidates(&db.app, &steward, &query).await.unwrap().items;
        let find = |x: Uuid, y: Uuid| {
            let (p, q) = if x < y { (x, y) } else { (y, x) };
            queued.iter().map(|v| &v.candidate).find(|c| c.person_a == p && c.person_b == q).cloned()
        };
        let ab = find(a.person_id, b.person_id).expect("a and b queued");
        let (level, weight) = document_weight(&ab).expect("documents compared");
        assert_eq!(level, "one character off");
        assert!(weight > 2.0, "{weight}");
        let ac = find(a.person_id, c.person_id).expect("a and c queued on their names and birth date");
        let (level, weight) = document_weight(&ac).expect("documents compared");
        assert_eq!(level, "different number (same kind)");
        assert!(weight < -2.0, "{weight}");
        assert!(ab.probability > ac.probability, "{} vs {}", ab.probability, ac.probability);
        let ad = find(a.person_id, d.person_id).expect("a and d queued");
        assert_eq!(document_weight(&ad), None, "a NINA is not compared with a passport");
        assert!(ad.probability > ac.probability);
    }
}
