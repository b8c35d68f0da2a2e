//! Row assembly and resumption, on result sets split into `PartialResultSet`s every way.

use std::time::Duration;

use gcloud_gax::grpc::Status;
use gcloud_googleapis::spanner::v1::{
    struct_type::Field, PartialResultSet, ResultSetMetadata, StructType, Type, TypeCode,
};
use proptest::prelude::*;
use prost_types::value::Kind;

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

fn null() -> prost_types::Value {
    prost_types::Value {
        kind: Some(Kind::NullValue(0)),
    }
}

fn metadata(width: usize) -> ResultSetMetadata {
    let string = Type {
        code: TypeCode::String as i32,
        ..Type::default()
    };
    ResultSetMetadata {
        row_type: Some(StructType {
            fields: (0..width)
                .map(|i| Field {
                    name: format!("c{i}"),
                    r#type: Some(string.clone()),
                })
                .collect(),
        }),
        ..ResultSetMetadata::default()
    }
}

fn deadlines() -> Deadlines {
    Deadlines {
        rpc: Duration::from_secs(5),
        statement: None,
        stream_idle: Duration::from_secs(5),
    }
}

/// A source replaying canned parts; it fails once at each position in `failures` (counted
/// in parts delivered since the start), and resumes after the part carrying the token.
pub(crate) struct CannedSource {
    parts: Vec<PartialResultSet>,
    position: usize,
    delivered: usize,
    failures: Vec<usize>,
    /// How many of the next reopenings fail as a closed connection does.
    failing_restarts: usize,
    pub(crate) restarts: Vec<Vec<u8>>,
}

impl CannedSource {
    pub(crate) fn next(&mut self) -> Result<Option<PartialResultSet>, Status> {
        if let Some(index) = self.failures.iter().position(|f| *f == self.delivered) {
            self.failures.remove(index);
            return Err(Status::unavailable("connection reset (injected)"));
        }
        let part = self.parts.get(self.position).cloned();
        self.position += 1;
        self.delivered += 1;
        Ok(part)
    }

    pub(crate) fn restart(&mut self, token: &[u8]) -> Result<(), Status> {
        self.restarts.push(token.to_vec());
        if self.failing_restarts > 0 {
            self.failing_restarts -= 1;
            return Err(Status::cancelled("operation was canceled"));
        }
        self.position = if token.is_empty() {
            0
        } else {
            self.parts
                .iter()
                .position(|p| p.resume_token == token)
                .map(|i| i + 1)
                .ok_or_else(|| Status::invalid_argument("unknown resume token"))?
        };
        Ok(())
    }
}

fn stream_of(parts: Vec<PartialResultSet>, failures: Vec<usize>) -> ResultStream {
    ResultStream::from_source(
        PartSource::Canned(Box::new(CannedSource {
            parts,
            position: 0,
            delivered: 0,
            failures,
            failing_restarts: 0,
            restarts: Vec::new(),
        })),
        deadlines(),
        None,
    )
}

async fn collect(stream: &mut ResultStream) -> Result<Vec<Vec<prost_types::Value>>, Error> {
    let mut rows = Vec::new();
    while let Some(row) = stream.next_row().await? {
        rows.push(row.values.clone());
    }
    Ok(rows)
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
        .block_on(future)
}

