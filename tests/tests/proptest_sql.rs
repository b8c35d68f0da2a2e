//! Property tests of the two places that rewrite SQL text: the `?` placeholder rewriter of
//! the driver (`sqlx_spanner::sql`) and the SeaORM translator
//! (`sea_query_spanner::orm::translate::translate_postgres`).
//!
//! Both must never panic, whatever the input, and must rewrite exactly the real
//! placeholders, in order, leaving `?` / `$1` inside literals, quoted identifiers and
//! comments alone. No emulator needed.

use proptest::prelude::*;
use sea_query_spanner::orm::translate::translate_postgres;
use sqlx_spanner::sql::lexer::{tokenize, TokenKind};
use sqlx_spanner::sql::{prepare_sql, split_statements, statement_kind, strip_comments};

/// Pieces that put a GoogleSQL lexer in every state: quotes of each kind, raw and bytes
/// prefixes, escapes, comments, parameters, hints, separators, non-ASCII.
const GOOGLESQL_PIECES: &[&str] = &[
    "'", "\"", "'''", "\"\"\"", "`", "?", "--", "#", "/*", "*/", "\n", "\\", "r", "b", "rb", "R",
    "B", "@", "@@", "@{", "}", ";", "@p1", "@p", "@name", " ", "x", "1", "1.5e3", "é", "🦀", "(",
    ")", "SELECT", "INSERT", "THEN", "RETURN", "CASE", "END", "\0",
];

fn pieces(alphabet: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(alphabet), 0..40)
        .prop_map(|parts| parts.concat())
}

/// Arbitrary text, and text built from lexer-relevant pieces.
fn sql_like(alphabet: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), pieces(alphabet)]
}

