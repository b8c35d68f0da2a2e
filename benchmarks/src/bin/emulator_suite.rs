//! The emulator suite (issue 10, part 3): sqlx-spanner, the raw gcloud-spanner client and
//! SeaORM on the Cloud Spanner emulator, side by side in one run. Each section starts a
//! fresh emulator (it slows down with every transaction it serves), so sections do not
//! disturb each other; within a section the clients alternate rounds.
//!
//! `cargo run --release -p spanner-benchmarks --bin emulator_suite` rewrites the
//! `emulator` section of docs/benchmarks.md. The figures are the emulator's speed as much
//! as the clients': read them as ratios measured in the same run, not as Spanner's speed.

use std::time::{Duration, Instant};

use futures_util::{StreamExt, TryStreamExt};
use gcloud_spanner::client::{Client, ClientConfig};
use gcloud_spanner::statement::Statement;
use sea_orm::{EntityTrait, Set};
use sea_query_spanner::orm::{SpannerDatabase, SpannerSchema};
use spanner_benchmarks::measure::{peak_rss_kib, process_cpu as cpu_time, reset_peak_rss, rss_kib};
use sqlx::Row;
use sqlx_spanner::emulator::Emulator;
use sqlx_spanner::{
    Mutation, SpannerArguments, SpannerConnectOptions, SpannerPool, SpannerPoolOptions,
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

mod item {
    use sea_orm::entity::prelude::*;

    /// The benchmark table: `Items (Id INT64, Name STRING(MAX), Qty INT64)`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "Items")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false, column_name = "Id")]
        pub id: i64,
        #[sea_orm(column_name = "Name")]
        pub name: String,
        #[sea_orm(column_name = "Qty")]
        pub qty: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One fresh emulator and a database with the `Items` table holding `rows` rows.
struct Section {
    _emulator: Emulator,
    options: SpannerConnectOptions,
    pool: SpannerPool,
}

impl Section {
    async fn start(rows: i64, connections: u32) -> Result<Section, BoxError> {
        let emulator = Emulator::start()?;
        let options = SpannerConnectOptions::new()
            .emulator_host(emulator.host())
            .database("bench")
            .create_if_missing(true);
        let pool = SpannerPoolOptions::new()
            .max_connections(connections)
            .connect_with(options.clone())
            .await?;
        let mut conn = pool.acquire().await?;
        conn.execute_ddl([
            "CREATE TABLE Items (Id INT64 NOT NULL, Name STRING(MAX), Qty INT64) PRIMARY KEY (Id)",
        ])
        .await?;
        drop(conn);
        let section = Section {
            _emulator: emulator,
            options,
            pool,
        };
        section.load(0, rows).await?;
        Ok(section)
    }

    /// Inserts rows `from..to` with mutations, 20k rows per commit.
    async fn load(&self, from: i64, to: i64) -> Result<(), BoxError> {
        let mut conn = self.pool.acquire().await?;
        let mut start = from;
        while start < to {
            let end = (start + 20_000).min(to);
            let mut insert = Mutation::insert("Items", &["Id", "Name", "Qty"]);
            for id in start..end {
                let mut row = SpannerArguments::default();
                row.add(id)?;
                row.add(format!("{id:0>100}"))?;
                row.add(id * 3)?;
                insert = insert.row(row);
            }
            conn.apply_mutations(vec![insert]).await?;
            start = end;
        }
        Ok(())
    }

    async fn raw_client(&self) -> Result<Client, BoxError> {
        std::env::set_var("SPANNER_EMULATOR_HOST", self._emulator.host());
        Ok(Client::new(self.options.database_path(), ClientConfig::default()).await?)
    }

    fn seaorm(&self) -> SpannerDatabase {
        let db = SpannerDatabase::from_pool(self.pool.clone());
        SpannerSchema::new().table::<item::Entity>().register(&db);
        db
    }

    async fn count(&self) -> Result<i64, BoxError> {
        let row = sqlx::query("SELECT COUNT(*) FROM Items")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }
}

/// Latencies of one client, with the CPU the process spent while it ran.
#[derive(Default)]
struct Samples {
    latencies: Vec<Duration>,
    cpu: Duration,
}

impl Samples {
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted.get(index).copied().unwrap_or_default()
    }
    fn cpu_per_op(&self) -> Duration {
        self.cpu / self.latencies.len().max(1) as u32
    }
    fn ops_per_second(&self) -> f64 {
        let total: Duration = self.latencies.iter().sum();
        self.latencies.len() as f64 / total.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

const POINT_ROWS: i64 = 1000;
const POINT_ROUNDS: usize = 3;
const POINT_READS_PER_ROUND: i64 = 150;

/// Point reads by key: raw client, sqlx, SeaORM, alternating rounds on one emulator.
async fn point_reads() -> Result<String, BoxError> {
    let section = Section::start(POINT_ROWS, 1).await?;
    let raw = section.raw_client().await?;
    let db = section.seaorm();
    let (mut raw_s, mut sqlx_s, mut orm_s) =
        (Samples::default(), Samples::default(), Samples::default());
    let key = |round: usize, i: i64| (i * 7 + round as i64 * 13) % POINT_ROWS;
    for round in 0..POINT_ROUNDS {
        let cpu = cpu_time();
        for i in 0..POINT_READS_PER_ROUND {
            let id = key(round, i);
            let t = Instant::now();
            let mut stmt = Statement::new("SELECT Id, Name, Qty FROM Items WHERE Id = @p1");
            stmt.add_param("p1", &id);
            let mut tx = raw.single().await?;
            let mut rows = tx.query(stmt).await?;
            let row = rows.next().await?.ok_or("no row")?;
            let qty: i64 = row.column(2)?;
            raw_s.latencies.push(t.elapsed());
            assert_eq!(qty, id * 3);
        }
        raw_s.cpu += cpu_time() - cpu;

        let cpu = cpu_time();
        for i in 0..POINT_READS_PER_ROUND {
            let id = key(round, i);
            let t = Instant::now();
            let row = sqlx::query("SELECT Id, Name, Qty FROM Items WHERE Id = @p1")
                .bind(id)
                .fetch_one(&section.pool)
                .await?;
            let qty: i64 = row.try_get(2)?;
            sqlx_s.latencies.push(t.elapsed());
            assert_eq!(qty, id * 3);
        }
        sqlx_s.cpu += cpu_time() - cpu;

        let cpu = cpu_time();
        for i in 0..POINT_READS_PER_ROUND {
            let id = key(round, i);
            let t = Instant::now();
            let model = item::Entity::find_by_id(id)
                .one(&db)
                .await?
                .ok_or("no row")?;
            orm_s.latencies.push(t.elapsed());
            assert_eq!(model.qty, id * 3);
        }
        orm_s.cpu += cpu_time() - cpu;
    }
    raw.close().await;
    let line = |name: &str, s: &Samples| {
        format!(
            "| {name} | {:.0} | {} | {} | {} |\n",
            s.ops_per_second(),
            us(s.percentile(0.5)),
            us(s.percentile(0.99)),
            us(s.cpu_per_op()),
        )
    };
    Ok(format!(
        "### Point reads by key\n\n\
         `SELECT Id, Name, Qty FROM Items WHERE Id = @p1` on {POINT_ROWS} rows, {POINT_ROUNDS} \
         alternating rounds of {POINT_READS_PER_ROUND} reads per client, one at a time.\n\n\
         | client | reads/s | p50 | p99 | process CPU per read |\n|---|---|---|---|---|\n{}{}{}\n\
         Latency ratio sqlx / raw (p50): **{:.2}**; SeaORM / raw: **{:.2}**.\n\n",
        line("gcloud-spanner (`client.single()` + `query`)", &raw_s),
        line(
            "sqlx-spanner (`query(..).bind(..).fetch_one(&pool)`)",
            &sqlx_s
        ),
        line("SeaORM (`Entity::find_by_id(..).one(&db)`)", &orm_s),
        sqlx_s.percentile(0.5).as_secs_f64() / raw_s.percentile(0.5).as_secs_f64(),
        orm_s.percentile(0.5).as_secs_f64() / raw_s.percentile(0.5).as_secs_f64(),
    ))
}

/// Scans of the whole table: rows/s and peak resident memory growth for each client.
async fn scans(rows: i64) -> Result<String, BoxError> {
    let section = Section::start(rows, 1).await?;
    let raw = section.raw_client().await?;
    let db = section.seaorm();
    let mut out = format!(
        "### Scan of {rows} rows (~120 bytes each) into structs\n\n\
         | client | rows/s | peak resident memory growth |\n|---|---|---|\n"
    );
    let mut measure = |name: &str, seen: i64, elapsed: Duration, base: u64| {
        let peak = peak_rss_kib();
        out.push_str(&format!(
            "| {name} | {:.0} | {} KiB |\n",
            seen as f64 / elapsed.as_secs_f64(),
            peak.saturating_sub(base)
        ));
        assert_eq!(seen, rows, "{name} saw every row");
    };

    // gcloud-spanner
    reset_peak_rss();
    let base = rss_kib();
    let t = Instant::now();
    let mut tx = raw.single().await?;
    let mut iter = tx
        .query(Statement::new("SELECT Id, Name, Qty FROM Items"))
        .await?;
    let mut seen = 0_i64;
    while let Some(row) = iter.next().await? {
        let item = item::Model {
            id: row.column(0)?,
            name: row.column(1)?,
            qty: row.column(2)?,
        };
        std::hint::black_box(item);
        seen += 1;
    }
    measure(
        "gcloud-spanner (`single().query`, rows read one by one)",
        seen,
        t.elapsed(),
        base,
    );
    drop(iter);
    drop(tx);

    // sqlx-spanner
    reset_peak_rss();
    let base = rss_kib();
    let t = Instant::now();
    let mut stream = sqlx::query("SELECT Id, Name, Qty FROM Items").fetch(&section.pool);
    let mut seen = 0_i64;
    while let Some(row) = stream.try_next().await? {
        let item = item::Model {
            id: row.try_get(0)?,
            name: row.try_get(1)?,
            qty: row.try_get(2)?,
        };
        std::hint::black_box(item);
        seen += 1;
    }
    drop(stream);
    measure(
        "sqlx-spanner (`query(..).fetch(&pool)`)",
        seen,
        t.elapsed(),
        base,
    );

    // SeaORM
    reset_peak_rss();
    let base = rss_kib();
    let t = Instant::now();
    let mut stream = item::Entity::find().stream(&db).await?;
    let mut seen = 0_i64;
    while let Some(model) = stream.next().await {
        std::hint::black_box(model?);
        seen += 1;
    }
    drop(stream);
    measure(
        "SeaORM (`Entity::find().stream(&db)`)",
        seen,
        t.elapsed(),
        base,
    );
    raw.close().await;
    out.push('\n');
    Ok(out)
}

/// Rows written by the bulk paths (one request or commit carries many rows).
const BULK_ROWS: i64 = 20_000;
/// Rows written by the one-statement-per-row paths: on the emulator every further DML
/// statement of a transaction costs more than the one before (see docs/fast-paths.md), so
/// 20k statements in one transaction would take the better part of an hour.
const DML_ROWS: i64 = 2_000;
const INSERT_SQL: &str = "INSERT INTO Items (Id, Name, Qty) VALUES (@p1, @p2, @p3)";

fn item_arguments(id: i64) -> Result<SpannerArguments, BoxError> {
    let mut row = SpannerArguments::default();
    row.add(id)?;
    row.add(format!("{id:0>100}"))?;
    row.add(id * 3)?;
    Ok(row)
}

fn item_model(id: i64) -> item::Model {
    item::Model {
        id,
        name: format!("{id:0>100}"),
        qty: id * 3,
    }
}

/// One insert path: its name, its row count and what writing them cost.
struct InsertRun {
    name: &'static str,
    rows: i64,
    elapsed: Duration,
    cpu: Duration,
    peak_growth_kib: u64,
}

/// Runs `write` on a fresh emulator with an empty table and checks every row arrived.
async fn insert_path<F, Fut>(name: &'static str, rows: i64, write: F) -> Result<InsertRun, BoxError>
where
    F: FnOnce(SpannerPool, SpannerDatabase) -> Fut,
    Fut: std::future::Future<Output = Result<(), BoxError>>,
{
    let section = Section::start(0, 1).await?;
    let db = section.seaorm();
    reset_peak_rss();
    let base = rss_kib();
    let (cpu, t) = (cpu_time(), Instant::now());
    write(section.pool.clone(), db).await?;
    let (elapsed, cpu) = (t.elapsed(), cpu_time() - cpu);
    let peak = peak_rss_kib();
    assert_eq!(section.count().await?, rows, "{name} wrote every row");
    Ok(InsertRun {
        name,
        rows,
        elapsed,
        cpu,
        peak_growth_kib: peak.saturating_sub(base),
    })
}

/// Inserts through every write path, each on a fresh emulator.
async fn inserts() -> Result<String, BoxError> {
    let mut runs = Vec::new();
    runs.push(
        insert_path(
            "sqlx: one `INSERT` per row in one transaction",
            DML_ROWS,
            |pool, _| async move {
                let mut tx = pool.begin().await?;
                for id in 0..DML_ROWS {
                    sqlx::query_with(INSERT_SQL, item_arguments(id)?)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            },
        )
        .await?,
    );
    runs.push(
        insert_path(
            "sqlx: `execute_batch` (batch DML, 1000 statements a call) in one transaction",
            DML_ROWS,
            |pool, _| async move {
                let mut tx = pool.begin().await?;
                for start in (0..DML_ROWS).step_by(1000) {
                    let batch = (start..start + 1000)
                        .map(|id| Ok((INSERT_SQL.to_string(), item_arguments(id)?)))
                        .collect::<Result<Vec<_>, BoxError>>()?;
                    tx.execute_batch(batch).await?;
                }
                tx.commit().await?;
                Ok(())
            },
        )
        .await?,
    );
    runs.push(
        insert_path(
            "SeaORM: `Entity::insert_many` of all rows",
            BULK_ROWS,
            |_, db| async move {
                let models = (0..BULK_ROWS).map(|id| {
                    let m = item_model(id);
                    item::ActiveModel {
                        id: Set(m.id),
                        name: Set(m.name),
                        qty: Set(m.qty),
                    }
                });
                item::Entity::insert_many(models).exec(&db).await?;
                Ok(())
            },
        )
        .await?,
    );
    runs.push(
        insert_path(
            "sqlx: mutations (`apply_mutations`, one commit)",
            BULK_ROWS,
            |pool, _| async move {
                let mut insert = Mutation::insert("Items", &["Id", "Name", "Qty"]);
                for id in 0..BULK_ROWS {
                    insert = insert.row(item_arguments(id)?);
                }
                let mut conn = pool.acquire().await?;
                conn.apply_mutations(vec![insert]).await?;
                Ok(())
            },
        )
        .await?,
    );
    runs.push(
        insert_path("sqlx: one `INSERT` per row, `auto_batch_dml` (sent as batch DML at commit and every 1000 statements)", DML_ROWS, |pool, _| async move {
            let mut conn = pool.acquire().await?;
            conn.set_auto_batch_dml(true);
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            for id in 0..DML_ROWS {
                sqlx::query_with(INSERT_SQL, item_arguments(id)?).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
        .await?,
    );
    runs.push(
        insert_path(
            "SeaORM: models as mutations (`orm::mutations::insert_many`)",
            BULK_ROWS,
            |_, db| async move {
                sea_query_spanner::orm::mutations::insert_many(&db, (0..BULK_ROWS).map(item_model))
                    .await?;
                Ok(())
            },
        )
        .await?,
    );
    let mut out = format!(
        "### Inserting rows (~120 bytes each)\n\n\
         Each path on a fresh emulator and an empty table; every row is counted afterwards. \
         Bulk paths write {BULK_ROWS} rows; paths that send one DML statement per row write \
         {DML_ROWS} in one transaction (the emulator's cost per statement grows with the \
         transaction, so their rows/s falls with more rows).\n\n\
         | path | rows | rows/s | process CPU per row | peak resident memory growth |\n|---|---|---|---|---|\n"
    );
    for run in &runs {
        out.push_str(&format!(
            "| {} | {} | {:.0} | {} | {} KiB |\n",
            run.name,
            run.rows,
            run.rows as f64 / run.elapsed.as_secs_f64(),
            us(run.cpu / run.rows as u32),
            run.peak_growth_kib,
        ));
    }
    out.push('\n');
    Ok(out)
}

/// `readers` tasks doing point reads on one pool of `readers` connections.
async fn concurrent_readers(readers: u32) -> Result<String, BoxError> {
    const READS_EACH: i64 = 40;
    let section = Section::start(POINT_ROWS, readers).await?;
    // Warm the pool so that connecting is not measured.
    let mut warm = Vec::new();
    for _ in 0..readers {
        warm.push(section.pool.acquire().await?);
    }
    drop(warm);
    let peak_in_use = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let sampler = {
        let options = section.options.clone();
        let peak = peak_in_use.clone();
        tokio::spawn(async move {
            loop {
                if let Some(status) = options.session_pool_status() {
                    peak.fetch_max(status.in_use, std::sync::atomic::Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let t = Instant::now();
    let mut tasks = Vec::new();
    for reader in 0..readers as i64 {
        let pool = section.pool.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..READS_EACH {
                let id = (reader * 31 + i * 7) % POINT_ROWS;
                let row = sqlx::query("SELECT Qty FROM Items WHERE Id = @p1")
                    .bind(id)
                    .fetch_one(&pool)
                    .await?;
                let qty: i64 = row.try_get(0)?;
                assert_eq!(qty, id * 3);
            }
            Ok::<_, sqlx::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let elapsed = t.elapsed();
    sampler.abort();
    let total = READS_EACH * readers as i64;
    let sessions = section
        .options
        .session_pool_status()
        .map(|s| s.idle + s.in_use)
        .unwrap_or(0);
    Ok(format!(
        "| {readers} | {total} | {:.0} | {} | {sessions} |\n",
        total as f64 / elapsed.as_secs_f64(),
        peak_in_use.load(std::sync::atomic::Ordering::Relaxed),
    ))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), BoxError> {
    let started = Instant::now();
    let mut body = String::new();
    body.push_str(&point_reads().await?);
    body.push_str(&scans(20_000).await?);
    body.push_str(&scans(200_000).await?);
    body.push_str(&inserts().await?);
    body.push_str(
        "### Concurrent readers on one pool\n\n\
         `sqlx::query(..).fetch_one(&pool)` point reads; the pool has as many connections as readers.\n\n\
         | readers | reads | reads/s | peak sessions in use | sessions in the pool after |\n|---|---|---|---|---|\n",
    );
    body.push_str(&concurrent_readers(8).await?);
    body.push_str(&concurrent_readers(32).await?);
    body.push('\n');
    let section = format!(
        "## Emulator suite: sqlx-spanner, gcloud-spanner and SeaORM side by side\n\n\
         Reproduce: `cargo run --release -p spanner-benchmarks --bin emulator_suite` (about {} min after the release build; \
         every subsection starts a fresh emulator, version 528; 2-core shared machine). The emulator \
         serves one request at a time and is far slower than Spanner, so these figures compare \
         the clients with each other on the same server; they are not Spanner's speed.\n\n{body}",
        started.elapsed().as_secs().div_ceil(60)
    );
    println!("{section}");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/benchmarks.md");
    spanner_benchmarks::report::write_section(
        std::path::Path::new(path),
        "emulator-suite",
        &section,
    )?;
    Ok(())
}
