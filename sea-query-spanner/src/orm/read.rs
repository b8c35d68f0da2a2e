//! Entities by primary key through Spanner's Read API (`StreamingRead`): no SQL is rendered,
//! translated or planned, the rows are looked up by key.
//!
//! ```no_run
//! # use sea_orm::entity::prelude::*;
//! # mod album {
//! #     use sea_orm::entity::prelude::*;
//! #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
//! #     #[sea_orm(table_name = "Albums")]
//! #     pub struct Model {
//! #         #[sea_orm(primary_key, auto_increment = false)]
//! #         pub singer_id: i64,
//! #         #[sea_orm(primary_key, auto_increment = false)]
//! #         pub album_id: i64,
//! #         pub title: String,
//! #     }
//! #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//! #     pub enum Relation {}
//! #     impl ActiveModelBehavior for ActiveModel {}
//! # }
//! # async fn demo(db: &sea_query_spanner::orm::SpannerDatabase) -> Result<(), DbErr> {
//! use sea_query_spanner::orm::read::{find_by_key_range, find_by_keys};
//! use std::ops::Bound;
//!
//! let albums: Vec<album::Model> = find_by_keys::<album::Entity>(db, [(1, 1), (1, 2)]).await?;
//! let range: Vec<album::Model> =
//!     find_by_key_range::<album::Entity>(db, Bound::Included((1, 1)), Bound::Excluded((2, 0)))
//!         .await?;
//! # Ok(()) }
//! ```
//!
//! The reads run on the [`SpannerDatabase`]'s pool, outside transactions: strong, or at the
//! staleness of a [`with_read_staleness`](SpannerDatabase::with_read_staleness) handle. Rows
//! come back in primary-key order; keys that do not exist are skipped. The entity's table
//! and column names are used as they are (as the entity's queries do). For reads inside a
//! transaction, use the sqlx Read API ([`sqlx_spanner::read`]) on the transaction's
//! connection.

use std::ops::Bound;

use futures_util::TryStreamExt;
use sea_orm::{DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable, PrimaryKeyTrait};
use sea_query::IntoValueTuple;
use sqlx_spanner::read::{KeyRange, KeySet, ReadRequest};
use sqlx_spanner::{SpannerArguments, SpannerRow};

use super::connection::{entity_templates, StaleConnection};
use super::error::{from_sqlx, Stage};
use super::row::{to_query_result, ColumnHints};
use super::SpannerDatabase;
use crate::binder::bind_value;

/// The primary-key value type of entity `E` (e.g. `i64`, or `(i64, i64)`).
pub type PrimaryKeyOf<E> = <<E as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType;

/// A primary key as Spanner key values, in key-column order.
fn key_arguments<V: IntoValueTuple>(key: V) -> Result<SpannerArguments, DbErr> {
    let mut arguments = SpannerArguments::default();
    for value in key.into_value_tuple() {
        bind_value(&mut arguments, &value).map_err(DbErr::Type)?;
    }
    Ok(arguments)
}

fn key_bound<V: IntoValueTuple>(bound: Bound<V>) -> Result<Bound<SpannerArguments>, DbErr> {
    Ok(match bound {
        Bound::Included(key) => Bound::Included(key_arguments(key)?),
        Bound::Excluded(key) => Bound::Excluded(key_arguments(key)?),
        Bound::Unbounded => Bound::Unbounded,
    })
}

/// Reads the rows of `E` selected by `key_set` and builds its models.
async fn read_models<E>(db: &SpannerDatabase, key_set: KeySet) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
{
    let (table, templates) = entity_templates::<E>();
    let columns: Vec<String> = E::Column::iter()
        .map(|column| column.as_str().to_string())
        .collect();
    let request = ReadRequest::new(table.clone(), columns, key_set);
    let conn = db
        .pool()
        .acquire()
        .await
        .map_err(|e| from_sqlx(e, Stage::Conn))?;
    let bound = db
        .read_bound()
        .unwrap_or(sqlx_spanner::TimestampBound::Strong);
    let mut stale = StaleConnection::new(conn, bound);
    let rows: Vec<SpannerRow> = stale
        .conn()
        .read(request)
        .try_collect()
        .await
        .map_err(|e| from_sqlx(e, Stage::Query))?;
    // The entity's own field types decode the columns (registered or not).
    let hints = ColumnHints::new(
        db.registry(),
        &format!("SELECT * FROM \"{}\"", table.replace('"', "\"\"")),
        Some(&templates),
    );
    rows.iter()
        .map(|row| {
            let result = to_query_result(row, &hints).map_err(DbErr::Type)?;
            E::Model::from_query_result(&result, "")
        })
        .collect()
}

/// The models of `E` with the given primary keys, in primary-key order; missing keys are
/// skipped. One `StreamingRead`, however many keys.
///
/// # Errors
///
/// A key value that cannot be bound, or Spanner's error (e.g. a key of the wrong type).
pub async fn find_by_keys<E>(
    db: &SpannerDatabase,
    keys: impl IntoIterator<Item = PrimaryKeyOf<E>>,
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
{
    let keys = keys
        .into_iter()
        .map(key_arguments)
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    read_models::<E>(db, KeySet::keys(keys)).await
}

/// The models of `E` whose primary key is between `start` and `end` (each bound included,
/// excluded or unbounded), in primary-key order.
///
/// # Errors
///
/// A key value that cannot be bound, or Spanner's error.
pub async fn find_by_key_range<E>(
    db: &SpannerDatabase,
    start: Bound<PrimaryKeyOf<E>>,
    end: Bound<PrimaryKeyOf<E>>,
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
{
    let range = KeyRange::new(key_bound(start)?, key_bound(end)?);
    read_models::<E>(db, KeySet::range(range)).await
}

/// Every model of `E`, in primary-key order (a full table read).
///
/// # Errors
///
/// Spanner's error.
pub async fn find_all_by_key<E>(db: &SpannerDatabase) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
{
    read_models::<E>(db, KeySet::all()).await
}
