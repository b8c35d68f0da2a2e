//! The shared emulator harness of the integration tests.
//!
//! Every test binary uses one emulator: the one named by `SPANNER_EMULATOR_HOST`, or one it
//! starts itself (killed when the test process exits). Every test gets its own database,
//! so tests run in parallel. If no emulator can be started the test fails loudly.

pub mod checked;
pub mod entities;
pub mod fault;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use sqlx_spanner::emulator::Emulator;
use sqlx_spanner::{SpannerConnectOptions, SpannerPool, SpannerPoolOptions};

static EMULATOR: OnceLock<Result<Emulator, String>> = OnceLock::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// `host:port` of the emulator the tests use.
pub fn emulator_host() -> String {
    if let Ok(host) = std::env::var("SPANNER_EMULATOR_HOST") {
        if !host.trim().is_empty() {
            return host;
        }
    }
    match EMULATOR.get_or_init(|| Emulator::start().map_err(|e| e.to_string())) {
        Ok(emulator) => emulator.host().to_string(),
        Err(error) => panic!("cannot start the Spanner emulator for the tests: {error}"),
    }
}

/// A database id no other test uses (2-30 chars, starts with a letter).
pub fn unique_database_name(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut name = format!("{prefix}-{}-{n}-{nanos:x}", std::process::id());
    name.truncate(30);
    name.trim_end_matches('-').to_lowercase()
}

/// Options for a fresh database of the emulator (created on first connect).
pub fn fresh_options(prefix: &str) -> SpannerConnectOptions {
    SpannerConnectOptions::new()
        .emulator_host(emulator_host())
        .project("test-project")
        .instance("test-instance")
        .database(unique_database_name(prefix))
        .create_if_missing(true)
}

/// A pool on a fresh database, with `ddl` applied as one batch.
pub async fn pool_with_schema(prefix: &str, ddl: &[&str]) -> SpannerPool {
    let pool = SpannerPoolOptions::new()
        .max_connections(4)
        .connect_with(fresh_options(prefix))
        .await
        .expect("connect to the emulator");
    if !ddl.is_empty() {
        let mut conn = pool.acquire().await.expect("acquire");
        conn.execute_ddl(ddl.iter().copied())
            .await
            .expect("apply test schema");
    }
    pool
}

/// A pool on a fresh, empty database.
pub async fn pool(prefix: &str) -> SpannerPool {
    pool_with_schema(prefix, &[]).await
}
