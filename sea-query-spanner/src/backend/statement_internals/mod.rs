//! Everything that reads the **private parts of sea-query statements**, in one place.
//!
//! sea-query 1.0.2 keeps most statement fields private. Where it has public getters
//! (`TableCreateStatement::get_columns` / `get_indexes`, `IndexCreateStatement::is_unique_key`
//! / `get_index_spec`, `ForeignKeyCreateStatement::get_foreign_key`, ...) the backend uses
//! them directly. For the rest there are two readers, both here so that an upgrade of
//! sea-query (pinned exactly in the workspace `Cargo.toml`) is checked in one module:
//!
//! * [`spy`]: statement **walkers**. sea-query's provided trait methods walk a statement and
//!   call overridable hooks with its parts; the [`Spy`](spy::Spy) builder records those
//!   parts instead of rendering them (INSERT columns and `ON CONFLICT`, lock clauses,
//!   `DROP TABLE` / `TRUNCATE` tables, ...).
//! * [`debug_tree`]: the **`Debug` text** of statements without hooks for the needed parts
//!   (`ALTER TABLE`, index columns, `RENAME`, dropping an index or a foreign key), parsed into
//!   a small tree; plus the two one-line `Debug` readings below.

pub(super) mod debug_tree;
pub(super) mod spy;

use sea_query::{OrderExpr, WithClause};

/// The sort direction and NULL placement of an `ORDER BY` item (fields are private).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct OrderParts {
    /// `ORDER BY FIELD(..)`-style ordering by a list of values.
    pub(super) by_values: bool,
    pub(super) desc: bool,
    pub(super) nulls_first: bool,
    pub(super) nulls_last: bool,
}

/// Reads an [`OrderExpr`]: its `Debug` output ends with
/// `order: <Asc|Desc|Field(..)>, nulls: <None|Some(First)|Some(Last)> }`.
pub(super) fn order_parts(order_expr: &OrderExpr) -> OrderParts {
    let dbg = format!("{order_expr:?}");
    let tail = dbg
        .rfind(", order: ")
        .and_then(|i| dbg.get(i + ", order: ".len()..))
        .unwrap_or("");
    OrderParts {
        by_values: tail.starts_with("Field("),
        desc: tail.starts_with("Desc,"),
        nulls_first: dbg.ends_with("nulls: Some(First) }"),
        nulls_last: dbg.ends_with("nulls: Some(Last) }"),
    }
}

/// Whether a `WITH` clause has no common table expressions.
pub(super) fn with_clause_is_empty(with_clause: &WithClause) -> bool {
    format!("{with_clause:?}").contains("cte_expressions: []")
}
