//! The sqlx [`Executor`] for `&mut SpannerConnection`: routes each statement to a
//! single-use read, the open transaction, an autocommit read-write transaction, or the
//! admin API (DDL).

use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use futures_util::TryStreamExt;
use sqlx_core::describe::Describe;
use sqlx_core::error::Error;
use sqlx_core::executor::{Execute, Executor};
use sqlx_core::logger::QueryLogger;
use sqlx_core::sql_str::SqlStr;
use sqlx_core::try_stream;
use sqlx_core::Either;

use super::{SpannerConnection, TransactionState};
use crate::backoff::abort_backoff_after;
use crate::batch_dml::Intercepted;
use crate::client::stream::ResultStream;
use crate::client::transaction::SqlRequest;
use crate::error::SpannerError;
use crate::replay::Outcome;
use crate::sql::StatementKind;
use crate::{
    Spanner, SpannerArguments, SpannerQueryResult, SpannerRow, SpannerStatement, SpannerTypeInfo,
};

/// A statement after placeholder rewriting and argument checks.
pub(crate) struct PreparedRequest {
    pub(crate) request: SqlRequest,
    pub(crate) kind: StatementKind,
    /// DML with a `THEN RETURN` clause (never buffered by batched DML).
    pub(crate) has_then_return: bool,
}

/// Rewrites placeholders and checks the argument count before anything is sent.
pub(crate) fn prepare_request(
    sql: &str,
    arguments: Option<SpannerArguments>,
) -> Result<PreparedRequest, Error> {
    let prepared = crate::sql::prepare_sql(sql).map_err(|e| SpannerError::Sql(e.to_string()))?;
    let arguments = arguments.unwrap_or_default();
    if prepared.param_count != arguments.values.len() {
        return Err(SpannerError::ParameterCount {
            expected: prepared.param_count,
            actual: arguments.values.len(),
        }
        .into());
    }
    Ok(PreparedRequest {
        kind: prepared.kind,
        has_then_return: prepared.has_then_return,
        request: SpannerConnection::single_request(prepared.sql, arguments),
    })
}

/// The statements of one `execute`/`fetch` call. Without arguments the SQL may be a
/// script of several statements (`sqlx::raw_sql`); consecutive DDL statements are grouped
/// into one schema-change batch.
enum Step {
    Ddl(Vec<String>),
    Statement(PreparedRequest),
}

fn plan_steps(sql: &str, arguments: Option<SpannerArguments>) -> Result<Vec<Step>, Error> {
    let pieces: Vec<String> = if arguments.is_none() {
        crate::sql::split_statements(sql)
            .map_err(|e| SpannerError::Sql(e.to_string()))?
            .into_iter()
            .map(|piece| piece.to_string())
            .collect()
    } else {
        vec![sql.to_string()]
    };
    let mut steps: Vec<Step> = Vec::with_capacity(pieces.len());
    let mut arguments = arguments;
    for piece in pieces {
        let prepared = prepare_request(&piece, arguments.take())?;
        if prepared.kind == StatementKind::Ddl {
            let ddl = crate::sql::strip_comments(&prepared.request.sql)
                .map_err(|e| SpannerError::Sql(e.to_string()))?;
            if let Some(Step::Ddl(batch)) = steps.last_mut() {
                batch.push(ddl);
                continue;
            }
            steps.push(Step::Ddl(vec![ddl]));
        } else {
            steps.push(Step::Statement(prepared));
        }
    }
    Ok(steps)
}

/// How often one statement's stream is recovered after aborts before giving up.
const MAX_STREAM_RECOVERIES: u32 = 20;

impl SpannerConnection {
    /// Recovers an aborted transaction and returns the stream of statement `step`,
    /// positioned after the rows already handed out.
    async fn resume(&mut self, error: Error, step: usize) -> Result<ResultStream, Error> {
        Box::pin(self.recover(error, step, true))
            .await?
            .ok_or_else(|| {
                SpannerError::Protocol("replay did not resume the statement in progress".into())
                    .into()
            })
    }

    /// Records that statement `step` failed (internal retry expects the same on replay).
    fn fail_step(&mut self, step: Option<usize>, error: &Error) {
        if let (Some(step), Some(log)) = (step, &mut self.replay) {
            log.finish_statement(step, Outcome::Failed(crate::spanner_code(error)));
        }
    }

