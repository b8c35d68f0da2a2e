//! SeaORM models written as Spanner **mutations** (insert, update, insert-or-update,
//! replace, delete), the fastest way to load data into Spanner: no SQL, no parameter limit,
//! one round trip per commit.
//!
//! ```ignore
//! use sea_query_spanner::orm::mutations::{self, MutationWriter};
//!
//! // Outside a transaction: committed in chunks under Spanner's per-commit limit.
//! mutations::insert_many(&db, models).await?;
//! // Any ActiveModel: `NotSet` columns are left out of the mutation.
//! MutationWriter::new().update(&db, [cake::ActiveModel { id: Set(1), name: Set("x".into()), ..Default::default() }]).await?;
//! // Inside a transaction: buffered, committed atomically with it.
//! let txn = db.begin().await?;
//! mutations::insert_many(&txn, models).await?;
//! txn.commit().await?;
//! ```
//!
//! **Columns and values.** Table and column names come from the entity; each column whose
//! `ActiveValue` is `Set` or `Unchanged` is written (a `Model` converted with
//! `into_active_model` has every column `Unchanged`), `NotSet` columns are left out, so
//! Spanner applies their `DEFAULT` on insert and keeps them on update. Values are converted
//! by [`bind_value`](crate::binder::bind_value), the rule every SeaORM statement uses.
//! Columns named with [`MutationWriter::commit_timestamp`] get Spanner's commit timestamp
//! (`spanner.commit_timestamp()`, for `allow_commit_timestamp` columns). Rows with the same
//! set of columns share one Spanner mutation.
//!
//! **Counting and chunking.** Spanner limits a commit to [`MAX_MUTATIONS_PER_COMMIT`]
//! mutations, counted as *columns x rows* for inserts and updates, *one per key* for
//! deletes, **plus** the index entries the rows change. The writer counts the first part
//! exactly and adds [`MutationWriter::index_entries_per_row`] (default 0: say how many
//! index columns a row of your table writes, e.g. 2 for one index on one column, key
//! included) per row — an estimate, as Spanner's own count depends on the indexes.
//!
//! - **Outside a transaction** ([`SpannerDatabase`]), a write is split into commits of at
//!   most the limit: **each commit is atomic, the whole write is not** (a failure in the
//!   third commit leaves the first two written; [`WriteSummary::commits`] and
//!   [`WriteSummary::rows`] say how far it got only on success, so make loads idempotent,
//!   e.g. with [`MutationWriter::insert_or_update`]). The models are consumed lazily (an
//!   iterator or a [`Stream`]), so a load of any size runs in the memory of one chunk.
//! - **Inside a transaction** ([`SpannerDatabaseTransaction`]), the mutations are buffered
//!   in it and applied atomically at its commit (nothing is sent before). When the
//!   mutations buffered through this module in the transaction would exceed the limit, the
//!   call fails before buffering anything ([`is_mutation_limit_error`]).
//!
//! SeaORM's proxy `DatabaseConnection`
//! ([`to_database_connection`](SpannerDatabase::to_database_connection)) forwards only SQL
//! statements, so mutations are written through [`SpannerDatabase`] (the same pool) or a
//! [`SpannerDatabaseTransaction`].

use futures_util::{Stream, StreamExt};
use sea_orm::{
    ActiveModelTrait, ActiveValue, DbErr, EntityName, EntityTrait, IdenStatic, IntoActiveModel,
    Iterable, PrimaryKeyToColumn,
};
use sqlx_spanner::{Mutation, MutationKind, SpannerArguments};
use time::OffsetDateTime;

use super::connection::SpannerDatabase;
use super::error::{from_sqlx, Stage};
use super::transaction::SpannerDatabaseTransaction;
use crate::binder::bind_value;

/// Spanner's limit of mutations in one commit (columns x rows, plus index entries).
pub const MAX_MUTATIONS_PER_COMMIT: usize = 80_000;

