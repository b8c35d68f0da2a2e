//! Measures SeaORM bulk loading on the emulator (no assertions; prints figures):
//!
//! - 20,000 rows through `orm::mutations` vs SeaORM's `insert_many` (rows/s);
//! - 200,000 rows through the streaming mutation path, with the process's peak resident
//!   memory (VmHWM) before and after.
//!
//! `cargo run -p spanner-tests --example seaorm_bulk_load` (starts a fresh emulator unless
//! `SPANNER_EMULATOR_HOST` is set; add `--release` for an optimised client).
#![recursion_limit = "256"]

use std::time::Instant;

use sea_orm::{EntityTrait, PaginatorTrait, Set};
use sea_query_spanner::orm::mutations::MutationWriter;
use sea_query_spanner::orm::SpannerDatabase;

mod row {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bulk")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
        pub qty: i64,
        pub note: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

const DDL: &[&str] = &[
    "CREATE TABLE bulk (id INT64 NOT NULL, name STRING(MAX) NOT NULL, qty INT64 NOT NULL, \
     note STRING(MAX) NOT NULL) PRIMARY KEY (id)",
];

fn active(id: i64) -> row::ActiveModel {
    row::ActiveModel {
        id: Set(id),
        name: Set(format!("name {id}")),
        qty: Set(id % 1000),
        note: Set("a note of some forty characters, or so..".to_string()),
    }
}

/// Peak resident memory of this process so far, in KiB (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn database(prefix: &str) -> Result<SpannerDatabase, Box<dyn std::error::Error>> {
    let db = SpannerDatabase::from_pool(spanner_tests::pool_with_schema(prefix, DDL).await);
    db.register_entity::<row::Entity>();
    Ok(db)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    const SMALL: i64 = 20_000;
    const LARGE: i64 = 200_000;

    // 200k rows through the streaming path first, while the peak RSS is still the
    // start-up figure.
    let db = database("bulk-stream").await?;
    let before = peak_rss_kib();
    let started = Instant::now();
    let models = futures_util::stream::iter((1..=LARGE).map(active));
    let summary = MutationWriter::new().insert_stream(&db, models).await?;
    let elapsed = started.elapsed();
    let after = peak_rss_kib();
    let count = row::Entity::find().count(&db).await?;
    println!(
        "mutations, streamed: {} rows in {} commits, {:.1} s, {:.0} rows/s; peak RSS {:?} KiB \
         before, {:?} KiB after (growth {:?} KiB); rows in table: {count}",
        summary.rows,
        summary.commits,
        elapsed.as_secs_f64(),
        summary.rows as f64 / elapsed.as_secs_f64(),
        before,
        after,
        before.zip(after).map(|(b, a)| a.saturating_sub(b)),
    );

    // 20k rows: mutations.
    let db = database("bulk-mut").await?;
    let started = Instant::now();
    let summary = MutationWriter::new()
        .insert(&db, (1..=SMALL).map(active))
        .await?;
    let mutations_secs = started.elapsed().as_secs_f64();
    println!(
        "mutations: {} rows in {} commit(s), {:.2} s, {:.0} rows/s",
        summary.rows,
        summary.commits,
        mutations_secs,
        SMALL as f64 / mutations_secs
    );

    // 20k rows: SeaORM insert_many (the glue splits it under the parameter limit and runs
    // the statements in one transaction).
    let db = database("bulk-many").await?;
    let started = Instant::now();
    row::Entity::insert_many((1..=SMALL).map(active))
        .exec(&db)
        .await?;
    let many_secs = started.elapsed().as_secs_f64();
    println!(
        "insert_many: {SMALL} rows, {:.2} s, {:.0} rows/s",
        many_secs,
        SMALL as f64 / many_secs
    );
    println!(
        "ratio mutations / insert_many (rows/s): {:.1}x",
        many_secs / mutations_secs
    );
    Ok(())
}
