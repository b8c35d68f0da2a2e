//! Batched DML: DML statements buffered on the connection and sent to Spanner as one
//! `ExecuteBatchDml` request, as go-sql-spanner's `auto_batch_dml` and the JDBC driver's
//! `START BATCH DML` / `RUN BATCH` do.
//!
//! Two ways in:
//! - **Explicit**: [`SpannerConnection::start_batch_dml`], then `execute` DML statements
//!   (each returns 0 rows affected: nothing ran yet), then
//!   [`run_batch`](SpannerConnection::run_batch) sends them and returns the rows affected of
//!   each statement, or [`abort_batch`](SpannerConnection::abort_batch) drops them. It works
//!   inside a read-write transaction and outside one (`run_batch` then commits the batch in
//!   its own transaction, all or nothing).
//! - **Automatic** ([`SpannerConnectOptions::auto_batch_dml`], URL `auto_batch_dml=true`,
//!   or [`SpannerConnection::set_auto_batch_dml`]): inside a read-write transaction every
//!   DML statement without `THEN RETURN` is buffered; `execute` returns the *expected* rows
//!   affected ([`auto_batch_dml_update_count`](SpannerConnectOptions::auto_batch_dml_update_count),
//!   default 1). Outside transactions the mode does nothing: autocommit DML runs at once.
//!
//! In both modes the buffer is sent before anything that must see its writes: a query, a
//! DML statement with `THEN RETURN`, [`execute_batch`](SpannerConnection::execute_batch),
//! DDL, and the commit; and when it holds [`MAX_BUFFERED_STATEMENTS`]. Rollback (or a dropped
//! transaction) discards it.
//!
//! **Rows affected.** In automatic mode with verification on (the default;
//! [`auto_batch_dml_update_count_verification`](SpannerConnectOptions::auto_batch_dml_update_count_verification)),
//! each statement's real count is compared with the expected count when the buffer is
//! sent; a difference is a [`SpannerError::BatchUpdateCount`] error naming the statement.
//!
//! **Failures.** Spanner runs a batch in order and stops at the first failing statement:
//! the statements before it are applied in the transaction, the failing one and those after
//! it are not. The error is Spanner's (same [`SpannerCode`] and message)
//! with [`batch_statement_index`](crate::SpannerDatabaseError::batch_statement_index) set to
//! the failing statement's index in the batch when Spanner tells it (the emulator fails the
//! whole request instead, and then fails every later statement of the transaction). Because `execute` already reported success
//! for statements that were never applied, a transaction whose buffered DML failed (or
//! failed verification) can no longer commit: `commit` rolls it back and returns
//! [`SpannerError::BatchDmlFailed`]. An `ABORTED` batch is left to the ordinary abort
//! handling (the commit fails with `ABORTED`, or internal retry replays it: a sent batch is
//! recorded in the replay log like `execute_batch`).

use sqlx_core::error::Error;

use crate::client::transaction::SqlRequest;
use crate::connection::executor::PreparedRequest;
use crate::connection::{SpannerConnection, TransactionState};
use crate::error::{SpannerCode, SpannerDatabaseError, SpannerError};
use crate::{RequestOptions, SpannerConnectOptions, SpannerQueryResult};

/// The most DML statements held in the buffer; the next one sends it first. (Spanner limits
/// a request's size, and a bounded buffer keeps memory flat.)
pub const MAX_BUFFERED_STATEMENTS: usize = 1000;

/// The automatic batching settings of a connection (from its connect options).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AutoBatchDml {
    pub(crate) enabled: bool,
    pub(crate) update_count: u64,
    pub(crate) verify: bool,
}

impl Default for AutoBatchDml {
    fn default() -> Self {
        AutoBatchDml {
            enabled: false,
            update_count: 1,
            verify: true,
        }
    }
}

/// The batching state of one connection.
#[derive(Debug, Default)]
pub(crate) struct BatchDml {
    pub(crate) auto: AutoBatchDml,
    /// An explicit batch is open (`start_batch_dml`).
    explicit: bool,
    buffered: Vec<SqlRequest>,
    /// Request options of the first buffered statement (one batch has one set).
    options: Option<RequestOptions>,
    /// Rows affected of the explicit batch's statements already sent (by a query or the
    /// size limit) before `run_batch`.
    sent_counts: Vec<u64>,
    /// Why the open transaction can no longer commit.
    failure: Option<String>,
    /// `ExecuteBatchDml` requests sent for buffered statements.
    round_trips: u64,
}

impl BatchDml {
    pub(crate) fn new(auto: AutoBatchDml) -> Self {
        BatchDml {
            auto,
            ..BatchDml::default()
        }
    }