/// The value Spanner replaces with the commit timestamp in a mutation.
const COMMIT_TIMESTAMP: &str = "spanner.commit_timestamp()";

/// The start of the message of the error for a write over the per-commit limit.
const LIMIT_ERROR: &str = "sea-query-spanner: mutation limit:";

/// Where mutations go: a [`SpannerDatabase`] (committed in chunks) or a
/// [`SpannerDatabaseTransaction`] (buffered, committed with it). Sealed.
pub trait MutationTarget: private::Sealed + Sync {}

impl MutationTarget for SpannerDatabase {}
impl MutationTarget for SpannerDatabaseTransaction {}

mod private {
    /// What a target is (not nameable outside this module).
    pub enum Target<'a> {
        Database(&'a super::SpannerDatabase),
        Transaction(&'a super::SpannerDatabaseTransaction),
    }

    pub trait Sealed {
        fn target(&self) -> Target<'_>;
    }

    impl Sealed for super::SpannerDatabase {
        fn target(&self) -> Target<'_> {
            Target::Database(self)
        }
    }

    impl Sealed for super::SpannerDatabaseTransaction {
        fn target(&self) -> Target<'_> {
            Target::Transaction(self)
        }
    }
}

use private::Target;

/// What a completed write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// Rows (or keys, for deletes) written.
    pub rows: u64,
    /// Mutations as counted against the per-commit limit (with the index estimate).
    pub mutations: u64,
    /// Commits made (0 inside a transaction: its commit applies the mutations).
    pub commits: u64,
    /// Timestamp of the last commit (`None` inside a transaction).
    pub commit_timestamp: Option<OffsetDateTime>,
}

/// What a write does with each row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Write(MutationKind),
    Delete,
}

/// Writes SeaORM models as Spanner mutations, chunked under the per-commit limit (see the
/// [module docs](self)).
#[derive(Debug, Clone)]
pub struct MutationWriter {
    limit: usize,
    index_entries_per_row: usize,
    commit_timestamp_columns: Vec<String>,
}

impl Default for MutationWriter {
    fn default() -> Self {
        MutationWriter {
            limit: MAX_MUTATIONS_PER_COMMIT,
            index_entries_per_row: 0,
            commit_timestamp_columns: Vec::new(),
        }
    }
}

/// `true` when `error` is the writer's refusal of a write over the per-commit mutation
/// limit (a single row over the limit, or a transaction whose buffered mutations would
/// exceed it).
pub fn is_mutation_limit_error(error: &DbErr) -> bool {
    matches!(error, DbErr::Custom(message) if message.starts_with(LIMIT_ERROR))
}

fn limit_error(detail: String) -> DbErr {
    DbErr::Custom(format!("{LIMIT_ERROR} {detail}"))
}

/// The error for mutations that would take a transaction over the per-commit limit.
pub(crate) fn limit_exceeded(buffered: usize, more: usize, limit: usize) -> DbErr {
    limit_error(format!(
        "the transaction holds {buffered} mutations and this write adds {more}, over the \
         limit of {limit} per commit (nothing of this write was buffered; outside a \
         transaction a write is split into several commits)"
    ))
}

impl MutationWriter {
    /// A writer with Spanner's limit ([`MAX_MUTATIONS_PER_COMMIT`]) and no index estimate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Mutations per commit, at most (default [`MAX_MUTATIONS_PER_COMMIT`]; a lower value
    /// makes smaller commits, values above Spanner's limit are Spanner's error).
    pub fn chunk_limit(mut self, limit: usize) -> Self {
        self.limit = limit.max(1);
        self
    }

    /// Index entries each row changes, added to its count (see the [module docs](self)).
    pub fn index_entries_per_row(mut self, entries: usize) -> Self {
        self.index_entries_per_row = entries;
        self
    }

