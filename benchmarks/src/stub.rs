//! An in-process Spanner gRPC server with canned answers, so that a client's own cost can be
//! measured with no database behind it.
//!
//! It serves `google.spanner.v1.Spanner` over plaintext HTTP/2, as the emulator does, so the
//! drivers reach it the ordinary way (an emulator host `127.0.0.1:PORT`). Routing follows
//! what tonic-generated servers do: the request path `/google.spanner.v1.Spanner/<Method>`
//! picks a handler, `tonic::server::Grpc` with `tonic_prost::ProstCodec` decodes the request
//! and encodes the answer; unknown methods answer `UNIMPLEMENTED`.
//!
//! Canned answers (the table is always `Id INT64, Name STRING, Qty INT64`):
//! - a query with parameters is a point read: one row whose `Id` is the first parameter's
//!   value, `Name` = `item-<Id>`, `Qty` = `3 * Id`;
//! - a query without parameters is a scan of [`StubConfig::scan_rows`] rows, split into
//!   `PartialResultSet`s of [`StubConfig::rows_per_part`] rows, each with a resume token,
//!   the first carrying the metadata (as Spanner sends them);
//! - DML (`INSERT`/`UPDATE`/`DELETE`, by the first keyword) answers `row_count_exact = 1`;
//! - a statement that begins its transaction inline gets a transaction id in its metadata;
//! - `StreamingRead` answers one row with the requested columns.
//!
//! Every call is counted per method ([`StubServer::calls`]), so a benchmark can report how
//! many RPCs one operation of a client costs.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::{ready, Future, Ready};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_util::stream::{self, Iter};
use gcloud_googleapis::spanner::v1::{
    execute_batch_dml_request, result_set_stats::RowCount, struct_type::Field,
    transaction_selector::Selector, BatchCreateSessionsRequest, BatchCreateSessionsResponse,
    BeginTransactionRequest, CommitRequest, CommitResponse, CreateSessionRequest,
    DeleteSessionRequest, ExecuteBatchDmlRequest, ExecuteBatchDmlResponse, ExecuteSqlRequest,
    GetSessionRequest, PartialResultSet, ReadRequest, ResultSet, ResultSetMetadata, ResultSetStats,
    RollbackRequest, Session, StructType, Transaction, TransactionSelector, Type, TypeCode,
};
use prost_types::{value::Kind, Timestamp, Value};
use tonic::body::Body;
use tonic::server::{Grpc, NamedService};
use tonic::{Request, Response, Status};
use tonic_prost::ProstCodec;

/// What the stub answers.
#[derive(Debug, Clone)]
pub struct StubConfig {
    /// Rows of a query without parameters (a scan).
    pub scan_rows: usize,
    /// Rows per `PartialResultSet` of a scan.
    pub rows_per_part: usize,
    /// Whether `CreateSession` with `multiplexed = true` is granted a multiplexed session
    /// (as Cloud Spanner does; the emulator answers with an ordinary session).
    pub grant_multiplexed: bool,
}

impl Default for StubConfig {
    fn default() -> Self {
        StubConfig {
            scan_rows: 10_000,
            rows_per_part: 500,
            grant_multiplexed: true,
        }
    }
}

/// Calls received, per method name.
#[derive(Debug, Default)]
pub struct CallCounts {
    counts: Mutex<BTreeMap<&'static str, u64>>,
    total: AtomicU64,
}

