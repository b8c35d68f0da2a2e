//! Requests on a session: single-use reads, read-only and read-write transactions,
//! partitioned DML. Sequence numbers, tags and priorities are set here.

use std::time::Instant;

use gcloud_gax::grpc::Status;
use gcloud_googleapis::spanner::v1::{
    commit_request, execute_batch_dml_request, execute_sql_request::QueryMode,
    request_options::Priority as ProtoPriority, transaction_options, transaction_selector,
    BeginTransactionRequest, CommitRequest, ExecuteBatchDmlRequest, ExecuteSqlRequest, Mutation,
    RequestOptions as ProtoRequestOptions, RollbackRequest, TransactionOptions,
    TransactionSelector,
};
use sqlx_core::error::Error;
use time::OffsetDateTime;

use super::codec::params;
use super::rpc::{self, Routing};
use super::session::{is_session_lost, Session};
use super::stream::{rows_of, ResultStream};
use super::SpannerClient;
use crate::arguments::SpannerArgument;
use crate::error::{status_to_error, SpannerError};
use crate::request_options::{Priority, RequestOptions};
use crate::timestamp_bound::TimestampBound;
use crate::transaction_options::{CommitStats, IsolationLevel, SpannerTransactionOptions};
use crate::SpannerRow;

/// A statement ready to send: GoogleSQL with `@p1..@pN` and its arguments.
#[derive(Debug, Clone)]
pub(crate) struct SqlRequest {
    pub(crate) sql: String,
    pub(crate) arguments: Vec<SpannerArgument>,
}

fn proto_priority(priority: Priority) -> ProtoPriority {
    match priority {
        Priority::Low => ProtoPriority::Low,
        Priority::Medium => ProtoPriority::Medium,
        Priority::High => ProtoPriority::High,
    }
}

pub(super) fn request_options(
    options: &RequestOptions,
    transaction_tag: &str,
) -> Option<ProtoRequestOptions> {
    if options.tag.is_none() && options.priority.is_none() && transaction_tag.is_empty() {
        return None;
    }
    Some(ProtoRequestOptions {
        priority: options
            .priority
            .map(proto_priority)
            .unwrap_or(ProtoPriority::Unspecified) as i32,
        request_tag: options.tag.clone().unwrap_or_default(),
        transaction_tag: transaction_tag.to_string(),
    })
}

fn timestamp(t: OffsetDateTime) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.unix_timestamp(),
        nanos: i32::try_from(t.nanosecond()).unwrap_or(0),
    }
}

fn duration(d: std::time::Duration) -> prost_types::Duration {
    prost_types::Duration {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(d.subsec_nanos()).unwrap_or(0),
    }
}

fn read_only_options(bound: &TimestampBound) -> TransactionOptions {
    use transaction_options::read_only::TimestampBound as Proto;
    let bound = match *bound {
        TimestampBound::Strong => Proto::Strong(true),
        TimestampBound::ExactStaleness(d) => Proto::ExactStaleness(duration(d)),
        TimestampBound::MaxStaleness(d) => Proto::MaxStaleness(duration(d)),
        TimestampBound::ReadTimestamp(t) => Proto::ReadTimestamp(timestamp(t)),
        TimestampBound::MinReadTimestamp(t) => Proto::MinReadTimestamp(timestamp(t)),
    };
    TransactionOptions {
        mode: Some(transaction_options::Mode::ReadOnly(
            transaction_options::ReadOnly {
                timestamp_bound: Some(bound),
                return_read_timestamp: true,
            },
        )),
        ..TransactionOptions::default()
    }
}

fn read_write_options(options: &SpannerTransactionOptions) -> TransactionOptions {
    use transaction_options::IsolationLevel as Proto;
    let isolation_level = match options.isolation_level {
        None => Proto::Unspecified,
        Some(IsolationLevel::Serializable) => Proto::Serializable,
        Some(IsolationLevel::RepeatableRead) => Proto::RepeatableRead,
    };
    TransactionOptions {
        mode: Some(transaction_options::Mode::ReadWrite(
            transaction_options::ReadWrite::default(),
        )),
        exclude_txn_from_change_streams: options.exclude_txn_from_change_streams,
        isolation_level: isolation_level as i32,
    }
}

