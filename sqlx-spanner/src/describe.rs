//! `describe`: what the query macros learn about a statement before it runs.
//!
//! * Result columns and their types: `ExecuteSql` in `PLAN` mode.
//! * Parameter types: the same `PLAN` request sends the parameters undeclared (no values,
//!   no types); Spanner infers their types from the statement and reports them in
//!   `metadata.undeclared_parameters`.
//! * Nullability: Spanner's metadata says nothing about it, and its query plan does not
//!   trace result columns back to table columns in a form worth relying on. So the driver
//!   traces them itself, for the shapes where that is certain (see [`trace_columns`]): a
//!   result column that is a plain reference to a column of the one table a statement
//!   reads (`SELECT col, t.col AS x, * FROM t WHERE ...`) or writes
//!   (`INSERT/UPDATE/DELETE ... THEN RETURN col, ...`) takes that column's `IS_NULLABLE`
//!   from `INFORMATION_SCHEMA.COLUMNS`. Every other column (expressions, joins, unions,
//!   subqueries, `WITH`) is "unknown", which the macros treat as nullable.

use std::collections::HashMap;

use gcloud_googleapis::spanner::v1::ResultSetMetadata;
use sqlx_core::describe::Describe;
use sqlx_core::error::Error;
use sqlx_core::row::Row;
use sqlx_core::Either;

use crate::client::codec::from_proto_type;
use crate::client::stream::columns_from_metadata;
use crate::client::transaction::SqlRequest;
use crate::client::SpannerClient;
use crate::error::SpannerError;
use crate::request_options::RequestOptions;
use crate::sql::lexer::{tokenize, Token, TokenKind};
use crate::sql::{prepare_sql, StatementKind};
use crate::timestamp_bound::TimestampBound;
use crate::{Spanner, SpannerColumn, SpannerTypeInfo};

/// Describes `sql`: result columns, parameter types and nullability.
pub(crate) async fn describe(
    client: &SpannerClient,
    sql: &str,
) -> Result<Describe<Spanner>, Error> {
    let prepared = prepare_sql(sql).map_err(|e| SpannerError::Sql(e.to_string()))?;
    let dml = match prepared.kind {
        StatementKind::Dml => true,
        // Spanner judges anything else that is not DDL (and reports a syntax error itself).
        StatementKind::Query | StatementKind::Other => false,
        _ => {
            return Err(SpannerError::Unsupported(
                "only queries and DML statements can be described (not DDL or empty text)"
                    .to_string(),
            )
            .into())
        }
    };
    let metadata = client.plan_undeclared(prepared.sql.clone(), dml).await?;
    let columns = columns_from_metadata(Some(&metadata)).columns.clone();
    let parameters = parameter_types(&metadata, prepared.param_count)?;
    let nullable = match trace_columns(&prepared.sql, columns.len()) {
        Some(traced) => nullability(client, &resolve_stars(traced, &columns)).await?,
        None => vec![None; columns.len()],
    };
    Ok(Describe {
        columns,
        parameters: Some(Either::Left(parameters)),
        nullable,
    })
}

