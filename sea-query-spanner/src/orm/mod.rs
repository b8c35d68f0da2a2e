//! SeaORM 2.0 on Cloud Spanner (feature `sea-orm`).
//!
//! * [`SpannerDatabase`]: a SeaORM connection ([`ConnectionTrait`](sea_orm::ConnectionTrait),
//!   [`TransactionTrait`](sea_orm::TransactionTrait)) on an sqlx-spanner pool, plus
//!   [`SpannerDatabase::transaction_with_retry`] for Spanner's aborted transactions.
//! * [`SpannerDatabaseTransaction`]: an open read-write transaction.
//! * [`StreamTrait`](sea_orm::StreamTrait) for [`SpannerDatabase`]: `Entity::find().stream(&db)`
//!   streams rows ([`SpannerRowStream`]).
//! * [`schema::SpannerSchema`]: creates entity tables (interleaved, with commit-timestamp
//!   columns) in one DDL batch.
//! * [`SpannerDatabase::to_database_connection`]: a real `sea_orm::DatabaseConnection` on
//!   the same pool (SeaORM's proxy driver; its transactions are not atomic, see there), for
//!   APIs typed `&DatabaseConnection` and for sea-orm-migration.
//! * [`ddl`]: the PostgreSQL schema statements SeaORM / sea-orm-migration render, run as
//!   GoogleSQL DDL; sea-orm-migration's catalog queries are answered from
//!   `INFORMATION_SCHEMA`.
//! * [`translate`]: the PostgreSQL -> GoogleSQL translation every statement goes through.
//! * [`mutations`]: SeaORM models written as Spanner mutations (insert, update,
//!   insert-or-update, replace, delete), chunked under the per-commit limit.
//! * [`SpannerDatabase::partition_select`]: a select split into Spanner partitions
//!   (one snapshot, Data Boost), read in parallel as models ([`PartitionedSelect`]).
//! * [`sql_err`], [`is_aborted`], [`spanner_code`]: reading Spanner errors back from
//!   [`DbErr`](sea_orm::DbErr) (SeaORM's own `DbErr::sql_err` cannot see them).
//!
//! ```ignore
//! use sea_orm::{EntityTrait, TransactionTrait};
//! use sea_query_spanner::orm::SpannerDatabase;
//!
//! let db = SpannerDatabase::connect("spanner://projects/p/instances/i/databases/d").await?;
//! let cakes = cake::Entity::find().all(&db).await?;
//! db.transaction::<_, _, sea_orm::DbErr>(|txn| Box::pin(async move {
//!     cake::ActiveModel { name: Set("Lemon".into()), ..Default::default() }.insert(txn).await?;
//!     Ok(())
//! })).await?;
//! ```

mod catalog;
mod connection;
pub mod ddl;
mod error;
pub mod mutations;
mod partition;
mod proxy;
pub mod read;
pub mod row;
pub mod schema;
mod stream;
mod transaction;
pub mod translate;

pub use connection::SpannerDatabase;
pub use error::{is_aborted, spanner_code, sql_err};
pub use partition::{PartitionModelStream, PartitionedSelect};
pub use schema::{SchemaError, SpannerSchema};
pub use stream::SpannerRowStream;
pub use transaction::SpannerDatabaseTransaction;
