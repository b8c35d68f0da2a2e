//! A [sea-query] backend that renders **GoogleSQL**, the SQL dialect of Cloud Spanner.
//!
//! [`SpannerQueryBuilder`] implements sea-query's [`QueryBuilder`](sea_query::QueryBuilder) and [`SchemaBuilder`]
//! traits, so any sea-query statement can be built with it:
//!
//! ```ignore
//! let (sql, values) = Query::select().column("id").from("users").build(SpannerQueryBuilder);
//! // SELECT `id` FROM `users`
//! ```
//!
//! # Rendering rules
//!
//! * Identifiers are quoted with backticks; parameters are `@p1`, `@p2`, ...
//! * Inline literals use GoogleSQL syntax: `TRUE`, `b'\x01'`, `DATE '2024-01-31'`,
//!   `TIMESTAMP '2024-01-31 10:00:00.000000+00:00'`, `JSON '{..}'`, `NUMERIC '1.5'`,
//!   `ARRAY<INT64>[1, 2]`. Naive date-times (without an offset) are interpreted as UTC.
//! * Set operations always carry `ALL` / `DISTINCT`, and a chain mixing different operations
//!   is grouped left to right (`(a UNION DISTINCT b) UNION ALL c`), which GoogleSQL requires;
//!   `OFFSET` without `LIMIT` gets
//!   `LIMIT 9223372036854775807`; `NULLS FIRST/LAST` is emulated with an `expr IS NULL` sort key
//!   (Spanner sorts NULL as the smallest value); `UPDATE`/`DELETE` without a condition get
//!   `WHERE TRUE`; `RETURNING` becomes `THEN RETURN`; `%` becomes `MOD(a, b)`; ILIKE becomes
//!   `LOWER(a) LIKE LOWER(b)`; a LIKE escape character is translated to GoogleSQL's backslash.
//! * Upserts: `OnConflict::do_nothing()` becomes `INSERT OR IGNORE`; an update whose
//!   assignments are all `col = excluded.col` and cover every inserted non-target column becomes
//!   `INSERT OR UPDATE` (both act on primary-key conflicts, so the target is taken to be the
//!   primary key). Any other shape (computed or partial updates, conditions, `ON CONSTRAINT`)
//!   is unsupported, as in the SeaORM translator.
//! * Locking: `FOR UPDATE` is rendered (note: the Cloud Spanner emulator rejects it;
//!   production Spanner accepts it). `FOR NO KEY UPDATE`, `FOR SHARE`, `FOR KEY SHARE`,
//!   `OF tables`, `NOWAIT` and `SKIP LOCKED` are unsupported (an `<unsupported: ..>` marker,
//!   an error from [`SpannerQueryBuilder::build_checked`]), exactly as in the SeaORM
//!   translator: both follow the same internal GoogleSQL rule book.
//!
//! # DDL
//!
//! GoogleSQL DDL differs a lot from other dialects (the primary key follows the column list,
//! `UNIQUE` must be a separate index, one change per `ALTER TABLE`, ...), and some sea-query
//! statements have to become several GoogleSQL statements. Use the checked, batch-returning
//! inherent methods of [`SpannerQueryBuilder`] (`build_table_create_batch`,
//! `build_table_alter_batch`, `build_index_create`, ...) which report what Spanner cannot
//! express as a [`SpannerSqlError`]. The sea-query trait methods (`Table::create().build(..)`)
//! render best-effort: several statements are joined with `";\n"`, and every construct
//! Spanner lacks is rendered as an `<unsupported: ...>` marker so that Spanner rejects the
//! statement instead of silently doing something else.
//!
//! Spanner-only DDL (interleaving, commit timestamps, `NULL_FILTERED` / `STORING` /
//! interleaved indexes) is available through [`SpannerTableOptions`] and
//! [`SpannerIndexOptions`]; index hints through [`force_index`].
//!
//! # Not supported (rendered as `<unsupported: ..>` or reported as an error)
//!
//! * Column types without a Spanner equivalent: `Time`, `Year`, `Interval`, `Bit`, `VarBit`,
//!   `Cidr`, `Inet`, `MacAddr`, `LTree`, nested arrays.
//! * `ON DELETE` actions other than `CASCADE` / `NO ACTION`, any `ON UPDATE` action other than
//!   `NO ACTION`, partial (`WHERE`) indexes, expression or prefix index columns, index types,
//!   `RENAME COLUMN`, `DROP COLUMN IF EXISTS`, `DROP TABLE .. CASCADE/RESTRICT`, temporary and
//!   partitioned tables, table options (`ENGINE`, ...), `DISTINCT ON`, `SELECT INTO`, `EXPLAIN`
//!   (use the query mode of the Spanner API), sea-query's MySQL index hints, named
//!   `WINDOW` clauses (sea-query places them after `LIMIT`; use inline `OVER (..)`), CTE
//!   column lists, `UPDATE .. FROM`, `ORDER BY`/`LIMIT` in UPDATE/DELETE, `LATERAL`,
//!   aggregate `FILTER (WHERE ..)` and PostgreSQL `TABLESAMPLE` (not rendered).
//! * sea-query 1.0.2 keeps most DDL statement fields private. Statements without public
//!   accessors (`ALTER TABLE`, `CREATE/DROP INDEX`, `RENAME`, `DROP TABLE`, dropping a foreign
//!   key) are read back from their `Debug` representation; expressions inside them (e.g. a
//!   column `DEFAULT` in `ALTER TABLE .. ADD COLUMN`) are recovered for the common shapes
//!   (values, columns, keywords, custom SQL, function calls, unary/binary operators) and
//!   reported as [`SpannerSqlError::UnsupportedExpression`] otherwise.
//!
//! [sea-query]: https://docs.rs/sea-query

