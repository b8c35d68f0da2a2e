//! Start a Cloud Spanner emulator for tests (feature `emulator`).
//!
//! ```no_run
//! use sqlx_spanner::emulator::Emulator;
//! use sqlx_spanner::SpannerConnectOptions;
//!
//! # async fn demo() -> sqlx::Result<()> {
//! let emulator = Emulator::start().expect("emulator");
//! let options = SpannerConnectOptions::new()
//!     .emulator_host(emulator.host())
//!     .database("demo")
//!     .create_if_missing(true);
//! let pool = sqlx_spanner::SpannerPool::connect_with(options).await?;
//! # Ok(()) }
//! ```
//!
//! The binary is found through `SPANNER_EMULATOR_BIN`, then the gcloud SDK
//! (`gcloud info --format=value(installation.sdk_root)`, where the
//! `google-cloud-cli-spanner-emulator` package puts it), then `emulator_main` on `PATH`.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The environment variable that points at the `emulator_main` binary.
pub const EMULATOR_BIN_ENV: &str = "SPANNER_EMULATOR_BIN";

const SDK_RELATIVE: &str = "bin/cloud_spanner_emulator/emulator_main";

/// Why the emulator could not be started.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// No `emulator_main` binary was found.
    #[error(
        "the Cloud Spanner emulator binary was not found: install the gcloud component \
         (`google-cloud-cli-spanner-emulator` / `gcloud components install cloud-spanner-emulator`) \
         or set {EMULATOR_BIN_ENV}"
    )]
    NotFound,
    /// Spawning or talking to the process failed.
    #[error("emulator process: {0}")]
    Io(#[from] io::Error),
    /// The emulator did not accept connections in time, or exited.
    #[error("the emulator did not start: {0}")]
    NotReady(String),
}

/// A running emulator, stopped (killed) on drop.
///
/// A watchdog also stops it if the process that started it exits without dropping it
/// (for example when it is kept in a `static`).
#[derive(Debug)]
pub struct Emulator {
    child: Child,
    host: String,
}

impl Emulator {
    /// Starts the emulator on a free loopback port and waits until it accepts connections.
    pub fn start() -> Result<Emulator, EmulatorError> {
        let binary = find_binary().ok_or(EmulatorError::NotFound)?;
        let port = free_port()?;
        let host = format!("127.0.0.1:{port}");
        let child = Command::new(&binary)
            .arg(format!("--host_port={host}"))
            .arg("--override_max_databases_per_instance=10000")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let mut emulator = Emulator { child, host };
        emulator.spawn_watchdog();
        emulator.wait_ready(Duration::from_secs(60))?;
        Ok(emulator)
    }

    /// `host:port` to use as `SPANNER_EMULATOR_HOST` or
    /// [`SpannerConnectOptions::emulator_host`](crate::SpannerConnectOptions::emulator_host).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The emulator's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the emulator now (also done on drop).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn spawn_watchdog(&self) {
        // Kills the emulator when this process is gone; ends by itself when the emulator is.
        let script = format!(
            "while kill -0 {parent} 2>/dev/null && kill -0 {child} 2>/dev/null; do sleep 1; done; \
             kill -9 {child} 2>/dev/null",
            parent = std::process::id(),
            child = self.child.id()
        );
        let spawned = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if let Err(error) = spawned {
            tracing::warn!(%error, "could not start the emulator watchdog");
        }
    }

    fn wait_ready(&mut self, timeout: Duration) -> Result<(), EmulatorError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(EmulatorError::NotReady(format!("it exited with {status}")));
            }
            if TcpStream::connect(&self.host).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.stop();
                return Err(EmulatorError::NotReady(format!(
                    "no connection on {} within {timeout:?}",
                    self.host
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The emulator to use: the one `SPANNER_EMULATOR_HOST` names (`None` is returned for the
/// process), or a new one started here. Keep the returned [`Emulator`] alive for as long
/// as it is used: dropping it stops it.
///
/// ```no_run
/// let (host, _emulator) = sqlx_spanner::emulator::from_env_or_start().expect("emulator");
/// println!("using the emulator at {host}");
/// ```
pub fn from_env_or_start() -> Result<(String, Option<Emulator>), EmulatorError> {
    match std::env::var(crate::EMULATOR_HOST_ENV) {
        Ok(host) if !host.trim().is_empty() => Ok((host, None)),
        _ => {
            let emulator = Emulator::start()?;
            Ok((emulator.host().to_string(), Some(emulator)))
        }
    }
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn executable(path: &Path) -> bool {
    path.is_file()
}

/// Where the `emulator_main` binary is, if anywhere.
pub fn find_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(EMULATOR_BIN_ENV) {
        let path = PathBuf::from(path);
        return executable(&path).then_some(path);
    }
    let from_gcloud = Command::new("gcloud")
        .args(["info", "--format=value(installation.sdk_root)"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join(SDK_RELATIVE));
    let candidates = from_gcloud.into_iter().chain(
        [
            "/usr/lib/google-cloud-sdk",
            "/usr/share/google-cloud-sdk",
            "/google-cloud-sdk",
        ]
        .into_iter()
        .map(|root| Path::new(root).join(SDK_RELATIVE)),
    );
    for candidate in candidates {
        if executable(&candidate) {
            return Some(candidate);
        }
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("emulator_main"))
            .find(|p| executable(p))
    })
}
