//! The production (non-emulator) path: Application Default Credentials are looked up and a
//! missing or broken credential is a clear configuration error, not a panic or a hang.
//! (No machine here can reach Google, so the test stops at the credential lookup.)
//! This file holds one test so that changing the environment cannot affect other tests.

use std::time::{Duration, Instant};

use sqlx_spanner::{SpannerConnectOptions, SpannerPool};

#[tokio::test]
async fn missing_credentials_are_a_clear_error() {
    // Single test in this binary: no other thread reads the environment.
    std::env::remove_var("SPANNER_EMULATOR_HOST");
    std::env::set_var(
        "GOOGLE_APPLICATION_CREDENTIALS",
        "/nonexistent/sqlx-spanner-test/key.json",
    );
    let started = Instant::now();
    let options: SpannerConnectOptions = "spanner://projects/p1/instances/i1/databases/d1"
        .parse()
        .unwrap();
    assert_eq!(options.resolved_emulator_host(), None);
    let err = SpannerPool::connect_with(options).await.unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, sqlx::Error::Configuration(_)),
        "expected a configuration error, got {err:?}"
    );
    assert!(text.contains("credentials"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(30));

    // An explicit credentials file that does not exist names the file.
    let options = SpannerConnectOptions::new()
        .project("p1")
        .instance("i1")
        .database("d1")
        .credentials_file("/nonexistent/other.json");
    let err = SpannerPool::connect_with(options).await.unwrap_err();
    assert!(err.to_string().contains("/nonexistent/other.json"), "{err}");
}
