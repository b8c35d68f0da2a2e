//! [`SpannerConnection`]: an sqlx connection to one Spanner database.
//!
//! A `SpannerConnection` is not a network connection: it borrows sessions from the session
//! pool shared by every connection made from the same options. Outside a transaction each
//! statement checks a session out for its duration; a transaction holds one session from
//! `begin` to commit or rollback.

pub(crate) mod executor;

use std::future::Future;

use sqlx_core::connection::Connection;
use sqlx_core::error::Error;
use sqlx_core::transaction::Transaction;
use time::OffsetDateTime;

use crate::backoff::abort_backoff_after;
use crate::client::mutation::to_proto;
use crate::client::transaction::{
    CommitInfo, ReadOnlyTransaction, ReadWriteTransaction, SqlRequest,
};
use crate::client::SpannerClient;
use crate::error::SpannerError;
use crate::transaction_options::{CommitStats, SpannerTransactionOptions};
use crate::{
    Mutation, RequestOptions, Spanner, SpannerArguments, SpannerConnectOptions, TimestampBound,
};

/// The transaction a connection is in, if any.
pub(crate) enum TransactionState {
    None,
    ReadWrite(ReadWriteTransaction),
    ReadOnly(ReadOnlyTransaction),
}

/// How the next `begin` opens its transaction.
#[derive(Debug, Clone, Default)]
pub(crate) enum BeginMode {
    #[default]
    ReadWrite,
    ReadOnly(TimestampBound),
}

/// A connection to a Spanner database (see the module docs for how it maps to sessions).
pub struct SpannerConnection {
    pub(crate) options: SpannerConnectOptions,
    pub(crate) client: SpannerClient,
    pub(crate) transaction: TransactionState,
    /// A transaction dropped without commit/rollback, rolled back before the next request.
    pub(crate) pending_rollback: Option<ReadWriteTransaction>,
    pub(crate) next_begin: BeginMode,
    pub(crate) next_transaction_tag: Option<String>,
    pub(crate) next_request: RequestOptions,
    pub(crate) read_bound: TimestampBound,
    pub(crate) last_commit_timestamp: Option<OffsetDateTime>,
    pub(crate) last_commit_stats: Option<CommitStats>,
    pub(crate) max_autocommit_attempts: u32,
    /// Options of the next read-write transaction only (else the connect options' defaults).
    pub(crate) next_transaction_options: Option<SpannerTransactionOptions>,
    /// Set when `begin` refused a nested transaction: sqlx drops the half-made nested
    /// `Transaction` right away and its `start_rollback` must not touch the outer one.
    pub(crate) refused_nested_begin: bool,
    /// Retry aborted read-write transactions by replaying them (see `replay.rs`).
    pub(crate) retry_aborts_internally: bool,
    /// The record of the open read-write transaction, when it retries aborts internally.
    pub(crate) replay: Option<crate::replay::ReplayLog>,
    /// Aborted transactions recovered by replay on this connection.
    pub(crate) internal_retries: u64,
    /// The migration lock this connection holds (between `Migrate::lock` and `unlock`).
    #[cfg(feature = "migrate")]
    pub(crate) migration_lease: Option<crate::migration_lock::MigrationLease>,
}

impl std::fmt::Debug for SpannerConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpannerConnection")
            .field("database", &self.client.database_path())
            .field("in_transaction", &self.in_transaction())
            .finish_non_exhaustive()
    }
}

impl SpannerConnection {
    pub(crate) async fn establish(options: &SpannerConnectOptions) -> Result<Self, Error> {
        let client = options.data_client().await?;
        Ok(SpannerConnection {
            options: options.clone(),
            client,
            transaction: TransactionState::None,
            pending_rollback: None,
            next_begin: BeginMode::ReadWrite,
            next_transaction_tag: None,
            next_request: RequestOptions::default(),
            read_bound: TimestampBound::Strong,
            last_commit_timestamp: None,
            last_commit_stats: None,
            max_autocommit_attempts: 10,
            next_transaction_options: None,
            refused_nested_begin: false,
            retry_aborts_internally: options.retry_aborts_internally,
            replay: None,
            internal_retries: 0,
            #[cfg(feature = "migrate")]
            migration_lease: None,
        })
    }

