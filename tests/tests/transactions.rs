//! Read-write and read-only transactions: commit, rollback, drop, abort and retry.

use spanner_tests::pool_with_schema;
use sqlx::{Acquire, Executor};
use sqlx_spanner::{is_retryable, spanner_code, SpannerCode, SpannerPool, TimestampBound};

const ACCOUNTS: &str =
    "CREATE TABLE Accounts (Id INT64 NOT NULL, Balance INT64 NOT NULL) PRIMARY KEY (Id)";

async fn accounts() -> SpannerPool {
    let pool = pool_with_schema("tx", &[ACCOUNTS]).await;
    sqlx::query("INSERT INTO Accounts (Id, Balance) VALUES (1, 100), (2, 0)")
        .execute(&pool)
        .await
        .unwrap();
    pool
}

async fn balance(pool: &SpannerPool, id: i64) -> Option<i64> {
    sqlx::query_scalar("SELECT Balance FROM Accounts WHERE Id = @p1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn commit_makes_writes_visible() {
    let pool = accounts().await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("UPDATE Accounts SET Balance = Balance - 10 WHERE Id = 1")
        .execute(&mut *tx)
        .await
        .unwrap();
    // Reads inside the transaction see its own writes.
    let inside: i64 = sqlx::query_scalar("SELECT Balance FROM Accounts WHERE Id = 1")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(inside, 90);
    let moved = sqlx::query("UPDATE Accounts SET Balance = Balance + 10 WHERE Id = 2")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(moved.rows_affected(), 1);
    tx.commit().await.unwrap();
    assert_eq!(balance(&pool, 1).await, Some(90));
    assert_eq!(balance(&pool, 2).await, Some(10));
}

#[tokio::test]
async fn rollback_and_drop_discard_writes() {
    let pool = accounts().await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("DELETE FROM Accounts WHERE Id = 1")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(balance(&pool, 1).await, Some(100));

    {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("DELETE FROM Accounts WHERE Id = 1")
            .execute(&mut *tx)
            .await
            .unwrap();
        // dropped without commit
    }
    assert_eq!(balance(&pool, 1).await, Some(100));

    // A connection whose transaction was dropped is usable at once (the pending rollback
    // is sent first); the emulator would abort a new transaction if the old one lingered.
    let mut conn = pool.acquire().await.unwrap();
    {
        let mut tx = conn.begin().await.unwrap();
        sqlx::query("UPDATE Accounts SET Balance = 1 WHERE Id = 2")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("UPDATE Accounts SET Balance = 5 WHERE Id = 2")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(balance(&pool, 2).await, Some(5));
}

#[tokio::test]
async fn then_return_in_transaction_and_autocommit() {
    let pool = accounts().await;
    let (id, bal): (i64, i64) = sqlx::query_as(
        "UPDATE Accounts SET Balance = Balance + 1 WHERE Id = 1 THEN RETURN Id, Balance",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((id, bal), (1, 101));
    let mut tx = pool.begin().await.unwrap();
    let rows: Vec<(i64,)> =
        sqlx::query_as("INSERT INTO Accounts (Id, Balance) VALUES (3, 3), (4, 4) THEN RETURN Id")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    assert_eq!(rows, [(3,), (4,)]);
    // Several DML statements in one transaction each run (sequence numbers differ).
    sqlx::query("UPDATE Accounts SET Balance = 30 WHERE Id = 3")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE Accounts SET Balance = 40 WHERE Id = 4")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(balance(&pool, 3).await, Some(30));
    assert_eq!(balance(&pool, 4).await, Some(40));
}

#[tokio::test]
async fn concurrent_transactions_abort_and_retry_helper_recovers() {
    let pool = accounts().await;
    // The emulator runs one read-write transaction at a time: a second one that writes
    // while the first is open is aborted (or aborts the first).
    let mut first = pool.begin().await.unwrap();
    sqlx::query("UPDATE Accounts SET Balance = 1 WHERE Id = 1")
        .execute(&mut *first)
        .await
        .unwrap();
    let mut second = pool.begin().await.unwrap();
    let second_write = sqlx::query("UPDATE Accounts SET Balance = 2 WHERE Id = 1")
        .execute(&mut *second)
        .await;
    let second_outcome = match second_write {
        Ok(_) => second.commit().await,
        Err(e) => Err(e),
    };
    let first_outcome = first.commit().await;
    // Exactly one of them may win; any loser reports ABORTED, which is retryable.
    let outcomes = [&first_outcome, &second_outcome];
    assert!(
        outcomes.iter().any(|o| o.is_err()),
        "the emulator should abort one transaction"
    );
    for outcome in outcomes {
        if let Err(error) = outcome {
            assert!(is_retryable(error), "expected ABORTED, got {error:?}");
            assert_eq!(spanner_code(error), Some(SpannerCode::Aborted));
        }
    }
    let winner = if first_outcome.is_ok() {
        Some(1)
    } else if second_outcome.is_ok() {
        Some(2)
    } else {
        None
    };
    assert_eq!(balance(&pool, 1).await, Some(winner.unwrap_or(100)));

    // The retry helper re-runs the closure until it commits, even while another
    // transaction keeps getting in the way.
    let mut blocker = pool.begin().await.unwrap();
    sqlx::query("UPDATE Accounts SET Balance = 7 WHERE Id = 2")
        .execute(&mut *blocker)
        .await
        .unwrap();
    let attempts = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counter = attempts.clone();
    let retried = tokio::spawn({
        let pool = pool.clone();
        async move {
            sqlx_spanner::retry_transaction(&pool, 50, move |tx| {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Box::pin(async move {
                    sqlx::query("UPDATE Accounts SET Balance = Balance + 1000 WHERE Id = 2")
                        .execute(&mut **tx)
                        .await?;
                    Ok(())
                })
            })
            .await
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let _ = blocker.rollback().await;
    retried.await.unwrap().unwrap();
    assert!(attempts.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    // Exactly one +1000 applied, on top of the original 0 (the blocker rolled back).
    assert_eq!(balance(&pool, 2).await, Some(1000));
}

#[tokio::test]
async fn ddl_and_nested_transactions_are_clear_errors() {
    let pool = accounts().await;
    let mut tx = pool.begin().await.unwrap();
    let err = tx
        .execute("CREATE TABLE Nope (Id INT64) PRIMARY KEY (Id)")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("DDL"), "{err}");
    let nested = tx.begin().await.map(|_| ()).unwrap_err();
    assert!(nested.to_string().contains("savepoints"), "{nested}");
    tx.rollback().await.unwrap();
    // Outside a transaction the same DDL works.
    pool.execute("CREATE TABLE Yes (Id INT64) PRIMARY KEY (Id)")
        .await
        .unwrap();
}

#[tokio::test]
async fn read_only_transactions_and_stale_reads() {
    let pool = accounts().await;
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("UPDATE Accounts SET Balance = 111 WHERE Id = 1")
        .execute(&mut *conn)
        .await
        .unwrap();
    let t1 = conn.last_commit_timestamp().expect("commit timestamp");
    sqlx::query("UPDATE Accounts SET Balance = 222 WHERE Id = 1")
        .execute(&mut *conn)
        .await
        .unwrap();
    let t2 = conn.last_commit_timestamp().expect("commit timestamp");
    assert!(t2 > t1);

    // Stale single-use read at t1 sees the older value.
    conn.set_read_staleness(TimestampBound::ReadTimestamp(t1));
    let old: i64 = sqlx::query_scalar("SELECT Balance FROM Accounts WHERE Id = 1")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(old, 111);
    conn.set_read_staleness(TimestampBound::Strong);

    // A read-only transaction reads one snapshot and refuses writes.
    let mut ro = conn
        .begin_read_only(TimestampBound::ReadTimestamp(t1))
        .await
        .unwrap();
    let snap: i64 = sqlx::query_scalar("SELECT Balance FROM Accounts WHERE Id = 1")
        .fetch_one(&mut *ro)
        .await
        .unwrap();
    assert_eq!(snap, 111);
    assert!(ro.read_timestamp().is_some());
    let write = sqlx::query("UPDATE Accounts SET Balance = 0 WHERE Id = 1")
        .execute(&mut *ro)
        .await;
    assert!(write.is_err());
    ro.commit().await.unwrap();
    let now: i64 = sqlx::query_scalar("SELECT Balance FROM Accounts WHERE Id = 1")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(now, 222);
    let _ = conn.acquire().await.unwrap();
}

#[tokio::test]
async fn failed_autocommit_dml_leaves_no_transaction_behind() {
    let pool = accounts().await;
    for round in 0..5_i64 {
        // Fails (duplicate key) inside the autocommit transaction it began inline.
        let dup = sqlx::query("INSERT INTO Accounts (Id, Balance) VALUES (1, 0)")
            .execute(&pool)
            .await;
        assert!(dup.is_err());
        // An explicit transaction right after must not be aborted by a leftover one.
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("UPDATE Accounts SET Balance = @p1 WHERE Id = 2")
            .bind(round)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(balance(&pool, 2).await, Some(round));
    }
}

/// Bounds every wait of the tests below: a hang fails instead of stalling CI.
async fn bounded<T>(future: impl std::future::Future<Output = T>) -> T {
    // Boxed: the test futures would otherwise overflow the test thread's stack.
    tokio::time::timeout(std::time::Duration::from_secs(60), Box::pin(future))
        .await
        .expect("operation timed out")
}

#[tokio::test]
async fn failed_nested_begin_keeps_the_outer_transaction() {
    // sqlx marks a nested `Transaction` open before the driver's `begin` fails; its drop
    // used to park the *outer* transaction for rollback, and the outer commit then
    // returned Ok with the writes gone.
    let pool = accounts().await;
    let mut tx = bounded(pool.begin()).await.unwrap();
    bounded(sqlx::query("INSERT INTO Accounts (Id, Balance) VALUES (10, 10)").execute(&mut *tx))
        .await
        .unwrap();
    let nested = bounded(tx.begin()).await.map(|_| ()).unwrap_err();
    assert!(nested.to_string().contains("savepoints"), "{nested}");
    // The outer transaction is still usable and commits its writes.
    bounded(sqlx::query("INSERT INTO Accounts (Id, Balance) VALUES (11, 11)").execute(&mut *tx))
        .await
        .unwrap();
    bounded(tx.commit()).await.unwrap();
    assert_eq!(bounded(balance(&pool, 10)).await, Some(10));
    assert_eq!(bounded(balance(&pool, 11)).await, Some(11));
}

#[tokio::test]
async fn retry_transaction_on_an_open_transaction_keeps_it() {
    let pool = accounts().await;
    let mut tx = bounded(pool.begin()).await.unwrap();
    bounded(sqlx::query("INSERT INTO Accounts (Id, Balance) VALUES (12, 12)").execute(&mut *tx))
        .await
        .unwrap();
    let inner = bounded(sqlx_spanner::retry_transaction(&mut *tx, 3, |tx| {
        Box::pin(async move {
            sqlx::query("UPDATE Accounts SET Balance = 0 WHERE Id = 12")
                .execute(&mut **tx)
                .await?;
            Ok(())
        })
    }))
    .await;
    assert!(inner.is_err(), "a nested retry_transaction must fail");
    bounded(tx.commit()).await.unwrap();
    assert_eq!(bounded(balance(&pool, 12)).await, Some(12));
}

#[tokio::test]
async fn commit_without_a_live_transaction_is_an_error() {
    // A read-write transaction the driver no longer holds must not report success.
    let pool = accounts().await;
    let mut conn = bounded(pool.acquire()).await.unwrap();
    let mut tx = bounded(conn.begin()).await.unwrap();
    bounded(sqlx::query("INSERT INTO Accounts (Id, Balance) VALUES (13, 13)").execute(&mut *tx))
        .await
        .unwrap();
    // Roll back behind the Transaction's back through sqlx's own trait.
    <sqlx_spanner::SpannerTransactionManager as sqlx_spanner::sqlx_core::transaction::TransactionManager>::start_rollback(
        &mut tx,
    );
    let commit = bounded(tx.commit()).await;
    assert!(
        commit.is_err(),
        "commit of a rolled-back transaction returned Ok"
    );
    assert_eq!(bounded(balance(&pool, 13)).await, None);
}

#[tokio::test]
async fn dropped_unpolled_begin_read_only_does_not_change_the_next_begin() {
    let pool = accounts().await;
    let mut conn = bounded(pool.acquire()).await.unwrap();
    drop(conn.begin_read_only(TimestampBound::Strong));
    let mut tx = bounded(conn.begin()).await.unwrap();
    bounded(sqlx::query("UPDATE Accounts SET Balance = 5 WHERE Id = 2").execute(&mut *tx))
        .await
        .expect("begin() after a dropped begin_read_only future must be read-write");
    bounded(tx.commit()).await.unwrap();
    assert_eq!(bounded(balance(&pool, 2)).await, Some(5));
}

#[tokio::test]
async fn transaction_options_per_transaction_and_as_defaults() {
    use sqlx::Connection;
    use sqlx_spanner::{IsolationLevel, SpannerTransactionOptions};
    let pool = accounts().await;
    let mut conn = bounded(pool.acquire()).await.unwrap();

    // Per transaction: repeatable read, commit stats, commit delay, change-stream exclusion.
    conn.set_next_transaction_options(
        SpannerTransactionOptions::new()
            .isolation_level(IsolationLevel::RepeatableRead)
            .max_commit_delay(std::time::Duration::from_millis(10))
            .return_commit_stats(true)
            .exclude_txn_from_change_streams(true),
    );
    let mut tx = bounded(conn.begin()).await.unwrap();
    bounded(
        sqlx::query("INSERT INTO Accounts (Id, Balance) VALUES (20, 20), (21, 21)")
            .execute(&mut *tx),
    )
    .await
    .unwrap();
    // The emulator accepts every option (an unknown or malformed one fails the begin or
    // the commit).
    bounded(tx.commit()).await.unwrap();
    assert_eq!(bounded(balance(&pool, 21)).await, Some(21));
    // Emulator 528 returns no commit statistics even when asked (Cloud Spanner does: two
    // rows of two columns are 4 mutations); that the request asks for them is checked by
    // the unit tests of the client.
    if let Some(stats) = conn.last_commit_stats() {
        assert_eq!(stats.mutation_count, 4, "{stats:?}");
    }

    // The options were for that transaction only.
    let mut tx = bounded(conn.begin()).await.unwrap();
    bounded(sqlx::query("UPDATE Accounts SET Balance = 0 WHERE Id = 20").execute(&mut *tx))
        .await
        .unwrap();
    bounded(tx.commit()).await.unwrap();
    assert_eq!(conn.last_commit_stats(), None);

    // Autocommit DML and mutations take them too.
    conn.set_next_transaction_options(
        SpannerTransactionOptions::new()
            .return_commit_stats(true)
            .isolation_level(IsolationLevel::RepeatableRead),
    );
    bounded(sqlx::query("UPDATE Accounts SET Balance = 1 WHERE Id = 21").execute(&mut *conn))
        .await
        .unwrap();
    assert_eq!(bounded(balance(&pool, 21)).await, Some(1));
    drop(conn);

    // As connection defaults (URL option form).
    let options = spanner_tests::fresh_options("txdef")
        .isolation_level(IsolationLevel::RepeatableRead)
        .return_commit_stats(true)
        .max_commit_delay(std::time::Duration::from_millis(5));
    let mut conn = bounded(sqlx_spanner::SpannerConnection::connect_with(&options))
        .await
        .unwrap();
    bounded(conn.execute_ddl([ACCOUNTS])).await.unwrap();
    let mut tx = bounded(sqlx::Connection::begin(&mut conn)).await.unwrap();
    bounded(sqlx::query("INSERT INTO Accounts (Id, Balance) VALUES (1, 1)").execute(&mut *tx))
        .await
        .unwrap();
    bounded(tx.commit()).await.unwrap();
    let (n,): (i64,) =
        bounded(sqlx::query_as("SELECT COUNT(*) FROM Accounts").fetch_one(&mut conn))
            .await
            .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn retry_transaction_returns_the_body_error() {
    let pool = accounts().await;
    let result: Result<(), sqlx::Error> =
        bounded(sqlx_spanner::retry_transaction(&pool, 3, |tx| {
            Box::pin(async move {
                sqlx::query("UPDATE Accounts SET Balance = 1 WHERE Id = 1")
                    .execute(&mut **tx)
                    .await?;
                Err(sqlx::Error::RowNotFound)
            })
        }))
        .await;
    assert!(
        matches!(result, Err(sqlx::Error::RowNotFound)),
        "{result:?}"
    );
    assert_eq!(bounded(balance(&pool, 1)).await, Some(100));
}

/// A connection whose read-write transactions retry aborts internally.
async fn retrying_connection(
    pool: &SpannerPool,
) -> sqlx::pool::PoolConnection<sqlx_spanner::Spanner> {
    let mut conn = bounded(pool.acquire()).await.unwrap();
    conn.set_retry_aborts_internally(true);
    conn
}

/// Makes the emulator abort `conn`'s open transaction, so that its next request fails
/// with a real `ABORTED`: the server transaction is rolled back, `change` (if any) is
/// committed by another connection, and ours continues in a fresh server transaction
/// begun while a third transaction is active, which the emulator aborts. (Now and then the
/// emulator gives ours priority instead and aborts the third: then it is tried again.)
/// The third transaction is committed after half a second by the returned task.
async fn abort_next_request(
    pool: &SpannerPool,
    conn: &mut sqlx_spanner::SpannerConnection,
    mut change: Option<&'static str>,
) -> tokio::task::JoinHandle<bool> {
    for _ in 0..20 {
        let mut other = None;
        let aborted = bounded(conn.__restart_transaction_on_server(
            async {
                if let Some(change) = change.take() {
                    bounded(sqlx::query(change).execute(pool)).await.unwrap();
                }
                let mut tx = bounded(pool.begin()).await.unwrap();
                bounded(sqlx::query(NO_OP).execute(&mut *tx)).await.unwrap();
                other = Some(tx);
            },
            NO_OP,
        ))
        .await
        .unwrap();
        let other = other.expect("the other transaction began");
        if aborted {
            return tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                other.commit().await.is_ok()
            });
        }
        let _ = bounded(other.rollback()).await;
    }
    panic!("the emulator never aborted the transaction");
}

const NO_OP: &str = "UPDATE Accounts SET Balance = Balance WHERE Id = 2";

#[tokio::test]
async fn internal_retry_replays_an_aborted_transaction_transparently() {
    let pool = accounts().await;
    let mut conn = retrying_connection(&pool).await;
    for round in 1..=2_i64 {
        let mut tx = bounded(conn.begin()).await.unwrap();
        let read: i64 = bounded(
            sqlx::query_scalar("SELECT Balance FROM Accounts WHERE Id = 1").fetch_one(&mut *tx),
        )
        .await
        .unwrap();
        assert_eq!(read, 100 - (round - 1));
        let moved = bounded(
            sqlx::query("UPDATE Accounts SET Balance = Balance + 1 WHERE Id = 2").execute(&mut *tx),
        )
        .await
        .unwrap();
        assert_eq!(moved.rows_affected(), 1);
        let mut args = sqlx_spanner::SpannerArguments::default();
        sqlx::Arguments::add(&mut args, 100 + round).unwrap();
        sqlx::Arguments::add(&mut args, round).unwrap();
        tx.buffer_mutations(vec![sqlx_spanner::Mutation::insert(
            "Accounts",
            &["Id", "Balance"],
        )
        .row(args)])
            .unwrap();

        // Spanner aborts the next statement: the driver replays the read (same row), the
        // update (same count) and the mutation in a new transaction, then runs it.
        let before = tx.internal_retry_count();
        let other = bounded(abort_next_request(&pool, &mut tx, None)).await;
        let updated = bounded(
            sqlx::query("UPDATE Accounts SET Balance = @p1 WHERE Id = 1")
                .bind(read - 1)
                .execute(&mut *tx),
        )
        .await
        .expect("the abort is recovered by replaying the transaction");
        assert_eq!(updated.rows_affected(), 1);
        bounded(other).await.unwrap();
        assert!(
            tx.internal_retry_count() > before,
            "the statement was not recovered"
        );

        // An aborted commit is replayed and committed too.
        let before = tx.internal_retry_count();
        let other = bounded(abort_next_request(&pool, &mut tx, None)).await;
        bounded(tx.commit())
            .await
            .expect("the aborted commit is retried");
        bounded(other).await.unwrap();
        assert!(
            conn.internal_retry_count() > before,
            "the commit was not recovered"
        );

        // Every write of the transaction applied exactly once.
        assert_eq!(bounded(balance(&pool, 1)).await, Some(100 - round));
        assert_eq!(bounded(balance(&pool, 2)).await, Some(round));
        assert_eq!(bounded(balance(&pool, 100 + round)).await, Some(round));
    }
}

#[tokio::test]
async fn internal_retry_fails_when_the_data_changed_between_attempts() {
    let pool = accounts().await;
    let mut conn = retrying_connection(&pool).await;
    let mut tx = bounded(conn.begin()).await.unwrap();
    let read: i64 = bounded(
        sqlx::query_scalar("SELECT Balance FROM Accounts WHERE Id = 1").fetch_one(&mut *tx),
    )
    .await
    .unwrap();
    assert_eq!(read, 100);
    // Spanner aborts the transaction, and meanwhile another one changes what it read.
    let other = bounded(abort_next_request(
        &pool,
        &mut tx,
        Some("UPDATE Accounts SET Balance = 999 WHERE Id = 1"),
    ))
    .await;
    let error = bounded(
        sqlx::query("UPDATE Accounts SET Balance = @p1 WHERE Id = 2")
            .bind(read)
            .execute(&mut *tx),
    )
    .await
    .expect_err("a replay over changed data must fail");
    bounded(other).await.unwrap();
    assert!(
        sqlx_spanner::is_aborted_due_to_concurrent_modification(&error),
        "{error:?}"
    );
    assert!(is_retryable(&error));
    // Nothing of the transaction may be committed.
    assert!(bounded(tx.commit()).await.is_err());
    assert_eq!(bounded(balance(&pool, 1)).await, Some(999));
    assert_eq!(bounded(balance(&pool, 2)).await, Some(0));
    // The replay's transaction was rolled back, not left active: another read-write
    // transaction is not aborted by it (the emulator aborts any second active one).
    bounded(sqlx::Connection::ping(&mut *conn)).await.unwrap();
    let mut other = bounded(pool.acquire()).await.unwrap();
    other.set_max_autocommit_attempts(1);
    bounded(sqlx::query("UPDATE Accounts SET Balance = 1 WHERE Id = 2").execute(&mut *other))
        .await
        .expect("a transaction left behind by the failed replay aborted this one");
}

#[tokio::test]
async fn internal_retry_waits_out_a_concurrent_transaction() {
    // The emulator aborts a read-write transaction while another one is active: real
    // ABORTED errors, on a statement and on a commit of buffered mutations.
    let pool = accounts().await;
    let mut blocker = bounded(pool.begin()).await.unwrap();
    bounded(sqlx::query("UPDATE Accounts SET Balance = 7 WHERE Id = 2").execute(&mut *blocker))
        .await
        .unwrap();
    let release = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        blocker.commit().await.is_ok()
    });
    let mut conn = retrying_connection(&pool).await;
    let mut tx = bounded(conn.begin()).await.unwrap();
    let updated = bounded(
        sqlx::query("UPDATE Accounts SET Balance = Balance + 1 WHERE Id = 1").execute(&mut *tx),
    )
    .await
    .expect("retried until the other transaction ended");
    assert_eq!(updated.rows_affected(), 1);
    let recovered = tx.internal_retry_count();
    bounded(tx.commit()).await.unwrap();
    let blocker_committed = bounded(release).await.unwrap();
    // Either ours was aborted and recovered, or the emulator aborted the blocker instead.
    assert!(recovered >= 1 || !blocker_committed);
    assert_eq!(bounded(balance(&pool, 1)).await, Some(101));
    assert_eq!(
        bounded(balance(&pool, 2)).await,
        Some(if blocker_committed { 7 } else { 0 })
    );

    // Mutations only: the commit itself is aborted (or, now and then, the blocker is), and
    // an aborted commit is replayed.
    let mut blocker = bounded(pool.begin()).await.unwrap();
    bounded(sqlx::query("UPDATE Accounts SET Balance = 7 WHERE Id = 2").execute(&mut *blocker))
        .await
        .unwrap();
    let release = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        blocker.rollback().await.is_ok()
    });
    let mut tx = bounded(conn.begin()).await.unwrap();
    let mut args = sqlx_spanner::SpannerArguments::default();
    sqlx::Arguments::add(&mut args, 40_i64).unwrap();
    sqlx::Arguments::add(&mut args, 40_i64).unwrap();
    tx.buffer_mutations(vec![sqlx_spanner::Mutation::insert(
        "Accounts",
        &["Id", "Balance"],
    )
    .row(args)])
        .unwrap();
    bounded(tx.commit()).await.expect("aborted commit retried");
    bounded(release).await.unwrap();
    assert_eq!(bounded(balance(&pool, 40)).await, Some(40));
}
