//! [`TimestampBound`]: which snapshot a read-only query or transaction reads.

use std::time::Duration;

use time::OffsetDateTime;

/// How fresh the data of a read-only read must be.
///
/// Stale reads (`ExactStaleness`, `MaxStaleness`, ...) can be served by any replica without
/// waiting for the leader, which is cheaper and faster; see Spanner's "timestamp bounds".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimestampBound {
    /// Read the latest committed data (the default).
    #[default]
    Strong,
    /// Read data exactly this old.
    ExactStaleness(Duration),
    /// Read data at most this old (single-use reads only).
    MaxStaleness(Duration),
    /// Read at exactly this timestamp.
    ReadTimestamp(OffsetDateTime),
    /// Read at a timestamp no earlier than this one (single-use reads only).
    MinReadTimestamp(OffsetDateTime),
}

impl TimestampBound {
    /// `true` for bounds Spanner allows only in single-use reads.
    pub fn is_single_use_only(&self) -> bool {
        matches!(
            self,
            TimestampBound::MaxStaleness(_) | TimestampBound::MinReadTimestamp(_)
        )
    }
}
