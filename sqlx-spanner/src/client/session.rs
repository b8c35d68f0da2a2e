//! The session pool.
//!
//! Spanner runs every request in a session; creating one is a round trip, so sessions are
//! kept and reused. `gcloud-spanner` has a session pool but does not export it, so the
//! driver keeps its own over the crate's public gRPC client: idle sessions in a stack, a
//! semaphore bounding how many exist, sessions created on demand.
//!
//! The pool heals itself:
//! - a session Spanner reports as gone ("Session not found": idle for an hour, garbage
//!   collected, the server restarted) is dropped, and the callers that had written nothing
//!   retry on a fresh session (see `SpannerClient` in `client/transaction.rs`);
//! - a background task (while any client of the pool lives) discards sessions idle close to
//!   Spanner's one-hour limit (deleting them on the server), keeps the others alive with a
//!   `SELECT 1`, and tops the pool up to `min_sessions`;
//! - a session dropped in the middle of a read-write transaction (a cancelled future, a
//!   dropped connection, `close_hard`) never returns to the pool with that transaction
//!   open: the transaction is rolled back first, or the session is deleted, which ends it.
//!
//! At connect the pool asks for a *multiplexed* session (one session serving any number of
//! concurrent read-only requests, what Google's newer clients use). Where the server grants
//! one, single-use reads and read-only transactions use it and need no checkout. The
//! emulator answers with an ordinary session (`multiplexed = false`); the pool then keeps it
//! as a regular session and every request uses the regular pool.

use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use gcloud_gax::grpc::Status;
use gcloud_googleapis::spanner::v1::{
    execute_sql_request::QueryMode, transaction_options, transaction_selector,
    CreateSessionRequest, DeleteSessionRequest, ExecuteSqlRequest, RollbackRequest,
    Session as ProtoSession, TransactionOptions, TransactionSelector,
};
use gcloud_spanner::apiv1::spanner_client::Client as GrpcClient;
use sqlx_core::error::Error;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::channel::Channels;
use super::rpc::{self, Deadlines, Routing};
use crate::error::{status_to_error, SpannerError};

/// Sessions idle longer than this are discarded instead of reused (Spanner deletes
/// sessions idle for an hour).
const MAX_IDLE: Duration = Duration::from_secs(50 * 60);

/// Idle sessions unused for this long get a keep-alive query.
const KEEP_ALIVE_AFTER: Duration = Duration::from_secs(30 * 60);

/// How the pool is sized and maintained.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PoolSettings {
    pub(crate) min_sessions: usize,
    pub(crate) max_sessions: usize,
    /// How long a checkout waits for a free session.
    pub(crate) acquire_timeout: Duration,
    /// How often the background task maintains the pool.
    pub(crate) maintenance_interval: Duration,
}

struct IdleSession {
    name: String,
    last_used: Instant,
}

pub(crate) struct SessionPool {
    database: String,
    channels: Channels,
    idle: Mutex<Vec<IdleSession>>,
    permits: Arc<Semaphore>,
    settings: PoolSettings,
    deadlines: Deadlines,
    /// The multiplexed session for read-only work, where the server granted one.
    multiplexed: Mutex<Option<String>>,
}