    /// Writes Spanner's commit timestamp into `column` of every inserted or updated row
    /// (the column needs `OPTIONS (allow_commit_timestamp = true)`), whatever the model
    /// holds.
    pub fn commit_timestamp(mut self, column: impl IdenStatic) -> Self {
        self.commit_timestamp_columns
            .push(column.as_str().to_string());
        self
    }

    /// Inserts the models (`ALREADY_EXISTS` if a row exists).
    ///
    /// # Errors
    ///
    /// A value with no Spanner type, a row over the limit, or Spanner's error (see the
    /// [module docs](self) for what is written when a later chunk fails).
    pub async fn insert<A, M, I>(
        &self,
        target: &impl MutationTarget,
        models: I,
    ) -> Result<WriteSummary, DbErr>
    where
        A: ActiveModelTrait + Send,
        M: IntoActiveModel<A> + Send,
        I: IntoIterator<Item = M>,
        I::IntoIter: Send,
    {
        let stream = futures_util::stream::iter(models.into_iter().map(M::into_active_model));
        self.write(target, Operation::Write(MutationKind::Insert), stream)
            .await
    }

    /// Updates existing rows (`NOT_FOUND` if one is missing); the key columns must be set.
    ///
    /// # Errors
    ///
    /// As [`insert`](Self::insert).
    pub async fn update<A, M, I>(
        &self,
        target: &impl MutationTarget,
        models: I,
    ) -> Result<WriteSummary, DbErr>
    where
        A: ActiveModelTrait + Send,
        M: IntoActiveModel<A> + Send,
        I: IntoIterator<Item = M>,
        I::IntoIter: Send,
    {
        let stream = futures_util::stream::iter(models.into_iter().map(M::into_active_model));
        self.write(target, Operation::Write(MutationKind::Update), stream)
            .await
    }

    /// Inserts rows, or updates the written columns of rows that exist.
    ///
    /// # Errors
    ///
    /// As [`insert`](Self::insert).
    pub async fn insert_or_update<A, M, I>(
        &self,
        target: &impl MutationTarget,
        models: I,
    ) -> Result<WriteSummary, DbErr>
    where
        A: ActiveModelTrait + Send,
        M: IntoActiveModel<A> + Send,
        I: IntoIterator<Item = M>,
        I::IntoIter: Send,
    {
        let stream = futures_util::stream::iter(models.into_iter().map(M::into_active_model));
        self.write(
            target,
            Operation::Write(MutationKind::InsertOrUpdate),
            stream,
        )
        .await
    }

    /// Inserts rows, or replaces rows that exist: columns left out become NULL (or their
    /// default).
    ///
    /// # Errors
    ///
    /// As [`insert`](Self::insert).
    pub async fn replace<A, M, I>(
        &self,
        target: &impl MutationTarget,
        models: I,
    ) -> Result<WriteSummary, DbErr>
    where
        A: ActiveModelTrait + Send,
        M: IntoActiveModel<A> + Send,
        I: IntoIterator<Item = M>,
        I::IntoIter: Send,
    {
        let stream = futures_util::stream::iter(models.into_iter().map(M::into_active_model));
        self.write(target, Operation::Write(MutationKind::Replace), stream)
            .await
    }

    /// Deletes the rows with the models' primary keys (every key column must be set or
    /// unchanged; a missing row is not an error).
    ///
    /// # Errors
    ///
    /// A model without its key, or Spanner's error.
    pub async fn delete<A, M, I>(
        &self,
        target: &impl MutationTarget,
        models: I,
    ) -> Result<WriteSummary, DbErr>
    where
        A: ActiveModelTrait + Send,
        M: IntoActiveModel<A> + Send,
        I: IntoIterator<Item = M>,
        I::IntoIter: Send,
    {
        let stream = futures_util::stream::iter(models.into_iter().map(M::into_active_model));
        self.write(target, Operation::Delete, stream).await
    }