/// How often work that wrote nothing is tried on a fresh session after Spanner reported
/// its session gone.
pub(super) const SESSION_ATTEMPTS: u32 = 3;

fn execute_request(
    session: &Session,
    selector: TransactionSelector,
    request: SqlRequest,
    seqno: i64,
    mode: QueryMode,
    options: Option<ProtoRequestOptions>,
) -> ExecuteSqlRequest {
    let (params, param_types) = params(request.arguments);
    ExecuteSqlRequest {
        session: session.name().to_string(),
        transaction: Some(selector),
        sql: request.sql,
        params,
        param_types,
        query_mode: mode as i32,
        seqno,
        request_options: options,
        ..ExecuteSqlRequest::default()
    }
}

/// Sends a streaming statement and waits for its first part (which is where Spanner
/// reports a bad statement or a lost session).
async fn open_stream(
    session: &mut Session,
    request: ExecuteSqlRequest,
    routing: Routing,
    deadline: Option<Instant>,
) -> Result<ResultStream, Error> {
    try_open_stream(session, request, routing, deadline)
        .await
        .map_err(|(error, _)| error)
}

/// [`open_stream`], handing the request back on failure so that it can be sent again on
/// another session without keeping a copy of it for every attempt.
async fn try_open_stream(
    session: &mut Session,
    request: ExecuteSqlRequest,
    routing: Routing,
    deadline: Option<Instant>,
) -> Result<ResultStream, (Error, Option<ExecuteSqlRequest>)> {
    let deadlines = session.deadlines();
    let wait = deadlines.next_wait(deadline);
    let call = session.grpc().execute_streaming_sql(
        request.clone(),
        routing.disable_route_to_leader(),
        rpc::transient_retry(),
    );
    let result = rpc::with_deadline(wait, "ExecuteStreamingSql", call).await;
    let response = match session.check(result) {
        Ok(response) => response,
        Err(error) => return Err((error, Some(request))),
    };
    let mut stream = ResultStream::new(
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
        return Err((error, stream.into_request()));
    }
    Ok(stream)
}

/// The error of a read-write transaction whose session Spanner lost: nothing was
/// committed, so it is reported as `ABORTED` and the transaction can be run again.
pub(super) fn lost_session_aborts(error: Error) -> Error {
    if is_session_lost(&error) {
        return status_to_error(Status::aborted(
            "the transaction's session was lost (Session not found); nothing was committed: \
             run the transaction again",
        ));
    }
    error
}

/// `true` when a failed RPC may still have been carried out by the server (the
/// connection broke or the deadline passed before the answer arrived).
fn outcome_unknown(error: &Error) -> bool {
    matches!(
        crate::spanner_code(error),
        Some(
            crate::SpannerCode::Unavailable
                | crate::SpannerCode::DeadlineExceeded
                | crate::SpannerCode::Cancelled
                | crate::SpannerCode::Unknown
        )
    )
}

/// A result stream that owns the session it reads from (single-use reads).
pub(crate) struct SessionStream {
    pub(crate) stream: ResultStream,
    pub(super) _session: Session,
}

pub(super) fn single_use(bound: &TimestampBound) -> TransactionSelector {
    TransactionSelector {
        selector: Some(transaction_selector::Selector::SingleUse(
            read_only_options(bound),
        )),
    }
}

