//! Helpers that let the Spanner backend look at private statement fields.
//!
//! sea-query's default (provided) trait methods walk statements whose fields are private and
//! call overridable hooks with the parts. [`Spy`] is a throw-away builder whose hooks record
//! those parts instead of rendering them, so `SpannerQueryBuilder` can decide how to render a
//! statement before rendering it. [`Capture`] is an `SqlWriter` that keeps text and parameters
//! apart, so a rendered statement can be edited and then replayed into the real writer with
//! the parameters pushed in their final order.

use std::cell::RefCell;
use std::fmt;

use sea_query::{
    Check, ColumnDef, ColumnType, ConditionHolder, ConditionHolderContents, DynIden, EscapeBuilder,
    ExplainStatement, Expr, ForeignKeyBuilder, ForeignKeyCreateStatement, ForeignKeyDropStatement,
    IndexBuilder, IndexCreateStatement, IndexDropStatement, LockType, Mode, OnConflictAction,
    OnConflictTarget, Oper, OperLeftAssocDecider, OrderExpr, PartitionBy, PartitionValues,
    PrecedenceDecider, QueryBuilder, Quote, QuotedBuilder, ReturningClause, SelectInto,
    SelectStatement, SqlWriter, SubQueryStatement, TableAlterStatement, TableBuilder, TableRef,
    TableRefBuilder, TableRenameStatement, Value, Values, WithClause, Write,
};

use crate::backend::SpannerQueryBuilder;

/// Marker the spy writes for every parameter.
pub(in crate::backend) const PARAM_MARK: &str = "\u{1}";

/// What a [`Spy`] saw while walking a statement.
#[derive(Debug, Default)]
pub(in crate::backend) struct SpyLog {
    pub(in crate::backend) values: Vec<Value>,
    pub(in crate::backend) exprs: Vec<Expr>,
    /// Identifiers seen after the statement's table (the INSERT column list).
    pub(in crate::backend) columns: Vec<DynIden>,
    pub(in crate::backend) table_seen: bool,
    pub(in crate::backend) on_conflict_target: Option<OnConflictTarget>,
    pub(in crate::backend) on_conflict_action: Option<OnConflictAction>,
    pub(in crate::backend) on_conflict_conditions: usize,
    /// Whether the first `WHERE` condition was empty.
    pub(in crate::backend) where_empty: Option<bool>,
    /// Table-level CHECK constraints, rendered for Spanner.
    pub(in crate::backend) checks: Vec<String>,
    pub(in crate::backend) partitioned: bool,
    pub(in crate::backend) lock_type: Option<LockType>,
    pub(in crate::backend) field_order: Option<Values>,
    /// The tables of `DROP TABLE` / `TRUNCATE TABLE`.
    pub(in crate::backend) table_refs: Vec<TableRef>,
}

/// A builder that records instead of rendering (see the module docs).
#[derive(Debug, Default)]
pub(in crate::backend) struct Spy {
    log: RefCell<SpyLog>,
}

impl Spy {
    /// Runs `walk` with a fresh spy and returns what it wrote and what it saw.
    pub(in crate::backend) fn run(walk: impl FnOnce(&Spy, &mut String)) -> (String, SpyLog) {
        let spy = Spy::default();
        let mut text = String::new();
        walk(&spy, &mut text);
        (text, spy.log.into_inner())
    }
}

impl QuotedBuilder for Spy {
    fn quote(&self) -> Quote {
        Quote::new(b'`')
    }

    fn prepare_iden(&self, iden: &DynIden, _sql: &mut impl SqlWriter) {
        let mut log = self.log.borrow_mut();
        if log.table_seen {
            log.columns.push(iden.clone());
        }
    }
}

impl EscapeBuilder for Spy {}

impl TableRefBuilder for Spy {}

impl OperLeftAssocDecider for Spy {
    fn well_known_left_associative(&self, _op: &sea_query::BinOper) -> bool {
        false
    }
}

impl PrecedenceDecider for Spy {
    fn inner_expr_well_known_greater_precedence(&self, _inner: &Expr, _outer: &Oper) -> bool {
        false
    }
}

impl QueryBuilder for Spy {
    fn prepare_query_statement(&self, _query: &SubQueryStatement, _sql: &mut impl SqlWriter) {}

    fn prepare_select_into(&self, _into: &SelectInto, _sql: &mut impl SqlWriter) {}

    fn prepare_explain_statement(&self, _e: &ExplainStatement, _sql: &mut impl SqlWriter) {}

    fn prepare_value(&self, value: Value, sql: &mut impl SqlWriter) {
        self.log.borrow_mut().values.push(value);
        let _ = sql.write_str(PARAM_MARK);
    }

    fn prepare_expr(&self, expr: &Expr, _sql: &mut impl SqlWriter) {
        self.log.borrow_mut().exprs.push(expr.clone());
    }

    fn prepare_select_statement(&self, _select: &SelectStatement, _sql: &mut impl SqlWriter) {}

    fn prepare_with_clause(&self, _with: &WithClause, _sql: &mut impl SqlWriter) {}

    fn prepare_table_ref(&self, _table_ref: &TableRef, _sql: &mut impl SqlWriter) {
        self.log.borrow_mut().table_seen = true;
    }

    fn prepare_output(&self, _returning: &Option<ReturningClause>, _sql: &mut impl SqlWriter) {
        // The INSERT column list ends right before this hook.
        self.log.borrow_mut().table_seen = false;
    }

    fn prepare_returning(&self, _returning: &Option<ReturningClause>, _sql: &mut impl SqlWriter) {}