mod foreign_key;
mod index;
mod query;
mod spanner_ext;
mod statement_internals;
mod table;
#[cfg(test)]
mod tests;

use std::fmt;

use sea_query::{
    DynIden, EscapeBuilder, GenericBuilder, Quote, QuotedBuilder, SchemaBuilder, SqlWriter,
    TableName, TableRef, TableRefBuilder, Write,
};

pub use self::spanner_ext::{
    force_index, InterleaveOnDelete, SpannerIndexOptions, SpannerTableOptions,
};

/// The GoogleSQL (Cloud Spanner) query and schema builder.
///
/// Use it wherever sea-query expects a backend, e.g.
/// `Query::select()...build(SpannerQueryBuilder)`. For DDL prefer the checked inherent
/// methods such as [`SpannerQueryBuilder::build_table_create_batch`].
#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpannerQueryBuilder;

/// An error reported by the checked builders of [`SpannerQueryBuilder`] when a sea-query
/// statement cannot be expressed in GoogleSQL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpannerSqlError {
    /// A column uses a type Spanner has no equivalent for.
    UnsupportedType {
        /// The column name.
        column: String,
        /// The sea-query column type, as written by `Debug`.
        column_type: String,
    },
    /// The statement uses a feature that GoogleSQL / Spanner does not have.
    UnsupportedFeature(String),
    /// An expression inside a DDL statement could not be recovered (see the module docs).
    UnsupportedExpression(String),
    /// The statement is incomplete or malformed (e.g. no table name, no column type).
    InvalidStatement(String),
}

impl fmt::Display for SpannerSqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedType {
                column,
                column_type,
            } => write!(
                f,
                "column `{column}`: type {column_type} is not supported by Spanner"
            ),
            Self::UnsupportedFeature(what) => write!(f, "not supported by Spanner: {what}"),
            Self::UnsupportedExpression(what) => {
                write!(f, "cannot render expression for Spanner: {what}")
            }
            Self::InvalidStatement(what) => write!(f, "invalid statement: {what}"),
        }
    }
}