    /// Forgets buffered statements and an open explicit batch (the connection went back to
    /// the pool, or its transaction ended).
    pub(crate) fn reset(&mut self) {
        self.explicit = false;
        self.buffered.clear();
        self.options = None;
        self.sent_counts.clear();
        self.failure = None;
    }

    /// Whether a DML statement (without `THEN RETURN`) is buffered in `transaction`.
    fn buffers(&self, transaction: &TransactionState) -> bool {
        match transaction {
            TransactionState::ReadWrite(_) => self.explicit || self.auto.enabled,
            TransactionState::None => self.explicit,
            TransactionState::ReadOnly(_) => false,
        }
    }
}

/// What [`SpannerConnection::intercept_for_batch`] did with a statement.
pub(crate) enum Intercepted {
    /// Buffered: report this result.
    Buffered(SpannerQueryResult),
    /// Run it now (the buffer, if any, was sent first).
    Run(PreparedRequest, RequestOptions),
}

/// The error of a batch of `sent` statements that stopped after `counts.len()` of them: a
/// statement's failure gets its index (Spanner's code and message are kept). Spanner tells
/// the index by the number of results before the failure; a request that failed as a whole
/// (as the emulator does) tells nothing, unless the batch had one statement.
pub(crate) fn batch_failure(error: Error, counts: &[u64], sent: usize) -> Error {
    let index = counts.len();
    if index >= sent || (index == 0 && sent > 1) {
        return error;
    }
    let Some(database) = error
        .as_database_error()
        .and_then(|e| e.try_downcast_ref::<SpannerDatabaseError>())
    else {
        return error;
    };
    Error::Database(Box::new(database.clone().with_batch_statement_index(index)))
}

impl SpannerConnection {
    /// Buffers `prepared` when batching applies to it; otherwise sends the buffer (if any)
    /// and hands the statement back to be run.
    pub(crate) async fn intercept_for_batch(
        &mut self,
        prepared: PreparedRequest,
        options: RequestOptions,
    ) -> Result<Intercepted, Error> {
        let dml = prepared.kind == crate::sql::StatementKind::Dml && !prepared.has_then_return;
        if !(dml && self.batch_dml.buffers(&self.transaction)) {
            self.flush_batch_dml().await?;
            return Ok(Intercepted::Run(prepared, options));
        }
        if self.batch_dml.buffered.len() >= MAX_BUFFERED_STATEMENTS {
            self.flush_batch_dml().await?;
        }
        let batch = &mut self.batch_dml;
        if batch.buffered.is_empty() {
            batch.options = Some(options);
        }
        batch.buffered.push(prepared.request);
        let expected = if batch.explicit {
            0
        } else {
            batch.auto.update_count
        };
        Ok(Intercepted::Buffered(SpannerQueryResult::new(expected)))
    }

    /// Sends the buffered DML statements (if any) as one `ExecuteBatchDml`, in the open
    /// read-write transaction or, for an explicit batch outside a transaction, in an
    /// autocommit transaction. Returns their rows affected.
    pub(crate) async fn flush_batch_dml(&mut self) -> Result<Vec<u64>, Error> {
        if self.batch_dml.buffered.is_empty() {
            return Ok(Vec::new());
        }
        let requests = std::mem::take(&mut self.batch_dml.buffered);
        let options = self.batch_dml.options.take().unwrap_or_default();
        let sent = requests.len();
        self.batch_dml.round_trips += 1;
        let in_transaction = matches!(self.transaction, TransactionState::ReadWrite(_));
        let result = match self.transaction {
            // Boxed: these futures are large and would sit in every statement's future.
            TransactionState::ReadWrite(_) => {
                Box::pin(self.batch_in_transaction(requests, options)).await
            }
            TransactionState::None => Box::pin(self.batch_autocommit(requests, options)).await,
            TransactionState::ReadOnly(_) => Err((
                SpannerError::Unsupported("DML in a read-only transaction".into()).into(),
                Vec::new(),
            )),
        };
        let counts = match result {
            Ok(counts) => counts,
            Err((error, counts)) => {
                let applied = counts.len();
                let error = batch_failure(error, &counts, sent);
                if in_transaction && crate::spanner_code(&error) != Some(SpannerCode::Aborted) {
                    self.batch_dml.failure = Some(format!(
                        "batched DML failed ({error}); {applied} of its {sent} statement(s) \
                         were applied, the rest were not"
                    ));
                }
                return Err(error);
            }
        };
        if self.batch_dml.explicit {
            self.batch_dml.sent_counts.extend_from_slice(&counts);
        } else if self.batch_dml.auto.verify {
            let expected = self.batch_dml.auto.update_count;
            if let Some((index, &actual)) = counts.iter().enumerate().find(|(_, &c)| c != expected)
            {
                let error = SpannerError::BatchUpdateCount {
                    index,
                    expected,
                    actual,
                };
                if in_transaction {
                    self.batch_dml.failure = Some(error.to_string());
                }
                return Err(error.into());
            }
        }
        Ok(counts)
    }

