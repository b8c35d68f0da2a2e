//! Partitioned queries: a query too big for one process split by Spanner into partitions
//! that read one consistent snapshot, executed in parallel here or by workers elsewhere,
//! optionally on Data Boost (Spanner's independent compute for analytics reads).
//!
//! ```no_run
//! # async fn demo(pool: sqlx_spanner::SpannerPool) -> sqlx::Result<()> {
//! use futures_util::TryStreamExt;
//! use sqlx_spanner::{PartitionOptions, SpannerArguments};
//!
//! let mut conn = pool.acquire().await?;
//! let query = conn
//!     .partition_query("SELECT id, name FROM items", SpannerArguments::default(),
//!         PartitionOptions { data_boost_enabled: true, ..PartitionOptions::default() })
//!     .await?;
//! println!("snapshot at {:?}", query.read_timestamp());
//! // Either: every partition here, at most 4 at a time, as one stream of rows.
//! let rows: Vec<_> = query.execute_all(&pool, 4).try_collect().await?;
//! // Or: ship partitions (serde) to workers, which run
//! //     conn.execute_partition(&partition).await?  (a stream of rows)
//! // and close the query when they are done.
//! query.close();
//! # Ok(()) }
//! ```
//!
//! - **One snapshot.** The partitions belong to a batch read-only transaction at
//!   [`PartitionOptions::timestamp_bound`] (strong by default, or `ExactStaleness` /
//!   `ReadTimestamp`); [`PartitionedQuery::read_timestamp`] is the snapshot they read.
//! - **Who may execute them.** A [`QueryPartition`] names the session of its batch
//!   transaction and carries the statement, its parameters and the partition token, so any
//!   client of the same database (another connection, another process) executes it with
//!   [`SpannerConnection::execute_partition`]. It serializes with serde (feature `json`).
//! - **Lifetime.** The [`PartitionedQuery`] holds that session (one of the pool's) until
//!   it is closed or dropped, then the session returns to the pool; partitions executed
//!   after that fail with Spanner's error. Keep it open while workers run.
//! - **What can be partitioned.** Spanner partitions only *root-partitionable* queries
//!   (roughly: a scan of one table or an interleaved join whose first operator is a
//!   distributed union; no `ORDER BY` over everything, no top-level `LIMIT` or aggregate
//!   across rows); others fail with Spanner's `INVALID_ARGUMENT`.
//! - **Rows** of a partition stream and resume after transient failures like any query's;
//!   across partitions there is no order.

use std::pin::Pin;

use futures_core::Stream;
use futures_util::{stream, StreamExt};
use gcloud_googleapis::spanner::v1::ExecuteSqlRequest;
use prost::Message as _;
use sqlx_core::error::Error;
use time::OffsetDateTime;

use crate::client::partition::{BatchTransaction, PartitionHints};
use crate::client::stream::ResultStream;
use crate::connection::executor::prepare_request;
use crate::error::SpannerError;
use crate::sql::StatementKind;
use crate::{SpannerArguments, SpannerConnection, SpannerPool, SpannerRow, TimestampBound};

/// How [`SpannerConnection::partition_query`] splits a query and reads it.
#[derive(Debug, Clone, Default)]
pub struct PartitionOptions {
    /// The most partitions wanted (a hint; `None`: Spanner decides).
    pub max_partitions: Option<u32>,
    /// The size of each partition wanted, in bytes (a hint; `None`: Spanner decides).
    pub partition_size_bytes: Option<u64>,
    /// Execute the partitions on Data Boost (serverless compute independent of the
    /// instance's nodes; needs the `spanner.databases.useDataBoost` permission).
    pub data_boost_enabled: bool,
    /// The snapshot read: [`TimestampBound::Strong`] (default), `ExactStaleness` or
    /// `ReadTimestamp` (bounds valid only for single reads are Spanner's error).
    pub timestamp_bound: TimestampBound,
}

/// A stream of rows (of one partition, or of many merged).
pub type PartitionRowStream = Pin<Box<dyn Stream<Item = Result<SpannerRow, Error>> + Send>>;

/// One partition of a query: everything needed to execute it from any client of the
/// database (see the [module docs](self)). Serializable with serde (feature `json`), or
/// as bytes with [`to_bytes`](Self::to_bytes) / [`from_bytes`](Self::from_bytes).
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(
    any(feature = "json", feature = "offline"),
    derive(serde::Serialize, serde::Deserialize)
)]
pub struct QueryPartition {
    /// The `ExecuteSqlRequest` that executes the partition, protobuf-encoded.
    #[cfg_attr(
        any(feature = "json", feature = "offline"),
        serde(with = "base64_bytes")
    )]
    request: Vec<u8>,
    /// The snapshot's timestamp, in nanoseconds since the Unix epoch.
    read_timestamp_nanos: Option<i64>,
}