    fn in_transaction(&self) -> bool {
        !matches!(self.transaction, TransactionState::None)
    }

    /// Rolls back a transaction that was dropped without commit or rollback.
    pub(crate) async fn flush_pending_rollback(&mut self) -> Result<(), Error> {
        if let Some(tx) = self.pending_rollback.take() {
            // The transaction is abandoned either way; a failed rollback only means
            // Spanner will time it out.
            if let Err(error) = tx.rollback().await {
                tracing::debug!(%error, "rollback of a dropped Spanner transaction failed");
            }
        }
        Ok(())
    }

    /// Options (request tag, priority) for the next statement only.
    ///
    /// ```no_run
    /// # async fn demo(conn: &mut sqlx_spanner::SpannerConnection) -> sqlx::Result<()> {
    /// use sqlx_spanner::{Priority, RequestOptions};
    /// conn.set_next_request_options(RequestOptions {
    ///     tag: Some("app=billing,action=report".into()),
    ///     priority: Some(Priority::Low),
    ///     ..RequestOptions::default()
    /// });
    /// sqlx::query("SELECT 1").execute(&mut *conn).await?;
    /// # Ok(()) }
    /// ```
    pub fn set_next_request_options(&mut self, options: RequestOptions) {
        self.next_request = options;
    }

    pub(crate) fn take_request_options(&mut self) -> RequestOptions {
        std::mem::take(&mut self.next_request)
    }

    /// The transaction tag given to the next read-write transaction (`begin`, autocommit
    /// DML or mutations).
    pub fn set_next_transaction_tag(&mut self, tag: impl Into<String>) {
        self.next_transaction_tag = Some(tag.into());
    }

    /// Options for the next read-write transaction only (`begin`, or an autocommit DML
    /// statement, batch DML or mutations outside a transaction), replacing the connection's
    /// defaults from [`SpannerConnectOptions`] for that transaction. See
    /// [`SpannerTransactionOptions`].
    pub fn set_next_transaction_options(&mut self, options: SpannerTransactionOptions) {
        self.next_transaction_options = Some(options);
    }

    /// The options the next read-write transaction uses (consumes the one-shot options).
    pub(crate) fn take_transaction_options(&mut self) -> SpannerTransactionOptions {
        self.next_transaction_options
            .take()
            .unwrap_or_else(|| self.options.transaction_options.clone())
    }

    /// Turns internal retry of aborted read-write transactions on or off for transactions
    /// begun from now on (default: the connect option
    /// [`retry_aborts_internally`](SpannerConnectOptions::retry_aborts_internally)).
    pub fn set_retry_aborts_internally(&mut self, on: bool) {
        self.retry_aborts_internally = on;
    }

    /// Test support: rolls the open read-write transaction back on the server, runs
    /// `meanwhile`, and continues in a new server transaction, as if Spanner had lost the
    /// first; then runs `probe` (a statement that takes a lock, e.g. a no-op UPDATE) in it. The emulator never aborts the transaction holding its single transaction
    /// slot; when `meanwhile` makes another transaction active, the emulator aborts the
    /// new one, and every later statement or commit of it fails with a real `ABORTED`.
    /// Returns whether it did (now and then the emulator aborts the other instead).
    #[doc(hidden)]
    pub async fn __restart_transaction_on_server(
        &mut self,
        meanwhile: impl Future<Output = ()>,
        probe: &str,
    ) -> Result<bool, Error> {
        match &mut self.transaction {
            TransactionState::ReadWrite(tx) => {
                Box::pin(tx.restart_on_server(meanwhile, probe)).await
            }
            _ => Err(SpannerError::TransactionNotActive.into()),
        }
    }

