//! The policy every data RPC follows, in one place: its deadline, its retry of transient
//! transport failures, whether it is routed to the leader, and how a failed call's status is
//! normalised before it reaches the caller.
//!
//! - **Deadlines.** Every unary RPC is bounded by `rpc_timeout`; a statement (its first
//!   response and every later message of its result stream) by the statement deadline. The
//!   deadline is enforced on the client, so a stalled server (SIGSTOP, a dead network path)
//!   yields `DEADLINE_EXCEEDED` instead of a hang. HTTP/2 keep-alive on the channel
//!   (configured in `client/mod.rs`) detects a dead connection even sooner and fails every
//!   call on it with `UNAVAILABLE`.
//! - **Transport failures.** tonic reports a broken connection as `UNKNOWN`
//!   ("transport error"); the driver reports it as `UNAVAILABLE`, so callers can tell a
//!   lost server from a server-side error.
//! - **Leader routing.** Read-write work carries the `x-goog-spanner-route-to-leader`
//!   header; read-only work (single-use reads, read-only transactions, PLAN) does not, so it
//!   can be served by a nearby replica.

use std::error::Error as StdError;
use std::future::Future;
use std::time::{Duration, Instant};

use gcloud_gax::grpc::{Code, Status};
use gcloud_gax::retry::RetrySetting;
use tracing::Instrument as _;

/// Deadlines of the RPCs of one client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadlines {
    /// Unary RPCs other than statements: sessions, begin, commit, rollback.
    pub(crate) rpc: Duration,
    /// A whole statement (`None`: no limit besides the per-message wait).
    pub(crate) statement: Option<Duration>,
    /// The longest wait for the next message of a result stream (and for the first
    /// response of a statement) when no statement deadline is nearer.
    pub(crate) stream_idle: Duration,
}

impl Deadlines {
    /// When a statement started now must be finished, given an optional per-statement
    /// override of the statement deadline.
    pub(crate) fn statement_deadline(&self, per_statement: Option<Duration>) -> Option<Instant> {
        per_statement
            .or(self.statement)
            .map(|limit| Instant::now() + limit)
    }

    /// How long the next wait of a statement may take.
    pub(crate) fn next_wait(&self, deadline: Option<Instant>) -> Duration {
        match deadline {
            Some(deadline) => deadline
                .saturating_duration_since(Instant::now())
                .min(self.stream_idle),
            None => self.stream_idle,
        }
    }
}

/// What kind of work an RPC does, which decides its leader routing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Routing {
    /// Read-write transactions, partitioned DML, session management: sent to the leader.
    Leader,
    /// Single-use reads, read-only transactions, PLAN: any replica may serve them.
    AnyReplica,
}

impl Routing {
    /// The `disable_route_to_leader` argument of the generated client.
    pub(crate) fn disable_route_to_leader(self) -> bool {
        self == Routing::AnyReplica
    }
}

/// Retry policy for one RPC: only transport-level unavailability, briefly, so that a dead
/// server is reported within seconds. (Requests are idempotent: a retried statement carries
/// the same sequence number, a retried commit the same transaction id.) `CANCELLED` is
/// included because tonic reports a call whose connection closed under it that way (see
/// [`normalize`]); the driver never cancels a call it still waits for.
pub(crate) fn transient_retry() -> Option<RetrySetting> {
    Some(RetrySetting {
        from_millis: 10,
        max_delay: Some(Duration::from_millis(500)),
        factor: 2,
        take: 3,
        codes: vec![Code::Unavailable, Code::Cancelled],
    })
}

/// Runs `call` with a client-side deadline; the status of a failed call is normalised.
pub(crate) async fn with_deadline<T, F>(limit: Duration, what: &str, call: F) -> Result<T, Status>
where
    F: Future<Output = Result<T, Status>>,
{
    let span = crate::telemetry::rpc_span(what);
    let result = match tokio::time::timeout(limit, call)
        .instrument(span.clone())
        .await
    {
        Ok(result) => result.map_err(normalize),
        Err(_) => Err(deadline_exceeded(what, limit)),
    };
    if let Err(status) = &result {
        crate::telemetry::record_rpc_error(&span, status);
    }
    result
}

/// The status of a call that did not finish within `limit`.
pub(crate) fn deadline_exceeded(what: &str, limit: Duration) -> Status {
    Status::new(
        Code::DeadlineExceeded,
        format!("{what} did not complete within {limit:?} (the client-side deadline)"),
    )
}