impl CallCounts {
    fn record(&self, method: &'static str) {
        self.total.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut counts) = self.counts.lock() {
            *counts.entry(method).or_default() += 1;
        }
    }

    /// All calls so far.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// Calls of one method so far (`"ExecuteStreamingSql"`).
    pub fn of(&self, method: &str) -> u64 {
        self.counts
            .lock()
            .map(|c| c.get(method).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// Calls per method so far.
    pub fn snapshot(&self) -> BTreeMap<&'static str, u64> {
        self.counts.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

/// The shared state of the stub: its answers and its counters.
#[derive(Debug)]
struct State {
    config: StubConfig,
    calls: CallCounts,
    next_id: AtomicU64,
    /// Sessions numbered below this are unknown to the stub ("Session not found").
    forgotten_below: AtomicU64,
    /// The scan result, built once.
    scan: Vec<PartialResultSet>,
}

impl State {
    fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// `NOT_FOUND` for a session the stub was told to forget, as Spanner answers for a
    /// session it deleted.
    fn check_session(&self, name: &str) -> Result<(), Status> {
        let number = name
            .rsplit_once("/sessions/stub-")
            .and_then(|(_, n)| n.parse::<u64>().ok());
        match number {
            Some(n) if n < self.forgotten_below.load(Ordering::Relaxed) => {
                Err(Status::not_found(format!("Session not found: {name}")))
            }
            _ => Ok(()),
        }
    }
}

/// The Spanner service: a `tower::Service` over HTTP requests, routing by path.
#[derive(Debug, Clone)]
pub struct SpannerStub {
    state: Arc<State>,
}

impl NamedService for SpannerStub {
    const NAME: &'static str = "google.spanner.v1.Spanner";
}

impl SpannerStub {
    /// A stub answering as `config` says.
    pub fn new(config: StubConfig) -> Self {
        let scan = scan_parts(config.scan_rows, config.rows_per_part.max(1));
        SpannerStub {
            state: Arc::new(State {
                config,
                calls: CallCounts::default(),
                next_id: AtomicU64::new(1),
                forgotten_below: AtomicU64::new(0),
                scan,
            }),
        }
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<http::Response<Body>, Infallible>> + Send>>;

impl<B> tower_service::Service<http::Request<B>> for SpannerStub
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let state = self.state.clone();
        let method = request
            .uri()
            .path()
            .strip_prefix("/google.spanner.v1.Spanner/")
            .unwrap_or("")
            .to_string();
        Box::pin(async move {
            let response = match method.as_str() {
                "CreateSession" => unary(state, "CreateSession", create_session, request).await,
                "BatchCreateSessions" => {
                    unary(state, "BatchCreateSessions", batch_create, request).await
                }
                "GetSession" => unary(state, "GetSession", get_session, request).await,
                "DeleteSession" => unary(state, "DeleteSession", delete_session, request).await,
                "ExecuteSql" => unary(state, "ExecuteSql", execute_sql, request).await,
                "ExecuteBatchDml" => unary(state, "ExecuteBatchDml", batch_dml, request).await,
                "BeginTransaction" => unary(state, "BeginTransaction", begin, request).await,
                "Commit" => unary(state, "Commit", commit, request).await,
                "Rollback" => unary(state, "Rollback", rollback, request).await,
                "ExecuteStreamingSql" => {
                    streaming(state, "ExecuteStreamingSql", streaming_sql, request).await
                }
                "StreamingRead" => streaming(state, "StreamingRead", streaming_read, request).await,
                _ => Status::unimplemented(format!("the stub does not serve {method}")).into_http(),
            };
            Ok(response)
        })
    }
}

/// A unary handler: the shared state and the request message give the answer.
type UnaryFn<Req, Resp> = fn(&State, Req) -> Result<Resp, Status>;

/// Adapts a [`UnaryFn`] to tonic's `UnaryService` (through `tower::Service`).
struct Unary<Req, Resp> {
    state: Arc<State>,
    handler: UnaryFn<Req, Resp>,
}

impl<Req, Resp> tower_service::Service<Request<Req>> for Unary<Req, Resp> {
    type Response = Response<Resp>;
    type Error = Status;
    type Future = Ready<Result<Response<Resp>, Status>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Status>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Req>) -> Self::Future {
        ready((self.handler)(&self.state, request.into_inner()).map(Response::new))
    }
}

async fn unary<Req, Resp, B>(
    state: Arc<State>,
    method: &'static str,
    handler: UnaryFn<Req, Resp>,
    request: http::Request<B>,
) -> http::Response<Body>
where
    Req: prost::Message + Default + Send + 'static,
    Resp: prost::Message + Send + 'static,
    B: http_body::Body + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    state.calls.record(method);
    let mut grpc = Grpc::new(ProstCodec::<Resp, Req>::default());
    grpc.unary(Unary { state, handler }, request).await
}

