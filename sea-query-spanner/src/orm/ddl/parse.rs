//! PostgreSQL DDL (parsed by `sqlparser`) -> sea-query schema statements -> GoogleSQL, through
//! the crate's GoogleSQL backend ([`SpannerQueryBuilder`]): types, `PRIMARY KEY`, identity
//! columns, UNIQUE -> unique index, foreign keys and defaults are rendered by the same code
//! that renders sea-query statements built by hand.

use sea_query::{
    Alias, ColumnDef, DynIden, Expr, ForeignKeyAction, Index, IndexCreateStatement, IndexOrder,
    IntoIden, QuotedBuilder, Table, TableCreateStatement, Value,
};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnOption, CreateIndex, CreateTable,
    Expr as SqlExpr, ForeignKeyConstraint, GeneratedAs, Ident, IndexColumn, ObjectName,
    ObjectNamePart, ObjectType, OrderBySort, ReferentialAction, RenameTableNameKind, Statement,
    TableConstraint, UnaryOperator, Value as SqlValue,
};

use super::types::column_type;
use super::{DdlError, DdlStep};
use crate::backend::{SpannerIndexOptions, SpannerQueryBuilder};

fn unsupported(what: impl Into<String>) -> DdlError {
    DdlError::Unsupported(what.into())
}

fn backend(e: crate::backend::SpannerSqlError) -> DdlError {
    DdlError::Backend(e.to_string())
}

/// Quotes an identifier with the backend's rule.
pub(super) fn quoted(name: &str) -> String {
    let mut s = String::new();
    SpannerQueryBuilder.prepare_iden(&Alias::new(name).into_iden(), &mut s);
    s
}

fn iden(name: &str) -> DynIden {
    Alias::new(name).into_iden()
}

/// The single unqualified name of a table or index (`public` is the only schema accepted).
fn object_name(name: &ObjectName) -> Result<String, DdlError> {
    let parts: Vec<&Ident> = name
        .0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(ident) => Ok(ident),
            ObjectNamePart::Function(_) => Err(unsupported("computed object names")),
        })
        .collect::<Result<_, _>>()?;
    match parts.as_slice() {
        [name] => Ok(name.value.clone()),
        [schema, name] if schema.value == "public" => Ok(name.value.clone()),
        _ => Err(unsupported("schema-qualified names")),
    }
}

fn action(action: Option<ReferentialAction>) -> Option<ForeignKeyAction> {
    action.map(|a| match a {
        ReferentialAction::Restrict => ForeignKeyAction::Restrict,
        ReferentialAction::Cascade => ForeignKeyAction::Cascade,
        ReferentialAction::SetNull => ForeignKeyAction::SetNull,
        ReferentialAction::NoAction => ForeignKeyAction::NoAction,
        ReferentialAction::SetDefault => ForeignKeyAction::SetDefault,
    })
}

/// A column default: literals and `CURRENT_TIMESTAMP`/`CURRENT_DATE` (what SeaORM's
/// `default(..)` renders); anything else is refused rather than passed on as PostgreSQL.
fn default_expr(expr: &SqlExpr) -> Result<Expr, DdlError> {
    match expr {
        SqlExpr::Nested(inner) => default_expr(inner),
        SqlExpr::Value(v) => match &v.value {
            SqlValue::Number(n, _) => number(n),
            SqlValue::SingleQuotedString(s) | SqlValue::EscapedStringLiteral(s) => {
                Ok(Expr::val(s.clone()))
            }
            SqlValue::Boolean(b) => Ok(Expr::val(*b)),
            SqlValue::Null => Ok(Expr::val(Value::String(None))),
            _ => Err(unsupported("this kind of literal as a default")),
        },
        SqlExpr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match expr.as_ref() {
            SqlExpr::Value(v) => match &v.value {
                SqlValue::Number(n, _) => number(&format!("-{n}")),
                _ => Err(unsupported("a negated non-numeric default")),
            },
            _ => Err(unsupported("a negated expression as a default")),
        },
        SqlExpr::Function(f) if f.args_is_empty_or_none() => {
            match f.name.to_string().to_ascii_uppercase().as_str() {
                "CURRENT_TIMESTAMP" | "NOW" => Ok(Expr::current_timestamp()),
                "CURRENT_DATE" => Ok(Expr::current_date()),
                other => Err(unsupported(format!("the default function {other}"))),
            }
        }
        SqlExpr::Cast { expr, .. } => default_expr(expr),
        _ => Err(unsupported(
            "this default expression (only literals, CURRENT_TIMESTAMP and CURRENT_DATE)",
        )),
    }
}

