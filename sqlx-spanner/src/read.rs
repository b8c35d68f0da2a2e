//! The Read API (Spanner's `StreamingRead`): rows by primary key, by key range, or through a
//! secondary index, without SQL.
//!
//! A [`ReadRequest`] names a table, the columns to return, a [`KeySet`] and optionally an
//! index and a row limit. Keys are [`SpannerArguments`], built with the same `Encode`
//! values you bind to queries, one value per key column in key order (a prefix of the key
//! is allowed in ranges). Rows come back as [`SpannerRow`]s, read with `row.get(..)` or
//! `FromRow` like query rows, through the same resumable stream as queries.
//!
//! Where the read runs follows the connection, as queries do:
//! - outside a transaction: a single-use read-only transaction at the connection's
//!   [read staleness](SpannerConnection::set_read_staleness) (strong by default);
//! - in a read-only transaction: at its snapshot;
//! - in a read-write transaction: inside it, taking locks on the rows read, routed to the
//!   leader; buffered [batched DML](crate::batch_dml) is sent first. A read is not recorded
//!   for [internal retry](SpannerConnectOptions::retry_aborts_internally): after a read, the
//!   transaction stops retrying aborts internally and an abort is returned to the caller
//!   (retryable, e.g. by [`retry_transaction`](crate::retry_transaction)).
//!
//! ```no_run
//! # async fn demo(pool: sqlx_spanner::SpannerPool) -> sqlx::Result<()> {
//! use sqlx::{Arguments, Row};
//! use sqlx_spanner::read::{KeyRange, KeySet, ReadRequest};
//! use sqlx_spanner::SpannerArguments;
//!
//! let mut key = SpannerArguments::default();
//! key.add(42_i64).map_err(sqlx::Error::Encode)?;
//! let rows = ReadRequest::new("Singers", ["Id", "Name"], KeySet::key(key))
//!     .fetch_all(&pool)
//!     .await?;
//! let name: Option<String> = rows.first().map(|row| row.get("Name"));
//! # Ok(()) }
//! ```
//!
//! [`SpannerConnectOptions`]: crate::SpannerConnectOptions

use std::ops::Bound;

use futures_core::stream::BoxStream;
use futures_util::TryStreamExt;
use sqlx_core::acquire::Acquire;
use sqlx_core::error::Error;
use sqlx_core::try_stream;

use crate::client::read::{Keys, RangeBound, ReadSpec};
use crate::connection::{SpannerConnection, TransactionState};
use crate::error::SpannerError;
use crate::{Spanner, SpannerArguments, SpannerRow};

#[cfg(doc)]
use crate::SpannerConnectOptions;

fn key_values(key: SpannerArguments) -> Vec<prost_types::Value> {
    key.values
        .into_iter()
        .map(|argument| argument.value)
        .collect()
}

/// A range of keys: from `start` to `end`, each bound included, excluded or unbounded.
/// Bounds may be key prefixes (fewer values than key columns): `[a]` to `[a]` closed covers
/// every key starting with `a`.
#[derive(Debug, Clone)]
pub struct KeyRange {
    start: Bound<SpannerArguments>,
    end: Bound<SpannerArguments>,
}

impl KeyRange {
    /// A range with the given bounds (`Bound::Included` is closed, `Bound::Excluded` open,
    /// `Bound::Unbounded` from the first / to the last key).
    pub fn new(start: Bound<SpannerArguments>, end: Bound<SpannerArguments>) -> Self {
        KeyRange { start, end }
    }

    /// `[start, end]`: both bounds included.
    pub fn closed(start: SpannerArguments, end: SpannerArguments) -> Self {
        KeyRange::new(Bound::Included(start), Bound::Included(end))
    }

    /// `[start, end)`: the start included, the end excluded.
    pub fn closed_open(start: SpannerArguments, end: SpannerArguments) -> Self {
        KeyRange::new(Bound::Included(start), Bound::Excluded(end))
    }

    /// `(start, end]`: the start excluded, the end included.
    pub fn open_closed(start: SpannerArguments, end: SpannerArguments) -> Self {
        KeyRange::new(Bound::Excluded(start), Bound::Included(end))
    }

    /// `(start, end)`: both bounds excluded.
    pub fn open(start: SpannerArguments, end: SpannerArguments) -> Self {
        KeyRange::new(Bound::Excluded(start), Bound::Excluded(end))
    }

    /// An unbounded start or end is the empty key prefix, closed: it covers every key.
    fn bound(bound: Bound<SpannerArguments>) -> RangeBound {
        match bound {
            Bound::Included(key) => RangeBound {
                key: key_values(key),
                closed: true,
            },
            Bound::Excluded(key) => RangeBound {
                key: key_values(key),
                closed: false,
            },
            Bound::Unbounded => RangeBound {
                key: Vec::new(),
                closed: true,
            },
        }
    }
}

/// The rows a read selects: keys, key ranges, or every row. Rows are returned in key order
/// (of the index, for an index read), each at most once.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    all: bool,
    keys: Vec<SpannerArguments>,
    ranges: Vec<KeyRange>,
}

