//! Scenarios of SeaORM's own test suite (github.com/SeaQL/sea-orm, `tests/`), ported to the
//! emulator through `SpannerDatabase`. Each test names the SeaORM test file it follows;
//! docs/seaorm.md lists which SeaORM test files are ported and why the others are skipped.
//!
//! The scenarios use this repository's bakery entities (`tests/src/entities`) instead of
//! SeaORM's `bakery_chain` (auto-increment `i32` keys do not exist on Spanner: keys here are
//! client-assigned or IDENTITY columns with bit-reversed sequences).

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ActiveValue::NotSet, ConnectionTrait, DbBackend, PaginatorTrait, QueryOrder, QuerySelect, Set,
    Statement, TransactionError, TransactionTrait, TryInsertResult, Unchanged,
};
use sea_query_spanner::orm::{self, SpannerDatabase, SpannerSchema};
use serde_json::json;
use spanner_tests::entities::{baker, bakery, cake, fruit};

/// Fails the test instead of hanging when `fut` takes longer than `secs` seconds.
async fn bounded<T>(secs: u64, what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(secs), fut)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within {secs}s"))
}

async fn db(prefix: &str) -> SpannerDatabase {
    bounded(180, "schema", async {
        let db = SpannerDatabase::from_pool(spanner_tests::pool(prefix).await);
        SpannerSchema::new()
            .table::<bakery::Entity>()
            .table::<baker::Entity>()
            .table::<cake::Entity>()
            .table::<fruit::Entity>()
            .apply(&db)
            .await
            .expect("schema");
        db
    })
    .await
}

fn fruit_named(id: i32, name: &str) -> fruit::ActiveModel {
    fruit::ActiveModel {
        id: Set(id),
        name: Set(name.into()),
        cake_id: Set(None),
        weight: Set(None),
    }
}

fn bakery_named(name: &str) -> bakery::ActiveModel {
    bakery::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name.into()),
        profit_margin: Set(10.4),
        opened_at: Set(chrono::NaiveDate::from_ymd_opt(2024, 5, 6)
            .expect("date")
            .and_hms_opt(7, 8, 9)
            .expect("time")),
    }
}

/// `tests/basic.rs` (`crud_cake`): save inserts (key NotSet: an IDENTITY column), save
/// updates, count, find_by_id, delete.
#[tokio::test]
async fn basic_crud() {
    let db = db("cmp_basic").await;
    let apple = cake::ActiveModel {
        id: NotSet,
        name: Set("Apple Pie".to_owned()),
        price: Set(Decimal::new(350, 2)),
        gluten_free: Set(false),
        layers: Set(1),
        bakery_id: Set(None),
    };
    let mut apple = bounded(60, "save", apple.save(&db)).await.expect("insert");
    let Unchanged(id) = apple.id else {
        panic!("the key is read back: {:?}", apple.id)
    };
    assert_eq!(apple.name, Unchanged("Apple Pie".to_owned()));

    apple.name = Set("Lemon Tart".to_owned());
    let apple = bounded(60, "save", apple.save(&db)).await.expect("update");
    assert_eq!(apple.name, Unchanged("Lemon Tart".to_owned()));

    let count = bounded(60, "count", cake::Entity::find().count(&db)).await;
    assert_eq!(count.expect("count"), 1);
    let found = bounded(60, "find", cake::Entity::find_by_id(id).one(&db))
        .await
        .expect("find")
        .expect("the row");
    assert_eq!(found.name, "Lemon Tart");

    let deleted = bounded(60, "delete", found.delete(&db))
        .await
        .expect("delete");
    assert_eq!(deleted.rows_affected, 1);
    let count = bounded(60, "count", cake::Entity::find().count(&db)).await;
    assert_eq!(count.expect("count"), 0);
}