impl SessionPool {
    pub(crate) async fn new(
        database: String,
        channels: Channels,
        settings: PoolSettings,
        deadlines: Deadlines,
    ) -> Result<Arc<Self>, Error> {
        let pool = Arc::new(SessionPool {
            database,
            channels,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(settings.max_sessions.max(1))),
            settings,
            deadlines,
            multiplexed: Mutex::new(None),
        });
        // The first session proves that the database exists.
        pool.open_multiplexed().await?;
        pool.top_up().await?;
        spawn_maintenance(Arc::downgrade(&pool), settings.maintenance_interval);
        Ok(pool)
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<IdleSession>> {
        // A panic while holding this lock cannot leave the Vec inconsistent.
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock_multiplexed(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.multiplexed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Number of idle sessions (for tests and diagnostics).
    pub(crate) fn idle_count(&self) -> usize {
        self.lock_idle().len()
    }

    /// A gRPC client on one of the pool's channels (for requests that name their session
    /// themselves, such as a partition of a batch read).
    pub(crate) fn grpc(&self) -> GrpcClient {
        self.channels.conn()
    }

    /// The deadlines of the pool's client.
    pub(crate) fn deadlines(&self) -> Deadlines {
        self.deadlines
    }

    /// Number of sessions checked out right now.
    pub(crate) fn in_use_count(&self) -> usize {
        self.settings.max_sessions.max(1) - self.permits.available_permits()
    }

    /// Whether read-only work runs on a multiplexed session.
    pub(crate) fn has_multiplexed(&self) -> bool {
        self.lock_multiplexed().is_some()
    }

    /// Asks for a multiplexed session; keeps what the server answers (a multiplexed
    /// session, or an ordinary one that joins the regular pool).
    async fn open_multiplexed(self: &Arc<Self>) -> Result<(), Error> {
        let session = self.create(true).await?;
        if session.multiplexed {
            *self.lock_multiplexed() = Some(session.name);
        } else {
            tracing::debug!(
                "the server granted an ordinary session for a multiplexed request \
                 (the emulator does); using regular sessions only"
            );
            self.release(session.name);
        }
        Ok(())
    }

    /// Creates sessions until `min_sessions` exist (idle plus checked out).
    async fn top_up(self: &Arc<Self>) -> Result<(), Error> {
        let wanted = self.settings.min_sessions.min(self.settings.max_sessions);
        while self.idle_count() + self.in_use_count() < wanted {
            let session = self.create(false).await?;
            self.release(session.name);
        }
        Ok(())
    }

    /// Checks out a session for read-only work: the multiplexed session where there is one,
    /// otherwise a regular session.
    pub(crate) async fn acquire_for(self: &Arc<Self>, routing: Routing) -> Result<Session, Error> {
        if routing == Routing::AnyReplica {
            let multiplexed = self.lock_multiplexed().clone();
            if let Some(name) = multiplexed {
                return Ok(Session {
                    name,
                    grpc: self.channels.conn(),
                    pool: self.clone(),
                    state: SessionState::Multiplexed,
                    _permit: None,
                });
            }
        }
        self.acquire().await
    }

    /// Checks out a regular session, creating one when none is idle.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Result<Session, Error> {
        let timeout = self.settings.acquire_timeout;
        let permit = tokio::time::timeout(timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| {
                SpannerError::Session(format!(
                    "no session became free within {timeout:?} (raise max_sessions?)"
                ))
            })?
            .map_err(|_| SpannerError::Session("the session pool is closed".into()))?;
        let (reusable, expired) = {
            let mut idle = self.lock_idle();
            let (fresh, expired): (Vec<_>, Vec<_>) = std::mem::take(&mut *idle)
                .into_iter()
                .partition(|s| s.last_used.elapsed() < MAX_IDLE);
            *idle = fresh;
            (idle.pop(), expired)
        };
        self.delete_in_background(expired.into_iter().map(|s| s.name).collect());
        let name = match reusable {
            Some(session) => session.name,
            None => self.create(false).await?.name,
        };
        Ok(Session {
            name,
            grpc: self.channels.conn(),
            pool: self.clone(),
            state: SessionState::Clean,
            _permit: Some(permit),
        })
    }

    async fn create(&self, multiplexed: bool) -> Result<ProtoSession, Error> {
        let mut grpc = self.channels.conn();
        let request = CreateSessionRequest {
            database: self.database.clone(),
            session: Some(ProtoSession {
                multiplexed,
                ..ProtoSession::default()
            }),
        };
        let call = grpc.create_session(request, false, rpc::transient_retry());
        let session = rpc::with_deadline(self.deadlines.rpc, "CreateSession", call)
            .await
            .map_err(status_to_error)?
            .into_inner();
        Ok(session)
    }

    fn release(&self, name: String) {
        self.lock_idle().push(IdleSession {
            name,
            last_used: Instant::now(),
        });
    }

    /// Forgets the multiplexed session (Spanner no longer knows it); the maintenance task
    /// asks for a new one.
    fn forget_multiplexed(&self, name: &str) {
        let mut multiplexed = self.lock_multiplexed();
        if multiplexed.as_deref() == Some(name) {
            *multiplexed = None;
        }
    }

    /// Deletes sessions on the server, in the background (best effort).
    fn delete_in_background(&self, names: Vec<String>) {
        if names.is_empty() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let grpc = self.channels.conn();
        let limit = self.deadlines.rpc;
        runtime.spawn(delete_sessions(grpc, names, limit));
    }

    /// One round of maintenance: discard sessions about to expire, keep the others alive,
    /// restore `min_sessions`, and ask again for a multiplexed session if it was lost.
    async fn maintain(self: &Arc<Self>) {
        let (expired, stale) = {
            let mut idle = self.lock_idle();
            let mut expired = Vec::new();
            let mut stale = Vec::new();
            let mut keep = Vec::new();
            for session in std::mem::take(&mut *idle) {
                let age = session.last_used.elapsed();
                if age >= MAX_IDLE {
                    expired.push(session.name);
                } else if age >= KEEP_ALIVE_AFTER {
                    stale.push(session);
                } else {
                    keep.push(session);
                }
            }
            *idle = keep;
            (expired, stale)
        };
        self.delete_in_background(expired);
        for session in stale {
            match self.keep_alive(&session.name).await {
                Ok(()) => self.release(session.name),
                Err(error) => {
                    tracing::debug!(%error, "a Spanner session failed its keep-alive; dropped");
                }
            }
        }
        if let Err(error) = self.top_up().await {
            tracing::debug!(%error, "could not restore min_sessions");
        }
    }

    async fn keep_alive(&self, name: &str) -> Result<(), Status> {
        let mut grpc = self.channels.conn();
        let request = ExecuteSqlRequest {
            session: name.to_string(),
            transaction: Some(TransactionSelector {
                selector: Some(transaction_selector::Selector::SingleUse(
                    TransactionOptions {
                        mode: Some(transaction_options::Mode::ReadOnly(
                            transaction_options::ReadOnly::default(),
                        )),
                        ..TransactionOptions::default()
                    },
                )),
            }),
            sql: "SELECT 1".into(),
            query_mode: QueryMode::Normal as i32,
            ..ExecuteSqlRequest::default()
        };
        let call = grpc.execute_sql(request, true, None);
        rpc::with_deadline(self.deadlines.rpc, "keep-alive query", call).await?;
        Ok(())
    }
}

async fn delete_sessions(mut grpc: GrpcClient, names: Vec<String>, limit: Duration) {
    for name in names {
        let request = DeleteSessionRequest { name };
        let call = grpc.delete_session(request, false, None);
        if let Err(error) = rpc::with_deadline(limit, "DeleteSession", call).await {
            tracing::debug!(%error, "deleting a Spanner session failed");
        }
    }
}

/// Maintains the pool until the last client drops it.
fn spawn_maintenance(pool: Weak<SessionPool>, interval: Duration) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            let Some(pool) = pool.upgrade() else {
                return;
            };
            if !pool.has_multiplexed() && pool.idle_count() + pool.in_use_count() == 0 {
                // Everything was lost (e.g. a server restart): start over as at connect.
                let _ = pool.open_multiplexed().await;
            }
            pool.maintain().await;
        }
    });
}

