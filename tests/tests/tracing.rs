//! The driver's tracing spans (docs/tracing.md), captured by a small `tracing-subscriber`
//! layer while statements, transactions and a retried abort run on the emulator: their
//! OpenTelemetry field names and values, their parent/child relations, and that no bound
//! parameter value appears anywhere. Also sqlx's `log_statements` settings.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use spanner_tests::{fresh_options, pool_with_schema};
use sqlx::ConnectOptions as _;
use sqlx_spanner::{SpannerPool, SpannerPoolOptions};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

/// A value bound as a parameter; it must never show up in a span or an event.
const SECRET: &str = "s3cr3t-Pa55w0rd-4242";

const NOTES: &str = "CREATE TABLE Notes (Id INT64 NOT NULL, Body STRING(MAX)) PRIMARY KEY (Id)";

async fn bounded<F: std::future::Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(120), future)
        .await
        .expect("the emulator did not answer in time")
}

/// One span as the layer saw it.
#[derive(Debug, Clone)]
struct SpanRecord {
    index: usize,
    name: &'static str,
    target: String,
    parent: Option<usize>,
    fields: BTreeMap<String, String>,
    closed: bool,
}

impl SpanRecord {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// One event as the layer saw it.
#[derive(Debug, Clone)]
struct EventRecord {
    target: String,
    level: tracing::Level,
    parent: Option<usize>,
    fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Captured {
    spans: Vec<SpanRecord>,
    /// Live span ids (the registry reuses ids after close) to indexes in `spans`.
    live: HashMap<u64, usize>,
    events: Vec<EventRecord>,
}

/// A layer that keeps every span's name, fields and parent, and every event.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Captured>>);

struct FieldMap<'a>(&'a mut BTreeMap<String, String>);

impl Visit for FieldMap<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
}

impl<S> Layer<S> for Capture
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let parent_id = ctx
            .span(id)
            .and_then(|span| span.parent())
            .map(|parent| parent.id().into_u64());
        let mut captured = self.0.lock().unwrap();
        let parent = parent_id.and_then(|parent| captured.live.get(&parent).copied());
        let mut fields = BTreeMap::new();
        attrs.record(&mut FieldMap(&mut fields));
        let index = captured.spans.len();
        captured.spans.push(SpanRecord {
            index,
            name: attrs.metadata().name(),
            target: attrs.metadata().target().to_string(),
            parent,
            fields,
            closed: false,
        });
        captured.live.insert(id.into_u64(), index);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut captured = self.0.lock().unwrap();
        if let Some(index) = captured.live.get(&id.into_u64()).copied() {
            values.record(&mut FieldMap(&mut captured.spans[index].fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let parent_id = ctx.event_span(event).map(|span| span.id().into_u64());
        let mut captured = self.0.lock().unwrap();
        let parent = parent_id.and_then(|parent| captured.live.get(&parent).copied());
        let mut fields = BTreeMap::new();
        event.record(&mut FieldMap(&mut fields));
        captured.events.push(EventRecord {
            target: event.metadata().target().to_string(),
            level: *event.metadata().level(),
            parent,
            fields,
        });
    }

    fn on_close(&self, id: Id, _ctx: Context<'_, S>) {
        let mut captured = self.0.lock().unwrap();
        if let Some(index) = captured.live.remove(&id.into_u64()) {
            captured.spans[index].closed = true;
        }
    }
}

impl Capture {
    /// Makes this layer the current thread's subscriber until the guard is dropped. (The
    /// tests run on tokio's current-thread runtime, so every task of the test is seen.)
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        tracing::subscriber::set_default(tracing_subscriber::registry().with(self.clone()))
    }

    fn spans(&self) -> Vec<SpanRecord> {
        self.0.lock().unwrap().spans.clone()
    }

    fn events(&self) -> Vec<EventRecord> {
        self.0.lock().unwrap().events.clone()
    }

    /// Fails if the secret appears in any field of any span or event.
    fn assert_secret_absent(&self) {
        for span in self.spans() {
            for (name, value) in &span.fields {
                assert!(
                    !value.contains(SECRET),
                    "a parameter value leaked into span {} field {name}: {value}",
                    span.name
                );
            }
        }
        for event in self.events() {
            for (name, value) in &event.fields {
                assert!(
                    !value.contains(SECRET),
                    "a parameter value leaked into an event ({}) field {name}: {value}",
                    event.target
                );
            }
        }
    }
}