/// `tests/upsert_tests.rs`: `last_insert_id` of insert_many, `ON CONFLICT DO NOTHING`
/// (`INSERT OR IGNORE`), `RecordNotInserted` and `TryInsertResult::Conflicted`.
#[tokio::test]
async fn upsert_do_nothing() {
    let db = db("cmp_upsert").await;
    let empty = bounded(
        60,
        "empty insert",
        fruit::Entity::insert_many::<fruit::ActiveModel, _>([]).exec(&db),
    )
    .await
    .expect("empty insert");
    assert_eq!(empty.last_insert_id, None);

    let res = bounded(
        60,
        "insert",
        fruit::Entity::insert_many([fruit_named(1, "a"), fruit_named(2, "b")]).exec(&db),
    )
    .await
    .expect("insert");
    assert_eq!(res.last_insert_id, Some(2));

    let on_conflict = OnConflict::column(fruit::Column::Id)
        .do_nothing_on([fruit::Column::Id])
        .to_owned();
    let res = bounded(
        60,
        "upsert",
        fruit::Entity::insert_many([
            fruit_named(1, "a"),
            fruit_named(2, "b"),
            fruit_named(3, "c"),
        ])
        .on_conflict(on_conflict.clone())
        .exec(&db),
    )
    .await
    .expect("insert or ignore");
    assert_eq!(res.last_insert_id, Some(3));

    let dup = bounded(
        60,
        "duplicate",
        fruit::Entity::insert_many([fruit_named(3, "c"), fruit_named(4, "d")]).exec(&db),
    )
    .await;
    assert!(
        matches!(dup, Err(DbErr::Query(_) | DbErr::Exec(_))),
        "{dup:?}"
    );

    let none = bounded(
        60,
        "all conflict",
        fruit::Entity::insert_many([fruit_named(1, "a"), fruit_named(2, "b")])
            .on_conflict(on_conflict)
            .exec(&db),
    )
    .await;
    assert!(matches!(none, Err(DbErr::RecordNotInserted)), "{none:?}");

    let conflicted = bounded(
        60,
        "do_nothing_on",
        fruit::Entity::insert_many([fruit_named(1, "a"), fruit_named(2, "b")])
            .on_conflict_do_nothing_on([fruit::Column::Id])
            .exec(&db),
    )
    .await;
    assert!(
        matches!(conflicted, Ok(TryInsertResult::Conflicted)),
        "{conflicted:?}"
    );
}

/// `tests/upsert_tests.rs` (update shape): `ON CONFLICT DO UPDATE` of every inserted column
/// is `INSERT OR UPDATE`; a partial update is an error (it would silently reset columns).
#[tokio::test]
async fn upsert_update() {
    let db = db("cmp_upsert_update").await;
    bounded(60, "insert", fruit_named(1, "old").insert(&db))
        .await
        .expect("insert");
    let all = OnConflict::column(fruit::Column::Id)
        .update_columns([
            fruit::Column::Name,
            fruit::Column::CakeId,
            fruit::Column::Weight,
        ])
        .to_owned();
    bounded(
        60,
        "upsert",
        fruit::Entity::insert(fruit_named(1, "new"))
            .on_conflict(all)
            .exec(&db),
    )
    .await
    .expect("insert or update");
    let found = bounded(60, "find", fruit::Entity::find_by_id(1).one(&db))
        .await
        .expect("find")
        .expect("row");
    assert_eq!(found.name, "new");

    let partial = OnConflict::column(fruit::Column::Id)
        .update_column(fruit::Column::Name)
        .to_owned();
    let err = bounded(
        60,
        "partial",
        fruit::Entity::insert(fruit_named(1, "newer"))
            .on_conflict(partial)
            .exec(&db),
    )
    .await
    .expect_err("a partial upsert has no GoogleSQL form");
    assert!(err.to_string().contains("ON CONFLICT"), "{err}");
}

/// `tests/returning_tests.rs`: `query_one` of INSERT / UPDATE .. RETURNING, and
/// `exec_with_returning` of insert_many (empty included).
#[tokio::test]
async fn returning() {
    let db = db("cmp_returning").await;
    let builder = db.get_database_backend();
    let columns = [fruit::Column::Id, fruit::Column::Name];
    let returning =
        Query::returning().exprs(columns.into_iter().map(|c| c.into_returning_expr(builder)));
    let mut insert = Query::insert();
    insert
        .into_table(fruit::Entity)
        .columns([fruit::Column::Id, fruit::Column::Name])
        .values_panic([1.into(), "Bakery Shop".into()])
        .returning(returning.clone());
    let row = bounded(60, "insert", db.query_one(&insert))
        .await
        .expect("insert")
        .expect("row");
    // The inserted value is an `i32`, so (as on PostgreSQL's `integer`) `id` reads as `i32`.
    assert_eq!(row.try_get::<i32>("", "id").expect("id"), 1);
    assert_eq!(
        row.try_get::<String>("", "name").expect("name"),
        "Bakery Shop"
    );

    let mut update = Query::update();
    update
        .table(fruit::Entity)
        .values([(fruit::Column::Name, "Bakery 2".into())])
        .and_where(fruit::Column::Id.eq(1))
        .returning(returning);
    let row = bounded(60, "update", db.query_one(&update))
        .await
        .expect("update")
        .expect("row");
    assert_eq!(row.try_get::<String>("", "name").expect("name"), "Bakery 2");

    let none = bounded(
        60,
        "empty",
        fruit::Entity::insert_many::<fruit::ActiveModel, _>([]).exec_with_returning(&db),
    )
    .await
    .expect("empty insert");
    assert!(none.is_empty());
    let models = bounded(
        60,
        "insert_many returning",
        fruit::Entity::insert_many([fruit_named(2, "b"), fruit_named(3, "c")])
            .exec_with_returning(&db),
    )
    .await
    .expect("insert many");
    assert_eq!(models.iter().map(|m| m.id).collect::<Vec<_>>(), vec![2, 3]);
}

