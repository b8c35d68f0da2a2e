//! [`SpannerConnectOptions`]: which database to reach and how.

mod parse;

use std::sync::Arc;
use std::time::Duration;

use sqlx_core::connection::{ConnectOptions, LogSettings};
use sqlx_core::error::Error;
use tokio::sync::OnceCell;

use crate::client::admin::SpannerAdmin;
use crate::client::{ClientSettings, SpannerClient};
use crate::transaction_options::{IsolationLevel, SpannerTransactionOptions};
use crate::SpannerConnection;

/// The longest wait for the next message of a result stream when no statement deadline is
/// nearer.
const STREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(600);

/// The environment variable naming an emulator (`host:port`), as in Google's clients.
pub const EMULATOR_HOST_ENV: &str = "SPANNER_EMULATOR_HOST";

/// Options for connecting to a Spanner database.
///
/// Build them from a URL,
/// `spanner://projects/P/instances/I/databases/D?create_if_missing=true`,
/// or with the builder methods. The emulator is used when [`emulator_host`] is set or the
/// `SPANNER_EMULATOR_HOST` environment variable is; otherwise the driver connects to
/// production Spanner with Application Default Credentials
/// (`GOOGLE_APPLICATION_CREDENTIALS`, or `gcloud auth application-default login`), or with
/// [`credentials_file`].
///
/// All connections made from one `SpannerConnectOptions` value (and its clones, such as
/// the copy inside an `sqlx::Pool`) share one gRPC channel pool and one Spanner session
/// pool. Changing an option through a builder method starts a new, separate client.
///
/// ```
/// use std::str::FromStr;
/// use sqlx_spanner::SpannerConnectOptions;
///
/// let options = SpannerConnectOptions::from_str(
///     "spanner://projects/p1/instances/i1/databases/d1?create_if_missing=true",
/// )
/// .unwrap();
/// assert_eq!(options.get_database(), "d1");
/// assert_eq!(
///     options.database_path(),
///     "projects/p1/instances/i1/databases/d1"
/// );
/// ```
///
/// [`emulator_host`]: SpannerConnectOptions::emulator_host
/// [`credentials_file`]: SpannerConnectOptions::credentials_file
#[derive(Clone)]
pub struct SpannerConnectOptions {
    pub(crate) project: String,
    pub(crate) instance: String,
    pub(crate) database: String,
    pub(crate) emulator_host: Option<String>,
    pub(crate) endpoint: Option<String>,
    pub(crate) credentials_file: Option<String>,
    pub(crate) create_if_missing: bool,
    pub(crate) min_sessions: usize,
    pub(crate) max_sessions: usize,
    pub(crate) channels: usize,
    pub(crate) connect_timeout: Duration,
    pub(crate) rpc_timeout: Duration,
    pub(crate) statement_timeout: Option<Duration>,
    pub(crate) keepalive_interval: Option<Duration>,
    pub(crate) keepalive_timeout: Duration,
    pub(crate) session_maintenance_interval: Duration,
    pub(crate) ddl_timeout: Option<Duration>,
    pub(crate) log_settings: LogSettings,
    /// Defaults of every read-write transaction of the connections.
    pub(crate) transaction_options: SpannerTransactionOptions,
    pub(crate) retry_aborts_internally: bool,
    /// Automatic DML batching (see `batch_dml.rs`).
    pub(crate) batch_dml: crate::batch_dml::AutoBatchDml,
    shared: Arc<SharedClients>,
}

/// The clients shared by every connection made from one options value.
/// Sessions of a session pool at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPoolStatus {
    /// Sessions waiting in the pool.
    pub idle: usize,
    /// Sessions checked out by statements and transactions (or still ending a transaction
    /// that was dropped).
    pub in_use: usize,
}

#[derive(Default)]
struct SharedClients {
    data: OnceCell<SpannerClient>,
    admin: OnceCell<SpannerAdmin>,
}