fn number(n: &str) -> Result<Expr, DdlError> {
    if let Ok(i) = n.parse::<i64>() {
        Ok(Expr::val(i))
    } else if let Ok(d) = n.parse::<rust_decimal::Decimal>() {
        Ok(Expr::val(d))
    } else if let Ok(f) = n.parse::<f64>() {
        Ok(Expr::val(f))
    } else {
        Err(unsupported("a numeric default out of range"))
    }
}

trait FunctionArgs {
    fn args_is_empty_or_none(&self) -> bool;
}

impl FunctionArgs for sqlparser::ast::Function {
    fn args_is_empty_or_none(&self) -> bool {
        match &self.args {
            sqlparser::ast::FunctionArguments::None => true,
            sqlparser::ast::FunctionArguments::List(list) => list.args.is_empty(),
            sqlparser::ast::FunctionArguments::Subquery(_) => false,
        }
    }
}

/// A sea-query column from a PostgreSQL column definition.
fn column_def(def: &sqlparser::ast::ColumnDef) -> Result<(ColumnDef, Vec<ForeignKey>), DdlError> {
    let read = column_type(&def.data_type)?;
    let mut column = ColumnDef::new_with_type(iden(&def.name.value), read.column_type);
    if read.serial {
        column.auto_increment();
    }
    let mut foreign_keys = Vec::new();
    for option in &def.options {
        match &option.option {
            ColumnOption::Null => {
                column.null();
            }
            ColumnOption::NotNull => {
                column.not_null();
            }
            ColumnOption::Default(expr) => {
                column.default(default_expr(expr)?);
            }
            ColumnOption::PrimaryKey(_) => {
                column.primary_key();
            }
            ColumnOption::Unique(_) => {
                column.unique_key();
            }
            ColumnOption::Generated {
                generated_as: GeneratedAs::ByDefault | GeneratedAs::Always,
                generation_expr: None,
                ..
            } => {
                column.auto_increment();
            }
            ColumnOption::ForeignKey(fk) => {
                foreign_keys.push(ForeignKey {
                    constraint: fk.clone(),
                    column: Some(def.name.value.clone()),
                });
            }
            ColumnOption::Comment(_) => {}
            _ => {
                return Err(unsupported(format!(
                    "the column option `{}`",
                    option.option
                )))
            }
        }
    }
    Ok((column, foreign_keys))
}

/// A foreign key of a `CREATE TABLE` (column- or table-level).
struct ForeignKey {
    constraint: ForeignKeyConstraint,
    /// The column, for a column-level `REFERENCES`.
    column: Option<String>,
}

impl ForeignKey {
    fn statement(&self, table: &str) -> Result<sea_query::ForeignKeyCreateStatement, DdlError> {
        let fk = &self.constraint;
        let mut stmt = sea_query::ForeignKey::create();
        if let Some(name) = &fk.name {
            stmt.name(name.value.as_str());
        }
        stmt.from_tbl(iden(table));
        match &self.column {
            Some(column) => {
                stmt.from_col(iden(column));
            }
            None => {
                for column in &fk.columns {
                    stmt.from_col(iden(&column.value));
                }
            }
        }
        stmt.to_tbl(iden(&object_name(&fk.foreign_table)?));
        for column in &fk.referred_columns {
            stmt.to_col(iden(&column.value));
        }
        if let Some(a) = action(fk.on_delete) {
            stmt.on_delete(a);
        }
        if let Some(a) = action(fk.on_update) {
            stmt.on_update(a);
        }
        Ok(stmt)
    }
}

