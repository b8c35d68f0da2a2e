//! SeaORM models written as Spanner mutations (`sea_query_spanner::orm::mutations`), on the
//! emulator: every kind of write, `NotSet` columns, chunked commits, atomicity and the
//! per-commit limit inside a transaction, and a type mismatch.
#![recursion_limit = "256"]

use std::future::Future;
use std::time::Duration;

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::NotSet, IntoActiveModel, QueryOrder, Set, TransactionTrait};
use sea_query_spanner::orm::mutations::{
    self, is_mutation_limit_error, MutationWriter, MAX_MUTATIONS_PER_COMMIT,
};
use sea_query_spanner::orm::{spanner_code, SpannerDatabase};
use sqlx_spanner::{MutationKind, SpannerCode};

mod item {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "items")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
        pub qty: Option<i64>,
        pub note: String,
        pub updated_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The same table seen with a wrong field type (`qty` as a string).
mod wrong_item {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "items")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
        pub qty: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

const DDL: &[&str] = &["CREATE TABLE items (
        id INT64 NOT NULL,
        name STRING(MAX) NOT NULL,
        qty INT64,
        note STRING(MAX) NOT NULL DEFAULT ('none'),
        updated_at TIMESTAMP OPTIONS (allow_commit_timestamp = true),
    ) PRIMARY KEY (id)"];

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(Duration::from_secs(180), test)
        .await
        .expect("the test did not finish within 180 s");
}

async fn database(prefix: &str) -> SpannerDatabase {
    let db = SpannerDatabase::from_pool(spanner_tests::pool_with_schema(prefix, DDL).await);
    db.register_entity::<item::Entity>();
    db
}

fn model(id: i64, name: &str, qty: Option<i64>) -> item::Model {
    item::Model {
        id,
        name: name.to_string(),
        qty,
        note: format!("note {id}"),
        updated_at: None,
    }
}

async fn all(db: &SpannerDatabase) -> Vec<item::Model> {
    item::Entity::find()
        .order_by_asc(item::Column::Id)
        .all(db)
        .await
        .expect("read items")
}

#[tokio::test]
async fn every_kind_of_mutation() {
    bounded(async {
        let db = database("mut-kinds").await;

        let summary = mutations::insert_many(
            &db,
            vec![
                model(1, "a", Some(1)),
                model(2, "b", Some(2)),
                model(3, "c", None),
            ],
        )
        .await
        .expect("insert");
        assert_eq!((summary.rows, summary.commits), (3, 1));
        assert_eq!(summary.mutations, 15, "5 columns x 3 rows");
        assert!(summary.commit_timestamp.is_some());
        assert_eq!(
            all(&db).await,
            vec![
                model(1, "a", Some(1)),
                model(2, "b", Some(2)),
                model(3, "c", None)
            ]
        );

        // Inserting an existing row is Spanner's ALREADY_EXISTS.
        let error = mutations::insert_many(&db, vec![model(1, "again", None)])
            .await
            .expect_err("duplicate insert");
        assert_eq!(
            spanner_code(&error),
            Some(SpannerCode::AlreadyExists),
            "{error}"
        );

        // Update: only the set columns change (qty and note are NotSet).
        let rename = item::ActiveModel {
            id: Set(1),
            name: Set("a2".into()),
            ..Default::default()
        };
        MutationWriter::new()
            .update(&db, [rename])
            .await
            .expect("update");
        // Updating a missing row is Spanner's NOT_FOUND.
        let missing = item::ActiveModel {
            id: Set(99),
            name: Set("x".into()),
            ..Default::default()
        };
        let error = MutationWriter::new()
            .update(&db, [missing])
            .await
            .expect_err("update of a missing row");
        assert_eq!(spanner_code(&error), Some(SpannerCode::NotFound), "{error}");

        // Insert-or-update: updates row 2 (keeping its note), inserts row 4.
        MutationWriter::new()
            .insert_or_update(
                &db,
                [
                    item::ActiveModel {
                        id: Set(2),
                        name: Set("b2".into()),
                        qty: Set(Some(20)),
                        ..Default::default()
                    },
                    item::ActiveModel {
                        id: Set(4),
                        name: Set("d".into()),
                        qty: Set(None),
                        note: Set("note 4".into()),
                        ..Default::default()
                    },
                ],
            )
            .await
            .expect("insert_or_update");

        // Replace: columns left out become NULL (qty) or their default (note).
        MutationWriter::new()
            .replace(
                &db,
                [item::ActiveModel {
                    id: Set(3),
                    name: Set("c2".into()),
                    ..Default::default()
                }],
            )
            .await
            .expect("replace");

        let rows = all(&db).await;
        assert_eq!(
            rows,
            vec![
                model(1, "a2", Some(1)),
                item::Model {
                    note: "note 2".into(),
                    ..model(2, "b2", Some(20))
                },
                item::Model {
                    note: "none".into(),
                    ..model(3, "c2", None)
                },
                model(4, "d", None),
            ]
        );

        // Delete by primary key: models, or active models with only the key set.
        let summary = mutations::delete_many(
            &db,
            vec![
                rows[0].clone().into_active_model(),
                item::ActiveModel {
                    id: Set(3),
                    ..Default::default()
                },
            ],
        )
        .await
        .expect("delete");
        assert_eq!((summary.rows, summary.mutations), (2, 2));
        let ids: Vec<i64> = all(&db).await.iter().map(|m| m.id).collect();
        assert_eq!(ids, vec![2, 4]);

        // A delete without its key is refused before anything is sent.
        let error = mutations::delete_many(
            &db,
            vec![item::ActiveModel {
                name: Set("no key".into()),
                ..Default::default()
            }],
        )
        .await
        .expect_err("delete without key");
        assert!(error.to_string().contains("items.id is not set"), "{error}");
    })
    .await;
}

