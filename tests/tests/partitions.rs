//! Partitioned queries (PartitionQuery in a batch read-only transaction) on the emulator:
//! the partitions together return the rows of the plain query once each, a serialized
//! partition runs on a connection of another pool, stale bounds, the merged parallel
//! stream, Data Boost, the session returned, and Spanner's error for a query that cannot be
//! partitioned.

use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

use futures_util::TryStreamExt;
use sqlx::Row;
use sqlx_spanner::{
    spanner_code, Mutation, PartitionOptions, QueryPartition, SpannerArguments, SpannerCode,
    SpannerConnectOptions, SpannerPool, SpannerPoolOptions, TimestampBound,
};

const DDL: &[&str] = &["CREATE TABLE items (id INT64 NOT NULL, name STRING(MAX)) PRIMARY KEY (id)"];

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(Duration::from_secs(180), test)
        .await
        .expect("the test did not finish within 180 s");
}

/// Options naming one fresh database (two pools made from two such options share nothing
/// but the database, like two processes).
fn options_for(database: &str) -> SpannerConnectOptions {
    SpannerConnectOptions::new()
        .emulator_host(spanner_tests::emulator_host())
        .project("test-project")
        .instance("test-instance")
        .database(database)
        .create_if_missing(true)
}

async fn pool_on(database: &str) -> SpannerPool {
    SpannerPoolOptions::new()
        .max_connections(4)
        .connect_with(options_for(database))
        .await
        .expect("connect to the emulator")
}

/// A pool on a fresh database with the items table, empty.
async fn pool_with_table(prefix: &str) -> (SpannerPool, String) {
    let database = spanner_tests::unique_database_name(prefix);
    let pool = pool_on(&database).await;
    let mut conn = pool.acquire().await.expect("acquire");
    conn.execute_ddl(DDL.iter().copied()).await.expect("schema");
    (pool, database)
}

/// A pool on a fresh database holding items `ids` (loaded with mutations).
async fn pool_with_items(
    prefix: &str,
    ids: std::ops::RangeInclusive<i64>,
) -> (SpannerPool, String) {
    let (pool, database) = pool_with_table(prefix).await;
    let mut conn = pool.acquire().await.expect("acquire");
    insert(&mut conn, ids).await;
    (pool, database)
}

async fn insert(
    conn: &mut sqlx_spanner::SpannerConnection,
    ids: std::ops::RangeInclusive<i64>,
) -> time::OffsetDateTime {
    let mut mutation = Mutation::insert("items", &["id", "name"]);
    for id in ids {
        let mut row = SpannerArguments::default();
        row.add(id).expect("id");
        row.add(format!("item {id}")).expect("name");
        mutation = mutation.row(row);
    }
    conn.apply_mutations(vec![mutation])
        .await
        .expect("load items")
        .expect("a commit timestamp")
}

async fn ids_of(rows: sqlx_spanner::PartitionRowStream) -> Vec<i64> {
    let rows: Vec<_> = rows.try_collect().await.expect("partition rows");
    rows.iter().map(|row| row.get::<i64, _>("id")).collect()
}

async fn plain_ids(pool: &SpannerPool, sql: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await
        .expect("plain query");
    ids.sort_unstable();
    ids
}

fn sessions_in_use(pool: &SpannerPool) -> usize {
    pool.connect_options()
        .session_pool_status()
        .expect("the pool has connected")
        .in_use
}

#[tokio::test]
async fn the_partitions_return_every_row_of_the_query_once() {
    bounded(async {
        let (pool, _) = pool_with_items("part-all", 1..=300).await;
        let sql = "SELECT id, name FROM items WHERE id > @p1";
        let mut args = SpannerArguments::default();
        args.add(10_i64).expect("bind");
        let mut conn = pool.acquire().await.expect("acquire");
        let query = conn
            .partition_query(
                sql,
                args,
                PartitionOptions {
                    max_partitions: Some(4),
                    ..PartitionOptions::default()
                },
            )
            .await
            .expect("partition_query");
        assert!(!query.partitions().is_empty());
        assert!(query.read_timestamp().is_some(), "the snapshot is exposed");
        assert_eq!(
            query.partitions()[0].read_timestamp(),
            query.read_timestamp()
        );
        assert_eq!(
            sessions_in_use(&pool),
            1,
            "the batch transaction holds a session"
        );

        let mut from_partitions = Vec::new();
        for partition in query.partitions() {
            let rows = conn.execute_partition(partition).await.expect("execute");
            from_partitions.extend(ids_of(rows).await);
        }
        let count = from_partitions.len();
        from_partitions.sort_unstable();
        let distinct: BTreeSet<_> = from_partitions.iter().copied().collect();
        assert_eq!(distinct.len(), count, "a row was returned twice");
        assert_eq!(
            from_partitions,
            plain_ids(&pool, "SELECT id FROM items WHERE id > 10").await
        );
        assert_eq!(from_partitions.len(), 290);

        // The merged stream over the pool, at most 3 partitions at a time.
        let mut merged = ids_of(query.execute_all(&pool, 3)).await;
        merged.sort_unstable();
        assert_eq!(merged, from_partitions);

        query.close();
        drop(conn);
        assert_eq!(
            sessions_in_use(&pool),
            0,
            "the batch session was not returned"
        );
    })
    .await;
}