impl std::error::Error for SpannerSqlError {}

/// The text that starts the marker best-effort rendering writes for what Spanner cannot say.
const UNSUPPORTED_MARKER: &str = "<unsupported: ";

impl SpannerQueryBuilder {
    /// Builds a query statement (SELECT / INSERT / UPDATE / DELETE / WITH) into GoogleSQL and
    /// its values, or reports what GoogleSQL cannot express.
    ///
    /// `stmt.build(SpannerQueryBuilder)` renders the same SQL, but cannot return an error: it
    /// writes an `<unsupported: ..>` marker that makes Spanner reject the statement. This
    /// method returns that as an error before anything runs, e.g. for `FOR SHARE`,
    /// `FOR UPDATE NOWAIT`/`SKIP LOCKED`/`OF ..`, or an `ON CONFLICT` that is neither
    /// `INSERT OR IGNORE` nor `INSERT OR UPDATE` (the same rules the SeaORM translator uses).
    ///
    /// # Errors
    ///
    /// [`SpannerSqlError::UnsupportedFeature`] naming the construct and the reason.
    pub fn build_checked<S: sea_query::QueryStatementWriter>(
        &self,
        stmt: &S,
    ) -> Result<(String, sea_query::Values), SpannerSqlError> {
        let (sql, values) = stmt.build(*self);
        match unsupported_marker(&sql) {
            Some(what) => Err(SpannerSqlError::UnsupportedFeature(what.to_owned())),
            None => Ok((sql, values)),
        }
    }
}

/// The text of the first `<unsupported: ..>` marker in rendered SQL.
fn unsupported_marker(sql: &str) -> Option<&str> {
    let start = sql.find(UNSUPPORTED_MARKER)? + UNSUPPORTED_MARKER.len();
    let rest = &sql[start..];
    // Markers may contain `>` (operators); the marker ends at the last `>` before the next
    // marker or the end of the SQL.
    let scope = match rest.find(UNSUPPORTED_MARKER) {
        Some(next) => &rest[..next],
        None => rest,
    };
    Some(scope.rfind('>').map_or(scope, |end| &scope[..end]))
}

/// Collects errors while rendering; each error also leaves a marker in the output so that
/// best-effort rendering never produces SQL that silently means something else.
#[derive(Debug, Default)]
pub(super) struct Ctx {
    errors: Vec<SpannerSqlError>,
}

impl Ctx {
    /// Records `err` and writes an `<unsupported: ..>` marker into `out`.
    pub(super) fn fail(&mut self, err: SpannerSqlError, out: &mut String) {
        out.push_str("<unsupported: ");
        out.push_str(&err.to_string());
        out.push('>');
        self.errors.push(err);
    }

    /// Records `err` without writing anything.
    pub(super) fn record(&mut self, err: SpannerSqlError) {
        self.errors.push(err);
    }

    /// Returns `value` if no error was recorded, else the first error.
    pub(super) fn finish<T>(self, value: T) -> Result<T, SpannerSqlError> {
        match self.errors.into_iter().next() {
            Some(err) => Err(err),
            None => Ok(value),
        }
    }
}

/// Writes a backtick-quoted GoogleSQL identifier (backticks and backslashes escaped).
pub(super) fn write_quoted_ident(out: &mut impl Write, ident: &str) {
    // The hint suffix produced by `force_index` is never part of the identifier itself.
    let ident = match ident.split_once(spanner_ext::HINT_SEPARATOR) {
        Some((base, _)) => base,
        None => ident,
    };
    let _ = out.write_char('`');
    for c in ident.chars() {
        let _ = match c {
            '`' => out.write_str("\\`"),
            '\\' => out.write_str("\\\\"),
            '\n' => out.write_str("\\n"),
            '\r' => out.write_str("\\r"),
            '\t' => out.write_str("\\t"),
            c => out.write_char(c),
        };
    }
    let _ = out.write_char('`');
}