/// The statement spans whose SQL text is `sql`.
fn statement<'a>(spans: &'a [SpanRecord], sql: &str) -> &'a SpanRecord {
    let found: Vec<&SpanRecord> = spans
        .iter()
        .filter(|span| span.name == "spanner.statement" && span.field("db.query.text") == Some(sql))
        .collect();
    assert_eq!(found.len(), 1, "statement spans of {sql}: {found:#?}");
    found[0]
}

/// The RPC spans that are direct children of `parent`.
fn rpcs_of<'a>(spans: &'a [SpanRecord], parent: &SpanRecord) -> Vec<&'a str> {
    spans
        .iter()
        .filter(|span| span.name == "spanner.rpc" && span.parent == Some(parent.index))
        .filter_map(|span| span.field("db.operation.name"))
        .collect()
}

fn assert_common_fields(span: &SpanRecord, database: &str) {
    assert_eq!(
        span.field("db.system.name"),
        Some("gcp.spanner"),
        "{span:#?}"
    );
    let namespace = span.field("db.namespace").unwrap_or_default();
    assert!(
        namespace.starts_with("projects/test-project/instances/test-instance/databases/")
            && namespace.ends_with(database),
        "{span:#?}"
    );
    assert!(span.field("server.address").is_some(), "{span:#?}");
    assert!(span.field("server.port").is_some(), "{span:#?}");
    assert!(span.closed, "the span was never closed: {span:#?}");
}

async fn notes_pool(prefix: &str) -> (SpannerPool, String) {
    let pool = bounded(pool_with_schema(prefix, &[NOTES])).await;
    let database = pool.connect_options().get_database().to_string();
    (pool, database)
}

#[tokio::test]
async fn statements_transactions_and_errors_are_spans_without_parameter_values() {
    let (pool, database) = notes_pool("trace").await;
    let capture = Capture::default();
    let guard = capture.install();

    // Autocommit DML with the secret as a parameter.
    let insert = "INSERT INTO Notes (Id, Body) VALUES (@p1, @p2)";
    let inserted = bounded(sqlx::query(insert).bind(1_i64).bind(SECRET).execute(&pool))
        .await
        .unwrap();
    assert_eq!(inserted.rows_affected(), 1);

    // A query that filters on the secret.
    let select = "SELECT Id, Body FROM Notes WHERE Body = @p1";
    let rows = bounded(sqlx::query(select).bind(SECRET).fetch_all(&pool))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);

    // A read-write transaction with a DML and a query.
    let update = "UPDATE Notes SET Body = @p1 WHERE Id = @p2";
    let count = "SELECT COUNT(*) FROM Notes WHERE Body = @p1";
    let mut tx = bounded(pool.begin()).await.unwrap();
    let updated = bounded(
        sqlx::query(update)
            .bind(format!("{SECRET}-2"))
            .bind(1_i64)
            .execute(&mut *tx),
    )
    .await
    .unwrap();
    assert_eq!(updated.rows_affected(), 1);
    let (n,): (i64,) = bounded(
        sqlx::query_as(count)
            .bind(format!("{SECRET}-2"))
            .fetch_one(&mut *tx),
    )
    .await
    .unwrap();
    assert_eq!(n, 1);
    bounded(tx.commit()).await.unwrap();

    // A statement Spanner rejects.
    let bad = "SELECT NoSuchColumn FROM Notes WHERE Body = @p1";
    let error = bounded(sqlx::query(bad).bind(SECRET).fetch_all(&pool))
        .await
        .unwrap_err();
    assert_eq!(
        sqlx_spanner::spanner_code(&error),
        Some(sqlx_spanner::SpannerCode::InvalidArgument),
        "{error}"
    );
    drop(guard);

    let spans = capture.spans();

    let insert_span = statement(&spans, insert);
    assert_common_fields(insert_span, &database);
    assert_eq!(insert_span.target, "sqlx_spanner::statement");
    assert_eq!(insert_span.field("otel.kind"), Some("client"));
    assert_eq!(insert_span.field("otel.name"), Some("INSERT"));
    assert_eq!(insert_span.field("db.operation.name"), Some("INSERT"));
    assert_eq!(insert_span.field("db.response.affected_rows"), Some("1"));
    assert_eq!(insert_span.field("db.response.returned_rows"), Some("0"));
    assert_eq!(insert_span.field("otel.status_code"), None);
    // The autocommit transaction's RPCs are children of the statement.
    let insert_rpcs = rpcs_of(&spans, insert_span);
    assert!(insert_rpcs.contains(&"Commit"), "{insert_rpcs:?}");

    let select_span = statement(&spans, select);
    assert_common_fields(select_span, &database);
    assert_eq!(select_span.field("db.operation.name"), Some("SELECT"));
    assert_eq!(select_span.field("db.response.returned_rows"), Some("1"));
    assert_eq!(select_span.field("db.response.affected_rows"), None);
    let select_rpcs = rpcs_of(&spans, select_span);
    assert!(
        select_rpcs.contains(&"ExecuteStreamingSql"),
        "{select_rpcs:?}"
    );

    // The transaction span is the parent of its statements and of its commit.
    let transactions: Vec<&SpanRecord> = spans
        .iter()
        .filter(|span| span.name == "spanner.transaction")
        .collect();
    assert_eq!(transactions.len(), 1, "{transactions:#?}");
    let transaction = transactions[0];
    assert_common_fields(transaction, &database);
    assert_eq!(transaction.target, "sqlx_spanner::transaction");
    assert_eq!(
        transaction.field("spanner.transaction.mode"),
        Some("read_write")
    );
    assert_eq!(
        transaction.field("spanner.transaction.outcome"),
        Some("commit")
    );
    assert_eq!(transaction.field("otel.status_code"), None);
    let update_span = statement(&spans, update);
    assert_eq!(update_span.parent, Some(transaction.index));
    assert_eq!(update_span.field("db.response.affected_rows"), Some("1"));
    let count_span = statement(&spans, count);
    assert_eq!(count_span.parent, Some(transaction.index));
    assert_eq!(count_span.field("db.response.returned_rows"), Some("1"));
    let transaction_rpcs = rpcs_of(&spans, transaction);
    assert!(transaction_rpcs.contains(&"Commit"), "{transaction_rpcs:?}");
    // RPC spans carry the conventions' names too.
    let commit = spans
        .iter()
        .find(|span| span.name == "spanner.rpc" && span.parent == Some(transaction.index))
        .unwrap();
    assert_eq!(commit.target, "sqlx_spanner::rpc");
    assert_eq!(commit.field("db.system.name"), Some("gcp.spanner"));
    assert_eq!(commit.field("otel.kind"), Some("client"));
    assert_eq!(commit.field("rpc.system"), Some("grpc"));

    // The failed statement carries Spanner's code, on the statement and on its RPC.
    let bad_span = statement(&spans, bad);
    assert_eq!(bad_span.field("otel.status_code"), Some("ERROR"));
    assert_eq!(
        bad_span.field("db.response.status_code"),
        Some("INVALID_ARGUMENT")
    );
    assert_eq!(bad_span.field("error.type"), Some("INVALID_ARGUMENT"));
    let failed_rpc = spans
        .iter()
        .find(|span| span.name == "spanner.rpc" && span.parent == Some(bad_span.index))
        .expect("the failed statement's RPC span");
    assert_eq!(
        failed_rpc.field("db.response.status_code"),
        Some("INVALID_ARGUMENT"),
        "{failed_rpc:#?}"
    );

    // Spanner's error message is not recorded (it can quote values); neither is any
    // parameter value.
    for span in &spans {
        for (name, value) in &span.fields {
            assert!(
                name == "db.query.text" || !value.contains("NoSuchColumn"),
                "Spanner's message was recorded in {name}: {value}"
            );
        }
    }
    capture.assert_secret_absent();
}

