//! sea-orm-migration and SeaORM's `DatabaseConnection` on the Spanner emulator, through
//! `SpannerDatabase::to_database_connection()`: the example migration crate
//! (`examples/migration`) up / down / fresh / refresh / reset / status, every
//! `SchemaManager` method, and what a transaction on the proxy connection guarantees.
#![cfg(feature = "migration")]

use std::future::Future;
use std::time::Duration;

use migration::Migrator;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, TransactionError,
    TransactionTrait,
};
use sea_orm_migration::prelude::*;
use sea_orm_migration::seaql_migrations;
use sea_orm_migration::MigrationStatus;
use sea_query_spanner::orm::SpannerDatabase;
use sqlx::Row;

/// Every test body is bounded: a hang fails instead of stalling CI.
async fn bounded<F: Future<Output = ()>>(body: F) {
    tokio::time::timeout(Duration::from_secs(300), body)
        .await
        .expect("the test took more than 300 s");
}

async fn spanner_db(prefix: &str) -> SpannerDatabase {
    SpannerDatabase::from_pool(spanner_tests::pool(prefix).await)
}

async fn count(conn: &DatabaseConnection, sql: &str) -> i64 {
    let row = conn
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .expect("count query")
        .expect("one row");
    let values = sea_orm::from_query_result_to_proxy_row(&row).values;
    match values.values().next() {
        Some(sea_orm::Value::BigInt(Some(n))) => *n,
        other => panic!("unexpected count value {other:?}"),
    }
}

async fn statuses(conn: &DatabaseConnection) -> Vec<(String, MigrationStatus)> {
    Migrator::get_migration_with_status(conn)
        .await
        .expect("migration status")
        .iter()
        .map(|m| (m.name().to_string(), m.status()))
        .collect()
}

fn applied(n: usize) -> Vec<MigrationStatus> {
    (0..3)
        .map(|i| {
            if i < n {
                MigrationStatus::Applied
            } else {
                MigrationStatus::Pending
            }
        })
        .collect()
}

async fn assert_applied(conn: &DatabaseConnection, n: usize) {
    let got: Vec<MigrationStatus> = statuses(conn).await.into_iter().map(|s| s.1).collect();
    assert_eq!(got, applied(n));
    // The record table agrees.
    let recorded = seaql_migrations::Entity::find()
        .all(conn)
        .await
        .expect("read seaql_migrations");
    assert_eq!(recorded.len(), n);
}

async fn has_table(conn: &DatabaseConnection, table: &str) -> bool {
    SchemaManager::new(conn)
        .has_table(table)
        .await
        .expect("has_table")
}

use sea_orm::EntityTrait;