impl std::fmt::Debug for QueryPartition {
    /// Never shows the parameters (they may be personal data).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryPartition")
            .field("bytes", &self.request.len())
            .field("read_timestamp", &self.read_timestamp())
            .finish_non_exhaustive()
    }
}

impl QueryPartition {
    fn new(request: &ExecuteSqlRequest, read_timestamp: Option<OffsetDateTime>) -> Self {
        QueryPartition {
            request: request.encode_to_vec(),
            read_timestamp_nanos: read_timestamp
                .and_then(|t| i64::try_from(t.unix_timestamp_nanos()).ok()),
        }
    }

    fn request(&self) -> Result<ExecuteSqlRequest, Error> {
        ExecuteSqlRequest::decode(self.request.as_slice()).map_err(|e| {
            SpannerError::Protocol(format!("not a serialized query partition: {e}")).into()
        })
    }

    /// The snapshot the partition reads (that of its batch transaction).
    pub fn read_timestamp(&self) -> Option<OffsetDateTime> {
        self.read_timestamp_nanos
            .and_then(|n| OffsetDateTime::from_unix_timestamp_nanos(i128::from(n)).ok())
    }

    /// Whether the partition is executed on Data Boost.
    pub fn data_boost_enabled(&self) -> bool {
        self.request().is_ok_and(|r| r.data_boost_enabled)
    }

    /// The partition as bytes (for transports other than serde).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.request.len() + 9);
        match self.read_timestamp_nanos {
            Some(nanos) => {
                bytes.push(1);
                bytes.extend_from_slice(&nanos.to_be_bytes());
            }
            None => bytes.push(0),
        }
        bytes.extend_from_slice(&self.request);
        bytes
    }

    /// A partition from [`to_bytes`](Self::to_bytes).
    ///
    /// # Errors
    ///
    /// Bytes that are not a partition.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let bad = || SpannerError::Protocol("not a serialized query partition".into());
        let (read_timestamp_nanos, request) = match bytes.split_first() {
            Some((0, rest)) => (None, rest),
            Some((1, rest)) if rest.len() >= 8 => {
                let (nanos, request) = rest.split_at(8);
                let nanos: [u8; 8] = nanos.try_into().map_err(|_| bad())?;
                (Some(i64::from_be_bytes(nanos)), request)
            }
            _ => return Err(bad().into()),
        };
        let partition = QueryPartition {
            request: request.to_vec(),
            read_timestamp_nanos,
        };
        partition.request()?;
        Ok(partition)
    }
}

#[cfg(any(feature = "json", feature = "offline"))]
mod base64_bytes {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)
    }
}

/// A query split into partitions, with the batch read-only transaction (and its session)
/// they belong to; closing or dropping it returns the session to the pool.
pub struct PartitionedQuery {
    batch: BatchTransaction,
    partitions: Vec<QueryPartition>,
}

impl std::fmt::Debug for PartitionedQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartitionedQuery")
            .field("partitions", &self.partitions.len())
            .field("read_timestamp", &self.read_timestamp())
            .finish_non_exhaustive()
    }
}

impl PartitionedQuery {
    /// The partitions (together they return every row of the query once).
    pub fn partitions(&self) -> &[QueryPartition] {
        &self.partitions
    }

    /// The snapshot every partition reads.
    pub fn read_timestamp(&self) -> Option<OffsetDateTime> {
        self.batch.read_timestamp()
    }

    /// Executes every partition on connections of `pool`, at most `parallelism` at a time,
    /// as one stream of rows (in no particular order). The first error ends the stream.
    /// Keep `self` alive until the stream is done.
    pub fn execute_all(&self, pool: &SpannerPool, parallelism: usize) -> PartitionRowStream {
        execute_partitions(pool, self.partitions.clone(), parallelism)
    }

    /// Ends the batch transaction: its session returns to the pool. (Dropping does the
    /// same.)
    pub fn close(self) {}
}

/// Executes `partitions` (of one or several [`PartitionedQuery`]s, possibly made by
/// another process) on connections of `pool`, at most `parallelism` at a time, as one
/// stream of rows in no particular order. The first error ends the stream.
pub fn execute_partitions(
    pool: &SpannerPool,
    partitions: Vec<QueryPartition>,
    parallelism: usize,
) -> PartitionRowStream {
    let pool = pool.clone();
    let streams = stream::iter(partitions).map(move |partition| {
        let pool = pool.clone();
        let opened = async move {
            let mut conn = pool.acquire().await?;
            let rows = conn.execute_partition(&partition).await?;
            // The connection is held while its partition streams (bounded by the pool).
            Ok::<_, Error>(rows.map(move |row| {
                let _held = &conn;
                row
            }))
        };
        stream::once(opened)
            .map(|opened| match opened {
                Ok(rows) => rows.boxed(),
                Err(error) => stream::once(async { Err(error) }).boxed(),
            })
            .flatten()
            .boxed()
    });
    let merged = streams.flatten_unordered(parallelism.max(1));
    Box::pin(stop_after_error(merged))
}

