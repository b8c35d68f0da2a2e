//! Schema questions answered from Spanner's `INFORMATION_SCHEMA`.
//!
//! * The catalog queries that sea-orm-migration sends for the PostgreSQL backend (they are
//!   rendered by sea-schema's PostgreSQL `SchemaProbe`: `has_table`, `has_column`,
//!   `has_index`, the table list of `fresh`, and the `pg_type` query for enum types) are
//!   recognised by their shape and answered with the same result columns
//!   (`has_table`/`has_column`/`has_index` as BOOL, `table_name` as STRING). PostgreSQL's
//!   `information_schema` and `pg_catalog` do not exist on Spanner, so these queries are
//!   not translated but answered.
//! * The lookups the DDL runner ([`super::ddl`]) needs: does a table exist, its indexes and
//!   foreign keys, the foreign keys that reference it, a column's type and nullability.
//!
//! Everything is in the default schema (`TABLE_SCHEMA = ''`), which is where SeaORM's
//! tables live.

use std::collections::{BTreeMap, HashMap};

use sea_orm::{DbErr, ProxyRow, QueryResult, Statement};
use sea_query::Value;
use sqlx_core::executor::Executor;
use sqlx_core::row::Row;
use sqlx_core::sql_str::AssertSqlSafe;
use sqlx_spanner::{Spanner, SpannerRow};

use super::error::{from_sqlx, Stage};

/// A PostgreSQL catalog query of sea-orm-migration, recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CatalogQuery {
    /// `SchemaManager::has_table`.
    HasTable { table: String },
    /// `SchemaManager::has_column`.
    HasColumn { table: String, column: String },
    /// `SchemaManager::has_index`.
    HasIndex { table: String, index: String },
    /// The base tables of the schema (`Migrator::fresh` drops them all).
    Tables,
    /// PostgreSQL's user-defined types (`fresh` drops them): Spanner has none.
    PgTypes,
}

fn strings(stmt: &Statement) -> Vec<String> {
    stmt.values
        .iter()
        .flat_map(|values| values.0.iter())
        .filter_map(|v| match v {
            Value::String(Some(s)) => Some(s.to_string()),
            _ => None,
        })
        .collect()
}

/// Recognises the catalog queries sea-orm-migration renders for PostgreSQL.
pub(crate) fn recognise(stmt: &Statement) -> Option<CatalogQuery> {
    let sql = stmt.sql.trim();
    let probe = |alias: &str| sql.starts_with(&format!("SELECT COUNT(*) > 0 AS \"{alias}\""));
    let catalog = sql.contains("\"information_schema\"") || sql.contains("\"pg_indexes\"");
    let values = strings(stmt);
    // The last two string parameters are the names asked about (the table type
    // `BASE TABLE` comes first in `has_table`).
    let last = |n: usize| {
        values
            .len()
            .checked_sub(n)
            .and_then(|i| values.get(i))
            .cloned()
    };
    if catalog && probe("has_table") {
        return Some(CatalogQuery::HasTable { table: last(1)? });
    }
    if catalog && probe("has_column") {
        return Some(CatalogQuery::HasColumn {
            table: last(2)?,
            column: last(1)?,
        });
    }
    if catalog && probe("has_index") {
        return Some(CatalogQuery::HasIndex {
            table: last(2)?,
            index: last(1)?,
        });
    }
    if sql.starts_with(
        "SELECT \"table_name\" AS \"table_name\" FROM \"information_schema\".\"tables\" WHERE",
    ) && !sql.contains("COUNT(")
    {
        return Some(CatalogQuery::Tables);
    }
    if sql.starts_with("SELECT \"typname\" FROM \"pg_type\"") {
        return Some(CatalogQuery::PgTypes);
    }
    None
}

fn row(column: &str, value: Value) -> QueryResult {
    ProxyRow::new(BTreeMap::from([(column.to_string(), value)])).into()
}

async fn fetch<'e, X>(executor: X, sql: &str, binds: &[&str]) -> Result<Vec<SpannerRow>, DbErr>
where
    X: Executor<'e, Database = Spanner>,
{
    let mut query = sqlx_core::query::query::<Spanner>(AssertSqlSafe(sql.to_string()));
    for bind in binds {
        query = query.bind(bind.to_string());
    }
    query
        .fetch_all(executor)
        .await
        .map_err(|e| from_sqlx(e, Stage::Query))
}

