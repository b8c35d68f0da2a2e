//! Tracing spans of statements, transactions and RPCs, named after OpenTelemetry's database
//! semantic conventions so that a `tracing-opentelemetry` layer exports them unchanged.
//!
//! Every span and field name lives here; the call sites only create a span, enter it and
//! report how the work ended. The rules (see `docs/tracing.md`):
//!
//! - **Statement spans** (`spanner.statement`, INFO, target `sqlx_spanner::statement`): one
//!   per `execute`/`fetch*` call, covering the whole result stream until it ends or is
//!   dropped.
//! - **Transaction spans** (`spanner.transaction`, INFO, target `sqlx_spanner::transaction`):
//!   from `begin` to commit or rollback; the statements of the transaction are its children.
//! - **RPC spans** (`spanner.rpc`, DEBUG, target `sqlx_spanner::rpc`): one per unary call and
//!   per opening of a result stream, child of the statement or transaction span in effect.
//! - **Retries** of aborted transactions are INFO events (target `sqlx_spanner::transaction`)
//!   with the attempt number.
//!
//! Parameter values never reach a span or an event: statements record their SQL text (whose
//! parameters are `@p1`, `@name`), errors record only the gRPC code name, never Spanner's
//! message (which can quote key values). Nothing is formatted when no subscriber wants a
//! span: every text field is filled in only after `Span::is_disabled` said no.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::stream::{BoxStream, Stream};
use gcloud_gax::grpc::Status;
use sqlx_core::error::Error;
use sqlx_core::Either;
use tracing::field::Empty;
use tracing::Span;

use crate::sql::lexer::{Lexer, TokenKind};
use crate::{SpannerConnectOptions, SpannerQueryResult, SpannerRow};

/// `db.system.name` of Cloud Spanner in the OpenTelemetry conventions.
pub(crate) const DB_SYSTEM_NAME: &str = "gcp.spanner";

/// The target of statement spans (and of nothing else).
pub(crate) const STATEMENT_TARGET: &str = "sqlx_spanner::statement";
/// The target of transaction spans and of the events of retried transactions.
pub(crate) const TRANSACTION_TARGET: &str = "sqlx_spanner::transaction";
/// The target of RPC spans.
pub(crate) const RPC_TARGET: &str = "sqlx_spanner::rpc";

/// The statement keywords reported as `db.operation.name` (anything else is not reported:
/// the operation name must never carry text from the statement that is not a keyword).
const OPERATIONS: &[&str] = &[
    "SELECT", "WITH", "GRAPH", "FROM", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP",
    "RENAME", "GRANT", "REVOKE", "ANALYZE", "CALL",
];

/// The operation name of a statement: its first keyword (after comments, hints and opening
/// parentheses), upper case, when it is one Spanner knows.
pub(crate) fn operation_name(sql: &str) -> Option<&'static str> {
    for token in Lexer::new(sql) {
        let token = token.ok()?;
        match token.kind {
            kind if kind.is_trivia() => {}
            TokenKind::OpenParen | TokenKind::Hint => {}
            TokenKind::Word => {
                return OPERATIONS
                    .iter()
                    .find(|keyword| keyword.eq_ignore_ascii_case(token.text))
                    .copied();
            }
            _ => return None,
        }
    }
    None
}

/// `server.address` and `server.port` of the options: the emulator, else the endpoint.
fn server(options: &SpannerConnectOptions) -> Option<(String, Option<u16>)> {
    let url = match options.resolved_emulator_host() {
        Some(host) => format!("http://{}", host.trim()),
        None => crate::client::channel::endpoint_url(options.endpoint.as_deref()),
    };
    let url = url::Url::parse(&url).ok()?;
    let host = url.host_str()?.to_string();
    Some((host, url.port_or_known_default()))
}

/// Records `db.namespace` (the database path, `projects/P/instances/I/databases/D`) and the
/// server of an enabled span.
fn record_target(span: &Span, options: &SpannerConnectOptions) {
    span.record("db.namespace", options.database_path().as_str());
    if let Some((host, port)) = server(options) {
        span.record("server.address", host.as_str());
        if let Some(port) = port {
            span.record("server.port", i64::from(port));
        }
    }
}