/// Returns an identifier quoted as a `String`.
pub(super) fn quoted(ident: &str) -> String {
    let mut s = String::with_capacity(ident.len() + 2);
    write_quoted_ident(&mut s, ident);
    s
}

impl GenericBuilder for SpannerQueryBuilder {}

impl SchemaBuilder for SpannerQueryBuilder {}

impl QuotedBuilder for SpannerQueryBuilder {
    fn quote(&self) -> Quote {
        Quote::new(b'`')
    }

    fn prepare_iden(&self, iden: &DynIden, sql: &mut impl SqlWriter) {
        write_quoted_ident(sql, &iden.inner());
    }
}

impl EscapeBuilder for SpannerQueryBuilder {
    fn needs_escape(&self, s: &str) -> bool {
        s.chars()
            .any(|c| matches!(c, '\\' | '\'' | '"' | '`') || c.is_control())
    }

    fn write_escaped(&self, buffer: &mut impl Write, string: &str) {
        for c in string.chars() {
            let _ = match c {
                '\\' => buffer.write_str("\\\\"),
                '\'' => buffer.write_str("\\'"),
                '\n' => buffer.write_str("\\n"),
                '\r' => buffer.write_str("\\r"),
                '\t' => buffer.write_str("\\t"),
                c if c.is_control() => write_unicode_escape(buffer, c),
                c => buffer.write_char(c),
            };
        }
    }

    fn unescape_string(&self, string: &str) -> String {
        unescape_googlesql(string)
    }
}

fn write_unicode_escape(buffer: &mut impl Write, c: char) -> fmt::Result {
    let code = c as u32;
    if code <= 0xFFFF {
        write!(buffer, "\\u{code:04x}")
    } else {
        write!(buffer, "\\U{code:08x}")
    }
}

/// Reverses GoogleSQL string-literal escapes (`\n`, `\'`, `\x41`, `\u00e9`, `\101`, ...).
fn unescape_googlesql(string: &str) -> String {
    let mut out = String::with_capacity(string.len());
    let mut chars = string.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(next) = chars.next() else {
            out.push('\\');
            break;
        };
        let hex = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, n: usize| {
            let digits: String = (0..n).filter_map(|_| chars.next()).collect();
            u32::from_str_radix(&digits, 16)
                .ok()
                .and_then(char::from_u32)
        };
        match next {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0C'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0B'),
            'x' | 'X' => out.extend(hex(&mut chars, 2)),
            'u' => out.extend(hex(&mut chars, 4)),
            'U' => out.extend(hex(&mut chars, 8)),
            d @ '0'..='7' => {
                let mut digits = String::from(d);
                for _ in 0..2 {
                    if let Some(&o) = chars.peek() {
                        if ('0'..='7').contains(&o) {
                            digits.push(o);
                            chars.next();
                        }
                    }
                }
                out.extend(
                    u32::from_str_radix(&digits, 8)
                        .ok()
                        .and_then(char::from_u32),
                );
            }
            other => out.push(other),
        }
    }
    out
}

impl TableRefBuilder for SpannerQueryBuilder {
    fn prepare_table_ref_iden(&self, table_ref: &TableRef, sql: &mut impl SqlWriter) {
        match table_ref {
            TableRef::Table(TableName(schema, table), alias) => {
                if let Some(schema) = schema {
                    self.prepare_schema_name(schema, sql);
                    let _ = sql.write_str(".");
                }
                let name = table.inner();
                let (base, hint) = spanner_ext::split_hint(&name);
                write_quoted_ident(sql, base);
                if let Some(hint) = hint {
                    let _ = sql.write_str(hint);
                }
                if let Some(alias) = alias {
                    let _ = sql.write_str(" AS ");
                    self.prepare_iden(alias, sql);
                }
            }
            _ => {
                let _ = sql.write_str("<unsupported: table reference>");
            }
        }
    }
}
