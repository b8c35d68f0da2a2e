//! The client-overhead floor: four clients side by side on one in-process Spanner stub
//! server (no database), measuring what each client itself costs per operation.
//!
//! `cargo run --release -p spanner-benchmarks --bin floor` (rewrites the `floor` section of
//! docs/benchmarks.md; `--quick` runs a tenth of the operations and writes nothing;
//! `--no-write` prints only).
//!
//! Clients: a bare tonic call of the same RPC (gcloud-googleapis' generated client on one
//! channel and a pre-created session: the floor), gcloud-spanner's `Client`,
//! sqlx-spanner (`sqlx::query(..).bind(..)` on a pool) and SeaORM through
//! sea-query-spanner's `SpannerDatabase`. Workloads: point reads, 10k-row scans, DML in an
//! open transaction, and whole transactions (begin, one DML, commit). Rounds alternate
//! between the clients; the first round of each workload is a warm-up and not counted.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use gcloud_googleapis::spanner::v1::{
    spanner_client::SpannerClient as GrpcClient, transaction_options, transaction_selector,
    BeginTransactionRequest, CommitRequest, CreateSessionRequest, ExecuteSqlRequest,
    TransactionOptions, TransactionSelector, Type, TypeCode,
};
use prost_types::value::Kind;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sea_query_spanner::orm::SpannerDatabase;
use spanner_benchmarks::measure::{CountingAllocator, Measurement, Snapshot, StubThread};
use spanner_benchmarks::report::write_section;
use spanner_benchmarks::requests::single_use_strong;
use spanner_benchmarks::stub::StubConfig;
use sqlx::Row;
use sqlx_spanner::{SpannerConnectOptions, SpannerPool, SpannerPoolOptions};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const POINT_SQL: &str = "SELECT Id, Name, Qty FROM Items WHERE Id = @p1";
const SCAN_SQL: &str = "SELECT Id, Name, Qty FROM Items";
const UPDATE_SQL: &str = "UPDATE Items SET Qty = @p1 WHERE Id = @p2";
const SCAN_ROWS: usize = 10_000;
const DATABASE: &str = "projects/bench/instances/bench/databases/bench";
/// Any single operation taking longer than this is a hang: the bench fails.
const OP_LIMIT: Duration = Duration::from_secs(30);

/// The SeaORM entity of the stub's table.
mod items {
    use sea_orm::entity::prelude::*;

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Workload {
    PointRead,
    Scan,
    DmlInTransaction,
    Transaction,
}

impl Workload {
    fn title(self) -> &'static str {
        match self {
            Workload::PointRead => "Point read (`SELECT .. WHERE Id = @p1`, one row)",
            Workload::Scan => "Scan of 10,000 rows (3 columns, decoded into values)",
            Workload::DmlInTransaction => "DML in an open read-write transaction (one UPDATE)",
            Workload::Transaction => "Read-write transaction: begin, one UPDATE, commit",
        }
    }