    /// How many times this connection recovered an aborted transaction by replaying it
    /// (internal retry; see [`set_retry_aborts_internally`](Self::set_retry_aborts_internally)).
    pub fn internal_retry_count(&self) -> u64 {
        self.internal_retries
    }

    /// Keeps what a successful commit reported.
    pub(crate) fn record_commit(&mut self, info: CommitInfo) {
        self.last_commit_timestamp = info.timestamp;
        self.last_commit_stats = info.stats;
    }

    /// Statistics of the last commit on this connection, when its transaction asked for
    /// them ([`SpannerTransactionOptions::return_commit_stats`]); `None` otherwise.
    pub fn last_commit_stats(&self) -> Option<CommitStats> {
        self.last_commit_stats
    }

    /// Staleness of queries run outside a transaction on this connection (default
    /// [`TimestampBound::Strong`]). Stays in effect until changed.
    pub fn set_read_staleness(&mut self, bound: TimestampBound) {
        self.read_bound = bound;
    }

    /// How often autocommit DML and mutations are attempted when Spanner aborts them
    /// (default 10). Explicit transactions are never retried by the driver: see
    /// [`retry_transaction`](crate::retry_transaction).
    pub fn set_max_autocommit_attempts(&mut self, attempts: u32) {
        self.max_autocommit_attempts = attempts.max(1);
    }

    /// The commit timestamp of the last transaction this connection committed (explicit,
    /// autocommit DML, or mutations).
    pub fn last_commit_timestamp(&self) -> Option<OffsetDateTime> {
        self.last_commit_timestamp
    }

    /// The snapshot timestamp of the open read-only transaction.
    pub fn read_timestamp(&self) -> Option<OffsetDateTime> {
        match &self.transaction {
            TransactionState::ReadOnly(tx) => tx.read_timestamp(),
            _ => None,
        }
    }

