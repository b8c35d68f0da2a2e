//! `sqlx::migrate!` / `Migrator` support: [`Migrate`] for [`SpannerConnection`] and
//! [`MigrateDatabase`] for [`Spanner`].
//!
//! Spanner applies DDL outside transactions and a DDL batch is not atomic, so a migration
//! that contains DDL is recorded first with `success = false`, run (consecutive DDL
//! statements as one batch), then marked successful. A failure leaves the record "dirty"
//! and the next `run` stops with `MigrateError::Dirty`, as sqlx does for non-transactional
//! databases. The migrations table is `sqlx_migrations` (Spanner identifiers cannot start
//! with `_`). A migration with only DML runs atomically in one read-write transaction
//! together with its record (re-run if Spanner aborts it). Spanner has no advisory locks:
//! `lock`/`unlock` take and release a lease row instead (see `migration_lock.rs`), so two
//! migrators on one database apply migrations one after the other.

use std::str::FromStr;
use std::time::{Duration, Instant};

use futures_core::future::BoxFuture;
use sqlx_core::error::Error;
use sqlx_core::executor::Executor;
use sqlx_core::migrate::{AppliedMigration, Migrate, MigrateDatabase, MigrateError, Migration};
use sqlx_core::query::query;
use sqlx_core::query_as::query_as;
use sqlx_core::sql_str::AssertSqlSafe;

use crate::sql::StatementKind;
use crate::{Spanner, SpannerConnectOptions, SpannerConnection};

impl MigrateDatabase for Spanner {
    async fn create_database(url: &str) -> Result<(), Error> {
        let options = SpannerConnectOptions::from_str(url)?;
        let settings = options.client_settings();
        options
            .admin()
            .await?
            .create_database(&settings.database_path, settings.emulator_host.is_some())
            .await
    }

    async fn database_exists(url: &str) -> Result<bool, Error> {
        let options = SpannerConnectOptions::from_str(url)?;
        options
            .admin()
            .await?
            .database_exists(&options.database_path())
            .await
    }

    async fn drop_database(url: &str) -> Result<(), Error> {
        let options = SpannerConnectOptions::from_str(url)?;
        let admin = options.admin().await?;
        let path = options.database_path();
        if admin.database_exists(&path).await? {
            admin.drop_database(&path).await?;
        }
        Ok(())
    }
}

/// Spanner identifiers must start with a letter, so sqlx's default `_sqlx_migrations`
/// becomes `sqlx_migrations`.
fn table(table_name: &str) -> &str {
    table_name.trim_start_matches('_')
}

fn is_dml_only(sql: &str) -> Result<bool, Error> {
    let pieces =
        crate::sql::split_statements(sql).map_err(|e| crate::SpannerError::Sql(e.to_string()))?;
    let mut any = false;
    for piece in pieces {
        let kind = crate::sql::statement_kind(piece)
            .map_err(|e| crate::SpannerError::Sql(e.to_string()))?;
        match kind {
            StatementKind::Dml => any = true,
            StatementKind::Empty => {}
            _ => return Ok(false),
        }
    }
    Ok(any)
}

async fn record(
    conn: &mut SpannerConnection,
    table_name: &str,
    migration: &Migration,
    success: bool,
) -> Result<(), Error> {
    let table_name = table(table_name);
    query(AssertSqlSafe(format!(
        "INSERT INTO {table_name} (version, description, installed_on, success, checksum, execution_time) \
         VALUES (@p1, @p2, PENDING_COMMIT_TIMESTAMP(), @p3, @p4, -1)"
    )))
    .bind(migration.version)
    .bind(&*migration.description)
    .bind(success)
    .bind(&*migration.checksum)
    .execute(conn)
    .await?;
    Ok(())
}