#[tokio::test]
async fn an_aborted_transaction_run_again_by_retry_transaction_is_visible() {
    let (pool, database) = notes_pool("traceabort").await;
    bounded(sqlx::query("INSERT INTO Notes (Id, Body) VALUES (1, 'a'), (2, 'b')").execute(&pool))
        .await
        .unwrap();
    let update = "UPDATE Notes SET Body = @p1 WHERE Id = 2";

    // The emulator runs one read-write transaction at a time: while `blocker` holds it, the
    // retried transaction is aborted; the blocker rolls back after a moment and the next
    // attempt commits. (Now and then the emulator lets the new one wait instead: try again.)
    for round in 0..5 {
        let capture = Capture::default();
        let guard = capture.install();
        let mut blocker = bounded(pool.begin()).await.unwrap();
        bounded(
            sqlx::query("UPDATE Notes SET Body = 'blocked' WHERE Id = 1").execute(&mut *blocker),
        )
        .await
        .unwrap();
        let release = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let _ = blocker.rollback().await;
        });
        bounded(sqlx_spanner::retry_transaction(&pool, 20, |tx| {
            Box::pin(async move {
                sqlx::query(update).bind(SECRET).execute(&mut **tx).await?;
                Ok(())
            })
        }))
        .await
        .unwrap();
        bounded(release).await.unwrap();
        drop(guard);

        let spans = capture.spans();
        let events = capture.events();
        let retry_span = spans
            .iter()
            .find(|span| span.name == "spanner.retry_transaction")
            .expect("the retry_transaction span");
        let retries: Vec<&EventRecord> = events
            .iter()
            .filter(|event| event.fields.contains_key("spanner.retry"))
            .collect();
        if retries.is_empty() {
            eprintln!("round {round}: the emulator did not abort the transaction; again");
            continue;
        }
        // The retry is an INFO event of the retry span, with the attempt about to run.
        let first_retry = retries[0];
        assert_eq!(first_retry.target, "sqlx_spanner::transaction");
        assert_eq!(first_retry.level, tracing::Level::INFO);
        assert_eq!(
            first_retry.parent,
            Some(retry_span.index),
            "{first_retry:#?}"
        );
        assert_eq!(
            first_retry.fields.get("spanner.retry").map(String::as_str),
            Some("retry_transaction")
        );
        assert_eq!(
            first_retry
                .fields
                .get("spanner.transaction.attempt")
                .map(String::as_str),
            Some("2")
        );
        assert_eq!(
            first_retry.fields.get("error.type").map(String::as_str),
            Some("ABORTED")
        );

        // Each attempt is a transaction span under the retry span, numbered.
        let attempts: Vec<&SpanRecord> = spans
            .iter()
            .filter(|span| {
                span.name == "spanner.transaction" && span.parent == Some(retry_span.index)
            })
            .collect();
        assert_eq!(attempts.len(), retries.len() + 1, "{attempts:#?}");
        let first = attempts[0];
        assert_common_fields(first, &database);
        assert_eq!(first.field("spanner.transaction.attempt"), Some("1"));
        // The abort shows on the attempt or on one of its statements.
        let aborted_inside = spans.iter().any(|span| {
            (span.index == first.index || span.parent == Some(first.index))
                && span.field("error.type") == Some("ABORTED")
        });
        assert!(aborted_inside, "{spans:#?}");
        let last = attempts[attempts.len() - 1];
        assert_eq!(
            last.field("spanner.transaction.attempt"),
            Some(attempts.len().to_string().as_str())
        );
        assert_eq!(last.field("spanner.transaction.outcome"), Some("commit"));
        assert_eq!(last.field("otel.status_code"), None);
        let last_update = spans
            .iter()
            .find(|span| span.parent == Some(last.index) && span.name == "spanner.statement")
            .expect("the last attempt's statement");
        assert_eq!(last_update.field("db.query.text"), Some(update));
        assert_eq!(last_update.field("db.response.affected_rows"), Some("1"));
        capture.assert_secret_absent();
        return;
    }
    panic!("the emulator never aborted the retried transaction");
}