impl Drop for SessionPool {
    /// When the last client is gone, deletes the idle sessions on the server (best effort,
    /// on the current tokio runtime if there is one; otherwise Spanner expires them).
    fn drop(&mut self) {
        let mut names: Vec<String> = std::mem::take(&mut *self.lock_idle())
            .into_iter()
            .map(|s| s.name)
            .collect();
        names.extend(self.lock_multiplexed().take());
        self.delete_in_background(names);
    }
}

/// What happens to a session when its holder drops it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SessionState {
    /// Back to the pool.
    Clean,
    /// Spanner no longer knows it: forgotten.
    Invalid,
    /// A read-write transaction may be open on it: the transaction (if its id is known) is
    /// rolled back before the session returns to the pool; otherwise the session is deleted,
    /// which ends any transaction on it.
    InTransaction(Option<Vec<u8>>),
    /// The shared multiplexed session: nothing to return.
    Multiplexed,
}

/// A checked-out session; it returns to the pool on drop unless Spanner said it is gone.
pub(crate) struct Session {
    name: String,
    grpc: GrpcClient,
    pool: Arc<SessionPool>,
    state: SessionState,
    _permit: Option<OwnedSemaphorePermit>,
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

    /// A clone of the gRPC client (for a result stream that resumes itself).
    pub(crate) fn grpc_clone(&self) -> GrpcClient {
        self.grpc.clone()
    }

    /// The deadlines of the pool's client.
    pub(crate) fn deadlines(&self) -> Deadlines {
        self.pool.deadlines
    }

    /// Marks that a read-write transaction may be open on this session from now on (its
    /// id, once known), so that dropping the session ends it.
    pub(crate) fn enter_transaction(&mut self, id: Option<Vec<u8>>) {
        if matches!(
            self.state,
            SessionState::Clean | SessionState::InTransaction(_)
        ) {
            self.state = SessionState::InTransaction(id);
        }
    }

