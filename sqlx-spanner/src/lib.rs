//! **sqlx-spanner**: an async [SQLx](https://docs.rs/sqlx) driver for Google Cloud Spanner
//! (GoogleSQL dialect).
//!
//! ```no_run
//! use sqlx_spanner::{SpannerConnectOptions, SpannerPool};
//!
//! # async fn demo() -> sqlx::Result<()> {
//! // With SPANNER_EMULATOR_HOST set this talks to the emulator, otherwise to Cloud Spanner
//! // with Application Default Credentials.
//! let options: SpannerConnectOptions =
//!     "spanner://projects/p/instances/i/databases/d?create_if_missing=true".parse()?;
//! let pool = SpannerPool::connect_with(options).await?;
//! let (n,): (i64,) = sqlx::query_as("SELECT @p1 + 1").bind(41_i64).fetch_one(&pool).await?;
//! assert_eq!(n, 42);
//! # Ok(()) }
//! ```
//!
//! See the crate's `docs/` folder for the design (how sqlx connections map to Spanner
//! sessions and transactions), the type mapping and the limitations.

#![warn(missing_docs)]

pub use sqlx_core;

mod arguments;
mod backoff;
pub mod batch_dml;
mod client;
mod column;
mod connection;
mod database;
mod describe;
mod error;
#[cfg(feature = "migrate")]
mod migrate;
#[cfg(feature = "migrate")]
mod migration_lock;
mod mutation;
mod options;
pub mod partition;
#[cfg(feature = "_macros")]
mod query_macros;
mod query_result;
pub mod read;
mod replay;
mod request_options;
mod row;
pub mod schema;
pub mod sql;
mod statement;
mod telemetry;
#[cfg(feature = "migrate")]
mod testing;
mod timestamp_bound;
mod transaction;
mod transaction_options;
mod type_checking;
mod type_info;
pub mod types;
mod value;

#[cfg(feature = "emulator")]
pub mod emulator;

pub use arguments::{SpannerArgument, SpannerArgumentBuffer, SpannerArguments};
pub use backoff::{abort_backoff, abort_backoff_after, abort_backoff_delay};
pub use column::SpannerColumn;
pub use connection::SpannerConnection;
pub use database::Spanner;
pub use error::{
    is_aborted_due_to_concurrent_modification, is_retryable, spanner_code, SpannerCode,
    SpannerDatabaseError, SpannerError,
};
pub use mutation::{Mutation, MutationKind};
pub use options::{SessionPoolStatus, SpannerConnectOptions, EMULATOR_HOST_ENV};
pub use partition::{
    execute_partitions, PartitionOptions, PartitionRowStream, PartitionedQuery, QueryPartition,
};
pub use query_result::SpannerQueryResult;
pub use request_options::{Priority, RequestOptions};
pub use row::SpannerRow;
pub use statement::SpannerStatement;
pub use timestamp_bound::TimestampBound;
pub use transaction::{retry_transaction, SpannerTransactionManager};
pub use transaction_options::{CommitStats, IsolationLevel, SpannerTransactionOptions};
pub use type_info::{SpannerType, SpannerTypeInfo};
pub use value::{SpannerValue, SpannerValueRef};

/// A pool of Spanner connections (they share one session pool).
pub type SpannerPool = sqlx_core::pool::Pool<Spanner>;

/// Pool options for Spanner.
pub type SpannerPoolOptions = sqlx_core::pool::PoolOptions<Spanner>;

/// A Spanner transaction (`pool.begin()`).
pub type SpannerTransaction<'c> = sqlx_core::transaction::Transaction<'c, Spanner>;

sqlx_core::impl_into_arguments_for_arguments!(SpannerArguments);
sqlx_core::impl_column_index_for_row!(SpannerRow);
sqlx_core::impl_column_index_for_statement!(SpannerStatement);
sqlx_core::impl_acquire!(Spanner, SpannerConnection);
sqlx_core::impl_encode_for_option!(Spanner);