/// Every entry point of `sqlx_spanner::sql` on `sql`; checks what must hold for any input.
fn check_driver_sql(sql: &str) -> Result<(), TestCaseError> {
    if let Ok(tokens) = tokenize(sql) {
        // Lossless: the tokens are the input.
        let joined: String = tokens.iter().map(|t| t.text).collect();
        prop_assert_eq!(&joined, sql);
    }
    let _ = statement_kind(sql);
    let _ = strip_comments(sql);
    if let Ok(statements) = split_statements(sql) {
        for statement in statements {
            prop_assert!(sql.contains(statement));
        }
    }
    if let Ok(prepared) = prepare_sql(sql) {
        let placeholders = tokenize(sql)
            .map(|t| t.iter().filter(|t| t.kind == TokenKind::Positional).count())
            .unwrap_or(0);
        prop_assert!(prepared.param_count >= placeholders);
        if placeholders > 0 {
            prop_assert_eq!(prepared.param_count, placeholders);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn driver_sql_never_panics(sql in sql_like(GOOGLESQL_PIECES)) {
        check_driver_sql(&sql)?;
    }
}

/// One piece of a generated GoogleSQL statement: either a real `?` placeholder or text in
/// which a `?` (if any) is not a placeholder.
#[derive(Debug, Clone)]
enum Piece {
    Placeholder,
    Text(String),
}

/// Content for a quoted piece: letters, spaces and the characters that matter to the
/// rewriter, without `quote` (and without backslashes and newlines).
fn content(forbidden: &'static [char]) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::sample::select(&['a', 'Z', ' ', '?', ';', '@', '-', '#', '/', '*', 'é'][..]),
        0..12,
    )
    .prop_map(move |chars| {
        chars
            .into_iter()
            .filter(|c| !forbidden.contains(c))
            .collect()
    })
}

fn googlesql_piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        4 => Just(Piece::Placeholder),
        2 => "[a-z_][a-z0-9_]{0,6}".prop_map(Piece::Text),
        1 => "[0-9]{1,4}".prop_map(Piece::Text),
        1 => proptest::sample::select(&["=", ",", "(", ")", "+", "<", "*"][..])
            .prop_map(|s| Piece::Text(s.to_string())),
        2 => content(&[]).prop_map(|c| Piece::Text(format!("'{c}'"))),
        1 => content(&[]).prop_map(|c| Piece::Text(format!("\"{c}\""))),
        1 => content(&[]).prop_map(|c| Piece::Text(format!("'''{c}'''"))),
        1 => content(&[]).prop_map(|c| Piece::Text(format!("r'{c}'"))),
        1 => content(&[]).prop_map(|c| Piece::Text(format!("b\"{c}\""))),
        1 => content(&[]).prop_map(|c| Piece::Text(format!("`{c}`"))),
        1 => content(&[]).prop_map(|c| Piece::Text(format!("-- {c}\n"))),
        1 => content(&[]).prop_map(|c| Piece::Text(format!("# {c}\n"))),
        1 => content(&['*']).prop_map(|c| Piece::Text(format!("/* {c} */"))),
        1 => "[a-z][a-z_]{0,5}".prop_map(|n| Piece::Text(format!("@{n}"))),
        1 => Just(Piece::Text("@{FORCE_INDEX=idx}".to_string())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Only real placeholders are rewritten, in order, and the count is right.
    #[test]
    fn only_real_placeholders_are_rewritten(
        pieces in proptest::collection::vec(googlesql_piece(), 0..24)
    ) {
        let mut sql = String::from("SELECT");
        let mut expected = String::from("SELECT");
        let mut n = 0;
        for piece in &pieces {
            sql.push(' ');
            expected.push(' ');
            match piece {
                Piece::Placeholder => {
                    n += 1;
                    sql.push('?');
                    expected.push_str(&format!("@p{n}"));
                }
                Piece::Text(text) => {
                    sql.push_str(text);
                    expected.push_str(text);
                }
            }
        }
        // A named parameter that happens to be `@p<digits>` would mix styles: skipped.
        let prepared = prepare_sql(&sql).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(&prepared.sql, &expected);
        prop_assert_eq!(prepared.param_count, n);
        // Rewriting again changes nothing (no `?` left outside literals).
        let again = prepare_sql(&prepared.sql).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(&again.sql, &expected);
        prop_assert_eq!(again.param_count, n);
    }
}

// ---------------------------------------------------------------------------------------
// The SeaORM translator
// ---------------------------------------------------------------------------------------

/// Pieces that put a PostgreSQL lexer in every state.
const POSTGRES_PIECES: &[&str] = &[
    "'",
    "''",
    "\"",
    "\"\"",
    "E'",
    "e'",
    "\\",
    "$",
    "$1",
    "$2",
    "$0",
    "$$",
    "$tag$",
    "::",
    "--",
    "/*",
    "*/",
    "\n",
    ";",
    "?",
    "@",
    "(",
    ")",
    ",",
    " ",
    "x",
    "1",
    "é",
    "🦀",
    "SELECT",
    "INSERT",
    "INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "DELETE",
    "FROM",
    "WHERE",
    "RETURNING",
    "ON",
    "CONFLICT",
    "DO",
    "NOTHING",
    "excluded",
    "ANY",
    "ALL",
    "ILIKE",
    "OFFSET",
    "LIMIT",
    "UNION",
    "CAST",
    "AS",
    "text",
    "=",
    "<>",
    "\0",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn translator_never_panics(sql in sql_like(POSTGRES_PIECES)) {
        if let Ok(out) = translate_postgres(&sql) {
            // Its output is SQL the driver's lexer reads without panicking.
            check_driver_sql(&out)?;
        }
    }
}

/// `$N` parameters in the order they appear (outside literals), read with the driver's
/// GoogleSQL lexer from the translator's output as `@pN`.
fn output_parameters(googlesql: &str) -> Result<Vec<usize>, TestCaseError> {
    let tokens = tokenize(googlesql)
        .map_err(|e| TestCaseError::fail(format!("output does not lex: {e}: {googlesql}")))?;
    Ok(tokens
        .iter()
        .filter(|t| t.kind == TokenKind::NamedParameter)
        .filter_map(|t| t.text.strip_prefix("@p")?.parse().ok())
        .collect())
}

/// A Postgres condition on a quoted column using the parameters it is given, and how
/// many it uses.
fn condition() -> impl Strategy<Value = (u8, usize)> {
    (0_u8..6, 1_usize..4)
}

/// A generated Postgres statement as sea-query renders it, with its `$N` parameters
/// (numbered in a random order, so order is really checked) and string literals and
/// comments containing `$1` and `?`.
fn postgres_statement() -> impl Strategy<Value = (String, Vec<usize>)> {
    (
        0_u8..3,
        proptest::collection::vec(condition(), 1..5),
        any::<bool>(),
        any::<proptest::sample::Index>(),
    )
        .prop_map(|(kind, conditions, literal, shuffle)| {
            let total: usize = conditions
                .iter()
                .map(|(k, n)| if *k == 1 { *n } else { 1 })
                .sum::<usize>()
                + 1;
            // A permutation of 1..=total: rotate by a random amount.
            let offset = shuffle.index(total);
            let numbers: Vec<usize> = (0..total).map(|i| (i + offset) % total + 1).collect();
            let mut next = numbers.iter().copied();
            let mut param = || format!("${}", next.next().unwrap_or(1));
            let mut conds = Vec::new();
            for (i, (k, n)) in conditions.iter().enumerate() {
                let col = format!("\"c{i}\"");
                conds.push(match k {
                    0 => format!("{col} = {}", param()),
                    1 => format!(
                        "{col} IN ({})",
                        (0..*n).map(|_| param()).collect::<Vec<_>>().join(", ")
                    ),
                    2 => format!("{col} LIKE {}", param()),
                    3 => format!("{col} >= {}", param()),
                    4 => format!("({col} IS NULL OR {col} <> {})", param()),
                    _ => format!("CAST({col} AS TEXT) = {}", param()),
                });
            }
            let noise = if literal {
                " AND \"s\" <> 'it''s $1 ?' /* $2 ? */"
            } else {
                ""
            };
            let sql = match kind {
                0 => format!(
                    "SELECT \"t\".\"a\", \"t\".\"b\" FROM \"t\" WHERE {}{noise} LIMIT {}",
                    conds.join(" AND "),
                    param()
                ),
                1 => format!(
                    "UPDATE \"t\" SET \"a\" = {} WHERE {}{noise}",
                    param(),
                    conds.join(" AND ")
                ),
                _ => format!(
                    "DELETE FROM \"t\" WHERE {}{noise} AND \"z\" = {}",
                    conds.join(" OR "),
                    param()
                ),
            };
            // The numbers in the order they appear in the text: the conditions took theirs
            // first, so UPDATE's `SET` parameter (written first) has the last number.
            let order = match kind {
                1 => {
                    let (last, rest) = numbers.split_last().expect("at least two parameters");
                    std::iter::once(*last).chain(rest.iter().copied()).collect()
                }
                _ => numbers,
            };
            (sql, order)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// `$N` becomes `@pN` at the same place: the parameters keep their order, and those in
    /// literals and comments are not parameters.
    #[test]
    fn translator_keeps_parameters_in_order((sql, order) in postgres_statement()) {
        let out = translate_postgres(&sql)
            .map_err(|e| TestCaseError::fail(format!("{e}: {sql}")))?;
        prop_assert_eq!(output_parameters(&out)?, order, "{} -> {}", sql, out);
    }
}
