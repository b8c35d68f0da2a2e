//! [`SpannerStatement`]: a statement after placeholder rewriting, with its result columns.

use std::sync::Arc;

use sqlx_core::column::ColumnIndex;
use sqlx_core::error::Error;
use sqlx_core::sql_str::SqlStr;
use sqlx_core::statement::Statement;
use sqlx_core::Either;

use crate::row::ResultColumns;
use crate::{Spanner, SpannerColumn, SpannerTypeInfo};

/// A prepared statement.
///
/// Spanner has no server-side prepared statements; "preparing" runs the statement in
/// `PLAN` mode, which validates it and returns its result columns without executing it.
#[derive(Debug, Clone)]
pub struct SpannerStatement {
    pub(crate) sql: SqlStr,
    pub(crate) columns: Arc<ResultColumns>,
    pub(crate) parameters: usize,
}

impl Statement for SpannerStatement {
    type Database = Spanner;

    fn into_sql(self) -> SqlStr {
        self.sql
    }

    fn sql(&self) -> &SqlStr {
        &self.sql
    }

    fn parameters(&self) -> Option<Either<&[SpannerTypeInfo], usize>> {
        Some(Either::Right(self.parameters))
    }

    fn columns(&self) -> &[SpannerColumn] {
        &self.columns.columns
    }

    sqlx_core::impl_statement_query!(crate::SpannerArguments);
}

impl ColumnIndex<SpannerStatement> for &'_ str {
    fn index(&self, statement: &SpannerStatement) -> Result<usize, Error> {
        statement
            .columns
            .by_name
            .get(*self)
            .copied()
            .ok_or_else(|| Error::ColumnNotFound((*self).into()))
    }
}
