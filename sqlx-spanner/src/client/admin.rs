//! Database administration: DDL through `UpdateDatabaseDdl`, and instance/database
//! creation and removal.

use std::time::{Duration, Instant};

use gcloud_gax::conn::Environment;
use gcloud_gax::grpc::{Code, Status};
use gcloud_googleapis::spanner::admin::database::v1::{
    CreateDatabaseRequest, DropDatabaseRequest, GetDatabaseRequest, UpdateDatabaseDdlRequest,
};
use gcloud_googleapis::spanner::admin::instance::v1::{
    CreateInstanceRequest, GetInstanceRequest, Instance,
};
use gcloud_longrunning::autogen::operations_client::OperationsClient;
use gcloud_longrunning::longrunning::Operation;
use gcloud_spanner::admin::database::database_admin_client::DatabaseAdminClient;
use gcloud_spanner::admin::instance::instance_admin_client::InstanceAdminClient;
use gcloud_spanner::admin::AdminClientConfig;
use gcloud_spanner::client::google_cloud_auth::credentials::CredentialsFile;
use sqlx_core::error::Error;

use super::channel::Channels;
use super::{rpc, ClientSettings};
use crate::error::{status_to_error, SpannerError};

/// The admin API client for one Spanner endpoint (the emulator or Google Cloud).
#[derive(Clone)]
pub(crate) struct SpannerAdmin {
    client: AdminClients,
    emulator: bool,
    ddl_timeout: Option<Duration>,
    rpc_timeout: Duration,
}

/// The database and instance admin clients, on channels opened by the driver so that the
/// `endpoint` option and HTTP/2 keep-alive apply to them as to the data channels.
#[derive(Clone)]
struct AdminClients {
    database: DatabaseAdminClient,
    instance: InstanceAdminClient,
}

impl AdminClients {
    fn database(&self) -> &DatabaseAdminClient {
        &self.database
    }

    fn instance(&self) -> &InstanceAdminClient {
        &self.instance
    }
}

async fn open_admin_clients(
    environment: &Environment,
    settings: &ClientSettings,
) -> Result<AdminClients, Error> {
    let database_channels = Channels::open(1, environment, settings, "database admin").await?;
    let database_operations = OperationsClient::new(database_channels.channel())
        .await
        .map_err(|e| SpannerError::Config(format!("cannot open the operations client: {e}")))?;
    let instance_channels = Channels::open(1, environment, settings, "instance admin").await?;
    let instance_operations = OperationsClient::new(instance_channels.channel())
        .await
        .map_err(|e| SpannerError::Config(format!("cannot open the operations client: {e}")))?;
    Ok(AdminClients {
        database: DatabaseAdminClient::new(database_channels.channel(), database_operations),
        instance: InstanceAdminClient::new(instance_channels.channel(), instance_operations),
    })
}

/// Waits until a long-running operation is done, polling with backoff (50 ms up to 5 s).
/// Unlike `gcloud-longrunning`'s `wait` (which gives up after a few minutes while the
/// operation keeps running), this waits until the operation finishes, or `limit` passes.
async fn wait_done<T: prost::Message + Default>(
    operation: &mut Operation<T>,
    limit: Option<Duration>,
    rpc_timeout: Duration,
) -> Result<(), Status> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(50);
    loop {
        if operation.done() {
            // Reports the operation's own error, if it failed.
            rpc::with_deadline(rpc_timeout, "GetOperation", operation.poll()).await?;
            return Ok(());
        }
        if let Some(limit) = limit {
            if started.elapsed() >= limit {
                return Err(Status::deadline_exceeded(format!(
                    "the schema change {} was still running after {limit:?}; it goes on in \
                     Spanner (check it with `gcloud spanner operations describe`)",
                    operation.name()
                )));
            }
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
        let polled = rpc::with_deadline(rpc_timeout, "GetOperation", operation.poll()).await;
        match polled {
            Ok(_) => {}
            // A transient failure of one poll does not end the wait.
            Err(status)
                if rpc::is_resumable(&status) || status.code() == Code::DeadlineExceeded =>
            {
                tracing::debug!(%status, "polling a schema change failed; polling again");
            }
            Err(status) => return Err(status),
        }
    }
}

