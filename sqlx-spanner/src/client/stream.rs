//! Turns Spanner's stream of `PartialResultSet`s into rows, one at a time, resuming the
//! stream after a transient failure.
//!
//! Only the values of a few `PartialResultSet`s are held at once, so scanning a large table
//! with `fetch` does not buffer the whole result.
//!
//! **Resumption.** Spanner marks points of a result stream with resume tokens. Values
//! received after the last token are held back (up to [`MAX_UNCONFIRMED_BYTES`]) until the
//! next token arrives; when the stream breaks with a transient error (`UNAVAILABLE`, or
//! `INTERNAL` for a reset stream) the request is sent again with the last token and the
//! held-back values are discarded, so no row is yielded twice or skipped. Before the first
//! token the request is restarted from the beginning. When more than
//! [`MAX_UNCONFIRMED_BYTES`] arrive without a token (the emulator never sends tokens), the
//! values are released and the stream can no longer be resumed: a later failure is
//! returned to the caller.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use gcloud_gax::grpc::{Status, Streaming};
use gcloud_googleapis::spanner::v1::{
    result_set_stats::RowCount, ExecuteSqlRequest, PartialResultSet, ReadRequest, ResultSet,
    ResultSetMetadata, ResultSetStats,
};
use gcloud_spanner::apiv1::spanner_client::Client as GrpcClient;
use prost::Message as _;
use prost_types::value::Kind;
use sqlx_core::error::Error;

use super::rpc::{self, Deadlines, Routing};
use crate::client::codec::from_proto_type;
use crate::error::{status_to_error, SpannerError};
use crate::row::ResultColumns;
use crate::{SpannerColumn, SpannerRow, SpannerTypeInfo};

/// Values held back waiting for a resume token, at most (encoded size).
pub(crate) const MAX_UNCONFIRMED_BYTES: usize = 16 * 1024 * 1024;

/// How often one stream is resumed or restarted before its error is returned.
const MAX_RESUMES: u32 = 10;

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
                    SpannerColumn::new(ordinal, &field.name, SpannerTypeInfo::new(ty))
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

/// Assembles rows from `PartialResultSet`s fed in order (merging chunked values).
#[derive(Default)]
pub(crate) struct RowDecoder {
    columns: Option<Arc<ResultColumns>>,
    values: VecDeque<prost_types::Value>,
    /// The last value in `values` continues in the next `PartialResultSet` with values.
    chunked: bool,
    stats: Option<ResultSetStats>,
}

impl RowDecoder {
    /// Takes in one part of the stream.
    pub(crate) fn feed(&mut self, part: PartialResultSet) -> Result<(), Error> {
        if let Some(metadata) = &part.metadata {
            if self.columns.is_none() {
                self.columns = Some(columns_from_metadata(Some(metadata)));
            }
        }
        if part.stats.is_some() {
            self.stats = part.stats;
        }
        if part.values.is_empty() {
            // No value to complete or to chunk: a pending chunked value stays pending.
            return Ok(());
        }
        let mut incoming = part.values.into_iter();
        if self.chunked {
            if let (Some(previous), Some(first)) = (self.values.pop_back(), incoming.next()) {
                self.values.push_back(merge_chunks(previous, first)?);
            }
        }
        self.values.extend(incoming);
        self.chunked = part.chunked_value;
        Ok(())
    }

    /// The next complete row, if one is assembled.
    pub(crate) fn take_row(&mut self) -> Option<SpannerRow> {
        let columns = self.columns.as_ref()?;
        let width = columns.columns.len();
        let complete = self.values.len().saturating_sub(usize::from(self.chunked));
        if width == 0 || complete < width {
            return None;
        }
        let values: Vec<_> = self.values.drain(..width).collect();
        Some(SpannerRow::new(values, columns.clone()))
    }

    /// Checks that the stream ended on a row boundary.
    pub(crate) fn finish(&self) -> Result<(), Error> {
        if self.chunked || !self.values.is_empty() {
            return Err(SpannerError::Protocol(format!(
                "result stream ended with {} value(s) that do not form a row",
                self.values.len()
            ))
            .into());
        }
        Ok(())
    }

    /// The result's statistics (rows affected of DML), once received.
    pub(crate) fn stats(&self) -> Option<&ResultSetStats> {
        self.stats.as_ref()
    }
}