#[tokio::test]
async fn migrator_up_down_refresh_reset_fresh_status() {
    bounded(async {
        let db = spanner_db("mig-cycle").await;
        let conn = db.to_database_connection();

        // status: everything pending (and the migration table is installed).
        let names: Vec<String> = statuses(&conn).await.into_iter().map(|s| s.0).collect();
        assert_eq!(
            names,
            [
                "m20260101_000001_create_bakery",
                "m20260101_000002_create_cake",
                "m20260101_000003_add_cake_gluten_free"
            ]
        );
        assert_applied(&conn, 0).await;
        Migrator::status(&conn).await.expect("status");
        assert!(has_table(&conn, "seaql_migrations").await);

        // up, one step then the rest.
        Migrator::up(&conn, Some(1)).await.expect("up 1");
        assert_applied(&conn, 1).await;
        assert!(has_table(&conn, "bakery").await);
        assert!(!has_table(&conn, "cake").await);
        Migrator::up(&conn, None).await.expect("up");
        assert_applied(&conn, 3).await;
        let manager = SchemaManager::new(&conn);
        assert!(manager
            .has_column("cake", "gluten_free")
            .await
            .expect("has_column"));
        assert!(manager
            .has_index("cake", "idx-cake-name")
            .await
            .expect("has_index"));

        // The schema works: identity ids, the default, the foreign key.
        conn.execute_unprepared("INSERT INTO \"bakery\" (\"name\") VALUES ('Sea Side')")
            .await
            .expect("insert bakery");
        let row = conn
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT \"id\", \"profit_margin\" FROM \"bakery\"",
            ))
            .await
            .expect("select")
            .expect("a bakery");
        let bakery_id: i64 = row.try_get("", "id").expect("id");
        let margin: f64 = row.try_get("", "profit_margin").expect("margin");
        assert!(bakery_id > 0, "a bit-reversed identity is positive");
        assert_eq!(margin, 0.0);
        conn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO \"cake\" (\"name\", \"price\", \"bakery_id\") VALUES ($1, $2, $3)",
            [
                "Lemon".into(),
                rust_decimal::Decimal::new(750, 2).into(),
                bakery_id.into(),
            ],
        ))
        .await
        .expect("insert cake");
        let orphan = conn
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO \"cake\" (\"name\", \"price\", \"bakery_id\") VALUES ($1, $2, $3)",
                [
                    "Orphan".into(),
                    rust_decimal::Decimal::new(1, 0).into(),
                    (bakery_id + 1).into(),
                ],
            ))
            .await;
        assert!(orphan.is_err(), "the foreign key holds: {orphan:?}");
        assert_eq!(
            count(
                &conn,
                "SELECT COUNT(*) FROM \"cake\" WHERE \"gluten_free\" = FALSE"
            )
            .await,
            1
        );

        // down one step: the column is gone, the data stays.
        Migrator::down(&conn, Some(1)).await.expect("down 1");
        assert_applied(&conn, 2).await;
        assert!(!manager
            .has_column("cake", "gluten_free")
            .await
            .expect("has_column"));
        assert_eq!(count(&conn, "SELECT COUNT(*) FROM \"cake\"").await, 1);

        // refresh: everything rolled back (the tables dropped) and re-applied.
        Migrator::refresh(&conn).await.expect("refresh");
        assert_applied(&conn, 3).await;
        assert_eq!(count(&conn, "SELECT COUNT(*) FROM \"cake\"").await, 0);

        // reset: everything rolled back and the migration table dropped.
        Migrator::reset(&conn).await.expect("reset");
        for table in ["bakery", "cake", "seaql_migrations"] {
            assert!(!has_table(&conn, table).await, "{table} survived reset");
        }

        // fresh: drops every table (including ones no migration knows, and with foreign
        // keys between them), then applies everything.
        Migrator::up(&conn, Some(2)).await.expect("up 2");
        conn.execute_unprepared(
            "CREATE TABLE \"stray\" ( \"id\" bigint NOT NULL PRIMARY KEY, \"bakery_id\" integer \
             REFERENCES \"bakery\" (\"id\") )",
        )
        .await
        .expect("a table outside the migrations");
        Migrator::fresh(&conn).await.expect("fresh");
        assert!(!has_table(&conn, "stray").await);
        assert_applied(&conn, 3).await;
        assert!(manager
            .has_column("cake", "gluten_free")
            .await
            .expect("has_column"));
    })
    .await;
}

#[derive(DeriveIden)]
enum Author {
    Table,
    Id,
    Name,
    Email,
    Bio,
}

#[derive(DeriveIden)]
enum Post {
    Table,
    Id,
    AuthorId,
    Title,
    Stars,
}