impl std::fmt::Debug for SpannerConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpannerConnectOptions")
            .field("database_path", &self.database_path())
            .field("emulator_host", &self.resolved_emulator_host())
            .field("create_if_missing", &self.create_if_missing)
            .field("min_sessions", &self.min_sessions)
            .field("max_sessions", &self.max_sessions)
            .finish_non_exhaustive()
    }
}

impl Default for SpannerConnectOptions {
    fn default() -> Self {
        SpannerConnectOptions::new()
    }
}

impl SpannerConnectOptions {
    /// Options with defaults: project `local-project`, instance `test-instance`, database
    /// `test-database` (set them with the builder methods).
    pub fn new() -> Self {
        SpannerConnectOptions {
            project: "local-project".into(),
            instance: "test-instance".into(),
            database: "test-database".into(),
            emulator_host: None,
            endpoint: None,
            credentials_file: None,
            create_if_missing: false,
            min_sessions: 1,
            max_sessions: 100,
            channels: 4,
            connect_timeout: Duration::from_secs(30),
            rpc_timeout: Duration::from_secs(60),
            statement_timeout: None,
            keepalive_interval: Some(Duration::from_secs(30)),
            keepalive_timeout: Duration::from_secs(20),
            session_maintenance_interval: Duration::from_secs(60),
            ddl_timeout: None,
            log_settings: LogSettings::default(),
            transaction_options: SpannerTransactionOptions::default(),
            retry_aborts_internally: false,
            batch_dml: crate::batch_dml::AutoBatchDml::default(),
            shared: Arc::default(),
        }
    }

    fn changed(mut self) -> Self {
        self.shared = Arc::default();
        self
    }

    /// The Google Cloud project id.
    pub fn project(mut self, project: impl Into<String>) -> Self {
        self.project = project.into();
        self.changed()
    }

