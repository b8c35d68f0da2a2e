//! [`Spanner`]: the sqlx [`Database`] implementation tying the driver's types together.

use sqlx_core::database::Database;

use crate::{
    SpannerArgumentBuffer, SpannerArguments, SpannerColumn, SpannerConnection, SpannerQueryResult,
    SpannerRow, SpannerStatement, SpannerTransactionManager, SpannerTypeInfo, SpannerValue,
    SpannerValueRef,
};

/// Cloud Spanner (GoogleSQL dialect) as an sqlx database.
///
/// Use it wherever sqlx asks for a database type: `sqlx::Pool<Spanner>`,
/// `sqlx::query_as::<Spanner, _>`, `sqlx::QueryBuilder<Spanner>`, ...
#[derive(Debug)]
pub struct Spanner;

impl Database for Spanner {
    type Connection = SpannerConnection;
    type TransactionManager = SpannerTransactionManager;
    type Row = SpannerRow;
    type QueryResult = SpannerQueryResult;
    type Column = SpannerColumn;
    type TypeInfo = SpannerTypeInfo;
    type Value = SpannerValue;
    type ValueRef<'r> = SpannerValueRef<'r>;
    type Arguments = SpannerArguments;
    type ArgumentBuffer = SpannerArgumentBuffer;
    type Statement = SpannerStatement;

    const NAME: &'static str = "Spanner";
    const URL_SCHEMES: &'static [&'static str] = &["spanner"];
}