    /// Begins a read-only transaction: every query in it reads one consistent snapshot at
    /// `bound`, takes no locks and is never aborted. Writing in it is an error.
    pub async fn begin_read_only(
        &mut self,
        bound: TimestampBound,
    ) -> Result<Transaction<'_, Spanner>, Error> {
        // The mode is set when the future first runs, so a future dropped unpolled
        // leaves the next `begin` read-write.
        self.next_begin = BeginMode::ReadOnly(bound);
        Transaction::begin(self, None).await
    }

    /// Begins a read-only transaction at `bound` on a pooled connection and keeps the
    /// connection in the transaction (like `pool.begin()` does for read-write transactions),
    /// so the transaction is `'static`. See [`begin_read_only`](Self::begin_read_only).
    pub async fn begin_read_only_pooled(
        mut conn: sqlx_core::pool::PoolConnection<Spanner>,
        bound: TimestampBound,
    ) -> Result<Transaction<'static, Spanner>, Error> {
        conn.next_begin = BeginMode::ReadOnly(bound);
        Transaction::begin(conn, None).await
    }

    /// Applies mutations. Inside a read-write transaction they are buffered and applied at
    /// commit; outside one they are committed at once in their own transaction (retried
    /// if Spanner aborts it) and the commit timestamp is returned.
    pub async fn apply_mutations(
        &mut self,
        mutations: Vec<Mutation>,
    ) -> Result<Option<OffsetDateTime>, Error> {
        let proto = to_proto(&mutations)?;
        self.flush_pending_rollback().await?;
        match &mut self.transaction {
            TransactionState::ReadWrite(tx) => {
                if let Some(log) = &mut self.replay {
                    log.buffer(&proto);
                }
                tx.buffer(proto);
                Ok(None)
            }
            TransactionState::ReadOnly(_) => {
                Err(SpannerError::Unsupported("mutations in a read-only transaction".into()).into())
            }
            TransactionState::None => {
                let tag = self.next_transaction_tag.take();
                let tx_options = self.take_transaction_options();
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    let mut tx = self
                        .client
                        .begin_read_write(tag.clone(), &tx_options)
                        .await?;
                    tx.buffer(proto.clone());
                    match tx.commit().await {
                        Ok(info) => {
                            self.record_commit(info);
                            return Ok(info.timestamp);
                        }
                        Err(error)
                            if crate::is_retryable(&error)
                                && attempt < self.max_autocommit_attempts =>
                        {
                            abort_backoff_after(&error, attempt).await;
                        }
                        Err(error) => return Err(error),
                    }
                }
            }
        }
    }

    /// Buffers mutations in the open read-write transaction (applied at commit).
    pub fn buffer_mutations(&mut self, mutations: Vec<Mutation>) -> Result<(), Error> {
        let proto = to_proto(&mutations)?;
        match &mut self.transaction {
            TransactionState::ReadWrite(tx) => {
                if let Some(log) = &mut self.replay {
                    log.buffer(&proto);
                }
                tx.buffer(proto);
                Ok(())
            }
            _ => Err(SpannerError::Unsupported(
                "buffer_mutations needs an open read-write transaction (use apply_mutations outside one)"
                    .into(),
            )
            .into()),
        }
    }

    /// Runs DML statements in one round trip (Spanner's batch DML), in the open
    /// transaction or in an autocommit transaction. Returns rows affected per statement.
    ///
    /// Statements run in order and stop at the first error; outside a transaction nothing
    /// is committed if any statement fails.
    pub async fn execute_batch(
        &mut self,
        statements: Vec<(String, SpannerArguments)>,
    ) -> Result<Vec<u64>, Error> {
        let mut requests = Vec::with_capacity(statements.len());
        for (sql, arguments) in statements {
            let prepared = executor::prepare_request(&sql, Some(arguments))?;
            if prepared.kind != crate::sql::StatementKind::Dml {
                return Err(SpannerError::Unsupported(format!(
                    "batch DML accepts only INSERT/UPDATE/DELETE statements: {sql}"
                ))
                .into());
            }
            requests.push(prepared.request);
        }
        self.flush_pending_rollback().await?;
        let options = self.take_request_options();
        match &mut self.transaction {
            TransactionState::ReadWrite(_) => self.batch_in_transaction(requests, options).await,
            TransactionState::ReadOnly(_) => {
                Err(SpannerError::Unsupported("DML in a read-only transaction".into()).into())
            }
            TransactionState::None => {
                let tag = self.next_transaction_tag.take();
                let tx_options = self.take_transaction_options();
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    let mut tx = self
                        .client
                        .begin_read_write(tag.clone(), &tx_options)
                        .await?;
                    let result = match tx.batch_update(requests.clone(), &options).await {
                        Ok(counts) => tx.commit().await.map(|info| (counts, info)),
                        Err((error, _)) => {
                            let _ = tx.rollback().await;
                            Err(error)
                        }
                    };
                    match result {
                        Ok((counts, info)) => {
                            self.record_commit(info);
                            return Ok(counts);
                        }
                        Err(error)
                            if crate::is_retryable(&error)
                                && attempt < self.max_autocommit_attempts =>
                        {
                            abort_backoff_after(&error, attempt).await;
                        }
                        Err(error) => return Err(error),
                    }
                }
            }
        }
    }

    /// Runs a statement as partitioned DML: Spanner splits it and commits each partition
    /// on its own (not atomic, at-least-once per row). For large UPDATE/DELETE statements
    /// that must be idempotent. Returns a lower bound of rows affected.
    pub async fn execute_partitioned(
        &mut self,
        sql: &str,
        arguments: SpannerArguments,
    ) -> Result<u64, Error> {
        if self.in_transaction() {
            return Err(SpannerError::Unsupported(
                "partitioned DML cannot run inside a transaction".into(),
            )
            .into());
        }
        let prepared = executor::prepare_request(sql, Some(arguments))?;
        if prepared.kind != crate::sql::StatementKind::Dml {
            return Err(SpannerError::Unsupported(format!(
                "partitioned DML accepts only UPDATE/DELETE statements: {sql}"
            ))
            .into());
        }
        self.flush_pending_rollback().await?;
        let options = self.take_request_options();
        self.client
            .partitioned_update(prepared.request, &options)
            .await
    }

    /// Applies DDL statements as one batch through the database admin API and waits for
    /// them to finish. (Plain `execute` of a DDL statement does the same for one statement.)
    pub async fn execute_ddl<I, S>(&mut self, statements: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        if self.in_transaction() {
            return Err(SpannerError::DdlInTransaction("execute_ddl".into()).into());
        }
        let statements = statements
            .into_iter()
            .map(|s| crate::sql::strip_comments(&s.into()))
            .collect::<Result<Vec<String>, _>>()
            .map_err(|e| SpannerError::Sql(e.to_string()))?;
        if statements.is_empty() {
            return Ok(());
        }
        let admin = self.options.admin().await?;
        admin
            .update_ddl(self.client.database_path(), statements)
            .await
    }

    /// Batch DML in the open read-write transaction, recorded and retried internally
    /// when the transaction retries aborts.
    async fn batch_in_transaction(
        &mut self,
        requests: Vec<SqlRequest>,
        options: RequestOptions,
    ) -> Result<Vec<u64>, Error> {
        loop {
            let TransactionState::ReadWrite(tx) = &mut self.transaction else {
                return Err(SpannerError::TransactionNotActive.into());
            };
            let result = tx.batch_update(requests.clone(), &options).await;
            match result {
                Err((error, _)) if self.retries_internally(&error) => {
                    let upto = self.replay.as_ref().map_or(0, |log| log.len());
                    self.recover(error, upto, false).await?;
                }
                result => {
                    if let Some(log) = &mut self.replay {
                        let outcome = match &result {
                            Ok(counts) => Ok(counts.clone()),
                            Err((error, counts)) => {
                                Err((crate::spanner_code(error), counts.clone()))
                            }
                        };
                        log.record_batch(requests, options, outcome);
                    }
                    return result.map_err(|(error, _)| error);
                }
            }
        }
    }

    pub(crate) fn single_request(sql: String, arguments: SpannerArguments) -> SqlRequest {
        SqlRequest {
            sql,
            arguments: arguments.values,
        }
    }
}

