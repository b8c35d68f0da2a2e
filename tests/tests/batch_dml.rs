//! Batched DML: explicit batches (`start_batch_dml` / `run_batch` / `abort_batch`) and the
//! automatic mode (`auto_batch_dml`), on the emulator.

use std::future::Future;
use std::time::Duration;

use spanner_tests::{emulator_host, pool_with_schema, unique_database_name};
use sqlx::{Connection, Row};
use sqlx_spanner::{
    spanner_code, SpannerCode, SpannerDatabaseError, SpannerError, SpannerPool, SpannerPoolOptions,
};

const SINGERS: &str =
    "CREATE TABLE Singers (Id INT64 NOT NULL, Name STRING(100) NOT NULL) PRIMARY KEY (Id)";

async fn bounded<F: Future>(future: F) -> F::Output {
    // Boxed: the test futures would otherwise overflow the test thread's stack.
    tokio::time::timeout(Duration::from_secs(60), Box::pin(future))
        .await
        .expect("the operation did not finish in 60 s")
}

async fn singers() -> SpannerPool {
    pool_with_schema("batch", &[SINGERS]).await
}

async fn names(pool: &SpannerPool) -> Vec<(i64, String)> {
    bounded(sqlx::query_as("SELECT Id, Name FROM Singers ORDER BY Id").fetch_all(pool))
        .await
        .unwrap()
}

fn insert(
    id: i64,
) -> sqlx::query::Query<'static, sqlx_spanner::Spanner, sqlx_spanner::SpannerArguments> {
    sqlx::query("INSERT INTO Singers (Id, Name) VALUES (?, ?)")
        .bind(id)
        .bind(format!("singer {id}"))
}

fn batch_index(error: &sqlx::Error) -> Option<usize> {
    error
        .as_database_error()
        .and_then(|e| e.try_downcast_ref::<SpannerDatabaseError>())
        .and_then(SpannerDatabaseError::batch_statement_index)
}

fn driver_error(error: &sqlx::Error) -> Option<&SpannerError> {
    match error {
        sqlx::Error::AnyDriverError(inner) => inner.downcast_ref::<SpannerError>(),
        _ => None,
    }
}

#[tokio::test]
async fn explicit_batch_sends_inserts_in_one_round_trip() {
    let pool = singers().await;
    let mut conn = bounded(pool.acquire()).await.unwrap();
    let mut tx = bounded(conn.begin()).await.unwrap();
    tx.start_batch_dml().unwrap();
    for id in 1..=5 {
        let done = bounded(insert(id).execute(&mut *tx)).await.unwrap();
        assert_eq!(done.rows_affected(), 0, "nothing ran yet");
    }
    assert_eq!(tx.buffered_dml_count(), 5);
    let update = sqlx::query("UPDATE Singers SET Name = 'x' WHERE Id > 3");
    bounded(update.execute(&mut *tx)).await.unwrap();
    assert_eq!(tx.batch_dml_round_trips(), 0);
    let counts = bounded(tx.run_batch()).await.unwrap();
    assert_eq!(counts, vec![1, 1, 1, 1, 1, 2]);
    assert_eq!(tx.batch_dml_round_trips(), 1, "one ExecuteBatchDml");
    assert!(!tx.is_batch_dml_open());
    bounded(tx.commit()).await.unwrap();
    let rows = names(&pool).await;
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[4], (5, "x".to_string()));
    assert_eq!(rows[0], (1, "singer 1".to_string()));
}

#[tokio::test]
async fn explicit_batch_outside_a_transaction_commits_all_or_nothing() {
    let pool = singers().await;
    let mut conn = bounded(pool.acquire()).await.unwrap();
    conn.start_batch_dml().unwrap();
    bounded(insert(1).execute(&mut *conn)).await.unwrap();
    bounded(insert(2).execute(&mut *conn)).await.unwrap();
    assert!(names(&pool).await.is_empty(), "buffered, not sent");
    assert_eq!(bounded(conn.run_batch()).await.unwrap(), vec![1, 1]);
    assert_eq!(names(&pool).await.len(), 2);

    // A duplicate key in the middle: nothing of the batch is committed.
    conn.start_batch_dml().unwrap();
    bounded(insert(3).execute(&mut *conn)).await.unwrap();
    bounded(insert(1).execute(&mut *conn)).await.unwrap();
    bounded(insert(4).execute(&mut *conn)).await.unwrap();
    let error = bounded(conn.run_batch()).await.unwrap_err();
    assert_eq!(
        spanner_code(&error),
        Some(SpannerCode::AlreadyExists),
        "{error}"
    );
    assert!(matches!(batch_index(&error), None | Some(1)), "{error}");
    assert_eq!(names(&pool).await.len(), 2);

    // abort_batch drops the buffer; run_batch without a batch is an error.
    conn.start_batch_dml().unwrap();
    bounded(insert(9).execute(&mut *conn)).await.unwrap();
    conn.abort_batch();
    assert!(bounded(conn.run_batch()).await.is_err());
    assert_eq!(names(&pool).await.len(), 2);
}

