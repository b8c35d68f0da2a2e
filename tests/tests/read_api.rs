//! The Read API (StreamingRead): by keys, key ranges and secondary indexes, in single-use
//! reads, read-only and read-write transactions, and from SeaORM entities.

use std::future::Future;
use std::ops::Bound;
use std::time::Duration;

use futures_util::TryStreamExt;
use spanner_tests::pool_with_schema;
use sqlx::{Connection, Row};
use sqlx_spanner::read::{KeyRange, KeySet, ReadRequest};
use sqlx_spanner::{spanner_code, SpannerArguments, SpannerPool, SpannerRow, TimestampBound};

const SCHEMA: &[&str] = &[
    "CREATE TABLE Singers (SingerId INT64 NOT NULL, FirstName STRING(100), \
     LastName STRING(100) NOT NULL, SingerRank INT64) PRIMARY KEY (SingerId)",
    "CREATE INDEX SingersByLastName ON Singers (LastName)",
    "CREATE NULL_FILTERED INDEX SingersByRank ON Singers (SingerRank) STORING (FirstName)",
    "CREATE TABLE Albums (SingerId INT64 NOT NULL, AlbumId INT64 NOT NULL, \
     Title STRING(100)) PRIMARY KEY (SingerId, AlbumId)",
];

async fn bounded<F: Future>(future: F) -> F::Output {
    // Boxed: the test futures would otherwise overflow the test thread's stack.
    tokio::time::timeout(Duration::from_secs(60), Box::pin(future))
        .await
        .expect("the operation did not finish in 60 s")
}

/// Singers 1..=6 (6 has no rank), albums (1,1), (1,2), (2,1).
async fn music() -> SpannerPool {
    let pool = pool_with_schema("read", SCHEMA).await;
    bounded(
        sqlx::query(
            "INSERT INTO Singers (SingerId, FirstName, LastName, SingerRank) VALUES \
             (1, 'Marc', 'Richards', 30), (2, 'Catalina', 'Smith', 10), \
             (3, 'Alice', 'Trentor', 20), (4, 'Lea', 'Martin', 50), \
             (5, 'David', 'Smith', 40), (6, 'Nora', 'Zed', NULL)",
        )
        .execute(&pool),
    )
    .await
    .unwrap();
    bounded(
        sqlx::query(
            "INSERT INTO Albums (SingerId, AlbumId, Title) VALUES \
             (1, 1, 'Total Junk'), (1, 2, 'Go, Go, Go'), (2, 1, 'Green')",
        )
        .execute(&pool),
    )
    .await
    .unwrap();
    pool
}

fn key<T>(value: T) -> SpannerArguments
where
    T: for<'q> sqlx::Encode<'q, sqlx_spanner::Spanner> + sqlx::Type<sqlx_spanner::Spanner>,
{
    let mut arguments = SpannerArguments::default();
    arguments.add(value).unwrap();
    arguments
}

fn ids(rows: &[SpannerRow]) -> Vec<i64> {
    rows.iter()
        .map(|row| row.get::<i64, _>("SingerId"))
        .collect()
}

async fn read(pool: &SpannerPool, request: ReadRequest) -> Vec<SpannerRow> {
    bounded(request.fetch_all(pool)).await.unwrap()
}

fn singers(keys: KeySet) -> ReadRequest {
    ReadRequest::new("Singers", ["SingerId", "FirstName"], keys)
}

#[tokio::test]
async fn reads_by_keys_in_key_order_and_skips_missing_keys() {
    let pool = music().await;
    let rows = read(
        &pool,
        singers(KeySet::keys([key(3_i64), key(99_i64), key(1_i64)])),
    )
    .await;
    assert_eq!(ids(&rows), vec![1, 3]);
    assert_eq!(rows[1].get::<String, _>("FirstName"), "Alice");
    assert_eq!(rows[0].columns().len(), 2);
    // A missing key alone: no rows, no error.
    assert!(read(&pool, singers(KeySet::key(key(99_i64))))
        .await
        .is_empty());
    // Every row, with a limit.
    let rows = read(&pool, singers(KeySet::all()).limit(4)).await;
    assert_eq!(ids(&rows), vec![1, 2, 3, 4]);
}

