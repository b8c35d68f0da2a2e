//! **sea-query-spanner**: Google Cloud Spanner (GoogleSQL) for the SeaQL ecosystem.
//!
//! * [`backend`]: [`SpannerQueryBuilder`] (also at the crate root, like
//!   `sea_query::PostgresQueryBuilder`), a sea-query backend rendering GoogleSQL. What
//!   GoogleSQL can and cannot say is decided in one internal rule book shared by the backend
//!   and the SeaORM translator (locking clauses, upserts, `LIMIT`/`OFFSET`, cast types).
//! * [`binder`]: binds sea-query values to [`sqlx_spanner`] arguments
//!   ([`SqlxSpannerBinder::build_sqlx`]).
//! * [`orm`] (feature `sea-orm`): [`SpannerDatabase`](orm::SpannerDatabase), a SeaORM 2.0
//!   connection running on sqlx-spanner, and a schema helper creating tables from entities.

#![warn(missing_docs)]

pub mod backend;
pub mod binder;
mod googlesql;
#[cfg(feature = "sea-orm")]
pub mod orm;

pub use backend::{SpannerQueryBuilder, SpannerSqlError};
pub use binder::{SpannerValues, SqlxSpannerBinder};
