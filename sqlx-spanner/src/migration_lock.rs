//! The migration lock: a lease row, so that two migrators on one database never apply
//! migrations at the same time (Spanner has no advisory locks).
//!
//! The table `sqlx_migrations_lock` holds at most one row (`Id = 1`): the owner (a random
//! id per `lock` call) and the time its lease expires, compared with Spanner's clock
//! (`CURRENT_TIMESTAMP()`), never the client's. `lock` takes the row in a read-write
//! transaction when it is absent, expired or already ours; otherwise it waits, reading the
//! row with lock-free single-use reads, until the owner releases it or its lease expires.
//! While held, a background task renews the lease; `unlock` (or returning the connection
//! to the pool, or closing it) stops the renewal and deletes the row. A migrator that dies
//! leaves a lease that expires after [`LEASE`].

use std::time::Duration;

use sqlx_core::error::Error;
use sqlx_core::query::query;
use sqlx_core::query_as::query_as;
use sqlx_core::sql_str::AssertSqlSafe;
use tokio::task::JoinHandle;

use crate::error::SpannerError;
use crate::{SpannerConnectOptions, SpannerConnection};

/// The lock table (Spanner identifiers cannot start with `_`).
pub(crate) const LOCK_TABLE: &str = "sqlx_migrations_lock";
/// How long a lease lasts without renewal.
pub(crate) const LEASE: Duration = Duration::from_secs(60);
/// How often the holder renews its lease.
const RENEW_EVERY: Duration = Duration::from_secs(15);
/// How long `lock` waits for another migrator before giving up.
const WAIT_AT_MOST: Duration = Duration::from_secs(15 * 60);
/// Pause between two looks at a lease held by someone else.
const POLL: Duration = Duration::from_millis(500);
/// Attempts for each read-write transaction on the lock row (aborts are retried).
const ATTEMPTS: u32 = 20;

/// A lease this connection holds; dropping it stops the renewal (the row then expires).
pub(crate) struct MigrationLease {
    owner: String,
    renewal: JoinHandle<()>,
}

impl Drop for MigrationLease {
    fn drop(&mut self) {
        self.renewal.abort();
    }
}

fn new_owner() -> String {
    format!("{}-{:016x}", std::process::id(), rand::random::<u64>())
}