/// A pool whose connections batch DML automatically (URL option).
async fn auto_batching_pool() -> SpannerPool {
    let url = format!(
        "spanner://{}/projects/test-project/instances/test-instance/databases/{}\
         ?create_if_missing=true&auto_batch_dml=true",
        emulator_host(),
        unique_database_name("autob")
    );
    let options: sqlx_spanner::SpannerConnectOptions = url.parse().unwrap();
    let pool = bounded(
        SpannerPoolOptions::new()
            .max_connections(4)
            .connect_with(options),
    )
    .await
    .unwrap();
    let mut conn = bounded(pool.acquire()).await.unwrap();
    bounded(conn.execute_ddl([SINGERS])).await.unwrap();
    pool
}

#[tokio::test]
async fn auto_batch_buffers_until_commit_and_reports_one_row_each() {
    let pool = auto_batching_pool().await;
    let mut conn = bounded(pool.acquire()).await.unwrap();
    let mut tx = bounded(conn.begin()).await.unwrap();
    for id in 1..=20 {
        let done = bounded(insert(id).execute(&mut *tx)).await.unwrap();
        assert_eq!(done.rows_affected(), 1, "the expected count");
    }
    assert_eq!(tx.buffered_dml_count(), 20);
    assert_eq!(tx.batch_dml_round_trips(), 0);
    bounded(tx.commit()).await.unwrap();
    assert_eq!(
        conn.batch_dml_round_trips(),
        1,
        "20 inserts, one round trip"
    );
    assert_eq!(conn.buffered_dml_count(), 0);
    assert_eq!(names(&pool).await.len(), 20);

    // Outside a transaction automatic batching does nothing: autocommit as usual.
    bounded(insert(21).execute(&mut *conn)).await.unwrap();
    assert_eq!(conn.batch_dml_round_trips(), 1);
    assert_eq!(names(&pool).await.len(), 21);
}

#[tokio::test]
async fn a_query_after_buffered_dml_sees_its_writes() {
    let pool = auto_batching_pool().await;
    let mut conn = bounded(pool.acquire()).await.unwrap();
    let mut tx = bounded(conn.begin()).await.unwrap();
    bounded(insert(1).execute(&mut *tx)).await.unwrap();
    bounded(insert(2).execute(&mut *tx)).await.unwrap();
    let count: i64 =
        bounded(sqlx::query_scalar("SELECT COUNT(*) FROM Singers").fetch_one(&mut *tx))
            .await
            .unwrap();
    assert_eq!(count, 2);
    assert_eq!(tx.batch_dml_round_trips(), 1);
    // THEN RETURN needs its rows now: the buffer is sent first, the statement runs alone.
    bounded(insert(3).execute(&mut *tx)).await.unwrap();
    let row = bounded(
        sqlx::query("UPDATE Singers SET Name = 'y' WHERE Id = 3 THEN RETURN Name")
            .fetch_one(&mut *tx),
    )
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>(0), "y");
    assert_eq!(tx.batch_dml_round_trips(), 2);
    bounded(tx.commit()).await.unwrap();
    assert_eq!(names(&pool).await[2], (3, "y".to_string()));
}

#[tokio::test]
async fn rollback_and_drop_discard_the_buffer() {
    let pool = auto_batching_pool().await;
    let mut conn = bounded(pool.acquire()).await.unwrap();
    let mut tx = bounded(conn.begin()).await.unwrap();
    bounded(insert(1).execute(&mut *tx)).await.unwrap();
    bounded(tx.rollback()).await.unwrap();
    assert_eq!(conn.buffered_dml_count(), 0);
    {
        let mut tx = bounded(conn.begin()).await.unwrap();
        bounded(insert(2).execute(&mut *tx)).await.unwrap();
        // dropped without commit
    }
    assert_eq!(conn.buffered_dml_count(), 0);
    let mut tx = bounded(conn.begin()).await.unwrap();
    bounded(insert(3).execute(&mut *tx)).await.unwrap();
    bounded(tx.commit()).await.unwrap();
    assert_eq!(names(&pool).await, vec![(3, "singer 3".to_string())]);
    assert_eq!(conn.batch_dml_round_trips(), 1);
}