/// Reports transport failures (connection refused, reset, closed, keep-alive timeout) as
/// `UNAVAILABLE`; every other status passes unchanged.
pub(crate) fn normalize(status: Status) -> Status {
    let transport_failure = match status.code() {
        Code::Unknown => is_transport_failure(&status),
        Code::Cancelled => is_connection_cancellation(&status),
        _ => false,
    };
    if transport_failure {
        return Status::new(
            Code::Unavailable,
            format!("connection to Spanner failed: {}", describe_chain(&status)),
        );
    }
    status
}

fn is_transport_failure(status: &Status) -> bool {
    // tonic attaches the underlying error (transport, hyper, h2, io) as the source of the
    // statuses it makes from a failed connection; a status sent by the server has none.
    if status.source().is_some() {
        return true;
    }
    // Without a source, tonic's own wording for a broken connection.
    let message = status.message();
    message.contains("transport error")
        || message.contains("connection error")
        || message.contains("error trying to connect")
        || message.contains("error reading a body from connection")
}

/// hyper cancels the calls still waiting on a connection that closed (a cut or reset
/// connection) and tonic reports them as `CANCELLED` "operation was canceled". The caller
/// did not cancel them (in Rust a call is cancelled by dropping its future, which leaves
/// nobody to see a status), so this is a lost connection like any other.
fn is_connection_cancellation(status: &Status) -> bool {
    status.message().starts_with("operation was canceled")
}

fn describe_chain(status: &Status) -> String {
    let mut text = status.message().to_string();
    let mut source: Option<&(dyn StdError + 'static)> = status.source();
    while let Some(error) = source {
        let part = error.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = error.source();
    }
    text
}

/// `true` for a status after which a read can be resumed or restarted on a new stream: the
/// connection broke (`UNAVAILABLE`) or the server reset the stream (`INTERNAL` with an
/// HTTP/2 reset or an unexpected end of stream).
pub(crate) fn is_resumable(status: &Status) -> bool {
    match status.code() {
        Code::Unavailable => true,
        Code::Internal => {
            let message = status.message();
            message.contains("RST_STREAM")
                || message.contains("Received unexpected EOS")
                || message.contains("h2 protocol error")
                || message.contains("stream terminated")
        }
        _ => false,
    }
}

/// `true` when Spanner no longer knows the session (deleted after an hour idle, garbage
/// collected, or the server restarted).
pub(crate) fn is_session_not_found(status: &Status) -> bool {
    status.code() == Code::NotFound && status.message().contains("Session not found")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_errors_become_unavailable() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let status = Status::from_error(Box::new(io));
        assert_eq!(status.code(), Code::Unknown);
        let normalized = normalize(status);
        assert_eq!(normalized.code(), Code::Unavailable);
        assert!(normalized.message().contains("reset by peer"));

        let server_error = Status::new(Code::Unknown, "something on the server");
        assert_eq!(normalize(server_error).code(), Code::Unknown);
    }

    #[test]
    fn calls_cancelled_by_a_closed_connection_become_unavailable() {
        // What tonic makes of hyper's `Canceled` error (`Status::cancelled(err.to_string())`)
        // when the connection under a waiting call closes: seen on a connection cut
        // mid-stream (tests/faults.rs), where it must lead to a restarted read.
        let cancelled = Status::cancelled("operation was canceled");
        let normalized = normalize(cancelled);
        assert_eq!(normalized.code(), Code::Unavailable);
        assert!(is_resumable(&normalized));

        let other = Status::cancelled("cancelled by the server for another reason");
        assert_eq!(normalize(other).code(), Code::Cancelled);
    }

    #[test]
    fn read_only_work_is_not_routed_to_the_leader() {
        assert!(Routing::AnyReplica.disable_route_to_leader());
        assert!(!Routing::Leader.disable_route_to_leader());
    }

    #[test]
    fn next_wait_is_bounded_by_the_statement_deadline() {
        let deadlines = Deadlines {
            rpc: Duration::from_secs(1),
            statement: Some(Duration::from_millis(50)),
            stream_idle: Duration::from_secs(600),
        };
        let deadline = deadlines.statement_deadline(None);
        assert!(deadlines.next_wait(deadline) <= Duration::from_millis(50));
        let no_deadline = Deadlines {
            statement: None,
            ..deadlines
        };
        assert_eq!(
            no_deadline.next_wait(no_deadline.statement_deadline(None)),
            Duration::from_secs(600)
        );
    }

    #[tokio::test]
    async fn a_call_that_never_answers_hits_its_deadline() {
        let never = std::future::pending::<Result<(), Status>>();
        let status = with_deadline(Duration::from_millis(20), "Commit", never)
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded);
        assert!(status.message().contains("Commit"));
    }
}