    /// The Spanner instance id.
    pub fn instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = instance.into();
        self.changed()
    }

    /// The database id.
    pub fn database(mut self, database: impl Into<String>) -> Self {
        self.database = database.into();
        self.changed()
    }

    /// Connect to the emulator at `host:port` (overrides `SPANNER_EMULATOR_HOST`).
    pub fn emulator_host(mut self, host: impl Into<String>) -> Self {
        self.emulator_host = Some(host.into());
        self.changed()
    }

    /// Overrides the production endpoint (e.g. a regional or Private Service Connect one).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self.changed()
    }

    /// Authenticate with this credentials JSON file instead of Application Default
    /// Credentials.
    pub fn credentials_file(mut self, path: impl Into<String>) -> Self {
        self.credentials_file = Some(path.into());
        self.changed()
    }

    /// Create the database (and, on the emulator, the instance) when it does not exist.
    pub fn create_if_missing(mut self, create: bool) -> Self {
        self.create_if_missing = create;
        self.changed()
    }

    /// Sessions the session pool keeps open (default 1).
    pub fn min_sessions(mut self, n: usize) -> Self {
        self.min_sessions = n;
        self.changed()
    }

    /// Most sessions the session pool opens (default 100, at most 100 per channel).
    pub fn max_sessions(mut self, n: usize) -> Self {
        self.max_sessions = n.max(1);
        self.changed()
    }

    /// gRPC channels (default 4).
    pub fn channels(mut self, n: usize) -> Self {
        self.channels = n.max(1);
        self.changed()
    }

    /// How long to wait for the gRPC channel to connect (default 30 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self.changed()
    }

    /// The isolation level of read-write transactions (default: Spanner's, serializable).
    /// URL option `isolation_level=serializable|repeatable_read`.
    pub fn isolation_level(mut self, level: IsolationLevel) -> Self {
        self.transaction_options.isolation_level = Some(level);
        self
    }

    /// The longest Spanner may delay commits to batch them (0-500 ms). URL option
    /// `max_commit_delay` (a duration, e.g. `50ms`).
    pub fn max_commit_delay(mut self, delay: Duration) -> Self {
        self.transaction_options.max_commit_delay = Some(delay);
        self
    }

    /// Ask Spanner for commit statistics on every commit
    /// ([`SpannerConnection::last_commit_stats`]). URL option `return_commit_stats`.
    pub fn return_commit_stats(mut self, on: bool) -> Self {
        self.transaction_options.return_commit_stats = on;
        self
    }

    /// Exclude read-write transactions from change streams that allow it. URL option
    /// `exclude_txn_from_change_streams`.
    pub fn exclude_txn_from_change_streams(mut self, on: bool) -> Self {
        self.transaction_options.exclude_txn_from_change_streams = on;
        self
    }

    /// All transaction defaults at once (see [`SpannerTransactionOptions`]).
    pub fn transaction_options(mut self, options: SpannerTransactionOptions) -> Self {
        self.transaction_options = options;
        self
    }

    /// Retry aborted read-write transactions inside the driver (default off; URL option
    /// `retry_aborts_internally`), as Google's JDBC driver does: each statement of a
    /// transaction and a checksum of the results the application consumed are recorded;
    /// when Spanner aborts the transaction the driver begins a new one, replays the
    /// statements and, if every result is the same, carries on as if nothing happened.
    /// If a result differs the transaction fails with
    /// [`SpannerError::AbortedDueToConcurrentModification`](crate::SpannerError::AbortedDueToConcurrentModification).
    /// Costs memory for the recorded statements and a replay on abort.
    pub fn retry_aborts_internally(mut self, on: bool) -> Self {
        self.retry_aborts_internally = on;
        self
    }

    /// The transaction defaults.
    pub fn get_transaction_options(&self) -> &SpannerTransactionOptions {
        &self.transaction_options
    }

    /// Deadline of every RPC other than a statement: creating sessions, begin, commit,
    /// rollback (default 60 s). When it passes the call fails with `DEADLINE_EXCEEDED`; a
    /// commit that fails this way says that its outcome is unknown.
    pub fn rpc_timeout(mut self, timeout: Duration) -> Self {
        self.rpc_timeout = timeout;
        self.changed()
    }

    /// Deadline of every statement (query, DML, batch DML), from sending it to its last row
    /// (default: none). [`RequestOptions::timeout`](crate::RequestOptions::timeout)
    /// overrides it for one statement. Without it a statement still fails when no message
    /// of its result arrives for 10 minutes, or when keep-alive finds the connection dead.
    pub fn statement_timeout(mut self, timeout: Duration) -> Self {
        self.statement_timeout = Some(timeout);
        self.changed()
    }

    /// Interval of HTTP/2 keep-alive pings on every channel (default 30 s; `None` turns
    /// them off). A connection whose ping is not answered within
    /// [`keepalive_timeout`](Self::keepalive_timeout) is closed and every call on it fails
    /// with `UNAVAILABLE`: a stopped server or a dead network path is detected even while
    /// a call waits.
    pub fn keepalive_interval(mut self, interval: Option<Duration>) -> Self {
        self.keepalive_interval = interval;
        self.changed()
    }

    /// How long a keep-alive ping may go unanswered (default 20 s).
    pub fn keepalive_timeout(mut self, timeout: Duration) -> Self {
        self.keepalive_timeout = timeout;
        self.changed()
    }

    /// How often the session pool is maintained in the background (default 60 s): sessions
    /// about to expire are deleted, idle ones kept alive, `min_sessions` restored.
    pub fn session_maintenance_interval(mut self, interval: Duration) -> Self {
        self.session_maintenance_interval = interval.max(Duration::from_millis(10));
        self.changed()
    }

    /// How long `execute_ddl` (and DDL through `execute`/migrations) waits for a schema
    /// change (default: until it is done, however long). When it passes, the error names
    /// the operation, which keeps running in Spanner.
    pub fn ddl_timeout(mut self, timeout: Duration) -> Self {
        self.ddl_timeout = Some(timeout);
        self.changed()
    }

    /// The project id.
    pub fn get_project(&self) -> &str {
        &self.project
    }

    /// The instance id.
    pub fn get_instance(&self) -> &str {
        &self.instance
    }

    /// The database id.
    pub fn get_database(&self) -> &str {
        &self.database
    }

    /// `projects/P/instances/I/databases/D`
    pub fn database_path(&self) -> String {
        format!(
            "projects/{}/instances/{}/databases/{}",
            self.project, self.instance, self.database
        )
    }

    /// The emulator in use: the `emulator_host` option, else `SPANNER_EMULATOR_HOST`.
    pub fn resolved_emulator_host(&self) -> Option<String> {
        self.emulator_host.clone().or_else(|| {
            std::env::var(EMULATOR_HOST_ENV)
                .ok()
                .filter(|host| !host.trim().is_empty())
        })
    }

    pub(crate) fn client_settings(&self) -> ClientSettings {
        ClientSettings {
            database_path: self.database_path(),
            emulator_host: self.resolved_emulator_host(),
            endpoint: self.endpoint.clone(),
            credentials_file: self.credentials_file.clone(),
            min_sessions: self.min_sessions.min(self.max_sessions),
            max_sessions: self.max_sessions.min(self.channels * 100),
            channels: self.channels,
            connect_timeout: self.connect_timeout,
            rpc_timeout: self.rpc_timeout,
            statement_timeout: self.statement_timeout,
            stream_idle_timeout: self
                .statement_timeout
                .unwrap_or(STREAM_IDLE_TIMEOUT)
                .min(STREAM_IDLE_TIMEOUT),
            keepalive_interval: self.keepalive_interval,
            keepalive_timeout: self.keepalive_timeout,
            session_maintenance_interval: self.session_maintenance_interval,
            ddl_timeout: self.ddl_timeout,
        }
    }

    /// The shared admin client (created on first use).
    pub(crate) async fn admin(&self) -> Result<SpannerAdmin, Error> {
        let settings = self.client_settings();
        self.shared
            .admin
            .get_or_try_init(|| async move { SpannerAdmin::connect(&settings).await })
            .await
            .cloned()
    }

    /// The shared data client (created on first use, creating the database first when
    /// `create_if_missing` is set).
    /// The state of the session pool shared by the connections made from these options
    /// (`None` before the first connection).
    pub fn session_pool_status(&self) -> Option<SessionPoolStatus> {
        self.shared.data.get().map(|client| {
            let (idle, in_use) = client.session_counts();
            SessionPoolStatus { idle, in_use }
        })
    }

    pub(crate) async fn data_client(&self) -> Result<SpannerClient, Error> {
        self.shared
            .data
            .get_or_try_init(|| async {
                let settings = self.client_settings();
                if self.create_if_missing {
                    let admin = self.admin().await?;
                    if !admin.database_exists(&settings.database_path).await? {
                        admin
                            .create_database(
                                &settings.database_path,
                                settings.emulator_host.is_some(),
                            )
                            .await?;
                    }
                }
                SpannerClient::connect(&settings).await
            })
            .await
            .cloned()
    }
}

impl ConnectOptions for SpannerConnectOptions {
    type Connection = SpannerConnection;

    fn from_url(url: &url::Url) -> Result<Self, Error> {
        parse::from_url(url)
    }

    fn to_url_lossy(&self) -> url::Url {
        parse::to_url(self)
    }

    async fn connect(&self) -> Result<SpannerConnection, Error> {
        SpannerConnection::establish(self).await
    }

    fn log_statements(mut self, level: log::LevelFilter) -> Self {
        self.log_settings.log_statements(level);
        self
    }

    fn log_slow_statements(mut self, level: log::LevelFilter, duration: Duration) -> Self {
        self.log_settings.log_slow_statements(level, duration);
        self
    }
}