type PartStream = Iter<std::vec::IntoIter<Result<PartialResultSet, Status>>>;

/// A streaming handler: the answer's parts, all at once.
type StreamFn<Req> = fn(&State, Req) -> Result<Vec<PartialResultSet>, Status>;

/// Adapts a [`StreamFn`] to tonic's `ServerStreamingService`.
struct Streaming<Req> {
    state: Arc<State>,
    handler: StreamFn<Req>,
}

impl<Req> tower_service::Service<Request<Req>> for Streaming<Req> {
    type Response = Response<PartStream>;
    type Error = Status;
    type Future = Ready<Result<Response<PartStream>, Status>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Status>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Req>) -> Self::Future {
        ready(
            (self.handler)(&self.state, request.into_inner()).map(|parts| {
                let parts: Vec<_> = parts.into_iter().map(Ok).collect();
                Response::new(stream::iter(parts))
            }),
        )
    }
}

async fn streaming<Req, B>(
    state: Arc<State>,
    method: &'static str,
    handler: StreamFn<Req>,
    request: http::Request<B>,
) -> http::Response<Body>
where
    Req: prost::Message + Default + Send + 'static,
    B: http_body::Body + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    state.calls.record(method);
    let mut grpc = Grpc::new(ProstCodec::<PartialResultSet, Req>::default());
    grpc.server_streaming(Streaming { state, handler }, request)
        .await
}

fn now() -> Timestamp {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp {
        seconds: i64::try_from(since.as_secs()).unwrap_or(0),
        nanos: i32::try_from(since.subsec_nanos()).unwrap_or(0),
    }
}

fn new_session(state: &State, database: &str, multiplexed: bool) -> Session {
    Session {
        name: format!("{database}/sessions/stub-{}", state.next_id()),
        multiplexed,
        create_time: Some(now()),
        ..Session::default()
    }
}

fn create_session(state: &State, request: CreateSessionRequest) -> Result<Session, Status> {
    let multiplexed =
        state.config.grant_multiplexed && request.session.is_some_and(|s| s.multiplexed);
    Ok(new_session(state, &request.database, multiplexed))
}

fn batch_create(
    state: &State,
    request: BatchCreateSessionsRequest,
) -> Result<BatchCreateSessionsResponse, Status> {
    let count = request.session_count.clamp(1, 100);
    Ok(BatchCreateSessionsResponse {
        session: (0..count)
            .map(|_| new_session(state, &request.database, false))
            .collect(),
    })
}

fn get_session(_state: &State, request: GetSessionRequest) -> Result<Session, Status> {
    Ok(Session {
        name: request.name,
        ..Session::default()
    })
}

fn delete_session(_state: &State, _request: DeleteSessionRequest) -> Result<(), Status> {
    Ok(())
}

fn begin(_state: &State, _request: BeginTransactionRequest) -> Result<Transaction, Status> {
    Ok(Transaction {
        id: b"stub-transaction".to_vec(),
        read_timestamp: Some(now()),
        ..Transaction::default()
    })
}

fn commit(_state: &State, _request: CommitRequest) -> Result<CommitResponse, Status> {
    Ok(CommitResponse {
        commit_timestamp: Some(now()),
        ..CommitResponse::default()
    })
}

fn rollback(_state: &State, _request: RollbackRequest) -> Result<(), Status> {
    Ok(())
}

fn is_dml(sql: &str) -> bool {
    let first = sql
        .trim_start()
        .split(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    ["INSERT", "UPDATE", "DELETE"]
        .iter()
        .any(|kw| first.eq_ignore_ascii_case(kw))
}

/// The transaction begun inline by a statement, if it begins one.
fn inline_begin(selector: Option<&TransactionSelector>) -> Option<Transaction> {
    match selector?.selector.as_ref()? {
        Selector::Begin(_) => Some(Transaction {
            id: b"stub-transaction".to_vec(),
            read_timestamp: Some(now()),
            ..Transaction::default()
        }),
        _ => None,
    }
}

fn field(name: &str, code: TypeCode) -> Field {
    Field {
        name: name.to_string(),
        r#type: Some(Type {
            code: code as i32,
            ..Type::default()
        }),
    }
}

