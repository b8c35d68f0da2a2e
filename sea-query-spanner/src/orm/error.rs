//! Mapping of sqlx-spanner errors into SeaORM's [`DbErr`].
//!
//! SeaORM's [`DbErr::sql_err`] only recognises errors of its own sqlx drivers
//! (`RuntimeErr::SqlxError` of sqlx 0.8 with a MySQL/Postgres/SQLite error inside), so it
//! returns `None` for Spanner errors. Spanner errors are kept as
//! `DbErr::Exec/Query/Conn(RuntimeErr::Internal("Spanner error CODE: message"))`, and
//! [`sql_err`] / [`spanner_code`] / [`is_aborted`] read them back.

use sea_orm::{DbErr, RuntimeErr, SqlErr};
use sqlx_spanner::{SpannerCode, SpannerDatabaseError};

use super::translate::TranslateError;

/// The prefix of every message that carries a Spanner status.
const PREFIX: &str = "Spanner error ";

/// Every code, to parse messages back.
const CODES: [SpannerCode; 16] = [
    SpannerCode::Cancelled,
    SpannerCode::Unknown,
    SpannerCode::InvalidArgument,
    SpannerCode::DeadlineExceeded,
    SpannerCode::NotFound,
    SpannerCode::AlreadyExists,
    SpannerCode::PermissionDenied,
    SpannerCode::ResourceExhausted,
    SpannerCode::FailedPrecondition,
    SpannerCode::Aborted,
    SpannerCode::OutOfRange,
    SpannerCode::Unimplemented,
    SpannerCode::Internal,
    SpannerCode::Unavailable,
    SpannerCode::DataLoss,
    SpannerCode::Unauthenticated,
];

/// Where an error happened, to pick the [`DbErr`] variant.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stage {
    /// Acquiring a connection, beginning or committing.
    Conn,
    /// A statement without result rows.
    Exec,
    /// A query.
    Query,
}

fn runtime(message: String) -> RuntimeErr {
    RuntimeErr::Internal(message)
}

/// Converts an sqlx error of the Spanner driver into a [`DbErr`], keeping Spanner's
/// status code and message.
pub(crate) fn from_sqlx(error: sqlx_core::Error, stage: Stage) -> DbErr {
    let message = match error
        .as_database_error()
        .and_then(|e| e.try_downcast_ref::<SpannerDatabaseError>())
    {
        // `SpannerDatabaseError` displays as "Spanner error CODE: message".
        Some(db) => db.to_string(),
        None => error.to_string(),
    };
    match stage {
        Stage::Conn => DbErr::Conn(runtime(message)),
        Stage::Exec => DbErr::Exec(runtime(message)),
        Stage::Query => DbErr::Query(runtime(message)),
    }
}

/// A statement SeaORM rendered that cannot be expressed in GoogleSQL.
pub(crate) fn from_translate(error: &TranslateError, sql: &str) -> DbErr {
    let mut shown: String = sql.chars().take(200).collect();
    if shown.len() < sql.len() {
        shown.push_str("...");
    }
    DbErr::Custom(format!(
        "sea-query-spanner: cannot run this statement on Spanner: {error} (statement: {shown})"
    ))
}

/// The message carried by the runtime error variants of `error`.
fn runtime_message(error: &DbErr) -> Option<&str> {
    match error {
        DbErr::Conn(RuntimeErr::Internal(m))
        | DbErr::Exec(RuntimeErr::Internal(m))
        | DbErr::Query(RuntimeErr::Internal(m)) => Some(m),
        _ => None,
    }
}

/// The Spanner status code of an error produced by this adapter, if it came from Spanner.
pub fn spanner_code(error: &DbErr) -> Option<SpannerCode> {
    let rest = runtime_message(error)?.strip_prefix(PREFIX)?;
    CODES.into_iter().find(|code| {
        rest.strip_prefix(code.as_str())
            .is_some_and(|tail| tail.starts_with(':'))
    })
}

/// `true` when Spanner aborted the transaction (`ABORTED`): re-run it from the beginning
/// (see [`SpannerDatabase::transaction_with_retry`](super::SpannerDatabase::transaction_with_retry)).
pub fn is_aborted(error: &DbErr) -> bool {
    spanner_code(error) == Some(SpannerCode::Aborted)
}

/// The Spanner equivalent of [`DbErr::sql_err`] (which cannot see Spanner's errors):
/// a duplicate primary or unique-index key is [`SqlErr::UniqueConstraintViolation`], a
/// violated foreign key [`SqlErr::ForeignKeyConstraintViolation`].
pub fn sql_err(error: &DbErr) -> Option<SqlErr> {
    if let Some(found) = error.sql_err() {
        return Some(found);
    }
    let message = runtime_message(error)?;
    match spanner_code(error)? {
        SpannerCode::AlreadyExists => Some(SqlErr::UniqueConstraintViolation(message.into())),
        SpannerCode::FailedPrecondition
            if message.contains("Foreign key") || message.contains("foreign key") =>
        {
            Some(SqlErr::ForeignKeyConstraintViolation(message.into()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        let error = sqlx_core::Error::Database(Box::new(SpannerDatabaseError::new(
            SpannerCode::AlreadyExists,
            "Row [1] in table cake already exists",
        )));
        let db = from_sqlx(error, Stage::Exec);
        assert_eq!(spanner_code(&db), Some(SpannerCode::AlreadyExists));
        assert!(
            matches!(sql_err(&db), Some(SqlErr::UniqueConstraintViolation(m)) if m.contains("already exists"))
        );
        assert!(!is_aborted(&db));

        let error = sqlx_core::Error::Database(Box::new(SpannerDatabaseError::new(
            SpannerCode::Aborted,
            "Transaction was aborted",
        )));
        assert!(is_aborted(&from_sqlx(error, Stage::Conn)));
        assert_eq!(spanner_code(&DbErr::Custom("x".into())), None);
    }
}