    /// Inserts the models a stream yields, consuming it chunk by chunk (flat memory for
    /// loads of any size outside a transaction).
    ///
    /// # Errors
    ///
    /// As [`insert`](Self::insert).
    pub async fn insert_stream<A, S>(
        &self,
        target: &impl MutationTarget,
        models: S,
    ) -> Result<WriteSummary, DbErr>
    where
        A: ActiveModelTrait + Send,
        S: Stream<Item = A> + Send,
    {
        self.write(target, Operation::Write(MutationKind::Insert), models)
            .await
    }

    /// Like [`insert_stream`](Self::insert_stream) with any kind of write:
    /// `MutationKind::Insert`, `Update`, `InsertOrUpdate` or `Replace`.
    ///
    /// # Errors
    ///
    /// As [`insert`](Self::insert).
    pub async fn write_stream<A, S>(
        &self,
        target: &impl MutationTarget,
        kind: MutationKind,
        models: S,
    ) -> Result<WriteSummary, DbErr>
    where
        A: ActiveModelTrait + Send,
        S: Stream<Item = A> + Send,
    {
        self.write(target, Operation::Write(kind), models).await
    }

    async fn write<A, S>(
        &self,
        target: &impl MutationTarget,
        operation: Operation,
        models: S,
    ) -> Result<WriteSummary, DbErr>
    where
        A: ActiveModelTrait + Send,
        S: Stream<Item = A> + Send,
    {
        let mut models = std::pin::pin!(models);
        let mut chunk = Chunk::default();
        let mut summary = WriteSummary::default();
        match target.target() {
            Target::Database(db) => {
                let mut conn = None;
                while let Some(model) = models.next().await {
                    let (columns, values) = self.row_of(&model, operation)?;
                    let cost = self.cost(&columns, operation)?;
                    if chunk.count + cost > self.limit {
                        self.commit(db, &mut conn, &mut chunk, &mut summary).await?;
                    }
                    chunk.push(table_of::<A>(), operation, columns, values, cost);
                }
                self.commit(db, &mut conn, &mut chunk, &mut summary).await?;
            }
            Target::Transaction(txn) => {
                while let Some(model) = models.next().await {
                    let (columns, values) = self.row_of(&model, operation)?;
                    let cost = self.cost(&columns, operation)?;
                    if chunk.count + cost > self.limit {
                        return Err(limit_exceeded(0, chunk.count + cost, self.limit));
                    }
                    chunk.push(table_of::<A>(), operation, columns, values, cost);
                }
                summary.rows = chunk.rows;
                summary.mutations = chunk.count as u64;
                let (mutations, count) = chunk.take();
                if !mutations.is_empty() {
                    txn.buffer_mutations(mutations, count, self.limit).await?;
                }
            }
        }
        Ok(summary)
    }

    /// Commits the chunk (if any) on the pool connection kept for the write.
    async fn commit(
        &self,
        db: &SpannerDatabase,
        conn: &mut Option<sqlx_core::pool::PoolConnection<sqlx_spanner::Spanner>>,
        chunk: &mut Chunk,
        summary: &mut WriteSummary,
    ) -> Result<(), DbErr> {
        if chunk.rows == 0 {
            return Ok(());
        }
        let rows = chunk.rows;
        let context = chunk.describe();
        let (mutations, count) = chunk.take();
        let connection = match conn {
            Some(connection) => connection,
            None => conn.insert(
                db.pool()
                    .acquire()
                    .await
                    .map_err(|e| from_sqlx(e, Stage::Conn))?,
            ),
        };
        let timestamp = connection
            .apply_mutations(mutations)
            .await
            .map_err(|e| with_context(from_sqlx(e, Stage::Exec), &context))?;
        summary.rows += rows;
        summary.mutations += count as u64;
        summary.commits += 1;
        summary.commit_timestamp = timestamp;
        Ok(())
    }

