//! The query macros refuse, at compile time, a column that does not exist and an argument
//! of the wrong type, and accept a correct statement: the cases in `tests/ui/` are built by
//! `trybuild` online against a database of the real emulator (started here unless
//! `SPANNER_EMULATOR_HOST` names one) that has the schema below. The expected compiler
//! output is in the `.stderr` files beside the cases (`TRYBUILD=overwrite` rewrites them).

use std::time::Duration;

use sqlx::Connection as _;
use sqlx_spanner::{SpannerConnectOptions, SpannerConnection};

const SCHEMA: &str = "CREATE TABLE Singers (
    SingerId INT64 NOT NULL,
    FirstName STRING(100),
) PRIMARY KEY (SingerId)";

#[test]
fn wrong_columns_and_parameter_types_do_not_compile() {
    let (host, emulator) =
        sqlx_spanner::emulator::from_env_or_start().expect("cannot start the Spanner emulator");
    let database = format!("ui-{}", std::process::id());
    let options = SpannerConnectOptions::new()
        .emulator_host(host.clone())
        .project("test-project")
        .instance("test-instance")
        .database(database.clone())
        .create_if_missing(true);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(120), async {
            let mut conn = SpannerConnection::connect_with(&options).await?;
            conn.execute_ddl([SCHEMA]).await?;
            conn.close().await
        })
        .await
        .expect("the emulator did not create the database in time")
        .expect("create the database of the UI tests");
    });

    // The cargo processes trybuild starts inherit these: the macros describe the cases'
    // statements on this database, never from offline data.
    std::env::set_var(
        "DATABASE_URL",
        format!(
            "spanner://projects/test-project/instances/test-instance/databases/{database}?emulator_host={host}"
        ),
    );
    std::env::set_var("SQLX_OFFLINE", "false");
    std::env::remove_var("SQLX_OFFLINE_DIR");

    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
    // The cases are built when `cases` is dropped: while the emulator still runs.
    drop(cases);
    drop(emulator);
}
