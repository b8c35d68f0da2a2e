//! Spanner-specific capabilities: mutations, batch and partitioned DML, commit
//! timestamps, request options, streaming, DDL batches, QueryBuilder, a lost server.

use futures_util::TryStreamExt;
use spanner_tests::pool_with_schema;
use sqlx::{Connection, Executor, QueryBuilder, Row};
use sqlx_spanner::emulator::Emulator;
use sqlx_spanner::{
    Mutation, Priority, RequestOptions, Spanner, SpannerArguments, SpannerConnectOptions,
    SpannerPool,
};

const ITEMS: &str = "CREATE TABLE Items (
    Id INT64 NOT NULL,
    Name STRING(MAX),
    Qty INT64,
    Updated TIMESTAMP OPTIONS (allow_commit_timestamp = true),
) PRIMARY KEY (Id)";

fn args(id: i64, name: &str, qty: i64) -> SpannerArguments {
    let mut a = SpannerArguments::default();
    a.add(id).unwrap();
    a.add(name).unwrap();
    a.add(qty).unwrap();
    a
}

async fn count(pool: &SpannerPool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM Items")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn mutations_insert_update_delete_and_buffer() {
    let pool = pool_with_schema("mut", &[ITEMS]).await;
    let mut conn = pool.acquire().await.unwrap();
    let mut insert = Mutation::insert("Items", &["Id", "Name", "Qty"]);
    for i in 0..500 {
        insert = insert.row(args(i, &format!("item{i}"), i * 2));
    }
    let ts = conn.apply_mutations(vec![insert]).await.unwrap();
    assert!(ts.is_some());
    assert_eq!(count(&pool).await, 500);

    let update = Mutation::update("Items", &["Id", "Name", "Qty"]).row(args(7, "seven", 77));
    let mut key = SpannerArguments::default();
    key.add(8_i64).unwrap();
    let delete = Mutation::delete("Items").key(key);
    conn.apply_mutations(vec![update, delete]).await.unwrap();
    let (name, qty): (String, i64) = sqlx::query_as("SELECT Name, Qty FROM Items WHERE Id = 7")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((name.as_str(), qty), ("seven", 77));
    assert_eq!(count(&pool).await, 499);

    // Buffered in a transaction: applied only by the commit.
    let mut tx = pool.begin().await.unwrap();
    tx.buffer_mutations(vec![Mutation::delete_all("Items")])
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(count(&pool).await, 499);
    let mut tx = pool.begin().await.unwrap();
    tx.buffer_mutations(vec![Mutation::delete_all("Items")])
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count(&pool).await, 0);

    // A row with the wrong number of values is rejected before anything is sent.
    let mut short = SpannerArguments::default();
    short.add(1_i64).unwrap();
    let bad = Mutation::insert("Items", &["Id", "Name"]).row(short);
    assert!(conn.apply_mutations(vec![bad]).await.is_err());
    assert!(
        conn.buffer_mutations(vec![]).is_err(),
        "no transaction open"
    );
}

#[tokio::test]
async fn batch_dml_counts_and_is_atomic_outside_transactions() {
    let pool = pool_with_schema("batch", &[ITEMS]).await;
    let mut conn = pool.acquire().await.unwrap();
    let counts = conn
        .execute_batch(vec![
            (
                "INSERT INTO Items (Id, Name, Qty) VALUES (@p1, @p2, @p3)".into(),
                args(1, "a", 1),
            ),
            (
                "INSERT INTO Items (Id, Name, Qty) VALUES (@p1, @p2, @p3)".into(),
                args(2, "b", 2),
            ),
            (
                "UPDATE Items SET Qty = Qty + 1 WHERE TRUE".into(),
                SpannerArguments::default(),
            ),
        ])
        .await
        .unwrap();
    assert_eq!(counts, [1, 1, 2]);
    // A failing statement (duplicate key) makes the whole autocommit batch fail.
    let err = conn
        .execute_batch(vec![
            (
                "INSERT INTO Items (Id, Name, Qty) VALUES (@p1, @p2, @p3)".into(),
                args(3, "c", 3),
            ),
            (
                "INSERT INTO Items (Id, Name, Qty) VALUES (@p1, @p2, @p3)".into(),
                args(1, "dup", 0),
            ),
        ])
        .await
        .unwrap_err();
    assert!(err.as_database_error().is_some(), "{err:?}");
    assert_eq!(
        count(&pool).await,
        2,
        "nothing of the failed batch was committed"
    );
    // Only DML is accepted.
    assert!(conn
        .execute_batch(vec![("SELECT 1".into(), SpannerArguments::default())])
        .await
        .is_err());
}

#[tokio::test]
async fn partitioned_dml_updates_all_rows() {
    let pool = pool_with_schema("pdml", &[ITEMS]).await;
    let mut conn = pool.acquire().await.unwrap();
    let rows: Vec<Mutation> = (0..50)
        .map(|i| Mutation::insert("Items", &["Id", "Name", "Qty"]).row(args(i, "x", 0)))
        .collect();
    conn.apply_mutations(rows).await.unwrap();
    let mut arguments = SpannerArguments::default();
    arguments.add(5_i64).unwrap();
    let affected = conn
        .execute_partitioned("UPDATE Items SET Qty = @p1 WHERE Qty = 0", arguments)
        .await
        .unwrap();
    assert_eq!(affected, 50);
    let total: i64 = sqlx::query_scalar("SELECT SUM(Qty) FROM Items")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(total, 250);
    let mut tx = pool.begin().await.unwrap();
    assert!(tx
        .execute_partitioned("DELETE FROM Items WHERE TRUE", SpannerArguments::default())
        .await
        .is_err());
}