/// The request a gRPC result stream was opened with, kept to open it again.
enum StreamRequest {
    /// `ExecuteStreamingSql`.
    Sql(ExecuteSqlRequest),
    /// `StreamingRead` (the Read API, see `client/read.rs`).
    Read(ReadRequest),
}

/// Where the parts of a stream come from, and how the request is sent again. (The second
/// variant exists only in unit tests.)
#[cfg_attr(test, allow(clippy::large_enum_variant))]
enum PartSource {
    Grpc {
        grpc: GrpcClient,
        request: StreamRequest,
        routing: Routing,
        stream: Option<Streaming<PartialResultSet>>,
    },
    #[cfg(test)]
    Canned(Box<tests::CannedSource>),
}

impl PartSource {
    async fn next(&mut self) -> Result<Option<PartialResultSet>, Status> {
        match self {
            PartSource::Grpc { stream, .. } => match stream {
                Some(stream) => stream.message().await,
                None => Err(Status::unavailable("the stream is being restarted")),
            },
            #[cfg(test)]
            PartSource::Canned(source) => source.next(),
        }
    }

    async fn restart(&mut self, resume_token: Vec<u8>) -> Result<(), Status> {
        match self {
            PartSource::Grpc {
                grpc,
                request,
                routing,
                stream,
            } => {
                *stream = None;
                let not_to_leader = routing.disable_route_to_leader();
                let response = match request {
                    StreamRequest::Sql(request) => {
                        let mut again = request.clone();
                        again.resume_token = resume_token;
                        grpc.execute_streaming_sql(again, not_to_leader, rpc::transient_retry())
                            .await?
                    }
                    StreamRequest::Read(request) => {
                        let mut again = request.clone();
                        again.resume_token = resume_token;
                        grpc.streaming_read(again, not_to_leader, rpc::transient_retry())
                            .await?
                    }
                };
                *stream = Some(response.into_inner());
                Ok(())
            }
            #[cfg(test)]
            PartSource::Canned(source) => source.restart(&resume_token),
        }
    }
}

/// A streaming result set that resumes itself after transient failures.
pub(crate) struct ResultStream {
    source: PartSource,
    decoder: RowDecoder,
    /// Parts received since the last resume token, not yet given to the decoder.
    unconfirmed: VecDeque<PartialResultSet>,
    unconfirmed_bytes: usize,
    resume_token: Vec<u8>,
    /// Every value given to the decoder is covered by `resume_token` (or none was given).
    resumable: bool,
    resumes: u32,
    finished: bool,
    deadlines: Deadlines,
    deadline: Option<Instant>,
}

impl ResultStream {
    /// Wraps a stream already opened for `request`.
    pub(crate) fn new(
        stream: Streaming<PartialResultSet>,
        grpc: GrpcClient,
        request: ExecuteSqlRequest,
        routing: Routing,
        deadlines: Deadlines,
        deadline: Option<Instant>,
    ) -> Self {
        ResultStream::from_source(
            PartSource::Grpc {
                grpc,
                request: StreamRequest::Sql(request),
                routing,
                stream: Some(stream),
            },
            deadlines,
            deadline,
        )
    }

    /// Wraps a `StreamingRead` already opened for `request`.
    pub(crate) fn for_read(
        stream: Streaming<PartialResultSet>,
        grpc: GrpcClient,
        request: ReadRequest,
        routing: Routing,
        deadlines: Deadlines,
        deadline: Option<Instant>,
    ) -> Self {
        ResultStream::from_source(
            PartSource::Grpc {
                grpc,
                request: StreamRequest::Read(request),
                routing,
                stream: Some(stream),
            },
            deadlines,
            deadline,
        )
    }

    fn from_source(source: PartSource, deadlines: Deadlines, deadline: Option<Instant>) -> Self {
        ResultStream {
            source,
            decoder: RowDecoder::default(),
            unconfirmed: VecDeque::new(),
            unconfirmed_bytes: 0,
            resume_token: Vec::new(),
            resumable: true,
            resumes: 0,
            finished: false,
            deadlines,
            deadline,
        }
    }

    /// The request this stream was opened with (to send it again elsewhere).
    pub(crate) fn into_request(self) -> Option<ExecuteSqlRequest> {
        match self.source {
            PartSource::Grpc {
                request: StreamRequest::Sql(request),
                ..
            } => Some(request),
            PartSource::Grpc {
                request: StreamRequest::Read(_),
                ..
            } => None,
            #[cfg(test)]
            PartSource::Canned(_) => None,
        }
    }

