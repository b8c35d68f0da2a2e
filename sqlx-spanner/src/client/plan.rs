//! `ExecuteSql` in `PLAN` mode with the parameters left undeclared: Spanner validates the
//! statement without running it and answers with the result columns and, in
//! `metadata.undeclared_parameters`, the types it inferred for the parameters.

use gcloud_googleapis::spanner::v1::{
    execute_sql_request::QueryMode, transaction_options, transaction_selector, ExecuteSqlRequest,
    ResultSetMetadata, RollbackRequest, TransactionOptions, TransactionSelector,
};
use sqlx_core::error::Error;

use super::rpc::{self, Routing};
use super::SpannerClient;

/// A single-use strong read-only transaction: enough to plan a query.
fn read_only() -> TransactionSelector {
    TransactionSelector {
        selector: Some(transaction_selector::Selector::SingleUse(
            TransactionOptions {
                mode: Some(transaction_options::Mode::ReadOnly(
                    transaction_options::ReadOnly {
                        timestamp_bound: Some(
                            transaction_options::read_only::TimestampBound::Strong(true),
                        ),
                        return_read_timestamp: false,
                    },
                )),
                ..TransactionOptions::default()
            },
        )),
    }
}

/// A read-write transaction begun by the request itself: Spanner plans DML only inside
/// one. It is rolled back right after; nothing is written in `PLAN` mode.
fn begin_read_write() -> TransactionSelector {
    TransactionSelector {
        selector: Some(transaction_selector::Selector::Begin(TransactionOptions {
            mode: Some(transaction_options::Mode::ReadWrite(
                transaction_options::ReadWrite::default(),
            )),
            ..TransactionOptions::default()
        })),
    }
}

impl SpannerClient {
    /// Plans `sql` (GoogleSQL with `@p1..@pN`) without values or parameter types and
    /// returns Spanner's result set metadata: the row type and the inferred types of the
    /// undeclared parameters. `dml` plans in a read-write transaction that is rolled back.
    pub(crate) async fn plan_undeclared(
        &self,
        sql: String,
        dml: bool,
    ) -> Result<ResultSetMetadata, Error> {
        let routing = if dml {
            Routing::Leader
        } else {
            Routing::AnyReplica
        };
        let mut session = self.session_for(routing).await?;
        let request = ExecuteSqlRequest {
            session: session.name().to_string(),
            transaction: Some(if dml { begin_read_write() } else { read_only() }),
            sql,
            query_mode: QueryMode::Plan as i32,
            seqno: i64::from(dml),
            ..ExecuteSqlRequest::default()
        };
        if dml {
            session.enter_transaction(None);
        }
        let limit = session.deadlines().rpc;
        let call = session.grpc().execute_sql(
            request,
            routing.disable_route_to_leader(),
            rpc::transient_retry(),
        );
        let result = rpc::with_deadline(limit, "ExecuteSql (PLAN)", call).await;
        let metadata = session
            .check(result)?
            .into_inner()
            .metadata
            .unwrap_or_default();
        if dml {
            let id = metadata
                .transaction
                .as_ref()
                .map(|t| t.id.clone())
                .unwrap_or_default();
            session.enter_transaction(Some(id.clone()));
            if !id.is_empty() {
                let rollback = RollbackRequest {
                    session: session.name().to_string(),
                    transaction_id: id,
                };
                let call = session
                    .grpc()
                    .rollback(rollback, false, rpc::transient_retry());
                let result = rpc::with_deadline(limit, "Rollback", call).await;
                session.check(result)?;
            }
            session.leave_transaction();
        }
        Ok(metadata)
    }
}