fn get<T>(row: &SpannerRow, index: usize) -> Result<T, DbErr>
where
    T: for<'r> sqlx_core::decode::Decode<'r, Spanner> + sqlx_core::types::Type<Spanner>,
{
    row.try_get(index)
        .map_err(|e| DbErr::Type(format!("sea-query-spanner catalog: {e}")))
}

async fn exists<'e, X>(executor: X, sql: &str, binds: &[&str]) -> Result<bool, DbErr>
where
    X: Executor<'e, Database = Spanner>,
{
    let rows = fetch(executor, sql, binds).await?;
    match rows.first() {
        Some(r) => get::<bool>(r, 0),
        None => Ok(false),
    }
}

const HAS_TABLE: &str = "SELECT COUNT(*) > 0 FROM INFORMATION_SCHEMA.TABLES \
     WHERE TABLE_SCHEMA = '' AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME = ?";

/// Answers a recognised catalog query with the rows PostgreSQL would return.
pub(crate) async fn answer<'e, X>(
    executor: X,
    query: &CatalogQuery,
) -> Result<Vec<QueryResult>, DbErr>
where
    X: Executor<'e, Database = Spanner>,
{
    Ok(match query {
        CatalogQuery::HasTable { table } => {
            let found = exists(executor, HAS_TABLE, &[table]).await?;
            vec![row("has_table", Value::Bool(Some(found)))]
        }
        CatalogQuery::HasColumn { table, column } => {
            let found = exists(
                executor,
                "SELECT COUNT(*) > 0 FROM INFORMATION_SCHEMA.COLUMNS \
                 WHERE TABLE_SCHEMA = '' AND TABLE_NAME = ? AND COLUMN_NAME = ?",
                &[table, column],
            )
            .await?;
            vec![row("has_column", Value::Bool(Some(found)))]
        }
        CatalogQuery::HasIndex { table, index } => {
            let found = exists(
                executor,
                "SELECT COUNT(*) > 0 FROM INFORMATION_SCHEMA.INDEXES \
                 WHERE TABLE_SCHEMA = '' AND TABLE_NAME = ? AND INDEX_NAME = ?",
                &[table, index],
            )
            .await?;
            vec![row("has_index", Value::Bool(Some(found)))]
        }
        CatalogQuery::Tables => tables_children_first(executor)
            .await?
            .into_iter()
            .map(|t| row("table_name", Value::String(Some(t))))
            .collect(),
        CatalogQuery::PgTypes => Vec::new(),
    })
}

/// The base tables, interleaved children before their parents (so that dropping them in
/// this order works).
async fn tables_children_first<'e, X>(executor: X) -> Result<Vec<String>, DbErr>
where
    X: Executor<'e, Database = Spanner>,
{
    let rows = fetch(
        executor,
        "SELECT TABLE_NAME, PARENT_TABLE_NAME FROM INFORMATION_SCHEMA.TABLES \
         WHERE TABLE_SCHEMA = '' AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
        &[],
    )
    .await?;
    let mut parents = HashMap::new();
    let mut names = Vec::new();
    for r in &rows {
        let name: String = get(r, 0)?;
        let parent: Option<String> = get(r, 1)?;
        parents.insert(name.clone(), parent);
        names.push(name);
    }
    let depth = |name: &String| {
        let mut depth = 0usize;
        let mut current = parents.get(name).cloned().flatten();
        while let Some(parent) = current {
            depth += 1;
            if depth > parents.len() {
                break;
            }
            current = parents.get(&parent).cloned().flatten();
        }
        depth
    };
    let mut with_depth: Vec<(usize, String)> = names.into_iter().map(|n| (depth(&n), n)).collect();
    with_depth.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Ok(with_depth.into_iter().map(|(_, n)| n).collect())
}

/// Does base table `table` exist?
pub(crate) async fn table_exists<'e, X>(executor: X, table: &str) -> Result<bool, DbErr>
where
    X: Executor<'e, Database = Spanner>,
{
    exists(executor, HAS_TABLE, &[table]).await
}

