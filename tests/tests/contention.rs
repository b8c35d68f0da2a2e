//! Contention: many tasks doing read-modify-write on the same rows with
//! `retry_transaction`. The final state must be exactly the sum of what committed.

use std::time::Duration;

use spanner_tests::pool_with_schema;
use sqlx_spanner::{is_retryable, SpannerPoolOptions};

const COUNTERS: &str =
    "CREATE TABLE Counters (Id INT64 NOT NULL, Value INT64 NOT NULL) PRIMARY KEY (Id)";
const TASKS: i64 = 16;
const ROWS: i64 = 3;

#[tokio::test]
async fn read_modify_write_under_contention_loses_no_increment() {
    let pool = pool_with_schema("contend", &[COUNTERS]).await;
    // More connections than the harness default so the 16 tasks really overlap.
    let pool = SpannerPoolOptions::new()
        .max_connections(16)
        .connect_with(pool.connect_options().as_ref().clone())
        .await
        .unwrap();
    sqlx::query("INSERT INTO Counters (Id, Value) VALUES (0, 0), (1, 0), (2, 0)")
        .execute(&pool)
        .await
        .unwrap();

    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            // Task n adds n+1 to counter 0 and to counter n % ROWS: a read of the current
            // value, then a write computed from it (a lost update shows up in the sum).
            let delta = task + 1;
            let row = task % ROWS;
            sqlx_spanner::retry_transaction(&pool, 100, move |tx| {
                Box::pin(async move {
                    for id in [0, row] {
                        let value: i64 =
                            sqlx::query_scalar("SELECT Value FROM Counters WHERE Id = @p1")
                                .bind(id)
                                .fetch_one(&mut **tx)
                                .await?;
                        sqlx::query("UPDATE Counters SET Value = @p1 WHERE Id = @p2")
                            .bind(value + delta)
                            .bind(id)
                            .execute(&mut **tx)
                            .await?;
                    }
                    Ok(())
                })
            })
            .await
            .map(|()| (delta, row))
        }));
    }

    let mut expected = [0_i64; ROWS as usize];
    let mut committed = 0;
    let mut failures = Vec::new();
    for task in tasks {
        let outcome = tokio::time::timeout(Duration::from_secs(240), task)
            .await
            .expect("a contending task hung")
            .expect("task panicked");
        match outcome {
            Ok((delta, row)) => {
                committed += 1;
                expected[0] += delta;
                // Counter 0 gets the delta twice when the task's own row is 0.
                expected[row as usize] += delta;
            }
            Err(error) => {
                assert!(is_retryable(&error), "unexpected error: {error:?}");
                failures.push(error);
            }
        }
    }
    let rows: Vec<(i64, i64)> = tokio::time::timeout(
        Duration::from_secs(60),
        sqlx::query_as("SELECT Id, Value FROM Counters ORDER BY Id").fetch_all(&pool),
    )
    .await
    .expect("final read timed out")
    .unwrap();
    let actual: Vec<i64> = rows.iter().map(|(_, v)| *v).collect();
    assert_eq!(
        actual, expected,
        "committed {committed}, failed {failures:?}"
    );
    assert!(
        committed > TASKS / 2,
        "too few commits under contention: {committed} of {TASKS}"
    );
}