impl KeySet {
    /// Every row of the table (or index).
    pub fn all() -> Self {
        KeySet {
            all: true,
            ..KeySet::default()
        }
    }

    /// One key.
    pub fn key(key: SpannerArguments) -> Self {
        KeySet::default().and_key(key)
    }

    /// Several keys (missing keys are simply not returned).
    pub fn keys(keys: impl IntoIterator<Item = SpannerArguments>) -> Self {
        KeySet {
            keys: keys.into_iter().collect(),
            ..KeySet::default()
        }
    }

    /// One key range.
    pub fn range(range: KeyRange) -> Self {
        KeySet::default().and_range(range)
    }

    /// This set and one more key.
    pub fn and_key(mut self, key: SpannerArguments) -> Self {
        self.keys.push(key);
        self
    }

    /// This set and one more range.
    pub fn and_range(mut self, range: KeyRange) -> Self {
        self.ranges.push(range);
        self
    }

    fn into_keys(self) -> Keys {
        Keys {
            all: self.all,
            keys: self.keys.into_iter().map(key_values).collect(),
            ranges: self
                .ranges
                .into_iter()
                .map(|range| (KeyRange::bound(range.start), KeyRange::bound(range.end)))
                .collect(),
        }
    }
}

/// A read by keys: table, columns, [`KeySet`], and optionally a secondary index and a row
/// limit. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct ReadRequest {
    table: String,
    index: Option<String>,
    columns: Vec<String>,
    key_set: KeySet,
    limit: Option<u64>,
}

impl ReadRequest {
    /// Reads `columns` of the rows of `table` selected by `key_set` (primary keys).
    pub fn new<C, S>(table: impl Into<String>, columns: C, key_set: KeySet) -> Self
    where
        C: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ReadRequest {
            table: table.into(),
            index: None,
            columns: columns.into_iter().map(Into::into).collect(),
            key_set,
            limit: None,
        }
    }

    /// Reads through the secondary index `index`: the key set then holds index keys (the
    /// index's key columns, in order), and the columns must be in the index (its key
    /// columns, `STORING` columns, or the table's primary key).
    pub fn index(mut self, index: impl Into<String>) -> Self {
        self.index = Some(index.into());
        self
    }

    /// Returns at most `limit` rows.
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    fn into_spec(self) -> Result<ReadSpec, Error> {
        if self.columns.is_empty() {
            return Err(
                SpannerError::Unsupported("a read needs at least one column".into()).into(),
            );
        }
        Ok(ReadSpec {
            table: self.table,
            index: self.index,
            columns: self.columns,
            keys: self.key_set.into_keys(),
            limit: self.limit,
        })
    }

    /// Streams the rows on `conn` (see [`SpannerConnection::read`]).
    pub fn fetch(self, conn: &mut SpannerConnection) -> BoxStream<'_, Result<SpannerRow, Error>> {
        conn.read(self)
    }

    /// All the rows, read on a connection from `acquire`: a pool, a connection, or a
    /// transaction (`&mut *tx`).
    pub async fn fetch_all<'a, A>(self, acquire: A) -> Result<Vec<SpannerRow>, Error>
    where
        A: Acquire<'a, Database = Spanner>,
    {
        let mut conn = acquire.acquire().await?;
        conn.read(self).try_collect().await
    }
}

impl SpannerConnection {
    /// Reads rows by key, key range or index (Spanner's Read API) and streams them; see
    /// [`crate::read`] for where the read runs (single-use, read-only or read-write
    /// transaction) and [`ReadRequest::fetch_all`] for use with a pool.
    ///
    /// # Errors
    ///
    /// Spanner's error for an unknown table, column or index, or a key whose values do not
    /// match the key columns' types (`INVALID_ARGUMENT` / `FAILED_PRECONDITION`).
    pub fn read(&mut self, request: ReadRequest) -> BoxStream<'_, Result<SpannerRow, Error>> {
        Box::pin(try_stream! {
            let spec = request.into_spec()?;
            self.flush_pending_rollback().await?;
            let options = self.take_request_options();
            match &mut self.transaction {
                TransactionState::None => {
                    let mut rows = self
                        .client
                        .read_single_use(spec, &self.read_bound, &options)
                        .await?;
                    while let Some(row) = rows.stream.next_row().await? {
                        r#yield!(row);
                    }
                }
                TransactionState::ReadOnly(tx) => {
                    let mut rows = tx.read(spec, &options).await?;
                    while let Some(row) = rows.next_row().await? {
                        r#yield!(row);
                    }
                }
                TransactionState::ReadWrite(_) => {
                    // The read must see the transaction's buffered DML.
                    Box::pin(self.flush_batch_dml()).await?;
                    // Reads are not recorded for replay: stop retrying aborts internally.
                    self.replay = None;
                    let TransactionState::ReadWrite(tx) = &mut self.transaction else {
                        return Err(SpannerError::TransactionNotActive.into());
                    };
                    let mut rows = tx.read(spec, &options).await?;
                    while let Some(row) = rows.next_row().await? {
                        r#yield!(row);
                    }
                }
            }
            Ok(())
        })
    }
}