/// The secondary indexes of `table` that the user created (not the primary key, not the
/// indexes Spanner manages for foreign keys).
pub(crate) async fn user_indexes<'e, X>(executor: X, table: &str) -> Result<Vec<String>, DbErr>
where
    X: Executor<'e, Database = Spanner>,
{
    let rows = fetch(
        executor,
        "SELECT INDEX_NAME FROM INFORMATION_SCHEMA.INDEXES \
         WHERE TABLE_SCHEMA = '' AND TABLE_NAME = ? AND INDEX_TYPE = 'INDEX' \
         AND SPANNER_IS_MANAGED = FALSE ORDER BY INDEX_NAME",
        &[table],
    )
    .await?;
    rows.iter().map(|r| get(r, 0)).collect()
}

/// The foreign keys declared on `table`.
pub(crate) async fn own_foreign_keys<'e, X>(executor: X, table: &str) -> Result<Vec<String>, DbErr>
where
    X: Executor<'e, Database = Spanner>,
{
    let rows = fetch(
        executor,
        "SELECT CONSTRAINT_NAME FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS \
         WHERE TABLE_SCHEMA = '' AND TABLE_NAME = ? AND CONSTRAINT_TYPE = 'FOREIGN KEY' \
         ORDER BY CONSTRAINT_NAME",
        &[table],
    )
    .await?;
    rows.iter().map(|r| get(r, 0)).collect()
}

/// The foreign keys of other tables that reference `table`, as `(table, constraint)`.
pub(crate) async fn referencing_foreign_keys<'e, X>(
    executor: X,
    table: &str,
) -> Result<Vec<(String, String)>, DbErr>
where
    X: Executor<'e, Database = Spanner>,
{
    let rows = fetch(
        executor,
        "SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME \
         FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS AS tc \
         JOIN INFORMATION_SCHEMA.CONSTRAINT_TABLE_USAGE AS u \
           ON u.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA \
          AND u.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
         WHERE tc.CONSTRAINT_TYPE = 'FOREIGN KEY' AND u.TABLE_SCHEMA = '' \
           AND u.TABLE_NAME = ? AND tc.TABLE_NAME != ? \
         ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME",
        &[table, table],
    )
    .await?;
    rows.iter().map(|r| Ok((get(r, 0)?, get(r, 1)?))).collect()
}

/// Does constraint `name` exist on `table`?
pub(crate) async fn constraint_exists<'e, X>(
    executor: X,
    table: &str,
    name: &str,
) -> Result<bool, DbErr>
where
    X: Executor<'e, Database = Spanner>,
{
    exists(
        executor,
        "SELECT COUNT(*) > 0 FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS \
         WHERE TABLE_SCHEMA = '' AND TABLE_NAME = ? AND CONSTRAINT_NAME = ?",
        &[table, name],
    )
    .await
}

/// A column as the catalog describes it.
#[derive(Debug, Clone)]
pub(crate) struct ColumnInfo {
    /// The GoogleSQL type, e.g. `STRING(MAX)`.
    pub(crate) spanner_type: String,
    pub(crate) not_null: bool,
    /// The default expression's GoogleSQL text.
    pub(crate) default: Option<String>,
}

/// `table.column`'s type, nullability and default; `None` if there is no such column.
pub(crate) async fn column_info<'e, X>(
    executor: X,
    table: &str,
    column: &str,
) -> Result<Option<ColumnInfo>, DbErr>
where
    X: Executor<'e, Database = Spanner>,
{
    let rows = fetch(
        executor,
        "SELECT SPANNER_TYPE, IS_NULLABLE, COLUMN_DEFAULT FROM INFORMATION_SCHEMA.COLUMNS \
         WHERE TABLE_SCHEMA = '' AND TABLE_NAME = ? AND COLUMN_NAME = ?",
        &[table, column],
    )
    .await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let nullable: String = get(r, 1)?;
    Ok(Some(ColumnInfo {
        spanner_type: get(r, 0)?,
        not_null: nullable.eq_ignore_ascii_case("NO"),
        default: get(r, 2)?,
    }))
}
