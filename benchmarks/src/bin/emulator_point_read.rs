//! Point-read latency on a fresh emulator: a bare gRPC call of the statement against
//! sqlx-spanner (and gcloud-spanner) running the same statement, in alternating rounds.
//!
//! `cargo run --release -p spanner-benchmarks --bin emulator_point_read` (rewrites the
//! `emulator-point-read` section of docs/benchmarks.md; `--no-write` prints only).
//!
//! The emulator is started the way the test harness does (`sqlx_spanner::emulator`), 1000
//! rows are loaded with mutations, then each client reads `SELECT Name, Qty FROM Items WHERE
//! Id = @p1` by key, one at a time. Rounds alternate so that the emulator slowing down over
//! time affects every client alike.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use gcloud_googleapis::spanner::v1::{
    spanner_client::SpannerClient as GrpcClient, CreateSessionRequest, ExecuteSqlRequest, Type,
    TypeCode,
};
use hdrhistogram::Histogram;
use prost_types::value::Kind;
use spanner_benchmarks::measure::process_cpu;
use spanner_benchmarks::report::write_section;
use spanner_benchmarks::requests::single_use_strong;
use sqlx::Row;
use sqlx_spanner::emulator::Emulator;
use sqlx_spanner::{Mutation, SpannerArguments, SpannerConnectOptions, SpannerPoolOptions};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const SQL: &str = "SELECT Name, Qty FROM Items WHERE Id = @p1";
const ROWS: i64 = 1000;
const ROUNDS: usize = 6;
const READS_PER_ROUND: i64 = 200;
const OP_LIMIT: Duration = Duration::from_secs(30);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Which {
    Bare,
    Sqlx,
    Gcloud,
}

impl Which {
    fn label(self) -> &'static str {
        match self {
            Which::Bare => "bare gRPC call (tonic, one channel, one session)",
            Which::Sqlx => "sqlx-spanner `sqlx::query(..).bind(..).fetch_one(&pool)`",
            Which::Gcloud => "gcloud-spanner `client.single()` + `query`",
        }
    }
}

struct Stats {
    wall: Histogram<u64>,
    total_wall: Duration,
    cpu: Duration,
    reads: u64,
}

impl Stats {
    fn new() -> Result<Stats, BoxError> {
        Ok(Stats {
            wall: Histogram::new_with_bounds(1, 100_000_000, 3)?,
            total_wall: Duration::ZERO,
            cpu: Duration::ZERO,
            reads: 0,
        })
    }
}

async fn bare_read(
    client: &mut GrpcClient<tonic::transport::Channel>,
    session: &str,
    id: i64,
) -> Result<i64, BoxError> {
    let request = ExecuteSqlRequest {
        session: session.to_string(),
        transaction: Some(single_use_strong()),
        sql: SQL.to_string(),
        params: Some(prost_types::Struct {
            fields: [(
                "p1".to_string(),
                prost_types::Value {
                    kind: Some(Kind::StringValue(id.to_string())),
                },
            )]
            .into(),
        }),
        param_types: [(
            "p1".to_string(),
            Type {
                code: TypeCode::Int64 as i32,
                ..Type::default()
            },
        )]
        .into(),
        ..ExecuteSqlRequest::default()
    };
    let mut stream = client.execute_streaming_sql(request).await?.into_inner();
    let mut values = Vec::new();
    while let Some(part) = stream.message().await? {
        values.extend(part.values);
    }
    match values.get(1).and_then(|v| v.kind.as_ref()) {
        Some(Kind::StringValue(s)) => Ok(s.parse()?),
        _ => Err("no row".into()),
    }
}