    /// The mutations one row counts for.
    fn cost(&self, columns: &[&'static str], operation: Operation) -> Result<usize, DbErr> {
        let cells = match operation {
            Operation::Write(_) => columns.len(),
            Operation::Delete => 1,
        };
        let cost = cells + self.index_entries_per_row;
        if cost > self.limit {
            return Err(limit_error(format!(
                "one row counts {cost} mutations, over the limit of {} per commit",
                self.limit
            )));
        }
        Ok(cost)
    }

    /// The columns and values a model writes (its key, for a delete).
    fn row_of<A: ActiveModelTrait>(
        &self,
        model: &A,
        operation: Operation,
    ) -> Result<(Vec<&'static str>, SpannerArguments), DbErr> {
        let mut columns = Vec::new();
        let mut values = SpannerArguments::default();
        let mut add = |name: &'static str, value: &sea_query::Value| {
            bind_value(&mut values, value).map_err(|reason| {
                DbErr::Custom(format!(
                    "sea-query-spanner: column {}.{name} cannot be written: {reason}",
                    table_of::<A>()
                ))
            })?;
            columns.push(name);
            Ok::<(), DbErr>(())
        };
        match operation {
            Operation::Write(_) => {
                for column in <A::Entity as EntityTrait>::Column::iter() {
                    let name = column.as_str();
                    if self.commit_timestamp_columns.iter().any(|c| c == name) {
                        add(name, &sea_query::Value::from(COMMIT_TIMESTAMP))?;
                        continue;
                    }
                    match model.get(column) {
                        ActiveValue::Set(value) | ActiveValue::Unchanged(value) => {
                            add(name, &value)?
                        }
                        ActiveValue::NotSet => {}
                    }
                }
            }
            Operation::Delete => {
                for key in <A::Entity as EntityTrait>::PrimaryKey::iter() {
                    let column = key.into_column();
                    let name = column.as_str();
                    match model.get(column) {
                        ActiveValue::Set(value) | ActiveValue::Unchanged(value) => {
                            add(name, &value)?
                        }
                        ActiveValue::NotSet => {
                            return Err(DbErr::Custom(format!(
                                "sea-query-spanner: a delete mutation needs the primary key: \
                                 {}.{name} is not set",
                                table_of::<A>()
                            )))
                        }
                    }
                }
            }
        }
        Ok((columns, values))
    }
}

/// Adds what was being written to an error of Spanner (whose message may not name the
/// table or column, e.g. "Could not parse .. as an integer"), keeping its code readable by
/// [`spanner_code`](super::spanner_code).
fn with_context(error: DbErr, context: &str) -> DbErr {
    match error {
        DbErr::Exec(sea_orm::RuntimeErr::Internal(message)) => DbErr::Exec(
            sea_orm::RuntimeErr::Internal(format!("{message} (writing mutations: {context})")),
        ),
        other => other,
    }
}

fn table_of<A: ActiveModelTrait>() -> &'static str {
    <A::Entity as Default>::default().table_name()
}

/// Mutations gathered for one commit; consecutive rows with the same columns share one.
#[derive(Default)]
struct Chunk {
    mutations: Vec<Mutation>,
    /// Columns of the last mutation (the next row joins it when they are the same).
    last_columns: Vec<&'static str>,
    last_table: &'static str,
    /// What each distinct mutation of the chunk writes (for error messages).
    descriptions: Vec<String>,
    count: usize,
    rows: u64,
}

impl Chunk {
    fn push(
        &mut self,
        table: &'static str,
        operation: Operation,
        columns: Vec<&'static str>,
        values: SpannerArguments,
        cost: usize,
    ) {
        let joins = !self.mutations.is_empty()
            && self.last_table == table
            && (operation == Operation::Delete || self.last_columns == columns);
        if !joins {
            let mutation = match operation {
                Operation::Write(kind) => match kind {
                    MutationKind::Insert => Mutation::insert(table, &columns),
                    MutationKind::Update => Mutation::update(table, &columns),
                    MutationKind::InsertOrUpdate => Mutation::insert_or_update(table, &columns),
                    MutationKind::Replace => Mutation::replace(table, &columns),
                },
                Operation::Delete => Mutation::delete(table),
            };
            self.mutations.push(mutation);
            let description = match operation {
                Operation::Write(kind) => format!("{kind:?} {table} ({})", columns.join(", ")),
                Operation::Delete => format!("Delete {table}"),
            };
            if !self.descriptions.contains(&description) {
                self.descriptions.push(description);
            }
            self.last_columns = columns;
            self.last_table = table;
        }
        if let Some(last) = self.mutations.pop() {
            self.mutations.push(last.row(values));
        }
        self.count += cost;
        self.rows += 1;
    }

