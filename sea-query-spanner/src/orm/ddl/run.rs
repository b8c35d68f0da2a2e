//! Running translated schema statements: catalog-dependent steps are resolved against
//! `INFORMATION_SCHEMA`, consecutive DDL goes to the admin API as one batch.

use sea_orm::{DbErr, ExecResult, ProxyExecResult};
use sea_query::{Alias, ColumnDef, ColumnType, Expr, IntoIden, Table};
use sqlx_core::sql_str::AssertSqlSafe;
use sqlx_spanner::SpannerConnection;

use super::parse::{quoted, ColumnChange};
use super::{translate, DdlError, DdlStep};
use crate::backend::SpannerQueryBuilder;
use crate::orm::catalog;
use crate::orm::connection::SpannerDatabase;
use crate::orm::error::{from_sqlx, Stage};

fn refused(error: &DdlError) -> DbErr {
    DbErr::Custom(format!(
        "sea-query-spanner: cannot run this schema statement on Spanner: {error}"
    ))
}

async fn flush(conn: &mut SpannerConnection, batch: &mut Vec<String>) -> Result<(), DbErr> {
    if batch.is_empty() {
        return Ok(());
    }
    let statements = std::mem::take(batch);
    tracing::debug!(?statements, "sea-orm schema statements on Spanner");
    conn.execute_ddl(statements)
        .await
        .map_err(|e| from_sqlx(e, Stage::Exec))
}

/// Runs the PostgreSQL schema statement(s) `sql` on `db`.
///
/// # Errors
///
/// [`DbErr::Custom`] for statements that cannot be translated (nothing is run then), or
/// Spanner's error.
pub(crate) async fn run(db: &SpannerDatabase, sql: &str) -> Result<ExecResult, DbErr> {
    let steps = translate(sql).map_err(|e| refused(&e))?;
    let mut conn = db
        .pool()
        .acquire()
        .await
        .map_err(|e| from_sqlx(e, Stage::Conn))?;
    let conn: &mut SpannerConnection = &mut conn;
    let mut batch = Vec::new();
    let mut rows_affected = 0;
    for step in steps {
        match step {
            DdlStep::Schema(statements) => batch.extend(statements),
            DdlStep::CreateTable {
                table,
                if_not_exists,
                statements,
            } => {
                flush(conn, &mut batch).await?;
                if !(if_not_exists && catalog::table_exists(&mut *conn, &table).await?) {
                    batch.extend(statements);
                }
            }
            DdlStep::DropTable {
                table,
                if_exists,
                cascade,
            } => {
                flush(conn, &mut batch).await?;
                batch.extend(drop_table(conn, &table, if_exists, cascade).await?);
            }
            DdlStep::DropConstraint {
                table,
                name,
                if_exists,
            } => {
                flush(conn, &mut batch).await?;
                if !if_exists || catalog::constraint_exists(&mut *conn, &table, &name).await? {
                    batch.push(drop_constraint(&table, &name));
                }
            }
            DdlStep::AlterColumn {
                table,
                column,
                changes,
            } => {
                flush(conn, &mut batch).await?;
                batch.extend(alter_column(conn, &table, &column, &changes).await?);
            }
            DdlStep::Dml(statement) => {
                flush(conn, &mut batch).await?;
                let result = sqlx_core::query::query(AssertSqlSafe(statement))
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| from_sqlx(e, Stage::Exec))?;
                rows_affected += result.rows_affected();
            }
        }
    }
    flush(conn, &mut batch).await?;
    Ok(ProxyExecResult::new(0, rows_affected).into())
}

fn drop_constraint(table: &str, name: &str) -> String {
    format!(
        "ALTER TABLE {} DROP CONSTRAINT {}",
        quoted(table),
        quoted(name)
    )
}

/// `DROP TABLE` as PostgreSQL means it: the table's indexes and foreign keys go with it;
/// with `cascade`, so do the foreign keys of other tables that reference it.
async fn drop_table(
    conn: &mut SpannerConnection,
    table: &str,
    if_exists: bool,
    cascade: bool,
) -> Result<Vec<String>, DbErr> {
    let mut out = Vec::new();
    if !catalog::table_exists(&mut *conn, table).await? {
        if !if_exists {
            // Spanner reports the missing table.
            out.push(format!("DROP TABLE {}", quoted(table)));
        }
        return Ok(out);
    }
    let referencing = catalog::referencing_foreign_keys(&mut *conn, table).await?;
    if !referencing.is_empty() && !cascade {
        // Checked before anything is dropped: Spanner would fail only at the DROP TABLE,
        // after the indexes were gone.
        return Err(DbErr::Custom(format!(
            "sea-query-spanner: cannot drop table {table}: {} foreign key(s) of other tables \
             reference it (drop them first, or use CASCADE)",
            referencing.len()
        )));
    }
    for (other, name) in &referencing {
        out.push(drop_constraint(other, name));
    }
    for name in catalog::own_foreign_keys(&mut *conn, table).await? {
        out.push(drop_constraint(table, &name));
    }
    for index in catalog::user_indexes(&mut *conn, table).await? {
        out.push(format!("DROP INDEX {}", quoted(&index)));
    }
    out.push(format!("DROP TABLE {}", quoted(table)));
    Ok(out)
}

/// Spanner's `ALTER COLUMN` restates the column: what PostgreSQL leaves unchanged (type,
/// nullability, default) is read from the catalog.
async fn alter_column(
    conn: &mut SpannerConnection,
    table: &str,
    column: &str,
    changes: &[ColumnChange],
) -> Result<Vec<String>, DbErr> {
    let only_defaults = changes
        .iter()
        .all(|c| matches!(c, ColumnChange::Default(_)));
    if only_defaults {
        let mut out = Vec::new();
        for change in changes {
            if let ColumnChange::Default(default) = change {
                match default {
                    Some(expr) => {
                        let mut stmt = Table::alter();
                        stmt.table(Alias::new(table).into_iden()).modify_column(
                            ColumnDef::new(Alias::new(column).into_iden()).default(expr.clone()),
                        );
                        out.extend(
                            SpannerQueryBuilder
                                .build_table_alter_batch(&stmt)
                                .map_err(|e| refused(&DdlError::Backend(e.to_string())))?,
                        );
                    }
                    None => out.push(format!(
                        "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                        quoted(table),
                        quoted(column)
                    )),
                }
            }
        }
        return Ok(out);
    }
    let current = catalog::column_info(&mut *conn, table, column)
        .await?
        .ok_or_else(|| {
            DbErr::Custom(format!(
                "sea-query-spanner: column {column} of table {table} does not exist"
            ))
        })?;
    let mut column_type: Option<ColumnType> = None;
    let mut not_null = current.not_null;
    let mut default: Option<Expr> = current.default.map(Expr::cust);
    for change in changes {
        match change {
            ColumnChange::NotNull(n) => not_null = *n,
            ColumnChange::Type(t) => column_type = Some(t.clone()),
            ColumnChange::Default(d) => default = d.clone(),
        }
    }
    let column_type = column_type
        .unwrap_or_else(|| ColumnType::Custom(Alias::new(current.spanner_type).into_iden()));
    let mut def = ColumnDef::new_with_type(Alias::new(column).into_iden(), column_type);
    if not_null {
        def.not_null();
    }
    if let Some(default) = default {
        def.default(default);
    }
    let mut stmt = Table::alter();
    stmt.table(Alias::new(table).into_iden()).modify_column(def);
    SpannerQueryBuilder
        .build_table_alter_batch(&stmt)
        .map_err(|e| refused(&DdlError::Backend(e.to_string())))
}
