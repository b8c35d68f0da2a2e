//! Prints the driver's tracing spans (docs/tracing.md) of a query, a transaction and a
//! transaction that Spanner aborts and `retry_transaction` runs again, with
//! `tracing-subscriber`'s fmt layer (one line per closed span, with its fields).
//!
//! ```text
//! cargo run -p spanner-tests --example tracing_spans
//! ```
//!
//! It starts the emulator itself unless `SPANNER_EMULATOR_HOST` is set.

use std::time::Duration;

use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::prelude::*;

const NOTES: &str = "CREATE TABLE Notes (Id INT64 NOT NULL, Body STRING(MAX)) PRIMARY KEY (Id)";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let pool = spanner_tests::pool_with_schema("spans", &[NOTES]).await;
    sqlx::query("INSERT INTO Notes (Id, Body) VALUES (1, 'a'), (2, 'b')")
        .execute(&pool)
        .await?;

    // From here on, print every span of the driver when it closes (RPC spans are DEBUG),
    // and sqlx's statement log; nothing of the gRPC stack underneath.
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_span_events(FmtSpan::CLOSE)
                .with_ansi(false),
        )
        .with(
            Targets::new()
                .with_target("sqlx_spanner", Level::DEBUG)
                .with_target("sqlx::query", Level::DEBUG),
        )
        .init();

    println!("--- a query (the bound value never appears) ---");
    let rows = sqlx::query("SELECT Id FROM Notes WHERE Body = @p1")
        .bind("a secret value")
        .fetch_all(&pool)
        .await?;
    println!("{} row(s)", rows.len());

    println!("--- a read-write transaction ---");
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE Notes SET Body = @p1 WHERE Id = 1")
        .bind("another secret")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;

    println!("--- a transaction Spanner aborts, run again by retry_transaction ---");
    // The emulator runs one read-write transaction at a time: while `blocker` holds it the
    // retried transaction is aborted; the blocker rolls back after 300 ms.
    let mut blocker = pool.begin().await?;
    sqlx::query("UPDATE Notes SET Body = 'blocked' WHERE Id = 2")
        .execute(&mut *blocker)
        .await?;
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = blocker.rollback().await;
    });
    sqlx_spanner::retry_transaction(&pool, 20, |tx| {
        Box::pin(async move {
            sqlx::query("UPDATE Notes SET Body = @p1 WHERE Id = 2")
                .bind("retried secret")
                .execute(&mut **tx)
                .await?;
            Ok(())
        })
    })
    .await?;
    release.await?;
    Ok(())
}
