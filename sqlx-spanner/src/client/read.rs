//! The Read API: `StreamingRead` requests (rows by key, key range or secondary index) in a
//! single-use read-only transaction, a read-only transaction or a read-write transaction.
//! The rows come back through the same resumable [`ResultStream`] as query results.

use std::time::Instant;

use gcloud_googleapis::spanner::v1::{
    key_range, KeyRange as ProtoKeyRange, KeySet as ProtoKeySet, ReadRequest, TransactionSelector,
};
use sqlx_core::error::Error;

use super::rpc::{self, Routing};
use super::session::{is_session_lost, Session};
use super::stream::ResultStream;
use super::transaction::{
    lost_session_aborts, request_options, single_use, ReadOnlyTransaction, ReadWriteTransaction,
    SessionStream, SESSION_ATTEMPTS,
};
use super::SpannerClient;
use crate::request_options::RequestOptions;
use crate::timestamp_bound::TimestampBound;

/// One bound of a key range: the key prefix's values, and whether the bound is included.
#[derive(Debug, Clone)]
pub(crate) struct RangeBound {
    pub(crate) key: Vec<prost_types::Value>,
    pub(crate) closed: bool,
}

/// The rows a read selects, in the driver's terms.
#[derive(Debug, Clone, Default)]
pub(crate) struct Keys {
    pub(crate) all: bool,
    pub(crate) keys: Vec<Vec<prost_types::Value>>,
    pub(crate) ranges: Vec<(RangeBound, RangeBound)>,
}

/// A read: table, optional index, columns, keys, optional row limit.
#[derive(Debug, Clone)]
pub(crate) struct ReadSpec {
    pub(crate) table: String,
    pub(crate) index: Option<String>,
    pub(crate) columns: Vec<String>,
    pub(crate) keys: Keys,
    pub(crate) limit: Option<u64>,
}

fn list(values: Vec<prost_types::Value>) -> prost_types::ListValue {
    prost_types::ListValue { values }
}

fn key_set(keys: Keys) -> ProtoKeySet {
    ProtoKeySet {
        all: keys.all,
        keys: keys.keys.into_iter().map(list).collect(),
        ranges: keys
            .ranges
            .into_iter()
            .map(|(start, end)| ProtoKeyRange {
                start_key_type: Some(if start.closed {
                    key_range::StartKeyType::StartClosed(list(start.key))
                } else {
                    key_range::StartKeyType::StartOpen(list(start.key))
                }),
                end_key_type: Some(if end.closed {
                    key_range::EndKeyType::EndClosed(list(end.key))
                } else {
                    key_range::EndKeyType::EndOpen(list(end.key))
                }),
            })
            .collect(),
    }
}

fn read_request(
    session: &Session,
    selector: TransactionSelector,
    spec: ReadSpec,
    options: &RequestOptions,
    transaction_tag: &str,
) -> ReadRequest {
    ReadRequest {
        session: session.name().to_string(),
        transaction: Some(selector),
        table: spec.table,
        index: spec.index.unwrap_or_default(),
        columns: spec.columns,
        key_set: Some(key_set(spec.keys)),
        // 0 means no limit.
        limit: spec
            .limit
            .map_or(0, |limit| i64::try_from(limit).unwrap_or(i64::MAX)),
        request_options: request_options(options, transaction_tag),
        ..ReadRequest::default()
    }
}

/// Sends a `StreamingRead` and waits for its first part (where Spanner reports a bad
/// table, column, index or key).
async fn open_read(
    session: &mut Session,
    request: ReadRequest,
    routing: Routing,
    deadline: Option<Instant>,
) -> Result<ResultStream, Error> {
    let deadlines = session.deadlines();
    let wait = deadlines.next_wait(deadline);
    let call = session.grpc().streaming_read(
        request.clone(),
        routing.disable_route_to_leader(),
        rpc::transient_retry(),
    );
    let result = rpc::with_deadline(wait, "StreamingRead", call).await;
    let response = session.check(result)?;
    let mut stream = ResultStream::for_read(
        response.into_inner(),
        session.grpc_clone(),
        request,
        routing,
        deadlines,
        deadline,
    );
    if let Err(error) = stream.prefetch().await {
        if is_session_lost(&error) {
            session.invalidate();
        }
        return Err(error);
    }
    Ok(stream)
}

impl SpannerClient {
    /// Reads in a single-use read-only transaction at `bound`.
    pub(crate) async fn read_single_use(
        &self,
        spec: ReadSpec,
        bound: &TimestampBound,
        options: &RequestOptions,
    ) -> Result<SessionStream, Error> {
        let mut session = self.session_for(Routing::AnyReplica).await?;
        let deadline = session.deadlines().statement_deadline(options.timeout);
        let mut request = read_request(&session, single_use(bound), spec, options, "");
        let mut attempt = 1;
        loop {
            match open_read(&mut session, request.clone(), Routing::AnyReplica, deadline).await {
                Ok(stream) => {
                    return Ok(SessionStream {
                        stream,
                        _session: session,
                    })
                }
                Err(error) if is_session_lost(&error) && attempt < SESSION_ATTEMPTS => {
                    attempt += 1;
                    session = self.session_for(Routing::AnyReplica).await?;
                    request.session = session.name().to_string();
                }
                Err(error) => return Err(error),
            }
        }
    }
}

impl ReadOnlyTransaction {
    /// Reads at the transaction's snapshot.
    pub(crate) async fn read(
        &mut self,
        spec: ReadSpec,
        options: &RequestOptions,
    ) -> Result<ResultStream, Error> {
        let (session, selector) = self.read_target();
        let deadline = session.deadlines().statement_deadline(options.timeout);
        let request = read_request(session, selector, spec, options, "");
        open_read(session, request, Routing::AnyReplica, deadline).await
    }
}

impl ReadWriteTransaction {
    /// Reads in the transaction (taking locks on what it reads), routed to the leader.
    pub(crate) async fn read(
        &mut self,
        spec: ReadSpec,
        options: &RequestOptions,
    ) -> Result<ResultStream, Error> {
        let (session, selector, tag) = self.read_target();
        let deadline = session.deadlines().statement_deadline(options.timeout);
        let request = read_request(session, selector, spec, options, &tag);
        open_read(session, request, Routing::Leader, deadline)
            .await
            .map_err(lost_session_aborts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(n: i64) -> prost_types::Value {
        prost_types::Value {
            kind: Some(prost_types::value::Kind::StringValue(n.to_string())),
        }
    }

    #[test]
    fn key_sets_carry_keys_and_each_bound_kind() {
        let keys = Keys {
            all: false,
            keys: vec![vec![int(1)], vec![int(2)]],
            ranges: vec![(
                RangeBound {
                    key: vec![int(3)],
                    closed: true,
                },
                RangeBound {
                    key: vec![int(9)],
                    closed: false,
                },
            )],
        };
        let proto = key_set(keys);
        assert_eq!(proto.keys.len(), 2);
        assert!(!proto.all);
        let range = &proto.ranges[0];
        assert!(matches!(
            range.start_key_type,
            Some(key_range::StartKeyType::StartClosed(ref l)) if l.values == vec![int(3)]
        ));
        assert!(matches!(
            range.end_key_type,
            Some(key_range::EndKeyType::EndOpen(ref l)) if l.values == vec![int(9)]
        ));
    }
}
