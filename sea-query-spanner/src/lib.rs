//! **sea-query-spanner**: Google Cloud Spanner (GoogleSQL) for the SeaQL ecosystem.
//!
//! * [`backend`]: `SpannerQueryBuilder`, a sea-query backend rendering GoogleSQL.
//! * [`binder`]: binds sea-query values to [`sqlx_spanner`] arguments
//!   ([`SqlxSpannerBinder::build_sqlx`]).
//! * [`orm`] (feature `sea-orm`): [`SpannerDatabase`](orm::SpannerDatabase), a SeaORM 2.0
//!   connection running on sqlx-spanner, and a schema helper creating tables from entities.

#![warn(missing_docs)]

pub mod backend;
pub mod binder;
#[cfg(feature = "sea-orm")]
pub mod orm;

pub use binder::{SpannerValues, SqlxSpannerBinder};