#[tokio::test]
async fn reads_key_ranges_with_every_bound_kind() {
    let pool = music().await;
    let range = |r: KeyRange| singers(KeySet::range(r));
    let closed = read(&pool, range(KeyRange::closed(key(2_i64), key(4_i64)))).await;
    assert_eq!(ids(&closed), vec![2, 3, 4]);
    let closed_open = read(&pool, range(KeyRange::closed_open(key(2_i64), key(4_i64)))).await;
    assert_eq!(ids(&closed_open), vec![2, 3]);
    let open_closed = read(&pool, range(KeyRange::open_closed(key(2_i64), key(4_i64)))).await;
    assert_eq!(ids(&open_closed), vec![3, 4]);
    let open = read(&pool, range(KeyRange::open(key(2_i64), key(4_i64)))).await;
    assert_eq!(ids(&open), vec![3]);
    let to = read(
        &pool,
        range(KeyRange::new(Bound::Unbounded, Bound::Included(key(2_i64)))),
    )
    .await;
    assert_eq!(ids(&to), vec![1, 2]);
    let from = read(
        &pool,
        range(KeyRange::new(Bound::Excluded(key(4_i64)), Bound::Unbounded)),
    )
    .await;
    assert_eq!(ids(&from), vec![5, 6]);
    // Keys and ranges together, each row once.
    let mixed = read(
        &pool,
        singers(KeySet::key(key(6_i64)).and_range(KeyRange::closed(key(1_i64), key(2_i64)))),
    )
    .await;
    assert_eq!(ids(&mixed), vec![1, 2, 6]);
    // A key prefix of a composite key: every album of singer 1.
    let albums = read(
        &pool,
        ReadRequest::new(
            "Albums",
            ["AlbumId", "Title"],
            KeySet::range(KeyRange::closed(key(1_i64), key(1_i64))),
        ),
    )
    .await;
    let titles: Vec<String> = albums.iter().map(|r| r.get("Title")).collect();
    assert_eq!(titles, vec!["Total Junk", "Go, Go, Go"]);
}

#[tokio::test]
async fn reads_through_secondary_indexes() {
    let pool = music().await;
    // Index keys: LastName; the primary key is always available from an index.
    let smiths = read(
        &pool,
        ReadRequest::new(
            "Singers",
            ["SingerId", "LastName"],
            KeySet::key(key("Smith")),
        )
        .index("SingersByLastName"),
    )
    .await;
    assert_eq!(ids(&smiths), vec![2, 5]);
    // NULL_FILTERED + STORING: rows with a NULL rank are not in the index; the stored
    // column is read from it, in index order.
    let ranked = read(
        &pool,
        ReadRequest::new("Singers", ["SingerRank", "FirstName"], KeySet::all())
            .index("SingersByRank"),
    )
    .await;
    let names: Vec<String> = ranked.iter().map(|r| r.get("FirstName")).collect();
    assert_eq!(names, vec!["Catalina", "Alice", "Marc", "David", "Lea"]);
    let top = read(
        &pool,
        ReadRequest::new(
            "Singers",
            ["SingerId"],
            KeySet::range(KeyRange::closed_open(key(10_i64), key(30_i64))),
        )
        .index("SingersByRank"),
    )
    .await;
    assert_eq!(ids(&top), vec![2, 3]);
}

#[tokio::test]
async fn a_stale_read_sees_older_data() {
    let pool = music().await;
    let mut conn = bounded(pool.acquire()).await.unwrap();
    // The time of the data before the update.
    let before = bounded(
        sqlx::query("UPDATE Singers SET FirstName = 'Marcus' WHERE SingerId = 1")
            .execute(&mut *conn),
    )
    .await
    .map(|_| conn.last_commit_timestamp().unwrap())
    .unwrap();
    bounded(
        sqlx::query("UPDATE Singers SET FirstName = 'Marco' WHERE SingerId = 1")
            .execute(&mut *conn),
    )
    .await
    .unwrap();
    let first_name = |rows: Vec<SpannerRow>| rows[0].get::<String, _>("FirstName");
    let strong = bounded(
        singers(KeySet::key(key(1_i64)))
            .fetch(&mut conn)
            .try_collect(),
    )
    .await
    .unwrap();
    assert_eq!(first_name(strong), "Marco");
    conn.set_read_staleness(TimestampBound::ReadTimestamp(before));
    let stale = bounded(
        singers(KeySet::key(key(1_i64)))
            .fetch(&mut conn)
            .try_collect(),
    )
    .await
    .unwrap();
    assert_eq!(first_name(stale), "Marcus");
    conn.set_read_staleness(TimestampBound::Strong);
    // In a read-only transaction: its snapshot.
    let mut tx = bounded(conn.begin_read_only(TimestampBound::ReadTimestamp(before)))
        .await
        .unwrap();
    let snapshot = bounded(singers(KeySet::key(key(1_i64))).fetch_all(&mut *tx))
        .await
        .unwrap();
    assert_eq!(first_name(snapshot), "Marcus");
    bounded(tx.commit()).await.unwrap();
}