/// `tests/delete_by_id_tests.rs`.
#[tokio::test]
async fn delete_by_id() {
    let db = db("cmp_delete_by_id").await;
    bounded(
        60,
        "insert",
        fruit::Entity::insert_many([fruit_named(1, "a"), fruit_named(2, "b")]).exec(&db),
    )
    .await
    .expect("insert");
    let res = bounded(60, "delete", fruit::Entity::delete_by_id(2).exec(&db))
        .await
        .expect("delete");
    assert_eq!(res.rows_affected, 1);
    let res = bounded(60, "delete", fruit::Entity::delete_by_id(3).exec(&db))
        .await
        .expect("delete");
    assert_eq!(res.rows_affected, 0);
    let left = bounded(60, "find", fruit::Entity::find().all(&db))
        .await
        .expect("find");
    assert_eq!(left.iter().map(|f| f.id).collect::<Vec<_>>(), vec![1]);
}

/// `tests/exists_tests.rs`.
#[tokio::test]
async fn exists() {
    let db = db("cmp_exists").await;
    let none = bounded(60, "exists", bakery::Entity::find().exists(&db)).await;
    assert!(!none.expect("exists"));
    bounded(60, "insert", bakery_named("SeaSide").insert(&db))
        .await
        .expect("insert");
    let some = bounded(60, "exists", bakery::Entity::find().exists(&db)).await;
    assert!(some.expect("exists"));
    let filtered = bounded(
        60,
        "exists",
        bakery::Entity::find()
            .filter(bakery::Column::Name.eq("Elsewhere"))
            .exists(&db),
    )
    .await;
    assert!(!filtered.expect("exists"));
}

/// `tests/paginator_tests.rs` and `tests/cursor_tests.rs`.
#[tokio::test]
async fn pagination_and_cursor() {
    let db = db("cmp_paging").await;
    let rows: Vec<_> = (1..=10)
        .map(|i| fruit_named(i, &format!("f{i:02}")))
        .collect();
    bounded(60, "insert", fruit::Entity::insert_many(rows).exec(&db))
        .await
        .expect("insert");

    let paginator = fruit::Entity::find()
        .order_by_asc(fruit::Column::Id)
        .paginate(&db, 3);
    let pages = bounded(60, "pages", paginator.num_pages()).await;
    assert_eq!(pages.expect("pages"), 4);
    let items = bounded(60, "items", paginator.num_items()).await;
    assert_eq!(items.expect("items"), 10);
    let page = bounded(60, "page", paginator.fetch_page(1))
        .await
        .expect("page");
    assert_eq!(page.iter().map(|f| f.id).collect::<Vec<_>>(), vec![4, 5, 6]);
    let last = bounded(60, "page", paginator.fetch_page(3))
        .await
        .expect("page");
    assert_eq!(last.iter().map(|f| f.id).collect::<Vec<_>>(), vec![10]);

    let mut cursor = fruit::Entity::find().cursor_by(fruit::Column::Id);
    cursor.after(3).before(8).first(2);
    let first = bounded(60, "cursor", cursor.all(&db))
        .await
        .expect("cursor");
    assert_eq!(first.iter().map(|f| f.id).collect::<Vec<_>>(), vec![4, 5]);
    let mut cursor = fruit::Entity::find().cursor_by(fruit::Column::Id);
    cursor.before(8).last(2);
    let last = bounded(60, "cursor", cursor.all(&db))
        .await
        .expect("cursor");
    assert_eq!(last.iter().map(|f| f.id).collect::<Vec<_>>(), vec![6, 7]);
}

