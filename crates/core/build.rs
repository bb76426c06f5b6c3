//! Rebuilds the crate when a migration is added, renamed or removed: `sqlx::migrate!` embeds the
//! folder's files, and cargo otherwise notices only changes to the files it already knew.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