#[tokio::test]
async fn a_serialized_partition_runs_on_a_connection_of_another_pool() {
    bounded(async {
        let (pool, database) = pool_with_items("part-ser", 1..=50).await;
        let mut conn = pool.acquire().await.expect("acquire");
        let query = conn
            .partition_query(
                "SELECT id FROM items",
                SpannerArguments::default(),
                PartitionOptions::default(),
            )
            .await
            .expect("partition_query");
        let shipped: Vec<String> = query
            .partitions()
            .iter()
            .map(|p| serde_json::to_string(p).expect("serialize"))
            .collect();
        let as_bytes: Vec<Vec<u8>> = query.partitions().iter().map(|p| p.to_bytes()).collect();

        // "Another process": a pool with its own session pool and channels.
        let worker_pool = pool_on(&database).await;
        let mut worker = worker_pool.acquire().await.expect("acquire");
        let mut ids = Vec::new();
        for text in &shipped {
            let partition: QueryPartition = serde_json::from_str(text).expect("deserialize");
            assert_eq!(partition.read_timestamp(), query.read_timestamp());
            ids.extend(ids_of(worker.execute_partition(&partition).await.expect("run")).await);
        }
        ids.sort_unstable();
        assert_eq!(ids, (1..=50).collect::<Vec<_>>());

        let mut again = Vec::new();
        for bytes in &as_bytes {
            let partition = QueryPartition::from_bytes(bytes).expect("from_bytes");
            again.extend(ids_of(worker.execute_partition(&partition).await.expect("run")).await);
        }
        again.sort_unstable();
        assert_eq!(again, ids);
        assert!(QueryPartition::from_bytes(b"\x07junk").is_err());
        query.close();
    })
    .await;
}

#[tokio::test]
async fn a_stale_bound_reads_the_snapshot_it_names() {
    bounded(async {
        let (pool, _) = pool_with_table("part-stale").await;
        let mut conn = pool.acquire().await.expect("acquire");
        let first_commit = insert(&mut conn, 1..=20).await;
        insert(&mut conn, 21..=30).await;

        let query = conn
            .partition_query(
                "SELECT id FROM items",
                SpannerArguments::default(),
                PartitionOptions {
                    timestamp_bound: TimestampBound::ReadTimestamp(first_commit),
                    ..PartitionOptions::default()
                },
            )
            .await
            .expect("partition_query at a read timestamp");
        assert_eq!(query.read_timestamp(), Some(first_commit));
        let mut ids = ids_of(query.execute_all(&pool, 2)).await;
        ids.sort_unstable();
        assert_eq!(
            ids,
            (1..=20).collect::<Vec<_>>(),
            "rows of the later commit were read"
        );

        // A bound valid only for single reads is refused.
        let error = conn
            .partition_query(
                "SELECT id FROM items",
                SpannerArguments::default(),
                PartitionOptions {
                    timestamp_bound: TimestampBound::MaxStaleness(Duration::from_secs(5)),
                    ..PartitionOptions::default()
                },
            )
            .await
            .expect_err("MaxStaleness");
        assert!(error.to_string().contains("single-use"), "{error}");
    })
    .await;
}

#[tokio::test]
async fn data_boost_is_sent_and_accepted() {
    bounded(async {
        let (pool, _) = pool_with_items("part-boost", 1..=10).await;
        let mut conn = pool.acquire().await.expect("acquire");
        let query = conn
            .partition_query(
                "SELECT id FROM items",
                SpannerArguments::default(),
                PartitionOptions {
                    data_boost_enabled: true,
                    partition_size_bytes: Some(1 << 20),
                    ..PartitionOptions::default()
                },
            )
            .await
            .expect("partition_query");
        assert!(query.partitions().iter().all(|p| p.data_boost_enabled()));
        let mut ids = ids_of(query.execute_all(&pool, 2)).await;
        ids.sort_unstable();
        assert_eq!(ids, (1..=10).collect::<Vec<_>>());

        let plain = conn
            .partition_query(
                "SELECT id FROM items",
                SpannerArguments::default(),
                PartitionOptions::default(),
            )
            .await
            .expect("partition_query");
        assert!(plain.partitions().iter().all(|p| !p.data_boost_enabled()));
    })
    .await;
}

