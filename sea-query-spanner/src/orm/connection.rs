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
use sqlx_spanner::{
    Spanner, SpannerArguments, SpannerConnectOptions, SpannerConnection, SpannerPool,
    TimestampBound,
};

use super::error::{from_sqlx, from_translate, Stage};
use super::row::{to_query_result, value_templates, ColumnHints, SharedRegistry, TypeRegistry};
use super::transaction::SpannerDatabaseTransaction;
use super::translate::{translate_postgres, translate_postgres_split};
use crate::binder::bind_values;
use crate::googlesql::MAX_STATEMENT_PARAMS;

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
/// `i64`, `TIMESTAMP` as `DateTime<Utc>`, and so on, except in the `RETURNING` rows of an
/// INSERT/UPDATE, whose bound values tell the field types of the columns they write.
///
/// Large `insert_many` statements are split under Spanner's 950-parameter limit and run
/// atomically; `AccessMode::ReadOnly` transactions are Spanner read-only transactions; see
/// [`with_read_staleness`](Self::with_read_staleness) for stale reads.
///
/// Cloning is cheap: clones share the pool and the registered entities.
#[derive(Clone)]
pub struct SpannerDatabase {
    pool: SpannerPool,
    registry: SharedRegistry,
    /// Staleness of queries outside transactions (`None`: strong reads).
    read_bound: Option<TimestampBound>,
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
            read_bound: None,
        }
    }

    /// A handle on the same pool whose queries (and streams) outside transactions read at `bound`
    /// (e.g. `TimestampBound::ExactStaleness(Duration::from_secs(10))`): stale reads, served
    /// without locks. Writes are unaffected, and so are transactions, except read-only
    /// transactions begun through SeaORM (`AccessMode::ReadOnly`), which read at `bound` too
    /// (bounds valid for single reads only, `MaxStaleness` / `MinReadTimestamp`, are then
    /// refused by Spanner).
    pub fn with_read_staleness(&self, bound: TimestampBound) -> SpannerDatabase {
        SpannerDatabase {
            read_bound: Some(bound),
            ..self.clone()
        }
    }

    /// Begins a Spanner read-only transaction at `bound`: every query in it reads one
    /// consistent snapshot, takes no locks and is never aborted; writing in it is an error.
    /// SeaORM's `begin_with_config(None, Some(AccessMode::ReadOnly))` and
    /// `transaction_with_config(.., Some(AccessMode::ReadOnly))` begin one too (strong, or at
    /// the bound of [`with_read_staleness`](Self::with_read_staleness)).
    ///
    /// # Errors
    ///
    /// A failure to acquire a connection or to begin (e.g. a bound Spanner refuses for
    /// transactions).
    pub async fn begin_read_only(
        &self,
        bound: TimestampBound,
    ) -> Result<SpannerDatabaseTransaction, DbErr> {
        let conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| from_sqlx(e, Stage::Conn))?;
        let tx = SpannerConnection::begin_read_only_pooled(conn, bound)
            .await
            .map_err(|e| from_sqlx(e, Stage::Conn))?;
        Ok(SpannerDatabaseTransaction::new(tx, self.registry.clone()))
    }

    /// Begins the transaction SeaORM asked for: read-only for `AccessMode::ReadOnly`,
    /// read-write otherwise (Spanner read-write transactions are serializable, which
    /// satisfies every isolation level).
    async fn begin_with_access(
        &self,
        access_mode: Option<AccessMode>,
    ) -> Result<SpannerDatabaseTransaction, DbErr> {
        match access_mode {
            Some(AccessMode::ReadOnly) => {
                self.begin_read_only(self.read_bound.unwrap_or_default())
                    .await
            }
            Some(AccessMode::ReadWrite) | None => SpannerDatabase::begin(self).await,
        }
    }

    /// Runs a query outside a transaction, at the configured staleness if any.
    async fn query_outside(&self, prepared: Prepared) -> Result<Vec<QueryResult>, DbErr> {
        let Some(bound) = self.read_bound else {
            return query_on(&self.pool, prepared, &self.registry).await;
        };
        let conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| from_sqlx(e, Stage::Conn))?;
        let mut stale = StaleConnection::new(conn, bound);
        query_on(&mut **stale.conn(), prepared, &self.registry).await
    }

    pub(crate) fn registry(&self) -> &SharedRegistry {
        &self.registry
    }

    /// The staleness of reads outside transactions (`None`: strong).
    pub(crate) fn read_bound(&self) -> Option<TimestampBound> {
        self.read_bound
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
                    // The callback's error is what the caller needs: a failed rollback is
                    // only logged (Spanner ends the transaction by itself).
                    if let Err(rollback_error) = txn.rollback().await {
                        tracing::debug!(%rollback_error, "rollback after a failed callback");
                    }
                    if !(aborted_inside && attempt < max_attempts) {
                        return Err(TransactionError::Transaction(error));
                    }
                }
            }
            sqlx_spanner::abort_backoff(attempt).await;
        }
    }
}

/// A pooled connection reading at a staleness bound; back to strong reads when dropped
/// (also when the query future is cancelled), before the pool hands it out again.
pub(crate) struct StaleConnection(sqlx_core::pool::PoolConnection<Spanner>);

