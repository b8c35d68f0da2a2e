//! Spanner-only features that sea-query has no vocabulary for: interleaved tables,
//! commit-timestamp columns, `NULL_FILTERED` / `STORING` / interleaved indexes and table hints.

use sea_query::{DynIden, IntoIden};

use super::SpannerSqlError;

/// Separates a table name from its hint inside the identifier built by [`force_index`].
/// NUL cannot occur in a Spanner identifier, so it can never clash with a real name.
pub(super) const HINT_SEPARATOR: char = '\u{0}';

/// What happens to interleaved child rows when their parent row is deleted
/// (`INTERLEAVE IN PARENT p ON DELETE ...`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InterleaveOnDelete {
    /// `ON DELETE CASCADE`: child rows are deleted with the parent row.
    Cascade,
    /// `ON DELETE NO ACTION` (Spanner's default): deleting a parent with children fails.
    #[default]
    NoAction,
}

impl InterleaveOnDelete {
    pub(super) fn as_sql(self) -> &'static str {
        match self {
            Self::Cascade => "CASCADE",
            Self::NoAction => "NO ACTION",
        }
    }
}

/// Spanner-specific options for `CREATE TABLE`, used by
/// [`SpannerQueryBuilder::build_table_create_with`](super::SpannerQueryBuilder::build_table_create_with).
///
/// ```ignore
/// let opts = SpannerTableOptions::new()
///     .interleave_in_parent("Singers", InterleaveOnDelete::Cascade)
///     .commit_timestamp("UpdatedAt");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpannerTableOptions {
    /// Interleave the table in this parent table: `, INTERLEAVE IN PARENT parent ON DELETE ..`
    /// after the primary key. The parent's key columns must prefix this table's key.
    pub interleave_in_parent: Option<(String, InterleaveOnDelete)>,
    /// `TIMESTAMP` columns that get `OPTIONS (allow_commit_timestamp = true)`, so that
    /// `PENDING_COMMIT_TIMESTAMP()` can be written to them.
    pub commit_timestamp_columns: Vec<String>,
}

impl SpannerTableOptions {
    /// Options that change nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Interleaves the table in `parent` (`INTERLEAVE IN PARENT parent ON DELETE ..`).
    pub fn interleave_in_parent(
        mut self,
        parent: impl Into<String>,
        on_delete: InterleaveOnDelete,
    ) -> Self {
        self.interleave_in_parent = Some((parent.into(), on_delete));
        self
    }

    /// Marks the `TIMESTAMP` column `column` with `allow_commit_timestamp = true`.
    pub fn commit_timestamp(mut self, column: impl Into<String>) -> Self {
        self.commit_timestamp_columns.push(column.into());
        self
    }
}

/// Spanner-specific options for `CREATE INDEX`, used by
/// [`SpannerQueryBuilder::build_index_create_with`](super::SpannerQueryBuilder::build_index_create_with).
///
/// Columns passed to sea-query's `IndexCreateStatement::include` are added to `STORING` too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpannerIndexOptions {
    /// `CREATE NULL_FILTERED INDEX`: rows with a NULL in any indexed column are not indexed.
    pub null_filtered: bool,
    /// Non-key columns copied into the index: `STORING (a, b)`.
    pub storing: Vec<String>,
    /// Interleave the index in this table: `, INTERLEAVE IN parent`.
    pub interleave_in: Option<String>,
}

impl SpannerIndexOptions {
    /// Options that change nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the index `NULL_FILTERED`.
    pub fn null_filtered(mut self) -> Self {
        self.null_filtered = true;
        self
    }

    /// Adds a column to the `STORING` clause.
    pub fn storing(mut self, column: impl Into<String>) -> Self {
        self.storing.push(column.into());
        self
    }

    /// Interleaves the index in `parent`.
    pub fn interleave_in(mut self, parent: impl Into<String>) -> Self {
        self.interleave_in = Some(parent.into());
        self
    }
}

/// Returns a table identifier that [`SpannerQueryBuilder`](super::SpannerQueryBuilder) renders
/// with a `FORCE_INDEX` table hint: `` `table`@{FORCE_INDEX=index} ``.
///
/// Use it in `from`/`join` positions (e.g. `Query::select().from(force_index("t", "idx")?)`),
/// and refer to the table's columns through an alias or unqualified. `index` may be
/// `_BASE_TABLE` to force a base-table scan. sea-query's own index hints (`use_index`,
/// `force_index` of its MySQL extension) are MySQL-specific and are not rendered.
///
/// # Errors
///
/// [`SpannerSqlError::InvalidStatement`] if `index` is not a plain identifier
/// (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn force_index<T: IntoIden>(table: T, index: &str) -> Result<DynIden, SpannerSqlError> {
    let mut chars = index.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(SpannerSqlError::InvalidStatement(format!(
            "`{index}` is not a valid index name for a FORCE_INDEX hint"
        )));
    }
    let table = table.into_iden();
    Ok(DynIden::from(format!(
        "{table}{HINT_SEPARATOR}@{{FORCE_INDEX={index}}}"
    )))
}

/// Splits an identifier built by [`force_index`] into the table name and the hint.
pub(super) fn split_hint(ident: &str) -> (&str, Option<&str>) {
    match ident.split_once(HINT_SEPARATOR) {
        Some((table, hint)) => (table, Some(hint)),
        None => (ident, None),
    }
}
