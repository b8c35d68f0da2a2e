//! sqlx migrations on Spanner: `sqlx::migrate!`, `Migrator::run`, MigrateDatabase.

use spanner_tests::{emulator_host, fresh_options, unique_database_name};
use sqlx::migrate::{MigrateDatabase, MigrateError, Migrator};
use sqlx_spanner::{Spanner, SpannerPool};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

#[tokio::test]
async fn migrations_apply_once_and_record_versions() {
    let pool = SpannerPool::connect_with(fresh_options("mig"))
        .await
        .unwrap();
    MIGRATOR.run(&pool).await.unwrap();
    // Running again is a no-op (versions recorded, checksums match).
    MIGRATOR.run(&pool).await.unwrap();

    let names: Vec<String> = sqlx::query_scalar("SELECT FirstName FROM Singers ORDER BY SingerId")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(names, ["Marc", "Catalina"]);

    let versions: Vec<(i64, bool)> =
        sqlx::query_as("SELECT version, success FROM sqlx_migrations ORDER BY version")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(versions, [(1, true), (2, true)]);
}

#[tokio::test]
async fn failed_migration_is_left_dirty_and_stops_the_next_run() {
    let pool = SpannerPool::connect_with(fresh_options("migbad"))
        .await
        .unwrap();
    let migrator = Migrator::new(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/bad_migrations"
    )))
    .await
    .unwrap();
    let err = migrator.run(&pool).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::ExecuteMigration(_, 2)),
        "unexpected error: {err:?}"
    );
    // The first migration is recorded as applied, the broken one as dirty.
    let rows: Vec<(i64, bool)> =
        sqlx::query_as("SELECT version, success FROM sqlx_migrations ORDER BY version")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(rows, [(1, true), (2, false)]);
    let again = migrator.run(&pool).await.unwrap_err();
    assert!(matches!(again, MigrateError::Dirty(2)), "{again:?}");
}

#[tokio::test]
async fn migrate_database_create_exists_drop() {
    let url = format!(
        "spanner://projects/test-project/instances/test-instance/databases/{}?emulator_host={}",
        unique_database_name("mdb"),
        emulator_host()
    );
    // The instance may not exist yet in a fresh emulator: create a database through
    // the options first, which creates the instance.
    let _ = SpannerPool::connect_with(fresh_options("mdbinst"))
        .await
        .unwrap();
    assert!(!Spanner::database_exists(&url).await.unwrap());
    Spanner::create_database(&url).await.unwrap();
    assert!(Spanner::database_exists(&url).await.unwrap());
    Spanner::drop_database(&url).await.unwrap();
    assert!(!Spanner::database_exists(&url).await.unwrap());
}
