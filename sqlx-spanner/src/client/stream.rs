//! Turns Spanner's stream of `PartialResultSet`s into rows, one at a time.
//!
//! Only the values of one `PartialResultSet` are held at once, so scanning a large table
//! with `fetch` does not buffer the whole result.

use std::collections::VecDeque;
use std::sync::Arc;

use gcloud_gax::grpc::Streaming;
use gcloud_googleapis::spanner::v1::{
    result_set_stats::RowCount, PartialResultSet, ResultSet, ResultSetMetadata, ResultSetStats,
};
use prost_types::value::Kind;
use sqlx_core::error::Error;

use crate::client::codec::from_proto_type;
use crate::error::{status_to_error, SpannerError};
use crate::row::ResultColumns;
use crate::{SpannerColumn, SpannerRow, SpannerTypeInfo};

/// Column descriptions from result metadata.
pub(crate) fn columns_from_metadata(metadata: Option<&ResultSetMetadata>) -> Arc<ResultColumns> {
    let columns = metadata
        .and_then(|m| m.row_type.as_ref())
        .map(|row_type| {
            row_type
                .fields
                .iter()
                .enumerate()
                .map(|(ordinal, field)| {
                    let ty = field
                        .r#type
                        .as_ref()
                        .map(from_proto_type)
                        .unwrap_or(crate::SpannerType::Unknown(0));
                    SpannerColumn::new(ordinal, field.name.clone(), SpannerTypeInfo::new(ty))
                })
                .collect()
        })
        .unwrap_or_default();
    Arc::new(ResultColumns::new(columns))
}

/// Rows affected according to the statistics of a DML statement.
pub(crate) fn rows_affected(stats: Option<&ResultSetStats>) -> Option<u64> {
    match stats?.row_count.as_ref()? {
        RowCount::RowCountExact(n) | RowCount::RowCountLowerBound(n) => {
            Some(u64::try_from(*n).unwrap_or(0))
        }
    }
}

/// A streaming result set.
pub(crate) struct ResultStream {
    stream: Streaming<PartialResultSet>,
    columns: Option<Arc<ResultColumns>>,
    values: VecDeque<prost_types::Value>,
    /// The last value in `values` continues in the next `PartialResultSet`.
    chunked: bool,
    finished: bool,
    stats: Option<ResultSetStats>,
}

impl ResultStream {
    pub(crate) fn new(stream: Streaming<PartialResultSet>) -> Self {
        ResultStream {
            stream,
            columns: None,
            values: VecDeque::new(),
            chunked: false,
            finished: false,
            stats: None,
        }
    }

    /// Rows affected (DML only), known once the stream is exhausted.
    pub(crate) fn rows_affected(&self) -> Option<u64> {
        rows_affected(self.stats.as_ref())
    }

    /// The next complete row, or `None` at the end of the result.
    pub(crate) async fn next_row(&mut self) -> Result<Option<SpannerRow>, Error> {
        loop {
            if let Some(columns) = &self.columns {
                let width = columns.columns.len();
                let complete = self.values.len() - usize::from(self.chunked);
                if width > 0 && complete >= width {
                    let values: Vec<_> = self.values.drain(..width).collect();
                    return Ok(Some(SpannerRow::new(values, columns.clone())));
                }
            }
            if self.finished {
                if !self.values.is_empty() {
                    return Err(SpannerError::Protocol(format!(
                        "result stream ended with {} value(s) that do not form a row",
                        self.values.len()
                    ))
                    .into());
                }
                return Ok(None);
            }
            self.receive().await?;
        }
    }

    async fn receive(&mut self) -> Result<(), Error> {
        let message = self.stream.message().await.map_err(status_to_error)?;
        let Some(part) = message else {
            self.finished = true;
            return Ok(());
        };
        if let Some(metadata) = &part.metadata {
            if self.columns.is_none() {
                self.columns = Some(columns_from_metadata(Some(metadata)));
            }
        }
        if part.stats.is_some() {
            self.stats = part.stats;
        }
        let mut incoming = part.values.into_iter();
        if self.chunked {
            if let (Some(previous), Some(first)) = (self.values.pop_back(), incoming.next()) {
                self.values.push_back(merge_chunks(previous, first)?);
            }
        }
        self.values.extend(incoming);
        self.chunked = part.chunked_value;
        if part.last {
            self.finished = true;
        }
        Ok(())
    }
}

/// Joins a value split across two `PartialResultSet`s (strings concatenate; lists
/// concatenate, merging their boundary elements when those are chunkable themselves).
fn merge_chunks(
    previous: prost_types::Value,
    next: prost_types::Value,
) -> Result<prost_types::Value, Error> {
    let kind = match (previous.kind, next.kind) {
        (Some(Kind::StringValue(mut a)), Some(Kind::StringValue(b))) => {
            a.push_str(&b);
            Kind::StringValue(a)
        }
        (Some(Kind::ListValue(mut a)), Some(Kind::ListValue(b))) => {
            let mut rest = b.values.into_iter();
            match (a.values.pop(), rest.next()) {
                (Some(last), Some(first)) => {
                    let chunkable = matches!(
                        (&last.kind, &first.kind),
                        (Some(Kind::StringValue(_)), Some(Kind::StringValue(_)))
                            | (Some(Kind::ListValue(_)), Some(Kind::ListValue(_)))
                    );
                    if chunkable {
                        a.values.push(merge_chunks(last, first)?);
                    } else {
                        a.values.push(last);
                        a.values.push(first);
                    }
                }
                (Some(last), None) => a.values.push(last),
                (None, Some(first)) => a.values.push(first),
                (None, None) => {}
            }
            a.values.extend(rest);
            Kind::ListValue(a)
        }
        (a, b) => {
            return Err(SpannerError::Protocol(format!(
                "cannot merge chunked values {a:?} and {b:?}"
            ))
            .into())
        }
    };
    Ok(prost_types::Value { kind: Some(kind) })
}

/// Rows of a complete (non-streaming) result set.
pub(crate) fn rows_of(result: ResultSet) -> (Vec<SpannerRow>, Option<u64>, Option<Vec<u8>>) {
    let columns = columns_from_metadata(result.metadata.as_ref());
    let transaction_id = result
        .metadata
        .as_ref()
        .and_then(|m| m.transaction.as_ref())
        .map(|tx| tx.id.clone());
    let affected = rows_affected(result.stats.as_ref());
    let rows = result
        .rows
        .into_iter()
        .map(|row| SpannerRow::new(row.values, columns.clone()))
        .collect();
    (rows, affected, transaction_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> prost_types::Value {
        prost_types::Value {
            kind: Some(Kind::StringValue(v.into())),
        }
    }

    fn list(values: Vec<prost_types::Value>) -> prost_types::Value {
        prost_types::Value {
            kind: Some(Kind::ListValue(prost_types::ListValue { values })),
        }
    }

    #[test]
    fn merges_strings_and_nested_lists() {
        assert_eq!(merge_chunks(s("ab"), s("cd")).unwrap(), s("abcd"));
        let merged = merge_chunks(list(vec![s("a"), s("b")]), list(vec![s("c"), s("d")])).unwrap();
        assert_eq!(merged, list(vec![s("a"), s("bc"), s("d")]));
        let bool_value = prost_types::Value {
            kind: Some(Kind::BoolValue(true)),
        };
        let merged = merge_chunks(
            list(vec![bool_value.clone()]),
            list(vec![bool_value.clone()]),
        );
        assert_eq!(merged.unwrap(), list(vec![bool_value.clone(), bool_value]));
        assert!(merge_chunks(s("a"), list(vec![])).is_err());
    }
}