    /// What the chunk writes, for error messages: `insert into items (id, name)`.
    fn describe(&self) -> String {
        self.descriptions.join("; ")
    }

    /// The mutations and their count, leaving the chunk empty.
    fn take(&mut self) -> (Vec<Mutation>, usize) {
        let count = std::mem::take(&mut self.count);
        self.rows = 0;
        self.last_columns.clear();
        self.descriptions.clear();
        (std::mem::take(&mut self.mutations), count)
    }
}

/// Inserts models (or active models) as mutations with the default [`MutationWriter`]:
/// the mutation counterpart of `Entity::insert_many(..).exec(..)`.
///
/// # Errors
///
/// As [`MutationWriter::insert`].
pub async fn insert_many<A, M, I>(
    target: &impl MutationTarget,
    models: I,
) -> Result<WriteSummary, DbErr>
where
    A: ActiveModelTrait + Send,
    M: IntoActiveModel<A> + Send,
    I: IntoIterator<Item = M>,
    I::IntoIter: Send,
{
    MutationWriter::new().insert(target, models).await
}

/// Deletes the rows with the models' primary keys, with the default [`MutationWriter`].
///
/// # Errors
///
/// As [`MutationWriter::delete`].
pub async fn delete_many<A, M, I>(
    target: &impl MutationTarget,
    models: I,
) -> Result<WriteSummary, DbErr>
where
    A: ActiveModelTrait + Send,
    M: IntoActiveModel<A> + Send,
    I: IntoIterator<Item = M>,
    I::IntoIter: Send,
{
    MutationWriter::new().delete(target, models).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: i64) -> SpannerArguments {
        let mut arguments = SpannerArguments::default();
        bind_value(&mut arguments, &sea_query::Value::from(n)).expect("bind");
        arguments
    }

    #[test]
    fn rows_with_the_same_columns_share_a_mutation() {
        let mut chunk = Chunk::default();
        let insert = Operation::Write(MutationKind::Insert);
        chunk.push("t", insert, vec!["a"], values(1), 1);
        chunk.push("t", insert, vec!["a"], values(2), 1);
        chunk.push("t", insert, vec!["b"], values(3), 1);
        chunk.push("t", insert, vec!["a"], values(4), 1);
        assert_eq!(chunk.describe(), "Insert t (a); Insert t (b)");
        let (mutations, count) = chunk.take();
        let rows: Vec<usize> = mutations.iter().map(Mutation::row_count).collect();
        assert_eq!(rows, vec![2, 1, 1]);
        assert_eq!(count, 4);
        assert_eq!(chunk.rows, 0);
        assert!(chunk.take().0.is_empty());
    }

    #[test]
    fn the_count_is_columns_per_row_plus_the_index_estimate() {
        let writer = MutationWriter::new().index_entries_per_row(2);
        let write = Operation::Write(MutationKind::Update);
        assert_eq!(writer.cost(&["a", "b", "c"], write).expect("cost"), 5);
        assert_eq!(
            writer.cost(&["a", "b"], Operation::Delete).expect("cost"),
            3
        );
        let small = MutationWriter::new().chunk_limit(2);
        let error = small.cost(&["a", "b", "c"], write).expect_err("over");
        assert!(is_mutation_limit_error(&error), "{error}");
        assert!(!is_mutation_limit_error(&DbErr::Custom("other".into())));
    }
}