    /// Operations per client per round.
    fn ops(self) -> u64 {
        match self {
            Workload::PointRead => 2000,
            Workload::Scan => 20,
            Workload::DmlInTransaction => 2000,
            Workload::Transaction => 1000,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    Bare,
    Gcloud,
    Sqlx,
    SeaOrm,
}

impl Which {
    const ALL: [Which; 4] = [Which::Bare, Which::Gcloud, Which::Sqlx, Which::SeaOrm];

    fn label(self) -> &'static str {
        match self {
            Which::Bare => "bare tonic call (floor)",
            Which::Gcloud => "gcloud-spanner `Client`",
            Which::Sqlx => "sqlx-spanner `sqlx::query`",
            Which::SeaOrm => "SeaORM via sea-query-spanner",
        }
    }
}

struct Clients {
    bare: GrpcClient<tonic::transport::Channel>,
    bare_session: String,
    gcloud: gcloud_spanner::client::Client,
    pool: SpannerPool,
    orm: SpannerDatabase,
}

/// An open read-write transaction of one client (for the DML workload).
enum OpenTx {
    Bare { id: Vec<u8>, seqno: i64 },
    Gcloud(Box<gcloud_spanner::transaction_rw::ReadWriteTransaction>),
    Sqlx(sqlx::Transaction<'static, sqlx_spanner::Spanner>),
    SeaOrm(sea_query_spanner::orm::SpannerDatabaseTransaction),
}

fn int64_type() -> Type {
    Type {
        code: TypeCode::Int64 as i32,
        ..Type::default()
    }
}

fn int_value(v: i64) -> prost_types::Value {
    prost_types::Value {
        kind: Some(Kind::StringValue(v.to_string())),
    }
}

fn parse_int(v: &prost_types::Value) -> Result<i64, BoxError> {
    match &v.kind {
        Some(Kind::StringValue(s)) => Ok(s.parse()?),
        _ => Err("not an INT64".into()),
    }
}

fn read_write_options() -> TransactionOptions {
    TransactionOptions {
        mode: Some(transaction_options::Mode::ReadWrite(
            transaction_options::ReadWrite::default(),
        )),
        ..TransactionOptions::default()
    }
}

fn params(
    values: &[(&str, i64)],
) -> (prost_types::Struct, std::collections::HashMap<String, Type>) {
    let fields = values
        .iter()
        .map(|(name, v)| (name.to_string(), int_value(*v)))
        .collect();
    let types = values
        .iter()
        .map(|(name, _)| (name.to_string(), int64_type()))
        .collect();
    (prost_types::Struct { fields }, types)
}

impl Clients {
    async fn bare_streaming(
        &mut self,
        request: ExecuteSqlRequest,
    ) -> Result<Vec<prost_types::Value>, BoxError> {
        let mut stream = self.bare.execute_streaming_sql(request).await?.into_inner();
        let mut values = Vec::new();
        while let Some(part) = stream.message().await? {
            values.extend(part.values);
        }
        Ok(values)
    }

    async fn bare_update(&mut self, tx: &[u8], seqno: i64, id: i64) -> Result<(), BoxError> {
        let (params, param_types) = params(&[("p1", id * 5), ("p2", id)]);
        let request = ExecuteSqlRequest {
            session: self.bare_session.clone(),
            transaction: Some(TransactionSelector {
                selector: Some(transaction_selector::Selector::Id(tx.to_vec())),
            }),
            sql: UPDATE_SQL.to_string(),
            params: Some(params),
            param_types,
            seqno,
            ..ExecuteSqlRequest::default()
        };
        let result = self.bare.execute_sql(request).await?.into_inner();
        if result.stats.is_none() {
            return Err("no DML statistics".into());
        }
        Ok(())
    }

    async fn bare_begin(&mut self) -> Result<Vec<u8>, BoxError> {
        let tx = self
            .bare
            .begin_transaction(BeginTransactionRequest {
                session: self.bare_session.clone(),
                options: Some(read_write_options()),
                ..BeginTransactionRequest::default()
            })
            .await?
            .into_inner();
        Ok(tx.id)
    }

    async fn bare_commit(&mut self, tx: Vec<u8>) -> Result<(), BoxError> {
        let response = self
            .bare
            .commit(CommitRequest {
                session: self.bare_session.clone(),
                transaction: Some(
                    gcloud_googleapis::spanner::v1::commit_request::Transaction::TransactionId(tx),
                ),
                ..CommitRequest::default()
            })
            .await?
            .into_inner();
        if response.commit_timestamp.is_none() {
            return Err("no commit timestamp".into());
        }
        Ok(())
    }

    async fn point_read(&mut self, which: Which, id: i64) -> Result<(), BoxError> {
        let qty = match which {
            Which::Bare => {
                let (params, param_types) = params(&[("p1", id)]);
                let request = ExecuteSqlRequest {
                    session: self.bare_session.clone(),
                    transaction: Some(single_use_strong()),
                    sql: POINT_SQL.to_string(),
                    params: Some(params),
                    param_types,
                    ..ExecuteSqlRequest::default()
                };
                let values = self.bare_streaming(request).await?;
                parse_int(values.get(2).ok_or("no row")?)?
            }
            Which::Gcloud => {
                let mut stmt = gcloud_spanner::statement::Statement::new(POINT_SQL);
                stmt.add_param("p1", &id);
                let mut tx = self.gcloud.single().await?;
                let mut rows = tx.query(stmt).await?;
                let row = rows.next().await?.ok_or("no row")?;
                row.column_by_name::<i64>("Qty")?
            }
            Which::Sqlx => {
                let row = sqlx::query(POINT_SQL)
                    .bind(id)
                    .fetch_one(&self.pool)
                    .await?;
                row.try_get::<i64, _>("Qty")?
            }
            Which::SeaOrm => {
                items::Entity::find_by_id(id)
                    .one(&self.orm)
                    .await?
                    .ok_or("no row")?
                    .qty
            }
        };
        if qty != id * 3 {
            return Err(format!("{which:?}: wrong row for {id}").into());
        }
        Ok(())
    }