fn item_metadata(transaction: Option<Transaction>) -> ResultSetMetadata {
    ResultSetMetadata {
        row_type: Some(StructType {
            fields: vec![
                field("Id", TypeCode::Int64),
                field("Name", TypeCode::String),
                field("Qty", TypeCode::Int64),
            ],
        }),
        transaction,
        ..ResultSetMetadata::default()
    }
}

fn string_value(s: String) -> Value {
    Value {
        kind: Some(Kind::StringValue(s)),
    }
}

fn item_values(id: i64) -> [Value; 3] {
    [
        string_value(id.to_string()),
        string_value(format!("item-{id}")),
        string_value((id * 3).to_string()),
    ]
}

/// The scan answer: `rows` rows in parts of `rows_per_part`, each with a resume token.
fn scan_parts(rows: usize, rows_per_part: usize) -> Vec<PartialResultSet> {
    let mut parts = Vec::new();
    let mut id = 0_i64;
    let mut remaining = rows;
    while remaining > 0 || parts.is_empty() {
        let take = remaining.min(rows_per_part);
        let values = (0..take)
            .flat_map(|_| {
                id += 1;
                item_values(id)
            })
            .collect();
        remaining -= take;
        parts.push(PartialResultSet {
            metadata: parts.is_empty().then(|| item_metadata(None)),
            values,
            resume_token: format!("part-{}", parts.len()).into_bytes(),
            last: remaining == 0,
            ..PartialResultSet::default()
        });
    }
    parts
}

/// The first parameter's value, as an INT64 (0 when it is not one).
fn first_param(params: Option<&prost_types::Struct>) -> i64 {
    let Some(params) = params else { return 0 };
    // Parameters are named p1, p2, ... by the drivers; take the lowest.
    let first = params
        .fields
        .get("p1")
        .or_else(|| params.fields.values().next());
    match first.and_then(|v| v.kind.as_ref()) {
        Some(Kind::StringValue(s)) => s.parse().unwrap_or(0),
        Some(Kind::NumberValue(n)) => *n as i64,
        _ => 0,
    }
}

fn dml_stats() -> ResultSetStats {
    ResultSetStats {
        row_count: Some(RowCount::RowCountExact(1)),
        ..ResultSetStats::default()
    }
}

fn streaming_sql(
    state: &State,
    request: ExecuteSqlRequest,
) -> Result<Vec<PartialResultSet>, Status> {
    state.check_session(&request.session)?;
    let transaction = inline_begin(request.transaction.as_ref());
    if is_dml(&request.sql) {
        return Ok(vec![PartialResultSet {
            metadata: Some(ResultSetMetadata {
                row_type: Some(StructType::default()),
                transaction,
                ..ResultSetMetadata::default()
            }),
            stats: Some(dml_stats()),
            last: true,
            ..PartialResultSet::default()
        }]);
    }
    let has_params = request
        .params
        .as_ref()
        .is_some_and(|p| !p.fields.is_empty());
    if has_params {
        let id = first_param(request.params.as_ref());
        return Ok(vec![PartialResultSet {
            metadata: Some(item_metadata(transaction)),
            values: item_values(id).into(),
            resume_token: b"point".to_vec(),
            last: true,
            ..PartialResultSet::default()
        }]);
    }
    let mut parts = state.scan.clone();
    if let (Some(transaction), Some(first)) = (transaction, parts.first_mut()) {
        if let Some(metadata) = first.metadata.as_mut() {
            metadata.transaction = Some(transaction);
        }
    }
    Ok(parts)
}