async fn run() -> Result<String, BoxError> {
    let emulator = Emulator::start()?;
    let options = SpannerConnectOptions::new()
        .emulator_host(emulator.host())
        .database("bench")
        .create_if_missing(true);
    let pool = SpannerPoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await?;
    {
        let mut conn = pool.acquire().await?;
        conn.execute_ddl([
            "CREATE TABLE Items (Id INT64 NOT NULL, Name STRING(MAX), Qty INT64) PRIMARY KEY (Id)",
        ])
        .await?;
        let mut insert = Mutation::insert("Items", &["Id", "Name", "Qty"]);
        for id in 0..ROWS {
            let mut row = SpannerArguments::default();
            row.add(id)?;
            row.add(format!("item-{id}"))?;
            row.add(id * 3)?;
            insert = insert.row(row);
        }
        conn.apply_mutations(vec![insert]).await?;
    }

    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", emulator.host()))?
        .connect()
        .await?;
    let mut bare = GrpcClient::new(channel);
    let session = bare
        .create_session(CreateSessionRequest {
            database: options.database_path(),
            session: None,
        })
        .await?
        .into_inner()
        .name;

    std::env::set_var("SPANNER_EMULATOR_HOST", emulator.host());
    let gcloud = gcloud_spanner::client::Client::new(
        options.database_path(),
        gcloud_spanner::client::ClientConfig::default(),
    )
    .await?;

    let clients = [Which::Bare, Which::Sqlx, Which::Gcloud];
    let mut stats = Vec::new();
    for _ in clients {
        stats.push(Stats::new()?);
    }
    // Round 0 is a warm-up.
    for round in 0..=ROUNDS {
        for (which, stats) in clients.iter().zip(stats.iter_mut()) {
            let (cpu0, t0) = (process_cpu(), Instant::now());
            for i in 0..READS_PER_ROUND {
                let id = (i * 7 + round as i64) % ROWS;
                let start = Instant::now();
                let qty = tokio::time::timeout(OP_LIMIT, async {
                    Ok::<i64, BoxError>(match which {
                        Which::Bare => bare_read(&mut bare, &session, id).await?,
                        Which::Sqlx => sqlx::query(SQL)
                            .bind(id)
                            .fetch_one(&pool)
                            .await?
                            .try_get::<i64, _>(1)?,
                        Which::Gcloud => {
                            let mut stmt = gcloud_spanner::statement::Statement::new(SQL);
                            stmt.add_param("p1", &id);
                            let mut tx = gcloud.single().await?;
                            let mut rows = tx.query(stmt).await?;
                            rows.next().await?.ok_or("no row")?.column::<i64>(1)?
                        }
                    })
                })
                .await
                .map_err(|_| "a read did not finish within the limit")??;
                if qty != id * 3 {
                    return Err(format!("{which:?} read a wrong row").into());
                }
                if round > 0 {
                    stats
                        .wall
                        .saturating_record(u64::try_from(start.elapsed().as_micros())?.max(1));
                }
            }
            if round > 0 {
                stats.cpu += process_cpu() - cpu0;
                stats.total_wall += t0.elapsed();
                stats.reads += READS_PER_ROUND as u64;
            }
        }
    }

    let bare_mean = stats[0].total_wall.as_secs_f64() / stats[0].reads.max(1) as f64;
    let mut out = String::from(
        "## Point reads on the emulator: bare gRPC call vs the drivers\n\n\
         Reproduce: `cargo run --release -p spanner-benchmarks --bin emulator_point_read` \
         (rewrites this section). A fresh emulator (started as the test harness does), 1000 \
         rows loaded with mutations, `SELECT Name, Qty FROM Items WHERE Id = @p1` by key, one \
         read at a time, ",
    );
    out.push_str(&format!(
        "{ROUNDS} counted rounds of {READS_PER_ROUND} reads per client after a warm-up round, \
         clients alternating round by round. CPU is this process's CPU clock per read (the \
         emulator is another process).\n\n\
         | client | wall mean | × bare | wall p50 | wall p99 | client CPU / read |\n\
         |---|---|---|---|---|---|\n"
    ));
    for (which, s) in clients.iter().zip(&stats) {
        let mean = s.total_wall.as_secs_f64() / s.reads.max(1) as f64;
        out.push_str(&format!(
            "| {} | {:.0} µs | {:.2} | {} µs | {} µs | {:.0} µs |\n",
            which.label(),
            mean * 1e6,
            mean / bare_mean,
            s.wall.value_at_quantile(0.5),
            s.wall.value_at_quantile(0.99),
            s.cpu.as_secs_f64() * 1e6 / s.reads.max(1) as f64,
        ));
    }
    Ok(out)
}

fn main() -> Result<(), BoxError> {
    let write = !std::env::args().any(|a| a == "--no-write");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let text = runtime.block_on(run())?;
    println!("{text}");
    if write {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/benchmarks.md");
        write_section(&path, "emulator-point-read", &text)?;
        eprintln!(
            "wrote the emulator-point-read section of {}",
            path.display()
        );
    }
    Ok(())
}