/// Ends a stream after its first error.
fn stop_after_error<S>(rows: S) -> impl Stream<Item = Result<SpannerRow, Error>> + Send
where
    S: Stream<Item = Result<SpannerRow, Error>> + Send,
{
    rows.scan(false, |failed, row| {
        let next = if *failed {
            None
        } else {
            *failed = row.is_err();
            Some(row)
        };
        async move { next }
    })
}

/// The rows of one result stream, as a `Stream`.
fn rows_of(stream: ResultStream) -> PartitionRowStream {
    Box::pin(stream::try_unfold(stream, |mut stream| async move {
        Ok(stream.next_row().await?.map(|row| (row, stream)))
    }))
}

impl SpannerConnection {
    /// Splits a query into partitions in a new batch read-only transaction (see the
    /// [`partition`](crate::partition) module). Only queries can be partitioned.
    ///
    /// # Errors
    ///
    /// A statement that is not a query, or Spanner's error (`INVALID_ARGUMENT` for a query
    /// that is not root-partitionable).
    pub async fn partition_query(
        &mut self,
        sql: &str,
        arguments: SpannerArguments,
        options: PartitionOptions,
    ) -> Result<PartitionedQuery, Error> {
        let prepared = prepare_request(sql, Some(arguments))?;
        if prepared.kind != StatementKind::Query {
            return Err(SpannerError::Unsupported(
                "only queries can be partitioned (PartitionQuery)".into(),
            )
            .into());
        }
        self.flush_pending_rollback().await?;
        let mut batch = self.client.begin_batch(&options.timestamp_bound).await?;
        let hints = PartitionHints {
            max_partitions: options.max_partitions.map_or(0, i64::from),
            partition_size_bytes: options
                .partition_size_bytes
                .map_or(0, |n| i64::try_from(n).unwrap_or(i64::MAX)),
            data_boost_enabled: options.data_boost_enabled,
        };
        let requests = batch.partition_query(prepared.request, hints).await?;
        let read_timestamp = batch.read_timestamp();
        let partitions = requests
            .iter()
            .map(|request| QueryPartition::new(request, read_timestamp))
            .collect();
        Ok(PartitionedQuery { batch, partitions })
    }

    /// Executes one partition (made by [`partition_query`](Self::partition_query) here or
    /// in another process) and streams its rows. Runs outside this connection's
    /// transaction, in the partition's own snapshot.
    ///
    /// # Errors
    ///
    /// Spanner's error, e.g. when the partition's batch transaction was closed.
    pub async fn execute_partition(
        &mut self,
        partition: &QueryPartition,
    ) -> Result<PartitionRowStream, Error> {
        let request = partition.request()?;
        self.flush_pending_rollback().await?;
        let stream = self.client.execute_partition(request).await?;
        Ok(rows_of(stream))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition() -> QueryPartition {
        let request = ExecuteSqlRequest {
            session: "projects/p/instances/i/databases/d/sessions/s".into(),
            sql: "SELECT secret FROM t WHERE name = @p1".into(),
            partition_token: vec![1, 2, 3],
            data_boost_enabled: true,
            ..ExecuteSqlRequest::default()
        };
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).ok();
        QueryPartition::new(&request, at)
    }

    #[test]
    fn a_partition_survives_bytes_and_json() {
        let original = partition();
        let again = QueryPartition::from_bytes(&original.to_bytes()).expect("from_bytes");
        assert_eq!(again, original);
        assert!(again.data_boost_enabled());
        assert_eq!(
            again.read_timestamp().map(|t| t.unix_timestamp_nanos()),
            Some(1_700_000_000_123_456_789)
        );
        #[cfg(feature = "json")]
        {
            let text = serde_json::to_string(&original).expect("serialize");
            let back: QueryPartition = serde_json::from_str(&text).expect("deserialize");
            assert_eq!(back, original);
        }
        assert!(QueryPartition::from_bytes(&[]).is_err());
        assert!(QueryPartition::from_bytes(&[1, 0]).is_err());
    }

    #[test]
    fn debug_shows_no_statement_or_parameters() {
        let text = format!("{:?}", partition());
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("QueryPartition"), "{text}");
    }
}
