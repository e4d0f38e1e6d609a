//! Running the `cnrm` binary from the command-line tests: one way, shared by every test file.

use cnrm_app::testing::TestDb;
use std::process::{Command, Output};

/// `cnrm ARGS` on the test's database, quiet but for errors.
pub fn cnrm(db: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cnrm"))
        .args(args)
        .env("CNRM_DATABASE_URL", &db.url)
        .env("RUST_LOG", "error")
        .output()
        .expect("cnrm runs")
}

/// What the command printed, both streams.
pub fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}