/// The inferred types of `@p1..@pN`, in order.
fn parameter_types(
    metadata: &ResultSetMetadata,
    count: usize,
) -> Result<Vec<SpannerTypeInfo>, Error> {
    let inferred: HashMap<String, SpannerTypeInfo> = metadata
        .undeclared_parameters
        .as_ref()
        .map(|row_type| {
            row_type
                .fields
                .iter()
                .filter_map(|field| {
                    let ty = field.r#type.as_ref()?;
                    Some((
                        field.name.to_ascii_lowercase(),
                        SpannerTypeInfo::new(from_proto_type(ty)),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    (1..=count)
        .map(|n| {
            inferred.get(&format!("p{n}")).cloned().ok_or_else(|| {
                SpannerError::Unsupported(format!(
                    "Spanner cannot infer the type of parameter @p{n} (is it used?); \
                     write it as CAST(@p{n} AS <type>)"
                ))
                .into()
            })
        })
        .collect()
}

/// A result column traced to a column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Traced {
    /// Not a plain reference to a table column.
    Unknown,
    /// `table.column`.
    Column { table: String, column: String },
    /// One of the columns a `*` expands to: the table's column of the result column's name.
    Star { table: String },
}

/// Reads `IS_NULLABLE` of the traced columns.
async fn nullability(
    client: &SpannerClient,
    traced: &[Traced],
) -> Result<Vec<Option<bool>>, Error> {
    let table = traced.iter().find_map(|t| match t {
        Traced::Column { table, .. } | Traced::Star { table } => Some(table.clone()),
        Traced::Unknown => None,
    });
    let Some(table) = table else {
        return Ok(vec![None; traced.len()]);
    };
    let columns = table_columns(client, &table).await?;
    let lookup = |column: &str| {
        columns
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(column))
            .map(|(_, nullable)| *nullable)
    };
    Ok(traced
        .iter()
        .map(|t| match t {
            Traced::Column { column, .. } => lookup(column),
            Traced::Unknown | Traced::Star { .. } => None,
        })
        .collect())
}

/// `(COLUMN_NAME, IS_NULLABLE = 'YES')` of a table of the default schema, in order.
async fn table_columns(client: &SpannerClient, table: &str) -> Result<Vec<(String, bool)>, Error> {
    let request = SqlRequest {
        sql: "SELECT TABLE_NAME, COLUMN_NAME, IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS \
              WHERE TABLE_SCHEMA = '' ORDER BY TABLE_NAME, ORDINAL_POSITION"
            .to_string(),
        arguments: Vec::new(),
    };
    let mut rows = client
        .query_single_use(request, &TimestampBound::Strong, &RequestOptions::default())
        .await?;
    let mut columns = Vec::new();
    while let Some(row) = rows.stream.next_row().await? {
        let name: String = row.try_get(0)?;
        if !name.eq_ignore_ascii_case(table) {
            continue;
        }
        let column: String = row.try_get(1)?;
        let nullable: String = row.try_get(2)?;
        columns.push((column, nullable.eq_ignore_ascii_case("YES")));
    }
    Ok(columns)
}

/// Resolves `Traced::Star` entries to the table column of the result column's name.
fn resolve_stars(traced: Vec<Traced>, columns: &[SpannerColumn]) -> Vec<Traced> {
    traced
        .into_iter()
        .zip(columns)
        .map(|(t, column)| match t {
            Traced::Star { table } => Traced::Column {
                table,
                column: column.name.to_string(),
            },
            other => other,
        })
        .collect()
}

/// The meaningful tokens of `sql` (no whitespace, no comments).
fn significant(sql: &str) -> Option<Vec<Token<'_>>> {
    Some(
        tokenize(sql)
            .ok()?
            .into_iter()
            .filter(|t| !t.kind.is_trivia())
            .collect(),
    )
}

/// An identifier's name: a word, or a backtick-quoted identifier without its backticks.
fn ident(token: &Token<'_>) -> Option<String> {
    match token.kind {
        TokenKind::Word => Some(token.text.to_string()),
        TokenKind::QuotedIdentifier => {
            Some(token.text.strip_prefix('`')?.strip_suffix('`')?.to_string())
        }
        _ => None,
    }
}

fn is_symbol(token: &Token<'_>, symbol: &str) -> bool {
    token.kind == TokenKind::Symbol && token.text == symbol
}

/// Keywords that may follow the table (and alias) of a traced single-table statement.
const CLAUSES: &[&str] = &[
    "WHERE", "ORDER", "LIMIT", "OFFSET", "GROUP", "HAVING", "FOR", "SET", "VALUES", "THEN",
];

/// Words that end a query's `FROM t [alias]` and must not be read as an alias.
const NOT_ALIASES: &[&str] = &[
    "WHERE",
    "ORDER",
    "LIMIT",
    "OFFSET",
    "GROUP",
    "HAVING",
    "FOR",
    "SET",
    "VALUES",
    "THEN",
    "JOIN",
    "INNER",
    "LEFT",
    "RIGHT",
    "FULL",
    "CROSS",
    "UNION",
    "INTERSECT",
    "EXCEPT",
    "WINDOW",
    "TABLESAMPLE",
    "QUALIFY",
];

/// Traces each of `column_count` result columns of `sql` to a table column, or `None` when
/// the statement's shape is not one the driver traces (the columns are then all unknown).
///
/// Traced shapes: `SELECT [DISTINCT] items FROM table [[AS] alias] [WHERE|GROUP BY|HAVING|
/// ORDER BY|LIMIT ...]` with no join, set operation or pipe; `INSERT [INTO] table ...`,
/// `UPDATE table [[AS] alias] SET ...` and `DELETE [FROM] table [[AS] alias] WHERE ...` with
/// `THEN RETURN items`. An item is traced when it is `col`, `alias.col` or `table.col`
/// (optionally `AS name`), or when the list is just `*`.
pub(crate) fn trace_columns(sql: &str, column_count: usize) -> Option<Vec<Traced>> {
    let tokens = significant(sql)?;
    let first = tokens.first()?;
    let (table, alias, items) = if first.is_keyword("SELECT") {
        trace_select(&tokens)?
    } else {
        trace_dml(&tokens)?
    };
    let traced = trace_items(items, &table, alias.as_deref(), column_count)?;
    (traced.len() == column_count).then_some(traced)
}

type Shape<'t, 'a> = (String, Option<String>, &'t [Token<'a>]);

/// Splits a query into its one table, its alias and its select list.
fn trace_select<'t, 'a>(tokens: &'t [Token<'a>]) -> Option<Shape<'t, 'a>> {
    let mut start = 1;
    if tokens
        .get(1)
        .is_some_and(|t| t.is_keyword("DISTINCT") || t.is_keyword("ALL"))
    {
        start = 2;
    }
    if tokens.get(start).is_some_and(|t| t.is_keyword("AS")) {
        return None; // SELECT AS STRUCT / AS VALUE
    }
    let from = top_level_position(tokens, start, |t| t.is_keyword("FROM"))?;
    let items = &tokens[start..from];
    let (table, alias, next) = table_and_alias(tokens, from + 1)?;
    if let Some(token) = tokens.get(next) {
        if !CLAUSES.iter().any(|k| token.is_keyword(k)) {
            return None;
        }
    }
    // Set operations anywhere at the top level change what the columns are.
    let set_op = ["UNION", "INTERSECT", "EXCEPT"];
    if top_level_position(tokens, next, |t| {
        set_op.iter().any(|k| t.is_keyword(k)) || is_symbol(t, "|")
    })
    .is_some()
    {
        return None;
    }
    Some((table, alias, items))
}

/// Splits a DML statement with `THEN RETURN` into its table, alias and returned items.
fn trace_dml<'t, 'a>(tokens: &'t [Token<'a>]) -> Option<Shape<'t, 'a>> {
    let first = tokens.first()?;
    let mut at = 1;
    let with_alias = if first.is_keyword("INSERT") {
        if tokens.get(at).is_some_and(|t| t.is_keyword("INTO")) {
            at += 1;
        }
        false
    } else if first.is_keyword("UPDATE") {
        true
    } else if first.is_keyword("DELETE") {
        if tokens.get(at).is_some_and(|t| t.is_keyword("FROM")) {
            at += 1;
        }
        true
    } else {
        return None;
    };
    let (table, alias) = if with_alias {
        let (table, alias, _) = table_and_alias(tokens, at)?;
        (table, alias)
    } else {
        let table = ident(tokens.get(at)?)?;
        if tokens.get(at + 1).is_some_and(|t| is_symbol(t, ".")) {
            return None;
        }
        (table, None)
    };
    let then = top_level_position(tokens, at, |t| t.is_keyword("THEN"))?;
    if !tokens.get(then + 1)?.is_keyword("RETURN") {
        return None;
    }
    if tokens.get(then + 2).is_some_and(|t| t.is_keyword("WITH")) {
        return None; // THEN RETURN WITH ACTION
    }
    let mut end = tokens.len();
    if tokens
        .last()
        .is_some_and(|t| t.kind == TokenKind::Semicolon)
    {
        end -= 1;
    }
    Some((table, alias, tokens.get(then + 2..end)?))
}