/// The span of one statement (or one script of statements without arguments) about to run.
pub(crate) fn statement_span(options: &SpannerConnectOptions, sql: &str) -> Span {
    let span = tracing::info_span!(
        target: STATEMENT_TARGET,
        "spanner.statement",
        otel.name = Empty,
        otel.kind = "client",
        otel.status_code = Empty,
        db.system.name = DB_SYSTEM_NAME,
        db.namespace = Empty,
        db.operation.name = Empty,
        db.query.text = Empty,
        db.response.returned_rows = Empty,
        db.response.affected_rows = Empty,
        db.response.status_code = Empty,
        error.type = Empty,
        server.address = Empty,
        server.port = Empty,
    );
    if !span.is_disabled() {
        let operation = operation_name(sql);
        span.record("otel.name", operation.unwrap_or(DB_SYSTEM_NAME));
        if let Some(operation) = operation {
            span.record("db.operation.name", operation);
        }
        span.record("db.query.text", sql);
        record_target(&span, options);
    }
    span
}

/// The span of a transaction about to begin.
pub(crate) fn transaction_span(options: &SpannerConnectOptions, read_only: bool) -> Span {
    let span = tracing::info_span!(
        target: TRANSACTION_TARGET,
        "spanner.transaction",
        otel.name = Empty,
        otel.status_code = Empty,
        db.system.name = DB_SYSTEM_NAME,
        db.namespace = Empty,
        db.response.status_code = Empty,
        error.type = Empty,
        server.address = Empty,
        server.port = Empty,
        spanner.transaction.mode = if read_only { "read_only" } else { "read_write" },
        spanner.transaction.attempt = Empty,
        spanner.transaction.outcome = Empty,
    );
    if !span.is_disabled() {
        span.record(
            "otel.name",
            if read_only {
                "read-only transaction"
            } else {
                "read-write transaction"
            },
        );
        record_target(&span, options);
    }
    span
}

/// How a transaction ended, recorded on its span (`spanner.transaction.outcome`).
pub(crate) fn end_transaction(span: &Span, outcome: &'static str, error: Option<&Error>) {
    span.record("spanner.transaction.outcome", outcome);
    if let Some(error) = error {
        record_error(span, error);
    }
}

/// The number of the attempt a transaction belongs to (`retry_transaction`).
pub(crate) fn record_attempt(span: &Span, attempt: u32) {
    span.record("spanner.transaction.attempt", attempt);
}

/// The span of one RPC (`what` is the gRPC method, e.g. `Commit`).
pub(crate) fn rpc_span(what: &str) -> Span {
    let span = tracing::debug_span!(
        target: RPC_TARGET,
        "spanner.rpc",
        otel.name = Empty,
        otel.kind = "client",
        otel.status_code = Empty,
        db.system.name = DB_SYSTEM_NAME,
        db.operation.name = Empty,
        db.response.status_code = Empty,
        error.type = Empty,
        rpc.system = "grpc",
        rpc.method = Empty,
    );
    if !span.is_disabled() {
        span.record("otel.name", what);
        span.record("db.operation.name", what);
        span.record("rpc.method", what);
    }
    span
}

/// Records a failed RPC's status code (never its message).
pub(crate) fn record_rpc_error(span: &Span, status: &Status) {
    if span.is_disabled() {
        return;
    }
    let code = crate::error::SpannerCode::from_grpc(status.code()).as_str();
    span.record("otel.status_code", "ERROR");
    span.record("db.response.status_code", code);
    span.record("error.type", code);
}

/// Records a failed statement or transaction: Spanner's code name when Spanner (or the
/// transport) failed it, else the kind of driver error. Never the message.
pub(crate) fn record_error(span: &Span, error: &Error) {
    if span.is_disabled() {
        return;
    }
    span.record("otel.status_code", "ERROR");
    match crate::spanner_code(error) {
        Some(code) => {
            span.record("db.response.status_code", code.as_str());
            span.record("error.type", code.as_str());
        }
        None => {
            span.record("error.type", error_kind(error));
        }
    }
}