/// `tests/transaction_tests.rs`: commit, rollback on error, a failed statement leaves the
/// transaction usable for rollback; nested transactions are an error (no savepoints).
#[tokio::test]
async fn transactions() {
    let db = db("cmp_txn").await;
    bounded(
        60,
        "commit",
        db.transaction::<_, _, DbErr>(|txn| {
            Box::pin(async move {
                fruit_named(1, "a").insert(txn).await?;
                fruit_named(2, "b").insert(txn).await?;
                Ok(())
            })
        }),
    )
    .await
    .expect("committed");

    let failed = bounded(
        60,
        "rollback",
        db.transaction::<_, (), DbErr>(|txn| {
            Box::pin(async move {
                fruit_named(3, "c").insert(txn).await?;
                Err(DbErr::Custom("abort the transaction".into()))
            })
        }),
    )
    .await;
    assert!(matches!(failed, Err(TransactionError::Transaction(_))));
    let count = bounded(60, "count", fruit::Entity::find().count(&db)).await;
    assert_eq!(count.expect("count"), 2);

    let txn = bounded(60, "begin", db.begin()).await.expect("begin");
    let nested = bounded(60, "nested", TransactionTrait::begin(&txn)).await;
    assert!(nested.is_err(), "Spanner has no savepoints");
    bounded(60, "rollback", sea_orm::TransactionSession::rollback(txn))
        .await
        .expect("rollback");
}

/// `tests/execute_unprepared_tests.rs` and `tests/raw_sql_tests.rs`.
#[tokio::test]
async fn execute_unprepared_and_raw_sql() {
    let db = db("cmp_raw").await;
    let res = bounded(
        60,
        "unprepared",
        db.execute_unprepared(r#"INSERT INTO "fruit" ("id", "name") VALUES (1, 'a'), (2, 'b')"#),
    )
    .await
    .expect("unprepared insert");
    assert_eq!(res.rows_affected(), 2);
    let rows = bounded(
        60,
        "raw",
        fruit::Entity::find()
            .from_raw_sql(Statement::from_sql_and_values(
                DbBackend::Postgres,
                r#"SELECT "id", "name", "cake_id", "weight" FROM "fruit" WHERE "id" > $1 ORDER BY "id""#,
                [0i32.into()],
            ))
            .all(&db),
    )
    .await
    .expect("raw select");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].name, "b");
}

/// `tests/sql_err_tests.rs`: a unique violation is recognised (through
/// `sea_query_spanner::orm::sql_err`, since `DbErr::sql_err` only knows SeaORM's drivers).
#[tokio::test]
async fn sql_err_unique_violation() {
    let db = db("cmp_sql_err").await;
    bounded(60, "insert", fruit_named(1, "a").insert(&db))
        .await
        .expect("insert");
    let err = bounded(60, "duplicate", fruit_named(1, "a").insert(&db))
        .await
        .expect_err("duplicate key");
    assert!(
        matches!(
            orm::sql_err(&err),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ),
        "{err}"
    );
}

/// `tests/json_struct_tests.rs` / `json_vec_tests.rs` (JSON column round trip) and
/// `tests/uuid_tests.rs` (UUID keys).
#[tokio::test]
async fn json_and_uuid() {
    let db = db("cmp_json").await;
    let bakery = bounded(60, "bakery", bakery_named("SeaSide").insert(&db))
        .await
        .expect("insert bakery");
    let contact = json!({"id": "unique-id-001", "langs": ["en", "fr"], "n": 3});
    let baker = baker::ActiveModel {
        id: Set("b-1".into()),
        name: Set("Ann".into()),
        contact: Set(Some(contact.clone())),
        bakery_id: Set(Some(bakery.id)),
    };
    let inserted = bounded(60, "baker", baker.insert(&db))
        .await
        .expect("insert baker");
    assert_eq!(inserted.contact.as_ref(), Some(&contact));
    let found = bounded(
        60,
        "find",
        baker::Entity::find()
            .filter(baker::Column::BakeryId.eq(bakery.id))
            .one(&db),
    )
    .await
    .expect("find")
    .expect("row");
    assert_eq!(found.contact, Some(contact));
    assert_eq!(found.bakery_id, Some(bakery.id));
    let by_uuid = bounded(
        60,
        "find uuid",
        bakery::Entity::find_by_id(bakery.id).one(&db),
    )
    .await
    .expect("find")
    .expect("row");
    assert_eq!(by_uuid, bakery);
}

