//! SeaORM's [`StreamTrait`] for [`SpannerDatabase`]: `Entity::find().stream(&db)` reads
//! rows as Spanner streams them, without collecting the result first.

use std::future::Future;
use std::pin::Pin;

use futures_util::{Stream, StreamExt};
use sea_orm::{DbBackend, DbErr, QueryResult, Statement, StreamTrait};
use sqlx_core::sql_str::AssertSqlSafe;

use super::connection::{prepare, SpannerDatabase, StaleConnection};
use super::error::{from_sqlx, Stage};
use super::row::{to_query_result, ColumnHints};

/// The row stream of [`SpannerDatabase::stream_raw`]: it holds a pool connection until it
/// is dropped or exhausted.
pub type SpannerRowStream<'a> = Pin<Box<dyn Stream<Item = Result<QueryResult, DbErr>> + Send + 'a>>;

impl StreamTrait for SpannerDatabase {
    type Stream<'a> = SpannerRowStream<'a>;

    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Postgres
    }

    fn stream_raw<'a>(
        &'a self,
        stmt: Statement,
    ) -> Pin<Box<dyn Future<Output = Result<Self::Stream<'a>, DbErr>> + 'a + Send>> {
        Box::pin(async move {
            let prepared = prepare(stmt)?;
            let hints = ColumnHints::new(
                self.registry(),
                &prepared.original,
                prepared.value_templates.as_deref(),
            );
            let pool = self.pool().clone();
            let bound = self.read_bound().unwrap_or_default();
            // Each item is the converted row, or the conversion error; errors of the query
            // itself end the stream as sqlx errors and are mapped below.
            let rows = sqlx_core::try_stream! {
                let mut conn = StaleConnection::new(pool.acquire().await?, bound);
                let mut rows = sqlx_core::query::query_with(
                    AssertSqlSafe(prepared.sql),
                    prepared.arguments,
                )
                .fetch(&mut **conn.conn());
                while let Some(row) = futures_util::TryStreamExt::try_next(&mut rows).await? {
                    r#yield!(to_query_result(&row, &hints).map_err(DbErr::Type));
                }
                Ok(())
            };
            let stream: SpannerRowStream<'a> = Box::pin(rows.map(|item| match item {
                Ok(converted) => converted,
                Err(error) => Err(from_sqlx(error, Stage::Query)),
            }));
            Ok(stream)
        })
    }
}
