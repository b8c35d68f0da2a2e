//! The adapter over the Spanner gRPC client crate (`gcloud-spanner`).
//!
//! This is the only module that talks to `gcloud-spanner`: it uses that crate's gRPC
//! channels, authentication and generated client, and builds requests itself so that the
//! driver controls sessions, sequence numbers, request and transaction tags, priorities and
//! staleness.
//! Everything above this module speaks the driver's own types.

pub(crate) mod admin;
pub(crate) mod codec;
pub(crate) mod mutation;
pub(crate) mod session;
pub(crate) mod stream;
pub(crate) mod transaction;

use std::sync::Arc;
use std::time::Duration;

use gcloud_gax::conn::{ConnectionOptions, Environment};
use gcloud_spanner::apiv1::conn_pool::{ConnectionManager, SPANNER};
use gcloud_spanner::client::ClientConfig;
use sqlx_core::error::Error;

use crate::error::SpannerError;
use session::{Session, SessionPool};

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
        let endpoint = settings.endpoint.as_deref().unwrap_or(SPANNER);
        let options = ConnectionOptions {
            timeout: None,
            connect_timeout: Some(settings.connect_timeout),
            http2_keep_alive_interval: None,
            keep_alive_timeout: None,
            keep_alive_while_idle: None,
        };
        let channels = ConnectionManager::new(settings.channels, &environment, endpoint, &options)
            .await
            .map_err(|e| SpannerError::Config(format!("cannot open gRPC channel: {e}")))?;
        let sessions = SessionPool::new(
            settings.database_path.clone(),
            channels,
            settings.min_sessions,
            settings.max_sessions,
            Duration::from_secs(60),
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

    /// Checks a session out of the pool (it returns to the pool on drop).
    pub(crate) async fn session(&self) -> Result<Session, Error> {
        self.inner.sessions.acquire().await
    }
}
