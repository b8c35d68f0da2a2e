//! Reading [`DatabaseSchema`] from a database's `INFORMATION_SCHEMA`.

use std::collections::BTreeMap;

use sqlx_core::error::Error;
use sqlx_core::query::query;
use sqlx_core::row::Row;

use super::model::{
    ChangeStream, ChangeStreamTable, CheckConstraint, Column, DatabaseSchema, ForeignKey,
    GeneratedColumn, Index, Interleave, KeyPart, OnDelete, Sequence, SortOrder, Table, View,
};
use crate::error::{spanner_code, SpannerCode};
use crate::{SpannerConnection, SpannerRow};

/// Reads the default schema (`TABLE_SCHEMA = ''`) of the connected database.
///
/// Every part is read with its own single-use read-only query through the connection, so
/// run it while no DDL is being applied. A catalog view the database does not have (an older
/// emulator) leaves its part empty and is named in [`DatabaseSchema::unavailable`]; any other
/// failure is returned as the error Spanner gave.
pub async fn read_schema(conn: &mut SpannerConnection) -> Result<DatabaseSchema, Error> {
    let mut unavailable = Vec::new();
    let mut tables = read_tables(conn).await?;
    read_columns(conn, &mut tables).await?;
    optional(
        read_commit_timestamp_options(conn, &mut tables).await,
        &mut unavailable,
        "COLUMN_OPTIONS",
    )?;
    read_indexes(conn, &mut tables).await?;
    optional(
        read_foreign_keys(conn, &mut tables).await,
        &mut unavailable,
        "REFERENTIAL_CONSTRAINTS",
    )?;
    optional(
        read_check_constraints(conn, &mut tables).await,
        &mut unavailable,
        "CHECK_CONSTRAINTS",
    )?;
    let sequences =
        optional(read_sequences(conn).await, &mut unavailable, "SEQUENCES")?.unwrap_or_default();
    let views = optional(read_views(conn).await, &mut unavailable, "VIEWS")?.unwrap_or_default();
    let change_streams = optional(
        read_change_streams(conn).await,
        &mut unavailable,
        "CHANGE_STREAMS",
    )?
    .unwrap_or_default();
    Ok(DatabaseSchema {
        tables: tables.into_values().collect(),
        sequences,
        views,
        change_streams,
        unavailable,
    })
}

/// Whether `table.column` of the connected database is declared `NOT NULL`: `Some(true)` /
/// `Some(false)`, `None` when there is no such column in the default schema.
pub async fn column_is_not_null(
    conn: &mut SpannerConnection,
    table: &str,
    column: &str,
) -> Result<Option<bool>, Error> {
    let row = query(
        "SELECT IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS \
         WHERE TABLE_SCHEMA = '' AND TABLE_NAME = @p1 AND COLUMN_NAME = @p2",
    )
    .bind(table.to_owned())
    .bind(column.to_owned())
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok(Some(text(&row, 0)?.as_deref() == Some("NO"))),
        None => Ok(None),
    }
}

