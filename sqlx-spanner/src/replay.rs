//! Internal retry of aborted read-write transactions (opt-in:
//! [`SpannerConnectOptions::retry_aborts_internally`](crate::SpannerConnectOptions::retry_aborts_internally)),
//! as Google's JDBC and Go drivers do it.
//!
//! While a transaction runs, [`ReplayLog`] records every statement (SQL, arguments, request
//! options) and a SHA-256 checksum of the rows the application consumed from it, the number
//! of those rows, and how the statement ended (rows affected, or the error code); buffered
//! mutations are kept too. When Spanner aborts a statement or the commit, the driver begins
//! a new transaction, runs the recorded statements again, consuming as many rows as the
//! application did, and compares each checksum and outcome. If all match, the new
//! transaction has seen exactly what the application saw, so the failed statement (or the
//! commit) is retried in it and the application never notices. If anything differs the
//! data changed underneath: the transaction fails with
//! [`SpannerError::AbortedDueToConcurrentModification`] and nothing is committed.

use sha2::{Digest, Sha256};
use sqlx_core::error::Error;

use crate::backoff::abort_backoff_after;
use crate::client::stream::ResultStream;
use crate::client::transaction::{ReadWriteTransaction, SqlRequest};
use crate::connection::{SpannerConnection, TransactionState};
use crate::error::{spanner_code, SpannerCode, SpannerError};
use crate::transaction_options::SpannerTransactionOptions;
use crate::{RequestOptions, SpannerRow};

/// How often one abort is retried internally before the `ABORTED` error is returned.
const MAX_INTERNAL_ATTEMPTS: u32 = 20;

/// A running checksum over rows, in order.
#[derive(Clone, Default)]
pub(crate) struct Checksum {
    hasher: Sha256,
    rows: u64,
}

impl Checksum {
    pub(crate) fn add(&mut self, row: &SpannerRow) {
        use prost::Message;
        self.hasher.update((row.values.len() as u64).to_le_bytes());
        for value in &row.values {
            let bytes = value.encode_to_vec();
            self.hasher.update((bytes.len() as u64).to_le_bytes());
            self.hasher.update(&bytes);
        }
        self.rows += 1;
    }

    fn digest(&self) -> [u8; 32] {
        self.hasher.clone().finalize().into()
    }
}

/// How a recorded statement ended, as far as the application saw.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Outcome {
    /// Still streaming, or left before its end (e.g. `fetch_optional`).
    Partial,
    /// Read to the end.
    Done { rows_affected: Option<u64> },
    /// Failed with this error (not `ABORTED`).
    Failed(Option<SpannerCode>),
}

/// One recorded step of a transaction.
pub(crate) enum Step {
    Statement {
        request: SqlRequest,
        options: RequestOptions,
        checksum: Checksum,
        outcome: Outcome,
    },
    Batch {
        requests: Vec<SqlRequest>,
        options: RequestOptions,
        outcome: Result<Vec<u64>, (Option<SpannerCode>, Vec<u64>)>,
    },
}

/// What a transaction that retries aborts internally has done so far.
pub(crate) struct ReplayLog {
    tag: Option<String>,
    options: SpannerTransactionOptions,
    steps: Vec<Step>,
    mutations: Vec<gcloud_googleapis::spanner::v1::Mutation>,
}

impl ReplayLog {
    pub(crate) fn new(tag: Option<String>, options: SpannerTransactionOptions) -> Self {
        ReplayLog {
            tag,
            options,
            steps: Vec::new(),
            mutations: Vec::new(),
        }
    }

    /// Records a statement about to run; returns its index.
    pub(crate) fn start_statement(
        &mut self,
        request: SqlRequest,
        options: RequestOptions,
    ) -> usize {
        self.steps.push(Step::Statement {
            request,
            options,
            checksum: Checksum::default(),
            outcome: Outcome::Partial,
        });
        self.steps.len() - 1
    }

    pub(crate) fn add_row(&mut self, index: usize, row: &SpannerRow) {
        if let Some(Step::Statement { checksum, .. }) = self.steps.get_mut(index) {
            checksum.add(row);
        }
    }

    pub(crate) fn finish_statement(&mut self, index: usize, outcome: Outcome) {
        if let Some(Step::Statement { outcome: slot, .. }) = self.steps.get_mut(index) {
            *slot = outcome;
        }
    }

    pub(crate) fn record_batch(
        &mut self,
        requests: Vec<SqlRequest>,
        options: RequestOptions,
        outcome: Result<Vec<u64>, (Option<SpannerCode>, Vec<u64>)>,
    ) {
        self.steps.push(Step::Batch {
            requests,
            options,
            outcome,
        });
    }