impl std::fmt::Debug for SpannerAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpannerAdmin")
            .field("emulator", &self.emulator)
            .finish_non_exhaustive()
    }
}

/// Splits `projects/P/instances/I/databases/D` into the instance path and database id.
fn split_database_path(path: &str) -> Result<(&str, &str), Error> {
    path.rsplit_once("/databases/")
        .ok_or_else(|| SpannerError::Config(format!("not a database path: {path}")).into())
}

impl SpannerAdmin {
    pub(crate) async fn connect(settings: &ClientSettings) -> Result<Self, Error> {
        let mut config = AdminClientConfig {
            connect_timeout: settings.connect_timeout,
            ..AdminClientConfig::default()
        };
        // Only the environment (emulator, or credentials with the admin scopes) is taken
        // from gcloud-spanner's admin configuration; the channels are opened below.
        let emulator = settings.emulator_host.is_some();
        let config = if let Some(host) = &settings.emulator_host {
            config.environment = Environment::Emulator(host.clone());
            config
        } else {
            let authed = match &settings.credentials_file {
                Some(path) => {
                    let file = CredentialsFile::new_from_file(path.clone())
                        .await
                        .map_err(|e| {
                            SpannerError::Config(format!("credentials file {path}: {e}"))
                        })?;
                    config.with_credentials(file).await
                }
                None => config.with_auth().await,
            };
            authed.map_err(|e| {
                SpannerError::Config(format!(
                    "no Google Cloud credentials for the admin API: {e}"
                ))
            })?
        };
        let client = open_admin_clients(&config.environment, settings).await?;
        Ok(SpannerAdmin {
            client,
            emulator,
            ddl_timeout: settings.ddl_timeout,
            rpc_timeout: settings.rpc_timeout,
        })
    }