    /// Before a commit: sends the buffer, and refuses to commit a transaction whose batched
    /// DML failed. On refusal the transaction is rolled back.
    pub(crate) async fn settle_batch_dml_before_commit(&mut self) -> Result<(), Error> {
        if !matches!(self.transaction, TransactionState::ReadWrite(_)) {
            return Ok(());
        }
        // A failure of an earlier send is reported as such; else the buffer is sent now and
        // its own error (if any) is the answer.
        let failure = match self.batch_dml.failure.take() {
            Some(earlier) => SpannerError::BatchDmlFailed(earlier).into(),
            None => match self.flush_batch_dml().await {
                Ok(_) => {
                    self.batch_dml.reset();
                    return Ok(());
                }
                Err(error) => error,
            },
        };
        self.batch_dml.reset();
        self.replay = None;
        if let TransactionState::ReadWrite(tx) =
            std::mem::replace(&mut self.transaction, TransactionState::None)
        {
            if let Err(error) = tx.rollback().await {
                tracing::debug!(%error, "rollback after failed batched DML failed");
            }
        }
        Err(failure)
    }

    /// Before `begin`: an explicit batch opened outside a transaction must be run or
    /// aborted first (its statements would otherwise move into the transaction).
    pub(crate) fn check_batch_dml_before_begin(&mut self) -> Result<(), Error> {
        if !self.batch_dml.buffered.is_empty() {
            return Err(SpannerError::Unsupported(
                "begin with buffered batch DML statements: call run_batch() or abort_batch() first"
                    .into(),
            )
            .into());
        }
        self.batch_dml.reset();
        Ok(())
    }

    /// Starts an explicit DML batch: DML statements executed from now on (`execute`, each
    /// reporting 0 rows affected) are buffered until [`run_batch`](Self::run_batch) sends
    /// them as one request, or [`abort_batch`](Self::abort_batch) drops them. A query,
    /// `THEN RETURN` DML, DDL or the commit sends the buffer first (the batch stays open and
    /// `run_batch` still reports every statement's count). Commit and rollback end the batch.
    /// See the [module docs](crate::batch_dml) for failure semantics.
    ///
    /// ```no_run
    /// # async fn demo(conn: &mut sqlx_spanner::SpannerConnection) -> sqlx::Result<()> {
    /// use sqlx::Connection;
    /// let mut tx = conn.begin().await?;
    /// tx.start_batch_dml()?;
    /// for id in 0..10_i64 {
    ///     sqlx::query("INSERT INTO T (Id) VALUES (?)").bind(id).execute(&mut *tx).await?;
    /// }
    /// let counts: Vec<u64> = tx.run_batch().await?; // one round trip
    /// tx.commit().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// A batch is already open, or the connection is in a read-only transaction.
    pub fn start_batch_dml(&mut self) -> Result<(), Error> {
        if self.batch_dml.explicit {
            return Err(SpannerError::Unsupported("a DML batch is already open".into()).into());
        }
        if matches!(self.transaction, TransactionState::ReadOnly(_)) {
            return Err(
                SpannerError::Unsupported("batch DML in a read-only transaction".into()).into(),
            );
        }
        self.batch_dml.explicit = true;
        self.batch_dml.sent_counts.clear();
        Ok(())
    }

    /// Sends the statements buffered since [`start_batch_dml`](Self::start_batch_dml) and
    /// ends the batch. Returns the rows affected of every statement of the batch, in order.
    /// Inside a transaction the writes are part of it; outside one they are committed
    /// together (nothing is committed if a statement fails).
    ///
    /// # Errors
    ///
    /// No batch is open; or a statement failed: Spanner's error with
    /// [`batch_statement_index`](crate::SpannerDatabaseError::batch_statement_index) (counted
    /// from the first statement sent by this call) telling which.
    pub async fn run_batch(&mut self) -> Result<Vec<u64>, Error> {
        if !self.batch_dml.explicit {
            return Err(SpannerError::Unsupported(
                "run_batch without start_batch_dml: no DML batch is open".into(),
            )
            .into());
        }
        self.flush_pending_rollback().await?;
        // In an explicit batch every sent statement's count lands in `sent_counts`.
        let result = self.flush_batch_dml().await;
        self.batch_dml.explicit = false;
        let counts = std::mem::take(&mut self.batch_dml.sent_counts);
        result.map(|_| counts)
    }