/// `table [hint] [[AS] alias]` at `at`: the table, the alias and the index after them.
fn table_and_alias(tokens: &[Token<'_>], at: usize) -> Option<(String, Option<String>, usize)> {
    let table = ident(tokens.get(at)?)?;
    let mut next = at + 1;
    if tokens.get(next).is_some_and(|t| is_symbol(t, ".")) {
        return None; // a named schema: not traced
    }
    if tokens.get(next).is_some_and(|t| t.kind == TokenKind::Hint) {
        next += 1;
    }
    let mut alias = None;
    if tokens.get(next).is_some_and(|t| t.is_keyword("AS")) {
        alias = Some(ident(tokens.get(next + 1)?)?);
        next += 2;
    } else if let Some(token) = tokens.get(next) {
        let keyword =
            token.kind == TokenKind::Word && NOT_ALIASES.iter().any(|k| token.is_keyword(k));
        if !keyword {
            if let Some(name) = ident(token) {
                alias = Some(name);
                next += 1;
            }
        }
    }
    if let Some(token) = tokens.get(next) {
        let allowed =
            token.kind == TokenKind::Semicolon || CLAUSES.iter().any(|k| token.is_keyword(k));
        if !allowed {
            return None;
        }
    }
    Some((table, alias, next))
}

/// The index of the first token from `from` at parenthesis depth 0 matching `pred`.
fn top_level_position(
    tokens: &[Token<'_>],
    from: usize,
    pred: impl Fn(&Token<'_>) -> bool,
) -> Option<usize> {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(from) {
        match token.kind {
            TokenKind::OpenParen => depth += 1,
            TokenKind::CloseParen => depth = depth.saturating_sub(1),
            _ if depth == 0 && pred(token) => return Some(i),
            _ => {}
        }
    }
    None
}

/// Traces the items of a select list or `THEN RETURN` list.
fn trace_items(
    items: &[Token<'_>],
    table: &str,
    alias: Option<&str>,
    column_count: usize,
) -> Option<Vec<Traced>> {
    let mut split = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, token) in items.iter().enumerate() {
        match token.kind {
            TokenKind::OpenParen => depth += 1,
            TokenKind::CloseParen => depth = depth.saturating_sub(1),
            _ if depth == 0 && is_symbol(token, ",") => {
                split.push(&items[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    split.push(&items[start..]);

    if let [only] = split.as_slice() {
        if only.len() == 1 && is_symbol(&only[0], "*") {
            return Some(vec![
                Traced::Star {
                    table: table.to_string()
                };
                column_count
            ]);
        }
    }
    let names_table = |qualifier: &str| {
        qualifier.eq_ignore_ascii_case(table)
            || alias.is_some_and(|a| qualifier.eq_ignore_ascii_case(a))
    };
    split
        .into_iter()
        .map(|item| {
            // Drop a trailing `[AS] name`.
            let expr = match item {
                [expr @ .., as_kw, name] if as_kw.is_keyword("AS") && ident(name).is_some() => expr,
                _ => item,
            };
            let star = match expr {
                [star] | [_, _, star] => is_symbol(star, "*"),
                _ => false,
            };
            if star {
                return None; // `*` mixed with other items: positions are unknown
            }
            let column = match expr {
                [column] => ident(column),
                [qualifier, dot, column] if is_symbol(dot, ".") => {
                    ident(qualifier).filter(|q| names_table(q))?;
                    ident(column)
                }
                _ => None,
            };
            Some(match column {
                Some(column) if !is_keyword_literal(&column) => Traced::Column {
                    table: table.to_string(),
                    column,
                },
                _ => Traced::Unknown,
            })
        })
        .collect()
}

/// Words that look like a column reference but are literals.
fn is_keyword_literal(word: &str) -> bool {
    ["NULL", "TRUE", "FALSE"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(table: &str, column: &str) -> Traced {
        Traced::Column {
            table: table.to_string(),
            column: column.to_string(),
        }
    }

    #[test]
    fn traces_single_table_selects() {
        assert_eq!(
            trace_columns(
                "SELECT id, s.name AS n, id + 1 FROM Singers s WHERE id = @p1",
                3
            ),
            Some(vec![
                col("Singers", "id"),
                col("Singers", "name"),
                Traced::Unknown
            ])
        );
        assert_eq!(
            trace_columns("SELECT `first_name` AS `first_name!` FROM `Singers`", 1),
            Some(vec![col("Singers", "first_name")])
        );
        assert_eq!(
            trace_columns("SELECT * FROM Singers ORDER BY id", 2),
            Some(vec![
                Traced::Star {
                    table: "Singers".to_string()
                };
                2
            ])
        );
        assert_eq!(
            trace_columns("SELECT NULL AS x, COUNT(*) FROM Singers", 2),
            Some(vec![Traced::Unknown, Traced::Unknown])
        );
    }

    #[test]
    fn refuses_shapes_it_cannot_trace() {
        for sql in [
            "SELECT a.id FROM Singers a JOIN Albums b ON a.id = b.id",
            "SELECT id FROM Singers, Albums",
            "SELECT id FROM Singers UNION ALL SELECT id FROM Albums",
            "WITH x AS (SELECT 1 AS id) SELECT id FROM x",
            "SELECT id FROM Singers LEFT JOIN Albums USING (id)",
            "SELECT AS STRUCT id FROM Singers",
            "SELECT id, * FROM Singers",
            "SELECT other.id FROM Singers",
        ] {
            let traced = trace_columns(sql, 1);
            assert!(
                traced.is_none() || traced == Some(vec![Traced::Unknown]),
                "{sql}: {traced:?}"
            );
        }
    }

    #[test]
    fn traces_then_return() {
        assert_eq!(
            trace_columns(
                "INSERT INTO Singers (id, name) VALUES (@p1, @p2) THEN RETURN id, name",
                2
            ),
            Some(vec![col("Singers", "id"), col("Singers", "name")])
        );
        assert_eq!(
            trace_columns(
                "UPDATE Singers s SET name = @p1 WHERE id = @p2 THEN RETURN s.id",
                1
            ),
            Some(vec![col("Singers", "id")])
        );
        assert_eq!(
            trace_columns(
                "DELETE FROM Singers WHERE true THEN RETURN WITH ACTION id",
                2
            ),
            None
        );
    }
}
