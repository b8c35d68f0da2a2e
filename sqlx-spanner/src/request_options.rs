//! [`RequestOptions`]: tag, priority and deadline of the requests a connection sends.

use std::time::Duration;

/// The CPU priority Spanner gives a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Priority {
    /// `PRIORITY_LOW`
    Low,
    /// `PRIORITY_MEDIUM`
    Medium,
    /// `PRIORITY_HIGH` (Spanner's default).
    High,
}

/// Tag, priority and deadline of a request. Tag and priority are visible in Spanner's query
/// and transaction statistics (`SPANNER_SYS` tables) and used for troubleshooting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    /// The request tag (`request_tag`).
    pub tag: Option<String>,
    /// The request priority.
    pub priority: Option<Priority>,
    /// The deadline of this statement (overrides the connection's `statement_timeout`):
    /// when it passes, the statement fails with `DEADLINE_EXCEEDED`.
    pub timeout: Option<Duration>,
}