#[tokio::test]
async fn schema_manager_methods() {
    bounded(async {
        let db = spanner_db("mig-manager").await;
        let conn = db.to_database_connection();
        let manager = SchemaManager::new(&conn);

        // create_table: identity key, UNIQUE (a unique index), defaults; one with a
        // foreign key.
        manager
            .create_table(
                Table::create()
                    .table(Author::Table)
                    .col(
                        ColumnDef::new(Author::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Author::Name).string_len(100).not_null())
                    .col(
                        ColumnDef::new(Author::Email)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .to_owned(),
            )
            .await
            .expect("create author");
        manager
            .create_table(
                Table::create()
                    .table(Post::Table)
                    .col(
                        ColumnDef::new(Post::Id)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Post::AuthorId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Post::Title)
                            .string()
                            .not_null()
                            .default("untitled"),
                    )
                    .to_owned(),
            )
            .await
            .expect("create post");
        assert!(manager.has_table("author").await.expect("has_table"));
        assert!(manager.has_table("post").await.expect("has_table"));
        assert!(!manager.has_table("nothing").await.expect("has_table"));
        assert!(manager
            .has_column("author", "email")
            .await
            .expect("has_column"));
        assert!(!manager
            .has_column("author", "nothing")
            .await
            .expect("has_column"));

        // The UNIQUE column became a unique index.
        conn.execute_unprepared("INSERT INTO \"author\" (\"name\", \"email\") VALUES ('A', 'a@x')")
            .await
            .expect("insert author");
        let duplicate = conn
            .execute_unprepared("INSERT INTO \"author\" (\"name\", \"email\") VALUES ('B', 'a@x')")
            .await;
        assert!(duplicate.is_err(), "UNIQUE holds: {duplicate:?}");

        // create_index / has_index / drop_index.
        manager
            .create_index(
                Index::create()
                    .name("idx-post-title")
                    .table(Post::Table)
                    .col(Post::Title)
                    .to_owned(),
            )
            .await
            .expect("create index");
        assert!(manager
            .has_index("post", "idx-post-title")
            .await
            .expect("has_index"));
        assert!(!manager
            .has_index("post", "idx-nothing")
            .await
            .expect("has_index"));
        manager
            .drop_index(
                Index::drop()
                    .name("idx-post-title")
                    .table(Post::Table)
                    .to_owned(),
            )
            .await
            .expect("drop index");
        assert!(!manager
            .has_index("post", "idx-post-title")
            .await
            .expect("has_index"));

        // create_foreign_key / drop_foreign_key.
        manager
            .create_foreign_key(
                ForeignKey::create()
                    .name("fk-post-author")
                    .from(Post::Table, Post::AuthorId)
                    .to(Author::Table, Author::Id)
                    .on_delete(ForeignKeyAction::Cascade)
                    .to_owned(),
            )
            .await
            .expect("create foreign key");
        let orphan = conn
            .execute_unprepared("INSERT INTO \"post\" (\"id\", \"author_id\") VALUES (1, 12345)")
            .await;
        assert!(orphan.is_err(), "the foreign key holds: {orphan:?}");
        manager
            .drop_foreign_key(
                ForeignKey::drop()
                    .name("fk-post-author")
                    .table(Post::Table)
                    .to_owned(),
            )
            .await
            .expect("drop foreign key");
        conn.execute_unprepared("INSERT INTO \"post\" (\"id\", \"author_id\") VALUES (1, 12345)")
            .await
            .expect("no foreign key any more");

        // alter_table: add a column, change a type and nullability, drop a column.
        manager
            .alter_table(
                Table::alter()
                    .table(Post::Table)
                    .add_column(ColumnDef::new(Post::Stars).integer().not_null().default(0))
                    .to_owned(),
            )
            .await
            .expect("add column");
        assert_eq!(
            count(&conn, "SELECT SUM(\"stars\") FROM \"post\"").await,
            0,
            "the default filled the existing row"
        );
        manager
            .alter_table(
                Table::alter()
                    .table(Author::Table)
                    .add_column(ColumnDef::new(Author::Bio).string_len(10))
                    .to_owned(),
            )
            .await
            .expect("add bio");
        manager
            .alter_table(
                Table::alter()
                    .table(Author::Table)
                    .modify_column(ColumnDef::new(Author::Bio).string_len(500).not_null())
                    .to_owned(),
            )
            .await
            .expect_err("NOT NULL on a column with NULLs is Spanner's error");
        manager
            .alter_table(
                Table::alter()
                    .table(Author::Table)
                    .modify_column(ColumnDef::new(Author::Bio).string_len(500))
                    .to_owned(),
            )
            .await
            .expect("widen bio");
        let bio_type = db_column_type(&db, "author", "bio").await;
        assert_eq!(bio_type, ("STRING(500)".to_string(), "YES".to_string()));
        manager
            .alter_table(
                Table::alter()
                    .table(Author::Table)
                    .drop_column(Author::Bio)
                    .to_owned(),
            )
            .await
            .expect("drop column");
        assert!(!manager
            .has_column("author", "bio")
            .await
            .expect("has_column"));

        // rename_table.
        manager
            .rename_table(Table::rename().table(Post::Table, "article").to_owned())
            .await
            .expect("rename table");
        assert!(manager.has_table("article").await.expect("has_table"));
        assert!(!manager.has_table("post").await.expect("has_table"));

        // truncate_table.
        manager
            .truncate_table(Table::truncate().table("article").to_owned())
            .await
            .expect("truncate");
        assert_eq!(count(&conn, "SELECT COUNT(*) FROM \"article\"").await, 0);

        // drop_table: with its indexes (the UNIQUE index of author goes with it); refused
        // while another table's foreign key references it, unless CASCADE.
        manager
            .create_foreign_key(
                ForeignKey::create()
                    .name("fk-article-author")
                    .from("article", Post::AuthorId)
                    .to(Author::Table, Author::Id)
                    .to_owned(),
            )
            .await
            .expect("foreign key again");
        let refused = manager
            .drop_table(Table::drop().table(Author::Table).to_owned())
            .await
            .expect_err("referenced table");
        assert!(refused.to_string().contains("reference it"), "{refused}");
        assert!(manager.has_table("author").await.expect("has_table"));
        manager
            .drop_table(Table::drop().table(Author::Table).cascade().to_owned())
            .await
            .expect("drop cascade");
        manager
            .drop_table(Table::drop().table("article").to_owned())
            .await
            .expect("drop article");
        assert!(!manager.has_table("author").await.expect("has_table"));
        assert!(!manager.has_table("article").await.expect("has_table"));
        manager
            .drop_table(Table::drop().table("article").if_exists().to_owned())
            .await
            .expect("IF EXISTS on a missing table");
        manager
            .drop_table(Table::drop().table("article").to_owned())
            .await
            .expect_err("a missing table without IF EXISTS");
    })
    .await;
}

