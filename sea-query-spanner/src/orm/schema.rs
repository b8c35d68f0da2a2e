//! Creating the tables of SeaORM entities in GoogleSQL DDL.
//!
//! Each entity goes through `sea_orm::Schema::new(DbBackend::Postgres)`
//! (`create_table_from_entity` plus `create_index_from_entity`), is rendered by
//! [`SpannerQueryBuilder`] (with [`SpannerTableOptions`] for interleaving and
//! commit-timestamp columns), and all statements are applied as **one** DDL batch.
//!
//! ```ignore
//! use sea_query_spanner::backend::{InterleaveOnDelete, SpannerTableOptions};
//! use sea_query_spanner::orm::schema::SpannerSchema;
//!
//! SpannerSchema::new()
//!     .table::<singer::Entity>()
//!     .table_with::<album::Entity>(
//!         SpannerTableOptions::new().interleave_in_parent("singer", InterleaveOnDelete::Cascade),
//!     )
//!     .apply(&db)
//!     .await?;
//! ```
//!
//! Column types Spanner cannot store (time of day, intervals, network types, ...) are
//! reported when the DDL is rendered, before anything is sent to Spanner.

use std::fmt;

use sea_orm::{DbBackend, DbErr, EntityTrait, Schema};

use super::SpannerDatabase;
use crate::backend::{SpannerQueryBuilder, SpannerSqlError, SpannerTableOptions};

type Register = fn(&SpannerDatabase);

/// The DDL could not be rendered for Spanner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The table (entity) whose DDL failed.
    pub table: String,
    /// What Spanner cannot express.
    pub error: SpannerSqlError,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot create table `{}` on Spanner: {}",
            self.table, self.error
        )
    }
}

impl std::error::Error for SchemaError {}

impl From<SchemaError> for DbErr {
    fn from(error: SchemaError) -> Self {
        DbErr::Migration(format!("sea-query-spanner: {error}"))
    }
}

struct Table {
    name: String,
    statement: sea_query::TableCreateStatement,
    indexes: Vec<sea_query::IndexCreateStatement>,
    options: SpannerTableOptions,
    register: Register,
}

/// A set of entity tables to create in one Spanner DDL batch (in the order given:
/// parents before interleaved children and before tables referencing them).
#[derive(Default)]
pub struct SpannerSchema {
    tables: Vec<Table>,
}

impl fmt::Debug for SpannerSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpannerSchema")
            .field(
                "tables",
                &self
                    .tables
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

fn register<E: EntityTrait>(db: &SpannerDatabase) {
    db.register_entity::<E>();
}

impl SpannerSchema {
    /// An empty schema.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the table of entity `E` (plus its `indexed` / `unique` column indexes).
    pub fn table<E: EntityTrait>(self) -> Self {
        self.table_with::<E>(SpannerTableOptions::new())
    }

    /// Adds the table of entity `E` with Spanner-only options, e.g.
    /// `SpannerTableOptions::new().interleave_in_parent("singer", InterleaveOnDelete::Cascade)`
    /// or `.commit_timestamp("updated_at")`.
    pub fn table_with<E: EntityTrait>(mut self, options: SpannerTableOptions) -> Self {
        let schema = Schema::new(DbBackend::Postgres);
        let entity = E::default();
        self.tables.push(Table {
            name: sea_orm::EntityName::table_name(&entity).to_string(),
            statement: schema.create_table_from_entity(entity),
            indexes: schema.create_index_from_entity(entity),
            options,
            register: register::<E>,
        });
        self
    }

    /// The GoogleSQL DDL statements, in order.
    ///
    /// # Errors
    ///
    /// The first table whose DDL Spanner cannot express (e.g. an unsupported column type).
    pub fn statements(&self) -> Result<Vec<String>, SchemaError> {
        let builder = SpannerQueryBuilder;
        let mut statements = Vec::new();
        for table in &self.tables {
            let fail = |error| SchemaError {
                table: table.name.clone(),
                error,
            };
            statements.extend(
                builder
                    .build_table_create_with(&table.statement, &table.options)
                    .map_err(fail)?,
            );
            for index in &table.indexes {
                statements.push(builder.build_index_create(index).map_err(fail)?);
            }
        }
        Ok(statements)
    }

    /// Creates the tables in one DDL batch, and registers the entities with `db` (see
    /// [`SpannerDatabase::register_entity`]).
    ///
    /// # Errors
    ///
    /// A [`SchemaError`] (as [`DbErr::Migration`]) before anything is sent, or Spanner's
    /// error for the batch.
    pub async fn apply(&self, db: &SpannerDatabase) -> Result<(), DbErr> {
        let statements = self.statements()?;
        let mut conn = db
            .pool()
            .acquire()
            .await
            .map_err(|e| super::error::from_sqlx(e, super::error::Stage::Conn))?;
        conn.execute_ddl(statements)
            .await
            .map_err(|e| super::error::from_sqlx(e, super::error::Stage::Exec))?;
        self.register(db);
        Ok(())
    }

    /// Registers the entities with `db` without creating anything (for tables that
    /// already exist).
    pub fn register(&self, db: &SpannerDatabase) {
        for table in &self.tables {
            (table.register)(db);
        }
    }
}