    /// Runs one statement (with arguments) or a script (without), yielding rows and one
    /// result per statement.
    fn run<'e>(
        &'e mut self,
        sql: SqlStr,
        arguments: Result<Option<SpannerArguments>, Error>,
    ) -> BoxStream<'e, Result<Either<SpannerQueryResult, SpannerRow>, Error>> {
        let span = self
            .transaction_span
            .in_scope(|| crate::telemetry::statement_span(&self.options, sql.as_str()));
        let statements = Box::pin(try_stream! {
            let arguments = arguments?;
            let mut logger = QueryLogger::new(sql.clone(), self.options.log_settings.clone());
            let steps = plan_steps(sql.as_str(), arguments)?;
            self.flush_pending_rollback().await?;
            for step in steps {
                let prepared = match step {
                    Step::Ddl(batch) => {
                        if !matches!(self.transaction, TransactionState::None) {
                            Err(SpannerError::DdlInTransaction(batch.join("; ")))?;
                        }
                        self.flush_batch_dml().await?;
                        let admin = self.options.admin().await?;
                        admin.update_ddl(self.client.database_path(), batch).await?;
                        r#yield!(Either::Left(SpannerQueryResult::default()));
                        continue;
                    }
                    Step::Statement(prepared) => prepared,
                };
                let options = self.take_request_options();
                // Batched DML (see `batch_dml.rs`): buffered, or the buffer is sent first.
                let (prepared, options) = match self.intercept_for_batch(prepared, options).await? {
                    Intercepted::Buffered(result) => {
                        logger.increase_rows_affected(result.rows_affected());
                        r#yield!(Either::Left(result));
                        continue;
                    }
                    Intercepted::Run(prepared, options) => (prepared, options),
                };
                match (prepared.kind, &mut self.transaction) {
                    // Statements the driver does not classify go to Spanner as queries, so
                    // the caller gets Spanner's own error (e.g. a syntax error).
                    (StatementKind::Query | StatementKind::Other, TransactionState::None) => {
                        let mut rows = self
                            .client
                            .query_single_use(prepared.request, &self.read_bound, &options)
                            .await?;
                        while let Some(row) = rows.stream.next_row().await? {
                            logger.increment_rows_returned();
                            r#yield!(Either::Right(row));
                        }
                        r#yield!(Either::Left(SpannerQueryResult::default()));
                    }
                    (StatementKind::Query | StatementKind::Other, TransactionState::ReadOnly(tx)) => {
                        let mut rows = tx.query(prepared.request, &options).await?;
                        while let Some(row) = rows.next_row().await? {
                            logger.increment_rows_returned();
                            r#yield!(Either::Right(row));
                        }
                        r#yield!(Either::Left(SpannerQueryResult::default()));
                    }
                    (
                        StatementKind::Query | StatementKind::Dml | StatementKind::Other,
                        TransactionState::ReadWrite(_),
                    ) => {
                        // With internal retry the statement and the rows handed out are
                        // recorded; an abort before or while streaming is recovered by
                        // replaying the transaction (see `replay.rs`).
                        let step = self.replay.as_mut().map(|log| {
                            log.start_statement(prepared.request.clone(), options.clone())
                        });
                        let opened = match &mut self.transaction {
                            TransactionState::ReadWrite(tx) => {
                                tx.execute_streaming(prepared.request, &options).await
                            }
                            _ => Err(SpannerError::TransactionNotActive.into()),
                        };
                        let mut rows = match (opened, step) {
                            (Ok(rows), _) => rows,
                            (Err(error), Some(step)) if self.retries_internally(&error) => {
                                self.resume(error, step).await?
                            }
                            (Err(error), step) => {
                                self.fail_step(step, &error);
                                Err(error)?
                            }
                        };
                        let mut recoveries = 0;
                        loop {
                            match rows.next_row().await {
                                Ok(Some(row)) => {
                                    if let (Some(step), Some(log)) = (step, &mut self.replay) {
                                        log.add_row(step, &row);
                                    }
                                    logger.increment_rows_returned();
                                    r#yield!(Either::Right(row));
                                }
                                Ok(None) => break,
                                Err(error) => match step {
                                    Some(step)
                                        if self.retries_internally(&error)
                                            && recoveries < MAX_STREAM_RECOVERIES =>
                                    {
                                        recoveries += 1;
                                        rows = self.resume(error, step).await?;
                                    }
                                    _ => {
                                        self.fail_step(step, &error);
                                        Err(error)?
                                    }
                                },
                            }
                        }
                        if let (Some(step), Some(log)) = (step, &mut self.replay) {
                            log.finish_statement(
                                step,
                                Outcome::Done {
                                    rows_affected: rows.rows_affected(),
                                },
                            );
                        }
                        let affected = rows.rows_affected().unwrap_or(0);
                        logger.increase_rows_affected(affected);
                        r#yield!(Either::Left(SpannerQueryResult::new(affected)));
                    }
                    (StatementKind::Dml, TransactionState::ReadOnly(_)) => {
                        Err(SpannerError::Unsupported(
                            "DML in a read-only transaction".into(),
                        ))?;
                    }
                    (StatementKind::Dml, TransactionState::None) => {
                        // Autocommit: run in its own read-write transaction; the rows of a
                        // `THEN RETURN` clause are only released once the commit succeeded.
                        let tag = self.next_transaction_tag.take();
                        let tx_options = self.take_transaction_options();
                        let mut attempt = 0;
                        let (rows, affected) = loop {
                            attempt += 1;
                            let result = self
                                .client
                                .execute_autocommit(
                                    prepared.request.clone(),
                                    &options,
                                    tag.as_deref(),
                                    &tx_options,
                                )
                                .await;
                            match result {
                                Ok((rows, affected, info)) => {
                                    self.record_commit(info);
                                    break (rows, affected.unwrap_or(0));
                                }
                                Err(error)
                                    if crate::is_retryable(&error)
                                        && attempt < self.max_autocommit_attempts =>
                                {
                                    crate::telemetry::retry_event("autocommit", attempt + 1, &error);
                                    abort_backoff_after(&error, attempt).await;
                                }
                                Err(error) => Err(error)?,
                            }
                        };
                        for row in rows {
                            logger.increment_rows_returned();
                            r#yield!(Either::Right(row));
                        }
                        logger.increase_rows_affected(affected);
                        r#yield!(Either::Left(SpannerQueryResult::new(affected)));
                    }
                    (StatementKind::Ddl, _) => {
                        // Grouped above; unreachable in practice but harmless.
                        Err(SpannerError::DdlInTransaction(prepared.request.sql))?;
                    }
                    (StatementKind::Empty, _) => {
                        r#yield!(Either::Left(SpannerQueryResult::default()));
                    }
                }
            }
            Ok(())
        });
        Box::pin(crate::telemetry::StatementStream::new(span, statements))
    }
}

