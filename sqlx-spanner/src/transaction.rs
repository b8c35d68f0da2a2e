//! [`SpannerTransactionManager`] (sqlx's begin/commit/rollback) and [`retry_transaction`].
//!
//! `begin` opens a Spanner read-write transaction (or a read-only one after
//! [`SpannerConnection::begin_read_only`]). Spanner has no savepoints, so nested
//! transactions are an error, and a refused nested `begin` leaves the outer transaction
//! untouched. A commit that Spanner aborts returns an `ABORTED` database error
//! ([`is_retryable`](crate::is_retryable)); nothing was written, and the caller re-runs the
//! transaction, which [`retry_transaction`] does for you.
//!
//! The rule: `commit()` returns `Ok` only when Spanner confirmed the commit of the
//! transaction's writes. Committing when the connection holds no transaction (it was rolled
//! back or lost underneath the `Transaction`) is an error.

use futures_core::future::BoxFuture;
use sqlx_core::acquire::Acquire;
use sqlx_core::error::Error;
use sqlx_core::sql_str::SqlStr;
use sqlx_core::transaction::{Transaction, TransactionManager};
use tracing::{Instrument as _, Span};

use crate::backoff::abort_backoff_after;
use crate::connection::{BeginMode, TransactionState};
use crate::error::SpannerError;
use crate::replay::ReplayLog;
use crate::telemetry;
use crate::{Spanner, SpannerConnection};

/// Implementation of sqlx's [`TransactionManager`] for Spanner.
pub struct SpannerTransactionManager;

impl TransactionManager for SpannerTransactionManager {
    type Database = Spanner;

    async fn begin(conn: &mut SpannerConnection, statement: Option<SqlStr>) -> Result<(), Error> {
        // Taken before any await: a cancelled begin must not leave its mode behind.
        let mode = std::mem::take(&mut conn.next_begin);
        if !matches!(conn.transaction, TransactionState::None) {
            // sqlx-core created the nested `Transaction` marked open; when this error drops
            // it (at once, in `Transaction::begin`), `start_rollback` runs and must leave
            // the outer transaction alone.
            conn.refused_nested_begin = true;
            return Err(SpannerError::Unsupported(
                "nested transactions: Spanner has no savepoints".into(),
            )
            .into());
        }
        conn.replay = None;
        conn.flush_pending_rollback().await?;
        conn.check_batch_dml_before_begin()?;
        let span =
            telemetry::transaction_span(&conn.options, matches!(mode, BeginMode::ReadOnly(_)));
        let begun = begin_in_span(conn, statement, mode)
            .instrument(span.clone())
            .await;
        if let Err(error) = &begun {
            telemetry::end_transaction(&span, "begin_failed", Some(error));
        } else {
            conn.transaction_span = span;
        }
        begun
    }

    async fn commit(conn: &mut SpannerConnection) -> Result<(), Error> {
        let span = std::mem::replace(&mut conn.transaction_span, Span::none());
        let committed = commit_in_span(conn).instrument(span.clone()).await;
        telemetry::end_transaction(&span, "commit", committed.as_ref().err());
        committed
    }

    async fn rollback(conn: &mut SpannerConnection) -> Result<(), Error> {
        let span = std::mem::replace(&mut conn.transaction_span, Span::none());
        let rolled_back = rollback_in_span(conn).instrument(span.clone()).await;
        telemetry::end_transaction(&span, "rollback", rolled_back.as_ref().err());
        rolled_back
    }

    fn start_rollback(conn: &mut SpannerConnection) {
        // A nested `Transaction` whose `begin` was refused is being dropped: it owns
        // nothing, the open transaction belongs to the outer one.
        if std::mem::take(&mut conn.refused_nested_begin) {
            return;
        }
        let span = std::mem::replace(&mut conn.transaction_span, Span::none());
        telemetry::end_transaction(&span, "dropped", None);
        conn.replay = None;
        // Called from `Drop`: the rollback RPC is sent before the connection's next use
        // (or when the pool takes the connection back).
        if let TransactionState::ReadWrite(tx) =
            std::mem::replace(&mut conn.transaction, TransactionState::None)
        {
            conn.batch_dml.reset();
            conn.pending_rollback = Some(tx);
        }
    }

    fn get_transaction_depth(conn: &SpannerConnection) -> usize {
        usize::from(!matches!(conn.transaction, TransactionState::None))
    }
}

/// `begin` inside the transaction's span.
async fn begin_in_span(
    conn: &mut SpannerConnection,
    statement: Option<SqlStr>,
    mode: BeginMode,
) -> Result<(), Error> {
    if let Some(statement) = statement {
        return Err(SpannerError::Unsupported(format!(
            "custom BEGIN statements ({}); use begin() or begin_read_only()",
            statement.as_str()
        ))
        .into());
    }
    conn.transaction = match mode {
        BeginMode::ReadWrite => {
            let tag = conn.next_transaction_tag.take();
            let options = conn.take_transaction_options();
            let tx = conn.client.begin_read_write(tag.clone(), &options).await?;
            conn.replay = conn
                .retry_aborts_internally
                .then(|| ReplayLog::new(tag, options));
            TransactionState::ReadWrite(tx)
        }
        BeginMode::ReadOnly(bound) => {
            TransactionState::ReadOnly(conn.client.begin_read_only(&bound).await?)
        }
    };
    Ok(())
}