fn execute_sql(state: &State, request: ExecuteSqlRequest) -> Result<ResultSet, Status> {
    state.check_session(&request.session)?;
    let transaction = inline_begin(request.transaction.as_ref());
    if is_dml(&request.sql) {
        return Ok(ResultSet {
            metadata: Some(ResultSetMetadata {
                row_type: Some(StructType::default()),
                transaction,
                ..ResultSetMetadata::default()
            }),
            stats: Some(dml_stats()),
            ..ResultSet::default()
        });
    }
    // A query through ExecuteSql (a keep-alive `SELECT 1`, a PLAN): metadata, one row.
    let id = first_param(request.params.as_ref());
    Ok(ResultSet {
        metadata: Some(item_metadata(transaction)),
        rows: vec![prost_types::ListValue {
            values: item_values(id).into(),
        }],
        ..ResultSet::default()
    })
}

fn batch_dml(
    _state: &State,
    request: ExecuteBatchDmlRequest,
) -> Result<ExecuteBatchDmlResponse, Status> {
    let mut transaction = inline_begin(request.transaction.as_ref());
    let result_sets = request
        .statements
        .iter()
        .map(|_: &execute_batch_dml_request::Statement| ResultSet {
            metadata: Some(ResultSetMetadata {
                row_type: Some(StructType::default()),
                transaction: transaction.take(),
                ..ResultSetMetadata::default()
            }),
            stats: Some(dml_stats()),
            ..ResultSet::default()
        })
        .collect();
    Ok(ExecuteBatchDmlResponse {
        result_sets,
        status: Some(gcloud_googleapis::rpc::Status::default()),
        ..ExecuteBatchDmlResponse::default()
    })
}

fn streaming_read(_state: &State, request: ReadRequest) -> Result<Vec<PartialResultSet>, Status> {
    let fields = request
        .columns
        .iter()
        .map(|name| {
            let code = if name.eq_ignore_ascii_case("Name") {
                TypeCode::String
            } else {
                TypeCode::Int64
            };
            field(name, code)
        })
        .collect();
    let values = request
        .columns
        .iter()
        .map(|name| {
            string_value(if name.eq_ignore_ascii_case("Name") {
                "item-1".to_string()
            } else {
                "1".to_string()
            })
        })
        .collect();
    Ok(vec![PartialResultSet {
        metadata: Some(ResultSetMetadata {
            row_type: Some(StructType { fields }),
            transaction: inline_begin(request.transaction.as_ref()),
            ..ResultSetMetadata::default()
        }),
        values,
        resume_token: b"read".to_vec(),
        last: true,
        ..PartialResultSet::default()
    }])
}

/// A running stub: its address, and its call counters.
pub struct StubServer {
    addr: SocketAddr,
    state: Arc<State>,
}

impl StubServer {
    /// Starts the stub on 127.0.0.1 (a free port), served by the current tokio runtime.
    ///
    /// # Errors
    ///
    /// The listening socket cannot be bound.
    pub async fn start(config: StubConfig) -> std::io::Result<StubServer> {
        let stub = SpannerStub::new(config);
        let state = stub.state.clone();
        let incoming =
            tonic::transport::server::TcpIncoming::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?
                .with_nodelay(Some(true));
        let addr = incoming.local_addr()?;
        tokio::spawn(async move {
            if let Err(error) = tonic::transport::Server::builder()
                .serve_with_incoming(stub, incoming)
                .await
            {
                eprintln!("the Spanner stub stopped: {error}");
            }
        });
        Ok(StubServer { addr, state })
    }

    /// `127.0.0.1:PORT`, to be used as an emulator host.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// Forgets every session created so far: statements on them fail with `NOT_FOUND`
    /// ("Session not found"), as on Spanner after a session was deleted or expired.
    pub fn forget_sessions(&self) {
        let next = self.state.next_id.load(Ordering::Relaxed);
        self.state.forgotten_below.store(next, Ordering::Relaxed);
    }

    /// The calls the stub received.
    pub fn calls(&self) -> &CallCounts {
        &self.state.calls
    }
}