impl StaleConnection {
    /// `conn`, reading at `bound` (strong when `None`) until dropped.
    pub(crate) fn new(
        mut conn: sqlx_core::pool::PoolConnection<Spanner>,
        bound: TimestampBound,
    ) -> Self {
        conn.set_read_staleness(bound);
        StaleConnection(conn)
    }

    pub(crate) fn conn(&mut self) -> &mut sqlx_core::pool::PoolConnection<Spanner> {
        &mut self.0
    }
}

impl Drop for StaleConnection {
    fn drop(&mut self) {
        self.0.set_read_staleness(TimestampBound::Strong);
    }
}

/// A statement ready for sqlx-spanner.
pub(crate) struct Prepared {
    pub(crate) sql: String,
    pub(crate) arguments: SpannerArguments,
    /// The SQL as SeaORM rendered it (used to trace result columns to entity fields).
    pub(crate) original: String,
    /// Field types told by the values of an INSERT/UPDATE .. RETURNING (see
    /// [`value_templates`]).
    pub(crate) value_templates: Option<Arc<HashMap<String, sea_query::Value>>>,
}

/// The field types an `INSERT`/`UPDATE .. RETURNING` tells through its values.
fn returning_templates(stmt: &Statement) -> Option<Arc<HashMap<String, sea_query::Value>>> {
    let values = stmt.values.as_ref()?;
    stmt.sql
        .contains("RETURNING")
        .then(|| Arc::new(value_templates(&stmt.sql, values)))
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
    let value_templates = returning_templates(&stmt);
    let arguments = match &stmt.values {
        Some(values) => bind_values(values).map_err(|e| DbErr::Type(e.to_string()))?,
        None => SpannerArguments::default(),
    };
    Ok(Prepared {
        sql,
        arguments,
        original: stmt.sql,
        value_templates,
    })
}

/// Translates and binds a statement SeaORM built for `DbBackend::Postgres`, splitting a
/// multi-row INSERT with more parameters than one Spanner statement may have (950) into
/// several INSERTs of whole rows. The caller runs them atomically (in one transaction).
pub(crate) fn prepare_split(stmt: Statement) -> Result<Vec<Prepared>, DbErr> {
    let Some(values) = stmt.values.as_ref() else {
        return Ok(vec![prepare(stmt)?]);
    };
    if values.0.len() <= MAX_STATEMENT_PARAMS {
        return Ok(vec![prepare(stmt)?]);
    }
    if stmt.db_backend != DbBackend::Postgres {
        return prepare(stmt).map(|prepared| vec![prepared]);
    }
    let parts = translate_postgres_split(&stmt.sql, values, MAX_STATEMENT_PARAMS)
        .map_err(|e| from_translate(&e, &stmt.sql))?;
    let value_templates = returning_templates(&stmt);
    parts
        .into_iter()
        .map(|(sql, values)| {
            Ok(Prepared {
                sql,
                arguments: bind_values(&values).map_err(|e| DbErr::Type(e.to_string()))?,
                original: stmt.sql.clone(),
                value_templates: value_templates.clone(),
            })
        })
        .collect()
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
    let hints = ColumnHints::new(
        registry,
        &prepared.original,
        prepared.value_templates.as_deref(),
    );
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
        let mut parts = prepare_split(stmt)?;
        if parts.len() == 1 {
            if let Some(prepared) = parts.pop() {
                return execute_on(&self.pool, prepared).await;
            }
        }
        // A split INSERT: all parts or none.
        let txn = self.begin().await?;
        let outcome = txn.execute_parts(parts).await;
        finish_split(txn, outcome).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        if super::ddl::is_schema_statement(sql) {
            return super::ddl::run(self, sql).await;
        }
        execute_on(&self.pool, prepare(unprepared(sql))?).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        Ok(self.query_all_raw(stmt).await?.into_iter().next())
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        if let Some(query) = super::catalog::recognise(&stmt) {
            return super::catalog::answer(&self.pool, &query).await;
        }
        let mut parts = prepare_split(stmt)?;
        if parts.len() == 1 {
            if let Some(prepared) = parts.pop() {
                return self.query_outside(prepared).await;
            }
        }
        // A split INSERT .. RETURNING: all parts or none.
        let txn = self.begin().await?;
        let outcome = txn.query_parts(parts).await;
        finish_split(txn, outcome).await
    }

    fn support_returning(&self) -> bool {
        true
    }
}

/// Commits the transaction that ran the parts of a split statement, or rolls it back.
async fn finish_split<T>(
    txn: SpannerDatabaseTransaction,
    outcome: Result<T, DbErr>,
) -> Result<T, DbErr> {
    match outcome {
        Ok(value) => {
            txn.commit().await?;
            Ok(value)
        }
        Err(error) => {
            // The statement's error is what matters; a failed rollback leaves nothing behind.
            let _ = txn.rollback().await;
            Err(error)
        }
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
        self.begin_with_access(access_mode).await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<SpannerDatabaseTransaction, DbErr> {
        self.begin_with_access(options.access_mode).await
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
        let txn = self
            .begin_with_access(access_mode)
            .await
            .map_err(TransactionError::Connection)?;
        run_in(txn, callback).await
    }
}
