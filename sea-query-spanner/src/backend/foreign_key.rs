//! Foreign keys: `CONSTRAINT fk FOREIGN KEY (..) REFERENCES p (..) [ON DELETE ..]`.

use sea_query::{
    ForeignKeyAction, ForeignKeyBuilder, ForeignKeyCreateStatement, ForeignKeyDropStatement, Mode,
    SqlWriter, TableForeignKey, TableRef,
};

use super::statement_internals::debug_tree::{self, Node, QName};
use super::{quoted, Ctx, SpannerQueryBuilder, SpannerSqlError};

/// The parts of a foreign key, however they were obtained.
#[derive(Debug, Clone, Default)]
pub(super) struct FkInfo {
    pub(super) name: Option<String>,
    pub(super) table: Option<QName>,
    pub(super) ref_table: Option<QName>,
    pub(super) columns: Vec<String>,
    pub(super) ref_columns: Vec<String>,
    pub(super) on_delete: Option<ForeignKeyAction>,
    pub(super) on_update: Option<ForeignKeyAction>,
}

impl FkInfo {
    /// From sea-query's public accessors.
    pub(super) fn from_foreign_key(fk: &TableForeignKey) -> Result<Self, SpannerSqlError> {
        Ok(Self {
            name: fk.get_name().map(str::to_owned),
            table: fk.get_table().map(QName::from_table_ref).transpose()?,
            ref_table: fk.get_ref_table().map(QName::from_table_ref).transpose()?,
            columns: fk.get_columns(),
            ref_columns: fk.get_ref_columns(),
            on_delete: fk.get_on_delete(),
            on_update: fk.get_on_update(),
        })
    }

    /// From the `Debug` tree of a `TableForeignKey`.
    pub(super) fn from_node(node: &Node) -> Result<Self, SpannerSqlError> {
        let idens = |field: &str| -> Result<Vec<String>, SpannerSqlError> {
            node.field(field)
                .and_then(Node::list)
                .and_then(|l| l.iter().map(debug_tree::iden).collect::<Option<Vec<_>>>())
                .ok_or_else(|| {
                    SpannerSqlError::InvalidStatement("could not read foreign key columns".into())
                })
        };
        Ok(Self {
            name: debug_tree::opt_string(node.field("name")),
            table: debug_tree::opt_table(node.field("table"))?,
            ref_table: debug_tree::opt_table(node.field("ref_table"))?,
            columns: idens("columns")?,
            ref_columns: idens("ref_columns")?,
            on_delete: debug_tree::fk_action(node.field("on_delete"))?,
            on_update: debug_tree::fk_action(node.field("on_update"))?,
        })
    }

    /// Renders `[CONSTRAINT name] FOREIGN KEY (..) REFERENCES t (..) [ON DELETE ..]`.
    pub(super) fn render_constraint(&self, ctx: &mut Ctx, out: &mut String) {
        if let Some(name) = &self.name {
            out.push_str("CONSTRAINT ");
            out.push_str(&quoted(name));
            out.push(' ');
        }
        out.push_str("FOREIGN KEY (");
        out.push_str(&join_quoted(&self.columns));
        out.push_str(") REFERENCES ");
        match &self.ref_table {
            Some(t) => out.push_str(&t.render()),
            None => ctx.fail(
                SpannerSqlError::InvalidStatement("foreign key without referenced table".into()),
                out,
            ),
        }
        out.push_str(" (");
        out.push_str(&join_quoted(&self.ref_columns));
        out.push(')');
        if self.columns.is_empty() || self.columns.len() != self.ref_columns.len() {
            ctx.fail(
                SpannerSqlError::InvalidStatement(
                    "foreign key column lists are empty or of different lengths".into(),
                ),
                out,
            );
        }
        match self.on_delete {
            None => {}
            Some(ForeignKeyAction::Cascade) => out.push_str(" ON DELETE CASCADE"),
            Some(ForeignKeyAction::NoAction) => out.push_str(" ON DELETE NO ACTION"),
            Some(other) => ctx.fail(
                SpannerSqlError::UnsupportedFeature(format!(
                    "ON DELETE {} (only CASCADE and NO ACTION)",
                    action_sql(other)
                )),
                out,
            ),
        }
        match self.on_update {
            // NO ACTION is what Spanner does anyway; it has no ON UPDATE clause.
            None | Some(ForeignKeyAction::NoAction) => {}
            Some(other) => ctx.fail(
                SpannerSqlError::UnsupportedFeature(format!(
                    "ON UPDATE {} (Spanner foreign keys have no ON UPDATE action)",
                    action_sql(other)
                )),
                out,
            ),
        }
    }
}

fn action_sql(action: ForeignKeyAction) -> &'static str {
    match action {
        ForeignKeyAction::Restrict => "RESTRICT",
        ForeignKeyAction::Cascade => "CASCADE",
        ForeignKeyAction::SetNull => "SET NULL",
        ForeignKeyAction::NoAction => "NO ACTION",
        ForeignKeyAction::SetDefault => "SET DEFAULT",
        _ => "(unknown action)",
    }
}