async fn db_column_type(db: &SpannerDatabase, table: &str, column: &str) -> (String, String) {
    let row = sqlx::query(
        "SELECT SPANNER_TYPE, IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS \
         WHERE TABLE_NAME = ? AND COLUMN_NAME = ?",
    )
    .bind(table)
    .bind(column)
    .fetch_one(db.pool())
    .await
    .expect("column info");
    (row.get(0), row.get(1))
}

#[tokio::test]
async fn schema_statements_spanner_lacks_are_errors_and_run_nothing() {
    bounded(async {
        let db = spanner_db("mig-refuse").await;
        let conn = db.to_database_connection();
        let manager = SchemaManager::new(&conn);
        let err = manager
            .create_table(
                Table::create()
                    .table("t")
                    .col(ColumnDef::new("id").integer().not_null().primary_key())
                    .col(ColumnDef::new("at").time())
                    .to_owned(),
            )
            .await
            .expect_err("time of day");
        assert!(matches!(err, DbErr::Custom(_)), "{err:?}");
        assert!(
            err.to_string().contains("Spanner does not support"),
            "{err}"
        );
        assert!(!manager.has_table("t").await.expect("has_table"));
        let err = conn
            .execute_unprepared("CREATE TYPE \"mood\" AS ENUM ('sad', 'ok')")
            .await
            .expect_err("enum type");
        assert!(err.to_string().contains("CREATE TYPE"), "{err}");
        assert!(
            !err.to_string().contains("sad"),
            "values are not echoed: {err}"
        );
    })
    .await;
}

#[derive(DeriveIden)]
enum Counter {
    Table,
    Id,
    Value,
}

async fn counter_db(prefix: &str) -> (SpannerDatabase, DatabaseConnection) {
    let db = spanner_db(prefix).await;
    let conn = db.to_database_connection();
    SchemaManager::new(&conn)
        .create_table(
            Table::create()
                .table(Counter::Table)
                .col(
                    ColumnDef::new(Counter::Id)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Counter::Value).big_integer().not_null())
                .to_owned(),
        )
        .await
        .expect("create counter");
    (db, conn)
}

fn insert(id: i64, value: i64) -> Statement {
    Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO \"counter\" (\"id\", \"value\") VALUES ($1, $2)",
        [id.into(), value.into()],
    )
}

/// A function typed the way application code types it.
async fn total(conn: &DatabaseConnection) -> i64 {
    count(conn, "SELECT COALESCE(SUM(\"value\"), 0) FROM \"counter\"").await
}

#[tokio::test]
async fn proxy_transactions_commit_statement_by_statement_and_never_hide_failures() {
    bounded(async {
        let (_db, conn) = counter_db("mig-proxy-tx").await;

        // A committed transaction: its statements are there.
        let txn = conn.begin().await.expect("begin");
        txn.execute_raw(insert(1, 10)).await.expect("insert 1");
        txn.commit().await.expect("commit");
        assert_eq!(total(&conn).await, 10);

        // A failing statement is an error from that statement (and from `transaction`),
        // never a successful commit.
        let outcome = conn
            .transaction::<_, (), DbErr>(|txn| {
                Box::pin(async move {
                    txn.execute_raw(insert(2, 20)).await?;
                    txn.execute_raw(insert(1, 99)).await?; // duplicate key
                    Ok(())
                })
            })
            .await;
        assert!(
            matches!(outcome, Err(TransactionError::Transaction(_))),
            "{outcome:?}"
        );
        // As documented: the statement that succeeded stays written (no atomicity).
        assert_eq!(total(&conn).await, 30);

        // Rollback undoes nothing, as documented.
        let txn = conn.begin().await.expect("begin");
        txn.execute_raw(insert(3, 300)).await.expect("insert 3");
        txn.rollback().await.expect("rollback");
        assert_eq!(total(&conn).await, 330);
    })
    .await;
}

