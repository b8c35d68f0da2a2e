//! [`SpannerTransactionOptions`]: how a read-write transaction is begun and committed
//! (isolation level, commit delay, commit statistics, change streams), and
//! [`CommitStats`], what a commit reports back when asked.

use std::time::Duration;

/// The isolation level of a read-write transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IsolationLevel {
    /// Spanner's default: transactions appear to run one after another (external
    /// consistency).
    Serializable,
    /// Reads see a snapshot taken at the start of the transaction; only write-write
    /// conflicts abort. Fewer aborts for read-heavy transactions, but write skew is
    /// possible.
    RepeatableRead,
}

impl IsolationLevel {
    /// The name used in URLs and by Spanner: `SERIALIZABLE` or `REPEATABLE_READ`.
    pub fn as_str(self) -> &'static str {
        match self {
            IsolationLevel::Serializable => "SERIALIZABLE",
            IsolationLevel::RepeatableRead => "REPEATABLE_READ",
        }
    }

    /// Parses `serializable` or `repeatable_read` (case-insensitive; `-` or a space may
    /// stand for `_`).
    pub fn parse(text: &str) -> Option<IsolationLevel> {
        match text
            .trim()
            .to_ascii_uppercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "SERIALIZABLE" => Some(IsolationLevel::Serializable),
            "REPEATABLE_READ" => Some(IsolationLevel::RepeatableRead),
            _ => None,
        }
    }
}

/// Options of a read-write transaction.
///
/// Connection-wide defaults come from [`SpannerConnectOptions`](crate::SpannerConnectOptions)
/// (`isolation_level`, `max_commit_delay`, `return_commit_stats`,
/// `exclude_txn_from_change_streams`, also as URL options); a value given to
/// [`SpannerConnection::set_next_transaction_options`](crate::SpannerConnection::set_next_transaction_options)
/// replaces them for the next read-write transaction only (`begin`, an autocommit DML
/// statement, mutations or batch DML outside a transaction).
///
/// ```no_run
/// # async fn demo(conn: &mut sqlx_spanner::SpannerConnection) -> sqlx::Result<()> {
/// use sqlx::Connection;
/// use sqlx_spanner::{IsolationLevel, SpannerTransactionOptions};
/// conn.set_next_transaction_options(SpannerTransactionOptions {
///     isolation_level: Some(IsolationLevel::RepeatableRead),
///     return_commit_stats: true,
///     ..Default::default()
/// });
/// let mut tx = conn.begin().await?;
/// sqlx::query("UPDATE Accounts SET Balance = 0 WHERE Id = 1").execute(&mut *tx).await?;
/// tx.commit().await?;
/// let mutations = conn.last_commit_stats().map(|s| s.mutation_count);
/// # Ok(()) }
/// ```
///
/// Build it with the methods or a struct literal ending in `..Default::default()` (fields
/// may be added).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpannerTransactionOptions {
    /// The isolation level; `None` leaves Spanner's default (serializable).
    pub isolation_level: Option<IsolationLevel>,
    /// How long Spanner may delay the commit to batch it with others (0 to 500 ms):
    /// higher throughput for a little latency.
    pub max_commit_delay: Option<Duration>,
    /// Ask Spanner for commit statistics (the mutation count), read afterwards with
    /// [`SpannerConnection::last_commit_stats`](crate::SpannerConnection::last_commit_stats).
    pub return_commit_stats: bool,
    /// Keep the transaction's writes out of change streams that honour the
    /// `allow_txn_exclusion` option.
    pub exclude_txn_from_change_streams: bool,
}

impl SpannerTransactionOptions {
    /// Options with Spanner's defaults (same as `Default`).
    pub fn new() -> Self {
        SpannerTransactionOptions::default()
    }

    /// Sets the isolation level.
    pub fn isolation_level(mut self, level: IsolationLevel) -> Self {
        self.isolation_level = Some(level);
        self
    }

    /// Sets the maximum commit delay.
    pub fn max_commit_delay(mut self, delay: Duration) -> Self {
        self.max_commit_delay = Some(delay);
        self
    }

    /// Asks for commit statistics.
    pub fn return_commit_stats(mut self, on: bool) -> Self {
        self.return_commit_stats = on;
        self
    }

    /// Excludes the transaction from change streams.
    pub fn exclude_txn_from_change_streams(mut self, on: bool) -> Self {
        self.exclude_txn_from_change_streams = on;
        self
    }
}

/// Statistics of a commit, returned when
/// [`SpannerTransactionOptions::return_commit_stats`] was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CommitStats {
    /// The number of mutations the transaction applied (Spanner counts one mutation per
    /// column written, plus index entries; DML counts too).
    pub mutation_count: u64,
}

impl CommitStats {
    pub(crate) fn new(mutation_count: u64) -> Self {
        CommitStats { mutation_count }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolation_level_names_round_trip() {
        for level in [IsolationLevel::Serializable, IsolationLevel::RepeatableRead] {
            assert_eq!(IsolationLevel::parse(level.as_str()), Some(level));
        }
        assert_eq!(
            IsolationLevel::parse("repeatable read"),
            Some(IsolationLevel::RepeatableRead)
        );
        assert_eq!(IsolationLevel::parse("snapshot"), None);
    }
}
