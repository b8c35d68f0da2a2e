//! What a benchmark measures per operation: client CPU time, wall time (p50/p99), and
//! allocations, with the in-process stub server's own share taken out.
//!
//! - **CPU**: the process's CPU clock (`CLOCK_PROCESS_CPUTIME_ID`, nanoseconds, every thread)
//!   minus the CPU clock of the thread that runs the stub server (its own single-threaded
//!   tokio runtime, [`StubThread`]). What remains is the client: its runtime's worker
//!   threads, its gRPC stack, the driver.
//! - **Allocations**: [`CountingAllocator`] counts allocations and allocated bytes of every
//!   thread except the stub's (the stub thread marks itself in a thread-local flag).
//! - **Wall time**: each operation is timed and recorded in an HDR histogram (µs).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::stub::{StubConfig, StubServer};

thread_local! {
    static NOT_COUNTED: Cell<bool> = const { Cell::new(false) };
}

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static ALLOCATED_BYTES: AtomicU64 = AtomicU64::new(0);

/// A global allocator over the system allocator that counts allocations (and their bytes)
/// of every thread but the stub server's. Install it in a bench binary with
/// `#[global_allocator] static A: CountingAllocator = CountingAllocator;`.
pub struct CountingAllocator;

impl CountingAllocator {
    fn count(size: usize) {
        // `try_with`: during thread teardown the flag may be gone; count then.
        let skip = NOT_COUNTED.try_with(Cell::get).unwrap_or(false);
        if !skip {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            ALLOCATED_BYTES.fetch_add(size as u64, Ordering::Relaxed);
        }
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; counting has no effect
// on the memory handed out.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::count(layout.size());
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::count(layout.size());
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::count(new_size);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Allocations and allocated bytes counted so far (every thread but the stub's).
pub fn allocations() -> (u64, u64) {
    (
        ALLOCATIONS.load(Ordering::Relaxed),
        ALLOCATED_BYTES.load(Ordering::Relaxed),
    )
}

fn clock_now(clock: libc::clockid_t) -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

/// A field of `/proc/self/status` in KiB (0 when unreadable).
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Resident set size of this process (VmRSS), in KiB.
pub fn rss_kib() -> u64 {
    status_kib("VmRSS:")
}

/// Peak resident set size (VmHWM) since the process started or the last
/// [`reset_peak_rss`], in KiB.
pub fn peak_rss_kib() -> u64 {
    status_kib("VmHWM:")
}

/// Resets the kernel's peak-RSS mark of this process (Linux >= 4.0).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// CPU time of the whole process so far.
pub fn process_cpu() -> Duration {
    clock_now(libc::CLOCK_PROCESS_CPUTIME_ID)
}

/// The stub server on its own thread and single-threaded runtime, so that its CPU time can
/// be told apart from the client's.
pub struct StubThread {
    /// The running stub (address, call counters).
    pub server: StubServer,
    clock: libc::clockid_t,
}

impl StubThread {
    /// Starts the stub on a new thread.
    ///
    /// # Errors
    ///
    /// The thread, its runtime or the listening socket cannot be created.
    pub fn start(config: StubConfig) -> std::io::Result<StubThread> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("spanner-stub".into())
            .spawn(move || {
                NOT_COUNTED.with(|flag| flag.set(true));
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = tx.send(Err(error));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let mut clock: libc::clockid_t = 0;
                    // SAFETY: `clock` is a valid out-pointer; pthread_self is this thread.
                    let rc =
                        unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock) };
                    if rc != 0 {
                        let _ = tx.send(Err(std::io::Error::from_raw_os_error(rc)));
                        return;
                    }
                    match StubServer::start(config).await {
                        Ok(server) => {
                            if tx.send(Ok((server, clock))).is_err() {
                                return;
                            }
                            std::future::pending::<()>().await;
                        }
                        Err(error) => {
                            let _ = tx.send(Err(error));
                        }
                    }
                });
            })?;
        let (server, clock) = rx
            .recv()
            .map_err(|_| std::io::Error::other("the stub thread ended before starting"))??;
        Ok(StubThread { server, clock })
    }

    /// CPU time of the stub's thread so far.
    pub fn cpu(&self) -> Duration {
        clock_now(self.clock)
    }
}

/// A snapshot of the counters, taken before and after a run of operations.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    process_cpu: Duration,
    stub_cpu: Duration,
    allocations: u64,
    bytes: u64,
    rpcs: u64,
}

impl Snapshot {
    /// The counters now.
    pub fn take(stub: &StubThread) -> Snapshot {
        let (allocations, bytes) = allocations();
        Snapshot {
            process_cpu: process_cpu(),
            stub_cpu: stub.cpu(),
            allocations,
            bytes,
            rpcs: stub.server.calls().total(),
        }
    }
}

/// What one client spent on a run of operations.
#[derive(Debug)]
pub struct Measurement {
    /// Operations measured.
    pub ops: u64,
    /// Client CPU (process minus stub thread).
    pub client_cpu: Duration,
    /// The stub's CPU.
    pub stub_cpu: Duration,
    /// Allocations outside the stub thread.
    pub allocations: u64,
    /// Bytes allocated outside the stub thread.
    pub bytes: u64,
    /// RPCs the stub received.
    pub rpcs: u64,
    /// Wall time per operation, µs.
    pub wall_us: Histogram<u64>,
}

impl Measurement {
    /// An empty measurement.
    pub fn new() -> Measurement {
        Measurement {
            ops: 0,
            client_cpu: Duration::ZERO,
            stub_cpu: Duration::ZERO,
            allocations: 0,
            bytes: 0,
            rpcs: 0,
            // 1 µs .. 100 s, 3 significant digits: bounds are valid, creation cannot fail.
            wall_us: Histogram::new_with_bounds(1, 100_000_000, 3)
                .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!())),
        }
    }

    /// Adds the counters between `before` and `after` for `ops` operations.
    pub fn add(&mut self, before: Snapshot, after: Snapshot, ops: u64) {
        let stub = after.stub_cpu.saturating_sub(before.stub_cpu);
        let process = after.process_cpu.saturating_sub(before.process_cpu);
        self.ops += ops;
        self.stub_cpu += stub;
        self.client_cpu += process.saturating_sub(stub);
        self.allocations += after.allocations - before.allocations;
        self.bytes += after.bytes - before.bytes;
        self.rpcs += after.rpcs - before.rpcs;
    }

    /// Records the wall time of one operation.
    pub fn record_wall(&mut self, wall: Duration) {
        let us = u64::try_from(wall.as_micros()).unwrap_or(u64::MAX).max(1);
        self.wall_us.saturating_record(us);
    }

    /// Client CPU per operation, µs.
    pub fn cpu_per_op_us(&self) -> f64 {
        self.client_cpu.as_secs_f64() * 1e6 / self.ops.max(1) as f64
    }

    /// Stub CPU per operation, µs.
    pub fn stub_cpu_per_op_us(&self) -> f64 {
        self.stub_cpu.as_secs_f64() * 1e6 / self.ops.max(1) as f64
    }

    /// Allocations per operation.
    pub fn allocations_per_op(&self) -> f64 {
        self.allocations as f64 / self.ops.max(1) as f64
    }

    /// Allocated bytes per operation.
    pub fn bytes_per_op(&self) -> f64 {
        self.bytes as f64 / self.ops.max(1) as f64
    }

    /// RPCs per operation.
    pub fn rpcs_per_op(&self) -> f64 {
        self.rpcs as f64 / self.ops.max(1) as f64
    }
}

impl Default for Measurement {
    fn default() -> Self {
        Measurement::new()
    }
}