fn index_columns(
    columns: &[IndexColumn],
    mut add: impl FnMut(String, Option<IndexOrder>),
) -> Result<(), DdlError> {
    for column in columns {
        if column.operator_class.is_some() {
            return Err(unsupported("index operator classes"));
        }
        let name = match &column.column.expr {
            SqlExpr::Identifier(ident) => ident.value.clone(),
            _ => return Err(unsupported("expression index columns")),
        };
        if column.column.options.nulls_first.is_some() {
            return Err(unsupported("NULLS FIRST / NULLS LAST in an index"));
        }
        let order = match &column.column.options.sort {
            Some(OrderBySort::Asc) => Some(IndexOrder::Asc),
            Some(OrderBySort::Desc) => Some(IndexOrder::Desc),
            Some(_) => return Err(unsupported("USING operators in an index")),
            None => None,
        };
        add(name, order);
    }
    Ok(())
}

fn index_on(stmt: &mut IndexCreateStatement, columns: &[IndexColumn]) -> Result<(), DdlError> {
    index_columns(columns, |name, order| match order {
        Some(order) => {
            stmt.col((iden(&name), order));
        }
        None => {
            stmt.col(iden(&name));
        }
    })
}

fn create_table(create: &CreateTable) -> Result<DdlStep, DdlError> {
    if create.temporary {
        return Err(unsupported("temporary tables"));
    }
    if create.query.is_some() || create.like.is_some() {
        return Err(unsupported("CREATE TABLE AS / LIKE"));
    }
    let table = object_name(&create.name)?;
    let mut stmt: TableCreateStatement = Table::create();
    stmt.table(iden(&table));
    let mut foreign_keys = Vec::new();
    for column in &create.columns {
        let (def, fks) = column_def(column)?;
        stmt.col(def);
        foreign_keys.extend(fks);
    }
    for constraint in &create.constraints {
        match constraint {
            TableConstraint::PrimaryKey(pk) => {
                let mut index = Index::create();
                index_on(&mut index, &pk.columns)?;
                stmt.primary_key(&mut index);
            }
            TableConstraint::Unique(unique) => {
                let mut index = Index::create();
                index.unique();
                if let Some(name) = &unique.name {
                    index.name(name.value.as_str());
                }
                index_on(&mut index, &unique.columns)?;
                stmt.index(&mut index);
            }
            TableConstraint::ForeignKey(fk) => foreign_keys.push(ForeignKey {
                constraint: fk.clone(),
                column: None,
            }),
            other => return Err(unsupported(format!("the table constraint `{other}`"))),
        }
    }
    for fk in &foreign_keys {
        stmt.foreign_key(&mut fk.statement(&table)?);
    }
    let statements = SpannerQueryBuilder
        .build_table_create_batch(&stmt)
        .map_err(backend)?;
    Ok(DdlStep::CreateTable {
        table,
        if_not_exists: create.if_not_exists,
        statements,
    })
}

fn create_index(create: &CreateIndex) -> Result<DdlStep, DdlError> {
    if create.predicate.is_some() {
        return Err(unsupported("partial indexes (CREATE INDEX .. WHERE)"));
    }
    if let Some(using) = &create.using {
        if !using.to_string().eq_ignore_ascii_case("btree") {
            return Err(unsupported(format!("index method {using}")));
        }
    }
    if create.nulls_distinct == Some(false) {
        return Err(unsupported("NULLS NOT DISTINCT"));
    }
    let table = object_name(&create.table_name)?;
    let mut stmt = Index::create();
    stmt.table(iden(&table));
    if let Some(name) = &create.name {
        stmt.name(object_name(name)?);
    }
    if create.unique {
        stmt.unique();
    }
    if create.if_not_exists {
        stmt.if_not_exists();
    }
    index_on(&mut stmt, &create.columns)?;
    let mut options = SpannerIndexOptions::new();
    for column in &create.include {
        options = options.storing(column.value.clone());
    }
    let sql = SpannerQueryBuilder
        .build_index_create_with(&stmt, &options)
        .map_err(backend)?;
    Ok(DdlStep::Schema(vec![sql]))
}

