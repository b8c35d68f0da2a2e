//! The `sea-orm-spanner` binary as a user runs it, against the emulator (the one named by
//! `SPANNER_EMULATOR_HOST`, or one started here).

use std::process::Command;
use std::time::Duration;

use sqlx_spanner::{SpannerConnectOptions, SpannerPoolOptions};

const LIMIT: Duration = Duration::from_secs(120);

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sea-orm-spanner"))
}

#[tokio::test]
async fn generate_entity_writes_the_entities_of_the_database() {
    let (host, _emulator) =
        sqlx_spanner::emulator::from_env_or_start().expect("an emulator for the test");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let url = format!(
        "spanner://projects/test-project/instances/test-instance/databases/cli-{}-{nanos:x}",
        std::process::id()
    );
    let options: SpannerConnectOptions =
        format!("{url}?emulator_host={host}&create_if_missing=true")
            .parse()
            .expect("url");
    tokio::time::timeout(LIMIT, async {
        let pool = SpannerPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .expect("connect");
        let mut conn = pool.acquire().await.expect("acquire");
        conn.execute_ddl([
            "CREATE TABLE singers (singer_id INT64 NOT NULL, name STRING(MAX)) PRIMARY KEY (singer_id)",
            "CREATE TABLE albums (singer_id INT64 NOT NULL, album_id INT64 NOT NULL) \
             PRIMARY KEY (singer_id, album_id), INTERLEAVE IN PARENT singers ON DELETE CASCADE",
        ])
        .await
        .expect("schema");
    })
    .await
    .expect("setup timed out");

    let out = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-entities");
    let _ = std::fs::remove_dir_all(&out);
    let output = binary()
        .args(["generate", "entity", "-o"])
        .arg(&out)
        .env("DATABASE_URL", &url)
        .env("SPANNER_EMULATOR_HOST", &host)
        .output()
        .expect("run sea-orm-spanner");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let singers = std::fs::read_to_string(out.join("singers.rs")).expect("singers.rs");
    assert!(
        singers.contains("has_many = \"super::albums::Entity\""),
        "{singers}"
    );
    let albums = std::fs::read_to_string(out.join("albums.rs")).expect("albums.rs");
    assert!(
        albums.contains("belongs_to = \"super::singers::Entity\""),
        "{albums}"
    );
    assert!(out.join("mod.rs").exists() && out.join("prelude.rs").exists());
}

#[test]
fn a_bad_url_is_an_error_not_a_panic() {
    let output = binary()
        .args(["generate", "entity", "-u", "mysql://nope", "-o"])
        .arg(env!("CARGO_TARGET_TMPDIR"))
        .output()
        .expect("run sea-orm-spanner");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid database URL"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