/// Splits the flat `values` of a result into parts: `cuts` are positions in the flat list
/// where a part ends; `chunk_at` splits the string value at a cut in two (a chunked value).
fn split(
    width: usize,
    values: &[prost_types::Value],
    cuts: &[usize],
    chunk: bool,
    empty_parts: bool,
) -> Vec<PartialResultSet> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut carry: Option<prost_types::Value> = None;
    let mut cut_points: Vec<usize> = cuts.iter().map(|c| c % (values.len() + 1)).collect();
    cut_points.sort_unstable();
    cut_points.dedup();
    cut_points.push(values.len());
    for (i, end) in cut_points.into_iter().enumerate() {
        if end < start {
            continue;
        }
        let mut part_values: Vec<prost_types::Value> = carry.take().into_iter().collect();
        part_values.extend(values[start..end].iter().cloned());
        let mut chunked = false;
        if chunk && end < values.len() && !part_values.is_empty() {
            // Chunk the last value of this part if it is a string of 2+ chars.
            if let Some(prost_types::Value {
                kind: Some(Kind::StringValue(text)),
            }) = part_values.last().cloned()
            {
                let chars: Vec<char> = text.chars().collect();
                if chars.len() >= 2 {
                    let mid = chars.len() / 2;
                    let head: String = chars[..mid].iter().collect();
                    let tail: String = chars[mid..].iter().collect();
                    let last = part_values.len() - 1;
                    part_values[last] = s(&head);
                    chunked = true;
                    // The tail starts the next part.
                    carry = Some(s(&tail));
                }
            }
        }
        parts.push(PartialResultSet {
            metadata: (i == 0).then(|| metadata(width)),
            values: part_values,
            chunked_value: chunked,
            ..PartialResultSet::default()
        });
        if empty_parts {
            parts.push(PartialResultSet::default());
        }
        start = end;
    }
    if let Some(tail) = carry {
        parts.push(PartialResultSet {
            values: vec![tail],
            ..PartialResultSet::default()
        });
    }
    if parts.is_empty() {
        parts.push(PartialResultSet {
            metadata: Some(metadata(width)),
            ..PartialResultSet::default()
        });
    }
    parts
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

#[test]
fn a_part_without_values_keeps_a_pending_chunk() {
    // Before the fix, the empty part reset `chunked`, so "wor" + "ld" were two values and
    // every later column shifted.
    let parts = vec![
        PartialResultSet {
            metadata: Some(metadata(2)),
            values: vec![s("hello"), s("wor")],
            chunked_value: true,
            ..PartialResultSet::default()
        },
        PartialResultSet::default(),
        PartialResultSet {
            values: vec![s("ld"), s("a"), s("b")],
            ..PartialResultSet::default()
        },
    ];
    let rows = block_on(collect(&mut stream_of(parts, vec![]))).unwrap();
    assert_eq!(
        rows,
        vec![vec![s("hello"), s("world")], vec![s("a"), s("b")]]
    );
}

#[test]
fn an_empty_first_part_with_a_pending_chunk_does_not_underflow() {
    let parts = vec![
        PartialResultSet {
            metadata: Some(metadata(1)),
            values: vec![s("x")],
            chunked_value: true,
            ..PartialResultSet::default()
        },
        PartialResultSet::default(),
    ];
    let error = block_on(collect(&mut stream_of(parts, vec![]))).unwrap_err();
    assert!(error.to_string().contains("do not form a row"), "{error}");
}

#[test]
fn resumes_from_the_last_token_without_duplicates() {
    let rows: Vec<Vec<prost_types::Value>> = (0..6)
        .map(|i| vec![s(&format!("k{i}")), s(&format!("v{i}"))])
        .collect();
    let mut parts: Vec<PartialResultSet> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| PartialResultSet {
            metadata: (i == 0).then(|| metadata(2)),
            values: row.clone(),
            // A token on every other part.
            resume_token: if i % 2 == 1 {
                format!("t{i}").into_bytes()
            } else {
                Vec::new()
            },
            ..PartialResultSet::default()
        })
        .collect();
    parts.last_mut().unwrap().last = true;
    // Fails after 3 parts (row 2 received but not confirmed) and again after 5.
    let mut stream = stream_of(parts, vec![3, 5]);
    let got = block_on(collect(&mut stream)).unwrap();
    assert_eq!(got, rows);
    let PartSource::Canned(source) = &stream.source else {
        unreachable!()
    };
    assert_eq!(source.restarts, vec![b"t1".to_vec(), b"t3".to_vec()]);
}