#[tokio::test]
async fn a_read_in_a_read_write_transaction_sees_its_writes_and_commits() {
    let pool = music().await;
    let mut conn = bounded(pool.acquire()).await.unwrap();
    // With automatic batching the buffered update is sent before the read.
    conn.set_auto_batch_dml(true);
    let mut tx = bounded(conn.begin()).await.unwrap();
    bounded(
        sqlx::query("UPDATE Singers SET SingerRank = SingerRank + 1 WHERE SingerId = 2")
            .execute(&mut *tx),
    )
    .await
    .unwrap();
    assert_eq!(tx.buffered_dml_count(), 1);
    let rows = bounded(
        ReadRequest::new("Singers", ["SingerRank"], KeySet::key(key(2_i64))).fetch_all(&mut *tx),
    )
    .await
    .unwrap();
    assert_eq!(rows[0].get::<i64, _>("SingerRank"), 11);
    assert_eq!(tx.buffered_dml_count(), 0);
    bounded(tx.commit()).await.unwrap();
    let after: i64 = bounded(
        sqlx::query_scalar("SELECT SingerRank FROM Singers WHERE SingerId = 2").fetch_one(&pool),
    )
    .await
    .unwrap();
    assert_eq!(after, 11);
}

#[tokio::test]
async fn bad_keys_tables_and_columns_are_clear_errors() {
    let pool = music().await;
    // A BOOL for an INT64 key column.
    let error = bounded(singers(KeySet::key(key(true))).fetch_all(&pool))
        .await
        .unwrap_err();
    assert!(spanner_code(&error).is_some(), "{error:?}");
    // Too many key values.
    let mut two = key(1_i64);
    two.add(2_i64).unwrap();
    let error = bounded(singers(KeySet::key(two)).fetch_all(&pool))
        .await
        .unwrap_err();
    assert!(spanner_code(&error).is_some(), "{error:?}");
    let error = bounded(ReadRequest::new("NoSuchTable", ["Id"], KeySet::all()).fetch_all(&pool))
        .await
        .unwrap_err();
    assert!(spanner_code(&error).is_some(), "{error:?}");
    let error = bounded(ReadRequest::new("Singers", ["Nope"], KeySet::all()).fetch_all(&pool))
        .await
        .unwrap_err();
    assert!(spanner_code(&error).is_some(), "{error:?}");
    // No columns: refused before anything is sent.
    let none: [&str; 0] = [];
    assert!(
        bounded(ReadRequest::new("Singers", none, KeySet::all()).fetch_all(&pool))
            .await
            .is_err()
    );
    // The pool still works.
    assert_eq!(read(&pool, singers(KeySet::key(key(1_i64)))).await.len(), 1);
}

mod album {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "Albums")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false, column_name = "SingerId")]
        pub singer_id: i64,
        #[sea_orm(primary_key, auto_increment = false, column_name = "AlbumId")]
        pub album_id: i64,
        #[sea_orm(column_name = "Title")]
        pub title: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[tokio::test]
async fn seaorm_reads_entities_by_composite_primary_key() {
    use sea_query_spanner::orm::read::{find_all_by_key, find_by_key_range, find_by_keys};
    use sea_query_spanner::orm::SpannerDatabase;

    let db = SpannerDatabase::from_pool(music().await);
    let found = bounded(find_by_keys::<album::Entity>(&db, [(2, 1), (9, 9), (1, 2)]))
        .await
        .unwrap();
    let keys: Vec<(i64, i64)> = found.iter().map(|a| (a.singer_id, a.album_id)).collect();
    assert_eq!(keys, vec![(1, 2), (2, 1)], "key order, missing key skipped");
    assert_eq!(found[1].title.as_deref(), Some("Green"));
    let none = bounded(find_by_keys::<album::Entity>(&db, Vec::new()))
        .await
        .unwrap();
    assert!(none.is_empty());
    let range = bounded(find_by_key_range::<album::Entity>(
        &db,
        Bound::Excluded((1, 1)),
        Bound::Unbounded,
    ))
    .await
    .unwrap();
    let keys: Vec<(i64, i64)> = range.iter().map(|a| (a.singer_id, a.album_id)).collect();
    assert_eq!(keys, vec![(1, 2), (2, 1)]);
    let all = bounded(find_all_by_key::<album::Entity>(&db))
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].title.as_deref(), Some("Total Junk"));
}