impl SpannerClient {
    /// Runs a query in a single-use read-only transaction and streams its rows.
    pub(crate) async fn query_single_use(
        &self,
        request: SqlRequest,
        bound: &TimestampBound,
        options: &RequestOptions,
    ) -> Result<SessionStream, Error> {
        let mut session = self.session_for(Routing::AnyReplica).await?;
        let deadline = session.deadlines().statement_deadline(options.timeout);
        let mut request = execute_request(
            &session,
            single_use(bound),
            request,
            0,
            QueryMode::Normal,
            request_options(options, ""),
        );
        let mut attempt = 1;
        loop {
            match try_open_stream(&mut session, request, Routing::AnyReplica, deadline).await {
                Ok(stream) => {
                    return Ok(SessionStream {
                        stream,
                        _session: session,
                    })
                }
                Err((error, Some(again)))
                    if is_session_lost(&error) && attempt < SESSION_ATTEMPTS =>
                {
                    attempt += 1;
                    session = self.session_for(Routing::AnyReplica).await?;
                    request = again;
                    request.session = session.name().to_string();
                }
                Err((error, _)) => return Err(error),
            }
        }
    }

    /// Validates a statement and returns its result columns without running it.
    pub(crate) async fn plan(
        &self,
        request: SqlRequest,
    ) -> Result<std::sync::Arc<crate::row::ResultColumns>, Error> {
        let mut session = self.session_for(Routing::AnyReplica).await?;
        let mut request = execute_request(
            &session,
            single_use(&TimestampBound::Strong),
            request,
            0,
            QueryMode::Plan,
            None,
        );
        let mut attempt = 1;
        loop {
            let limit = session
                .deadlines()
                .next_wait(None)
                .min(session.deadlines().rpc);
            let call = session.grpc().execute_sql(
                request.clone(),
                Routing::AnyReplica.disable_route_to_leader(),
                rpc::transient_retry(),
            );
            let result = rpc::with_deadline(limit, "ExecuteSql (PLAN)", call).await;
            match session.check(result) {
                Ok(response) => {
                    return Ok(super::stream::columns_from_metadata(
                        response.into_inner().metadata.as_ref(),
                    ))
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

    /// Begins a transaction with `options` on a session, on a fresh session when Spanner
    /// lost the first one (nothing was written yet).
    async fn begin_on_session(
        &self,
        options: TransactionOptions,
        request_options: Option<ProtoRequestOptions>,
        routing: Routing,
    ) -> Result<(Session, gcloud_googleapis::spanner::v1::Transaction), Error> {
        let mut attempt = 1;
        loop {
            let mut session = self.session_for(routing).await?;
            let begin = BeginTransactionRequest {
                session: session.name().to_string(),
                options: Some(options.clone()),
                request_options: request_options.clone(),
                mutation_key: None,
            };
            let limit = session.deadlines().rpc;
            let call = session.grpc().begin_transaction(
                begin,
                routing.disable_route_to_leader(),
                rpc::transient_retry(),
            );
            let result = rpc::with_deadline(limit, "BeginTransaction", call).await;
            match session.check(result) {
                Ok(response) => return Ok((session, response.into_inner())),
                Err(error) if is_session_lost(&error) && attempt < SESSION_ATTEMPTS => {
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Runs a partitioned DML statement; returns the lower bound of rows affected.
    pub(crate) async fn partitioned_update(
        &self,
        request: SqlRequest,
        options: &RequestOptions,
    ) -> Result<u64, Error> {
        let partitioned = TransactionOptions {
            mode: Some(transaction_options::Mode::PartitionedDml(
                transaction_options::PartitionedDml {},
            )),
            ..TransactionOptions::default()
        };
        let (mut session, tx) = self
            .begin_on_session(partitioned, request_options(options, ""), Routing::Leader)
            .await?;
        let selector = TransactionSelector {
            selector: Some(transaction_selector::Selector::Id(tx.id)),
        };
        let deadline = session.deadlines().statement_deadline(options.timeout);
        let request = execute_request(
            &session,
            selector,
            request,
            1,
            QueryMode::Normal,
            request_options(options, ""),
        );
        let mut rows = open_stream(&mut session, request, Routing::Leader, deadline).await?;
        while rows.next_row().await?.is_some() {}
        Ok(rows.rows_affected().unwrap_or(0))
    }

    /// Begins a multi-use read-only transaction at `bound`.
    pub(crate) async fn begin_read_only(
        &self,
        bound: &TimestampBound,
    ) -> Result<ReadOnlyTransaction, Error> {
        if bound.is_single_use_only() {
            return Err(SpannerError::Unsupported(
                "MaxStaleness and MinReadTimestamp are only allowed in single-use reads".into(),
            )
            .into());
        }
        let (session, tx) = self
            .begin_on_session(read_only_options(bound), None, Routing::AnyReplica)
            .await?;
        let read_timestamp = tx.read_timestamp.and_then(|t| {
            OffsetDateTime::from_unix_timestamp_nanos(
                i128::from(t.seconds) * 1_000_000_000 + i128::from(t.nanos),
            )
            .ok()
        });
        Ok(ReadOnlyTransaction {
            session,
            id: tx.id,
            read_timestamp,
        })
    }

    /// Runs one DML statement in its own read-write transaction and commits it: the
    /// transaction is begun inline by the statement (`TransactionSelector::Begin`), so this
    /// costs two round trips. Returns the statement's rows (`THEN RETURN`), rows affected
    /// and the commit. `ABORTED` (also reported when Spanner lost the session) is returned
    /// as is: nothing was committed.
    pub(crate) async fn execute_autocommit(
        &self,
        request: SqlRequest,
        options: &RequestOptions,
        transaction_tag: Option<&str>,
        transaction_options: &SpannerTransactionOptions,
    ) -> Result<(Vec<SpannerRow>, Option<u64>, CommitInfo), Error> {
        let mut session = self.session_for(Routing::Leader).await?;
        let tag = transaction_tag.unwrap_or_default();
        let selector = TransactionSelector {
            selector: Some(transaction_selector::Selector::Begin(read_write_options(
                transaction_options,
            ))),
        };
        let deadline = session.deadlines().statement_deadline(options.timeout);
        let request = execute_request(
            &session,
            selector,
            request,
            1,
            QueryMode::Normal,
            request_options(options, tag),
        );
        // From here until commit or rollback a transaction may be open on the session: if
        // this future is dropped, the session is not reused with it.
        session.enter_transaction(None);
        let limit = session.deadlines().next_wait(deadline);
        let call = session
            .grpc()
            .execute_sql(request, false, rpc::transient_retry());
        let result = rpc::with_deadline(limit, "ExecuteSql", call).await;
        let response = match session.check(result) {
            Ok(response) => response,
            Err(error) => {
                if !outcome_unknown(&error) {
                    // Spanner answered: a failed first statement leaves no transaction.
                    session.leave_transaction();
                }
                return Err(lost_session_aborts(error));
            }
        };
        let (rows, affected, transaction_id) = rows_of(response.into_inner());
        let transaction_id = transaction_id.ok_or_else(|| {
            SpannerError::Protocol("Spanner did not return the inline-begun transaction".into())
        })?;
        session.enter_transaction(Some(transaction_id.clone()));
        let tx = ReadWriteTransaction {
            session,
            id: transaction_id,
            seqno: 1,
            tag: tag.to_string(),
            mutations: Vec::new(),
            options: transaction_options.clone(),
        };
        let info = tx.commit().await?;
        Ok((rows, affected, info))
    }

    /// Begins a read-write transaction.
    pub(crate) async fn begin_read_write(
        &self,
        transaction_tag: Option<String>,
        transaction_options: &SpannerTransactionOptions,
    ) -> Result<ReadWriteTransaction, Error> {
        let tag = transaction_tag.unwrap_or_default();
        let (mut session, tx) = self
            .begin_on_session(
                read_write_options(transaction_options),
                request_options(&RequestOptions::default(), &tag),
                Routing::Leader,
            )
            .await?;
        session.enter_transaction(Some(tx.id.clone()));
        Ok(ReadWriteTransaction {
            session,
            id: tx.id,
            seqno: 0,
            tag,
            mutations: Vec::new(),
            options: transaction_options.clone(),
        })
    }
}

/// A multi-use read-only transaction: every query reads the same snapshot.
pub(crate) struct ReadOnlyTransaction {
    pub(crate) session: Session,
    pub(crate) id: Vec<u8>,
    pub(crate) read_timestamp: Option<OffsetDateTime>,
}

impl ReadOnlyTransaction {
    /// The snapshot's timestamp.
    pub(crate) fn read_timestamp(&self) -> Option<OffsetDateTime> {
        self.read_timestamp
    }

    pub(crate) async fn query(
        &mut self,
        request: SqlRequest,
        options: &RequestOptions,
    ) -> Result<ResultStream, Error> {
        let selector = TransactionSelector {
            selector: Some(transaction_selector::Selector::Id(self.id.clone())),
        };
        let deadline = self.session.deadlines().statement_deadline(options.timeout);
        let request = execute_request(
            &self.session,
            selector,
            request,
            0,
            QueryMode::Normal,
            request_options(options, ""),
        );
        open_stream(&mut self.session, request, Routing::AnyReplica, deadline).await
    }
}

/// What a successful commit reports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CommitInfo {
    pub(crate) timestamp: Option<OffsetDateTime>,
    /// Present when the transaction asked for commit statistics.
    pub(crate) stats: Option<CommitStats>,
}

fn commit_request(
    session: &str,
    id: &[u8],
    mutations: Vec<Mutation>,
    tag: &str,
    options: &SpannerTransactionOptions,
) -> CommitRequest {
    CommitRequest {
        session: session.to_string(),
        mutations,
        return_commit_stats: options.return_commit_stats,
        max_commit_delay: options.max_commit_delay.map(duration),
        request_options: request_options(&RequestOptions::default(), tag),
        precommit_token: None,
        transaction: Some(commit_request::Transaction::TransactionId(id.to_vec())),
    }
}

/// An open read-write transaction, holding its session until commit or rollback. Dropped
/// without either, its session rolls it back (in the background) before the session is
/// reused.
pub(crate) struct ReadWriteTransaction {
    session: Session,
    id: Vec<u8>,
    seqno: i64,
    tag: String,
    mutations: Vec<Mutation>,
    options: SpannerTransactionOptions,
}

impl ReadWriteTransaction {
    fn selector(&self) -> TransactionSelector {
        TransactionSelector {
            selector: Some(transaction_selector::Selector::Id(self.id.clone())),
        }
    }

    fn next_seqno(&mut self) -> i64 {
        self.seqno += 1;
        self.seqno
    }

    /// Streams the result of a query or DML statement.
    pub(crate) async fn execute_streaming(
        &mut self,
        request: SqlRequest,
        options: &RequestOptions,
    ) -> Result<ResultStream, Error> {
        let seqno = self.next_seqno();
        let deadline = self.session.deadlines().statement_deadline(options.timeout);
        let request = execute_request(
            &self.session,
            self.selector(),
            request,
            seqno,
            QueryMode::Normal,
            request_options(options, &self.tag),
        );
        open_stream(&mut self.session, request, Routing::Leader, deadline)
            .await
            .map_err(lost_session_aborts)
    }

    /// Runs DML statements in one round trip. Stops at the first failing statement: its
    /// error is returned together with the counts of the statements that succeeded.
    pub(crate) async fn batch_update(
        &mut self,
        requests: Vec<SqlRequest>,
        options: &RequestOptions,
    ) -> Result<Vec<u64>, (Error, Vec<u64>)> {
        let seqno = self.next_seqno();
        let statements = requests
            .into_iter()
            .map(|request| {
                let (params, param_types) = params(request.arguments);
                execute_batch_dml_request::Statement {
                    sql: request.sql,
                    params,
                    param_types,
                }
            })
            .collect();
        let request = ExecuteBatchDmlRequest {
            session: self.session.name().to_string(),
            transaction: Some(self.selector()),
            statements,
            seqno,
            request_options: request_options(options, &self.tag),
            last_statements: false,
        };
        let deadlines = self.session.deadlines();
        let limit = deadlines.next_wait(deadlines.statement_deadline(options.timeout));
        let call = self
            .session
            .grpc()
            .execute_batch_dml(request, false, rpc::transient_retry());
        let result = rpc::with_deadline(limit, "ExecuteBatchDml", call).await;
        let response = self
            .session
            .check(result)
            .map_err(|error| (lost_session_aborts(error), Vec::new()))?
            .into_inner();
        let counts: Vec<u64> = response
            .result_sets
            .iter()
            .map(|rs| super::stream::rows_affected(rs.stats.as_ref()).unwrap_or(0))
            .collect();
        match response.status {
            Some(status) if status.code != 0 => {
                let code = gcloud_gax::grpc::Code::from_i32(status.code);
                Err((status_to_error(Status::new(code, status.message)), counts))
            }
            _ => Ok(counts),
        }
    }

    /// Buffers mutations; they are applied atomically at commit.
    pub(crate) fn buffer(&mut self, mutations: Vec<Mutation>) {
        self.mutations.extend(mutations);
    }

    /// Commits. On `ABORTED` (or a lost session, reported as `ABORTED`) nothing was
    /// applied; on `UNAVAILABLE` / `DEADLINE_EXCEEDED` the outcome is unknown and the
    /// error says so.
    pub(crate) async fn commit(mut self) -> Result<CommitInfo, Error> {
        let request = commit_request(
            self.session.name(),
            &self.id,
            std::mem::take(&mut self.mutations),
            &self.tag,
            &self.options,
        );
        let limit = self.session.deadlines().rpc;
        let call = self
            .session
            .grpc()
            .commit(request, false, rpc::transient_retry());
        let result = rpc::with_deadline(limit, "Commit", call).await;
        let response = match self.session.check(result) {
            Ok(response) => response.into_inner(),
            Err(error) if outcome_unknown(&error) => {
                // The session keeps the transaction marked: dropping it rolls back or
                // deletes the session, which is harmless if the commit went through.
                let code = crate::spanner_code(&error).unwrap_or(crate::SpannerCode::Unknown);
                let message = error
                    .as_database_error()
                    .map(|e| e.message().to_string())
                    .unwrap_or_else(|| error.to_string());
                return Err(status_to_error(Status::new(
                    grpc_code(code),
                    format!(
                        "{message}; the commit's outcome is unknown: it may or may not have \
                         been applied"
                    ),
                )));
            }
            Err(error) => {
                self.session.leave_transaction();
                return Err(lost_session_aborts(error));
            }
        };
        self.session.leave_transaction();
        let timestamp = response.commit_timestamp.and_then(|t| {
            OffsetDateTime::from_unix_timestamp_nanos(
                i128::from(t.seconds) * 1_000_000_000 + i128::from(t.nanos),
            )
            .ok()
        });
        let stats = response
            .commit_stats
            .map(|s| CommitStats::new(u64::try_from(s.mutation_count).unwrap_or(0)));
        Ok(CommitInfo { timestamp, stats })
    }

    /// Test support: rolls the transaction back on the server, waits for `meanwhile`, and
    /// swaps in a new transaction on the same session, keeping this handle's buffered
    /// state; then probes it with the statement `probe`. Returns whether Spanner aborted the new
    /// transaction (the emulator does when `meanwhile` left another one active, unless it
    /// gives ours priority). Tests of internal retry use this to meet a real `ABORTED`.
    pub(crate) async fn restart_on_server(
        &mut self,
        meanwhile: impl std::future::Future<Output = ()>,
        probe: &str,
    ) -> Result<bool, Error> {
        let request = RollbackRequest {
            session: self.session.name().to_string(),
            transaction_id: self.id.clone(),
        };
        let result = self
            .session
            .grpc()
            .rollback(request, false, rpc::transient_retry())
            .await;
        self.session.check(result)?;
        meanwhile.await;
        let begin = BeginTransactionRequest {
            session: self.session.name().to_string(),
            options: Some(read_write_options(&self.options)),
            request_options: request_options(&RequestOptions::default(), &self.tag),
            mutation_key: None,
        };
        let result = self
            .session
            .grpc()
            .begin_transaction(begin, false, rpc::transient_retry())
            .await;
        self.id = self.session.check(result)?.into_inner().id;
        self.session.enter_transaction(Some(self.id.clone()));
        let probe = SqlRequest {
            sql: probe.to_string(),
            arguments: Vec::new(),
        };
        let aborted =
            |error: &Error| crate::spanner_code(error) == Some(crate::SpannerCode::Aborted);
        match self
            .execute_streaming(probe, &RequestOptions::default())
            .await
        {
            Ok(mut rows) => loop {
                match rows.next_row().await {
                    Ok(Some(_)) => {}
                    Ok(None) => return Ok(false),
                    Err(error) if aborted(&error) => return Ok(true),
                    Err(error) => return Err(error),
                }
            },
            Err(error) if aborted(&error) => Ok(true),
            Err(error) => Err(error),
        }
    }

    /// Rolls back (releasing the transaction's locks).
    pub(crate) async fn rollback(mut self) -> Result<(), Error> {
        let request = RollbackRequest {
            session: self.session.name().to_string(),
            transaction_id: self.id.clone(),
        };
        let limit = self.session.deadlines().rpc;
        let call = self
            .session
            .grpc()
            .rollback(request, false, rpc::transient_retry());
        let result = rpc::with_deadline(limit, "Rollback", call).await;
        match self.session.check(result) {
            Ok(_) => {
                self.session.leave_transaction();
                Ok(())
            }
            Err(error) if outcome_unknown(&error) => Err(error),
            Err(error) => {
                // Spanner answered: the transaction is over either way.
                self.session.leave_transaction();
                Err(error)
            }
        }
    }
}

/// What the Read API (`client/read.rs`) sends a read in a transaction with.
impl ReadOnlyTransaction {
    pub(super) fn read_target(&mut self) -> (&mut Session, TransactionSelector) {
        let selector = TransactionSelector {
            selector: Some(transaction_selector::Selector::Id(self.id.clone())),
        };
        (&mut self.session, selector)
    }
}

impl ReadWriteTransaction {
    /// The session, the transaction selector and the transaction tag.
    pub(super) fn read_target(&mut self) -> (&mut Session, TransactionSelector, String) {
        let selector = self.selector();
        (&mut self.session, selector, self.tag.clone())
    }
}

fn grpc_code(code: crate::SpannerCode) -> gcloud_gax::grpc::Code {
    use crate::SpannerCode as S;
    use gcloud_gax::grpc::Code as C;
    match code {
        S::Unavailable => C::Unavailable,
        S::DeadlineExceeded => C::DeadlineExceeded,
        S::Cancelled => C::Cancelled,
        _ => C::Unknown,
    }
}

#[cfg(test)]
mod transaction_options_tests {
    use super::*;

    #[test]
    fn transaction_options_reach_begin_and_commit() {
        let options = SpannerTransactionOptions::new()
            .isolation_level(IsolationLevel::RepeatableRead)
            .max_commit_delay(std::time::Duration::from_millis(20))
            .return_commit_stats(true)
            .exclude_txn_from_change_streams(true);
        let begin = read_write_options(&options);
        assert_eq!(
            begin.isolation_level,
            transaction_options::IsolationLevel::RepeatableRead as i32
        );
        assert!(begin.exclude_txn_from_change_streams);
        let commit = commit_request("s", b"id", Vec::new(), "", &options);
        assert!(commit.return_commit_stats);
        assert_eq!(
            commit.max_commit_delay,
            Some(prost_types::Duration {
                seconds: 0,
                nanos: 20_000_000
            })
        );
        let default = read_write_options(&SpannerTransactionOptions::default());
        assert_eq!(
            default.isolation_level,
            transaction_options::IsolationLevel::Unspecified as i32
        );
    }
}