impl Connection for SpannerConnection {
    type Database = Spanner;
    type Options = SpannerConnectOptions;

    async fn close(mut self) -> Result<(), Error> {
        self.flush_pending_rollback().await?;
        #[cfg(feature = "migrate")]
        self.release_migration_lock().await?;
        if let TransactionState::ReadWrite(tx) =
            std::mem::replace(&mut self.transaction, TransactionState::None)
        {
            tx.rollback().await?;
        }
        Ok(())
    }

    async fn close_hard(self) -> Result<(), Error> {
        Ok(())
    }

    /// sqlx pings a connection each time it returns to the pool, so this sends nothing to
    /// Spanner: it rolls back a transaction that was dropped without commit and clears the
    /// per-statement options. A lost server shows up as an error on the next statement.
    async fn ping(&mut self) -> Result<(), Error> {
        self.flush_pending_rollback().await?;
        // A migrator that failed returns its connection without `unlock`: release the
        // migration lock rather than keep renewing it from a pooled connection.
        #[cfg(feature = "migrate")]
        if let Err(error) = self.release_migration_lock().await {
            tracing::warn!(%error, "releasing the migration lock failed; it expires by itself");
        }
        self.next_request = RequestOptions::default();
        self.next_transaction_tag = None;
        self.next_transaction_options = None;
        self.next_begin = BeginMode::ReadWrite;
        Ok(())
    }

    fn begin(
        &mut self,
    ) -> impl Future<Output = Result<Transaction<'_, Spanner>, Error>> + Send + '_ {
        Transaction::begin(self, None)
    }

    fn shrink_buffers(&mut self) {}

    async fn flush(&mut self) -> Result<(), Error> {
        self.flush_pending_rollback().await
    }

    fn should_flush(&self) -> bool {
        self.pending_rollback.is_some()
    }
}