#[tokio::test]
async fn rows_affected_verification_fails_the_flush_and_the_commit() {
    let pool = auto_batching_pool().await;
    bounded(insert(1).execute(&pool)).await.unwrap();
    bounded(insert(2).execute(&pool)).await.unwrap();
    let mut conn = bounded(pool.acquire()).await.unwrap();
    let mut tx = bounded(conn.begin()).await.unwrap();
    // Reported as 1 (the expected count); really 2.
    let done = bounded(sqlx::query("UPDATE Singers SET Name = 'z' WHERE Id > 0").execute(&mut *tx))
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1);
    let error = bounded(tx.commit()).await.unwrap_err();
    assert!(
        matches!(
            driver_error(&error),
            Some(SpannerError::BatchUpdateCount {
                index: 0,
                expected: 1,
                actual: 2
            })
        ),
        "{error:?}"
    );
    // Rolled back: the update did not survive.
    assert!(names(&pool).await.iter().all(|(_, name)| name != "z"));

    // With verification off (or the right expected count), the same passes.
    conn.set_auto_batch_dml_update_count_verification(false);
    let mut tx = bounded(conn.begin()).await.unwrap();
    bounded(sqlx::query("UPDATE Singers SET Name = 'z' WHERE Id > 0").execute(&mut *tx))
        .await
        .unwrap();
    bounded(tx.commit()).await.unwrap();
    assert!(names(&pool).await.iter().all(|(_, name)| name == "z"));
}

#[tokio::test]
async fn a_failing_statement_in_the_middle_names_its_index_and_blocks_the_commit() {
    let pool = auto_batching_pool().await;
    bounded(insert(2).execute(&pool)).await.unwrap();
    let mut conn = bounded(pool.acquire()).await.unwrap();
    let mut tx = bounded(conn.begin()).await.unwrap();
    for id in [1, 2, 3] {
        // Id 2 exists: the duplicate is only found when the batch is sent.
        bounded(insert(id).execute(&mut *tx)).await.unwrap();
    }
    let error = bounded(sqlx::query("SELECT 1").fetch_one(&mut *tx))
        .await
        .unwrap_err();
    assert_eq!(
        spanner_code(&error),
        Some(SpannerCode::AlreadyExists),
        "{error}"
    );
    // Spanner reports the failing statement's index; the emulator fails the whole request
    // instead (and then every later statement of the transaction), so there is none.
    assert!(matches!(batch_index(&error), None | Some(1)), "{error}");
    // ... so the commit must not report success for the writes `execute` acknowledged.
    let error = bounded(tx.commit()).await.unwrap_err();
    assert!(
        matches!(driver_error(&error), Some(SpannerError::BatchDmlFailed(_))),
        "{error:?}"
    );
    assert_eq!(names(&pool).await, vec![(2, "singer 2".to_string())]);
    // The connection is usable afterwards.
    let mut tx = bounded(conn.begin()).await.unwrap();
    bounded(insert(5).execute(&mut *tx)).await.unwrap();
    bounded(tx.commit()).await.unwrap();
    assert_eq!(names(&pool).await.len(), 2);
}

/// Singers, and a one-row table the abort helper takes its locks on.
async fn with_probe() -> SpannerPool {
    let pool = pool_with_schema(
        "batchab",
        &[
            SINGERS,
            "CREATE TABLE Probe (Id INT64 NOT NULL, N INT64) PRIMARY KEY (Id)",
        ],
    )
    .await;
    bounded(sqlx::query("INSERT INTO Probe (Id, N) VALUES (1, 0)").execute(&pool))
        .await
        .unwrap();
    pool
}

/// Makes the emulator abort `conn`'s open transaction at its next request (as in
/// transactions.rs): the server transaction is replaced by one begun while another
/// transaction is active, which the emulator aborts. The other transaction is committed
/// by the returned task after half a second.
async fn abort_next_request(
    pool: &SpannerPool,
    conn: &mut sqlx_spanner::SpannerConnection,
) -> tokio::task::JoinHandle<bool> {
    const NO_OP: &str = "UPDATE Probe SET N = N WHERE Id = 1";
    for _ in 0..20 {
        let mut other = None;
        let aborted = bounded(conn.__restart_transaction_on_server(
            async {
                let mut tx = bounded(pool.begin()).await.unwrap();
                bounded(sqlx::query(NO_OP).execute(&mut *tx)).await.unwrap();
                other = Some(tx);
            },
            NO_OP,
        ))
        .await
        .unwrap();
        let other = other.expect("the other transaction began");
        if aborted {
            return tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(500)).await;
                other.commit().await.is_ok()
            });
        }
        let _ = bounded(other.rollback()).await;
    }
    panic!("the emulator never aborted the transaction");
}