#[tokio::test]
async fn not_set_columns_take_their_default_and_commit_timestamps_are_filled() {
    bounded(async {
        let db = database("mut-notset").await;
        let before = time::OffsetDateTime::now_utc() - time::Duration::minutes(5);
        let summary = MutationWriter::new()
            .commit_timestamp(item::Column::UpdatedAt)
            .insert(
                &db,
                [item::ActiveModel {
                    id: Set(1),
                    name: Set("a".into()),
                    qty: NotSet,
                    note: NotSet,
                    updated_at: NotSet,
                }],
            )
            .await
            .expect("insert with NotSet columns");
        assert_eq!(summary.mutations, 3, "id, name and the commit timestamp");
        let row = item::Entity::find_by_id(1_i64)
            .one(&db)
            .await
            .expect("read")
            .expect("row 1");
        assert_eq!(row.note, "none", "NotSet column takes its DEFAULT");
        assert_eq!(row.qty, None);
        let stamped = row.updated_at.expect("commit timestamp written");
        let committed = summary.commit_timestamp.expect("commit timestamp");
        assert_eq!(
            stamped.timestamp_micros(),
            committed.unix_timestamp_nanos() as i64 / 1000
        );
        assert!(committed > before);
    })
    .await;
}

#[tokio::test]
async fn a_write_over_the_chunk_limit_is_split_into_several_commits() {
    bounded(async {
        let db = database("mut-chunks").await;
        // 5 columns a row: 2 rows a commit under a limit of 10.
        let writer = MutationWriter::new().chunk_limit(10);
        let models: Vec<_> = (1..=7).map(|i| model(i, "n", Some(i))).collect();
        let summary = writer.insert(&db, models.clone()).await.expect("insert");
        assert_eq!(summary.rows, 7);
        assert_eq!(summary.commits, 4);
        assert_eq!(summary.mutations, 35);
        assert_eq!(all(&db).await, models);

        // The streaming path, with an index estimate: (5 + 5) a row, 1 row a commit.
        let stream =
            futures_util::stream::iter((8..=10).map(|i| model(i, "s", None).into_active_model()));
        let summary = MutationWriter::new()
            .chunk_limit(10)
            .index_entries_per_row(5)
            .insert_stream(&db, stream)
            .await
            .expect("insert_stream");
        assert_eq!((summary.rows, summary.commits), (3, 3));
        assert_eq!(all(&db).await.len(), 10);

        // One row over the limit on its own is refused before anything is sent.
        let error = MutationWriter::new()
            .chunk_limit(4)
            .insert(&db, [model(11, "big", None)])
            .await
            .expect_err("row over the limit");
        assert!(is_mutation_limit_error(&error), "{error}");
        assert_eq!(all(&db).await.len(), 10);
    })
    .await;
}