/// `commit` inside the transaction's span.
async fn commit_in_span(conn: &mut SpannerConnection) -> Result<(), Error> {
    conn.refused_nested_begin = false;
    // Buffered DML is sent first; a transaction whose batched DML failed is rolled back.
    Box::pin(conn.settle_batch_dml_before_commit()).await?;
    match std::mem::replace(&mut conn.transaction, TransactionState::None) {
        TransactionState::ReadWrite(tx) => {
            let mut result = tx.commit().await;
            // With internal retry, an aborted commit is replayed in a new transaction
            // and committed again (bounded: Spanner may keep aborting).
            let mut rounds = 0;
            loop {
                match result {
                    Err(error) if conn.retries_internally(&error) && rounds < 20 => {
                        rounds += 1;
                        let upto = conn.replay.as_ref().map_or(0, ReplayLog::len);
                        Box::pin(conn.recover(error, upto, false)).await?;
                        result = match std::mem::replace(
                            &mut conn.transaction,
                            TransactionState::None,
                        ) {
                            TransactionState::ReadWrite(tx) => tx.commit().await,
                            _ => Err(SpannerError::TransactionNotActive.into()),
                        };
                    }
                    other => {
                        conn.replay = None;
                        conn.record_commit(other?);
                        return Ok(());
                    }
                }
            }
        }
        // A read-only transaction has nothing to commit.
        TransactionState::ReadOnly(_) => Ok(()),
        // Whatever the transaction wrote is gone: success would be a lie.
        TransactionState::None => Err(SpannerError::TransactionNotActive.into()),
    }
}

/// `rollback` inside the transaction's span.
async fn rollback_in_span(conn: &mut SpannerConnection) -> Result<(), Error> {
    conn.refused_nested_begin = false;
    conn.replay = None;
    conn.batch_dml.reset();
    match std::mem::replace(&mut conn.transaction, TransactionState::None) {
        TransactionState::ReadWrite(tx) => tx.rollback().await,
        TransactionState::ReadOnly(_) | TransactionState::None => Ok(()),
    }
}

/// Runs `body` in a read-write transaction and commits it, running it again (with
/// backoff, up to `max_attempts` times) whenever Spanner aborts the transaction.
///
/// `body` may run more than once, so it must not have side effects outside the
/// transaction. Errors other than `ABORTED`, from `body` or from the commit, end the
/// retries and roll back; the error returned is always the one of `body` or the commit
/// (a failing rollback is only logged). Between attempts it waits
/// [`abort_backoff_delay`](crate::abort_backoff_delay): Spanner's requested delay, else
/// exponential backoff with jitter.
///
/// Called on an open transaction (`&mut *tx`) it fails, as a nested `begin` does, and
/// leaves that transaction as it was.
///
/// ```no_run
/// # async fn demo(pool: sqlx_spanner::SpannerPool) -> sqlx::Result<()> {
/// let moved: u64 = sqlx_spanner::retry_transaction(&pool, 10, |tx| {
///     Box::pin(async move {
///         let r = sqlx::query("UPDATE Accounts SET Balance = Balance - 10 WHERE Id = 1")
///             .execute(&mut **tx)
///             .await?;
///         Ok::<_, sqlx::Error>(r.rows_affected())
///     })
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn retry_transaction<'a, A, F, R>(
    acquire: A,
    max_attempts: u32,
    body: F,
) -> Result<R, Error>
where
    A: Acquire<'a, Database = Spanner> + Send,
    F: for<'t> FnMut(&'t mut Transaction<'_, Spanner>) -> BoxFuture<'t, Result<R, Error>> + Send,
    R: Send,
{
    let span =
        tracing::info_span!(target: telemetry::TRANSACTION_TARGET, "spanner.retry_transaction");
    async move {
        let mut conn = acquire.acquire().await?;
        retry_on_connection(&mut conn, max_attempts, body).await
    }
    .instrument(span)
    .await
}

/// [`retry_transaction`] on a connection the caller already holds.
pub(crate) async fn retry_on_connection<F, R>(
    conn: &mut SpannerConnection,
    max_attempts: u32,
    mut body: F,
) -> Result<R, Error>
where
    F: for<'t> FnMut(&'t mut Transaction<'_, Spanner>) -> BoxFuture<'t, Result<R, Error>> + Send,
    R: Send,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut tx = sqlx_core::connection::Connection::begin(&mut *conn).await?;
        telemetry::record_attempt(&tx.transaction_span, attempt);
        let outcome = match body(&mut tx).await {
            Ok(value) => tx.commit().await.map(|()| value),
            Err(error) => {
                // The body's error is what the caller needs; the transaction is abandoned
                // either way (an aborted one is already gone on the server).
                if let Err(rollback_error) = tx.rollback().await {
                    tracing::debug!(error = %rollback_error, "rollback after a failed transaction body failed");
                }
                Err(error)
            }
        };
        match outcome {
            Err(error) if crate::is_retryable(&error) && attempt < max_attempts.max(1) => {
                telemetry::retry_event("retry_transaction", attempt + 1, &error);
                abort_backoff_after(&error, attempt).await;
            }
            other => return other,
        }
    }
}