#[tokio::test]
async fn a_query_that_cannot_be_partitioned_is_spanners_error() {
    bounded(async {
        let (pool, _) = pool_with_items("part-bad", 1..=5).await;
        let mut conn = pool.acquire().await.expect("acquire");
        let error = conn
            .partition_query(
                "SELECT id FROM items ORDER BY id LIMIT 3",
                SpannerArguments::default(),
                PartitionOptions::default(),
            )
            .await
            .expect_err("not root-partitionable");
        assert_eq!(
            spanner_code(&error),
            Some(SpannerCode::InvalidArgument),
            "{error}"
        );
        println!("not partitionable: {error}");

        let error = conn
            .partition_query(
                "DELETE FROM items WHERE TRUE",
                SpannerArguments::default(),
                PartitionOptions::default(),
            )
            .await
            .expect_err("DML");
        assert!(error.to_string().contains("only queries"), "{error}");

        // Nothing leaked: the failed batch transaction returned its session.
        drop(conn);
        assert_eq!(sessions_in_use(&pool), 0);
    })
    .await;
}

mod item {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "items")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[tokio::test]
async fn a_seaorm_select_is_read_by_partitions_into_models() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    use sea_query_spanner::orm::SpannerDatabase;

    bounded(async {
        let (pool, _) = pool_with_items("part-orm", 1..=40).await;
        let db = SpannerDatabase::from_pool(pool.clone());
        db.register_entity::<item::Entity>();
        let select = item::Entity::find().filter(item::Column::Id.gt(5_i64));
        let partitioned = db
            .partition_select(
                select.clone(),
                PartitionOptions {
                    max_partitions: Some(3),
                    ..PartitionOptions::default()
                },
            )
            .await
            .expect("partition_select");
        assert!(partitioned.read_timestamp().is_some());
        let mut models: Vec<item::Model> =
            partitioned.models(2).try_collect().await.expect("models");
        models.sort_by_key(|m| m.id);
        let plain = select
            .order_by_asc(item::Column::Id)
            .all(&db)
            .await
            .expect("plain select");
        assert_eq!(models, plain);
        assert_eq!(models.len(), 35);
        partitioned.close();

        let error = db
            .partition_select(
                item::Entity::find().order_by_asc(item::Column::Id).limit(3),
                PartitionOptions::default(),
            )
            .await
            .expect_err("not root-partitionable");
        assert_eq!(
            sea_query_spanner::orm::spanner_code(&error),
            Some(SpannerCode::InvalidArgument),
            "{error}"
        );
        assert_eq!(sessions_in_use(&pool), 0);
    })
    .await;
}

/// A partition whose session name was altered: Spanner does not know that session.
fn with_unknown_session(partition: &QueryPartition) -> QueryPartition {
    let mut bytes = partition.to_bytes();
    let marker = b"sessions/";
    let at = bytes
        .windows(marker.len())
        .position(|w| w == marker)
        .expect("the partition names its session")
        + marker.len();
    bytes[at] = if bytes[at] == b'z' { b'y' } else { b'z' };
    QueryPartition::from_bytes(&bytes).expect("still a partition")
}

#[tokio::test]
async fn the_merged_stream_ends_at_the_first_error() {
    use futures_util::StreamExt;

    bounded(async {
        let (pool, _) = pool_with_items("part-err", 1..=30).await;
        let mut conn = pool.acquire().await.expect("acquire");
        let query = conn
            .partition_query(
                "SELECT id FROM items",
                SpannerArguments::default(),
                PartitionOptions::default(),
            )
            .await
            .expect("partition_query");
        let good = query.partitions()[0].clone();
        let bad = with_unknown_session(&good);

        let error = match conn.execute_partition(&bad).await {
            Ok(rows) => ids_of_result(rows).await.expect_err("unknown session"),
            Err(error) => error,
        };
        assert_eq!(spanner_code(&error), Some(SpannerCode::NotFound), "{error}");

        let items: Vec<_> =
            sqlx_spanner::execute_partitions(&pool, vec![bad, good.clone(), good], 1)
                .collect()
                .await;
        let last = items.last().expect("at least the error");
        assert!(last.is_err(), "the stream ended with the error");
        assert_eq!(
            items.iter().filter(|item| item.is_err()).count(),
            1,
            "nothing after the first error"
        );
        query.close();
        drop(conn);
        assert_eq!(sessions_in_use(&pool), 0);
    })
    .await;
}

async fn ids_of_result(rows: sqlx_spanner::PartitionRowStream) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<_> = rows.try_collect().await?;
    Ok(rows.iter().map(|row| row.get::<i64, _>("id")).collect())
}
