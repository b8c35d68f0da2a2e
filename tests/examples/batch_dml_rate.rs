//! Rows per second for one `INSERT` per row inside one read-write transaction, with and
//! without batched DML (`auto_batch_dml`), on the emulator. Each round uses a fresh
//! database; rounds alternate between the two modes (the emulator slows with every
//! transaction it serves) and the median of each mode is printed. No assertions: this only
//! measures.
//!
//! ```text
//! # unset SPANNER_EMULATOR_HOST to get a fresh emulator started for the run
//! cargo run -p spanner-tests --example batch_dml_rate -- [rows] [rounds]
//! ```

use std::time::{Duration, Instant};

use spanner_tests::pool_with_schema;
use sqlx::Connection;

const SINGERS: &str =
    "CREATE TABLE Singers (Id INT64 NOT NULL, Name STRING(100) NOT NULL) PRIMARY KEY (Id)";

async fn bounded<F: std::future::Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(600), Box::pin(future))
        .await
        .expect("the run did not finish in 10 minutes")
}

/// Inserts `rows` rows, one statement each, in one transaction; returns rows/s and the
/// `ExecuteBatchDml` round trips batching used.
async fn run(rows: i64, batched: bool) -> (f64, u64) {
    let pool = pool_with_schema("rate", &[SINGERS]).await;
    let mut conn = bounded(pool.acquire()).await.expect("acquire");
    conn.set_auto_batch_dml(batched);
    let started = Instant::now();
    let mut tx = bounded(conn.begin()).await.expect("begin");
    for id in 0..rows {
        bounded(
            sqlx::query("INSERT INTO Singers (Id, Name) VALUES (?, ?)")
                .bind(id)
                .bind(format!("singer {id}"))
                .execute(&mut *tx),
        )
        .await
        .expect("insert");
    }
    let statements_done = started.elapsed().as_secs_f64();
    bounded(tx.commit()).await.expect("commit");
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "  batched={batched}: statements {statements_done:.2} s, commit (incl. sending the \
         buffer) {:.2} s",
        elapsed - statements_done
    );
    let count: i64 = bounded(sqlx::query_scalar("SELECT COUNT(*) FROM Singers").fetch_one(&pool))
        .await
        .expect("count");
    assert_eq!(count, rows, "every row was written");
    (rows as f64 / elapsed, conn.batch_dml_round_trips())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let rows: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let (mut plain, mut batched) = (Vec::new(), Vec::new());
    let mut round_trips = 0;
    for round in 0..rounds {
        let (rate, _) = run(rows, false).await;
        println!("round {round}: one statement per round trip: {rate:.0} rows/s");
        plain.push(rate);
        let (rate, trips) = run(rows, true).await;
        println!("round {round}: auto_batch_dml: {rate:.0} rows/s ({trips} ExecuteBatchDml)");
        batched.push(rate);
        round_trips = trips;
    }
    let (plain, batched) = (median(plain), median(batched));
    println!();
    println!("| {rows} INSERTs, one per row, one transaction | rows/s (median of {rounds}) |");
    println!("|---|---|");
    println!("| one ExecuteSql per statement | {plain:.0} |");
    println!("| auto_batch_dml ({round_trips} ExecuteBatchDml) | {batched:.0} |");
    println!("| ratio | {:.1}x |", batched / plain);
}