    fn prepare_on_conflict_target(&self, target: &OnConflictTarget, _sql: &mut impl SqlWriter) {
        self.log.borrow_mut().on_conflict_target = Some(target.clone());
    }

    fn prepare_on_conflict_action(
        &self,
        action: &Option<OnConflictAction>,
        _sql: &mut impl SqlWriter,
    ) {
        self.log.borrow_mut().on_conflict_action = action.clone();
    }

    fn prepare_on_conflict_condition(&self, cond: &ConditionHolder, _sql: &mut impl SqlWriter) {
        if !matches!(cond.contents, ConditionHolderContents::Empty) {
            self.log.borrow_mut().on_conflict_conditions += 1;
        }
    }

    fn prepare_condition(&self, cond: &ConditionHolder, keyword: &str, _sql: &mut impl SqlWriter) {
        let mut log = self.log.borrow_mut();
        if keyword == "WHERE" && log.where_empty.is_none() {
            log.where_empty = Some(matches!(cond.contents, ConditionHolderContents::Empty));
        }
    }

    fn lock_phrase(&self, lock_type: LockType) -> &'static str {
        self.log.borrow_mut().lock_type = Some(lock_type);
        ""
    }

    fn prepare_field_order(&self, _o: &OrderExpr, values: &Values, _sql: &mut impl SqlWriter) {
        self.log.borrow_mut().field_order = Some(values.clone());
    }
}

impl IndexBuilder for Spy {
    fn prepare_table_index_expression(&self, _c: &IndexCreateStatement, _s: &mut impl SqlWriter) {}

    fn prepare_index_create_statement(&self, _c: &IndexCreateStatement, _s: &mut impl SqlWriter) {}

    fn prepare_table_ref_index_stmt(&self, _t: &TableRef, _s: &mut impl SqlWriter) {}

    fn prepare_index_drop_statement(&self, _d: &IndexDropStatement, _s: &mut impl SqlWriter) {}

    fn prepare_index_prefix(&self, _c: &IndexCreateStatement, _s: &mut impl SqlWriter) {}
}

impl ForeignKeyBuilder for Spy {
    fn prepare_table_ref_fk_stmt(&self, _t: &TableRef, _s: &mut impl SqlWriter) {}

    fn prepare_foreign_key_drop_statement_internal(
        &self,
        _d: &ForeignKeyDropStatement,
        _s: &mut impl SqlWriter,
        _m: Mode,
    ) {
    }

    fn prepare_foreign_key_create_statement_internal(
        &self,
        _c: &ForeignKeyCreateStatement,
        _s: &mut impl SqlWriter,
        _m: Mode,
    ) {
    }
}

impl TableBuilder for Spy {
    fn prepare_table_ref_table_stmt(&self, table: &TableRef, _s: &mut impl SqlWriter) {
        self.log.borrow_mut().table_refs.push(table.clone());
    }

    fn prepare_column_def(&self, _c: &ColumnDef, _s: &mut impl SqlWriter) {}

    fn prepare_column_type(&self, _c: &ColumnType, _s: &mut impl SqlWriter) {}

    fn column_spec_auto_increment_keyword(&self) -> &str {
        ""
    }

    fn prepare_check_constraint(&self, check: &Check, _sql: &mut impl SqlWriter) {
        let mut rendered = String::new();
        TableBuilder::prepare_check_constraint(&SpannerQueryBuilder, check, &mut rendered);
        self.log.borrow_mut().checks.push(rendered);
    }

    fn prepare_partition_by(&self, _p: &PartitionBy, _s: &mut impl SqlWriter) {
        self.log.borrow_mut().partitioned = true;
    }

    fn prepare_partition_values(&self, _p: &PartitionValues, _s: &mut impl SqlWriter) {
        self.log.borrow_mut().partitioned = true;
    }

    fn prepare_partition_definition(
        &self,
        _n: &DynIden,
        _v: Option<&PartitionValues>,
        _s: &mut impl SqlWriter,
    ) {
        self.log.borrow_mut().partitioned = true;
    }

    fn prepare_table_alter_statement(&self, _a: &TableAlterStatement, _s: &mut impl SqlWriter) {}

    fn prepare_table_rename_statement(&self, _r: &TableRenameStatement, _s: &mut impl SqlWriter) {}
}

/// A piece of captured SQL.
#[derive(Debug, Clone)]
pub(in crate::backend) enum Segment {
    Text(String),
    Param(Value),
}

/// An [`SqlWriter`] that keeps every `write_str` call and every parameter as a segment.
#[derive(Debug, Default)]
pub(in crate::backend) struct Capture {
    pub(in crate::backend) segments: Vec<Segment>,
}

impl Write for Capture {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.segments.push(Segment::Text(s.to_owned()));
        Ok(())
    }
}

impl fmt::Display for Capture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for segment in &self.segments {
            match segment {
                Segment::Text(t) => f.write_str(t)?,
                Segment::Param(_) => f.write_str("?")?,
            }
        }
        Ok(())
    }
}

impl SqlWriter for Capture {
    fn push_param<T: QueryBuilder>(&mut self, value: Value, _query_builder: &T) {
        self.segments.push(Segment::Param(value));
    }

    fn as_writer(&mut self) -> &mut dyn Write {
        self as _
    }
}

/// Replays captured segments into `sql`, pushing parameters through `builder`.
pub(in crate::backend) fn replay(
    segments: impl IntoIterator<Item = Segment>,
    builder: &SpannerQueryBuilder,
    sql: &mut impl SqlWriter,
) {
    for segment in segments {
        match segment {
            Segment::Text(t) => {
                let _ = sql.write_str(&t);
            }
            Segment::Param(v) => sql.push_param(v, builder),
        }
    }
}
