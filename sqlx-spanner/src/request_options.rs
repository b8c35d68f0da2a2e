//! [`RequestOptions`]: tag and priority of the requests a connection sends.

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

/// Tag and priority attached to a request, visible in Spanner's query and transaction
/// statistics (`SPANNER_SYS` tables) and used for troubleshooting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    /// The request tag (`request_tag`).
    pub tag: Option<String>,
    /// The request priority.
    pub priority: Option<Priority>,
}
