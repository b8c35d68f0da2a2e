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

/// Bounds every wait: a hang fails instead of stalling CI.
async fn bounded<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(300), future)
        .await
        .expect("operation timed out")
}

#[tokio::test]
async fn concurrent_migrators_apply_each_migration_once() {
    let options = fresh_options("miglock");
    // Two independent pools (as two processes would have) on one database.
    let first = bounded(SpannerPool::connect_with(options.clone()))
        .await
        .unwrap();
    let second = bounded(SpannerPool::connect_with(
        sqlx_spanner::SpannerConnectOptions::new()
            .emulator_host(emulator_host())
            .project(options.get_project())
            .instance(options.get_instance())
            .database(options.get_database()),
    ))
    .await
    .unwrap();
    let (a, b) = bounded(async {
        tokio::join!(
            tokio::spawn({
                let pool = first.clone();
                async move { MIGRATOR.run(&pool).await }
            }),
            tokio::spawn({
                let pool = second.clone();
                async move { MIGRATOR.run(&pool).await }
            })
        )
    })
    .await;
    a.unwrap().unwrap();
    b.unwrap().unwrap();

    // Both succeeded; the seed migration (plain INSERTs, which fail on a second run with
    // duplicate keys) ran exactly once, and nothing is dirty.
    let names: Vec<String> = bounded(
        sqlx::query_scalar("SELECT FirstName FROM Singers ORDER BY SingerId").fetch_all(&first),
    )
    .await
    .unwrap();
    assert_eq!(names, ["Marc", "Catalina"]);
    let versions: Vec<(i64, bool)> = bounded(
        sqlx::query_as("SELECT version, success FROM sqlx_migrations ORDER BY version")
            .fetch_all(&first),
    )
    .await
    .unwrap();
    assert_eq!(versions, [(1, true), (2, true)]);
    // The lock was released.
    let held: i64 =
        bounded(sqlx::query_scalar("SELECT COUNT(*) FROM sqlx_migrations_lock").fetch_one(&first))
            .await
            .unwrap();
    assert_eq!(held, 0);
}

#[tokio::test]
async fn a_held_migration_lock_makes_the_next_migrator_wait() {
    use sqlx::migrate::Migrate;
    let pool = bounded(SpannerPool::connect_with(fresh_options("miglock2")))
        .await
        .unwrap();
    let mut holder = bounded(pool.acquire()).await.unwrap();
    bounded(holder.lock()).await.unwrap();
    let waiter = tokio::spawn({
        let pool = pool.clone();
        async move { MIGRATOR.run(&pool).await }
    });
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert!(
        !waiter.is_finished(),
        "the second migrator did not wait for the lock"
    );
    let applied: Option<i64> = bounded(
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = 'sqlx_migrations'",
        )
        .fetch_optional(&pool),
    )
    .await
    .unwrap();
    assert_eq!(applied, Some(0), "migrations ran while the lock was held");
    bounded(holder.unlock()).await.unwrap();
    bounded(waiter).await.unwrap().unwrap();
    let names: Vec<String> = bounded(
        sqlx::query_scalar("SELECT FirstName FROM Singers ORDER BY SingerId").fetch_all(&pool),
    )
    .await
    .unwrap();
    assert_eq!(names, ["Marc", "Catalina"]);
}

#[tokio::test]
async fn a_failed_migrator_releases_the_lock_when_its_connection_returns() {
    let pool = bounded(SpannerPool::connect_with(fresh_options("miglock3")))
        .await
        .unwrap();
    let migrator = Migrator::new(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/bad_migrations"
    )))
    .await
    .unwrap();
    assert!(bounded(migrator.run(&pool)).await.is_err());
    // sqlx does not call `unlock` after a failure; the pool's ping releases the lease.
    let mut held = 1_i64;
    for _ in 0..50 {
        held = bounded(
            sqlx::query_scalar("SELECT COUNT(*) FROM sqlx_migrations_lock").fetch_one(&pool),
        )
        .await
        .unwrap();
        if held == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(held, 0, "the failed migrator kept the migration lock");
    // The next run reports the dirty migration instead of waiting for a lock.
    let again = bounded(migrator.run(&pool)).await.unwrap_err();
    assert!(matches!(again, MigrateError::Dirty(2)), "{again:?}");
}
