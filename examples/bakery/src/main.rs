//! The main demo: a SeaORM entity project and raw sqlx, side by side on Cloud Spanner.
//!
//! `cargo run -p bakery-demo` uses the emulator at `SPANNER_EMULATOR_HOST`, or starts one
//! itself; it creates a fresh database, creates the tables from the entities, and works
//! with them through SeaORM (inserts, relations, pagination, a retried transaction) and
//! through sqlx (queries, stale reads, mutations) on the same connection pool.

mod entities;

use std::error::Error;

use entities::{album, cake, fruit, singer};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ModelTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use sea_query_spanner::backend::{InterleaveOnDelete, SpannerTableOptions};
use sea_query_spanner::orm::{SpannerDatabase, SpannerSchema};
use sqlx::migrate::MigrateDatabase;
use sqlx_spanner::{Spanner, SpannerConnectOptions, TimestampBound};

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

#[tokio::main]
async fn main() -> Result<()> {
    // 1. An emulator: the one the environment names, or our own (stopped on drop).
    let (host, emulator) = sqlx_spanner::emulator::from_env_or_start()?;
    if emulator.is_some() {
        println!("started the Spanner emulator on {host}");
    }

    // 2. A fresh database (dropped first if an earlier run left it).
    let url = format!(
        "spanner://projects/demo-project/instances/demo-instance/databases/bakery?emulator_host={host}&create_if_missing=true"
    );
    if Spanner::database_exists(&url).await.unwrap_or(false) {
        Spanner::drop_database(&url).await?;
    }
    let options: SpannerConnectOptions = url.parse()?;
    let db = SpannerDatabase::connect_with(options).await?;

    // 3. Tables from the entities, in one DDL batch (interleaving and commit timestamps
    //    declared next to the entities).
    let schema = SpannerSchema::new()
        .table::<cake::Entity>()
        .table::<fruit::Entity>()
        .table::<singer::Entity>()
        .table_with::<album::Entity>(
            SpannerTableOptions::new()
                .interleave_in_parent("singer", InterleaveOnDelete::Cascade)
                .commit_timestamp("updated_at"),
        );
    for statement in schema.statements()? {
        println!("DDL: {statement}");
    }
    schema.apply(&db).await?;

    // 4. SeaORM: inserts (Spanner generates the cake ids), relations, pagination.
    let chocolate = cake::ActiveModel {
        name: Set("Chocolate".into()),
        price: Set(Decimal::new(1250, 2)),
        layers: Set(3),
        ..Default::default()
    }
    .insert(&db)
    .await?;
    let cheese = cake::ActiveModel {
        name: Set("Cheese".into()),
        price: Set(Decimal::new(990, 2)),
        layers: Set(1),
        ..Default::default()
    }
    .insert(&db)
    .await?;
    println!("inserted cakes {} and {}", chocolate.id, cheese.id);
    fruit::Entity::insert_many([
        fruit::ActiveModel {
            id: Set(1),
            name: Set("Cherry".into()),
            cake_id: Set(Some(chocolate.id)),
        },
        fruit::ActiveModel {
            id: Set(2),
            name: Set("Strawberry".into()),
            cake_id: Set(Some(chocolate.id)),
        },
        fruit::ActiveModel {
            id: Set(3),
            name: Set("Lemon".into()),
            cake_id: Set(Some(cheese.id)),
        },
    ])
    .exec(&db)
    .await?;

    let with_fruit = cake::Entity::find()
        .order_by_asc(cake::Column::Name)
        .find_with_related(fruit::Entity)
        .all(&db)
        .await?;
    for (cake, fruits) in &with_fruit {
        let names: Vec<&str> = fruits.iter().map(|f| f.name.as_str()).collect();
        println!(
            "{} ({} layers, {}): {names:?}",
            cake.name, cake.layers, cake.price
        );
    }
    assert_eq!(with_fruit.len(), 2);

    let pages = fruit::Entity::find()
        .order_by_asc(fruit::Column::Id)
        .paginate(&db, 2);
    println!(
        "{} fruits on {} pages",
        pages.num_items().await?,
        pages.num_pages().await?
    );

    let cherry_cake = fruit::Entity::find_by_id(1_i64)
        .one(&db)
        .await?
        .ok_or("cherry missing")?
        .find_related(cake::Entity)
        .one(&db)
        .await?;
    assert_eq!(cherry_cake.map(|c| c.name), Some("Chocolate".to_string()));

    // 5. A transaction that Spanner may abort is re-run by the retry helper.
    let chocolate_id = chocolate.id;
    let new_price = db
        .transaction_with_retry(10, move |txn| {
            Box::pin(async move {
                let cake = cake::Entity::find_by_id(chocolate_id)
                    .one(txn)
                    .await?
                    .ok_or_else(|| sea_orm::DbErr::RecordNotFound("cake".into()))?;
                let mut active: cake::ActiveModel = cake.into();
                active.price = Set(Decimal::new(1500, 2));
                let updated = active.update(txn).await?;
                Ok::<_, sea_orm::DbErr>(updated.price)
            })
        })
        .await?;
    println!("chocolate now costs {new_price}");

    // Interleaved rows and a commit timestamp written by Spanner.
    singer::ActiveModel {
        singer_id: Set(1),
        name: Set("Marc".into()),
    }
    .insert(&db)
    .await?;
    // Raw SQL through SeaORM is written for its Postgres renderer and translated.
    db.execute_unprepared(
        r#"INSERT INTO "album" ("singer_id", "album_id", "title", "updated_at") VALUES (1, 1, 'Total Junk', PENDING_COMMIT_TIMESTAMP())"#,
    )
    .await?;
    let albums = album::Entity::find()
        .filter(album::Column::SingerId.eq(1))
        .all(&db)
        .await?;
    println!("albums: {albums:?}");

    // 6. Raw sqlx on the same pool: queries, mutations, a stale read.
    let pool = db.pool().clone();
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT c.name, COUNT(f.id) FROM cake AS c LEFT JOIN fruit AS f ON f.cake_id = c.id \
         GROUP BY c.name ORDER BY c.name",
    )
    .fetch_all(&pool)
    .await?;
    println!("fruit per cake (sqlx): {rows:?}");
    assert_eq!(
        rows,
        [("Cheese".to_string(), 1), ("Chocolate".to_string(), 2)]
    );

    let mut conn = pool.acquire().await?;
    sqlx::query("UPDATE fruit SET name = @p1 WHERE id = @p2")
        .bind("Sour cherry")
        .bind(1_i64)
        .execute(&mut *conn)
        .await?;
    let before_rename = conn.last_commit_timestamp().ok_or("no commit timestamp")?;
    sqlx::query("UPDATE fruit SET name = 'Morello' WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    conn.set_read_staleness(TimestampBound::ReadTimestamp(before_rename));
    let then: String = sqlx::query_scalar("SELECT name FROM fruit WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    conn.set_read_staleness(TimestampBound::Strong);
    let now: String = sqlx::query_scalar("SELECT name FROM fruit WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    println!("stale read at {before_rename}: {then:?}; now: {now:?}");
    assert_eq!((then.as_str(), now.as_str()), ("Sour cherry", "Morello"));
    drop(conn);

    // Deleting a singer removes its interleaved albums (ON DELETE CASCADE).
    singer::Entity::delete_by_id(1_i64).exec(&db).await?;
    assert_eq!(album::Entity::find().count(&db).await?, 0);
    let remaining = cake::Entity::find()
        .filter(cake::Column::Layers.gt(0))
        .count(&db)
        .await?;
    println!("done: {remaining} cakes, no albums left after the cascade");
    Ok(())
}
