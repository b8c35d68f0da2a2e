//! Errors: Spanner's gRPC status kept as [`SpannerDatabaseError`], and the driver's own
//! failures as [`SpannerError`].

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt::{self, Display, Formatter};
use std::time::Duration;

use gcloud_gax::grpc::{Code, Status};
use sqlx_core::error::{DatabaseError, Error, ErrorKind};

/// The gRPC status code Spanner answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SpannerCode {
    /// `CANCELLED`
    Cancelled,
    /// `UNKNOWN`
    Unknown,
    /// `INVALID_ARGUMENT`: bad SQL, bad parameter, wrong type.
    InvalidArgument,
    /// `DEADLINE_EXCEEDED`
    DeadlineExceeded,
    /// `NOT_FOUND`: missing row, table, database or session.
    NotFound,
    /// `ALREADY_EXISTS`: duplicate primary key or unique index key.
    AlreadyExists,
    /// `PERMISSION_DENIED`
    PermissionDenied,
    /// `RESOURCE_EXHAUSTED`
    ResourceExhausted,
    /// `FAILED_PRECONDITION`: constraint violations, DDL conflicts.
    FailedPrecondition,
    /// `ABORTED`: the transaction was aborted; retry it from the beginning.
    Aborted,
    /// `OUT_OF_RANGE`: overflow, check constraint violations.
    OutOfRange,
    /// `UNIMPLEMENTED`: a feature Spanner (or the emulator) does not support.
    Unimplemented,
    /// `INTERNAL`
    Internal,
    /// `UNAVAILABLE`: the server could not be reached.
    Unavailable,
    /// `DATA_LOSS`
    DataLoss,
    /// `UNAUTHENTICATED`
    Unauthenticated,
}

impl SpannerCode {
    /// The canonical gRPC name, e.g. `ABORTED`.
    pub fn as_str(self) -> &'static str {
        match self {
            SpannerCode::Cancelled => "CANCELLED",
            SpannerCode::Unknown => "UNKNOWN",
            SpannerCode::InvalidArgument => "INVALID_ARGUMENT",
            SpannerCode::DeadlineExceeded => "DEADLINE_EXCEEDED",
            SpannerCode::NotFound => "NOT_FOUND",
            SpannerCode::AlreadyExists => "ALREADY_EXISTS",
            SpannerCode::PermissionDenied => "PERMISSION_DENIED",
            SpannerCode::ResourceExhausted => "RESOURCE_EXHAUSTED",
            SpannerCode::FailedPrecondition => "FAILED_PRECONDITION",
            SpannerCode::Aborted => "ABORTED",
            SpannerCode::OutOfRange => "OUT_OF_RANGE",
            SpannerCode::Unimplemented => "UNIMPLEMENTED",
            SpannerCode::Internal => "INTERNAL",
            SpannerCode::Unavailable => "UNAVAILABLE",
            SpannerCode::DataLoss => "DATA_LOSS",
            SpannerCode::Unauthenticated => "UNAUTHENTICATED",
        }
    }

    pub(crate) fn from_grpc(code: Code) -> SpannerCode {
        match code {
            Code::Cancelled => SpannerCode::Cancelled,
            Code::InvalidArgument => SpannerCode::InvalidArgument,
            Code::DeadlineExceeded => SpannerCode::DeadlineExceeded,
            Code::NotFound => SpannerCode::NotFound,
            Code::AlreadyExists => SpannerCode::AlreadyExists,
            Code::PermissionDenied => SpannerCode::PermissionDenied,
            Code::ResourceExhausted => SpannerCode::ResourceExhausted,
            Code::FailedPrecondition => SpannerCode::FailedPrecondition,
            Code::Aborted => SpannerCode::Aborted,
            Code::OutOfRange => SpannerCode::OutOfRange,
            Code::Unimplemented => SpannerCode::Unimplemented,
            Code::Internal => SpannerCode::Internal,
            Code::Unavailable => SpannerCode::Unavailable,
            Code::DataLoss => SpannerCode::DataLoss,
            Code::Unauthenticated => SpannerCode::Unauthenticated,
            Code::Ok | Code::Unknown => SpannerCode::Unknown,
        }
    }
}

impl Display for SpannerCode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error status returned by Spanner, kept in [`sqlx::Error::Database`](Error::Database).
///
/// Downcast with `err.as_database_error().and_then(|e| e.try_downcast_ref::<SpannerDatabaseError>())`
/// to read the [`SpannerCode`]; or use [`is_retryable`] to ask whether a transaction should be
/// re-run.
#[derive(Debug, Clone)]
pub struct SpannerDatabaseError {
    code: SpannerCode,
    message: String,
    /// The delay Spanner asked for before a retry (`google.rpc.RetryInfo`).
    retry_delay: Option<Duration>,
    /// For a failed batch DML statement: its index in the batch.
    batch_statement_index: Option<usize>,
}

