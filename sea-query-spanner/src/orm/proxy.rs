//! [`SpannerDatabase::to_database_connection`]: a real [`sea_orm::DatabaseConnection`] over
//! the same pool, through SeaORM's `proxy` driver.
//!
//! # What a transaction opened on it guarantees
//!
//! SeaORM's proxy driver has no transaction identity: `begin`, `commit` and `rollback` reach
//! the driver as calls that return `()` and carry nothing that ties them to the statements
//! in between (statements of a transaction and statements of other tasks arrive through
//! the same object). An honest Spanner read-write transaction cannot be built on that: its
//! commit can fail (`ABORTED`, constraint checks), and the proxy's `commit` could only
//! swallow the failure. So a transaction opened on this connection is **not a Spanner
//! transaction**:
//!
//! * every statement runs on its own, like autocommit: a write is committed by Spanner
//!   before its call returns `Ok`, and a failed write (a constraint violation, an abort that
//!   outlived the driver's autocommit retries, ...) is an `Err` from that call;
//! * `commit()` has nothing left to commit and returns `Ok(())`; it never hides a failure,
//!   because no write is pending when it runs;
//! * `rollback()` (and dropping the transaction, and `transaction(..)` with a callback
//!   that fails) **undoes nothing**: the statements that returned `Ok` stay written. A
//!   warning is logged.
//! * reads see the latest committed data (strong single-use reads), not a snapshot.
//!
//! For atomic multi-statement work use [`SpannerDatabase`] itself (`db.begin()`,
//! `db.transaction(..)`, [`SpannerDatabase::transaction_with_retry`]): it runs a Spanner
//! read-write transaction whose commit error is returned.

use std::sync::Arc;

use sea_orm::{
    from_query_result_to_proxy_row, ConnectionTrait, DatabaseConnection, DatabaseConnectionType,
    DbBackend, DbErr, ProxyDatabaseConnection, ProxyDatabaseTrait, ProxyExecResult, ProxyRow,
    Statement,
};

use super::connection::SpannerDatabase;

/// The proxy SeaORM's `DatabaseConnection` calls: every statement goes to the
/// [`SpannerDatabase`] it wraps, outside any transaction.
#[derive(Debug)]
struct SpannerProxy {
    db: SpannerDatabase,
}

#[async_trait::async_trait]
impl ProxyDatabaseTrait for SpannerProxy {
    async fn query(&self, statement: Statement) -> Result<Vec<ProxyRow>, DbErr> {
        let rows = self.db.query_all_raw(statement).await?;
        Ok(rows.iter().map(from_query_result_to_proxy_row).collect())
    }

    async fn execute(&self, statement: Statement) -> Result<ProxyExecResult, DbErr> {
        Ok(self.db.execute_raw(statement).await?.into())
    }

    async fn begin(&self) {
        tracing::debug!(
            "sea-query-spanner: transaction begun on a proxy DatabaseConnection: its \
             statements commit one by one (see SpannerDatabase::to_database_connection)"
        );
    }

    async fn commit(&self) {}

    async fn rollback(&self) {
        tracing::warn!(
            "sea-query-spanner: rollback on a proxy DatabaseConnection undoes nothing: its \
             statements were committed one by one; use SpannerDatabase for atomic transactions"
        );
    }

    fn start_rollback(&self) {
        tracing::warn!(
            "sea-query-spanner: a transaction of a proxy DatabaseConnection was dropped; its \
             statements were committed one by one and stay written"
        );
    }

    async fn ping(&self) -> Result<(), DbErr> {
        self.db
            .query_one_raw(Statement::from_string(DbBackend::Postgres, "SELECT 1"))
            .await
            .map(|_| ())
    }
}

impl SpannerDatabase {
    /// A real [`sea_orm::DatabaseConnection`] over the same pool (and the same registered
    /// entities), for APIs that demand SeaORM's concrete type: functions typed
    /// `&DatabaseConnection`, sea-orm-migration's `MigratorTrait`, ...
    ///
    /// Statements run exactly as on `self` (PostgreSQL rendered by SeaORM, translated to
    /// GoogleSQL; DDL goes to Spanner's admin API). It is built on SeaORM's `proxy` driver,
    /// whose `begin`/`commit`/`rollback` cannot report errors, so **a transaction opened on
    /// it is not atomic**: each statement commits on its own and returns its own error,
    /// `commit()` commits nothing further (it never reports a failed write as success,
    /// since the failure was already returned by the statement), and `rollback()` undoes
    /// nothing. Use `self` (`begin`, `transaction`, [`transaction_with_retry`](Self::transaction_with_retry))
    /// for atomic work.
    ///
    /// In detail, on a transaction of this connection: a write is committed by Spanner
    /// before its call returns `Ok`, and a failed write (a constraint violation, an abort
    /// that outlived the driver's autocommit retries) is an `Err` from that call; reads see
    /// the latest committed data, not a snapshot; `rollback()`, dropping the transaction
    /// and a failing `transaction(..)` callback leave the successful statements written
    /// (a warning is logged).
    ///
    /// The connection reports [`DbBackend::Postgres`].
    pub fn to_database_connection(&self) -> DatabaseConnection {
        let proxy: Arc<Box<dyn ProxyDatabaseTrait>> =
            Arc::new(Box::new(SpannerProxy { db: self.clone() }));
        DatabaseConnectionType::ProxyDatabaseConnection(Arc::new(ProxyDatabaseConnection::new(
            DbBackend::Postgres,
            proxy,
        )))
        .into()
    }
}