    /// Drops the statements buffered since [`start_batch_dml`](Self::start_batch_dml) without
    /// sending them and ends the batch. (Statements a query or the size limit already sent
    /// stay applied in the transaction.)
    pub fn abort_batch(&mut self) {
        self.batch_dml.explicit = false;
        self.batch_dml.buffered.clear();
        self.batch_dml.options = None;
        self.batch_dml.sent_counts.clear();
    }

    /// Whether an explicit DML batch is open.
    pub fn is_batch_dml_open(&self) -> bool {
        self.batch_dml.explicit
    }

    /// DML statements buffered and not yet sent.
    pub fn buffered_dml_count(&self) -> usize {
        self.batch_dml.buffered.len()
    }

    /// How many `ExecuteBatchDml` requests this connection sent for buffered DML (explicit
    /// or automatic batching): a way to see how many round trips batching saved.
    pub fn batch_dml_round_trips(&self) -> u64 {
        self.batch_dml.round_trips
    }

    /// Turns automatic DML batching on or off for this connection (default: the connect
    /// option [`auto_batch_dml`](SpannerConnectOptions::auto_batch_dml)). Turning it off
    /// does not send statements already buffered: the next query or the commit does.
    pub fn set_auto_batch_dml(&mut self, on: bool) {
        self.batch_dml.auto.enabled = on;
    }

    /// The rows affected `execute` reports for a DML statement buffered automatically
    /// (default 1). See [`SpannerConnectOptions::auto_batch_dml_update_count`].
    pub fn set_auto_batch_dml_update_count(&mut self, count: u64) {
        self.batch_dml.auto.update_count = count;
    }

    /// Whether the real rows affected of automatically buffered statements are checked
    /// against the expected count when they are sent (default on).
    pub fn set_auto_batch_dml_update_count_verification(&mut self, on: bool) {
        self.batch_dml.auto.verify = on;
    }
}

impl SpannerConnectOptions {
    /// Automatic DML batching (default off; URL option `auto_batch_dml`): inside read-write
    /// transactions, DML statements without `THEN RETURN` are buffered and sent as one
    /// `ExecuteBatchDml` before the next query, DDL or commit. See [`crate::batch_dml`].
    pub fn auto_batch_dml(mut self, on: bool) -> Self {
        self.batch_dml.enabled = on;
        self
    }

    /// The rows affected `execute` reports for an automatically buffered DML statement,
    /// which has not run yet (default 1, as go-sql-spanner; URL option
    /// `auto_batch_dml_update_count`).
    pub fn auto_batch_dml_update_count(mut self, count: u64) -> Self {
        self.batch_dml.update_count = count;
        self
    }

    /// Check, when buffered statements are sent, that each affected exactly
    /// [`auto_batch_dml_update_count`](Self::auto_batch_dml_update_count) rows, failing with
    /// [`SpannerError::BatchUpdateCount`] otherwise (default on; URL option
    /// `auto_batch_dml_update_count_verification`).
    pub fn auto_batch_dml_update_count_verification(mut self, on: bool) -> Self {
        self.batch_dml.verify = on;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spanner_error() -> Error {
        Error::Database(Box::new(SpannerDatabaseError::new(
            SpannerCode::AlreadyExists,
            "duplicate",
        )))
    }

    fn index(error: &Error) -> Option<usize> {
        error
            .as_database_error()
            .and_then(|e| e.try_downcast_ref::<SpannerDatabaseError>())
            .and_then(SpannerDatabaseError::batch_statement_index)
    }

    #[test]
    fn the_failing_statement_is_the_one_after_the_reported_counts() {
        let error = batch_failure(spanner_error(), &[1, 1], 5);
        assert_eq!(index(&error), Some(2));
        assert_eq!(
            crate::spanner_code(&error),
            Some(SpannerCode::AlreadyExists)
        );
        assert!(error.to_string().contains("batch DML statement 2"));
        assert_eq!(index(&batch_failure(spanner_error(), &[], 1)), Some(0));
        // A request that failed as a whole says nothing about which statement.
        assert_eq!(index(&batch_failure(spanner_error(), &[], 3)), None);
        // Every statement ran: the failure is not one of them (e.g. the commit).
        assert_eq!(index(&batch_failure(spanner_error(), &[1, 1], 2)), None);
    }
}
