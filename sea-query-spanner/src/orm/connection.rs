//! [`SpannerDatabase`]: a SeaORM connection running on an sqlx-spanner pool.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use sea_orm::{
    AccessMode, ActiveModelTrait, ActiveValue, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    ExecResult, IdenStatic, IsolationLevel, Iterable, ProxyExecResult, QueryResult, Statement,
    TransactionError, TransactionOptions, TransactionTrait,
};
use sqlx_core::executor::Executor;
use sqlx_core::sql_str::AssertSqlSafe;
use sqlx_spanner::{Spanner, SpannerArguments, SpannerConnectOptions, SpannerPool};

use super::error::{from_sqlx, from_translate, Stage};
use super::row::{to_query_result, ColumnHints, SharedRegistry, TypeRegistry};
use super::transaction::SpannerDatabaseTransaction;
use super::translate::translate_postgres;
use crate::binder::bind_values;

/// A SeaORM database connection to Cloud Spanner, backed by an sqlx-spanner pool.
///
/// It implements SeaORM's [`ConnectionTrait`] and [`TransactionTrait`], so entities,
/// selects, inserts, loaders, pagination and `db.transaction(..)` work as with SeaORM's own
/// connections. SeaORM's backend enum is closed, so this connection reports
/// [`DbBackend::Postgres`]: SeaORM renders PostgreSQL, and every statement is translated to
/// GoogleSQL by [`translate_postgres`](super::translate::translate_postgres) before it runs
/// (statements that cannot be translated faithfully fail with a [`DbErr::Custom`] naming the
/// construct).
///
/// Rows are handed to SeaORM as proxy rows (see [`row`](super::row)): register the entities you read with
/// [`register_entity`](Self::register_entity) (the [schema helper](super::schema) does it
/// for the tables it creates) so that fields narrower than Spanner's types (`i32`,
/// `NaiveDateTime`, `f32`, ...) are read correctly; without registration `INT64` reads as
/// `i64`, `TIMESTAMP` as `DateTime<Utc>`, and so on.
///
/// Cloning is cheap: clones share the pool and the registered entities.
#[derive(Clone)]
pub struct SpannerDatabase {
    pool: SpannerPool,
    registry: SharedRegistry,
}

impl std::fmt::Debug for SpannerDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpannerDatabase")
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

/// The `Value` variant of each column of `E`, taken from `ActiveModel::default_values()`
/// (`Set(dummy)` for plain fields, `Set(None-of-the-right-variant)` for `Option` fields).
pub(crate) fn entity_templates<E: EntityTrait>() -> (String, HashMap<String, sea_query::Value>) {
    let defaults = <E::ActiveModel as ActiveModelTrait>::default_values();
    let mut columns = HashMap::new();
    for column in E::Column::iter() {
        if let ActiveValue::Set(value) | ActiveValue::Unchanged(value) = defaults.get(column) {
            columns.insert(column.as_str().to_string(), value.as_null());
        }
    }
    (E::default().table_name().to_string(), columns)
}

impl SpannerDatabase {
    /// Connects to the database named by a `spanner://projects/P/instances/I/databases/D?..`
    /// URL (see [`SpannerConnectOptions`] for the query parameters).
    ///
    /// # Errors
    ///
    /// A bad URL ([`DbErr::Conn`]) or a failure to reach Spanner.
    pub async fn connect(url: &str) -> Result<Self, DbErr> {
        let options: SpannerConnectOptions = url.parse().map_err(|e| from_sqlx(e, Stage::Conn))?;
        Self::connect_with(options).await
    }

    /// Connects with explicit options.
    ///
    /// # Errors
    ///
    /// A failure to reach Spanner or to create the session pool.
    pub async fn connect_with(options: SpannerConnectOptions) -> Result<Self, DbErr> {
        let pool = SpannerPool::connect_with(options)
            .await
            .map_err(|e| from_sqlx(e, Stage::Conn))?;
        Ok(Self::from_pool(pool))
    }

    /// Wraps an existing pool.
    pub fn from_pool(pool: SpannerPool) -> Self {
        SpannerDatabase {
            pool,
            registry: Arc::new(RwLock::new(TypeRegistry::default())),
        }
    }

    pub(crate) fn registry(&self) -> &SharedRegistry {
        &self.registry
    }

    /// The underlying sqlx pool (for mutations, DDL, batch DML, read-only transactions...).
    pub fn pool(&self) -> &SpannerPool {
        &self.pool
    }

