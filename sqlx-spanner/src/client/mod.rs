//! The adapter over the Spanner gRPC client crate (`gcloud-spanner`).
//!
//! This is the only module that talks to `gcloud-spanner`: it uses that crate's gRPC
//! channels, authentication and generated client, and builds requests itself so that the
//! driver controls sessions, sequence numbers, request and transaction tags, priorities and
//! staleness.
//! Everything above this module speaks the driver's own types.

pub(crate) mod admin;
pub(crate) mod channel;
pub(crate) mod codec;
pub(crate) mod mutation;
pub(crate) mod partition;
pub(crate) mod plan;
pub(crate) mod read;
pub(crate) mod rpc;
pub(crate) mod session;
pub(crate) mod stream;
pub(crate) mod transaction;

use std::sync::Arc;
use std::time::Duration;

use gcloud_gax::conn::{ConnectionOptions, Environment};
use gcloud_spanner::client::ClientConfig;
use sqlx_core::error::Error;

use crate::error::SpannerError;
use rpc::{Deadlines, Routing};
use session::{PoolSettings, Session, SessionPool};

/// What the client needs to reach one database.
#[derive(Debug, Clone)]
pub(crate) struct ClientSettings {
    /// `projects/P/instances/I/databases/D`
    pub(crate) database_path: String,
    /// `host:port` of an emulator; `None` means production Spanner with ADC.
    pub(crate) emulator_host: Option<String>,
    /// Overrides the Spanner endpoint (production only).
    pub(crate) endpoint: Option<String>,
    /// A service-account or user credentials JSON file (production only); without it,
    /// Application Default Credentials are used.
    pub(crate) credentials_file: Option<String>,
    pub(crate) min_sessions: usize,
    pub(crate) max_sessions: usize,
    pub(crate) channels: usize,
    pub(crate) connect_timeout: Duration,
    /// Deadline of unary RPCs (sessions, begin, commit, rollback).
    pub(crate) rpc_timeout: Duration,
    /// Deadline of a whole statement (`None`: none besides the per-message wait).
    pub(crate) statement_timeout: Option<Duration>,
    /// The longest wait for the next message of a result stream.
    pub(crate) stream_idle_timeout: Duration,
    /// HTTP/2 keep-alive ping interval (`None`: no pings).
    pub(crate) keepalive_interval: Option<Duration>,
    /// How long an unanswered keep-alive ping may wait before the connection is closed.
    pub(crate) keepalive_timeout: Duration,
    /// How often the session pool is maintained (keep-alive, `min_sessions`).
    pub(crate) session_maintenance_interval: Duration,
    /// How long a schema change may run before `execute_ddl` stops waiting (`None`: until
    /// it is done).
    pub(crate) ddl_timeout: Option<Duration>,
}

impl ClientSettings {
    /// The connection options of every gRPC channel: connect timeout and HTTP/2
    /// keep-alive, so that a dead connection is detected even while no call is running.
    pub(crate) fn connection_options(&self) -> ConnectionOptions {
        ConnectionOptions {
            timeout: None,
            connect_timeout: Some(self.connect_timeout),
            http2_keep_alive_interval: self.keepalive_interval,
            keep_alive_timeout: self.keepalive_interval.map(|_| self.keepalive_timeout),
            keep_alive_while_idle: self.keepalive_interval.map(|_| true),
        }
    }

    pub(crate) fn deadlines(&self) -> Deadlines {
        Deadlines {
            rpc: self.rpc_timeout,
            statement: self.statement_timeout,
            stream_idle: self.stream_idle_timeout,
        }
    }
}

/// An error with its sources (`transport error: tcp connect error: Connection refused`).
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

/// Builds the gRPC environment: the emulator (plain text, no auth) or Google Cloud with
/// Application Default Credentials / an explicit credentials file.
pub(crate) async fn environment(settings: &ClientSettings) -> Result<Environment, Error> {
    if let Some(host) = &settings.emulator_host {
        return Ok(Environment::Emulator(host.clone()));
    }
    // The options resolved SPANNER_EMULATOR_HOST already: with no emulator host it is unset,
    // so the default configuration targets Google Cloud.
    let config = ClientConfig::default();
    let config = match &settings.credentials_file {
        Some(path) => {
            let file =
                gcloud_spanner::client::google_cloud_auth::credentials::CredentialsFile::new_from_file(
                    path.clone(),
                )
                .await
                .map_err(|e| SpannerError::Config(format!("credentials file {path}: {e}")))?;
            config.with_credentials(file).await
        }
        None => config.with_auth().await,
    }
    .map_err(|e| {
        SpannerError::Config(format!(
            "no Google Cloud credentials (set GOOGLE_APPLICATION_CREDENTIALS or run \
             `gcloud auth application-default login`, or set SPANNER_EMULATOR_HOST): {e}"
        ))
    })?;
    Ok(config.environment)
}

/// A Spanner data client: one gRPC channel pool and one session pool for one database,
/// shared (cheaply cloned) by every connection of an sqlx pool.
#[derive(Clone)]
pub(crate) struct SpannerClient {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    database_path: String,
    sessions: Arc<SessionPool>,
}

impl std::fmt::Debug for SpannerClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpannerClient")
            .field("database", &self.inner.database_path)
            .finish_non_exhaustive()
    }
}

impl SpannerClient {
    /// Opens the channels and the session pool (and its first session: the database must
    /// exist).
    pub(crate) async fn connect(settings: &ClientSettings) -> Result<Self, Error> {
        let environment = environment(settings).await?;
        let channels =
            channel::Channels::open(settings.channels, &environment, settings, "data").await?;
        let sessions = SessionPool::new(
            settings.database_path.clone(),
            channels,
            PoolSettings {
                min_sessions: settings.min_sessions,
                max_sessions: settings.max_sessions,
                acquire_timeout: Duration::from_secs(60),
                maintenance_interval: settings.session_maintenance_interval,
            },
            settings.deadlines(),
        )
        .await?;
        Ok(SpannerClient {
            inner: Arc::new(ClientInner {
                database_path: settings.database_path.clone(),
                sessions,
            }),
        })
    }

    /// `projects/P/instances/I/databases/D`
    pub(crate) fn database_path(&self) -> &str {
        &self.inner.database_path
    }

    /// Checks a session out of the pool for work routed as `routing` (it returns to the
    /// pool on drop).
    pub(crate) async fn session_for(&self, routing: Routing) -> Result<Session, Error> {
        self.inner.sessions.acquire_for(routing).await
    }

    /// Sessions of the pool: (idle, checked out).
    pub(crate) fn session_counts(&self) -> (usize, usize) {
        (
            self.inner.sessions.idle_count(),
            self.inner.sessions.in_use_count(),
        )
    }
}