/// A part read from a catalog view that may be missing: a "table not found" error becomes
/// `None` (and the view is recorded as unavailable); other errors pass through.
fn optional<T>(
    result: Result<T, Error>,
    unavailable: &mut Vec<String>,
    view: &str,
) -> Result<Option<T>, Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error)
            if matches!(
                spanner_code(&error),
                Some(
                    SpannerCode::InvalidArgument
                        | SpannerCode::NotFound
                        | SpannerCode::Unimplemented
                )
            ) =>
        {
            unavailable.push(view.to_owned());
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

async fn rows(conn: &mut SpannerConnection, sql: &'static str) -> Result<Vec<SpannerRow>, Error> {
    query(sql).fetch_all(&mut *conn).await
}

fn text(row: &SpannerRow, index: usize) -> Result<Option<String>, Error> {
    row.try_get::<Option<String>, _>(index)
}

fn required_text(row: &SpannerRow, index: usize) -> Result<String, Error> {
    Ok(text(row, index)?.unwrap_or_default())
}

fn flag(row: &SpannerRow, index: usize) -> Result<bool, Error> {
    Ok(row.try_get::<Option<bool>, _>(index)?.unwrap_or(false))
}

fn on_delete(action: Option<&str>) -> Option<OnDelete> {
    match action? {
        "CASCADE" => Some(OnDelete::Cascade),
        "NO ACTION" => Some(OnDelete::NoAction),
        _ => None,
    }
}

fn sort_order(ordering: Option<&str>) -> SortOrder {
    match ordering {
        Some("DESC") => SortOrder::Desc,
        _ => SortOrder::Asc,
    }
}

async fn read_tables(conn: &mut SpannerConnection) -> Result<BTreeMap<String, Table>, Error> {
    let mut tables = BTreeMap::new();
    for row in rows(
        conn,
        "SELECT TABLE_NAME, PARENT_TABLE_NAME, ON_DELETE_ACTION, TABLE_TYPE \
         FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = '' ORDER BY TABLE_NAME",
    )
    .await?
    {
        if text(&row, 3)?.as_deref() == Some("VIEW") {
            continue;
        }
        let name = required_text(&row, 0)?;
        let interleaved_in = text(&row, 1)?
            .filter(|parent| !parent.is_empty())
            .map(|parent_table| -> Result<Interleave, Error> {
                Ok(Interleave {
                    parent_table,
                    on_delete: on_delete(text(&row, 2)?.as_deref()),
                })
            })
            .transpose()?;
        tables.insert(
            name.clone(),
            Table {
                name,
                columns: Vec::new(),
                primary_key: Vec::new(),
                interleaved_in,
                indexes: Vec::new(),
                foreign_keys: Vec::new(),
                check_constraints: Vec::new(),
            },
        );
    }
    Ok(tables)
}

async fn read_columns(
    conn: &mut SpannerConnection,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), Error> {
    for row in rows(
        conn,
        "SELECT TABLE_NAME, COLUMN_NAME, SPANNER_TYPE, IS_NULLABLE, COLUMN_DEFAULT, \
         IS_GENERATED, GENERATION_EXPRESSION, IS_STORED \
         FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = '' \
         ORDER BY TABLE_NAME, ORDINAL_POSITION",
    )
    .await?
    {
        let Some(table) = tables.get_mut(&required_text(&row, 0)?) else {
            continue; // a view's column
        };
        let generated = match (text(&row, 5)?.as_deref(), text(&row, 6)?) {
            (Some("ALWAYS"), Some(expression)) => Some(GeneratedColumn {
                expression,
                stored: text(&row, 7)?.as_deref() == Some("YES"),
            }),
            _ => None,
        };
        table.columns.push(Column {
            name: required_text(&row, 1)?,
            spanner_type: required_text(&row, 2)?,
            nullable: text(&row, 3)?.as_deref() != Some("NO"),
            default: text(&row, 4)?,
            generated,
            allow_commit_timestamp: false,
        });
    }
    Ok(())
}

async fn read_commit_timestamp_options(
    conn: &mut SpannerConnection,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), Error> {
    for row in rows(
        conn,
        "SELECT TABLE_NAME, COLUMN_NAME, OPTION_VALUE FROM INFORMATION_SCHEMA.COLUMN_OPTIONS \
         WHERE TABLE_SCHEMA = '' AND OPTION_NAME = 'allow_commit_timestamp'",
    )
    .await?
    {
        let allowed = text(&row, 2)?.is_some_and(|v| v.eq_ignore_ascii_case("TRUE"));
        let column_name = required_text(&row, 1)?;
        if let Some(column) = tables
            .get_mut(&required_text(&row, 0)?)
            .and_then(|t| t.columns.iter_mut().find(|c| c.name == column_name))
        {
            column.allow_commit_timestamp = allowed;
        }
    }
    Ok(())
}

async fn read_indexes(
    conn: &mut SpannerConnection,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), Error> {
    for row in rows(
        conn,
        "SELECT TABLE_NAME, INDEX_NAME, PARENT_TABLE_NAME, IS_UNIQUE, IS_NULL_FILTERED, \
         SPANNER_IS_MANAGED FROM INFORMATION_SCHEMA.INDEXES \
         WHERE TABLE_SCHEMA = '' AND INDEX_TYPE = 'INDEX' ORDER BY TABLE_NAME, INDEX_NAME",
    )
    .await?
    {
        let Some(table) = tables.get_mut(&required_text(&row, 0)?) else {
            continue;
        };
        table.indexes.push(Index {
            name: required_text(&row, 1)?,
            unique: flag(&row, 3)?,
            null_filtered: flag(&row, 4)?,
            interleaved_in: text(&row, 2)?.filter(|p| !p.is_empty()),
            key: Vec::new(),
            storing: Vec::new(),
            managed: flag(&row, 5)?,
        });
    }
    for row in rows(
        conn,
        "SELECT TABLE_NAME, INDEX_NAME, INDEX_TYPE, COLUMN_NAME, ORDINAL_POSITION, \
         COLUMN_ORDERING FROM INFORMATION_SCHEMA.INDEX_COLUMNS WHERE TABLE_SCHEMA = '' \
         ORDER BY TABLE_NAME, INDEX_NAME, ORDINAL_POSITION, COLUMN_NAME",
    )
    .await?
    {
        let Some(table) = tables.get_mut(&required_text(&row, 0)?) else {
            continue;
        };
        let index_name = required_text(&row, 1)?;
        let column = required_text(&row, 3)?;
        let position: Option<i64> = row.try_get(4)?;
        let part = KeyPart::new(column.clone(), sort_order(text(&row, 5)?.as_deref()));
        if text(&row, 2)?.as_deref() == Some("PRIMARY_KEY") {
            table.primary_key.push(part);
            continue;
        }
        let Some(index) = table.indexes.iter_mut().find(|i| i.name == index_name) else {
            continue;
        };
        match position {
            Some(_) => index.key.push(part),
            None => index.storing.push(column),
        }
    }
    Ok(())
}

/// One row of `KEY_COLUMN_USAGE`.
struct KeyColumn {
    table: String,
    column: String,
    position: i64,
    /// For a foreign key column: the position of the referenced column in the referenced
    /// unique constraint.
    position_in_unique: Option<i64>,
}

async fn read_foreign_keys(
    conn: &mut SpannerConnection,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), Error> {
    // Key columns of every constraint, by constraint name.
    let mut key_columns: BTreeMap<String, Vec<KeyColumn>> = BTreeMap::new();
    for row in rows(
        conn,
        "SELECT CONSTRAINT_NAME, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, \
         POSITION_IN_UNIQUE_CONSTRAINT FROM INFORMATION_SCHEMA.KEY_COLUMN_USAGE \
         WHERE CONSTRAINT_SCHEMA = '' ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION",
    )
    .await?
    {
        key_columns
            .entry(required_text(&row, 0)?)
            .or_default()
            .push(KeyColumn {
                table: required_text(&row, 1)?,
                column: required_text(&row, 2)?,
                position: row.try_get::<Option<i64>, _>(3)?.unwrap_or(0),
                position_in_unique: row.try_get(4)?,
            });
    }
    for row in rows(
        conn,
        "SELECT CONSTRAINT_NAME, UNIQUE_CONSTRAINT_NAME, DELETE_RULE \
         FROM INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = '' \
         ORDER BY CONSTRAINT_NAME",
    )
    .await?
    {
        let name = required_text(&row, 0)?;
        let unique_name = required_text(&row, 1)?;
        let (Some(own), Some(referenced)) = (key_columns.get(&name), key_columns.get(&unique_name))
        else {
            continue;
        };
        let (Some(first), Some(first_referenced)) = (own.first(), referenced.first()) else {
            continue;
        };
        let table_name = &first.table;
        let referenced_table = &first_referenced.table;
        let mut referenced_columns = Vec::with_capacity(own.len());
        for key in own {
            let wanted = key.position_in_unique.unwrap_or(key.position);
            if let Some(target) = referenced.iter().find(|r| r.position == wanted) {
                referenced_columns.push(target.column.clone());
            }
        }
        let foreign_key = ForeignKey {
            name,
            columns: own.iter().map(|key| key.column.clone()).collect(),
            referenced_table: referenced_table.clone(),
            referenced_columns,
            on_delete: on_delete(text(&row, 2)?.as_deref()).unwrap_or(OnDelete::NoAction),
        };
        if let Some(table) = tables.get_mut(table_name) {
            table.foreign_keys.push(foreign_key);
        }
    }
    Ok(())
}

async fn read_check_constraints(
    conn: &mut SpannerConnection,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), Error> {
    for row in rows(
        conn,
        "SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE \
         FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS AS tc \
         JOIN INFORMATION_SCHEMA.CHECK_CONSTRAINTS AS cc \
           ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
         WHERE tc.CONSTRAINT_SCHEMA = '' AND tc.CONSTRAINT_TYPE = 'CHECK' \
           AND NOT STARTS_WITH(cc.CONSTRAINT_NAME, 'CK_IS_NOT_NULL_') \
         ORDER BY tc.TABLE_NAME, cc.CONSTRAINT_NAME",
    )
    .await?
    {
        if let Some(table) = tables.get_mut(&required_text(&row, 0)?) {
            table.check_constraints.push(CheckConstraint {
                name: required_text(&row, 1)?,
                expression: required_text(&row, 2)?,
            });
        }
    }
    Ok(())
}

async fn read_sequences(conn: &mut SpannerConnection) -> Result<Vec<Sequence>, Error> {
    let mut sequences = BTreeMap::new();
    for row in rows(
        conn,
        "SELECT NAME, DATA_TYPE FROM INFORMATION_SCHEMA.SEQUENCES WHERE SCHEMA = '' ORDER BY NAME",
    )
    .await?
    {
        let name = required_text(&row, 0)?;
        sequences.insert(
            name.clone(),
            Sequence {
                name,
                data_type: required_text(&row, 1)?,
                options: BTreeMap::new(),
            },
        );
    }
    for row in rows(
        conn,
        "SELECT NAME, OPTION_NAME, OPTION_VALUE FROM INFORMATION_SCHEMA.SEQUENCE_OPTIONS \
         WHERE SCHEMA = ''",
    )
    .await?
    {
        if let Some(sequence) = sequences.get_mut(&required_text(&row, 0)?) {
            sequence
                .options
                .insert(required_text(&row, 1)?, required_text(&row, 2)?);
        }
    }
    Ok(sequences.into_values().collect())
}

async fn read_views(conn: &mut SpannerConnection) -> Result<Vec<View>, Error> {
    rows(
        conn,
        "SELECT TABLE_NAME, VIEW_DEFINITION, SECURITY_TYPE FROM INFORMATION_SCHEMA.VIEWS \
         WHERE TABLE_SCHEMA = '' ORDER BY TABLE_NAME",
    )
    .await?
    .iter()
    .map(|row| {
        Ok(View {
            name: required_text(row, 0)?,
            definition: required_text(row, 1)?,
            security_type: text(row, 2)?.filter(|s| !s.is_empty()),
        })
    })
    .collect()
}

async fn read_change_streams(conn: &mut SpannerConnection) -> Result<Vec<ChangeStream>, Error> {
    let mut streams = BTreeMap::new();
    for row in rows(
        conn,
        "SELECT CHANGE_STREAM_NAME, `ALL` FROM INFORMATION_SCHEMA.CHANGE_STREAMS \
         WHERE CHANGE_STREAM_SCHEMA = '' ORDER BY CHANGE_STREAM_NAME",
    )
    .await?
    {
        let name = required_text(&row, 0)?;
        streams.insert(
            name.clone(),
            ChangeStream {
                name,
                all: flag(&row, 1)?,
                tables: Vec::new(),
                options: BTreeMap::new(),
            },
        );
    }
    for row in rows(
        conn,
        "SELECT CHANGE_STREAM_NAME, TABLE_NAME, ALL_COLUMNS \
         FROM INFORMATION_SCHEMA.CHANGE_STREAM_TABLES WHERE CHANGE_STREAM_SCHEMA = '' \
         ORDER BY CHANGE_STREAM_NAME, TABLE_NAME",
    )
    .await?
    {
        if let Some(stream) = streams.get_mut(&required_text(&row, 0)?) {
            stream.tables.push(ChangeStreamTable {
                table: required_text(&row, 1)?,
                all_columns: flag(&row, 2)?,
                columns: Vec::new(),
            });
        }
    }
    for row in rows(
        conn,
        "SELECT CHANGE_STREAM_NAME, TABLE_NAME, COLUMN_NAME \
         FROM INFORMATION_SCHEMA.CHANGE_STREAM_COLUMNS WHERE CHANGE_STREAM_SCHEMA = '' \
         ORDER BY CHANGE_STREAM_NAME, TABLE_NAME, COLUMN_NAME",
    )
    .await?
    {
        let table_name = required_text(&row, 1)?;
        if let Some(table) = streams
            .get_mut(&required_text(&row, 0)?)
            .and_then(|s| s.tables.iter_mut().find(|t| t.table == table_name))
        {
            table.columns.push(required_text(&row, 2)?);
        }
    }
    for row in rows(
        conn,
        "SELECT CHANGE_STREAM_NAME, OPTION_NAME, OPTION_VALUE \
         FROM INFORMATION_SCHEMA.CHANGE_STREAM_OPTIONS WHERE CHANGE_STREAM_SCHEMA = ''",
    )
    .await?
    {
        if let Some(stream) = streams.get_mut(&required_text(&row, 0)?) {
            stream
                .options
                .insert(required_text(&row, 1)?, required_text(&row, 2)?);
        }
    }
    Ok(streams.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_words() {
        assert_eq!(on_delete(Some("CASCADE")), Some(OnDelete::Cascade));
        assert_eq!(on_delete(Some("NO ACTION")), Some(OnDelete::NoAction));
        assert_eq!(on_delete(Some("")), None);
        assert_eq!(on_delete(None), None);
        assert_eq!(sort_order(Some("DESC")), SortOrder::Desc);
        assert_eq!(sort_order(Some("ASC")), SortOrder::Asc);
        assert_eq!(sort_order(None), SortOrder::Asc);
    }
}
