//! A [`DatabaseSchema`] as the sea-query `CREATE TABLE` statements that `sea-orm-codegen`
//! reads: Spanner types as sea-query column types, primary keys, unique indexes, foreign keys,
//! and interleaving as a foreign key from child to parent.

use sea_query::{
    Alias, ColumnDef, ColumnType, ForeignKey, ForeignKeyAction, Index, IntoIden, RcOrArc,
    StringLen, Table, TableCreateStatement,
};
use sqlx_spanner::schema::{self, DatabaseSchema, OnDelete};

/// The sea-query column type SeaORM users expect for a Spanner type as
/// [`schema::Column::spanner_type`] spells it: `INT64` -> `BigInteger` (`i64`), `FLOAT64` ->
/// `Double`, `FLOAT32` -> `Float`, `BOOL` -> `Boolean`, `STRING(n)` -> `String(n)`,
/// `BYTES(n)` -> `VarBinary(n)` (`Vec<u8>`), `DATE` -> `Date`, `TIMESTAMP` ->
/// `TimestampWithTimeZone`, `NUMERIC` -> `Decimal`, `JSON` -> `Json`, `UUID` -> `Uuid`,
/// `ARRAY<T>` -> `Array(T)`. Any other type (`PROTO`, `ENUM`, `TOKENLIST`, `INTERVAL`...)
/// becomes `Custom` with Spanner's spelling (a `String` field in the entity).
pub fn column_type(spanner_type: &str) -> ColumnType {
    let spanner_type = spanner_type.trim();
    if let Some(inner) = spanner_type
        .strip_prefix("ARRAY<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        return ColumnType::Array(RcOrArc::new(column_type(inner)));
    }
    let (base, length) = match spanner_type.split_once('(') {
        Some((base, rest)) => (base, rest.trim_end_matches(')')),
        None => (spanner_type, ""),
    };
    let length = match length {
        "MAX" => StringLen::Max,
        "" => StringLen::None,
        n => n.parse().map(StringLen::N).unwrap_or(StringLen::Max),
    };
    match base {
        "INT64" => ColumnType::BigInteger,
        "FLOAT64" => ColumnType::Double,
        "FLOAT32" => ColumnType::Float,
        "BOOL" => ColumnType::Boolean,
        "STRING" => ColumnType::String(length),
        "BYTES" => ColumnType::VarBinary(length),
        "DATE" => ColumnType::Date,
        "TIMESTAMP" => ColumnType::TimestampWithTimeZone,
        "NUMERIC" => ColumnType::Decimal(None),
        "JSON" => ColumnType::Json,
        "UUID" => ColumnType::Uuid,
        _ => ColumnType::Custom(Alias::new(spanner_type).into_iden()),
    }
}

/// One `CREATE TABLE` statement per base table of `schema`, in table-name order.
///
/// Primary keys keep their key order; single-column unique indexes make the column
/// `unique`, multi-column ones a unique key; each foreign key becomes a `belongs_to`
/// relation (and `has_many` on the referenced table); an interleaved table gets a
/// `belongs_to` relation to its parent on the parent's primary-key columns (unless a foreign
/// key already says the same), so the parent `has_many` children.
pub fn table_statements(schema: &DatabaseSchema) -> Vec<TableCreateStatement> {
    schema
        .tables
        .iter()
        .map(|table| table_statement(schema, table))
        .collect()
}

fn table_statement(schema: &DatabaseSchema, table: &schema::Table) -> TableCreateStatement {
    let mut statement = Table::create();
    statement.table(Alias::new(&table.name));
    for column in &table.columns {
        let mut def =
            ColumnDef::new_with_type(Alias::new(&column.name), column_type(&column.spanner_type));
        if column.nullable {
            def.null();
        } else {
            def.not_null();
        }
        statement.col(def);
    }
    if !table.primary_key.is_empty() {
        let mut key = Index::create();
        key.primary();
        for part in &table.primary_key {
            key.col(Alias::new(&part.column));
        }
        statement.primary_key(&mut key);
    }
    for index in table.indexes.iter().filter(|i| i.unique && !i.managed) {
        let mut unique = Index::create();
        unique.name(&index.name).unique();
        for part in &index.key {
            unique.col(Alias::new(&part.column));
        }
        statement.index(&mut unique);
    }
    for fk in &table.foreign_keys {
        statement.foreign_key(&mut foreign_key(
            &table.name,
            &fk.columns,
            &fk.referenced_table,
            &fk.referenced_columns,
            fk.on_delete,
        ));
    }
    if let Some(interleave) = &table.interleaved_in {
        if let Some(parent) = schema.table(&interleave.parent_table) {
            let columns: Vec<String> = parent
                .primary_key
                .iter()
                .map(|p| p.column.clone())
                .collect();
            let declared = table.foreign_keys.iter().any(|fk| {
                fk.referenced_table == parent.name
                    && fk.columns == columns
                    && fk.referenced_columns == columns
            });
            if !columns.is_empty() && !declared {
                statement.foreign_key(&mut foreign_key(
                    &table.name,
                    &columns,
                    &parent.name,
                    &columns,
                    interleave.on_delete.unwrap_or(OnDelete::NoAction),
                ));
            }
        }
    }
    statement
}

fn foreign_key(
    table: &str,
    columns: &[String],
    referenced_table: &str,
    referenced_columns: &[String],
    on_delete: OnDelete,
) -> sea_query::ForeignKeyCreateStatement {
    let mut fk = ForeignKey::create();
    fk.from_tbl(Alias::new(table))
        .to_tbl(Alias::new(referenced_table))
        .on_delete(match on_delete {
            OnDelete::Cascade => ForeignKeyAction::Cascade,
            OnDelete::NoAction => ForeignKeyAction::NoAction,
        });
    for column in columns {
        fk.from_col(Alias::new(column));
    }
    for column in referenced_columns {
        fk.to_col(Alias::new(column));
    }
    fk
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanner_types() {
        assert_eq!(column_type("INT64"), ColumnType::BigInteger);
        assert_eq!(column_type("FLOAT64"), ColumnType::Double);
        assert_eq!(column_type("FLOAT32"), ColumnType::Float);
        assert_eq!(column_type("BOOL"), ColumnType::Boolean);
        assert_eq!(
            column_type("STRING(100)"),
            ColumnType::String(StringLen::N(100))
        );
        assert_eq!(
            column_type("STRING(MAX)"),
            ColumnType::String(StringLen::Max)
        );
        assert_eq!(
            column_type("BYTES(MAX)"),
            ColumnType::VarBinary(StringLen::Max)
        );
        assert_eq!(column_type("DATE"), ColumnType::Date);
        assert_eq!(column_type("TIMESTAMP"), ColumnType::TimestampWithTimeZone);
        assert_eq!(column_type("NUMERIC"), ColumnType::Decimal(None));
        assert_eq!(column_type("JSON"), ColumnType::Json);
        assert_eq!(
            column_type("ARRAY<STRING(MAX)>"),
            ColumnType::Array(RcOrArc::new(ColumnType::String(StringLen::Max)))
        );
        assert_eq!(column_type("TOKENLIST"), ColumnType::custom("TOKENLIST"));
    }
}