    async fn scan(&mut self, which: Which) -> Result<(), BoxError> {
        let mut sum = 0_i64;
        let mut rows = 0_usize;
        match which {
            Which::Bare => {
                let request = ExecuteSqlRequest {
                    session: self.bare_session.clone(),
                    transaction: Some(single_use_strong()),
                    sql: SCAN_SQL.to_string(),
                    ..ExecuteSqlRequest::default()
                };
                let mut stream = self.bare.execute_streaming_sql(request).await?.into_inner();
                while let Some(part) = stream.message().await? {
                    for row in part.values.chunks(3) {
                        sum += parse_int(&row[0])?;
                        if let Some(Kind::StringValue(name)) = &row[1].kind {
                            sum += i64::try_from(name.len())?;
                        }
                        sum += parse_int(&row[2])?;
                        rows += 1;
                    }
                }
            }
            Which::Gcloud => {
                let mut tx = self.gcloud.single().await?;
                let mut iter = tx
                    .query(gcloud_spanner::statement::Statement::new(SCAN_SQL))
                    .await?;
                while let Some(row) = iter.next().await? {
                    sum += row.column::<i64>(0)?;
                    sum += i64::try_from(row.column::<String>(1)?.len())?;
                    sum += row.column::<i64>(2)?;
                    rows += 1;
                }
            }
            Which::Sqlx => {
                let mut stream = sqlx::query(SCAN_SQL).fetch(&self.pool);
                while let Some(row) = stream.try_next().await? {
                    sum += row.try_get::<i64, _>(0)?;
                    sum += i64::try_from(row.try_get::<String, _>(1)?.len())?;
                    sum += row.try_get::<i64, _>(2)?;
                    rows += 1;
                }
            }
            Which::SeaOrm => {
                for model in items::Entity::find().all(&self.orm).await? {
                    sum += model.id + i64::try_from(model.name.len())? + model.qty;
                    rows += 1;
                }
            }
        }
        if rows != SCAN_ROWS || sum == 0 {
            return Err(format!("{which:?}: scanned {rows} rows").into());
        }
        Ok(())
    }

    async fn begin(&mut self, which: Which) -> Result<OpenTx, BoxError> {
        Ok(match which {
            Which::Bare => OpenTx::Bare {
                id: self.bare_begin().await?,
                seqno: 0,
            },
            Which::Gcloud => {
                OpenTx::Gcloud(Box::new(self.gcloud.begin_read_write_transaction().await?))
            }
            Which::Sqlx => OpenTx::Sqlx(self.pool.begin().await?),
            Which::SeaOrm => OpenTx::SeaOrm(self.orm.begin().await?),
        })
    }

    async fn update(&mut self, tx: &mut OpenTx, id: i64) -> Result<(), BoxError> {
        let affected = match tx {
            OpenTx::Bare { id: tx, seqno } => {
                *seqno += 1;
                let tx = tx.clone();
                self.bare_update(&tx, *seqno, id).await?;
                1
            }
            OpenTx::Gcloud(tx) => {
                let mut stmt = gcloud_spanner::statement::Statement::new(UPDATE_SQL);
                stmt.add_param("p1", &(id * 5));
                stmt.add_param("p2", &id);
                u64::try_from(tx.update(stmt).await?)?
            }
            OpenTx::Sqlx(tx) => sqlx::query(UPDATE_SQL)
                .bind(id * 5)
                .bind(id)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            OpenTx::SeaOrm(tx) => {
                items::Entity::update_many()
                    .col_expr(items::Column::Qty, sea_orm::sea_query::Expr::value(id * 5))
                    .filter(items::Column::Id.eq(id))
                    .exec(&*tx)
                    .await?
                    .rows_affected
            }
        };
        if affected != 1 {
            return Err("DML affected no row".into());
        }
        Ok(())
    }

