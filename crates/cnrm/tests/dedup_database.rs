//! `cnrm dedup` in database mode, on both backends: the review queue is filled, and a pair decided
//! "not the same" is not proposed again by a second run.

use cnrm_app::identity;
use cnrm_app::test_both_backends;
use cnrm_app::testing::{self, actor};
use cnrm_domain::identity::CandidateStatus;

mod support;
use support::{cnrm, text};

fn person(family: &str, given: &str) -> cnrm_app::cases::Registration {
    let mut input = testing::registration(family, given, "female", "1992-06-15", "2025-01-10");
    input.person.phones = vec!["79 80 81 82".into()];
    input
}

test_both_backends! {
    async fn dedup_fills_the_review_queue_and_remembers_decisions(db) {
        testing::load_demo(&db).await;
        let worker = actor(&db, "oim.agent").await;
        let a = testing::register(&db, &worker, &person("Diawara", "Kadiatou")).await;
        let b = testing::register(&db, &worker, &person("DIAWARA", "Kadiatu")).await;
        let (pa, pb) = if a.person_id < b.person_id { (a.person_id, b.person_id) } else { (b.person_id, a.person_id) };

        let first = cnrm(&db, &["dedup"]);
        assert!(first.status.success(), "{}", text(&first));
        assert!(text(&first).contains("added to the review queue"), "{}", text(&first));
        let steward = actor(&db, "cnrm.donnees").await;
        let query = identity::CandidateQuery { per_page: Some(100), ..Default::default() };
        let queued = identity::candidates(&db.app, &steward, &query).await.unwrap();
        let pair = queued.items.iter().map(|v| &v.candidate).find(|c| c.person_a == pa && c.person_b == pb).expect("the pair is queued").clone();
        assert_eq!(pair.status, CandidateStatus::Pending);
        identity::decide(&db.app, &steward, pair.id, pair.version, "not_same").await.unwrap();

        let second = cnrm(&db, &["dedup"]);
        assert!(second.status.success(), "{}", text(&second));
        assert!(text(&second).contains(": 0 added to the review queue"), "{}", text(&second));
        let queued = identity::candidates(&db.app, &steward, &query).await.unwrap();
        let same_pair: Vec<_> = queued.items.iter().map(|v| &v.candidate).filter(|c| c.person_a == pa && c.person_b == pb).collect();
        assert_eq!(same_pair.len(), 1);
        assert_eq!(same_pair[0].status, CandidateStatus::NotSame);

        let bad = cnrm(&db, &["dedup", "--threshold", "1.5"]);
        assert!(!bad.status.success());
        assert!(text(&bad).contains("--threshold"), "{}", text(&bad));
    }
}
