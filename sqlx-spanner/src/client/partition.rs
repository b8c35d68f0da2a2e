//! Batch read-only transactions: `PartitionQuery` on their session, and the execution of
//! one partition (an `ExecuteStreamingSql` carrying the partition token) from any client of
//! the same database.

use gcloud_googleapis::spanner::v1::{
    execute_sql_request::QueryMode, transaction_selector, ExecuteSqlRequest,
    PartitionOptions as ProtoPartitionOptions, PartitionQueryRequest, TransactionSelector,
};
use sqlx_core::error::Error;
use time::OffsetDateTime;

use super::codec::params;
use super::rpc::{self, Routing};
use super::session::Session;
use super::stream::ResultStream;
use super::transaction::SqlRequest;
use super::SpannerClient;
use crate::error::status_to_error;
use crate::timestamp_bound::TimestampBound;

/// How a query is split (hints; Spanner may return fewer or more partitions).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PartitionHints {
    pub(crate) max_partitions: i64,
    pub(crate) partition_size_bytes: i64,
    pub(crate) data_boost_enabled: bool,
}

/// A read-only transaction that holds its session until it is dropped, so that its
/// partitions can be executed (by any process) against that session and snapshot.
pub(crate) struct BatchTransaction {
    session: Session,
    id: Vec<u8>,
    read_timestamp: Option<OffsetDateTime>,
}

impl BatchTransaction {
    /// The snapshot every partition reads.
    pub(crate) fn read_timestamp(&self) -> Option<OffsetDateTime> {
        self.read_timestamp
    }

    /// Splits a query into partitions; each is returned as the complete request that
    /// executes it.
    pub(crate) async fn partition_query(
        &mut self,
        request: SqlRequest,
        hints: PartitionHints,
    ) -> Result<Vec<ExecuteSqlRequest>, Error> {
        let selector = TransactionSelector {
            selector: Some(transaction_selector::Selector::Id(self.id.clone())),
        };
        let (params, param_types) = params(request.arguments);
        let partition = PartitionQueryRequest {
            session: self.session.name().to_string(),
            transaction: Some(selector.clone()),
            sql: request.sql.clone(),
            params: params.clone(),
            param_types: param_types.clone(),
            partition_options: Some(ProtoPartitionOptions {
                partition_size_bytes: hints.partition_size_bytes,
                max_partitions: hints.max_partitions,
            }),
        };
        let limit = self.session.deadlines().rpc;
        let call = self.session.grpc().partition_query(
            partition,
            Routing::AnyReplica.disable_route_to_leader(),
            rpc::transient_retry(),
        );
        let result = rpc::with_deadline(limit, "PartitionQuery", call).await;
        let response = self.session.check(result)?.into_inner();
        Ok(response
            .partitions
            .into_iter()
            .map(|p| ExecuteSqlRequest {
                session: self.session.name().to_string(),
                transaction: Some(selector.clone()),
                sql: request.sql.clone(),
                params: params.clone(),
                param_types: param_types.clone(),
                query_mode: QueryMode::Normal as i32,
                partition_token: p.partition_token,
                data_boost_enabled: hints.data_boost_enabled,
                ..ExecuteSqlRequest::default()
            })
            .collect())
    }
}

impl SpannerClient {
    /// Begins a batch read-only transaction at `bound` (strong or a multi-use bound).
    pub(crate) async fn begin_batch(
        &self,
        bound: &TimestampBound,
    ) -> Result<BatchTransaction, Error> {
        let tx = self.begin_read_only(bound).await?;
        Ok(BatchTransaction {
            session: tx.session,
            id: tx.id,
            read_timestamp: tx.read_timestamp,
        })
    }

    /// Executes one partition (a request made by
    /// [`BatchTransaction::partition_query`], possibly in another process) and streams its
    /// rows; the stream resumes itself like any query's.
    pub(crate) async fn execute_partition(
        &self,
        request: ExecuteSqlRequest,
    ) -> Result<ResultStream, Error> {
        let deadlines = self.inner.sessions.deadlines();
        let deadline = deadlines.statement_deadline(None);
        let mut grpc = self.inner.sessions.grpc();
        let call = grpc.execute_streaming_sql(
            request.clone(),
            Routing::AnyReplica.disable_route_to_leader(),
            rpc::transient_retry(),
        );
        let wait = deadlines.next_wait(deadline);
        let response = rpc::with_deadline(wait, "ExecuteStreamingSql", call)
            .await
            .map_err(status_to_error)?;
        let mut stream = ResultStream::new(
            response.into_inner(),
            grpc,
            request,
            Routing::AnyReplica,
            deadlines,
            deadline,
        );
        stream.prefetch().await?;
        Ok(stream)
    }
}
