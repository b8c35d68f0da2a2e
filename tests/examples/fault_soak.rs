//! Fault soak: writers commit rows through one pool while faults are injected into a real
//! emulator process and the network path to it; afterwards every write whose commit
//! returned `Ok` is read back. Prints a markdown table for docs/reliability.md.
//!
//! ```text
//! cargo run -p spanner-tests --example fault_soak --release -- [cycles]
//! ```

#![recursion_limit = "256"]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use spanner_tests::fault::{FaultProxy, FaultyEmulator};
use sqlx::{ConnectOptions, Connection};
use sqlx_spanner::{spanner_code, SpannerConnectOptions, SpannerConnection, SpannerPool};

const BOUND: Duration = Duration::from_secs(30);
const WRITERS: usize = 4;
const ITEMS: &str = "CREATE TABLE Items (Id INT64 NOT NULL, Payload STRING(MAX)) PRIMARY KEY (Id)";

#[derive(Default)]
struct Tally {
    attempted: AtomicU64,
    committed: Mutex<BTreeSet<i64>>,
    errors: Mutex<BTreeMap<String, u64>>,
    hangs: AtomicU64,
}

async fn create_schema(options: &SpannerConnectOptions) {
    let fresh: SpannerConnectOptions = options
        .to_url_lossy()
        .as_str()
        .parse()
        .expect("options round-trip");
    let mut conn = SpannerConnection::connect_with(&fresh.create_if_missing(true))
        .await
        .expect("connect for schema");
    conn.execute_ddl([ITEMS]).await.expect("schema");
    conn.close().await.expect("close");
}

async fn write_one(pool: &SpannerPool, id: i64, explicit: bool) -> Result<(), sqlx::Error> {
    if explicit {
        let mut tx = pool.begin().await?;
        sqlx::query("INSERT INTO Items (Id, Payload) VALUES (@p1, 'tx')")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    } else {
        let mut conn = pool.acquire().await?;
        sqlx::query("INSERT INTO Items (Id, Payload) VALUES (@p1, 'auto')")
            .bind(id)
            .execute(&mut *conn)
            .await
            .map(|_| ())
    }
}

/// Reads back the committed ids; returns how many are missing (lost writes).
async fn lost_writes(pool: &SpannerPool, tally: &Tally) -> usize {
    let expected = tally
        .committed
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let start = Instant::now();
    loop {
        match sqlx::query_scalar::<_, i64>("SELECT Id FROM Items")
            .fetch_all(pool)
            .await
        {
            Ok(ids) => {
                let present: BTreeSet<i64> = ids.into_iter().collect();
                return expected.difference(&present).count();
            }
            Err(error) if start.elapsed() < BOUND => {
                eprintln!("read-back failed, retrying: {error}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => panic!("cannot read back: {error}"),
        }
    }
}

#[tokio::main]
async fn main() {
    let cycles: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(12);
    let mut emulator = FaultyEmulator::start();
    let proxy = FaultProxy::start(emulator.host()).await;
    let options = SpannerConnectOptions::new()
        .emulator_host(proxy.host())
        .project("soak")
        .instance("soak")
        .database("soak")
        .create_if_missing(true)
        .rpc_timeout(Duration::from_secs(5))
        .statement_timeout(Duration::from_secs(10))
        .keepalive_interval(Some(Duration::from_secs(1)))
        .keepalive_timeout(Duration::from_secs(1))
        .session_maintenance_interval(Duration::from_millis(500));
    create_schema(&options).await;
    let pool = sqlx_spanner::SpannerPoolOptions::new()
        .max_connections(WRITERS as u32 + 1)
        .acquire_timeout(Duration::from_secs(20))
        .connect_with(options.clone())
        .await
        .expect("pool");

    let tally = Arc::new(Tally::default());
    let next_id = Arc::new(AtomicI64::new(1));
    let running = Arc::new(AtomicBool::new(true));
    let paused = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let (pool, tally, next_id, running, paused) = (
            pool.clone(),
            tally.clone(),
            next_id.clone(),
            running.clone(),
            paused.clone(),
        );
        writers.push(tokio::spawn(async move {
            let mut n = 0u64;
            while running.load(Ordering::SeqCst) {
                if paused.load(Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
                n += 1;
                let id = next_id.fetch_add(1, Ordering::SeqCst);
                tally.attempted.fetch_add(1, Ordering::SeqCst);
                let explicit = (n + writer as u64).is_multiple_of(2);
                match tokio::time::timeout(BOUND, write_one(&pool, id, explicit)).await {
                    Ok(Ok(())) => {
                        tally
                            .committed
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(id);
                    }
                    Ok(Err(error)) => {
                        let code = spanner_code(&error)
                            .map(|c| c.as_str().to_string())
                            .unwrap_or_else(|| "driver".to_string());
                        if code != "ABORTED" {
                            eprintln!("writer error {code}: {error}");
                        }
                        *tally
                            .errors
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .entry(code)
                            .or_default() += 1;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    Err(_) => {
                        tally.hangs.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        }));
    }

    let started = Instant::now();
    let mut faults: BTreeMap<&str, u64> = BTreeMap::new();
    let mut lost = 0usize;
    for cycle in 0..cycles {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let fault = ["sigstop", "cut", "stall", "kill-restart"][cycle % 4];
        *faults.entry(fault).or_default() += 1;
        match fault {
            "sigstop" => {
                emulator.pause();
                tokio::time::sleep(Duration::from_secs(3)).await;
                emulator.resume();
            }
            "cut" => proxy.cut(),
            "stall" => {
                proxy.stall(true);
                tokio::time::sleep(Duration::from_secs(3)).await;
                proxy.stall(false);
            }
            _ => {
                // Everything committed so far is checked before the data is lost.
                paused.store(true, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(1)).await;
                lost += lost_writes(&pool, &tally).await;
                emulator.restart();
                create_schema(&options).await;
                tally
                    .committed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clear();
                paused.store(false, Ordering::SeqCst);
            }
        }
        eprintln!("cycle {cycle}: {fault}");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    running.store(false, Ordering::SeqCst);
    for writer in writers {
        let _ = writer.await;
    }
    lost += lost_writes(&pool, &tally).await;
    // Sessions still checked out once all work ended (given the background cleanup a
    // moment to finish).
    let mut leaked = usize::MAX;
    let settle = Instant::now();
    while settle.elapsed() < BOUND {
        let status = options.session_pool_status().expect("pool status");
        leaked = status.in_use;
        if leaked == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let elapsed = started.elapsed();
    let errors = tally
        .errors
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let fault_list: Vec<String> = faults.iter().map(|(k, v)| format!("{k} x{v}")).collect();
    let error_list: Vec<String> = errors.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!("| measure | value |");
    println!("|---|---|");
    println!("| duration | {:.0} s |", elapsed.as_secs_f64());
    println!(
        "| faults injected | {} ({}) |",
        cycles,
        fault_list.join(", ")
    );
    println!(
        "| writes attempted ({WRITERS} writers, autocommit and explicit transactions) | {} |",
        tally.attempted.load(Ordering::SeqCst)
    );
    println!(
        "| errors returned to writers | {} ({}) |",
        errors.values().sum::<u64>(),
        error_list.join(", ")
    );
    println!("| lost committed writes | {lost} |");
    println!(
        "| hangs (an operation over {} s) | {} |",
        BOUND.as_secs(),
        tally.hangs.load(Ordering::SeqCst)
    );
    println!("| sessions still checked out at the end | {leaked} |");
}
