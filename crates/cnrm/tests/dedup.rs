//! `cnrm dedup` in file mode: no database involved.

use std::process::{Command, Output};

fn cnrm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cnrm")).args(args).env("RUST_LOG", "error").output().expect("cnrm runs")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn dedup_writes_pairs_and_clusters() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("people.csv");
    std::fs::write(
        &input,
        "record_id;family_name;given_name;sex;date_of_birth;phone;region;cercle;note\n\
         a;Traoré;Mamadou;M;12/03/1990;+223 76 00 00 01;Kayes;Kita;x\n\
         b;Mahamadou;TRAORE;M;1990-03-12;76000001;Kayes;Kita;\n\
         c;Keïta;Awa;F;1980;;Sikasso;Kadiolo;\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = cnrm(&["dedup", "--input", input.to_str().unwrap(), "--output", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", text(&run));
    assert!(text(&run).contains("delimiter ';' detected"), "{}", text(&run));
    let clusters = std::fs::read_to_string(out.join("clusters.csv")).unwrap();
    assert_eq!(clusters, "record_id,person_id\na,P0000001\nb,P0000001\nc,P0000002\n");
    let pairs = std::fs::read_to_string(out.join("pairs.csv")).unwrap();
    assert!(pairs.lines().nth(1).unwrap().starts_with("a,b,"), "{pairs}");
}

#[test]
fn dedup_refuses_bad_input_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("people.csv");
    std::fs::write(
        &input,
        "record_id,family_name,given_name,sex,date_of_birth,phone,region,cercle\n1,Keita,Awa,F,30/02/1990,,,\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = cnrm(&["dedup", "--input", input.to_str().unwrap(), "--output", out.to_str().unwrap()]);
    assert!(!run.status.success());
    assert!(text(&run).contains("line 2, column date_of_birth"), "{}", text(&run));
    assert!(!out.exists());

    let renamed = cnrm(&[
        "dedup",
        "--input",
        input.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--date-of-birth-column",
        "born",
    ]);
    assert!(text(&renamed).contains("missing column born"), "{}", text(&renamed));

    // Without --input, database mode: it needs a database (see tests/dedup_database.rs).
    let no_input = cnrm(&["--database", "sqlite:/nonexistent-cnrm-dir/cnrm.sqlite3", "dedup"]);
    assert!(!no_input.status.success());
    assert!(text(&no_input).contains("opening the database"), "{}", text(&no_input));
    let output_only = cnrm(&["dedup", "--output", out.to_str().unwrap()]);
    assert!(!output_only.status.success(), "--output needs --input");
}