impl Migrate for SpannerConnection {
    fn create_schema_if_not_exists<'e>(
        &'e mut self,
        schema_name: &'e str,
    ) -> BoxFuture<'e, Result<(), MigrateError>> {
        Box::pin(async move {
            self.execute(AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {schema_name}"
            )))
            .await?;
            Ok(())
        })
    }

    fn ensure_migrations_table<'e>(
        &'e mut self,
        table_name: &'e str,
    ) -> BoxFuture<'e, Result<(), MigrateError>> {
        Box::pin(async move {
            let table_name = table(table_name);
            self.execute(AssertSqlSafe(format!(
                "CREATE TABLE IF NOT EXISTS {table_name} (
                    version INT64 NOT NULL,
                    description STRING(MAX) NOT NULL,
                    installed_on TIMESTAMP NOT NULL OPTIONS (allow_commit_timestamp = true),
                    success BOOL NOT NULL,
                    checksum BYTES(MAX) NOT NULL,
                    execution_time INT64 NOT NULL,
                ) PRIMARY KEY (version)"
            )))
            .await?;
            Ok(())
        })
    }

    fn dirty_version<'e>(
        &'e mut self,
        table_name: &'e str,
    ) -> BoxFuture<'e, Result<Option<i64>, MigrateError>> {
        Box::pin(async move {
            let table_name = table(table_name);
            let row: Option<(i64,)> = query_as(AssertSqlSafe(format!(
                "SELECT version FROM {table_name} WHERE success = FALSE ORDER BY version LIMIT 1"
            )))
            .fetch_optional(self)
            .await?;
            Ok(row.map(|r| r.0))
        })
    }

    fn list_applied_migrations<'e>(
        &'e mut self,
        table_name: &'e str,
    ) -> BoxFuture<'e, Result<Vec<AppliedMigration>, MigrateError>> {
        Box::pin(async move {
            let table_name = table(table_name);
            let rows: Vec<(i64, Vec<u8>)> = query_as(AssertSqlSafe(format!(
                "SELECT version, checksum FROM {table_name} ORDER BY version"
            )))
            .fetch_all(self)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(version, checksum)| AppliedMigration {
                    version,
                    checksum: checksum.into(),
                })
                .collect())
        })
    }

    fn lock(&mut self) -> BoxFuture<'_, Result<(), MigrateError>> {
        Box::pin(async move { Ok(self.acquire_migration_lock().await?) })
    }

    fn unlock(&mut self) -> BoxFuture<'_, Result<(), MigrateError>> {
        Box::pin(async move { Ok(self.release_migration_lock().await?) })
    }

    fn apply<'e>(
        &'e mut self,
        table_name: &'e str,
        migration: &'e Migration,
    ) -> BoxFuture<'e, Result<Duration, MigrateError>> {
        Box::pin(async move {
            let table_name = table(table_name);
            let start = Instant::now();
            if !migration.no_tx && is_dml_only(migration.sql.as_str())? {
                let owned = (table_name.to_string(), migration.clone());
                crate::transaction::retry_on_connection(self, 10, move |tx| {
                    let (table_name, migration) = owned.clone();
                    Box::pin(async move {
                        tx.execute(migration.sql.clone()).await?;
                        record(tx, &table_name, &migration, true).await
                    })
                })
                .await
                .map_err(|e| MigrateError::ExecuteMigration(e, migration.version))?;
            } else {
                record(self, table_name, migration, false).await?;
                self.execute(migration.sql.clone())
                    .await
                    .map_err(|e| MigrateError::ExecuteMigration(e, migration.version))?;
                query(AssertSqlSafe(format!(
                    "UPDATE {table_name} SET success = TRUE WHERE version = @p1"
                )))
                .bind(migration.version)
                .execute(&mut *self)
                .await?;
            }
            let elapsed = start.elapsed();
            query(AssertSqlSafe(format!(
                "UPDATE {table_name} SET execution_time = @p1 WHERE version = @p2"
            )))
            .bind(i64::try_from(elapsed.as_nanos()).unwrap_or(i64::MAX))
            .bind(migration.version)
            .execute(&mut *self)
            .await?;
            Ok(elapsed)
        })
    }

    fn revert<'e>(
        &'e mut self,
        table_name: &'e str,
        migration: &'e Migration,
    ) -> BoxFuture<'e, Result<Duration, MigrateError>> {
        Box::pin(async move {
            let table_name = table(table_name);
            let start = Instant::now();
            // Mark dirty first: a failed revert must not look like an applied migration.
            query(AssertSqlSafe(format!(
                "UPDATE {table_name} SET success = FALSE WHERE version = @p1"
            )))
            .bind(migration.version)
            .execute(&mut *self)
            .await?;
            self.execute(migration.sql.clone())
                .await
                .map_err(|e| MigrateError::ExecuteMigration(e, migration.version))?;
            query(AssertSqlSafe(format!(
                "DELETE FROM {table_name} WHERE version = @p1"
            )))
            .bind(migration.version)
            .execute(&mut *self)
            .await?;
            Ok(start.elapsed())
        })
    }

    fn skip<'e>(
        &'e mut self,
        table_name: &'e str,
        migration: &'e Migration,
    ) -> BoxFuture<'e, Result<(), MigrateError>> {
        Box::pin(async move {
            let table_name = table(table_name);
            record(self, table_name, migration, true).await?;
            Ok(())
        })
    }
}
