//! Fault injection for the reliability tests: an emulator of a test's own that can be
//! stopped (SIGSTOP), resumed (SIGCONT), killed and restarted on the same port, and a TCP
//! proxy in front of it that can cut every connection or stall traffic (a dead network
//! path), all while the driver's pool stays alive.
//!
//! These are real processes and real sockets: nothing here imitates Spanner.

use std::net::{TcpListener as StdListener, TcpStream as StdStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// An emulator process owned by one test.
pub struct FaultyEmulator {
    child: Option<Child>,
    port: u16,
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{name} {pid} failed");
}

impl FaultyEmulator {
    /// Starts an emulator on a free port and waits until it accepts connections.
    pub fn start() -> FaultyEmulator {
        for _ in 0..5 {
            let mut emulator = FaultyEmulator {
                child: None,
                port: free_port(),
            };
            if emulator.spawn() {
                return emulator;
            }
        }
        panic!("the emulator did not start on any of 5 free ports");
    }

    /// Spawns the emulator on `self.port`; `false` if it exited (the port was taken).
    fn try_spawn(&mut self) -> bool {
        let binary = sqlx_spanner::emulator::find_binary()
            .expect("the Cloud Spanner emulator binary (google-cloud-cli-spanner-emulator)");
        let child = Command::new(binary)
            .arg(format!("--host_port=127.0.0.1:{}", self.port))
            .arg("--override_max_databases_per_instance=10000")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the emulator");
        // Killed when the test process exits, even if the test panics.
        let watchdog = format!(
            "while kill -0 {parent} 2>/dev/null && kill -0 {child} 2>/dev/null; do sleep 1; done; \
             kill -9 {child} 2>/dev/null",
            parent = std::process::id(),
            child = child.id()
        );
        let _ = Command::new("sh")
            .arg("-c")
            .arg(watchdog)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            // Our own process must be the one listening: another process may have taken
            // the port between choosing it and binding it.
            if !self.alive() {
                self.child = None;
                return false;
            }
            if StdStream::connect(("127.0.0.1", self.port)).is_ok() {
                std::thread::sleep(Duration::from_millis(100));
                if self.alive() {
                    return true;
                }
                self.child = None;
                return false;
            }
            assert!(Instant::now() < deadline, "the emulator did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn spawn(&mut self) -> bool {
        self.try_spawn()
    }

    fn alive(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// `host:port`
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().expect("a running emulator").id()
    }

    /// SIGSTOP: the process keeps its sockets open but answers nothing.
    pub fn pause(&mut self) {
        assert!(self.alive(), "the emulator process is not running");
        signal(self.pid(), "STOP");
    }

    /// SIGCONT
    pub fn resume(&self) {
        signal(self.pid(), "CONT");
    }

    /// SIGKILL, waiting until the process is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the emulator and starts a new one on the same port (all data is gone).
    pub fn restart(&mut self) {
        self.kill();
        for _ in 0..20 {
            if self.spawn() {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!("the emulator could not be restarted on port {}", self.port);
    }
}

impl Drop for FaultyEmulator {
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            // A stopped process must be continued to die promptly.
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(child.id().to_string())
                .status();
        }
        self.kill();
    }
}

/// A TCP proxy to a backend address. `cut()` closes every open connection at once (new
/// connections are accepted again); `stall(true)` stops forwarding bytes (a dead network
/// path) until `stall(false)`.
pub struct FaultProxy {
    port: u16,
    cut: Arc<watch::Sender<u64>>,
    stalled: Arc<AtomicBool>,
    connections: Arc<AtomicU64>,
    _task: tokio::task::JoinHandle<()>,
    bytes: Arc<Mutex<u64>>,
    cut_at: Arc<AtomicU64>,
}

impl FaultProxy {
    /// Starts a proxy on a free loopback port forwarding to `backend` (`host:port`).
    pub async fn start(backend: String) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let (cut, cut_rx) = watch::channel(0u64);
        let cut = Arc::new(cut);
        let stalled = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicU64::new(0));
        let bytes = Arc::new(Mutex::new(0u64));
        let cut_at = Arc::new(AtomicU64::new(u64::MAX));
        let task = {
            let cut = cut.clone();
            let cut_at = cut_at.clone();
            let stalled = stalled.clone();
            let connections = connections.clone();
            let bytes = bytes.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((client, _)) = listener.accept().await else {
                        return;
                    };
                    connections.fetch_add(1, Ordering::SeqCst);
                    let backend = backend.clone();
                    let cut_rx = cut_rx.clone();
                    let stalled = stalled.clone();
                    let bytes = bytes.clone();
                    let trigger = CutTrigger {
                        at: cut_at.clone(),
                        cut: cut.clone(),
                    };
                    tokio::spawn(async move {
                        if let Ok(server) = TcpStream::connect(&backend).await {
                            relay(client, server, cut_rx, stalled, bytes, trigger).await;
                        }
                    });
                }
            })
        };
        FaultProxy {
            port,
            cut,
            stalled,
            connections,
            _task: task,
            bytes,
            cut_at,
        }
    }

    /// Cuts every connection as soon as `more` further bytes have gone from the server to
    /// the client (in the middle of a response).
    pub fn cut_after(&self, more: u64) {
        self.cut_at
            .store(self.bytes_to_client() + more, Ordering::SeqCst);
    }

    /// `host:port` of the proxy.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Closes every connection open now.
    pub fn cut(&self) {
        self.cut.send_modify(|n| *n += 1);
    }

    /// Stops (or restarts) forwarding bytes in both directions.
    pub fn stall(&self, stalled: bool) {
        self.stalled.store(stalled, Ordering::SeqCst);
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }

    /// Bytes forwarded from the server to the client so far.
    pub fn bytes_to_client(&self) -> u64 {
        *self.bytes.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Cuts all connections once the bytes sent to clients reach `at`.
struct CutTrigger {
    at: Arc<AtomicU64>,
    cut: Arc<watch::Sender<u64>>,
}

async fn relay(
    client: TcpStream,
    server: TcpStream,
    mut cut: watch::Receiver<u64>,
    stalled: Arc<AtomicBool>,
    bytes: Arc<Mutex<u64>>,
    trigger: CutTrigger,
) {
    let _ = cut.borrow_and_update();
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upstream = {
        let stalled = stalled.clone();
        async move {
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                let n = match client_read.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                while stalled.load(Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                if server_write.write_all(&buffer[..n]).await.is_err() {
                    return;
                }
            }
        }
    };
    let downstream = async move {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = match server_read.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            while stalled.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let total = {
                let mut total = bytes.lock().unwrap_or_else(|p| p.into_inner());
                *total += n as u64;
                *total
            };
            if total >= trigger.at.load(Ordering::SeqCst) {
                trigger.at.store(u64::MAX, Ordering::SeqCst);
                trigger.cut.send_modify(|n| *n += 1);
                return;
            }
            if client_write.write_all(&buffer[..n]).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        _ = upstream => {}
        _ = downstream => {}
        _ = cut.changed() => {}
    }
}