    /// Steps recorded so far.
    pub(crate) fn len(&self) -> usize {
        self.steps.len()
    }

    pub(crate) fn buffer(&mut self, mutations: &[gcloud_googleapis::spanner::v1::Mutation]) {
        self.mutations.extend_from_slice(mutations);
    }
}

/// `true` for the errors internal retry handles.
pub(crate) fn is_aborted(error: &Error) -> bool {
    spanner_code(error) == Some(SpannerCode::Aborted)
}

/// Why a replay could not continue.
enum ReplayError {
    /// Aborted again: start over.
    Aborted(Error),
    /// Results differ, or another failure: give up with this error.
    Fatal(Error),
}

impl From<Error> for ReplayError {
    fn from(error: Error) -> Self {
        if is_aborted(&error) {
            ReplayError::Aborted(error)
        } else {
            ReplayError::Fatal(error)
        }
    }
}

fn mismatch(index: usize, what: &str) -> ReplayError {
    ReplayError::Fatal(
        SpannerError::AbortedDueToConcurrentModification(format!(
            "statement {} of the transaction {what} when it was replayed after Spanner aborted the transaction",
            index + 1
        ))
        .into(),
    )
}

/// Reads `expected.rows` rows of `stream` and compares their checksum (and, for a
/// statement read to its end, the end and the rows affected).
async fn check_statement(
    index: usize,
    stream: &mut ResultStream,
    expected: &Checksum,
    outcome: Outcome,
) -> Result<(), ReplayError> {
    let mut seen = Checksum::default();
    while seen.rows < expected.rows {
        match stream.next_row().await {
            Ok(Some(row)) => seen.add(&row),
            Ok(None) => return Err(mismatch(index, "returned fewer rows")),
            Err(error) => return check_failure(index, error, outcome),
        }
    }
    if seen.digest() != expected.digest() {
        return Err(mismatch(index, "returned different rows"));
    }
    match outcome {
        Outcome::Partial => Ok(()),
        Outcome::Done { rows_affected } => match stream.next_row().await {
            Ok(None) if stream.rows_affected() == rows_affected => Ok(()),
            Ok(None) => Err(mismatch(index, "affected a different number of rows")),
            Ok(Some(_)) => Err(mismatch(index, "returned more rows")),
            Err(error) => check_failure(index, error, outcome),
        },
        Outcome::Failed(_) => loop {
            match stream.next_row().await {
                Ok(Some(_)) => {}
                Ok(None) => return Err(mismatch(index, "succeeded where it had failed")),
                Err(error) => return check_failure(index, error, outcome),
            }
        },
    }
}

/// A statement failed during replay: `Ok` when it failed the first time with the same
/// code (the replay matches), else why the replay stops.
fn check_failure(index: usize, error: Error, outcome: Outcome) -> Result<(), ReplayError> {
    if is_aborted(&error) {
        return Err(ReplayError::Aborted(error));
    }
    match outcome {
        Outcome::Failed(code) if code == spanner_code(&error) => Ok(()),
        _ => Err(mismatch(index, "failed where it had succeeded")),
    }
}

impl SpannerConnection {
    /// Whether an error of the open transaction should be retried internally.
    pub(crate) fn retries_internally(&self, error: &Error) -> bool {
        self.replay.is_some() && is_aborted(error)
    }

