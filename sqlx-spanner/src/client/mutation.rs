//! Converts the driver's [`Mutation`](crate::Mutation)s into Spanner's protobuf mutations.

use gcloud_googleapis::spanner::v1::{mutation, KeySet, Mutation as ProtoMutation};
use prost_types::ListValue;

use crate::arguments::SpannerArguments;
use crate::error::SpannerError;
use crate::mutation::{Mutation, MutationKind, MutationOp};

fn list(values: &SpannerArguments) -> ListValue {
    ListValue {
        values: values.values().iter().map(|a| a.value.clone()).collect(),
    }
}

/// Protobuf mutations, checking that every row has one value per column.
pub(crate) fn to_proto(mutations: &[Mutation]) -> Result<Vec<ProtoMutation>, SpannerError> {
    mutations
        .iter()
        .map(|m| {
            let operation = match &m.op {
                MutationOp::Write {
                    kind,
                    table,
                    columns,
                    rows,
                } => {
                    if let Some(bad) = rows.iter().find(|r| r.values().len() != columns.len()) {
                        return Err(SpannerError::ParameterCount {
                            expected: columns.len(),
                            actual: bad.values().len(),
                        });
                    }
                    let write = mutation::Write {
                        table: table.clone(),
                        columns: columns.clone(),
                        values: rows.iter().map(list).collect(),
                    };
                    match kind {
                        MutationKind::Insert => mutation::Operation::Insert(write),
                        MutationKind::Update => mutation::Operation::Update(write),
                        MutationKind::InsertOrUpdate => mutation::Operation::InsertOrUpdate(write),
                        MutationKind::Replace => mutation::Operation::Replace(write),
                    }
                }
                MutationOp::Delete { table, keys, all } => {
                    mutation::Operation::Delete(mutation::Delete {
                        table: table.clone(),
                        key_set: Some(KeySet {
                            keys: keys.iter().map(list).collect(),
                            ranges: Vec::new(),
                            all: *all,
                        }),
                    })
                }
            };
            Ok(ProtoMutation {
                operation: Some(operation),
            })
        })
        .collect()
}
