//! Reliability under real faults: each test runs its own emulator process (or a TCP proxy in
//! front of one) and stops, kills, restarts or cuts it while the driver's pool is alive.
//!
//! What every test counts: no hang (every wait is bounded by `BOUND`), no lost committed
//! write (every commit that returned `Ok` is read back), no leaked session (no session
//! stays checked out once the work is done).

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use spanner_tests::fault::{FaultProxy, FaultyEmulator};
use sqlx::{ConnectOptions, Connection, Row};
use sqlx_spanner::{
    spanner_code, RequestOptions, SpannerCode, SpannerConnectOptions, SpannerConnection,
    SpannerPool, SpannerPoolOptions,
};

/// The longest any single operation may take in these tests before it counts as a hang.
const BOUND: Duration = Duration::from_secs(30);

const ITEMS: &str = "CREATE TABLE Items (Id INT64 NOT NULL, Payload STRING(MAX)) PRIMARY KEY (Id)";

/// Options for a database on `host`, with short deadlines and keep-alive so that faults
/// are detected within seconds.
fn options(host: &str, database: &str) -> SpannerConnectOptions {
    SpannerConnectOptions::new()
        .emulator_host(host)
        .project("fault-project")
        .instance("fault-instance")
        .database(database)
        .create_if_missing(true)
        .rpc_timeout(Duration::from_secs(5))
        .statement_timeout(Duration::from_secs(8))
        .keepalive_interval(Some(Duration::from_secs(1)))
        .keepalive_timeout(Duration::from_secs(1))
        .connect_timeout(Duration::from_secs(3))
        .session_maintenance_interval(Duration::from_millis(200))
}

async fn bounded<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(BOUND, future).await {
        Ok(value) => value,
        Err(_) => panic!("{what} hung for more than {BOUND:?}"),
    }
}

/// Creates the database (on a fresh or restarted emulator) with the Items table.
async fn create_schema(options: &SpannerConnectOptions) {
    // A separate options value: its own clients, as an operator's tool would have.
    let fresh: SpannerConnectOptions = options.to_url_lossy().as_str().parse().unwrap();
    let fresh = fresh.create_if_missing(true);
    let mut conn = bounded(
        "connect for schema",
        SpannerConnection::connect_with(&fresh),
    )
    .await
    .expect("connect");
    bounded("schema", conn.execute_ddl([ITEMS]))
        .await
        .expect("create schema");
    conn.close().await.expect("close");
}

async fn pool_on(options: SpannerConnectOptions) -> SpannerPool {
    bounded(
        "pool connect",
        SpannerPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options),
    )
    .await
    .expect("pool")
}

async fn insert(pool: &SpannerPool, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO Items (Id, Payload) VALUES (@p1, 'x')")
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ())
}

async fn ids(pool: &SpannerPool) -> Vec<i64> {
    bounded(
        "read ids",
        sqlx::query_scalar::<_, i64>("SELECT Id FROM Items ORDER BY Id").fetch_all(pool),
    )
    .await
    .expect("read ids")
}