    /// Rows affected (DML only), known once the stream is exhausted.
    pub(crate) fn rows_affected(&self) -> Option<u64> {
        rows_affected(self.decoder.stats())
    }

    /// Receives the first part of the stream (where Spanner reports a failed statement),
    /// unless a row is already available.
    pub(crate) async fn prefetch(&mut self) -> Result<(), Error> {
        if self.finished {
            return Ok(());
        }
        self.receive().await
    }

    /// The next complete row, or `None` at the end of the result.
    pub(crate) async fn next_row(&mut self) -> Result<Option<SpannerRow>, Error> {
        loop {
            if let Some(row) = self.decoder.take_row() {
                return Ok(Some(row));
            }
            if self.finished {
                self.decoder.finish()?;
                return Ok(None);
            }
            self.receive().await?;
        }
    }

    fn release_unconfirmed(&mut self) -> Result<(), Error> {
        self.unconfirmed_bytes = 0;
        while let Some(part) = self.unconfirmed.pop_front() {
            self.decoder.feed(part)?;
        }
        Ok(())
    }

    async fn receive(&mut self) -> Result<(), Error> {
        let wait = self.deadlines.next_wait(self.deadline);
        let received = match tokio::time::timeout(wait, self.source.next()).await {
            Ok(received) => received.map_err(rpc::normalize),
            Err(_) => return Err(status_to_error(rpc::deadline_exceeded("the query", wait))),
        };
        match received {
            Ok(Some(part)) => {
                let last = part.last;
                if !part.resume_token.is_empty() {
                    self.resume_token = part.resume_token.clone();
                    self.unconfirmed.push_back(part);
                    self.release_unconfirmed()?;
                    self.resumable = true;
                } else if self.resumable {
                    self.unconfirmed_bytes += part.encoded_len();
                    self.unconfirmed.push_back(part);
                    if self.unconfirmed_bytes > MAX_UNCONFIRMED_BYTES {
                        self.release_unconfirmed()?;
                        self.resumable = false;
                    }
                } else {
                    self.decoder.feed(part)?;
                }
                if last {
                    self.release_unconfirmed()?;
                    self.finished = true;
                }
                Ok(())
            }
            Ok(None) => {
                self.release_unconfirmed()?;
                self.finished = true;
                Ok(())
            }
            Err(status)
                if rpc::is_resumable(&status) && self.resumable && self.resumes < MAX_RESUMES =>
            {
                self.unconfirmed.clear();
                self.unconfirmed_bytes = 0;
                self.reopen(status).await
            }
            Err(status) => Err(status_to_error(status)),
        }
    }

    /// Opens the stream again after `status` broke it: from the last resume token, or from
    /// the start when nothing was yielded. A reopening that fails the same transient way
    /// (the channel may still hold the dead connection) counts as one more resume and is
    /// tried again after a short backoff.
    async fn reopen(&mut self, mut status: Status) -> Result<(), Error> {
        let mut failed_reopenings = 0;
        loop {
            self.resumes += 1;
            tracing::debug!(%status, resumes = self.resumes, "resuming a Spanner result stream");
            if failed_reopenings > 0 {
                let delay = crate::backoff::abort_backoff_delay(None, failed_reopenings);
                tokio::time::sleep(delay).await;
            }
            let wait = self.deadlines.next_wait(self.deadline);
            let restart = self.source.restart(self.resume_token.clone());
            let failure = match tokio::time::timeout(wait, restart).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(failure)) => rpc::normalize(failure),
                Err(_) => return Err(status_to_error(rpc::deadline_exceeded("the query", wait))),
            };
            if !rpc::is_resumable(&failure) || self.resumes >= MAX_RESUMES {
                return Err(status_to_error(failure));
            }
            failed_reopenings += 1;
            status = failure;
        }
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
            let name = |k: &Option<Kind>| match k {
                Some(Kind::StringValue(_)) => "string",
                Some(Kind::ListValue(_)) => "list",
                Some(Kind::NullValue(_)) => "null",
                Some(Kind::BoolValue(_)) => "bool",
                Some(Kind::NumberValue(_)) => "number",
                Some(Kind::StructValue(_)) => "struct",
                None => "empty",
            };
            return Err(SpannerError::Protocol(format!(
                "cannot merge a chunked {} value with a {} value",
                name(&a),
                name(&b)
            ))
            .into());
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
pub(crate) mod tests;