#[test]
fn a_reopening_that_fails_on_the_dead_connection_is_tried_again() {
    let parts = vec![
        PartialResultSet {
            metadata: Some(metadata(1)),
            values: vec![s("a")],
            resume_token: b"t0".to_vec(),
            ..PartialResultSet::default()
        },
        PartialResultSet {
            values: vec![s("b")],
            last: true,
            ..PartialResultSet::default()
        },
    ];
    let mut stream = stream_of(parts, vec![1]);
    let PartSource::Canned(source) = &mut stream.source else {
        unreachable!()
    };
    source.failing_restarts = 2;
    let got = block_on(collect(&mut stream)).unwrap();
    assert_eq!(got, vec![vec![s("a")], vec![s("b")]]);
    let PartSource::Canned(source) = &stream.source else {
        unreachable!()
    };
    assert_eq!(source.restarts, vec![b"t0".to_vec(); 3]);
}

#[test]
fn without_tokens_a_failure_before_any_row_restarts_from_the_beginning() {
    let parts = vec![
        PartialResultSet {
            metadata: Some(metadata(1)),
            values: vec![s("a")],
            ..PartialResultSet::default()
        },
        PartialResultSet {
            values: vec![s("b")],
            last: true,
            ..PartialResultSet::default()
        },
    ];
    let mut stream = stream_of(parts, vec![1]);
    let got = block_on(collect(&mut stream)).unwrap();
    assert_eq!(got, vec![vec![s("a")], vec![s("b")]]);
}

#[test]
fn a_failure_after_unconfirmed_rows_were_released_is_returned() {
    // More than MAX_UNCONFIRMED_BYTES without a token: values are released and the stream
    // can no longer be resumed, so a later failure reaches the caller.
    let big = "x".repeat(MAX_UNCONFIRMED_BYTES / 2 + 1);
    let parts: Vec<PartialResultSet> = (0..4)
        .map(|i| PartialResultSet {
            metadata: (i == 0).then(|| metadata(1)),
            values: vec![s(&big)],
            ..PartialResultSet::default()
        })
        .collect();
    let mut stream = stream_of(parts, vec![3]);
    let error = block_on(collect(&mut stream)).unwrap_err();
    assert_eq!(
        crate::spanner_code(&error),
        Some(crate::SpannerCode::Unavailable),
        "{error}"
    );
}

fn value_strategy() -> impl Strategy<Value = prost_types::Value> {
    prop_oneof![
        "[a-zé😀]{0,12}".prop_map(|t| s(&t)),
        Just(null()),
        proptest::collection::vec("[a-z]{0,5}".prop_map(|t| s(&t)), 0..4).prop_map(list),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any split of a result set into PartialResultSets (with chunked strings and empty
    /// parts) yields the same rows.
    #[test]
    fn any_split_yields_the_same_rows(
        width in 1usize..4,
        rows in 0usize..6,
        cells in proptest::collection::vec(value_strategy(), 24),
        cuts in proptest::collection::vec(0usize..40, 0..8),
        chunk in any::<bool>(),
        empty_parts in any::<bool>(),
    ) {
        let values: Vec<prost_types::Value> = cells.into_iter().take(width * rows).collect();
        let rows = values.len() / width;
        let values = &values[..rows * width];
        let parts = split(width, values, &cuts, chunk, empty_parts);
        let got = block_on(collect(&mut stream_of(parts, vec![]))).unwrap();
        let expected: Vec<Vec<prost_types::Value>> =
            values.chunks(width).map(|c| c.to_vec()).collect();
        prop_assert_eq!(got, expected);
    }

    /// With a resume token on every part, any number of transient failures at any points
    /// yields every row exactly once.
    #[test]
    fn failures_at_any_point_yield_every_row_once(
        rows in 1usize..8,
        failures in proptest::collection::vec(0usize..12, 0..4),
    ) {
        let expected: Vec<Vec<prost_types::Value>> =
            (0..rows).map(|i| vec![s(&format!("r{i}"))]).collect();
        let mut parts: Vec<PartialResultSet> = expected
            .iter()
            .enumerate()
            .map(|(i, row)| PartialResultSet {
                metadata: (i == 0).then(|| metadata(1)),
                values: row.clone(),
                resume_token: format!("t{i}").into_bytes(),
                ..PartialResultSet::default()
            })
            .collect();
        if let Some(last) = parts.last_mut() {
            last.last = true;
        }
        let got = block_on(collect(&mut stream_of(parts, failures))).unwrap();
        prop_assert_eq!(got, expected);
    }
}
