//! Translation of PostgreSQL-flavoured SQL into GoogleSQL.
//!
//! SeaORM renders statements with one of its built-in backends. The Spanner
//! adapter presents itself as `DbBackend::Postgres`, so
//! the SQL it receives follows sea-query's Postgres backend conventions. This
//! module tokenizes that SQL with PostgreSQL's lexical rules and re-emits it
//! as GoogleSQL:
//!
//! | PostgreSQL                                    | GoogleSQL                                 |
//! |-----------------------------------------------|-------------------------------------------|
//! | `"ident"` (with `""` escapes)                 | `` `ident` `` (backslash escapes)         |
//! | `'it''s'`, `E'a\nb'`, `$$..$$`                | `'it\'s'`, `'a\nb'`, `'..'`               |
//! | `$1`, `$2`, ...                               | `@p1`, `@p2`, ...                         |
//! | `... RETURNING cols`                          | `... THEN RETURN cols`                    |
//! | `ON CONFLICT (..) DO NOTHING`                 | `INSERT OR IGNORE ...`                    |
//! | `ON CONFLICT (..) DO UPDATE SET c = excluded.c` | `INSERT OR UPDATE ...`                  |
//! | `x::text`, `CAST(x AS bigint)`                | `CAST(x AS STRING)`, `CAST(x AS INT64)`   |
//! | `OFFSET n` without `LIMIT`                    | `LIMIT 9223372036854775807 OFFSET n`      |
//! | `UNION`, `INTERSECT`, `EXCEPT`                | `... DISTINCT`                            |
//! | `a ILIKE b` (simple operands)                 | `LOWER(a) LIKE LOWER(b)`                  |
//! | `x = ANY($1)` / `x <> ALL($1)`                | `x IN UNNEST(@p1)` / `x NOT IN UNNEST(@p1)` |
//! | `UPDATE`/`DELETE` without `WHERE`             | `... WHERE TRUE` (Spanner requires it)    |
//!
//! Constructs that cannot be translated faithfully are rejected with
//! [`TranslateError::Unsupported`] instead of producing SQL with different
//! meaning. Comments are dropped.
//!
//! # Upserts
//!
//! Spanner's `INSERT OR UPDATE` and `INSERT OR IGNORE` detect conflicts on the
//! primary key only, and `INSERT OR UPDATE` overwrites *every* inserted column
//! of an existing row. The translation therefore assumes the `ON CONFLICT`
//! target is the primary key, and only accepts `DO UPDATE SET` clauses that
//! copy every inserted non-key column from `excluded` (which is exactly what
//! `INSERT OR UPDATE` does). Conditional updates, computed assignments and
//! partial updates are rejected.
//!
//! # Type caveats
//!
//! The translation is lexical: it cannot see the types of expressions. Where
//! PostgreSQL and GoogleSQL differ on types (for example `/` on two integers
//! is integer division in PostgreSQL but returns `FLOAT64` in GoogleSQL, and
//! `1.5` is `NUMERIC` in PostgreSQL but `FLOAT64` in GoogleSQL) the GoogleSQL
//! semantics apply. sea-query binds values as parameters, so literals are rare
//! in practice.

mod keywords;
mod lexer;
mod operand;
mod split;
mod statement;
#[cfg(test)]
mod tests;

use lexer::{render, tokenize};
use statement::Translator;

/// An error produced by [`translate_postgres`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TranslateError {
    /// The input is not valid PostgreSQL at the lexical level (for example an
    /// unterminated string, identifier or comment).
    #[error("invalid PostgreSQL SQL at byte {offset}: {message}")]
    Syntax {
        /// Byte offset in the input where the problem was found.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// The input uses a construct that has no faithful GoogleSQL equivalent.
    #[error("cannot translate {construct} to GoogleSQL: {reason}")]
    Unsupported {
        /// The offending construct, e.g. ``operator `@>` ``.
        construct: String,
        /// Why it cannot be translated, and what to use instead if anything.
        reason: String,
    },
}

impl From<crate::googlesql::Unsupported> for TranslateError {
    fn from(rule: crate::googlesql::Unsupported) -> Self {
        TranslateError::Unsupported {
            construct: rule.construct,
            reason: rule.reason,
        }
    }
}

pub(super) fn unsupported(
    construct: impl Into<String>,
    reason: impl Into<String>,
) -> TranslateError {
    TranslateError::Unsupported {
        construct: construct.into(),
        reason: reason.into(),
    }
}

pub(super) fn syntax(offset: usize, message: impl Into<String>) -> TranslateError {
    TranslateError::Syntax {
        offset,
        message: message.into(),
    }
}

/// Translates one PostgreSQL statement, as rendered by sea-query's Postgres
/// backend, into GoogleSQL for Cloud Spanner.
///
/// Parameters `$N` become `@pN`, so arguments must be bound under the names
/// `p1`, `p2`, .... Input that is empty (or only whitespace and comments)
/// yields an empty string; a single trailing `;` is dropped.
///
/// # Errors
///
/// Returns [`TranslateError::Syntax`] for lexically invalid input and
/// [`TranslateError::Unsupported`] for statements or constructs that cannot
/// be expressed faithfully in GoogleSQL (see the [module docs](self)).
pub fn translate_postgres(sql: &str) -> Result<String, TranslateError> {
    let tokens = tokenize(sql)?;
    let out = Translator::new(tokens, sql.len()).run()?;
    Ok(render(&out))
}

/// Translates one statement with its values like [`translate_postgres`], splitting a
/// multi-row `INSERT .. VALUES (..), (..)` whose parameters exceed `max_params` into several
/// INSERTs of whole rows (each with its own `@p1..` numbering and values).
pub(crate) fn translate_postgres_split(
    sql: &str,
    values: &sea_query::Values,
    max_params: usize,
) -> Result<Vec<(String, sea_query::Values)>, TranslateError> {
    let tokens = tokenize(sql)?;
    match split::split_insert_rows(&tokens, values, max_params) {
        Some(chunks) => chunks
            .into_iter()
            .map(|chunk| {
                let out = Translator::new(chunk.tokens, sql.len()).run()?;
                Ok((render(&out), chunk.values))
            })
            .collect(),
        None => {
            let out = Translator::new(tokens, sql.len()).run()?;
            Ok(vec![(render(&out), values.clone())])
        }
    }
}