    /// Replaces the aborted transaction with a new one that has replayed the recorded steps
    /// before `upto`. When `current` is given (a statement still in progress at `upto`),
    /// it is run again, the rows the application already consumed are checked, and the
    /// stream positioned after them is returned. Retries while Spanner keeps aborting.
    pub(crate) async fn recover(
        &mut self,
        mut error: Error,
        upto: usize,
        current: bool,
    ) -> Result<Option<ResultStream>, Error> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            if attempt > MAX_INTERNAL_ATTEMPTS {
                self.abandon_replay();
                return Err(error);
            }
            crate::telemetry::retry_event("internal", attempt + 1, &error);
            abort_backoff_after(&error, attempt).await;
            // Boxed: the replay future is large and would otherwise sit inside every
            // statement's and commit's future.
            match Box::pin(self.replay_once(upto, current)).await {
                Ok(stream) => {
                    self.internal_retries += 1;
                    return Ok(stream);
                }
                Err(ReplayError::Aborted(again)) => error = again,
                Err(ReplayError::Fatal(fatal)) => {
                    self.abandon_replay();
                    return Err(fatal);
                }
            }
        }
    }

    /// Ends the transaction after a failed replay: nothing more can be committed.
    fn abandon_replay(&mut self) {
        self.replay = None;
        if let TransactionState::ReadWrite(tx) =
            std::mem::replace(&mut self.transaction, TransactionState::None)
        {
            self.pending_rollback = Some(tx);
        }
    }

    async fn replay_once(
        &mut self,
        upto: usize,
        current: bool,
    ) -> Result<Option<ResultStream>, ReplayError> {
        let Some(log) = self.replay.take() else {
            return Err(ReplayError::Fatal(
                SpannerError::TransactionNotActive.into(),
            ));
        };
        let result = self.replay_steps(&log, upto, current).await;
        self.replay = Some(log);
        result
    }

    async fn replay_steps(
        &mut self,
        log: &ReplayLog,
        upto: usize,
        current: bool,
    ) -> Result<Option<ResultStream>, ReplayError> {
        // The aborted transaction is gone on the server; dropping it frees its session.
        self.transaction = TransactionState::None;
        let mut tx: ReadWriteTransaction = self
            .client
            .begin_read_write(log.tag.clone(), &log.options)
            .await?;
        tx.buffer(log.mutations.clone());
        let result = replay_into(&mut tx, log, upto, current).await;
        // Kept either way: the next attempt replaces an aborted one, and a failed replay
        // parks it for rollback (it may hold locks).
        self.transaction = TransactionState::ReadWrite(tx);
        result
    }
}

/// Runs the recorded steps before `upto` (and, with `current`, the statement in progress
/// at `upto`, returning its stream) in `tx`, comparing every result.
async fn replay_into(
    tx: &mut ReadWriteTransaction,
    log: &ReplayLog,
    upto: usize,
    current: bool,
) -> Result<Option<ResultStream>, ReplayError> {
    let last = if current { upto + 1 } else { upto };
    let mut resumed = None;
    for (index, step) in log.steps.iter().enumerate().take(last) {
        match step {
            Step::Statement {
                request,
                options,
                checksum,
                outcome,
            } => {
                // The statement in progress is checked up to where the application is.
                let expected = if index == upto {
                    Outcome::Partial
                } else {
                    *outcome
                };
                let opened = tx.execute_streaming(request.clone(), options).await;
                let mut stream = match opened {
                    Ok(stream) => stream,
                    Err(error) => {
                        check_failure(index, error, expected)?;
                        continue;
                    }
                };
                check_statement(index, &mut stream, checksum, expected).await?;
                if index == upto {
                    resumed = Some(stream);
                }
            }
            Step::Batch {
                requests,
                options,
                outcome,
            } => {
                let same = match tx.batch_update(requests.clone(), options).await {
                    Err((error, _)) if is_aborted(&error) => {
                        return Err(ReplayError::Aborted(error))
                    }
                    Ok(counts) => matches!(outcome, Ok(recorded) if *recorded == counts),
                    Err((error, counts)) => matches!(
                        outcome,
                        Err((code, recorded)) if *code == spanner_code(&error) && *recorded == counts
                    ),
                };
                if !same {
                    return Err(mismatch(index, "returned different row counts"));
                }
            }
        }
    }
    Ok(resumed)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::row::ResultColumns;

    fn row(values: &[&str]) -> SpannerRow {
        let values = values
            .iter()
            .map(|v| prost_types::Value {
                kind: Some(prost_types::value::Kind::StringValue((*v).to_string())),
            })
            .collect();
        SpannerRow::new(values, Arc::new(ResultColumns::default()))
    }

    fn checksum(rows: &[SpannerRow]) -> [u8; 32] {
        let mut checksum = Checksum::default();
        for row in rows {
            checksum.add(row);
        }
        checksum.digest()
    }

    #[test]
    fn checksum_sees_values_order_and_row_boundaries() {
        let a = [row(&["1", "x"]), row(&["2", "y"])];
        assert_eq!(
            checksum(&a),
            checksum(&[row(&["1", "x"]), row(&["2", "y"])])
        );
        assert_ne!(
            checksum(&a),
            checksum(&[row(&["2", "y"]), row(&["1", "x"])])
        );
        assert_ne!(
            checksum(&a),
            checksum(&[row(&["1", "x"]), row(&["2", "z"])])
        );
        assert_ne!(
            checksum(&[row(&["1", "x", "2", "y"])]),
            checksum(&a),
            "row boundaries count"
        );
        assert_ne!(checksum(&[row(&["ab"])]), checksum(&[row(&["a", "b"])]));
    }
}