/// A low-cardinality name of a driver error (OpenTelemetry's `error.type`).
fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::Configuration(_) => "configuration",
        Error::InvalidArgument(_) => "invalid_argument",
        Error::Database(_) => "database",
        Error::Io(_) => "io",
        Error::Tls(_) => "tls",
        Error::Protocol(_) => "protocol",
        Error::RowNotFound => "row_not_found",
        Error::TypeNotFound { .. } => "type_not_found",
        Error::ColumnIndexOutOfBounds { .. } => "column_index_out_of_bounds",
        Error::ColumnNotFound(_) => "column_not_found",
        Error::ColumnDecode { .. } => "column_decode",
        Error::Encode(_) => "encode",
        Error::Decode(_) => "decode",
        Error::PoolTimedOut => "pool_timed_out",
        Error::PoolClosed => "pool_closed",
        Error::WorkerCrashed => "worker_crashed",
        _ => "_OTHER",
    }
}

/// A transaction that Spanner aborted is run again: an INFO event in the current span.
/// `retry` says who retries (`retry_transaction`, `autocommit`, `internal`).
pub(crate) fn retry_event(retry: &'static str, attempt: u32, error: &Error) {
    let code = crate::spanner_code(error).map(|code| code.as_str());
    tracing::event!(
        target: TRANSACTION_TARGET,
        tracing::Level::INFO,
        { spanner.retry = retry, spanner.transaction.attempt = attempt, error.type = code },
        "Spanner aborted the transaction; running it again"
    );
}

/// The results of one statement, inside its span: the span is entered while the stream is
/// polled (so the RPCs it sends are its children) and is closed, with the row counts, when
/// the stream ends or is dropped.
pub(crate) struct StatementStream<'e> {
    inner: BoxStream<'e, Result<Either<SpannerQueryResult, SpannerRow>, Error>>,
    span: Span,
    returned_rows: u64,
    affected_rows: u64,
    recorded: bool,
}

impl<'e> StatementStream<'e> {
    /// Runs `inner` in `span`.
    pub(crate) fn new(
        span: Span,
        inner: BoxStream<'e, Result<Either<SpannerQueryResult, SpannerRow>, Error>>,
    ) -> Self {
        StatementStream {
            inner,
            span,
            returned_rows: 0,
            affected_rows: 0,
            recorded: false,
        }
    }

    fn record_counts(&mut self) {
        if std::mem::replace(&mut self.recorded, true) || self.span.is_disabled() {
            return;
        }
        self.span
            .record("db.response.returned_rows", self.returned_rows);
        if self.affected_rows > 0 {
            self.span
                .record("db.response.affected_rows", self.affected_rows);
        }
    }
}

impl Stream for StatementStream<'_> {
    type Item = Result<Either<SpannerQueryResult, SpannerRow>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let polled = {
            let _entered = this.span.enter();
            this.inner.as_mut().poll_next(cx)
        };
        match &polled {
            Poll::Ready(Some(Ok(Either::Right(_)))) => this.returned_rows += 1,
            Poll::Ready(Some(Ok(Either::Left(result)))) => {
                this.affected_rows += result.rows_affected();
            }
            Poll::Ready(Some(Err(error))) => record_error(&this.span, error),
            Poll::Ready(None) => this.record_counts(),
            Poll::Pending => {}
        }
        polled
    }
}

impl Drop for StatementStream<'_> {
    fn drop(&mut self) {
        self.record_counts();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_keywords_only() {
        assert_eq!(operation_name("select 1"), Some("SELECT"));
        assert_eq!(
            operation_name("-- note\n@{USE_ADDITIONAL_PARALLELISM=TRUE} (SELECT 1)"),
            Some("SELECT")
        );
        assert_eq!(
            operation_name("/* c */ Insert INTO t (a) VALUES (1)"),
            Some("INSERT")
        );
        assert_eq!(operation_name("SELCT secret FROM t"), None);
        assert_eq!(operation_name("'secret'"), None);
        assert_eq!(operation_name(""), None);
    }

    #[test]
    fn the_server_is_the_emulator_or_the_endpoint() {
        let emulator = SpannerConnectOptions::new().emulator_host("localhost:9010");
        assert_eq!(server(&emulator), Some(("localhost".into(), Some(9010))));
    }
}