impl SpannerDatabaseError {
    /// An error with Spanner's status code and message.
    pub fn new(code: SpannerCode, message: impl Into<String>) -> Self {
        SpannerDatabaseError {
            code,
            message: message.into(),
            retry_delay: None,
            batch_statement_index: None,
        }
    }

    /// The same error with the retry delay Spanner sent (see [`retry_delay`](Self::retry_delay)).
    pub fn with_retry_delay(mut self, delay: Duration) -> Self {
        self.retry_delay = Some(delay);
        self
    }

    pub(crate) fn from_status(status: &Status) -> Self {
        let error =
            SpannerDatabaseError::new(SpannerCode::from_grpc(status.code()), status.message());
        match status_retry_delay(status) {
            Some(delay) => error.with_retry_delay(delay),
            None => error,
        }
    }

    /// How long Spanner asked the client to wait before retrying (the
    /// `google.rpc.RetryInfo` detail it attaches to some `ABORTED` statuses), if it did.
    /// [`abort_backoff_delay`](crate::abort_backoff_delay) uses it.
    pub fn retry_delay(&self) -> Option<Duration> {
        self.retry_delay
    }

    /// The gRPC status code.
    pub fn spanner_code(&self) -> SpannerCode {
        self.code
    }

    /// The same error, marked as the failure of statement `index` of a DML batch.
    pub fn with_batch_statement_index(mut self, index: usize) -> Self {
        self.batch_statement_index = Some(index);
        self
    }

    /// For an error of batch DML ([`SpannerConnection::execute_batch`](crate::SpannerConnection::execute_batch)
    /// and [batched DML](crate::batch_dml)): the index (from 0) of the statement that
    /// failed; the statements before it ran.
    pub fn batch_statement_index(&self) -> Option<usize> {
        self.batch_statement_index
    }

    /// `true` when Spanner aborted the transaction: run it again from the beginning.
    pub fn is_aborted(&self) -> bool {
        self.code == SpannerCode::Aborted
    }
}

impl Display for SpannerDatabaseError {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "Spanner error {}: {}", self.code, self.message)?;
        if let Some(index) = self.batch_statement_index {
            write!(f, " (batch DML statement {index})")?;
        }
        Ok(())
    }
}

impl StdError for SpannerDatabaseError {}

impl DatabaseError for SpannerDatabaseError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(self.code.as_str()))
    }

    fn as_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn StdError + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn StdError + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        // Matched on the code plus the words Spanner (and the emulator) use; messages differ
        // between DML and mutations, so several phrasings are recognised (case-insensitive):
        // - duplicate key: ALREADY_EXISTS ("... already exists", "UNIQUE violation on index")
        // - NOT NULL: FAILED_PRECONDITION "Cannot specify a null value for column: T.C" (DML
        //   and mutations) or "A new row in table T does not specify a non-null value for
        //   NOT NULL column(s): C" (insert mutation omitting the column)
        // - CHECK: OUT_OF_RANGE "Check constraint `T`.`C` is violated for key ..."
        // - FOREIGN KEY: FAILED_PRECONDITION "Foreign key `FK` constraint violation ..." /
        //   "Foreign key constraint `FK` is violated ..."
        let message = self.message.to_ascii_lowercase();
        let has = |words: &str| message.contains(words);
        match self.code {
            SpannerCode::AlreadyExists => ErrorKind::UniqueViolation,
            SpannerCode::FailedPrecondition | SpannerCode::InvalidArgument
                if has("unique violation") || has("unique index violation") =>
            {
                ErrorKind::UniqueViolation
            }
            SpannerCode::FailedPrecondition if has("foreign key") && has("violat") => {
                ErrorKind::ForeignKeyViolation
            }
            SpannerCode::FailedPrecondition | SpannerCode::InvalidArgument
                if has("must not be null")
                    || has("cannot specify a null value")
                    || has("non-null value for") =>
            {
                ErrorKind::NotNullViolation
            }
            SpannerCode::OutOfRange | SpannerCode::FailedPrecondition
                if has("check constraint") =>
            {
                ErrorKind::CheckViolation
            }
            _ => ErrorKind::Other,
        }
    }
}