    /// Registers the field types of entity `E` so that its rows are read with the exact
    /// SeaORM value types (e.g. `i32` fields from `INT64` columns). Idempotent.
    pub fn register_entity<E: EntityTrait>(&self) -> &Self {
        let (table, columns) = entity_templates::<E>();
        if let Ok(mut registry) = self.registry.write() {
            registry.insert_table(table, columns);
        }
        self
    }

    /// Begins a read-write transaction.
    ///
    /// # Errors
    ///
    /// A failure to acquire a connection or to begin.
    pub async fn begin(&self) -> Result<SpannerDatabaseTransaction, DbErr> {
        let tx = self
            .pool
            .begin()
            .await
            .map_err(|e| from_sqlx(e, Stage::Conn))?;
        Ok(SpannerDatabaseTransaction::new(tx, self.registry.clone()))
    }

    /// Runs `callback` in a read-write transaction and commits it; when Spanner aborts the
    /// transaction (a statement or the commit fails with `ABORTED`) the whole callback is
    /// run again in a new transaction, up to `max_attempts` times, with a short backoff.
    ///
    /// `callback` may therefore run several times: it must not have side effects outside
    /// the transaction. Any other error rolls back and is returned.
    ///
    /// # Errors
    ///
    /// [`TransactionError::Transaction`] with the callback's error, or
    /// [`TransactionError::Connection`] when begin/commit fail (including the last
    /// `ABORTED` once the attempts are exhausted).
    pub async fn transaction_with_retry<F, T, E>(
        &self,
        max_attempts: u32,
        mut callback: F,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnMut(
                &'c SpannerDatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        let max_attempts = max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let txn = self.begin().await.map_err(TransactionError::Connection)?;
            let outcome = callback(&txn).await;
            let aborted_inside = txn.was_aborted();
            match outcome {
                Ok(value) => match txn.commit().await {
                    Ok(()) => return Ok(value),
                    Err(error) if super::error::is_aborted(&error) && attempt < max_attempts => {}
                    Err(error) => return Err(TransactionError::Connection(error)),
                },
                Err(error) => {
                    // Rolling back an aborted transaction may fail; it is gone either way.
                    let rollback = txn.rollback().await;
                    if !(aborted_inside && attempt < max_attempts) {
                        return match rollback {
                            Err(rollback_error) if !aborted_inside => {
                                Err(TransactionError::Connection(rollback_error))
                            }
                            _ => Err(TransactionError::Transaction(error)),
                        };
                    }
                }
            }
            sqlx_spanner::abort_backoff(attempt).await;
        }
    }
}

/// A statement ready for sqlx-spanner.
pub(crate) struct Prepared {
    pub(crate) sql: String,
    pub(crate) arguments: SpannerArguments,
    /// The SQL as SeaORM rendered it (used to trace result columns to entity fields).
    pub(crate) original: String,
}

/// Translates and binds a statement SeaORM built for `DbBackend::Postgres`.
pub(crate) fn prepare(stmt: Statement) -> Result<Prepared, DbErr> {
    if stmt.db_backend != DbBackend::Postgres {
        return Err(DbErr::Custom(format!(
            "sea-query-spanner: statements must be built for DbBackend::Postgres (the adapter \
             translates PostgreSQL to GoogleSQL), got {:?}",
            stmt.db_backend
        )));
    }
    let sql = translate_postgres(&stmt.sql).map_err(|e| from_translate(&e, &stmt.sql))?;
    let arguments = match &stmt.values {
        Some(values) => bind_values(values).map_err(|e| DbErr::Type(e.to_string()))?,
        None => SpannerArguments::default(),
    };
    Ok(Prepared {
        sql,
        arguments,
        original: stmt.sql,
    })
}

pub(crate) async fn execute_on<'e, X>(executor: X, prepared: Prepared) -> Result<ExecResult, DbErr>
where
    X: Executor<'e, Database = Spanner>,
{
    tracing::debug!(sql = %prepared.sql, "sea-orm execute on Spanner");
    let result = sqlx_core::query::query_with(AssertSqlSafe(prepared.sql), prepared.arguments)
        .execute(executor)
        .await
        .map_err(|e| from_sqlx(e, Stage::Exec))?;
    Ok(ProxyExecResult::new(0, result.rows_affected()).into())
}

