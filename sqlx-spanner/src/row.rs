//! [`SpannerRow`]: one row of a result set, decoded lazily column by column.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx_core::column::ColumnIndex;
use sqlx_core::error::Error;
use sqlx_core::ext::ustr::UStr;
use sqlx_core::row::Row;

use crate::{Spanner, SpannerColumn, SpannerValueRef};

/// The columns of a result set, shared by all its rows.
#[derive(Debug, Default)]
pub(crate) struct ResultColumns {
    pub(crate) columns: Vec<SpannerColumn>,
    pub(crate) by_name: HashMap<UStr, usize>,
}

impl ResultColumns {
    pub(crate) fn new(columns: Vec<SpannerColumn>) -> Self {
        let by_name = columns
            .iter()
            .map(|column| (column.name.clone(), column.ordinal))
            .collect();
        ResultColumns { columns, by_name }
    }
}

/// A row returned by Spanner.
#[derive(Debug, Clone)]
pub struct SpannerRow {
    pub(crate) values: Vec<prost_types::Value>,
    pub(crate) columns: Arc<ResultColumns>,
}

impl SpannerRow {
    pub(crate) fn new(values: Vec<prost_types::Value>, columns: Arc<ResultColumns>) -> Self {
        SpannerRow { values, columns }
    }

    /// The raw value of column `index` with its type, not yet decoded.
    pub fn value_ref(&self, index: usize) -> Option<SpannerValueRef<'_>> {
        let value = self.values.get(index)?;
        let column = self.columns.columns.get(index)?;
        Some(SpannerValueRef::new(value, &column.type_info))
    }
}

impl Row for SpannerRow {
    type Database = Spanner;

    fn columns(&self) -> &[SpannerColumn] {
        &self.columns.columns
    }

    fn try_get_raw<I>(&self, index: I) -> Result<SpannerValueRef<'_>, Error>
    where
        I: ColumnIndex<Self>,
    {
        let index = index.index(self)?;
        self.value_ref(index).ok_or(Error::ColumnIndexOutOfBounds {
            index,
            len: self.values.len(),
        })
    }
}

impl ColumnIndex<SpannerRow> for &'_ str {
    fn index(&self, row: &SpannerRow) -> Result<usize, Error> {
        row.columns
            .by_name
            .get(*self)
            .copied()
            .ok_or_else(|| Error::ColumnNotFound((*self).into()))
    }
}
