//! Partitioned reads of SeaORM selects: [`SpannerDatabase::partition_select`] splits
//! `Entity::find()..` into Spanner partitions (one snapshot, optionally on Data Boost) and
//! decodes their rows into models. See `sqlx_spanner::partition` for partitions
//! themselves (serializing them, executing one elsewhere, what can be partitioned).

use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::{Stream, StreamExt};
use sea_orm::{DbBackend, DbErr, EntityTrait, FromQueryResult, QueryTrait, Select};
use sqlx_spanner::{execute_partitions, PartitionOptions, PartitionedQuery, QueryPartition};
use time::OffsetDateTime;

use super::connection::{prepare, SpannerDatabase};
use super::error::{from_sqlx, Stage};
use super::row::{to_query_result, ColumnHints};

/// A stream of models read from partitions.
pub type PartitionModelStream<M> = Pin<Box<dyn Stream<Item = Result<M, DbErr>> + Send>>;

/// A SeaORM select split into partitions (from [`SpannerDatabase::partition_select`]);
/// closing or dropping it ends its batch transaction.
pub struct PartitionedSelect<M> {
    query: PartitionedQuery,
    hints: Arc<ColumnHints>,
    db: SpannerDatabase,
    model: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for PartitionedSelect<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartitionedSelect")
            .field("query", &self.query)
            .finish_non_exhaustive()
    }
}

impl<M: FromQueryResult + Send + 'static> PartitionedSelect<M> {
    /// The partitions (serializable; execute one elsewhere with
    /// `SpannerConnection::execute_partition`).
    pub fn partitions(&self) -> &[QueryPartition] {
        self.query.partitions()
    }

    /// The snapshot every partition reads.
    pub fn read_timestamp(&self) -> Option<OffsetDateTime> {
        self.query.read_timestamp()
    }

    /// Every partition, at most `parallelism` at a time, as one stream of models (in no
    /// particular order; the first error ends it). Keep `self` alive until it is done.
    pub fn models(&self, parallelism: usize) -> PartitionModelStream<M> {
        let rows = execute_partitions(
            self.db.pool(),
            self.query.partitions().to_vec(),
            parallelism,
        );
        let hints = self.hints.clone();
        Box::pin(rows.map(move |row| {
            let row = row.map_err(|e| from_sqlx(e, Stage::Query))?;
            let result = to_query_result(&row, &hints).map_err(DbErr::Type)?;
            M::from_query_result(&result, "")
        }))
    }

    /// Ends the batch transaction (its session returns to the pool).
    pub fn close(self) {}
}

impl SpannerDatabase {
    /// Splits a SeaORM select into Spanner partitions (see
    /// [`PartitionOptions`]); [`PartitionedSelect::models`] reads them in parallel.
    /// Only root-partitionable selects qualify (no `ORDER BY`, no `LIMIT`).
    ///
    /// # Errors
    ///
    /// A select that cannot be translated, or Spanner's error (`INVALID_ARGUMENT` for a
    /// query that cannot be partitioned).
    pub async fn partition_select<E: EntityTrait>(
        &self,
        select: Select<E>,
        options: PartitionOptions,
    ) -> Result<PartitionedSelect<E::Model>, DbErr> {
        let prepared = prepare(select.build(DbBackend::Postgres))?;
        let hints = ColumnHints::new(self.registry(), &prepared.original, None);
        let mut conn = self
            .pool()
            .acquire()
            .await
            .map_err(|e| from_sqlx(e, Stage::Conn))?;
        let query = conn
            .partition_query(&prepared.sql, prepared.arguments, options)
            .await
            .map_err(|e| from_sqlx(e, Stage::Query))?;
        Ok(PartitionedSelect {
            query,
            hints: Arc::new(hints),
            db: self.clone(),
            model: PhantomData,
        })
    }
}
