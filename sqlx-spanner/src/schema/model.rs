//! The typed description of a Spanner database schema, as read from `INFORMATION_SCHEMA`.

use std::collections::BTreeMap;

/// Everything [`read_schema`](super::read_schema) found in a database's default schema.
///
/// Lists are sorted by name so two reads of the same schema compare equal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DatabaseSchema {
    /// Base tables (views are in [`views`](Self::views)).
    pub tables: Vec<Table>,
    /// Sequences (`CREATE SEQUENCE`), with their options.
    pub sequences: Vec<Sequence>,
    /// Views (`CREATE VIEW`).
    pub views: Vec<View>,
    /// Change streams (`CREATE CHANGE STREAM`).
    pub change_streams: Vec<ChangeStream>,
    /// The `INFORMATION_SCHEMA` views this database (or emulator) does not have. The parts
    /// of the schema read from them are reported empty; this list says which are unknown
    /// rather than absent.
    pub unavailable: Vec<String>,
}

impl DatabaseSchema {
    /// The table named `name` (exact, case-sensitive match).
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Whether `table.column` is declared `NOT NULL`: `Some(true)` / `Some(false)`, or
    /// `None` when the table or the column does not exist.
    pub fn is_not_null(&self, table: &str, column: &str) -> Option<bool> {
        self.table(table)?.column(column).map(|c| !c.nullable)
    }

    /// The tables interleaved directly in `parent`.
    pub fn children_of<'a>(&'a self, parent: &'a str) -> impl Iterator<Item = &'a Table> + 'a {
        self.tables.iter().filter(move |t| {
            t.interleaved_in
                .as_ref()
                .is_some_and(|i| i.parent_table == parent)
        })
    }
}

/// A base table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Table {
    /// The table's name.
    pub name: String,
    /// Columns in declaration order.
    pub columns: Vec<Column>,
    /// The primary key, in key order.
    pub primary_key: Vec<KeyPart>,
    /// The parent table, for a table declared `INTERLEAVE IN PARENT` (or `INTERLEAVE IN`).
    pub interleaved_in: Option<Interleave>,
    /// Secondary indexes on the table (the primary key is not listed here).
    pub indexes: Vec<Index>,
    /// Foreign keys declared on this table (the referencing side).
    pub foreign_keys: Vec<ForeignKey>,
    /// `CHECK` constraints (the implicit `NOT NULL` checks Spanner lists are left out).
    pub check_constraints: Vec<CheckConstraint>,
}

impl Table {
    /// The column named `name` (exact, case-sensitive match).
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether `name` is one of the primary key's columns.
    pub fn is_primary_key_column(&self, name: &str) -> bool {
        self.primary_key.iter().any(|k| k.column == name)
    }
}

/// A table column.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// Spanner's type as written in DDL: `INT64`, `STRING(100)`, `STRING(MAX)`,
    /// `ARRAY<STRING(MAX)>`, `NUMERIC`, `JSON`...
    pub spanner_type: String,
    /// `false` for a column declared `NOT NULL`.
    pub nullable: bool,
    /// The `DEFAULT` expression, as Spanner stores it.
    pub default: Option<String>,
    /// For a generated column: its expression and whether it is `STORED`.
    pub generated: Option<GeneratedColumn>,
    /// The column option `allow_commit_timestamp = true` (a `TIMESTAMP` column that may hold
    /// `PENDING_COMMIT_TIMESTAMP()`).
    pub allow_commit_timestamp: bool,
}

/// The expression of a generated column (`AS (expr) [STORED]`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GeneratedColumn {
    /// The expression, as Spanner stores it.
    pub expression: String,
    /// Whether the value is stored (`STORED`) or computed on read.
    pub stored: bool,
}

/// One column of a key (primary key or index key), with its sort order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyPart {
    /// The column's name.
    pub column: String,
    /// Ascending or descending.
    pub order: SortOrder,
}

impl KeyPart {
    /// A key part (used to build expected values in tests and tools).
    pub fn new(column: impl Into<String>, order: SortOrder) -> Self {
        Self {
            column: column.into(),
            order,
        }
    }
}

/// The sort order of a key column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortOrder {
    /// `ASC` (Spanner's default).
    Asc,
    /// `DESC`.
    Desc,
}

/// What deleting a parent row does to its interleaved children or referencing rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnDelete {
    /// `ON DELETE CASCADE`: the child rows are deleted too.
    Cascade,
    /// `ON DELETE NO ACTION` (Spanner's default): deleting a parent that has children fails.
    NoAction,
}

/// The parent of an interleaved table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Interleave {
    /// The parent table's name.
    pub parent_table: String,
    /// The `ON DELETE` action. `None` for `INTERLEAVE IN` (without `PARENT`), where rows are
    /// co-located but the parent row need not exist.
    pub on_delete: Option<OnDelete>,
}

/// A secondary index.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Index {
    /// The index's name.
    pub name: String,
    /// `UNIQUE`.
    pub unique: bool,
    /// `NULL_FILTERED`: rows with a NULL key column are not indexed.
    pub null_filtered: bool,
    /// The table the index is interleaved in (`, INTERLEAVE IN parent`).
    pub interleaved_in: Option<String>,
    /// The key columns, in key order.
    pub key: Vec<KeyPart>,
    /// The `STORING` columns, sorted by name.
    pub storing: Vec<String>,
    /// Whether Spanner created and manages this index itself (the backing index of a
    /// foreign key), rather than a `CREATE INDEX`.
    pub managed: bool,
}

/// A foreign key, as declared on the referencing table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ForeignKey {
    /// The constraint's name (Spanner generates one when the DDL gave none).
    pub name: String,
    /// The referencing columns, in declaration order.
    pub columns: Vec<String>,
    /// The referenced table.
    pub referenced_table: String,
    /// The referenced columns, matching [`columns`](Self::columns) one to one.
    pub referenced_columns: Vec<String>,
    /// The `ON DELETE` action.
    pub on_delete: OnDelete,
}

/// A `CHECK` constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckConstraint {
    /// The constraint's name (Spanner generates one when the DDL gave none).
    pub name: String,
    /// The checked expression, as Spanner stores it.
    pub expression: String,
}

/// A sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sequence {
    /// The sequence's name.
    pub name: String,
    /// The value type (`INT64`).
    pub data_type: String,
    /// Its options (`sequence_kind`, `skip_range_min`, `skip_range_max`,
    /// `start_with_counter`), by option name, values as Spanner lists them.
    pub options: BTreeMap<String, String>,
}

/// A view.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct View {
    /// The view's name.
    pub name: String,
    /// The query text after `AS`.
    pub definition: String,
    /// `INVOKER` or `DEFINER` (`SQL SECURITY`), when Spanner reports it.
    pub security_type: Option<String>,
}

/// A change stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChangeStream {
    /// The change stream's name.
    pub name: String,
    /// `FOR ALL`: it watches every table.
    pub all: bool,
    /// The tables it watches explicitly (empty for `FOR ALL`), sorted by table name.
    pub tables: Vec<ChangeStreamTable>,
    /// Its options (`retention_period`, `value_capture_type`...), by option name.
    pub options: BTreeMap<String, String>,
}

/// One table watched by a change stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChangeStreamTable {
    /// The table's name.
    pub table: String,
    /// Whether every column is watched (`FOR t`) rather than a list (`FOR t(a, b)`).
    pub all_columns: bool,
    /// The watched columns when [`all_columns`](Self::all_columns) is false, sorted by name.
    pub columns: Vec<String>,
}
