//! Schema introspection: a database's tables, columns, keys, interleaving, indexes, foreign
//! keys, check constraints, sequences, views and change streams, read from Spanner's
//! `INFORMATION_SCHEMA` into typed structs.
//!
//! ```no_run
//! # async fn demo(pool: sqlx_spanner::SpannerPool) -> sqlx::Result<()> {
//! let mut conn = pool.acquire().await?;
//! let schema = sqlx_spanner::schema::read_schema(&mut conn).await?;
//! for table in &schema.tables {
//!     println!("{} ({} columns)", table.name, table.columns.len());
//! }
//! assert_eq!(schema.is_not_null("singers", "singer_id"), Some(true));
//! # Ok(()) }
//! ```
//!
//! Only the default (unnamed) schema is read. See `docs/schema.md`.

mod model;
mod read;

pub use model::{
    ChangeStream, ChangeStreamTable, CheckConstraint, Column, DatabaseSchema, ForeignKey,
    GeneratedColumn, Index, Interleave, KeyPart, OnDelete, Sequence, SortOrder, Table, View,
};
pub use read::{column_is_not_null, read_schema};