    async fn commit(&mut self, tx: OpenTx) -> Result<(), BoxError> {
        match tx {
            OpenTx::Bare { id, .. } => self.bare_commit(id).await?,
            OpenTx::Gcloud(mut tx) => {
                tx.end(Ok::<(), gcloud_spanner::client::Error>(()), None)
                    .await?;
            }
            OpenTx::Sqlx(tx) => tx.commit().await?,
            OpenTx::SeaOrm(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

async fn timed<F, T>(what: &str, op: F) -> Result<T, BoxError>
where
    F: std::future::Future<Output = Result<T, BoxError>>,
{
    tokio::time::timeout(OP_LIMIT, op)
        .await
        .map_err(|_| format!("{what} did not finish within {OP_LIMIT:?}"))?
}

/// One round of `workload` on one client, `ops` operations, added to `m` when counted.
async fn round(
    clients: &mut Clients,
    stub: &StubThread,
    workload: Workload,
    which: Which,
    ops: u64,
    round: u64,
    m: Option<&mut Measurement>,
) -> Result<(), BoxError> {
    let mut walls = Vec::with_capacity(usize::try_from(ops)?);
    let mut open = match workload {
        Workload::DmlInTransaction => Some(timed("begin", clients.begin(which)).await?),
        _ => None,
    };
    let before = Snapshot::take(stub);
    for i in 0..ops {
        let id = i64::try_from((i * 7 + round) % 1000 + 1)?;
        let start = Instant::now();
        match workload {
            Workload::PointRead => timed("point read", clients.point_read(which, id)).await?,
            Workload::Scan => timed("scan", clients.scan(which)).await?,
            Workload::DmlInTransaction => {
                let tx = open.as_mut().ok_or("no transaction")?;
                timed("DML", clients.update(tx, id)).await?
            }
            Workload::Transaction => {
                timed("transaction", async {
                    let mut tx = clients.begin(which).await?;
                    clients.update(&mut tx, id).await?;
                    clients.commit(tx).await
                })
                .await?
            }
        }
        walls.push(start.elapsed());
    }
    let after = Snapshot::take(stub);
    if let Some(tx) = open.take() {
        timed("commit", clients.commit(tx)).await?;
    }
    if let Some(m) = m {
        m.add(before, after, ops);
        for wall in walls {
            m.record_wall(wall);
        }
    }
    Ok(())
}

async fn connect(host: &str) -> Result<Clients, BoxError> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{host}"))?
        .tcp_nodelay(true)
        .connect()
        .await?;
    let mut bare = GrpcClient::new(channel);
    let bare_session = bare
        .create_session(CreateSessionRequest {
            database: DATABASE.to_string(),
            session: None,
        })
        .await?
        .into_inner()
        .name;

    // gcloud-spanner reads the emulator host from the environment, as applications do.
    std::env::set_var("SPANNER_EMULATOR_HOST", host);
    let gcloud = gcloud_spanner::client::Client::new(
        DATABASE,
        gcloud_spanner::client::ClientConfig::default(),
    )
    .await?;

    let options = SpannerConnectOptions::new()
        .emulator_host(host)
        .project("bench")
        .instance("bench")
        .database("bench");
    let pool = SpannerPoolOptions::new()
        .max_connections(4)
        .connect_with(options.clone())
        .await?;
    let orm_pool = SpannerPoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    let orm = SpannerDatabase::from_pool(orm_pool);
    orm.register_entity::<items::Entity>();
    Ok(Clients {
        bare,
        bare_session,
        gcloud,
        pool,
        orm,
    })
}

struct Results {
    workload: Workload,
    per_client: Vec<(Which, Measurement)>,
}

async fn run(stub: &StubThread, scale: f64, rounds: u64) -> Result<Vec<Results>, BoxError> {
    let mut clients = connect(&stub.server.host()).await?;
    let mut results = Vec::new();
    for workload in [
        Workload::PointRead,
        Workload::Scan,
        Workload::DmlInTransaction,
        Workload::Transaction,
    ] {
        let ops = ((workload.ops() as f64 * scale) as u64).max(2);
        let mut per_client: Vec<(Which, Measurement)> = Which::ALL
            .iter()
            .map(|w| (*w, Measurement::new()))
            .collect();
        // Round 0 warms up every client (connections, sessions, caches) and is not counted.
        for r in 0..=rounds {
            for (which, m) in per_client.iter_mut() {
                let counted = (r > 0).then_some(m);
                round(&mut clients, stub, workload, *which, ops, r, counted).await?;
            }
        }
        eprintln!("{workload:?} done");
        results.push(Results {
            workload,
            per_client,
        });
    }
    Ok(results)
}

fn render(results: &[Results], rounds: u64, scale: f64) -> String {
    let mut out = String::new();
    out.push_str(
        "## Client-overhead floor (stub server, no database)\n\n\
         Reproduce: `cargo run --release -p spanner-benchmarks --bin floor` (rewrites this \
         section).\n\n\
         Every client talks to the same in-process Spanner stub server \
         (`benchmarks/src/stub.rs`: canned answers, plaintext HTTP/2 on 127.0.0.1, reached \
         as an emulator host). The stub runs on its own thread with a single-threaded tokio \
         runtime; the clients run on a 2-worker tokio runtime. **Client CPU** is the \
         process CPU clock minus the stub thread's CPU clock (both nanosecond clocks), so it \
         is what the client side costs: the driver, the gRPC/HTTP/2 stack, the runtime. \
         **Allocations** are counted by a global counting allocator on every thread but the \
         stub's. **Wall** p50/p99 come from an HDR histogram of each operation's latency \
         (loopback, no database: they show client latency, not Spanner's). **RPCs** is \
         what the stub received per operation. Rounds alternate between the clients, the \
         first round of each workload is a warm-up.\n\n",
    );
    out.push_str(&format!(
        "Measured {rounds} counted rounds per client (operations per round: point reads \
         {}, scans {}, DML {}, transactions {}). The machine has 2 cores shared with other \
         work, so figures vary by roughly ±15% between runs; the ratios of one run are \
         comparable.\n\n",
        (2000.0 * scale) as u64,
        (20.0 * scale) as u64,
        (2000.0 * scale) as u64,
        (1000.0 * scale) as u64
    ));
    for r in results {
        out.push_str(&format!("### {}\n\n", r.workload.title()));
        out.push_str(
            "| client | client CPU / op | × floor | wall p50 | wall p99 | allocations / op | bytes / op | RPCs / op | stub CPU / op |\n\
             |---|---|---|---|---|---|---|---|---|\n",
        );
        let floor = r
            .per_client
            .iter()
            .find(|(w, _)| *w == Which::Bare)
            .map(|(_, m)| m.cpu_per_op_us())
            .unwrap_or(1.0);
        for (which, m) in &r.per_client {
            out.push_str(&format!(
                "| {} | {:.1} µs | {:.2} | {} µs | {} µs | {:.0} | {:.0} | {:.2} | {:.1} µs |\n",
                which.label(),
                m.cpu_per_op_us(),
                m.cpu_per_op_us() / floor,
                m.wall_us.value_at_quantile(0.5),
                m.wall_us.value_at_quantile(0.99),
                m.allocations_per_op(),
                m.bytes_per_op(),
                m.rpcs_per_op(),
                m.stub_cpu_per_op_us(),
            ));
        }
        out.push('\n');
    }
    out
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let write = !quick && !args.iter().any(|a| a == "--no-write");
    let (scale, rounds) = if quick { (0.1, 1) } else { (1.0, 5) };

    let stub = StubThread::start(StubConfig {
        scan_rows: SCAN_ROWS,
        rows_per_part: 500,
        grant_multiplexed: true,
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let results = runtime.block_on(run(&stub, scale, rounds))?;
    let text = render(&results, rounds, scale);
    println!("{text}");
    if write {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/benchmarks.md");
        write_section(&path, "floor", &text)?;
        eprintln!("wrote the floor section of {}", path.display());
    }
    Ok(())
}