fn alter_table(
    name: &ObjectName,
    operations: &[AlterTableOperation],
) -> Result<Vec<DdlStep>, DdlError> {
    let table = object_name(name)?;
    let mut steps = Vec::new();
    for operation in operations {
        match operation {
            AlterTableOperation::AddColumn {
                if_not_exists,
                column_def: def,
                ..
            } => {
                let (column, fks) = column_def(def)?;
                let mut stmt = Table::alter();
                stmt.table(iden(&table));
                if *if_not_exists {
                    stmt.add_column_if_not_exists(column);
                } else {
                    stmt.add_column(column);
                }
                let mut statements = SpannerQueryBuilder
                    .build_table_alter_batch(&stmt)
                    .map_err(backend)?;
                for fk in fks {
                    statements.push(
                        SpannerQueryBuilder
                            .build_foreign_key_create(&fk.statement(&table)?)
                            .map_err(backend)?,
                    );
                }
                steps.push(DdlStep::Schema(statements));
            }
            AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                ..
            } => {
                if *if_exists {
                    return Err(unsupported("DROP COLUMN IF EXISTS"));
                }
                let mut stmt = Table::alter();
                stmt.table(iden(&table));
                for column in column_names {
                    stmt.drop_column(iden(&column.value));
                }
                steps.push(DdlStep::Schema(
                    SpannerQueryBuilder
                        .build_table_alter_batch(&stmt)
                        .map_err(backend)?,
                ));
            }
            AlterTableOperation::AddConstraint { constraint, .. } => match constraint {
                TableConstraint::ForeignKey(fk) => {
                    let fk = ForeignKey {
                        constraint: fk.clone(),
                        column: None,
                    };
                    steps.push(DdlStep::Schema(vec![SpannerQueryBuilder
                        .build_foreign_key_create(&fk.statement(&table)?)
                        .map_err(backend)?]));
                }
                TableConstraint::Unique(unique) => {
                    let mut index = Index::create();
                    index.unique().table(iden(&table));
                    if let Some(name) = &unique.name {
                        index.name(name.value.as_str());
                    }
                    index_on(&mut index, &unique.columns)?;
                    steps.push(DdlStep::Schema(vec![SpannerQueryBuilder
                        .build_index_create(&index)
                        .map_err(backend)?]));
                }
                other => return Err(unsupported(format!("ADD `{other}`"))),
            },
            AlterTableOperation::DropConstraint {
                name, if_exists, ..
            } => steps.push(DdlStep::DropConstraint {
                table: table.clone(),
                name: name.value.clone(),
                if_exists: *if_exists,
            }),
            AlterTableOperation::AlterColumn { column_name, op } => {
                let column = column_name.value.clone();
                let change = match op {
                    AlterColumnOperation::SetNotNull => ColumnChange::NotNull(true),
                    AlterColumnOperation::DropNotNull => ColumnChange::NotNull(false),
                    AlterColumnOperation::SetDataType {
                        data_type, using, ..
                    } => {
                        if using.is_some() {
                            return Err(unsupported("ALTER COLUMN .. TYPE .. USING"));
                        }
                        let read = column_type(data_type)?;
                        if read.serial {
                            return Err(unsupported(
                                "turning an existing column into an auto-increment column",
                            ));
                        }
                        ColumnChange::Type(read.column_type)
                    }
                    AlterColumnOperation::SetDefault { value } => {
                        ColumnChange::Default(Some(default_expr(value)?))
                    }
                    AlterColumnOperation::DropDefault => ColumnChange::Default(None),
                    other => return Err(unsupported(format!("ALTER COLUMN .. {other}"))),
                };
                // PostgreSQL splits one column change into several operations; Spanner
                // restates the column once.
                match steps.last_mut() {
                    Some(DdlStep::AlterColumn {
                        table: t,
                        column: c,
                        changes,
                    }) if *t == table && *c == column => changes.push(change),
                    _ => steps.push(DdlStep::AlterColumn {
                        table: table.clone(),
                        column,
                        changes: vec![change],
                    }),
                }
            }
            AlterTableOperation::RenameTable { table_name } => {
                let to = match table_name {
                    RenameTableNameKind::To(to) | RenameTableNameKind::As(to) => object_name(to)?,
                };
                let mut stmt = Table::rename();
                stmt.table(iden(&table), iden(&to));
                steps.push(DdlStep::Schema(vec![SpannerQueryBuilder
                    .build_table_rename(&stmt)
                    .map_err(backend)?]));
            }
            AlterTableOperation::RenameColumn { .. } => {
                return Err(unsupported(
                    "RENAME COLUMN (add a new column and copy the data)",
                ))
            }
            other => return Err(unsupported(format!("ALTER TABLE .. {other}"))),
        }
    }
    Ok(steps)
}

