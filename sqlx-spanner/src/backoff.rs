//! How long to wait before running a transaction again after Spanner aborted it: the
//! delay Spanner asked for (`google.rpc.RetryInfo` in the `ABORTED` status), otherwise
//! exponential backoff with jitter. One rule for [`retry_transaction`](crate::retry_transaction),
//! the driver's autocommit retries, internal retries and sea-query-spanner's retry helper.

use std::time::Duration;

use sqlx_core::error::Error;

use crate::error::SpannerDatabaseError;

/// The first backoff step; attempt `n` waits between half and all of
/// `BASE * 2^min(n, MAX_DOUBLINGS)`.
const BASE: Duration = Duration::from_millis(10);
const MAX_DOUBLINGS: u32 = 7;
/// The longest server-requested delay the driver honours (a guard against nonsense).
const MAX_SERVER_DELAY: Duration = Duration::from_secs(32);

/// The wait before attempt `attempt + 1` of a transaction that failed with `error`.
///
/// When `error` is Spanner's `ABORTED` status carrying a retry delay
/// ([`SpannerDatabaseError::retry_delay`]), that delay is used (capped at 32 s). Otherwise
/// it is exponential backoff from 10-20 ms up to 0.64-1.28 s, with random jitter so that
/// transactions aborted together do not collide again.
///
/// ```
/// use std::time::Duration;
/// let first = sqlx_spanner::abort_backoff_delay(None, 1);
/// assert!(first >= Duration::from_millis(10) && first <= Duration::from_millis(20));
/// ```
pub fn abort_backoff_delay(error: Option<&Error>, attempt: u32) -> Duration {
    let server = error
        .and_then(|e| e.as_database_error())
        .and_then(|e| e.try_downcast_ref::<SpannerDatabaseError>())
        .and_then(SpannerDatabaseError::retry_delay);
    if let Some(delay) = server {
        return delay.min(MAX_SERVER_DELAY);
    }
    let ceiling = BASE.saturating_mul(1 << attempt.min(MAX_DOUBLINGS));
    let half = ceiling / 2;
    let jitter = rand::random_range(0..=half.as_micros() as u64);
    half + Duration::from_micros(jitter)
}

/// Waits before attempt `attempt + 1` of an aborted transaction, without an error to
/// read a server delay from: see [`abort_backoff_delay`].
pub async fn abort_backoff(attempt: u32) {
    tokio::time::sleep(abort_backoff_delay(None, attempt)).await;
}

/// Waits before attempt `attempt + 1` of a transaction that failed with `error` (the
/// server's retry delay when it sent one): see [`abort_backoff_delay`].
pub async fn abort_backoff_after(error: &Error, attempt: u32) {
    tokio::time::sleep(abort_backoff_delay(Some(error), attempt)).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SpannerCode;

    #[test]
    fn exponential_with_jitter_and_capped() {
        let delays: Vec<Duration> = (0..50).map(|_| abort_backoff_delay(None, 3)).collect();
        assert!(delays
            .iter()
            .all(|d| *d >= Duration::from_millis(40) && *d <= Duration::from_millis(80)));
        assert!(
            delays.iter().any(|d| *d != delays[0]),
            "no jitter: {delays:?}"
        );
        assert!(abort_backoff_delay(None, 40) <= Duration::from_millis(1280));
    }

    #[test]
    fn server_delay_wins() {
        let error = Error::Database(Box::new(
            SpannerDatabaseError::new(SpannerCode::Aborted, "aborted")
                .with_retry_delay(Duration::from_millis(1234)),
        ));
        assert_eq!(
            abort_backoff_delay(Some(&error), 1),
            Duration::from_millis(1234)
        );
        let huge = Error::Database(Box::new(
            SpannerDatabaseError::new(SpannerCode::Aborted, "aborted")
                .with_retry_delay(Duration::from_secs(3600)),
        ));
        assert_eq!(abort_backoff_delay(Some(&huge), 1), MAX_SERVER_DELAY);
    }
}