/// `true` when `error` is Spanner aborting a read-write transaction (`ABORTED`): nothing
/// was committed and the whole transaction should be run again.
///
/// ```
/// use sqlx_spanner::{is_retryable, SpannerCode, SpannerDatabaseError};
///
/// let aborted = sqlx::Error::Database(Box::new(SpannerDatabaseError::new(
///     SpannerCode::Aborted,
///     "Transaction was aborted",
/// )));
/// assert!(is_retryable(&aborted));
/// assert!(!is_retryable(&sqlx::Error::RowNotFound));
/// ```
pub fn is_retryable(error: &Error) -> bool {
    spanner_code(error) == Some(SpannerCode::Aborted)
        || is_aborted_due_to_concurrent_modification(error)
}

/// `true` when a transaction that retries aborts internally could not be replayed
/// because the data it read had changed ([`SpannerError::AbortedDueToConcurrentModification`]).
pub fn is_aborted_due_to_concurrent_modification(error: &Error) -> bool {
    matches!(
        error,
        Error::AnyDriverError(inner)
            if matches!(
                inner.downcast_ref::<SpannerError>(),
                Some(SpannerError::AbortedDueToConcurrentModification(_))
            )
    )
}

/// The Spanner status code carried by `error`, if it came from Spanner.
pub fn spanner_code(error: &Error) -> Option<SpannerCode> {
    error
        .as_database_error()
        .and_then(|e| e.try_downcast_ref::<SpannerDatabaseError>())
        .map(SpannerDatabaseError::spanner_code)
}

/// Failures of the driver itself (not statuses returned by Spanner).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpannerError {
    /// The SQL could not be parsed by the driver's lexer.
    #[error("invalid SQL: {0}")]
    Sql(String),
    /// The number of bound arguments does not match the statement's placeholders.
    #[error("the statement expects {expected} parameter(s) but {actual} were bound")]
    ParameterCount {
        /// Placeholders in the statement.
        expected: usize,
        /// Arguments bound.
        actual: usize,
    },
    /// DDL was sent inside a read-write transaction.
    #[error("DDL statements cannot run inside a transaction (Spanner applies schema changes outside transactions): {0}")]
    DdlInTransaction(String),
    /// A statement kind the driver cannot run.
    #[error("unsupported statement: {0}")]
    Unsupported(String),
    /// A session could not be obtained from the session pool.
    #[error("session pool: {0}")]
    Session(String),
    /// Spanner returned data the driver could not understand.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// Bad connection options.
    #[error("configuration: {0}")]
    Config(String),
    /// `commit` found no read-write transaction on the connection: it was rolled back or
    /// lost before the commit, so nothing it wrote is durable.
    #[error(
        "no active transaction to commit: it was rolled back or lost, its writes were not applied"
    )]
    TransactionNotActive,
    /// Spanner aborted a transaction that retries aborts internally, and replaying its
    /// statements in a new transaction returned different results: the data the
    /// transaction read changed meanwhile. Nothing was committed; run the transaction
    /// again from the start ([`is_retryable`] is `true` for this error).
    #[error("transaction aborted and not retried: {0}")]
    AbortedDueToConcurrentModification(String),
    /// Another migrator held the migration lock for longer than the driver waits.
    #[error("migration lock: {0}")]
    MigrationLocked(String),
    /// An automatically batched DML statement affected a different number of rows than
    /// `execute` reported for it (see [`crate::batch_dml`]).
    #[error("batched DML statement {index} affected {actual} row(s), but {expected} was reported when it was buffered")]
    BatchUpdateCount {
        /// The statement's index in the batch sent.
        index: usize,
        /// The rows affected reported by `execute`.
        expected: u64,
        /// The rows it really affected.
        actual: u64,
    },
    /// The transaction cannot commit: batched DML in it failed after `execute` had
    /// reported success, so some of its writes were not applied. It was rolled back.
    #[error("transaction rolled back: {0}")]
    BatchDmlFailed(String),
}

impl From<SpannerError> for Error {
    fn from(error: SpannerError) -> Self {
        match error {
            SpannerError::Protocol(message) => Error::Protocol(message),
            SpannerError::Config(message) => Error::Configuration(message.into()),
            // Kept typed so callers can tell them apart (`is_retryable`, downcast).
            error @ (SpannerError::TransactionNotActive
            | SpannerError::AbortedDueToConcurrentModification(_)
            | SpannerError::MigrationLocked(_)
            | SpannerError::BatchUpdateCount { .. }
            | SpannerError::BatchDmlFailed(_)) => Error::AnyDriverError(Box::new(error)),
            other => Error::InvalidArgument(other.to_string()),
        }
    }
}