/// One change of `ALTER TABLE .. ALTER COLUMN`.
#[derive(Debug, Clone)]
pub(crate) enum ColumnChange {
    /// `SET NOT NULL` (`true`) / `DROP NOT NULL` (`false`).
    NotNull(bool),
    /// `TYPE t`.
    Type(sea_query::ColumnType),
    /// `SET DEFAULT e` / `DROP DEFAULT`.
    Default(Option<Expr>),
}

fn drop(
    object_type: ObjectType,
    names: &[ObjectName],
    if_exists: bool,
    cascade: bool,
) -> Result<Vec<DdlStep>, DdlError> {
    match object_type {
        ObjectType::Table => names
            .iter()
            .map(|name| {
                Ok(DdlStep::DropTable {
                    table: object_name(name)?,
                    if_exists,
                    cascade,
                })
            })
            .collect(),
        ObjectType::Index => {
            if cascade {
                return Err(unsupported("DROP INDEX .. CASCADE"));
            }
            names
                .iter()
                .map(|name| {
                    let mut stmt = Index::drop();
                    stmt.name(object_name(name)?);
                    if if_exists {
                        stmt.if_exists();
                    }
                    Ok(DdlStep::Schema(vec![SpannerQueryBuilder
                        .build_index_drop(&stmt)
                        .map_err(backend)?]))
                })
                .collect()
        }
        // sea-orm-migration's `fresh` drops the PostgreSQL types it finds; Spanner has none
        // (the catalog answers with no rows), so a type drop can only name a missing type.
        ObjectType::Type if if_exists => Ok(Vec::new()),
        other => Err(unsupported(format!("DROP {other}"))),
    }
}

/// Translates one parsed PostgreSQL statement.
pub(super) fn statement(statement: &Statement) -> Result<Vec<DdlStep>, DdlError> {
    match statement {
        Statement::CreateTable(create) => Ok(vec![create_table(create)?]),
        Statement::CreateIndex(create) => Ok(vec![create_index(create)?]),
        Statement::AlterTable(alter) => {
            if alter.only || alter.table_type.is_some() {
                return Err(unsupported("ALTER TABLE ONLY / of a special table type"));
            }
            alter_table(&alter.name, &alter.operations)
        }
        Statement::Drop {
            object_type,
            if_exists,
            names,
            cascade,
            ..
        } => drop(*object_type, names, *if_exists, *cascade),
        Statement::Truncate(truncate) => {
            if truncate.partitions.is_some() {
                return Err(unsupported("TRUNCATE .. PARTITION"));
            }
            truncate
                .table_names
                .iter()
                .map(|target| {
                    let table = object_name(&target.name)?;
                    let mut stmt = Table::truncate();
                    stmt.table(iden(&table));
                    Ok(DdlStep::Dml(
                        SpannerQueryBuilder
                            .build_table_truncate(&stmt)
                            .map_err(backend)?,
                    ))
                })
                .collect()
        }
        other => {
            let text = other.to_string();
            let head: String = text
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ");
            Err(unsupported(format!("the statement {head}")))
        }
    }
}