/// A pool whose autocommit writes are not retried by the driver when Spanner aborts them,
/// so that an abort reaches the caller.
async fn no_retry_db(prefix: &str) -> SpannerDatabase {
    let pool = sqlx_spanner::SpannerPoolOptions::new()
        .max_connections(2)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.set_max_autocommit_attempts(1);
                Ok(())
            })
        })
        .connect_with(spanner_tests::fresh_options(prefix))
        .await
        .expect("connect");
    SpannerDatabase::from_pool(pool)
}

#[tokio::test]
async fn a_write_spanner_aborts_is_an_error_never_a_successful_commit() {
    bounded(async {
        let db = no_retry_db("mig-proxy-abort").await;
        let conn = db.to_database_connection();
        SchemaManager::new(&conn)
            .create_table(
                Table::create()
                    .table(Counter::Table)
                    .col(
                        ColumnDef::new(Counter::Id)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Counter::Value).big_integer().not_null())
                    .to_owned(),
            )
            .await
            .expect("create counter");
        conn.execute_raw(insert(1, 10)).await.expect("insert 1");

        // The emulator runs one read-write transaction at a time: while an atomic
        // SpannerDatabase transaction holds it, the proxy's write is aborted (or, at the
        // emulator's choice, the holder is, and the write goes through). Whatever happens,
        // an `Ok` write is committed and an `Err` write wrote nothing; the proxy's commit
        // has nothing pending, so it cannot turn a lost write into a success. Repeated
        // until the abort has been seen.
        let mut aborted_writes = 0;
        let mut committed_writes = 0;
        for id in 2..10i64 {
            let holder = db.begin().await.expect("begin the atomic transaction");
            holder
                .execute_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "UPDATE \"counter\" SET \"value\" = 11 WHERE \"id\" = 1",
                ))
                .await
                .expect("update in the atomic transaction");
            let txn = conn.begin().await.expect("begin proxy transaction");
            let write = txn.execute_raw(insert(id, 20)).await;
            txn.commit().await.expect("proxy commit");
            let _ = holder.rollback().await;
            let stored = count(
                &conn,
                &format!("SELECT COUNT(*) FROM \"counter\" WHERE \"id\" = {id}"),
            )
            .await;
            match write {
                Ok(_) => {
                    assert_eq!(stored, 1, "an Ok write is committed");
                    committed_writes += 1;
                }
                Err(error) => {
                    assert!(sea_query_spanner::orm::is_aborted(&error), "{error}");
                    assert_eq!(stored, 0, "a failed write wrote nothing");
                    aborted_writes += 1;
                    break;
                }
            }
        }
        assert_eq!(
            aborted_writes, 1,
            "the emulator never aborted the proxy's write"
        );
        assert_eq!(total(&conn).await, 10 + 20 * committed_writes);
    })
    .await;
}

#[tokio::test]
async fn database_connection_serves_entities_and_raw_sql() {
    bounded(async {
        let (db, conn) = counter_db("mig-proxy-conn").await;
        conn.execute_raw(insert(1, 5)).await.expect("insert");
        assert_eq!(total(&conn).await, 5);
        assert_eq!(conn.get_database_backend(), DbBackend::Postgres);
        conn.ping().await.expect("ping");
        // The same pool: what the DatabaseConnection wrote, SpannerDatabase reads.
        let row = sqlx::query("SELECT value FROM counter WHERE id = 1")
            .fetch_one(db.pool())
            .await
            .expect("sqlx read");
        assert_eq!(row.get::<i64, _>(0), 5);
        // TRUNCATE through execute_unprepared reports the rows it deleted.
        let result = conn
            .execute_unprepared("TRUNCATE TABLE \"counter\"")
            .await
            .expect("truncate");
        assert_eq!(result.rows_affected(), 1);
        assert_eq!(total(&conn).await, 0);

        // Several PostgreSQL schema statements in one text: one DDL batch.
        conn.execute_unprepared(
            "CREATE TABLE \"tag\" ( \"id\" serial PRIMARY KEY, \"label\" varchar(20) NOT NULL ); \
             CREATE UNIQUE INDEX \"idx-tag-label\" ON \"tag\" (\"label\")",
        )
        .await
        .expect("a batch of schema statements");
        let manager = SchemaManager::new(&conn);
        assert!(manager
            .has_index("tag", "idx-tag-label")
            .await
            .expect("has_index"));
        assert_eq!(
            db_column_type(&db, "tag", "label").await,
            ("STRING(20)".to_string(), "NO".to_string())
        );
    })
    .await;
}