async fn logged_statements(options: sqlx_spanner::SpannerConnectOptions) -> Vec<EventRecord> {
    let pool = bounded(
        SpannerPoolOptions::new()
            .max_connections(1)
            .connect_with(options),
    )
    .await
    .unwrap();
    let capture = Capture::default();
    let guard = capture.install();
    let (n,): (i64,) = bounded(
        sqlx::query_as("SELECT LENGTH(@p1)")
            .bind(SECRET)
            .fetch_one(&pool),
    )
    .await
    .unwrap();
    assert_eq!(n, SECRET.len() as i64);
    drop(guard);
    capture.assert_secret_absent();
    capture
        .events()
        .into_iter()
        .filter(|event| event.target == "sqlx::query")
        .collect()
}

#[tokio::test]
async fn log_statements_settings_are_honoured() {
    let logged =
        logged_statements(fresh_options("logon").log_statements(log::LevelFilter::Info)).await;
    assert_eq!(logged.len(), 1, "{logged:#?}");
    assert_eq!(logged[0].level, tracing::Level::INFO);
    let summary = logged[0].fields.get("summary").cloned().unwrap_or_default();
    assert!(summary.contains("SELECT LENGTH(@p1)"), "{logged:#?}");
    assert_eq!(
        logged[0].fields.get("rows_returned").map(String::as_str),
        Some("1")
    );

    let off =
        logged_statements(fresh_options("logoff").log_statements(log::LevelFilter::Off)).await;
    assert!(off.is_empty(), "{off:#?}");

    let slow = logged_statements(
        fresh_options("logslow")
            .log_statements(log::LevelFilter::Off)
            .log_slow_statements(log::LevelFilter::Warn, Duration::ZERO),
    )
    .await;
    assert_eq!(slow.len(), 1, "{slow:#?}");
    assert_eq!(slow[0].level, tracing::Level::WARN);
    assert!(
        slow[0]
            .fields
            .get("message")
            .is_some_and(|message| message.contains("slow statement")),
        "{slow:#?}"
    );
}