    /// Applies DDL statements as one batch and waits until Spanner has applied them.
    pub(crate) async fn update_ddl(
        &self,
        database_path: &str,
        statements: Vec<String>,
    ) -> Result<(), Error> {
        let request = UpdateDatabaseDdlRequest {
            database: database_path.to_string(),
            statements,
            ..UpdateDatabaseDdlRequest::default()
        };
        // A schema change Spanner rejects because another one (or, on the emulator, any
        // read-write transaction) is in progress was not started: it is sent again, with
        // backoff, for up to `CONCURRENT_DDL_WAIT`.
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = match self
                .client
                .database()
                .update_database_ddl(request.clone(), None)
                .await
            {
                Ok(mut operation) => {
                    wait_done(&mut operation, self.ddl_timeout, self.rpc_timeout).await
                }
                Err(status) => Err(status),
            };
            match outcome {
                Ok(()) => break,
                Err(status)
                    if is_concurrent_change_rejection(&status)
                        && started.elapsed() < CONCURRENT_DDL_WAIT =>
                {
                    tokio::time::sleep(crate::backoff::abort_backoff_delay(None, attempt)).await;
                }
                Err(status) => return Err(status_to_error(rpc::normalize(status))),
            }
        }
        Ok(())
    }

    /// Whether the database exists.
    pub(crate) async fn database_exists(&self, database_path: &str) -> Result<bool, Error> {
        let request = GetDatabaseRequest {
            name: database_path.to_string(),
        };
        match self.client.database().get_database(request, None).await {
            Ok(_) => Ok(true),
            Err(status) if status.code() == Code::NotFound => Ok(false),
            Err(status) => Err(status_to_error(status)),
        }
    }

    /// Creates the database (and, on the emulator, its instance) if missing.
    pub(crate) async fn create_database(
        &self,
        database_path: &str,
        create_instance: bool,
    ) -> Result<(), Error> {
        let (instance_path, database_id) = split_database_path(database_path)?;
        if create_instance {
            self.create_instance_if_missing(instance_path).await?;
        }
        let request = CreateDatabaseRequest {
            parent: instance_path.to_string(),
            create_statement: format!("CREATE DATABASE `{database_id}`"),
            ..CreateDatabaseRequest::default()
        };
        match self.client.database().create_database(request, None).await {
            Ok(mut operation) => match wait_done(&mut operation, None, self.rpc_timeout).await {
                Ok(()) => Ok(()),
                Err(status) if status.code() == Code::AlreadyExists => Ok(()),
                Err(status) => Err(status_to_error(status)),
            },
            Err(status) if status.code() == Code::AlreadyExists => Ok(()),
            Err(status) => Err(status_to_error(status)),
        }
    }

    async fn create_instance_if_missing(&self, instance_path: &str) -> Result<(), Error> {
        if !self.emulator {
            return Err(SpannerError::Unsupported(
                "creating instances is only done on the emulator; create it with gcloud".into(),
            )
            .into());
        }
        let request = GetInstanceRequest {
            name: instance_path.to_string(),
            ..GetInstanceRequest::default()
        };
        match self.client.instance().get_instance(request, None).await {
            Ok(_) => return Ok(()),
            Err(status) if status.code() == Code::NotFound => {}
            Err(status) => return Err(status_to_error(status)),
        }
        let (project_path, instance_id) =
            instance_path.rsplit_once("/instances/").ok_or_else(|| {
                SpannerError::Config(format!("not an instance path: {instance_path}"))
            })?;
        let request = CreateInstanceRequest {
            parent: project_path.to_string(),
            instance_id: instance_id.to_string(),
            instance: Some(Instance {
                name: instance_path.to_string(),
                config: format!("{project_path}/instanceConfigs/emulator-config"),
                display_name: instance_id.to_string(),
                node_count: 1,
                ..Instance::default()
            }),
        };
        match self.client.instance().create_instance(request, None).await {
            Ok(mut operation) => match wait_done(&mut operation, None, self.rpc_timeout).await {
                Ok(()) => Ok(()),
                Err(status) if status.code() == Code::AlreadyExists => Ok(()),
                Err(status) => Err(status_to_error(status)),
            },
            Err(status) if status.code() == Code::AlreadyExists => Ok(()),
            Err(status) => Err(status_to_error(status)),
        }
    }

    /// Drops the database (used by `MigrateDatabase`, feature `migrate`).
    #[cfg_attr(not(feature = "migrate"), allow(dead_code))]
    pub(crate) async fn drop_database(&self, database_path: &str) -> Result<(), Error> {
        let request = DropDatabaseRequest {
            database: database_path.to_string(),
        };
        self.client
            .database()
            .drop_database(request, None)
            .await
            .map_err(status_to_error)?;
        Ok(())
    }
}

/// How long a schema change rejected because of a concurrent one is sent again.
const CONCURRENT_DDL_WAIT: Duration = Duration::from_secs(60);

/// Spanner's refusal to start a schema change while another one (on the emulator: or any
/// read-write transaction) is in progress; nothing was changed.
fn is_concurrent_change_rejection(status: &Status) -> bool {
    status.code() == Code::FailedPrecondition
        && status
            .message()
            .contains("because a concurrent schema change operation")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_concurrent_change_rejection_is_sent_again() {
        // The emulator's words, seen failing tests/migrate.rs's concurrent migrators.
        let rejected = Status::new(
            Code::FailedPrecondition,
            "Schema change operation rejected because a concurrent schema change operation or read-write transaction is already in progress.",
        );
        assert!(is_concurrent_change_rejection(&rejected));
        let other = Status::new(
            Code::FailedPrecondition,
            "Cannot drop table Singers: it has an index",
        );
        assert!(!is_concurrent_change_rejection(&other));
        let invalid = Status::new(
            Code::InvalidArgument,
            "a concurrent schema change operation",
        );
        assert!(!is_concurrent_change_rejection(&invalid));
    }
}