    /// Marks the read-write transaction as finished (committed or rolled back).
    pub(crate) fn leave_transaction(&mut self) {
        if matches!(self.state, SessionState::InTransaction(_)) {
            self.state = SessionState::Clean;
        }
    }

    /// Passes `result` through, noting when Spanner no longer knows this session so that
    /// it is not reused.
    pub(crate) fn check<T>(&mut self, result: Result<T, Status>) -> Result<T, Error> {
        result.map_err(|status| {
            let status = rpc::normalize(status);
            if rpc::is_session_not_found(&status) {
                self.invalidate();
            }
            status_to_error(status)
        })
    }

    /// Forgets this session: Spanner no longer knows it. The idle sessions are dropped
    /// too (deleted in the background): a lost session usually means a server restart,
    /// which lost them all, and retrying through each stale one would only fail again.
    pub(crate) fn invalidate(&mut self) {
        if self.state == SessionState::Multiplexed {
            self.pool.forget_multiplexed(&self.name);
        }
        if self.state != SessionState::Invalid {
            let stale: Vec<String> = std::mem::take(&mut *self.pool.lock_idle())
                .into_iter()
                .map(|s| s.name)
                .collect();
            self.pool.delete_in_background(stale);
        }
        self.state = SessionState::Invalid;
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.name);
        match std::mem::replace(&mut self.state, SessionState::Invalid) {
            SessionState::Clean => self.pool.release(name),
            SessionState::Invalid | SessionState::Multiplexed => {}
            SessionState::InTransaction(id) => {
                let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                    // No runtime to end the transaction on: never reuse the session;
                    // Spanner ends the idle transaction and expires the session.
                    return;
                };
                let pool = self.pool.clone();
                let grpc = self.grpc.clone();
                let permit = self._permit.take();
                runtime.spawn(async move {
                    end_abandoned_transaction(&pool, grpc, name, id).await;
                    drop(permit);
                });
            }
        }
    }
}

/// How long the driver keeps trying to end a transaction abandoned while the server was
/// unreachable.
const ABANDONED_CLEANUP: Duration = Duration::from_secs(300);

/// Ends the read-write transaction a dropped session may hold: rolls it back (then the
/// session returns to the pool), or deletes the session, retrying with backoff while the
/// server is unreachable (a stopped server keeps the transaction, and on the emulator it
/// blocks every other read-write transaction, until it is ended).
async fn end_abandoned_transaction(
    pool: &Arc<SessionPool>,
    mut grpc: GrpcClient,
    name: String,
    id: Option<Vec<u8>>,
) {
    let started = Instant::now();
    let mut pause = Duration::from_millis(100);
    let limit = pool.deadlines.rpc;
    loop {
        let result = match &id {
            Some(transaction_id) => {
                let request = RollbackRequest {
                    session: name.clone(),
                    transaction_id: transaction_id.clone(),
                };
                let call = grpc.rollback(request, false, None);
                rpc::with_deadline(limit, "Rollback", call)
                    .await
                    .map(|_| true)
            }
            None => {
                let request = DeleteSessionRequest { name: name.clone() };
                let call = grpc.delete_session(request, false, None);
                rpc::with_deadline(limit, "DeleteSession", call)
                    .await
                    .map(|_| false)
            }
        };
        match result {
            // Rolled back: the session is clean again.
            Ok(true) => {
                pool.release(name);
                return;
            }
            // Deleted.
            Ok(false) => return,
            Err(status) if is_transient(&status) && started.elapsed() < ABANDONED_CLEANUP => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(status) => {
                // Spanner answered (the transaction or session is gone, or the rollback
                // was refused): make sure the session is not reused.
                tracing::debug!(%status, "ending an abandoned Spanner transaction");
                if !rpc::is_session_not_found(&status) {
                    delete_sessions(grpc, vec![name], limit).await;
                }
                return;
            }
        }
    }
}

fn is_transient(status: &Status) -> bool {
    rpc::is_resumable(status)
        || matches!(
            status.code(),
            gcloud_gax::grpc::Code::DeadlineExceeded | gcloud_gax::grpc::Code::Unknown
        )
}

/// `true` when `error` says Spanner no longer knows the session the request ran on.
pub(crate) fn is_session_lost(error: &Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.try_downcast_ref::<crate::SpannerDatabaseError>())
        .is_some_and(|e| {
            e.spanner_code() == crate::SpannerCode::NotFound
                && sqlx_core::error::DatabaseError::message(e).contains("Session not found")
        })
}
