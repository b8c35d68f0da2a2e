//! Indexes: `CREATE [UNIQUE] [NULL_FILTERED] INDEX .. ON t (..) [STORING (..)] [, INTERLEAVE IN p]`.

use sea_query::{IndexBuilder, IndexCreateStatement, IndexDropStatement, SqlWriter, TableRef};

use super::foreign_key::{join_quoted, table_or_fail};
use super::statement_internals::debug_tree::{self, Node, QName};
use super::{quoted, Ctx, SpannerIndexOptions, SpannerQueryBuilder, SpannerSqlError};

/// One key column of an index.
#[derive(Debug, Clone)]
pub(super) struct IndexColumn {
    pub(super) name: String,
    pub(super) desc: bool,
}

/// The parts of an `IndexCreateStatement`.
#[derive(Debug, Clone, Default)]
pub(super) struct IndexInfo {
    pub(super) table: Option<QName>,
    pub(super) name: Option<String>,
    pub(super) columns: Vec<IndexColumn>,
    pub(super) primary: bool,
    pub(super) unique: bool,
    pub(super) if_not_exists: bool,
    pub(super) include: Vec<String>,
    /// Things Spanner cannot express (reported when the index is rendered).
    pub(super) problems: Vec<SpannerSqlError>,
}

impl IndexInfo {
    /// Reads an `IndexCreateStatement` (its fields are private; see `debug_tree`).
    pub(super) fn read(stmt: &IndexCreateStatement) -> Result<Self, SpannerSqlError> {
        let node = debug_tree::parse(stmt)?;
        let mut info = IndexInfo {
            table: debug_tree::opt_table(node.field("table"))?,
            primary: stmt.is_primary_key(),
            unique: stmt.is_unique_key(),
            if_not_exists: node.flag("if_not_exists"),
            ..Default::default()
        };
        let index = node.field("index");
        info.name = stmt.get_index_spec().get_name().map(str::to_owned);
        let columns = index
            .and_then(|i| i.field("columns"))
            .and_then(Node::list)
            .unwrap_or(&[]);
        for col in columns {
            match col.name() {
                "TableColumn" => {
                    let Some(c) = col.single() else { continue };
                    let Some(name) = c.field("name").and_then(debug_tree::iden) else {
                        info.problems.push(SpannerSqlError::InvalidStatement(
                            "could not read an index column".into(),
                        ));
                        continue;
                    };
                    if c.field("prefix").and_then(Node::option) != Some(None) {
                        info.problems
                            .push(SpannerSqlError::UnsupportedFeature(format!(
                                "index prefix length on column `{name}`"
                            )));
                    }
                    if c.field("operator_class").and_then(Node::option) != Some(None) {
                        info.problems.push(SpannerSqlError::UnsupportedFeature(
                            "index operator classes".into(),
                        ));
                    }
                    let desc = c
                        .field("order")
                        .and_then(Node::option)
                        .flatten()
                        .is_some_and(|o| o.name() == "Desc");
                    info.columns.push(IndexColumn { name, desc });
                }
                _ => info.problems.push(SpannerSqlError::UnsupportedFeature(
                    "expression index columns (index a generated column instead)".into(),
                )),
            }
        }
        match node.field("index_type").and_then(Node::option) {
            Some(None) => {}
            Some(Some(t)) if t.name() == "BTree" => {}
            _ => info.problems.push(SpannerSqlError::UnsupportedFeature(
                "index types (FULLTEXT/HASH/..; Spanner has separate search indexes)".into(),
            )),
        }
        let has_where = node
            .field("where")
            .and_then(|w| w.field("contents"))
            .is_some_and(|c| c.name() != "Empty");
        if has_where {
            info.problems.push(SpannerSqlError::UnsupportedFeature(
                "partial indexes (WHERE); consider a NULL_FILTERED index".into(),
            ));
        }
        info.include = node
            .field("include_columns")
            .and_then(Node::list)
            .map(|l| l.iter().filter_map(debug_tree::iden).collect())
            .unwrap_or_default();
        Ok(info)
    }

    /// The generated name of an unnamed index: `IDX_<table>_<col>_<col>`.
    pub(super) fn default_name(&self, table: Option<&QName>) -> String {
        let mut name = String::from(if self.unique { "UQ" } else { "IDX" });
        if let Some(t) = table {
            name.push('_');
            name.push_str(&t.name);
        }
        for c in &self.columns {
            name.push('_');
            name.push_str(&c.name);
        }
        name
    }
}

