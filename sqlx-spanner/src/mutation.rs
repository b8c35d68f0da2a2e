//! [`Mutation`]: Spanner's write-without-SQL API (insert, update, upsert, replace, delete).
//!
//! Mutations are the fastest way to load data: they are buffered client-side and applied
//! atomically at commit, without a round trip per statement.

use crate::arguments::SpannerArguments;

/// The kind of write a [`Mutation`] performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MutationKind {
    /// Insert rows; fails with `ALREADY_EXISTS` if a row exists.
    Insert,
    /// Update existing rows; fails with `NOT_FOUND` if a row is missing.
    Update,
    /// Insert rows, or update the given columns of rows that exist.
    InsertOrUpdate,
    /// Insert rows, or replace rows that exist (unlisted columns become NULL/default).
    Replace,
}

/// A write applied by [`SpannerConnection::apply_mutations`](crate::SpannerConnection::apply_mutations)
/// or buffered in a transaction with
/// [`SpannerConnection::buffer_mutations`](crate::SpannerConnection::buffer_mutations).
///
/// ```
/// use sqlx::Arguments;
/// use sqlx_spanner::{Mutation, SpannerArguments};
///
/// let mut row = SpannerArguments::default();
/// row.add(1_i64).unwrap();
/// row.add("Marc").unwrap();
/// let m = Mutation::insert("Singers", &["SingerId", "FirstName"]).row(row);
/// assert_eq!(m.row_count(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct Mutation {
    pub(crate) op: MutationOp,
}

#[derive(Debug, Clone)]
pub(crate) enum MutationOp {
    Write {
        kind: MutationKind,
        table: String,
        columns: Vec<String>,
        rows: Vec<SpannerArguments>,
    },
    Delete {
        table: String,
        keys: Vec<SpannerArguments>,
        all: bool,
    },
}

impl Mutation {
    fn write(kind: MutationKind, table: &str, columns: &[&str]) -> Self {
        Mutation {
            op: MutationOp::Write {
                kind,
                table: table.to_string(),
                columns: columns.iter().map(|c| c.to_string()).collect(),
                rows: Vec::new(),
            },
        }
    }

    /// Inserts rows into `table`; add them with [`Mutation::row`].
    pub fn insert(table: &str, columns: &[&str]) -> Self {
        Mutation::write(MutationKind::Insert, table, columns)
    }

    /// Updates rows of `table` (the key columns must be among `columns`).
    pub fn update(table: &str, columns: &[&str]) -> Self {
        Mutation::write(MutationKind::Update, table, columns)
    }

    /// Inserts or updates rows of `table`.
    pub fn insert_or_update(table: &str, columns: &[&str]) -> Self {
        Mutation::write(MutationKind::InsertOrUpdate, table, columns)
    }

    /// Inserts or replaces rows of `table`.
    pub fn replace(table: &str, columns: &[&str]) -> Self {
        Mutation::write(MutationKind::Replace, table, columns)
    }

    /// Deletes the rows of `table` with the given primary keys (add them with
    /// [`Mutation::key`]).
    pub fn delete(table: &str) -> Self {
        Mutation {
            op: MutationOp::Delete {
                table: table.to_string(),
                keys: Vec::new(),
                all: false,
            },
        }
    }

    /// Deletes every row of `table`.
    pub fn delete_all(table: &str) -> Self {
        Mutation {
            op: MutationOp::Delete {
                table: table.to_string(),
                keys: Vec::new(),
                all: true,
            },
        }
    }

    /// Adds a row of values, in the order of the columns (write mutations).
    pub fn row(mut self, values: SpannerArguments) -> Self {
        match &mut self.op {
            MutationOp::Write { rows, .. } => rows.push(values),
            MutationOp::Delete { keys, .. } => keys.push(values),
        }
        self
    }

    /// Adds a primary key (all key columns, in key order) to a delete mutation.
    pub fn key(self, key: SpannerArguments) -> Self {
        self.row(key)
    }

    /// Rows (or keys) carried.
    pub fn row_count(&self) -> usize {
        match &self.op {
            MutationOp::Write { rows, .. } => rows.len(),
            MutationOp::Delete { keys, .. } => keys.len(),
        }
    }
}