async fn ensure_lock_table(conn: &mut SpannerConnection) -> Result<(), Error> {
    let exists: Option<(String,)> = query_as(
        "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES \
         WHERE TABLE_SCHEMA = '' AND TABLE_NAME = @p1",
    )
    .bind(LOCK_TABLE)
    .fetch_optional(&mut *conn)
    .await?;
    if exists.is_some() {
        return Ok(());
    }
    let ddl = format!(
        "CREATE TABLE IF NOT EXISTS {LOCK_TABLE} (
            Id INT64 NOT NULL,
            Owner STRING(64) NOT NULL,
            ExpiresAt TIMESTAMP NOT NULL,
        ) PRIMARY KEY (Id)"
    );
    // Two migrators may create it at once; a schema change refused because another one
    // is running is retried.
    let mut attempt = 0;
    loop {
        attempt += 1;
        match conn.execute_ddl([ddl.clone()]).await {
            Ok(()) => return Ok(()),
            Err(error) if attempt < 5 => {
                tracing::debug!(%error, "creating the migration lock table failed; retrying");
                crate::abort_backoff(attempt + 3).await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Tries once to take the lease: `Ok(None)` when taken, `Ok(Some(owner))` when someone
/// else holds a live lease.
async fn try_acquire(conn: &mut SpannerConnection, owner: &str) -> Result<Option<String>, Error> {
    // A lock-free look first: waiting migrators must not contend with the holder's
    // transactions (the emulator aborts any second read-write transaction).
    let current: Option<(String, bool)> = query_as(AssertSqlSafe(format!(
        "SELECT Owner, ExpiresAt <= CURRENT_TIMESTAMP() FROM {LOCK_TABLE} WHERE Id = 1"
    )))
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((holder, false)) = &current {
        if holder != owner {
            return Ok(Some(holder.clone()));
        }
    }
    let owner = owner.to_string();
    let lease = i64::try_from(LEASE.as_secs()).unwrap_or(60);
    crate::transaction::retry_on_connection(conn, ATTEMPTS, move |tx| {
        let owner = owner.clone();
        Box::pin(async move {
            let current: Option<(String, bool)> = query_as(AssertSqlSafe(format!(
                "SELECT Owner, ExpiresAt <= CURRENT_TIMESTAMP() FROM {LOCK_TABLE} WHERE Id = 1"
            )))
            .fetch_optional(&mut **tx)
            .await?;
            match current {
                Some((holder, false)) if holder != owner => return Ok(Some(holder)),
                Some(_) => {
                    query(AssertSqlSafe(format!(
                        "UPDATE {LOCK_TABLE} SET Owner = @p1, \
                         ExpiresAt = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL @p2 SECOND) \
                         WHERE Id = 1"
                    )))
                    .bind(&owner)
                    .bind(lease)
                    .execute(&mut **tx)
                    .await?;
                }
                None => {
                    query(AssertSqlSafe(format!(
                        "INSERT INTO {LOCK_TABLE} (Id, Owner, ExpiresAt) VALUES \
                         (1, @p1, TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL @p2 SECOND))"
                    )))
                    .bind(&owner)
                    .bind(lease)
                    .execute(&mut **tx)
                    .await?;
                }
            }
            Ok(None)
        })
    })
    .await
}

/// Extends the lease; `false` when it is no longer ours.
async fn renew(conn: &mut SpannerConnection, owner: &str) -> Result<bool, Error> {
    let lease = i64::try_from(LEASE.as_secs()).unwrap_or(60);
    let owner = owner.to_string();
    let updated = crate::transaction::retry_on_connection(conn, ATTEMPTS, move |tx| {
        let owner = owner.clone();
        Box::pin(async move {
            let result = query(AssertSqlSafe(format!(
                "UPDATE {LOCK_TABLE} \
                 SET ExpiresAt = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL @p1 SECOND) \
                 WHERE Id = 1 AND Owner = @p2"
            )))
            .bind(lease)
            .bind(&owner)
            .execute(&mut **tx)
            .await?;
            Ok(result.rows_affected())
        })
    })
    .await?;
    Ok(updated == 1)
}

fn spawn_renewal(options: SpannerConnectOptions, owner: String) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut conn = match SpannerConnection::establish(&options).await {
            Ok(conn) => conn,
            Err(error) => {
                tracing::warn!(%error, "migration lock: cannot open a connection to renew the lease");
                return;
            }
        };
        loop {
            tokio::time::sleep(RENEW_EVERY).await;
            match renew(&mut conn, &owner).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!("migration lock: the lease was lost (expired and taken)");
                    return;
                }
                Err(error) => tracing::warn!(%error, "migration lock: renewing the lease failed"),
            }
        }
    })
}

impl SpannerConnection {
    /// Takes the migration lease, waiting while another migrator holds it.
    pub(crate) async fn acquire_migration_lock(&mut self) -> Result<(), Error> {
        if self.migration_lease.is_some() {
            return Ok(());
        }
        ensure_lock_table(self).await?;
        let owner = new_owner();
        let started = tokio::time::Instant::now();
        loop {
            match try_acquire(self, &owner).await? {
                None => break,
                Some(holder) if started.elapsed() >= WAIT_AT_MOST => {
                    return Err(SpannerError::MigrationLocked(format!(
                        "migrator {holder} still holds {LOCK_TABLE} after {} s",
                        WAIT_AT_MOST.as_secs()
                    ))
                    .into());
                }
                Some(_) => tokio::time::sleep(POLL).await,
            }
        }
        let renewal = spawn_renewal(self.options.clone(), owner.clone());
        self.migration_lease = Some(MigrationLease { owner, renewal });
        Ok(())
    }

    /// Releases the migration lease this connection holds, if any.
    pub(crate) async fn release_migration_lock(&mut self) -> Result<(), Error> {
        let Some(lease) = self.migration_lease.take() else {
            return Ok(());
        };
        lease.renewal.abort();
        let owner = lease.owner.clone();
        crate::transaction::retry_on_connection(self, ATTEMPTS, move |tx| {
            let owner = owner.clone();
            Box::pin(async move {
                query(AssertSqlSafe(format!(
                    "DELETE FROM {LOCK_TABLE} WHERE Id = 1 AND Owner = @p1"
                )))
                .bind(&owner)
                .execute(&mut **tx)
                .await?;
                Ok(())
            })
        })
        .await
    }
}
