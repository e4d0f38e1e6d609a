// `sqlx::migrate!` embeds the migrations at compile time but cannot tell cargo to watch the
// folder on stable Rust: without this, a new migration file would not be picked up.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