/// `tests/update_without_returning_tests.rs` / `crud` updates: `update_many` with
/// expressions, `exec_with_returning`.
#[tokio::test]
async fn update_many() {
    let db = db("cmp_update_many").await;
    let rows: Vec<_> = (1..=4).map(|i| fruit_named(i, "x")).collect();
    bounded(60, "insert", fruit::Entity::insert_many(rows).exec(&db))
        .await
        .expect("insert");
    let res = bounded(
        60,
        "update_many",
        fruit::Entity::update_many()
            .col_expr(fruit::Column::Weight, Expr::value(2.5f32))
            .filter(fruit::Column::Id.gt(2))
            .exec(&db),
    )
    .await
    .expect("update many");
    assert_eq!(res.rows_affected, 2);
    let updated = bounded(
        60,
        "update returning",
        fruit::Entity::update_many()
            .col_expr(fruit::Column::Name, Expr::value("y"))
            .filter(fruit::Column::Id.lte(2))
            .exec_with_returning(&db),
    )
    .await
    .expect("update returning");
    assert_eq!(updated.len(), 2);
    assert!(updated.iter().all(|f| f.name == "y"));
    let weights = bounded(
        60,
        "weights",
        fruit::Entity::find()
            .select_only()
            .column(fruit::Column::Id)
            .column(fruit::Column::Weight)
            .order_by_asc(fruit::Column::Id)
            .into_tuple::<(i32, Option<f32>)>()
            .all(&db),
    )
    .await
    .expect("tuples");
    assert_eq!(weights[0], (1, None));
    assert_eq!(weights[3], (4, Some(2.5)));
}

/// `tests/query_tests.rs`: find one / by id / all, with and without results and filters.
#[tokio::test]
async fn queries() {
    let db = db("cmp_query").await;
    let none = bounded(60, "one", bakery::Entity::find().one(&db)).await;
    assert!(none.expect("one").is_none());
    let none = bounded(
        60,
        "by id",
        bakery::Entity::find_by_id(Uuid::new_v4()).one(&db),
    )
    .await;
    assert!(none.expect("by id").is_none());
    let all = bounded(60, "all", bakery::Entity::find().all(&db)).await;
    assert!(all.expect("all").is_empty());

    for name in ["SeaSide Bakery", "Top Bakery", "Bakery Three"] {
        bounded(60, "insert", bakery_named(name).insert(&db))
            .await
            .expect("insert");
    }
    let one = bounded(60, "one", bakery::Entity::find().one(&db)).await;
    assert!(one.expect("one").is_some());
    let all = bounded(60, "all", bakery::Entity::find().all(&db)).await;
    assert_eq!(all.expect("all").len(), 3);
    let good = bounded(
        60,
        "filter",
        bakery::Entity::find()
            .filter(bakery::Column::Name.contains("Good"))
            .all(&db),
    )
    .await;
    assert!(good.expect("filter").is_empty());
    let bakeries = bounded(
        60,
        "filter",
        bakery::Entity::find()
            .filter(bakery::Column::Name.contains("Bakery"))
            .order_by_asc(bakery::Column::Name)
            .all(&db),
    )
    .await
    .expect("filter");
    assert_eq!(
        bakeries.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(),
        vec!["Bakery Three", "SeaSide Bakery", "Top Bakery"]
    );
}

/// `tests/from_query_result_tests.rs`: a `FromQueryResult` struct over an aggregate with
/// aliases, and `into_json`.
#[tokio::test]
async fn from_query_result_and_json() {
    #[derive(Debug, PartialEq, sea_orm::FromQueryResult)]
    struct NameCount {
        name: String,
        n: i64,
    }
    let db = db("cmp_fqr").await;
    let rows: Vec<_> = (1..=5)
        .map(|i| fruit_named(i, if i % 2 == 0 { "even" } else { "odd" }))
        .collect();
    bounded(60, "insert", fruit::Entity::insert_many(rows).exec(&db))
        .await
        .expect("insert");
    let counts = bounded(
        60,
        "group by",
        fruit::Entity::find()
            .select_only()
            .column(fruit::Column::Name)
            .column_as(fruit::Column::Id.count(), "n")
            .group_by(fruit::Column::Name)
            .order_by_asc(fruit::Column::Name)
            .into_model::<NameCount>()
            .all(&db),
    )
    .await
    .expect("group by");
    assert_eq!(
        counts,
        vec![
            NameCount {
                name: "even".into(),
                n: 2
            },
            NameCount {
                name: "odd".into(),
                n: 3
            }
        ]
    );
    let json = bounded(
        60,
        "json",
        fruit::Entity::find_by_id(2).into_json().one(&db),
    )
    .await
    .expect("json")
    .expect("row");
    assert_eq!(json["name"], json!("even"));
    assert_eq!(json["id"], json!(2));
}
