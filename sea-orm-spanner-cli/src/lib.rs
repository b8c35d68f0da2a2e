//! **sea-orm-spanner-cli**: SeaORM entity generation from a live Spanner database.
//!
//! The schema is read with [`sqlx_spanner::schema::read_schema`], turned into sea-query
//! `CREATE TABLE` statements ([`table_statements`]) and written as entity files by
//! `sea-orm-codegen`, the generator `sea-orm-cli generate entity` uses. The binary
//! `sea-orm-spanner` wraps [`generate_entities`]:
//!
//! ```text
//! sea-orm-spanner generate entity -u spanner://projects/P/instances/I/databases/D -o src/entities
//! ```

#![warn(missing_docs)]

mod generate;
mod tables;

pub use generate::{
    generate_entities, read_and_generate, EntityFile, GenerateError, GenerateOptions,
};
pub use tables::{column_type, table_statements};