impl SpannerQueryBuilder {
    /// Renders one `CREATE INDEX`. `table` overrides the statement's table (for indexes
    /// declared inside `CREATE TABLE`).
    pub(super) fn render_index_create(
        &self,
        info: &IndexInfo,
        table: Option<&QName>,
        opts: &SpannerIndexOptions,
        ctx: &mut Ctx,
    ) -> String {
        let table = table.or(info.table.as_ref());
        let mut out = String::from("CREATE ");
        if info.unique {
            out.push_str("UNIQUE ");
        }
        if opts.null_filtered {
            out.push_str("NULL_FILTERED ");
        }
        out.push_str("INDEX ");
        if info.if_not_exists {
            out.push_str("IF NOT EXISTS ");
        }
        let name = info
            .name
            .clone()
            .unwrap_or_else(|| info.default_name(table));
        // Indexes live in the schema of their table.
        let index_name = QName {
            schema: table.and_then(|t| t.schema.clone()),
            name,
        };
        out.push_str(&index_name.render());
        out.push_str(" ON ");
        table_or_fail(&table.cloned(), ctx, &mut out);
        out.push_str(" (");
        for (i, col) in info.columns.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&quoted(&col.name));
            if col.desc {
                out.push_str(" DESC");
            }
        }
        out.push(')');
        if info.columns.is_empty() {
            ctx.fail(
                SpannerSqlError::InvalidStatement("index without columns".into()),
                &mut out,
            );
        }
        if info.primary {
            ctx.fail(
                SpannerSqlError::UnsupportedFeature(
                    "adding a primary key as an index (declare it in CREATE TABLE)".into(),
                ),
                &mut out,
            );
        }
        for problem in &info.problems {
            ctx.fail(problem.clone(), &mut out);
        }
        let mut storing = info.include.clone();
        for s in &opts.storing {
            if !storing.contains(s) {
                storing.push(s.clone());
            }
        }
        if !storing.is_empty() {
            out.push_str(" STORING (");
            out.push_str(&join_quoted(&storing));
            out.push(')');
        }
        if let Some(parent) = &opts.interleave_in {
            out.push_str(", INTERLEAVE IN ");
            out.push_str(&quoted(parent));
        }
        out
    }

    fn render_index_drop(&self, drop: &IndexDropStatement, ctx: &mut Ctx) -> String {
        let mut out = String::from("DROP INDEX ");
        let parsed = debug_tree::parse(drop).and_then(|node| {
            let table = debug_tree::opt_table(node.field("table"))?;
            let name = node
                .field("index")
                .and_then(|i| debug_tree::opt_string(i.field("name")));
            Ok((table, name, node.flag("if_exists")))
        });
        match parsed {
            Ok((table, name, if_exists)) => {
                if if_exists {
                    out.push_str("IF EXISTS ");
                }
                match name {
                    Some(name) => out.push_str(
                        &QName {
                            schema: table.and_then(|t| t.schema),
                            name,
                        }
                        .render(),
                    ),
                    None => ctx.fail(
                        SpannerSqlError::InvalidStatement("DROP INDEX needs an index name".into()),
                        &mut out,
                    ),
                }
            }
            Err(e) => ctx.fail(e, &mut out),
        }
        out
    }

    fn render_index_create_stmt(
        &self,
        create: &IndexCreateStatement,
        opts: &SpannerIndexOptions,
        ctx: &mut Ctx,
    ) -> String {
        match IndexInfo::read(create) {
            Ok(info) => self.render_index_create(&info, None, opts, ctx),
            Err(e) => {
                let mut out = String::from("CREATE INDEX ");
                ctx.fail(e, &mut out);
                out
            }
        }
    }

    /// Renders `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON t (cols) [STORING (..)]`.
    ///
    /// Columns given to sea-query's `include(..)` become `STORING` columns. Unnamed indexes
    /// are named `IDX_<table>_<columns>` (`UQ_..` when unique).
    ///
    /// # Errors
    ///
    /// Partial (`WHERE`) indexes, expression/prefix columns, index types, primary-key indexes,
    /// or a missing table.
    pub fn build_index_create(
        &self,
        create: &IndexCreateStatement,
    ) -> Result<String, SpannerSqlError> {
        self.build_index_create_with(create, &SpannerIndexOptions::default())
    }

    /// Like [`build_index_create`](Self::build_index_create), with Spanner-only options
    /// (`NULL_FILTERED`, `STORING`, `INTERLEAVE IN`).
    ///
    /// # Errors
    ///
    /// See [`build_index_create`](Self::build_index_create).
    pub fn build_index_create_with(
        &self,
        create: &IndexCreateStatement,
        opts: &SpannerIndexOptions,
    ) -> Result<String, SpannerSqlError> {
        let mut ctx = Ctx::default();
        let sql = self.render_index_create_stmt(create, opts, &mut ctx);
        ctx.finish(sql)
    }

    /// Renders `DROP INDEX [IF EXISTS] name`.
    ///
    /// # Errors
    ///
    /// If the index name is missing.
    pub fn build_index_drop(&self, drop: &IndexDropStatement) -> Result<String, SpannerSqlError> {
        let mut ctx = Ctx::default();
        let sql = self.render_index_drop(drop, &mut ctx);
        ctx.finish(sql)
    }
}

impl IndexBuilder for SpannerQueryBuilder {
    fn prepare_table_index_expression(
        &self,
        create: &IndexCreateStatement,
        sql: &mut impl SqlWriter,
    ) {
        // Spanner has no inline index constraints; render the stand-alone statement.
        self.prepare_index_create_statement(create, sql);
    }

    fn prepare_index_create_statement(
        &self,
        create: &IndexCreateStatement,
        sql: &mut impl SqlWriter,
    ) {
        let mut ctx = Ctx::default();
        let out = self.render_index_create_stmt(create, &SpannerIndexOptions::default(), &mut ctx);
        let _ = sql.write_str(&out);
    }

    fn prepare_table_ref_index_stmt(&self, table_ref: &TableRef, sql: &mut impl SqlWriter) {
        let mut out = String::new();
        match QName::from_table_ref(table_ref) {
            Ok(name) => out.push_str(&name.render()),
            Err(e) => Ctx::default().fail(e, &mut out),
        }
        let _ = sql.write_str(&out);
    }

    fn prepare_index_drop_statement(&self, drop: &IndexDropStatement, sql: &mut impl SqlWriter) {
        let mut ctx = Ctx::default();
        let out = self.render_index_drop(drop, &mut ctx);
        let _ = sql.write_str(&out);
    }

    fn prepare_index_prefix(&self, create: &IndexCreateStatement, sql: &mut impl SqlWriter) {
        if create.is_unique_key() {
            let _ = sql.write_str("UNIQUE ");
        }
    }
}