/// Waits (bounded) until no session is checked out: nothing leaked.
async fn assert_no_session_in_use(options: &SpannerConnectOptions) {
    let start = Instant::now();
    loop {
        let status = options.session_pool_status().expect("a connected pool");
        if status.in_use == 0 {
            return;
        }
        assert!(
            start.elapsed() < BOUND,
            "sessions still checked out after the work ended: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn code(result: &Result<impl std::fmt::Debug, sqlx::Error>) -> Option<SpannerCode> {
    result.as_ref().err().and_then(spanner_code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_server_fails_queries_and_commits_in_bounded_time_then_serves_again() {
    let mut emulator = FaultyEmulator::start();
    let options = options(&emulator.host(), "stopped");
    create_schema(&options).await;
    let pool = pool_on(options.clone()).await;
    let mut committed = Vec::new();
    for id in 1..=3 {
        bounded("insert", insert(&pool, id)).await.expect("insert");
        committed.push(id);
    }

    // Mid-commit: the transaction's writes are sent, then the server stops.
    let mut tx = bounded("begin", pool.begin()).await.expect("begin");
    sqlx::query("INSERT INTO Items (Id, Payload) VALUES (100, 'in tx')")
        .execute(&mut *tx)
        .await
        .expect("insert in tx");
    emulator.pause();
    let started = Instant::now();
    let commit = bounded("commit against a stopped server", tx.commit()).await;
    assert!(commit.is_err(), "a commit the server never saw returned Ok");
    assert!(
        matches!(
            code(&commit),
            Some(SpannerCode::Unavailable | SpannerCode::DeadlineExceeded)
        ),
        "{commit:?}"
    );
    let message = commit.unwrap_err().to_string();
    assert!(message.contains("outcome is unknown"), "{message}");

    // Mid-query: a query against the stopped server.
    let query = bounded(
        "query against a stopped server",
        sqlx::query("SELECT Id FROM Items").fetch_all(&pool),
    )
    .await;
    assert!(
        matches!(
            code(&query),
            Some(SpannerCode::Unavailable | SpannerCode::DeadlineExceeded)
        ),
        "{query:?}"
    );
    assert!(started.elapsed() < BOUND);

    emulator.resume();
    // The same pool serves again; every write whose commit returned Ok is there (the
    // transaction whose commit outcome was unknown may or may not be).
    let mut seen = Vec::new();
    let start = Instant::now();
    while start.elapsed() < BOUND {
        match sqlx::query_scalar::<_, i64>("SELECT Id FROM Items ORDER BY Id")
            .fetch_all(&pool)
            .await
        {
            Ok(ids) => {
                seen = ids;
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let unknown_outcome = seen.contains(&100);
    seen.retain(|id| *id != 100);
    assert_eq!(seen, committed, "a committed write was lost");
    bounded("insert after resume", insert(&pool, 4))
        .await
        .expect("insert after resume");
    let mut expected = vec![1, 2, 3, 4];
    if unknown_outcome {
        expected.push(100);
    }
    assert_eq!(ids(&pool).await, expected);
    assert_no_session_in_use(&options).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_and_restarted_server_is_served_again_by_the_live_pool() {
    let mut emulator = FaultyEmulator::start();
    let options = options(&emulator.host(), "restarted").min_sessions(3);
    create_schema(&options).await;
    let pool = pool_on(options.clone()).await;
    bounded("insert", insert(&pool, 1)).await.expect("insert");

    // Killed mid-transaction: the commit is an error, never Ok, never a hang.
    let mut tx = bounded("begin", pool.begin()).await.expect("begin");
    sqlx::query("INSERT INTO Items (Id, Payload) VALUES (2, 'in tx')")
        .execute(&mut *tx)
        .await
        .expect("insert in tx");
    emulator.kill();
    let commit = bounded("commit against a killed server", tx.commit()).await;
    assert_eq!(
        code(&commit),
        Some(SpannerCode::Unavailable),
        "a lost server is UNAVAILABLE: {commit:?}"
    );
    let query = bounded(
        "query against a killed server",
        sqlx::query("SELECT 1").fetch_one(&pool),
    )
    .await;
    assert_eq!(code(&query), Some(SpannerCode::Unavailable), "{query:?}");

    // Restarted on the same port: empty, so the database is created again; the old pool's
    // sessions are gone, which the driver heals without reporting it.
    emulator.restart();
    create_schema(&options).await;
    bounded("insert after restart", insert(&pool, 10))
        .await
        .expect("the live pool writes again after the restart");
    assert_eq!(ids(&pool).await, vec![10]);
    let mut tx = bounded("begin after restart", pool.begin())
        .await
        .expect("begin after restart");
    sqlx::query("INSERT INTO Items (Id, Payload) VALUES (11, 'tx')")
        .execute(&mut *tx)
        .await
        .expect("insert in tx after restart");
    bounded("commit after restart", tx.commit())
        .await
        .expect("commit after restart");
    assert_eq!(ids(&pool).await, vec![10, 11]);

    // min_sessions is restored by the pool's maintenance.
    let start = Instant::now();
    loop {
        let status = options.session_pool_status().expect("pool status");
        if status.idle + status.in_use >= 3 {
            break;
        }
        assert!(
            start.elapsed() < BOUND,
            "min_sessions not restored: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_no_session_in_use(&options).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_network_path_fails_in_bounded_time() {
    let emulator = FaultyEmulator::start();
    let proxy = FaultProxy::start(emulator.host()).await;
    let options = options(&proxy.host(), "stalled").statement_timeout(Duration::from_secs(60));
    create_schema(&options).await;
    let pool = pool_on(options.clone()).await;
    bounded("insert", insert(&pool, 1)).await.expect("insert");

    proxy.stall(true);
    let started = Instant::now();
    let query = bounded(
        "query over a stalled path",
        sqlx::query("SELECT Id FROM Items").fetch_all(&pool),
    )
    .await;
    // Detected by keep-alive (1 s + 1 s), long before the 60 s statement deadline.
    assert_eq!(code(&query), Some(SpannerCode::Unavailable), "{query:?}");
    assert!(started.elapsed() < Duration::from_secs(20));
    proxy.stall(false);
    let start = Instant::now();
    loop {
        match sqlx::query_scalar::<_, i64>("SELECT Id FROM Items")
            .fetch_all(&pool)
            .await
        {
            Ok(ids) => {
                assert_eq!(ids, vec![1]);
                break;
            }
            Err(error) => {
                assert!(start.elapsed() < BOUND, "never recovered: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    assert_no_session_in_use(&options).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_timeout_is_a_deadline_error() {
    let emulator = FaultyEmulator::start();
    let proxy = FaultProxy::start(emulator.host()).await;
    let options = options(&proxy.host(), "deadline").keepalive_interval(None);
    create_schema(&options).await;
    let pool = pool_on(options.clone()).await;
    let mut conn = pool.acquire().await.expect("acquire");
    proxy.stall(true);
    conn.set_next_request_options(RequestOptions {
        timeout: Some(Duration::from_millis(500)),
        ..RequestOptions::default()
    });
    let started = Instant::now();
    let query = bounded(
        "query with a per-statement timeout",
        sqlx::query("SELECT 1").fetch_one(&mut *conn),
    )
    .await;
    assert_eq!(
        code(&query),
        Some(SpannerCode::DeadlineExceeded),
        "{query:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    proxy.stall(false);
    drop(conn);
    assert_no_session_in_use(&options).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_mid_stream_restarts_the_read_without_duplicates() {
    let emulator = FaultyEmulator::start();
    let proxy = FaultProxy::start(emulator.host()).await;
    let options = options(&proxy.host(), "cutstream");
    create_schema(&options).await;
    let pool = pool_on(options.clone()).await;
    // ~2 MB of rows, loaded with mutations.
    let mut mutation = sqlx_spanner::Mutation::insert("Items", &["Id", "Payload"]);
    for id in 0..2000_i64 {
        let mut values = sqlx_spanner::SpannerArguments::default();
        sqlx::Arguments::add(&mut values, id).unwrap();
        sqlx::Arguments::add(&mut values, "p".repeat(1000)).unwrap();
        mutation = mutation.row(values);
    }
    let rows = vec![mutation];
    let mut conn = pool.acquire().await.unwrap();
    bounded("load", conn.apply_mutations(rows))
        .await
        .expect("load rows");
    drop(conn);

    // Cut every connection in the middle of the response, after half a megabyte.
    let connections_before = proxy.connections();
    proxy.cut_after(512 * 1024);
    let read = async {
        let mut stream = sqlx::query("SELECT Id, Payload FROM Items ORDER BY Id").fetch(&pool);
        let mut ids = Vec::new();
        while let Some(row) = stream.try_next().await? {
            ids.push(row.get::<i64, _>("Id"));
        }
        Ok::<_, sqlx::Error>(ids)
    };
    let ids = bounded("read across a cut", read).await;
    let ids = ids.expect("the read is restarted, not failed");
    assert_eq!(
        ids,
        (0..2000).collect::<Vec<i64>>(),
        "every row exactly once"
    );
    assert!(
        proxy.connections() > connections_before,
        "the connection was really cut and re-opened"
    );
    assert_no_session_in_use(&options).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_does_not_keep_its_transaction_open() {
    let emulator = FaultyEmulator::start();
    let writer = options(&emulator.host(), "dropped");
    create_schema(&writer).await;
    // A second client with its own session pool, as another process would be.
    let other: SpannerConnectOptions = writer.to_url_lossy().as_str().parse().unwrap();
    let other = other
        .rpc_timeout(Duration::from_secs(5))
        .keepalive_interval(Some(Duration::from_secs(1)));
    let other_pool = pool_on(other.clone()).await;
    bounded("insert", insert(&other_pool, 1))
        .await
        .expect("insert");

    for how in ["close_hard", "drop"] {
        let mut conn = bounded("connect", SpannerConnection::connect_with(&writer))
            .await
            .expect("connect");
        let mut tx = conn.begin().await.expect("begin");
        sqlx::query("UPDATE Items SET Payload = 'locked' WHERE Id = 1")
            .execute(&mut *tx)
            .await
            .expect("update in tx");
        // Leave the transaction open: neither commit nor rollback reaches the driver.
        std::mem::forget(tx);
        match how {
            "close_hard" => conn.close_hard().await.expect("close_hard"),
            _ => drop(conn),
        }
        // Another client can write the same row: the abandoned transaction was ended.
        let start = Instant::now();
        loop {
            let result = sqlx::query("UPDATE Items SET Payload = @p1 WHERE Id = 1")
                .bind(how)
                .execute(&other_pool)
                .await;
            match result {
                Ok(done) => {
                    assert_eq!(done.rows_affected(), 1);
                    break;
                }
                Err(error) => {
                    assert!(
                        start.elapsed() < Duration::from_secs(10),
                        "the {how} transaction still blocks writers: {error}"
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        let payload: String = sqlx::query_scalar("SELECT Payload FROM Items WHERE Id = 1")
            .fetch_one(&other_pool)
            .await
            .expect("read");
        assert_eq!(payload, how, "the abandoned write was not committed");
        assert_no_session_in_use(&writer).await;
    }
}