#[tokio::test]
async fn mutations_in_a_transaction_are_atomic_with_it() {
    bounded(async {
        let db = database("mut-txn").await;

        // Rolled back: nothing is written.
        let txn = db.begin().await.expect("begin");
        let summary = mutations::insert_many(&txn, vec![model(1, "a", None), model(2, "b", None)])
            .await
            .expect("buffer");
        assert_eq!((summary.rows, summary.commits), (2, 0));
        txn.rollback().await.expect("rollback");
        assert!(all(&db).await.is_empty(), "a rolled-back transaction wrote");

        // Committed: the mutations and a DML statement of the transaction land together.
        let txn = db.begin().await.expect("begin");
        mutations::insert_many(&txn, vec![model(1, "a", None)])
            .await
            .expect("buffer");
        item::ActiveModel {
            id: Set(2),
            name: Set("dml".into()),
            note: Set("n".into()),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .expect("insert by DML");
        txn.commit().await.expect("commit");
        assert_eq!(all(&db).await.len(), 2);

        // With `transaction(..)`: a failing callback leaves nothing.
        let result = db
            .transaction::<_, (), sea_orm::DbErr>(|txn| {
                Box::pin(async move {
                    mutations::insert_many(txn, vec![model(3, "c", None)]).await?;
                    Err(sea_orm::DbErr::Custom("give up".into()))
                })
            })
            .await;
        assert!(result.is_err());
        assert_eq!(all(&db).await.len(), 2);
    })
    .await;
}

#[tokio::test]
async fn over_the_limit_in_a_transaction_is_an_error_and_writes_nothing() {
    bounded(async {
        let db = database("mut-limit").await;
        let writer = MutationWriter::new().chunk_limit(12);
        let txn = db.begin().await.expect("begin");
        // 2 rows = 10 mutations: buffered.
        writer
            .insert(&txn, vec![model(1, "a", None), model(2, "b", None)])
            .await
            .expect("under the limit");
        // One more row takes the transaction to 15 > 12: refused, nothing of it buffered.
        let error = writer
            .insert(&txn, vec![model(3, "c", None)])
            .await
            .expect_err("over the limit");
        assert!(is_mutation_limit_error(&error), "{error}");
        assert!(error.to_string().contains("limit of 12"), "{error}");
        // A single write over the limit on its own too.
        let error = writer
            .insert(&txn, (10..14).map(|i| model(i, "x", None)))
            .await
            .expect_err("over the limit");
        assert!(is_mutation_limit_error(&error), "{error}");
        txn.commit().await.expect("commit");
        let ids: Vec<i64> = all(&db).await.iter().map(|m| m.id).collect();
        assert_eq!(
            ids,
            vec![1, 2],
            "only the write under the limit was committed"
        );

        // Spanner's own limit is the default.
        assert_eq!(MAX_MUTATIONS_PER_COMMIT, 80_000);
    })
    .await;
}

#[tokio::test]
async fn a_type_mismatch_is_spanners_clear_error() {
    bounded(async {
        let db = database("mut-types").await;
        let error = MutationWriter::new()
            .write_stream(
                &db,
                MutationKind::Insert,
                futures_util::stream::iter([wrong_item::ActiveModel {
                    id: Set(1),
                    name: Set("a".into()),
                    qty: Set("lots".into()),
                }]),
            )
            .await
            .expect_err("a STRING into an INT64 column");
        let code = spanner_code(&error);
        assert!(
            matches!(
                code,
                Some(SpannerCode::InvalidArgument | SpannerCode::FailedPrecondition)
            ),
            "{code:?}: {error}"
        );
        let text = error.to_string();
        assert!(text.contains("qty"), "the error names the column: {text}");
        println!("type mismatch: {text}");
        assert!(all(&db).await.is_empty());
    })
    .await;
}