impl<'c> Executor<'c> for &'c mut SpannerConnection {
    type Database = Spanner;

    fn fetch_many<'e, 'q, E>(
        self,
        mut query: E,
    ) -> BoxStream<'e, Result<Either<SpannerQueryResult, SpannerRow>, Error>>
    where
        'c: 'e,
        E: Execute<'q, Spanner>,
        'q: 'e,
        E: 'q,
    {
        let arguments = query.take_arguments().map_err(Error::Encode);
        let sql = query.sql();
        self.run(sql, arguments)
    }

    fn fetch_optional<'e, 'q, E>(
        self,
        mut query: E,
    ) -> BoxFuture<'e, Result<Option<SpannerRow>, Error>>
    where
        'c: 'e,
        E: Execute<'q, Spanner>,
        'q: 'e,
        E: 'q,
    {
        let arguments = query.take_arguments().map_err(Error::Encode);
        let sql = query.sql();
        // A query can stop after its first row; DML (and scripts) must run to completion
        // so that their writes and commits happen.
        let query_only = matches!(
            crate::sql::statement_kind(sql.as_str()),
            Ok(StatementKind::Query)
        ) && matches!(arguments, Ok(Some(_)));
        let mut stream = self.run(sql, arguments);
        Box::pin(async move {
            let mut first = None;
            while let Some(item) = stream.try_next().await? {
                if let Either::Right(row) = item {
                    if query_only {
                        return Ok(Some(row));
                    }
                    if first.is_none() {
                        first = Some(row);
                    }
                }
            }
            Ok(first)
        })
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        _parameters: &'e [SpannerTypeInfo],
    ) -> BoxFuture<'e, Result<SpannerStatement, Error>>
    where
        'c: 'e,
    {
        Box::pin(async move {
            let prepared = crate::sql::prepare_sql(sql.as_str())
                .map_err(|e| SpannerError::Sql(e.to_string()))?;
            let columns = if prepared.kind == StatementKind::Query {
                // Typed NULL parameters let Spanner plan without values.
                let request = SqlRequest {
                    sql: prepared.sql.clone(),
                    arguments: Vec::new(),
                };
                self.client.plan(request).await?
            } else {
                Default::default()
            };
            Ok(SpannerStatement {
                sql,
                columns,
                parameters: prepared.param_count,
            })
        })
    }

    fn describe<'e>(self, sql: SqlStr) -> BoxFuture<'e, Result<Describe<Spanner>, Error>>
    where
        'c: 'e,
    {
        Box::pin(async move { crate::describe::describe(&self.client, sql.as_str()).await })
    }
}
