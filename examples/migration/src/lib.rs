//! A sea-orm-migration crate, in the shape `sea-orm-cli migrate init` generates, run on Cloud
//! Spanner: [`Migrator`] lists the migrations; `src/main.rs` is the command line.
//!
//! The migrations are ordinary sea-orm-migration code (`SchemaManager`, sea-query schema
//! statements): nothing in them is Spanner-specific. They run on Spanner through
//! `SpannerDatabase::to_database_connection()` (see `docs/seaorm.md`).

pub use sea_orm_migration::prelude::*;

mod m20260101_000001_create_bakery;
mod m20260101_000002_create_cake;
mod m20260101_000003_add_cake_gluten_free;

/// The migrations of this crate, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260101_000001_create_bakery::Migration),
            Box::new(m20260101_000002_create_cake::Migration),
            Box::new(m20260101_000003_add_cake_gluten_free::Migration),
        ]
    }
}