/// `` `a`, `b` ``
pub(super) fn join_quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quoted(n))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn table_or_fail(table: &Option<QName>, ctx: &mut Ctx, out: &mut String) {
    match table {
        Some(t) => out.push_str(&t.render()),
        None => ctx.fail(
            SpannerSqlError::InvalidStatement("no table name given".into()),
            out,
        ),
    }
}

impl SpannerQueryBuilder {
    fn render_fk_create(&self, create: &ForeignKeyCreateStatement, ctx: &mut Ctx) -> String {
        let mut out = String::from("ALTER TABLE ");
        match FkInfo::from_foreign_key(create.get_foreign_key()) {
            Ok(fk) => {
                table_or_fail(&fk.table, ctx, &mut out);
                out.push_str(" ADD ");
                fk.render_constraint(ctx, &mut out);
            }
            Err(e) => ctx.fail(e, &mut out),
        }
        out
    }

    fn render_fk_drop(&self, drop: &ForeignKeyDropStatement, ctx: &mut Ctx) -> String {
        let mut out = String::from("ALTER TABLE ");
        let parsed = debug_tree::parse(drop).and_then(|node| {
            let table = debug_tree::opt_table(node.field("table"))?;
            let name = node
                .field("foreign_key")
                .and_then(|fk| debug_tree::opt_string(fk.field("name")));
            Ok((table, name))
        });
        match parsed {
            Ok((table, name)) => {
                table_or_fail(&table, ctx, &mut out);
                out.push_str(" DROP CONSTRAINT ");
                match name {
                    Some(n) => out.push_str(&quoted(&n)),
                    None => ctx.fail(
                        SpannerSqlError::InvalidStatement(
                            "dropping a foreign key needs its name".into(),
                        ),
                        &mut out,
                    ),
                }
            }
            Err(e) => ctx.fail(e, &mut out),
        }
        out
    }

    /// Renders `ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (..) REFERENCES p (..) [ON DELETE ..]`.
    ///
    /// # Errors
    ///
    /// ON DELETE actions other than `CASCADE`/`NO ACTION`, ON UPDATE actions other than
    /// `NO ACTION`, or missing tables/columns.
    pub fn build_foreign_key_create(
        &self,
        create: &ForeignKeyCreateStatement,
    ) -> Result<String, SpannerSqlError> {
        let mut ctx = Ctx::default();
        let sql = self.render_fk_create(create, &mut ctx);
        ctx.finish(sql)
    }

    /// Renders `ALTER TABLE t DROP CONSTRAINT fk`.
    ///
    /// # Errors
    ///
    /// If the table or the constraint name is missing.
    pub fn build_foreign_key_drop(
        &self,
        drop: &ForeignKeyDropStatement,
    ) -> Result<String, SpannerSqlError> {
        let mut ctx = Ctx::default();
        let sql = self.render_fk_drop(drop, &mut ctx);
        ctx.finish(sql)
    }
}

impl ForeignKeyBuilder for SpannerQueryBuilder {
    fn prepare_table_ref_fk_stmt(&self, table_ref: &TableRef, sql: &mut impl SqlWriter) {
        let mut out = String::new();
        match QName::from_table_ref(table_ref) {
            Ok(name) => out.push_str(&name.render()),
            Err(e) => Ctx::default().fail(e, &mut out),
        }
        let _ = sql.write_str(&out);
    }

    fn prepare_foreign_key_drop_statement_internal(
        &self,
        drop: &ForeignKeyDropStatement,
        sql: &mut impl SqlWriter,
        mode: Mode,
    ) {
        let mut ctx = Ctx::default();
        let full = self.render_fk_drop(drop, &mut ctx);
        let text = match mode {
            Mode::Alter => full.as_str(),
            // Inside ALTER TABLE: only the `DROP CONSTRAINT ..` part.
            _ => full
                .find(" DROP CONSTRAINT ")
                .and_then(|i| full.get(i + 1..))
                .unwrap_or(full.as_str()),
        };
        let _ = sql.write_str(text);
    }

    fn prepare_foreign_key_create_statement_internal(
        &self,
        create: &ForeignKeyCreateStatement,
        sql: &mut impl SqlWriter,
        mode: Mode,
    ) {
        let mut ctx = Ctx::default();
        let mut out = String::new();
        match mode {
            Mode::Alter => out = self.render_fk_create(create, &mut ctx),
            Mode::Creation => match FkInfo::from_foreign_key(create.get_foreign_key()) {
                Ok(fk) => fk.render_constraint(&mut ctx, &mut out),
                Err(e) => ctx.fail(e, &mut out),
            },
            _ => {
                out.push_str("ADD ");
                match FkInfo::from_foreign_key(create.get_foreign_key()) {
                    Ok(fk) => fk.render_constraint(&mut ctx, &mut out),
                    Err(e) => ctx.fail(e, &mut out),
                }
            }
        }
        let _ = sql.write_str(&out);
    }
}