#[tokio::test]
async fn an_aborted_batch_is_replayed_by_internal_retry() {
    // Plain pool (no auto batching) for the helper's other transactions.
    let pool = with_probe().await;
    let mut conn = bounded(pool.acquire()).await.unwrap();
    conn.set_retry_aborts_internally(true);
    conn.set_auto_batch_dml(true);
    let mut tx = bounded(conn.begin()).await.unwrap();
    bounded(insert(1).execute(&mut *tx)).await.unwrap();
    bounded(insert(2).execute(&mut *tx)).await.unwrap();
    // Sent by the query, and recorded for replay.
    let count: i64 =
        bounded(sqlx::query_scalar("SELECT COUNT(*) FROM Singers").fetch_one(&mut *tx))
            .await
            .unwrap();
    assert_eq!(count, 2);
    bounded(insert(3).execute(&mut *tx)).await.unwrap();
    // Spanner aborts the next request (the batch sent at commit): the driver replays the
    // first batch and the query in a new transaction, then sends the second batch.
    let before = tx.internal_retry_count();
    let other = abort_next_request(&pool, &mut tx).await;
    bounded(tx.commit()).await.expect("recovered by replay");
    bounded(other).await.unwrap();
    assert!(conn.internal_retry_count() > before, "no replay happened");
    assert_eq!(conn.batch_dml_round_trips(), 2);
    let ids: Vec<i64> = names(&pool).await.into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, vec![1, 2, 3], "each write applied exactly once");
}

#[tokio::test]
async fn an_aborted_batch_without_internal_retry_fails_the_commit_as_retryable() {
    let pool = with_probe().await;
    let mut conn = bounded(pool.acquire()).await.unwrap();
    conn.set_auto_batch_dml(true);
    let mut tx = bounded(conn.begin()).await.unwrap();
    bounded(insert(1).execute(&mut *tx)).await.unwrap();
    let other = abort_next_request(&pool, &mut tx).await;
    let error = bounded(tx.commit()).await.unwrap_err();
    assert!(sqlx_spanner::is_retryable(&error), "{error:?}");
    bounded(other).await.unwrap();
    assert!(names(&pool).await.is_empty());
    // retry_transaction runs it again and succeeds.
    bounded(sqlx_spanner::retry_transaction(&mut *conn, 5, |tx| {
        Box::pin(async move {
            insert(1).execute(&mut **tx).await?;
            Ok::<_, sqlx::Error>(())
        })
    }))
    .await
    .unwrap();
    assert_eq!(names(&pool).await.len(), 1);
}

#[tokio::test]
async fn seaorm_transactions_batch_dml_with_the_url_option() {
    use sea_orm::ConnectionTrait;
    use sea_query_spanner::orm::SpannerDatabase;

    let pool = auto_batching_pool().await;
    let db = SpannerDatabase::from_pool(pool.clone());
    let txn = bounded(db.begin()).await.unwrap();
    for id in 1..=3 {
        let done = bounded(txn.execute_unprepared(&format!(
            r#"INSERT INTO "Singers" ("Id", "Name") VALUES ({id}, 'n{id}')"#
        )))
        .await
        .unwrap();
        assert_eq!(done.rows_affected(), 1);
    }
    // Two rows, reported as 1: verification fails the commit, and nothing is written.
    bounded(txn.execute_unprepared(r#"UPDATE "Singers" SET "Name" = 'm' WHERE "Id" < 3"#))
        .await
        .unwrap();
    assert!(bounded(txn.commit()).await.is_err());
    assert!(names(&pool).await.is_empty());
    // Without the mismatching update the batch commits.
    let txn = bounded(db.begin()).await.unwrap();
    for id in 1..=3 {
        bounded(txn.execute_unprepared(&format!(
            r#"INSERT INTO "Singers" ("Id", "Name") VALUES ({id}, 'n{id}')"#
        )))
        .await
        .unwrap();
    }
    bounded(txn.commit()).await.unwrap();
    assert_eq!(names(&pool).await.len(), 3);
}