pub(crate) async fn query_on<'e, X>(
    executor: X,
    prepared: Prepared,
    registry: &SharedRegistry,
) -> Result<Vec<QueryResult>, DbErr>
where
    X: Executor<'e, Database = Spanner>,
{
    tracing::debug!(sql = %prepared.sql, "sea-orm query on Spanner");
    let hints = ColumnHints::new(registry, &prepared.original);
    let rows = sqlx_core::query::query_with(AssertSqlSafe(prepared.sql), prepared.arguments)
        .fetch_all(executor)
        .await
        .map_err(|e| from_sqlx(e, Stage::Query))?;
    rows.iter()
        .map(|row| to_query_result(row, &hints).map_err(DbErr::Type))
        .collect()
}

/// `execute_unprepared`: the SQL may hold several `;`-separated statements only if it is
/// one statement; DDL runs through Spanner's admin API (outside transactions).
pub(crate) fn unprepared(sql: &str) -> Statement {
    Statement::from_string(DbBackend::Postgres, sql.to_string())
}

#[async_trait::async_trait]
impl ConnectionTrait for SpannerDatabase {
    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Postgres
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        if super::ddl::is_schema_statement(&stmt.sql) {
            return super::ddl::run(self, &stmt.sql).await;
        }
        execute_on(&self.pool, prepare(stmt)?).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        if super::ddl::is_schema_statement(sql) {
            return super::ddl::run(self, sql).await;
        }
        execute_on(&self.pool, prepare(unprepared(sql))?).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        if let Some(query) = super::catalog::recognise(&stmt) {
            return Ok(super::catalog::answer(&self.pool, &query)
                .await?
                .into_iter()
                .next());
        }
        Ok(query_on(&self.pool, prepare(stmt)?, &self.registry)
            .await?
            .into_iter()
            .next())
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        if let Some(query) = super::catalog::recognise(&stmt) {
            return super::catalog::answer(&self.pool, &query).await;
        }
        query_on(&self.pool, prepare(stmt)?, &self.registry).await
    }

    fn support_returning(&self) -> bool {
        true
    }
}

/// Spanner read-write transactions are always serializable, which satisfies every
/// requested isolation level; read-only access is not offered here (use
/// `SpannerConnection::begin_read_only` of sqlx-spanner on [`SpannerDatabase::pool`]).
fn check_options(access_mode: Option<AccessMode>) -> Result<(), DbErr> {
    match access_mode {
        Some(AccessMode::ReadOnly) => Err(DbErr::Custom(
            "sea-query-spanner: read-only SeaORM transactions are not supported; use \
             sqlx_spanner's SpannerConnection::begin_read_only on SpannerDatabase::pool()"
                .into(),
        )),
        Some(AccessMode::ReadWrite) | None => Ok(()),
    }
}

/// Runs `callback` in `txn`, committing on `Ok` and rolling back on `Err`.
pub(crate) async fn run_in<F, T, E>(
    txn: SpannerDatabaseTransaction,
    callback: F,
) -> Result<T, TransactionError<E>>
where
    F: for<'c> FnOnce(
            &'c SpannerDatabaseTransaction,
        ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
        + Send,
    T: Send,
    E: std::fmt::Display + std::fmt::Debug + Send,
{
    match callback(&txn).await {
        Ok(value) => {
            txn.commit().await.map_err(TransactionError::Connection)?;
            Ok(value)
        }
        Err(error) => {
            let aborted = txn.was_aborted();
            match txn.rollback().await {
                // After an abort, Spanner has already discarded the transaction.
                Err(rollback_error) if !aborted => {
                    Err(TransactionError::Connection(rollback_error))
                }
                _ => Err(TransactionError::Transaction(error)),
            }
        }
    }
}

#[async_trait::async_trait]
impl TransactionTrait for SpannerDatabase {
    type Transaction = SpannerDatabaseTransaction;

    async fn begin(&self) -> Result<SpannerDatabaseTransaction, DbErr> {
        SpannerDatabase::begin(self).await
    }

    async fn begin_with_config(
        &self,
        _isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<SpannerDatabaseTransaction, DbErr> {
        check_options(access_mode)?;
        SpannerDatabase::begin(self).await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<SpannerDatabaseTransaction, DbErr> {
        check_options(options.access_mode)?;
        SpannerDatabase::begin(self).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c SpannerDatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        let txn = SpannerDatabase::begin(self)
            .await
            .map_err(TransactionError::Connection)?;
        run_in(txn, callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        _isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c SpannerDatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        check_options(access_mode).map_err(TransactionError::Connection)?;
        let txn = SpannerDatabase::begin(self)
            .await
            .map_err(TransactionError::Connection)?;
        run_in(txn, callback).await
    }
}
