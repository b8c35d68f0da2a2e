//! The session pool.
//!
//! Spanner runs every request in a session; creating one is a round trip, so sessions are
//! kept and reused. `gcloud-spanner` has a session pool but does not export it, so the
//! driver keeps its own small one over the crate's public gRPC client: idle sessions in a
//! stack, a semaphore bounding how many exist, sessions created on demand, dropped when
//! Spanner reports them gone or when they have idled close to Spanner's one-hour limit.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gcloud_gax::grpc::{Code, Status};
use gcloud_gax::retry::RetrySetting;
use gcloud_googleapis::spanner::v1::{CreateSessionRequest, DeleteSessionRequest};
use gcloud_spanner::apiv1::conn_pool::ConnectionManager;
use gcloud_spanner::apiv1::spanner_client::Client as GrpcClient;
use sqlx_core::error::Error;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{status_to_error, SpannerError};

/// Sessions idle longer than this are discarded instead of reused (Spanner deletes
/// sessions idle for an hour).
const MAX_IDLE: Duration = Duration::from_secs(50 * 60);

/// Retry policy for one RPC: only transport-level unavailability, briefly, so that a
/// dead server is reported within seconds.
pub(crate) fn rpc_retry() -> Option<RetrySetting> {
    Some(RetrySetting {
        from_millis: 10,
        max_delay: Some(Duration::from_millis(500)),
        factor: 2,
        take: 3,
        codes: vec![Code::Unavailable],
    })
}

struct IdleSession {
    name: String,
    last_used: Instant,
}

pub(crate) struct SessionPool {
    database: String,
    channels: ConnectionManager,
    idle: Mutex<Vec<IdleSession>>,
    permits: Arc<Semaphore>,
    acquire_timeout: Duration,
}

impl SessionPool {
    pub(crate) async fn new(
        database: String,
        channels: ConnectionManager,
        min_sessions: usize,
        max_sessions: usize,
        acquire_timeout: Duration,
    ) -> Result<Arc<Self>, Error> {
        let pool = Arc::new(SessionPool {
            database,
            channels,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(max_sessions.max(1))),
            acquire_timeout,
        });
        // Opening the first sessions also proves that the database exists.
        let mut opened = Vec::with_capacity(min_sessions);
        for _ in 0..min_sessions.min(max_sessions).max(1) {
            opened.push(pool.acquire().await?);
        }
        drop(opened);
        Ok(pool)
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<IdleSession>> {
        // A panic while holding this lock cannot leave the Vec inconsistent.
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Checks out a session, creating one when none is idle.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Result<Session, Error> {
        let permit =
            tokio::time::timeout(self.acquire_timeout, self.permits.clone().acquire_owned())
                .await
                .map_err(|_| {
                    SpannerError::Session(format!(
                        "no session became free within {:?} (raise max_sessions?)",
                        self.acquire_timeout
                    ))
                })?
                .map_err(|_| SpannerError::Session("the session pool is closed".into()))?;
        let reusable = {
            let mut idle = self.lock_idle();
            idle.retain(|s| s.last_used.elapsed() < MAX_IDLE);
            idle.pop()
        };
        let name = match reusable {
            Some(session) => session.name,
            None => self.create().await?,
        };
        Ok(Session {
            name,
            grpc: self.channels.conn(),
            pool: self.clone(),
            valid: true,
            _permit: permit,
        })
    }

    async fn create(&self) -> Result<String, Error> {
        let mut grpc = self.channels.conn();
        let request = CreateSessionRequest {
            database: self.database.clone(),
            session: None,
        };
        let session = grpc
            .create_session(request, false, rpc_retry())
            .await
            .map_err(status_to_error)?
            .into_inner();
        Ok(session.name)
    }

    fn release(&self, name: String) {
        self.lock_idle().push(IdleSession {
            name,
            last_used: Instant::now(),
        });
    }
}

impl Drop for SessionPool {
    /// When the last client is gone, deletes the idle sessions on the server (best effort,
    /// on the current tokio runtime if there is one; otherwise Spanner expires them).
    fn drop(&mut self) {
        let idle: Vec<IdleSession> = std::mem::take(&mut *self.lock_idle());
        if idle.is_empty() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let mut grpc = self.channels.conn();
        runtime.spawn(async move {
            for session in idle {
                let request = DeleteSessionRequest { name: session.name };
                if let Err(error) = grpc.delete_session(request, false, None).await {
                    tracing::debug!(%error, "deleting a Spanner session failed");
                }
            }
        });
    }
}

/// A checked-out session; it returns to the pool on drop unless Spanner said it is gone.
pub(crate) struct Session {
    name: String,
    grpc: GrpcClient,
    pool: Arc<SessionPool>,
    valid: bool,
    _permit: OwnedSemaphorePermit,
}

impl Session {
    /// `projects/../sessions/..`
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The gRPC client to send this session's requests with.
    pub(crate) fn grpc(&mut self) -> &mut GrpcClient {
        &mut self.grpc
    }

    /// Passes `result` through, noting when Spanner no longer knows this session so that
    /// it is not reused.
    pub(crate) fn check<T>(&mut self, result: Result<T, Status>) -> Result<T, Error> {
        result.map_err(|status| {
            if status.code() == Code::NotFound && status.message().contains("Session not found") {
                self.valid = false;
            }
            status_to_error(status)
        })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.valid {
            self.pool.release(std::mem::take(&mut self.name));
        }
    }
}
