//! The stub answers the drivers correctly: sqlx-spanner, connected the ordinary way (an
//! emulator host), reads the canned rows and runs DML in a transaction through it.

use std::time::Duration;

use futures_util::TryStreamExt;
use spanner_benchmarks::stub::{StubConfig, StubServer};
use sqlx::Row;
use sqlx_spanner::{SpannerConnectOptions, SpannerPoolOptions};

const LIMIT: Duration = Duration::from_secs(30);

async fn pool(stub: &StubServer) -> sqlx_spanner::SpannerPool {
    let options = SpannerConnectOptions::new()
        .emulator_host(stub.host())
        .project("p")
        .instance("i")
        .database("d");
    tokio::time::timeout(
        LIMIT,
        SpannerPoolOptions::new()
            .max_connections(1)
            .connect_with(options),
    )
    .await
    .expect("connect within the limit")
    .expect("connect to the stub")
}

#[tokio::test]
async fn sqlx_reads_the_canned_point_row_and_scan() {
    let stub = StubServer::start(StubConfig {
        scan_rows: 1234,
        rows_per_part: 100,
        grant_multiplexed: true,
    })
    .await
    .expect("stub starts");
    let pool = pool(&stub).await;

    let before = stub.calls().of("ExecuteStreamingSql");
    let row = tokio::time::timeout(
        LIMIT,
        sqlx::query("SELECT Id, Name, Qty FROM Items WHERE Id = @p1")
            .bind(42_i64)
            .fetch_one(&pool),
    )
    .await
    .expect("within the limit")
    .expect("point read");
    assert_eq!(row.try_get::<i64, _>("Id").expect("Id"), 42);
    assert_eq!(row.try_get::<String, _>("Name").expect("Name"), "item-42");
    assert_eq!(row.try_get::<i64, _>("Qty").expect("Qty"), 126);
    assert_eq!(stub.calls().of("ExecuteStreamingSql"), before + 1);

    let rows: Vec<_> = tokio::time::timeout(
        LIMIT,
        sqlx::query("SELECT Id, Name, Qty FROM Items")
            .fetch(&pool)
            .try_collect(),
    )
    .await
    .expect("within the limit")
    .expect("scan");
    assert_eq!(rows.len(), 1234);
    let ids: Vec<i64> = rows.iter().map(|r| r.try_get(0).expect("Id")).collect();
    assert_eq!(ids, (1..=1234).collect::<Vec<i64>>());
}

#[tokio::test]
async fn sqlx_runs_dml_in_a_transaction_and_commits() {
    let stub = StubServer::start(StubConfig::default())
        .await
        .expect("stub starts");
    let pool = pool(&stub).await;
    let commits = stub.calls().of("Commit");
    let done = tokio::time::timeout(LIMIT, async {
        let mut tx = pool.begin().await?;
        let result = sqlx::query("UPDATE Items SET Qty = @p1 WHERE Id = @p2")
            .bind(7_i64)
            .bind(1_i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(result.rows_affected())
    })
    .await
    .expect("within the limit")
    .expect("transaction");
    assert_eq!(done, 1);
    assert_eq!(stub.calls().of("Commit"), commits + 1);
}

#[tokio::test]
async fn unknown_methods_are_unimplemented() {
    use gcloud_googleapis::spanner::v1::{spanner_client::SpannerClient, PartitionQueryRequest};
    let stub = StubServer::start(StubConfig::default())
        .await
        .expect("stub starts");
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", stub.host()))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect");
    let status = tokio::time::timeout(
        LIMIT,
        SpannerClient::new(channel).partition_query(PartitionQueryRequest::default()),
    )
    .await
    .expect("within the limit")
    .expect_err("not served");
    assert_eq!(status.code(), tonic::Code::Unimplemented);
}

#[tokio::test]
async fn a_read_whose_session_was_lost_is_retried_on_a_new_session() {
    let stub = StubServer::start(StubConfig {
        grant_multiplexed: false,
        ..StubConfig::default()
    })
    .await
    .expect("stub starts");
    let pool = pool(&stub).await;
    stub.forget_sessions();
    let sessions = stub.calls().of("CreateSession");
    let reads = stub.calls().of("ExecuteStreamingSql");
    let row = tokio::time::timeout(
        LIMIT,
        sqlx::query("SELECT Id, Name, Qty FROM Items WHERE Id = @p1")
            .bind(9_i64)
            .fetch_one(&pool),
    )
    .await
    .expect("within the limit")
    .expect("the read succeeds on a new session");
    assert_eq!(row.try_get::<i64, _>("Qty").expect("Qty"), 27);
    // The statement went out twice (lost session, then a new one), and a session was made.
    assert_eq!(stub.calls().of("ExecuteStreamingSql"), reads + 2);
    assert_eq!(stub.calls().of("CreateSession"), sessions + 1);
}