#[tokio::test]
async fn commit_timestamps_match_pending_commit_timestamp_columns() {
    let pool = pool_with_schema("cts", &[ITEMS]).await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("INSERT INTO Items (Id, Updated) VALUES (1, PENDING_COMMIT_TIMESTAMP())")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let conn = pool.acquire().await.unwrap();
    // The pool may give another connection: read the value and compare with the row.
    drop(conn);
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("UPDATE Items SET Updated = PENDING_COMMIT_TIMESTAMP(), Qty = 1 WHERE Id = 1")
        .execute(&mut *conn)
        .await
        .unwrap();
    let committed = conn.last_commit_timestamp().unwrap();
    let stored: time::OffsetDateTime = sqlx::query_scalar("SELECT Updated FROM Items WHERE Id = 1")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(stored, committed);
}

#[tokio::test]
async fn request_and_transaction_options_are_accepted() {
    let pool = pool_with_schema("opts", &[ITEMS]).await;
    let mut conn = pool.acquire().await.unwrap();
    conn.set_next_request_options(RequestOptions {
        tag: Some("app=tests,action=insert".into()),
        priority: Some(Priority::Low),
        ..RequestOptions::default()
    });
    conn.set_next_transaction_tag("tests-insert");
    let done = sqlx::query("INSERT INTO Items (Id) VALUES (1)")
        .execute(&mut *conn)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1);
    conn.set_next_transaction_tag("tests-tx");
    let mut tx = conn.begin().await.unwrap();
    tx.set_next_request_options(RequestOptions {
        tag: Some("read".into()),
        priority: Some(Priority::High),
        ..RequestOptions::default()
    });
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM Items")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 1);
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn fetch_streams_rows_and_can_stop_early() {
    let pool = pool_with_schema("stream", &[ITEMS]).await;
    let mut conn = pool.acquire().await.unwrap();
    let rows: Vec<Mutation> = vec![(0..3000)
        .fold(Mutation::insert("Items", &["Id", "Name", "Qty"]), |m, i| {
            m.row(args(i, &"x".repeat(100), i))
        })];
    conn.apply_mutations(rows).await.unwrap();
    let mut stream = sqlx::query("SELECT Id, Name FROM Items ORDER BY Id").fetch(&mut *conn);
    let mut seen = 0_i64;
    while let Some(row) = stream.try_next().await.unwrap() {
        assert_eq!(row.get::<i64, _>(0), seen);
        seen += 1;
    }
    drop(stream);
    assert_eq!(seen, 3000);
    // Stopping early leaves the connection usable.
    {
        let mut stream = sqlx::query("SELECT Id FROM Items").fetch(&mut *conn);
        let _ = stream.try_next().await.unwrap();
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM Items")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(n, 3000);
}

#[tokio::test]
async fn raw_sql_scripts_batch_ddl_and_run_dml() {
    let pool = pool_with_schema("script", &[]).await;
    sqlx::raw_sql(
        "CREATE TABLE A (Id INT64 NOT NULL) PRIMARY KEY (Id);
         CREATE TABLE B (Id INT64 NOT NULL, Note STRING(10)) PRIMARY KEY (Id);
         CREATE INDEX BByNote ON B (Note);
         INSERT INTO A (Id) VALUES (1), (2);
         INSERT INTO B (Id, Note) VALUES (1, 'semi;colon')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let note: String =
        sqlx::query_scalar("SELECT Note FROM B@{FORCE_INDEX=BByNote} WHERE Note IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(note, "semi;colon");
    let a: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM A")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(a, 2);
}

#[tokio::test]
async fn query_builder_pushes_numbered_parameters() {
    let pool = pool_with_schema("qb", &[ITEMS]).await;
    let mut qb: QueryBuilder<Spanner> = QueryBuilder::new("INSERT INTO Items (Id, Name, Qty) ");
    qb.push_values(0..3_i64, |mut b, i| {
        b.push_bind(i).push_bind(format!("n{i}")).push_bind(i * 10);
    });
    let sql = qb.sql().as_str().to_string();
    assert!(sql.contains("@p1") && sql.contains("@p9"), "{sql}");
    qb.build().execute(&pool).await.unwrap();
    let mut select: QueryBuilder<Spanner> =
        QueryBuilder::new("SELECT Name FROM Items WHERE Qty > ");
    select.push_bind(5_i64).push(" ORDER BY Id");
    let names: Vec<String> = select.build_query_scalar().fetch_all(&pool).await.unwrap();
    assert_eq!(names, ["n1", "n2"]);
}

#[tokio::test]
async fn a_lost_emulator_gives_errors_not_hangs() {
    // A private emulator so that killing it does not disturb other tests.
    let mut emulator = Emulator::start().unwrap();
    let options = SpannerConnectOptions::new()
        .emulator_host(emulator.host())
        .database("lost")
        .create_if_missing(true);
    let pool = SpannerPool::connect_with(options).await.unwrap();
    let one: i64 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(one, 1);
    emulator.stop();
    let started = std::time::Instant::now();
    let err = sqlx::query_scalar::<_, i64>("SELECT 1")
        .fetch_one(&pool)
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    let text = err.to_string();
    assert!(
        text.contains("UNAVAILABLE") || text.contains("Unavailable") || text.contains("transport"),
        "{text}"
    );
}

#[tokio::test]
async fn empty_and_unsupported_statements() {
    let pool = pool_with_schema("misc", &[]).await;
    let done = pool.execute("-- nothing here").await.unwrap();
    assert_eq!(done.rows_affected(), 0);
    // Statements the driver does not classify reach Spanner, which reports its own error.
    let err = pool.execute("SELEC 1").await.unwrap_err();
    assert_eq!(
        sqlx_spanner::spanner_code(&err),
        Some(sqlx_spanner::SpannerCode::InvalidArgument),
        "{err}"
    );
}