/// The trailer Spanner may carry a bare `google.rpc.RetryInfo` in (Google's Go and Java
/// clients read it as well as the status details).
const RETRY_INFO_TRAILER: &str = "google.rpc.retryinfo-bin";

/// The retry delay in a status: a `google.rpc.RetryInfo` among its details
/// (`grpc-status-details-bin`), or in the `google.rpc.retryinfo-bin` trailer.
fn status_retry_delay(status: &Status) -> Option<Duration> {
    use prost::Message;
    use tonic_types::StatusExt;
    if let Some(delay) = status.get_details_retry_info().and_then(|i| i.retry_delay) {
        return Some(delay);
    }
    let bytes = status
        .metadata()
        .get_bin(RETRY_INFO_TRAILER)?
        .to_bytes()
        .ok()?;
    let info = tonic_types::pb::RetryInfo::decode(bytes).ok()?;
    let delay = info.retry_delay?;
    Some(Duration::new(
        u64::try_from(delay.seconds).ok()?,
        u32::try_from(delay.nanos).ok()?,
    ))
}

/// Converts a gRPC status into sqlx's error, keeping code and message.
pub(crate) fn status_to_error(status: Status) -> Error {
    Error::Database(Box::new(SpannerDatabaseError::from_status(&status)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_from_status_details_and_trailer() {
        use tonic_types::{ErrorDetails, StatusExt};
        let status = Status::with_error_details(
            Code::Aborted,
            "Transaction was aborted",
            ErrorDetails::with_retry_info(Some(Duration::from_millis(250))),
        );
        let error = SpannerDatabaseError::from_status(&status);
        assert!(error.is_aborted());
        assert_eq!(error.retry_delay(), Some(Duration::from_millis(250)));

        use prost::Message;
        let info = tonic_types::pb::RetryInfo {
            retry_delay: Some(prost_types::Duration {
                seconds: 1,
                nanos: 5_000_000,
            }),
        };
        let mut status = Status::new(Code::Aborted, "aborted");
        status.metadata_mut().insert_bin(
            RETRY_INFO_TRAILER,
            gcloud_gax::grpc::metadata::MetadataValue::from_bytes(&info.encode_to_vec()),
        );
        assert_eq!(
            SpannerDatabaseError::from_status(&status).retry_delay(),
            Some(Duration::from_millis(1005))
        );
        let plain = Status::new(Code::Aborted, "aborted");
        assert_eq!(
            SpannerDatabaseError::from_status(&plain).retry_delay(),
            None
        );
    }

    fn kind(code: SpannerCode, message: &str) -> ErrorKind {
        SpannerDatabaseError::new(code, message).kind()
    }

    #[test]
    fn constraint_kinds_from_emulator_messages() {
        use SpannerCode::*;
        let cases = [
            (AlreadyExists, "Failed to insert row with primary key ({pk#Id:1}) due to previously existing row", ErrorKind::UniqueViolation),
            (AlreadyExists, "Table Parents: Row {Int64(1)} already exists.", ErrorKind::UniqueViolation),
            (FailedPrecondition, "UNIQUE violation on index ParentsByEmail,  duplicate key: {String(\"a\")} in this transaction.", ErrorKind::UniqueViolation),
            (FailedPrecondition, "Cannot specify a null value for column: Parents.Name in table: Parents", ErrorKind::NotNullViolation),
            (FailedPrecondition, "A new row in table Parents does not specify a non-null value for NOT NULL column: Name", ErrorKind::NotNullViolation),
            (FailedPrecondition, "A new row in table Parents does not specify a non-null value for these NOT NULL columns: Name", ErrorKind::NotNullViolation),
            (OutOfRange, "Check constraint `Parents`.`AgeNonNegative` is violated for key {Int64(3)}", ErrorKind::CheckViolation),
            (FailedPrecondition, "Foreign key `FkParent` constraint violation on table `Children`. Cannot find referenced key `{Int64(99)}` in table `Parents`.", ErrorKind::ForeignKeyViolation),
            (FailedPrecondition, "Foreign key constraint `FkParent` is violated on table `Children`.", ErrorKind::ForeignKeyViolation),
            (FailedPrecondition, "Could not parse 0.0000000001 as a NUMERIC.", ErrorKind::Other),
            (OutOfRange, "int64 overflow: 9223372036854775807 + 1", ErrorKind::Other),
            (InvalidArgument, "Syntax error: Unexpected identifier \"SELEC\"", ErrorKind::Other),
        ];
        for (code, message, expected) in cases {
            assert_eq!(kind(code, message), expected, "{code} {message}");
        }
    }
}
