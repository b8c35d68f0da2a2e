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
