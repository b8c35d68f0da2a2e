//! Quickstart: raw sqlx on Spanner.
//!
//! Uses the emulator named by `SPANNER_EMULATOR_HOST`, or starts one itself.
//! Run with `cargo run -p sqlx-spanner --example quickstart`.

use sqlx::Row;
use sqlx_spanner::{Mutation, SpannerArguments, SpannerConnectOptions, SpannerPoolOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // Keep the emulator alive until the end of main (it stops on drop).
    let (host, emulator) = sqlx_spanner::emulator::from_env_or_start()?;
    if emulator.is_some() {
        println!("started the Spanner emulator on {host}");
    }

    let options = SpannerConnectOptions::new()
        .emulator_host(host)
        .project("demo-project")
        .instance("demo-instance")
        .database("quickstart")
        .create_if_missing(true);
    let pool = SpannerPoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;

    // DDL goes to the admin API; several statements in one raw_sql run as one batch.
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS Singers (
             SingerId INT64 NOT NULL,
             Name STRING(MAX),
             Updated TIMESTAMP OPTIONS (allow_commit_timestamp = true),
         ) PRIMARY KEY (SingerId);
         DELETE FROM Singers WHERE TRUE",
    )
    .execute(&pool)
    .await?;

    // Bulk load with mutations (the fast path).
    let mut mutation = Mutation::insert("Singers", &["SingerId", "Name"]);
    for (id, name) in [(1_i64, "Marc"), (2, "Catalina"), (3, "Alice")] {
        let mut row = SpannerArguments::default();
        row.add(id)?;
        row.add(name)?;
        mutation = mutation.row(row);
    }
    let mut conn = pool.acquire().await?;
    let committed = conn.apply_mutations(vec![mutation]).await?;
    println!("mutations committed at {committed:?}");
    drop(conn);

    // DML in a read-write transaction, with THEN RETURN.
    let mut tx = pool.begin().await?;
    let renamed: (i64, String) = sqlx::query_as(
        "UPDATE Singers SET Name = @p1, Updated = PENDING_COMMIT_TIMESTAMP() \
         WHERE SingerId = @p2 THEN RETURN SingerId, Name",
    )
    .bind("Marc Richards")
    .bind(1_i64)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    println!("renamed {renamed:?}");

    // Queries stream rows; `?` placeholders work too.
    let rows =
        sqlx::query("SELECT SingerId, Name FROM Singers WHERE SingerId >= ? ORDER BY SingerId")
            .bind(1_i64)
            .fetch_all(&pool)
            .await?;
    for row in &rows {
        println!(
            "{} {}",
            row.get::<i64, _>("SingerId"),
            row.get::<String, _>("Name")
        );
    }
    assert_eq!(rows.len(), 3);
    Ok(())
}
