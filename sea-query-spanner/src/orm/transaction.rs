//! [`SpannerDatabaseTransaction`]: an open Spanner read-write transaction for SeaORM.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures_util::lock::Mutex;
use sea_orm::{
    AccessMode, ConnectionTrait, DbBackend, DbErr, ExecResult, IsolationLevel, ProxyExecResult,
    QueryResult, Statement, TransactionError, TransactionOptions, TransactionSession,
    TransactionTrait,
};
use sqlx_spanner::SpannerTransaction;

use super::connection::{execute_on, prepare_split, query_on, unprepared, Prepared};
use super::error::{from_sqlx, is_aborted, Stage};
use super::row::SharedRegistry;

/// An open read-write transaction, from [`SpannerDatabase::begin`](super::SpannerDatabase::begin)
/// or `db.transaction(..)`. Implements SeaORM's [`ConnectionTrait`], so every SeaORM
/// operation can run in it.
///
/// [`commit`](TransactionSession::commit) returns Spanner's error when the commit fails;
/// in particular an aborted commit (`ABORTED`, see [`is_aborted`](super::is_aborted)) is
/// an error, never a success: nothing was written. Dropping the transaction without commit
/// rolls it back. Spanner has no savepoints, so nested transactions are an error.
pub struct SpannerDatabaseTransaction {
    inner: Mutex<Option<SpannerTransaction<'static>>>,
    registry: SharedRegistry,
    aborted: AtomicBool,
    /// Mutations buffered through `orm::mutations`, as counted against the commit limit.
    buffered_mutations: AtomicUsize,
}

impl std::fmt::Debug for SpannerDatabaseTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpannerDatabaseTransaction")
            .field("aborted", &self.aborted.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

fn finished() -> DbErr {
    DbErr::Custom("sea-query-spanner: the transaction is already committed or rolled back".into())
}

fn nested() -> DbErr {
    DbErr::Custom(
        "sea-query-spanner: nested transactions are not supported (Spanner has no savepoints)"
            .into(),
    )
}

impl SpannerDatabaseTransaction {
    pub(crate) fn new(tx: SpannerTransaction<'static>, registry: SharedRegistry) -> Self {
        SpannerDatabaseTransaction {
            inner: Mutex::new(Some(tx)),
            registry,
            aborted: AtomicBool::new(false),
            buffered_mutations: AtomicUsize::new(0),
        }
    }

    /// `true` once a statement of this transaction failed because Spanner aborted the
    /// transaction: it cannot commit and should be re-run from the beginning.
    pub fn was_aborted(&self) -> bool {
        self.aborted.load(Ordering::SeqCst)
    }

    fn note(&self, error: DbErr) -> DbErr {
        if is_aborted(&error) {
            self.aborted.store(true, Ordering::SeqCst);
        }
        error
    }

    async fn exec(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.execute_parts(prepare_split(stmt)?).await
    }

    async fn query(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.query_parts(prepare_split(stmt)?).await
    }

    /// Runs the parts of one (possibly split) statement in this transaction.
    pub(crate) async fn execute_parts(&self, parts: Vec<Prepared>) -> Result<ExecResult, DbErr> {
        let mut guard = self.inner.lock().await;
        let tx = guard.as_mut().ok_or_else(finished)?;
        let mut affected = 0;
        let mut last = None;
        for prepared in parts {
            let result = execute_on(&mut **tx, prepared)
                .await
                .map_err(|e| self.note(e))?;
            affected += result.rows_affected();
            last = Some(result);
        }
        match last {
            Some(result) if affected == result.rows_affected() => Ok(result),
            _ => Ok(ProxyExecResult::new(0, affected).into()),
        }
    }

    /// Runs the parts of one (possibly split) query in this transaction; rows in order.
    pub(crate) async fn query_parts(
        &self,
        parts: Vec<Prepared>,
    ) -> Result<Vec<QueryResult>, DbErr> {
        let mut guard = self.inner.lock().await;
        let tx = guard.as_mut().ok_or_else(finished)?;
        let mut rows = Vec::new();
        for prepared in parts {
            rows.extend(
                query_on(&mut **tx, prepared, &self.registry)
                    .await
                    .map_err(|e| self.note(e))?,
            );
        }
        Ok(rows)
    }

    /// Buffers mutations (counting `count` against the commit `limit`) to be applied at
    /// commit; refused, with nothing buffered, when the transaction would exceed the limit.
    pub(crate) async fn buffer_mutations(
        &self,
        mutations: Vec<sqlx_spanner::Mutation>,
        count: usize,
        limit: usize,
    ) -> Result<(), DbErr> {
        let mut guard = self.inner.lock().await;
        let tx = guard.as_mut().ok_or_else(finished)?;
        let before = self.buffered_mutations.load(Ordering::SeqCst);
        if before + count > limit {
            return Err(super::mutations::limit_exceeded(before, count, limit));
        }
        tx.buffer_mutations(mutations)
            .map_err(|e| from_sqlx(e, Stage::Exec))?;
        self.buffered_mutations
            .store(before + count, Ordering::SeqCst);
        Ok(())
    }

    /// Commits. Same as [`TransactionSession::commit`].
    ///
    /// # Errors
    ///
    /// Spanner's error if the commit fails (`ABORTED` included).
    pub async fn commit(self) -> Result<(), DbErr> {
        let tx = self.inner.lock().await.take().ok_or_else(finished)?;
        tx.commit()
            .await
            .map_err(|e| self.note(from_sqlx(e, Stage::Conn)))
    }

    /// Rolls back. Same as [`TransactionSession::rollback`].
    ///
    /// # Errors
    ///
    /// Spanner's error if the rollback request fails.
    pub async fn rollback(self) -> Result<(), DbErr> {
        let tx = self.inner.lock().await.take().ok_or_else(finished)?;
        tx.rollback().await.map_err(|e| from_sqlx(e, Stage::Conn))
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for SpannerDatabaseTransaction {
    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Postgres
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.exec(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.exec(unprepared(sql)).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        Ok(self.query(stmt).await?.into_iter().next())
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.query(stmt).await
    }

    fn support_returning(&self) -> bool {
        true
    }
}

#[async_trait::async_trait]
impl TransactionSession for SpannerDatabaseTransaction {
    async fn commit(self) -> Result<(), DbErr> {
        SpannerDatabaseTransaction::commit(self).await
    }

    async fn rollback(self) -> Result<(), DbErr> {
        SpannerDatabaseTransaction::rollback(self).await
    }
}

/// Nested transactions: always an error (Spanner has no savepoints).
#[async_trait::async_trait]
impl TransactionTrait for SpannerDatabaseTransaction {
    type Transaction = SpannerDatabaseTransaction;

    async fn begin(&self) -> Result<SpannerDatabaseTransaction, DbErr> {
        Err(nested())
    }

    async fn begin_with_config(
        &self,
        _isolation_level: Option<IsolationLevel>,
        _access_mode: Option<AccessMode>,
    ) -> Result<SpannerDatabaseTransaction, DbErr> {
        Err(nested())
    }

    async fn begin_with_options(
        &self,
        _options: TransactionOptions,
    ) -> Result<SpannerDatabaseTransaction, DbErr> {
        Err(nested())
    }

    async fn transaction<F, T, E>(&self, _callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c SpannerDatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        Err(TransactionError::Connection(nested()))
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        _callback: F,
        _isolation_level: Option<IsolationLevel>,
        _access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c SpannerDatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        Err(TransactionError::Connection(nested()))
    }
}
