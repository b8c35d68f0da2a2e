//! `QueryBuilder` for GoogleSQL: SELECT / INSERT / UPDATE / DELETE and literals.

use std::fmt;

use sea_query::extension::postgres::{PgBinOper, PgFunc};
use sea_query::{
    ArrayType, BinOper, ConditionHolder, ConditionHolderContents, DeleteStatement, DynIden,
    ExplainStatement, Expr, Frame, Func, InsertStatement, JoinOn, JoinType, Keyword, LockClause,
    LockType, OnConflictAction, OnConflictIdentifier, OnConflictTarget, OnConflictUpdate, Oper,
    OperLeftAssocDecider, OptionEnum, OrderExpr, PrecedenceDecider, QueryBuilder, QuotedBuilder,
    ReturningClause, SelectDistinct, SelectInto, SelectStatement, SqlWriter, SubQueryStatement,
    TableRef, UnOper, UnionType, UpdateStatement, Value, Values, WithClause, Write,
};

use super::statement_internals::spy::{replay, Capture, Segment, Spy, PARAM_MARK};
use super::statement_internals::{order_parts, with_clause_is_empty, OrderParts};
use super::SpannerQueryBuilder;
use crate::googlesql::{self, Conflict, LockStrength, LockWait, Upsert};

/// Written by `prepare_on_conflict_keywords`; replaced or cut out by `prepare_insert_statement`.
const ON_CONFLICT_MARK: &str = "\u{0}ON CONFLICT\u{0}";
/// Written as a single segment by `prepare_returning`; ends the ON CONFLICT clause.
const THEN_RETURN: &str = " THEN RETURN ";

fn unsupported(sql: &mut impl Write, what: &str) {
    let _ = write!(sql, "<unsupported: {what}>");
}

fn is_arithmetic(op: &BinOper) -> bool {
    matches!(
        op,
        BinOper::Mul
            | BinOper::Div
            | BinOper::Add
            | BinOper::Sub
            | BinOper::LShift
            | BinOper::RShift
    )
}

fn is_predicate(op: &BinOper) -> bool {
    matches!(
        op,
        BinOper::SmallerThan
            | BinOper::SmallerThanOrEqual
            | BinOper::Equal
            | BinOper::GreaterThanOrEqual
            | BinOper::GreaterThan
            | BinOper::NotEqual
            | BinOper::In
            | BinOper::NotIn
            | BinOper::Like
            | BinOper::NotLike
            | BinOper::Is
            | BinOper::IsNot
    ) || matches!(
        op,
        BinOper::PgOperator(PgBinOper::ILike | PgBinOper::NotILike)
    )
}

impl OperLeftAssocDecider for SpannerQueryBuilder {
    fn well_known_left_associative(&self, op: &BinOper) -> bool {
        matches!(
            op,
            BinOper::And | BinOper::Or | BinOper::Add | BinOper::Sub | BinOper::Mul
        )
    }
}

impl PrecedenceDecider for SpannerQueryBuilder {
    fn inner_expr_well_known_greater_precedence(&self, inner: &Expr, outer: &Oper) -> bool {
        let outer_logical = matches!(
            outer,
            Oper::UnOper(UnOper::Not) | Oper::BinOper(BinOper::And | BinOper::Or)
        );
        match inner {
            Expr::Column(_)
            | Expr::Tuple(_)
            | Expr::Constant(_)
            | Expr::FunctionCall(_)
            | Expr::Value(_)
            | Expr::Keyword(_)
            | Expr::Case(_)
            | Expr::SubQuery(_, _)
            | Expr::TypeName(_) => true,
            // Rendered as a function call: `MOD(a, b)`.
            Expr::Binary(_, BinOper::Mod, _) => true,
            Expr::Binary(_, op, _) if is_arithmetic(op) => match outer {
                Oper::BinOper(o) => {
                    is_predicate(o)
                        || matches!(o, BinOper::Between | BinOper::NotBetween)
                        || outer_logical
                }
                Oper::UnOper(_) => outer_logical,
            },
            Expr::Binary(_, op, _) if is_predicate(op) => outer_logical,
            _ => false,
        }
    }
}

/// The element type of a typed array literal.
fn array_element_type(ty: &ArrayType) -> Option<&'static str> {
    #[allow(unreachable_patterns)]
    Some(match ty {
        ArrayType::Bool => "BOOL",
        ArrayType::TinyInt
        | ArrayType::SmallInt
        | ArrayType::Int
        | ArrayType::BigInt
        | ArrayType::TinyUnsigned
        | ArrayType::SmallUnsigned
        | ArrayType::Unsigned
        | ArrayType::BigUnsigned => "INT64",
        ArrayType::Float => "FLOAT32",
        ArrayType::Double => "FLOAT64",
        ArrayType::String | ArrayType::Char | ArrayType::Enum(_) => "STRING",
        ArrayType::Bytes => "BYTES",
        ArrayType::Json => "JSON",
        ArrayType::ChronoDate | ArrayType::TimeDate => "DATE",
        ArrayType::ChronoDateTime
        | ArrayType::ChronoDateTimeUtc
        | ArrayType::ChronoDateTimeLocal
        | ArrayType::ChronoDateTimeWithTimeZone
        | ArrayType::TimeDateTime
        | ArrayType::TimeDateTimeWithTimeZone => "TIMESTAMP",
        ArrayType::ChronoTime | ArrayType::TimeTime | ArrayType::Uuid => "STRING",
        ArrayType::Decimal | ArrayType::BigDecimal => "NUMERIC",
        _ => return None,
    })
}

fn write_float(buf: &mut impl Write, v: f64, float32: bool) -> fmt::Result {
    let ty = if float32 { "FLOAT32" } else { "FLOAT64" };
    if v.is_nan() {
        write!(buf, "CAST('nan' AS {ty})")
    } else if v.is_infinite() {
        let sign = if v < 0.0 { "-" } else { "" };
        write!(buf, "CAST('{sign}inf' AS {ty})")
    } else if float32 {
        write!(buf, "CAST({v:?} AS FLOAT32)")
    } else {
        // `{:?}` always keeps a decimal point or exponent, so this stays a FLOAT64 literal.
        write!(buf, "{v:?}")
    }
}

fn write_offset(buf: &mut impl Write, offset_seconds: i32) -> fmt::Result {
    let sign = if offset_seconds < 0 { '-' } else { '+' };
    let abs = offset_seconds.unsigned_abs();
    write!(buf, "{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60)
}

/// Translates a LIKE pattern using `escape` as escape character into one using GoogleSQL's
/// backslash escape.
pub(super) fn translate_like_pattern(pattern: &str, escape: char) -> String {
    if escape == '\\' {
        return pattern.to_owned();
    }
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == escape {
            match chars.next() {
                Some(n @ ('%' | '_')) => {
                    out.push('\\');
                    out.push(n);
                }
                Some('\\') => out.push_str("\\\\"),
                Some(n) => out.push(n),
                None => out.push_str("\\\\"),
            }
        } else if c == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    out
}

/// For `pattern ESCAPE 'c'` (sea-query's `LikeExpr` with an escape), returns the pattern
/// rewritten for GoogleSQL.
fn like_with_escape(right: &Expr) -> Option<Expr> {
    let Expr::Binary(pattern, BinOper::Escape, escape) = right else {
        return None;
    };
    let escape = match escape.as_ref() {
        Expr::Constant(Value::Char(Some(c))) | Expr::Value(Value::Char(Some(c))) => *c,
        _ => return None,
    };
    match pattern.as_ref() {
        Expr::Value(Value::String(Some(p))) => Some(Expr::Value(Value::String(Some(
            translate_like_pattern(p, escape),
        )))),
        Expr::Constant(Value::String(Some(p))) => Some(Expr::Constant(Value::String(Some(
            translate_like_pattern(p, escape),
        )))),
        _ => None,
    }
}

/// How an INSERT's `ON CONFLICT` is rendered (decided by [`googlesql::upsert`]).
#[derive(Debug, Clone, PartialEq, Eq)]
enum UpsertMode {
    None,
    Upsert(Upsert),
    Unsupported(String),
}

impl SpannerQueryBuilder {
    fn upsert_mode(&self, insert: &InsertStatement) -> UpsertMode {
        let (_, log) = Spy::run(|spy, s| {
            QueryBuilder::prepare_insert_statement_common(spy, insert, s);
        });
        let Some(target) = log.on_conflict_target else {
            return UpsertMode::None;
        };
        let mut conflict = Conflict {
            condition: log.on_conflict_conditions > 0,
            ..Conflict::default()
        };
        match &target {
            OnConflictTarget::Identifiers(ids) => {
                for id in ids {
                    match id {
                        OnConflictIdentifier::Column(c) => conflict.target.push(c.to_string()),
                        _ => conflict.expression_target = true,
                    }
                }
            }
            OnConflictTarget::Constraint(_) => conflict.on_constraint = true,
        }
        match log.on_conflict_action {
            Some(OnConflictAction::DoNothing(_)) => conflict.do_nothing = true,
            Some(OnConflictAction::Update(updates)) => {
                for update in &updates {
                    match update {
                        OnConflictUpdate::Column(c) => conflict.from_excluded.push(c.to_string()),
                        OnConflictUpdate::Expr(c, _) => {
                            conflict.computed.get_or_insert_with(|| c.to_string());
                        }
                    }
                }
            }
            _ => conflict.do_nothing = true,
        }
        let inserted: Vec<String> = log.columns.iter().map(|c| c.to_string()).collect();
        match googlesql::upsert(&inserted, &conflict) {
            Ok(upsert) => UpsertMode::Upsert(upsert),
            Err(rule) => UpsertMode::Unsupported(rule.to_string()),
        }
    }

    fn write_order_suffix(&self, order_expr: &OrderExpr, sql: &mut impl SqlWriter) {
        let OrderParts {
            by_values,
            desc,
            nulls_first,
            nulls_last,
        } = order_parts(order_expr);
        if by_values {
            let (_, log) = Spy::run(|spy, s| QueryBuilder::prepare_order(spy, order_expr, s));
            if let Some(values) = log.field_order {
                self.prepare_field_order(order_expr, &values, sql);
            }
            return;
        }
        let direction = if desc { " DESC" } else { " ASC" };
        // Spanner sorts NULL as the smallest value: ASC puts NULLs first, DESC last.
        let emulate = (nulls_last && !desc) || (nulls_first && desc);
        if emulate {
            let (_, log) = Spy::run(|spy, s| QueryBuilder::prepare_order_expr(spy, order_expr, s));
            if let Some(expr) = log.exprs.first() {
                let _ = sql.write_str(if desc {
                    " IS NULL DESC, "
                } else {
                    " IS NULL, "
                });
                self.prepare_expr(expr, sql);
            }
        }
        let _ = sql.write_str(direction);
    }

    fn write_custom_with_values(&self, template: &str, values: &[Expr], sql: &mut impl SqlWriter) {
        // `?` takes the next value, `$N` / `@pN`-free `$N` the N-th value, `??` is a literal `?`.
        let chars: Vec<char> = template.chars().collect();
        let mut next = 0usize;
        let mut i = 0usize;
        let mut quote: Option<char> = None;
        while let Some(&c) = chars.get(i) {
            if let Some(q) = quote {
                let _ = sql.write_char(c);
                if c == '\\' {
                    if let Some(&n) = chars.get(i + 1) {
                        let _ = sql.write_char(n);
                        i += 1;
                    }
                } else if c == q {
                    quote = None;
                }
                i += 1;
                continue;
            }
            match c {
                '\'' | '"' | '`' => {
                    quote = Some(c);
                    let _ = sql.write_char(c);
                }
                '?' if chars.get(i + 1) == Some(&'?') => {
                    let _ = sql.write_char('?');
                    i += 1;
                }
                '?' => {
                    match values.get(next) {
                        Some(v) => self.prepare_expr(v, sql),
                        None => unsupported(sql, "missing value for `?`"),
                    }
                    next += 1;
                }
                '$' if chars.get(i + 1).is_some_and(char::is_ascii_digit) => {
                    let mut j = i + 1;
                    let mut n = 0usize;
                    while let Some(d) = chars.get(j).and_then(|c| c.to_digit(10)) {
                        n = n.saturating_mul(10).saturating_add(d as usize);
                        j += 1;
                    }
                    match n.checked_sub(1).and_then(|k| values.get(k)) {
                        Some(v) => self.prepare_expr(v, sql),
                        None => unsupported(sql, "missing value for `$N`"),
                    }
                    i = j;
                    continue;
                }
                c => {
                    let _ = sql.write_char(c);
                }
            }
            i += 1;
        }
    }
}

impl QueryBuilder for SpannerQueryBuilder {
    fn placeholder(&self) -> (&'static str, bool) {
        ("@p", true)
    }

    fn prepare_insert_statement(&self, insert: &InsertStatement, sql: &mut impl SqlWriter) {
        let mode = self.upsert_mode(insert);
        let mut capture = Capture::default();
        self.prepare_insert_statement_common(insert, &mut capture);

        let mut out: Vec<Segment> = Vec::with_capacity(capture.segments.len());
        let mut keyword_done = false;
        let mut skipping = false;
        for segment in capture.segments {
            if let Segment::Text(t) = &segment {
                if !keyword_done && t == "INSERT" {
                    keyword_done = true;
                    let kw = match &mode {
                        UpsertMode::Upsert(upsert) => upsert.keyword(),
                        _ => "INSERT",
                    };
                    out.push(Segment::Text(kw.to_owned()));
                    continue;
                }
                if t == ON_CONFLICT_MARK {
                    if let UpsertMode::Unsupported(rule) = &mode {
                        let mut marker = String::from(" ");
                        unsupported(&mut marker, rule);
                        out.push(Segment::Text(marker));
                    }
                    skipping = true;
                    continue;
                }
                if skipping && t == THEN_RETURN {
                    skipping = false;
                }
            }
            if !skipping {
                out.push(segment);
            }
        }
        replay(out, self, sql);
    }

    fn prepare_select_statement(&self, select: &SelectStatement, sql: &mut impl SqlWriter) {
        self.prepare_select_grouped(select, sql);
    }

    fn prepare_insert(&self, replace: bool, sql: &mut impl SqlWriter) {
        // MySQL's REPLACE is closest to Spanner's INSERT OR UPDATE (columns not listed keep
        // their old value instead of being reset).
        let _ = sql.write_str(if replace {
            "INSERT OR UPDATE"
        } else {
            "INSERT"
        });
    }

    fn prepare_union_statement(
        &self,
        union_type: UnionType,
        select_statement: &SelectStatement,
        sql: &mut impl SqlWriter,
    ) {
        let _ = sql.write_str(match union_type {
            UnionType::Intersect => " INTERSECT DISTINCT (",
            UnionType::Distinct => " UNION DISTINCT (",
            UnionType::Except => " EXCEPT DISTINCT (",
            UnionType::All => " UNION ALL (",
            _ => " UNION DISTINCT (",
        });
        self.prepare_select_statement(select_statement, sql);
        let _ = sql.write_str(")");
    }

    fn prepare_select_limit_offset(&self, select: &SelectStatement, sql: &mut impl SqlWriter) {
        let (text, log) = Spy::run(|spy, s| {
            QueryBuilder::prepare_select_limit_offset(spy, select, s);
        });
        let mut values = log.values.into_iter();
        let limit = text
            .contains(&format!(" LIMIT {PARAM_MARK}"))
            .then(|| values.next())
            .flatten();
        let offset = text
            .contains(&format!(" OFFSET {PARAM_MARK}"))
            .then(|| values.next())
            .flatten();
        match (limit, &offset) {
            (Some(limit), _) => {
                let _ = sql.write_str(" LIMIT ");
                self.prepare_value(limit, sql);
            }
            // GoogleSQL has no OFFSET without LIMIT.
            (None, Some(_)) => {
                let _ = write!(sql, " LIMIT {}", googlesql::UNBOUNDED_LIMIT);
            }
            (None, None) => {}
        }
        if let Some(offset) = offset {
            let _ = sql.write_str(" OFFSET ");
            self.prepare_value(offset, sql);
        }
    }

    fn prepare_update_condition(
        &self,
        _from: &[TableRef],
        condition: &ConditionHolder,
        sql: &mut impl SqlWriter,
    ) {
        if matches!(condition.contents, ConditionHolderContents::Empty) {
            let _ = sql.write_str(" WHERE TRUE");
        } else {
            self.prepare_condition(condition, "WHERE", sql);
        }
    }

    fn prepare_update_order_by(&self, update: &UpdateStatement, sql: &mut impl SqlWriter) {
        let (text, _) = Spy::run(|spy, s| QueryBuilder::prepare_update_order_by(spy, update, s));
        if !text.is_empty() {
            unsupported(sql, "ORDER BY in UPDATE");
        }
    }

    fn prepare_update_limit(&self, update: &UpdateStatement, sql: &mut impl SqlWriter) {
        let (text, _) = Spy::run(|spy, s| QueryBuilder::prepare_update_limit(spy, update, s));
        if !text.is_empty() {
            unsupported(sql, "LIMIT in UPDATE");
        }
    }

    fn prepare_delete_order_by(&self, delete: &DeleteStatement, sql: &mut impl SqlWriter) {
        // Called right after the WHERE clause: GoogleSQL requires one.
        let (text, log) = Spy::run(|spy, s| QueryBuilder::prepare_delete_statement(spy, delete, s));
        if log.where_empty.unwrap_or(true) {
            let _ = sql.write_str(" WHERE TRUE");
        }
        if text.contains(" ORDER BY ") {
            unsupported(sql, "ORDER BY in DELETE");
        }
        if text.contains(" LIMIT ") {
            unsupported(sql, "LIMIT in DELETE");
        }
    }

    fn prepare_delete_limit(&self, _delete: &DeleteStatement, _sql: &mut impl SqlWriter) {
        // Reported by `prepare_delete_order_by`.
    }

    fn prepare_returning(&self, returning: &Option<ReturningClause>, sql: &mut impl SqlWriter) {
        let Some(returning) = returning else {
            return;
        };
        let _ = sql.write_str(THEN_RETURN);
        match returning {
            ReturningClause::All => {
                let _ = sql.write_str("*");
            }
            ReturningClause::Columns(cols) => {
                for (i, col) in cols.iter().enumerate() {
                    if i > 0 {
                        let _ = sql.write_str(", ");
                    }
                    self.prepare_column_ref(col, sql);
                }
            }
            ReturningClause::Exprs(exprs) => {
                for (i, expr) in exprs.iter().enumerate() {
                    if i > 0 {
                        let _ = sql.write_str(", ");
                    }
                    self.prepare_expr(expr, sql);
                }
            }
        }
    }

    fn prepare_on_conflict_keywords(&self, sql: &mut impl SqlWriter) {
        let _ = sql.write_str(ON_CONFLICT_MARK);
    }

    fn prepare_on_conflict_target_constraint(&self, constraint: &str, sql: &mut impl SqlWriter) {
        unsupported(sql, &format!("ON CONFLICT ON CONSTRAINT {constraint}"));
    }

    fn prepare_on_conflict_excluded_table(&self, col: &DynIden, sql: &mut impl SqlWriter) {
        let _ = sql.write_str("excluded.");
        self.prepare_iden(col, sql);
    }

    fn prepare_expr(&self, simple_expr: &Expr, sql: &mut impl SqlWriter) {
        match simple_expr {
            Expr::CustomWithExpr(template, values) => {
                self.write_custom_with_values(template, values, sql)
            }
            _ => self.prepare_expr_common(simple_expr, sql),
        }
    }

    fn binary_expr(&self, left: &Expr, op: &BinOper, right: &Expr, sql: &mut impl SqlWriter) {
        match op {
            // `CAST(x AS type)` (sea-query's `cast_as`): the rule book names the type.
            BinOper::As => {
                let Expr::Custom(name) = right else {
                    return self.binary_expr_default(left, op, right, sql);
                };
                let name = name.trim();
                let is_array = name
                    .get(..6)
                    .is_some_and(|p| p.eq_ignore_ascii_case("ARRAY<"));
                self.prepare_expr(left, sql);
                let _ = sql.write_str(" AS ");
                match googlesql::cast_type(name) {
                    Ok(ty) => {
                        let _ = sql.write_str(ty);
                    }
                    Err(_) if is_array => {
                        let _ = sql.write_str(name);
                    }
                    Err(rule) => unsupported(sql, &rule.to_string()),
                }
            }
            BinOper::Mod => {
                let _ = sql.write_str("MOD(");
                self.prepare_expr(left, sql);
                let _ = sql.write_str(", ");
                self.prepare_expr(right, sql);
                let _ = sql.write_str(")");
            }
            BinOper::Like | BinOper::NotLike if like_with_escape(right).is_some() => {
                if let Some(pattern) = like_with_escape(right) {
                    self.binary_expr(left, op, &pattern, sql);
                }
            }
            BinOper::PgOperator(pg @ (PgBinOper::ILike | PgBinOper::NotILike)) => {
                let pattern = like_with_escape(right).unwrap_or_else(|| right.clone());
                let _ = sql.write_str("LOWER(");
                self.prepare_expr(left, sql);
                let _ = sql.write_str(if *pg == PgBinOper::ILike {
                    ") LIKE LOWER("
                } else {
                    ") NOT LIKE LOWER("
                });
                self.prepare_expr(&pattern, sql);
                let _ = sql.write_str(")");
            }
            BinOper::PgOperator(pg @ (PgBinOper::Regex | PgBinOper::RegexCaseInsensitive)) => {
                let _ = sql.write_str("REGEXP_CONTAINS(");
                self.prepare_expr(left, sql);
                let _ = sql.write_str(", ");
                if *pg == PgBinOper::RegexCaseInsensitive {
                    let _ = sql.write_str("CONCAT('(?i)', ");
                    self.prepare_expr(right, sql);
                    let _ = sql.write_str(")");
                } else {
                    self.prepare_expr(right, sql);
                }
                let _ = sql.write_str(")");
            }
            _ => self.binary_expr_default(left, op, right, sql),
        }
    }

    fn prepare_bin_oper(&self, bin_oper: &BinOper, sql: &mut impl SqlWriter) {
        #[allow(unreachable_patterns)]
        match bin_oper {
            BinOper::PgOperator(PgBinOper::Concatenate) => {
                let _ = sql.write_str("||");
            }
            BinOper::PgOperator(other) => unsupported(sql, &format!("operator {other:?}")),
            BinOper::And
            | BinOper::Or
            | BinOper::Like
            | BinOper::NotLike
            | BinOper::Is
            | BinOper::IsNot
            | BinOper::In
            | BinOper::NotIn
            | BinOper::Between
            | BinOper::NotBetween
            | BinOper::Equal
            | BinOper::NotEqual
            | BinOper::SmallerThan
            | BinOper::GreaterThan
            | BinOper::SmallerThanOrEqual
            | BinOper::GreaterThanOrEqual
            | BinOper::Add
            | BinOper::Sub
            | BinOper::Mul
            | BinOper::Div
            | BinOper::Mod
            | BinOper::BitAnd
            | BinOper::BitOr
            | BinOper::LShift
            | BinOper::RShift
            | BinOper::As
            | BinOper::Escape
            | BinOper::Custom(_) => self.prepare_bin_oper_common(bin_oper, sql),
            other => unsupported(sql, &format!("operator {other:?}")),
        }
    }

    fn prepare_function_name(&self, function: &Func, sql: &mut impl SqlWriter) {
        #[allow(unreachable_patterns)]
        match function {
            Func::PgFunction(pg) => match pg {
                PgFunc::StartsWith => {
                    let _ = sql.write_str("STARTS_WITH");
                }
                PgFunc::GenRandomUUID => {
                    let _ = sql.write_str("GENERATE_UUID");
                }
                PgFunc::ArrayAgg => {
                    let _ = sql.write_str("ARRAY_AGG");
                }
                PgFunc::Any => {
                    let _ = sql.write_str("ANY");
                }
                PgFunc::Some => {
                    let _ = sql.write_str("SOME");
                }
                PgFunc::All => {
                    let _ = sql.write_str("ALL");
                }
                other => unsupported(sql, &format!("function {other:?}")),
            },
            _ => self.prepare_function_name_common(function, sql),
        }
    }

    fn prepare_keyword(&self, keyword: &Keyword, sql: &mut impl SqlWriter) {
        match keyword {
            Keyword::CurrentDate => {
                let _ = sql.write_str("CURRENT_DATE()");
            }
            Keyword::CurrentTimestamp => {
                let _ = sql.write_str("CURRENT_TIMESTAMP()");
            }
            Keyword::CurrentTime => unsupported(sql, "CURRENT_TIME (Spanner has no TIME type)"),
            Keyword::Null => {
                let _ = sql.write_str("NULL");
            }
            Keyword::Default => {
                let _ = sql.write_str("DEFAULT");
            }
            Keyword::Custom(iden) => {
                let _ = sql.write_str(&iden.inner());
            }
            #[allow(unreachable_patterns)]
            other => unsupported(sql, &format!("keyword {other:?}")),
        }
    }

    fn prepare_select_distinct(&self, select_distinct: &SelectDistinct, sql: &mut impl SqlWriter) {
        match select_distinct {
            SelectDistinct::All => {
                let _ = sql.write_str("ALL");
            }
            SelectDistinct::Distinct => {
                let _ = sql.write_str("DISTINCT");
            }
            _ => unsupported(sql, "DISTINCT ON"),
        }
    }

    fn prepare_select_lock(&self, lock: &LockClause, sql: &mut impl SqlWriter) {
        // The default walk writes ` OF ..`, ` NOWAIT`, ` SKIP LOCKED` (fields are private).
        let (text, log) = Spy::run(|spy, s| QueryBuilder::prepare_select_lock(spy, lock, s));
        let strength = match log.lock_type {
            Some(LockType::NoKeyUpdate) => LockStrength::NoKeyUpdate,
            Some(LockType::Share) => LockStrength::Share,
            Some(LockType::KeyShare) => LockStrength::KeyShare,
            _ => LockStrength::Update,
        };
        let wait = if text.contains(" NOWAIT") {
            LockWait::Nowait
        } else if text.contains(" SKIP LOCKED") {
            LockWait::SkipLocked
        } else {
            LockWait::Block
        };
        match googlesql::lock_clause(strength, text.contains(" OF "), wait) {
            Ok(clause) => {
                let _ = sql.write_str(clause);
            }
            Err(rule) => unsupported(sql, &rule.to_string()),
        }
    }

    fn prepare_join_type(&self, join_type: &JoinType, sql: &mut impl SqlWriter) {
        match join_type {
            JoinType::StraightJoin => {
                let _ = sql.write_str("INNER JOIN");
            }
            other => self.prepare_join_type_common(other, sql),
        }
    }

    fn prepare_join_on(&self, join_on: &JoinOn, sql: &mut impl SqlWriter) {
        match join_on {
            JoinOn::Condition(c) => self.prepare_condition(c, "ON", sql),
            JoinOn::Columns(cols) => {
                let _ = sql.write_str(" USING (");
                for (i, col) in cols.iter().enumerate() {
                    if i > 0 {
                        let _ = sql.write_str(", ");
                    }
                    self.prepare_expr(col, sql);
                }
                let _ = sql.write_str(")");
            }
            #[allow(unreachable_patterns)]
            _ => unsupported(sql, "join condition"),
        }
    }

    fn prepare_values_list(
        &self,
        value_tuples: &[sea_query::ValueTuple],
        sql: &mut impl SqlWriter,
    ) {
        // GoogleSQL has no VALUES table constructor: use `SELECT .. UNION ALL SELECT ..`.
        for (i, tuple) in value_tuples.iter().enumerate() {
            let _ = sql.write_str(if i == 0 {
                "SELECT "
            } else {
                " UNION ALL SELECT "
            });
            for (j, value) in tuple.clone().into_iter().enumerate() {
                if j > 0 {
                    let _ = sql.write_str(", ");
                }
                self.prepare_value(value, sql);
            }
        }
    }

    fn prepare_values_rows(&self, values: &[Values], sql: &mut impl SqlWriter) {
        for (i, row) in values.iter().enumerate() {
            let _ = sql.write_str(if i == 0 {
                "SELECT "
            } else {
                " UNION ALL SELECT "
            });
            for (j, value) in row.clone().into_iter().enumerate() {
                if j > 0 {
                    let _ = sql.write_str(", ");
                }
                self.prepare_value(value, sql);
            }
        }
    }

    fn prepare_order(&self, order_expr: &OrderExpr, sql: &mut impl SqlWriter) {
        self.write_order_suffix(order_expr, sql);
    }

    fn prepare_frame(&self, frame: &Frame, sql: &mut impl SqlWriter) {
        let _ = match frame {
            Frame::UnboundedPreceding => sql.write_str("UNBOUNDED PRECEDING"),
            Frame::Preceding(v) => write!(sql, "{v} PRECEDING"),
            Frame::CurrentRow => sql.write_str("CURRENT ROW"),
            Frame::Following(v) => write!(sql, "{v} FOLLOWING"),
            Frame::UnboundedFollowing => sql.write_str("UNBOUNDED FOLLOWING"),
        };
    }

    fn prepare_with_clause(&self, with_clause: &WithClause, sql: &mut impl SqlWriter) {
        if with_clause_is_empty(with_clause) {
            unsupported(sql, "WITH clause without common table expressions");
            return;
        }
        self.prepare_with_clause_start(with_clause, sql);
        self.prepare_with_clause_common_tables(with_clause, sql);
        // SEARCH / CYCLE have no GoogleSQL equivalent and are not rendered.
    }

    fn prepare_with_query_clause_materialization(
        &self,
        _cte: &sea_query::CommonTableExpression,
        _sql: &mut impl SqlWriter,
    ) {
    }

    fn prepare_query_statement(&self, query: &SubQueryStatement, sql: &mut impl SqlWriter) {
        match query {
            SubQueryStatement::SelectStatement(s) => self.prepare_select_statement(s, sql),
            SubQueryStatement::InsertStatement(s) => self.prepare_insert_statement(s, sql),
            SubQueryStatement::UpdateStatement(s) => self.prepare_update_statement(s, sql),
            SubQueryStatement::DeleteStatement(s) => self.prepare_delete_statement(s, sql),
            SubQueryStatement::WithStatement(s) => self.prepare_with_query(s, sql),
            #[allow(unreachable_patterns)]
            _ => unsupported(sql, "sub-query statement"),
        }
    }

    fn prepare_select_into(&self, _into_table: &SelectInto, sql: &mut impl SqlWriter) {
        unsupported(sql, "SELECT INTO");
    }

    fn prepare_explain_statement(&self, _explain: &ExplainStatement, sql: &mut impl SqlWriter) {
        unsupported(sql, "EXPLAIN (use the PLAN query mode of the Spanner API)");
    }

    fn prepare_value(&self, value: Value, sql: &mut impl SqlWriter) {
        match value {
            Value::Enum(OptionEnum::Some(e)) => {
                sql.push_param(Value::String(Some(e.value.into_owned())), self)
            }
            Value::Enum(OptionEnum::None(_)) => sql.push_param(Value::String(None), self),
            value => sql.push_param(value, self),
        }
    }

    fn write_bytes(&self, bytes: &[u8], buffer: &mut impl Write) {
        let _ = buffer.write_str("b'");
        for b in bytes {
            let _ = match b {
                b'\'' => buffer.write_str("\\'"),
                b'\\' => buffer.write_str("\\\\"),
                0x20..=0x7e => buffer.write_char(char::from(*b)),
                _ => write!(buffer, "\\x{b:02x}"),
            };
        }
        let _ = buffer.write_str("'");
    }

    fn random_function(&self) -> &str {
        "RAND"
    }

    fn write_value(&self, buf: &mut impl Write, value: &Value) -> fmt::Result {
        #[allow(unreachable_patterns)]
        match value {
            Value::Float(Some(v)) => write_float(buf, f64::from(*v), true),
            Value::Double(Some(v)) => write_float(buf, *v, false),
            Value::Char(Some(c)) => {
                self.write_string_quoted(&c.to_string(), buf);
                Ok(())
            }
            Value::Bytes(Some(bytes)) => {
                self.write_bytes(bytes, buf);
                Ok(())
            }
            Value::Enum(OptionEnum::Some(e)) => {
                self.write_string_quoted(&e.value, buf);
                Ok(())
            }
            Value::Json(Some(json)) => {
                buf.write_str("JSON ")?;
                self.write_string_quoted(&json.to_string(), buf);
                Ok(())
            }
            Value::ChronoDate(Some(d)) => write!(buf, "DATE '{}'", d.format("%Y-%m-%d")),
            Value::ChronoTime(Some(t)) => {
                self.write_string_quoted(&t.format("%H:%M:%S%.6f").to_string(), buf);
                Ok(())
            }
            Value::ChronoDateTime(Some(dt)) => write!(
                buf,
                "TIMESTAMP '{}+00:00'",
                dt.format("%Y-%m-%d %H:%M:%S%.6f")
            ),
            Value::ChronoDateTimeUtc(Some(dt)) => {
                write!(buf, "TIMESTAMP '{}'", dt.format("%Y-%m-%d %H:%M:%S%.6f%:z"))
            }
            Value::ChronoDateTimeLocal(Some(dt)) => {
                write!(buf, "TIMESTAMP '{}'", dt.format("%Y-%m-%d %H:%M:%S%.6f%:z"))
            }
            Value::ChronoDateTimeWithTimeZone(Some(dt)) => {
                write!(buf, "TIMESTAMP '{}'", dt.format("%Y-%m-%d %H:%M:%S%.6f%:z"))
            }
            Value::TimeDate(Some(d)) => write!(
                buf,
                "DATE '{:04}-{:02}-{:02}'",
                d.year(),
                d.month() as u8,
                d.day()
            ),
            Value::TimeTime(Some(t)) => write!(
                buf,
                "'{:02}:{:02}:{:02}.{:06}'",
                t.hour(),
                t.minute(),
                t.second(),
                t.microsecond()
            ),
            Value::TimeDateTime(Some(dt)) => write!(
                buf,
                "TIMESTAMP '{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}+00:00'",
                dt.year(),
                dt.month() as u8,
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second(),
                dt.microsecond()
            ),
            Value::TimeDateTimeWithTimeZone(Some(dt)) => {
                write!(
                    buf,
                    "TIMESTAMP '{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
                    dt.year(),
                    dt.month() as u8,
                    dt.day(),
                    dt.hour(),
                    dt.minute(),
                    dt.second(),
                    dt.microsecond()
                )?;
                write_offset(buf, dt.offset().whole_seconds())?;
                buf.write_str("'")
            }
            Value::Decimal(Some(d)) => write!(buf, "NUMERIC '{d}'"),
            Value::BigDecimal(Some(d)) => write!(buf, "NUMERIC '{d}'"),
            Value::Uuid(Some(u)) => write!(buf, "'{u}'"),
            Value::Array(ty, Some(items)) => {
                if let Some(elem) = array_element_type(ty) {
                    write!(buf, "ARRAY<{elem}>")?;
                }
                buf.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        buf.write_str(", ")?;
                    }
                    self.write_value(buf, item)?;
                }
                buf.write_str("]")
            }
            Value::Array(_, None) => buf.write_str("NULL"),
            _ => self.write_value_common(buf, value),
        }
    }
}

impl SpannerQueryBuilder {
    /// sea-query's binary-expression layout (parenthesisation by precedence), reproduced
    /// because the trait's default is overridden above.
    fn binary_expr_default(
        &self,
        left: &Expr,
        op: &BinOper,
        right: &Expr,
        sql: &mut impl SqlWriter,
    ) {
        let oper = Oper::BinOper(*op);
        let left_is_same_assoc = matches!(left, Expr::Binary(_, l_op, _) if l_op == op)
            && self.well_known_left_associative(op);
        let left_paren =
            !self.inner_expr_well_known_greater_precedence(left, &oper) && !left_is_same_assoc;
        if left_paren {
            let _ = sql.write_str("(");
        }
        self.prepare_expr(left, sql);
        if left_paren {
            let _ = sql.write_str(")");
        }
        let _ = sql.write_str(" ");
        self.prepare_bin_oper(op, sql);
        let _ = sql.write_str(" ");
        let between_hack = matches!(op, BinOper::Between | BinOper::NotBetween)
            && matches!(right, Expr::Binary(_, BinOper::And, _));
        let escape_hack = matches!(op, BinOper::Like | BinOper::NotLike)
            && matches!(right, Expr::Binary(_, BinOper::Escape, _));
        let as_hack = *op == BinOper::As && matches!(right, Expr::Custom(_));
        let right_paren = !self.inner_expr_well_known_greater_precedence(right, &oper)
            && !between_hack
            && !escape_hack
            && !as_hack;
        if right_paren {
            let _ = sql.write_str("(");
        }
        self.prepare_expr(right, sql);
        if right_paren {
            let _ = sql.write_str(")");
        }
    }
}

/// Marks where the first operand of a set operation starts (after any WITH clause).
const SELECT_START_MARK: &str = "\u{0}SELECT START\u{0}";
/// Marks the start of each set operation.
const SET_OP_MARK: &str = "\u{0}SET OP\u{0}";

/// Runs sea-query's default SELECT walker with every hook delegated to
/// [`SpannerQueryBuilder`], marking where set operations start so that mixed set operations
/// can be parenthesised afterwards (GoogleSQL requires `(a UNION DISTINCT b) UNION ALL c`).
struct SelectWalker<'a> {
    inner: &'a SpannerQueryBuilder,
    set_ops: std::cell::RefCell<Vec<UnionType>>,
}

impl QuotedBuilder for SelectWalker<'_> {
    fn quote(&self) -> sea_query::Quote {
        self.inner.quote()
    }

    fn prepare_iden(&self, iden: &DynIden, sql: &mut impl SqlWriter) {
        self.inner.prepare_iden(iden, sql);
    }
}

impl sea_query::EscapeBuilder for SelectWalker<'_> {
    fn needs_escape(&self, s: &str) -> bool {
        self.inner.needs_escape(s)
    }

    fn write_escaped(&self, buffer: &mut impl Write, string: &str) {
        self.inner.write_escaped(buffer, string);
    }

    fn unescape_string(&self, string: &str) -> String {
        self.inner.unescape_string(string)
    }
}

impl sea_query::TableRefBuilder for SelectWalker<'_> {
    fn prepare_table_ref_iden(&self, table_ref: &TableRef, sql: &mut impl SqlWriter) {
        self.inner.prepare_table_ref_iden(table_ref, sql);
    }
}

impl OperLeftAssocDecider for SelectWalker<'_> {
    fn well_known_left_associative(&self, op: &BinOper) -> bool {
        self.inner.well_known_left_associative(op)
    }
}

impl PrecedenceDecider for SelectWalker<'_> {
    fn inner_expr_well_known_greater_precedence(&self, inner: &Expr, outer: &Oper) -> bool {
        self.inner
            .inner_expr_well_known_greater_precedence(inner, outer)
    }
}

impl QueryBuilder for SelectWalker<'_> {
    fn placeholder(&self) -> (&'static str, bool) {
        self.inner.placeholder()
    }

    fn prepare_with_clause(&self, with_clause: &WithClause, sql: &mut impl SqlWriter) {
        self.inner.prepare_with_clause(with_clause, sql);
        let _ = sql.write_str(SELECT_START_MARK);
    }

    fn prepare_select_distinct(&self, d: &SelectDistinct, sql: &mut impl SqlWriter) {
        self.inner.prepare_select_distinct(d, sql);
    }

    fn prepare_select_expr(&self, e: &sea_query::SelectExpr, sql: &mut impl SqlWriter) {
        self.inner.prepare_select_expr(e, sql);
    }

    fn prepare_select_into(&self, into: &SelectInto, sql: &mut impl SqlWriter) {
        self.inner.prepare_select_into(into, sql);
    }

    fn prepare_table_ref(&self, table_ref: &TableRef, sql: &mut impl SqlWriter) {
        self.inner.prepare_table_ref(table_ref, sql);
    }

    fn prepare_index_hints(&self, t: &TableRef, s: &SelectStatement, sql: &mut impl SqlWriter) {
        self.inner.prepare_index_hints(t, s, sql);
    }

    fn prepare_table_sample(&self, select: &SelectStatement, sql: &mut impl SqlWriter) {
        self.inner.prepare_table_sample(select, sql);
    }

    fn prepare_join_expr(&self, join: &sea_query::JoinExpr, sql: &mut impl SqlWriter) {
        self.inner.prepare_join_expr(join, sql);
    }

    fn prepare_condition(&self, c: &ConditionHolder, keyword: &str, sql: &mut impl SqlWriter) {
        self.inner.prepare_condition(c, keyword, sql);
    }

    fn prepare_expr(&self, expr: &Expr, sql: &mut impl SqlWriter) {
        self.inner.prepare_expr(expr, sql);
    }

    fn prepare_union_statement(
        &self,
        union_type: UnionType,
        select: &SelectStatement,
        sql: &mut impl SqlWriter,
    ) {
        self.set_ops.borrow_mut().push(union_type);
        let _ = sql.write_str(SET_OP_MARK);
        self.inner.prepare_union_statement(union_type, select, sql);
    }

    fn prepare_order_expr(&self, order_expr: &OrderExpr, sql: &mut impl SqlWriter) {
        self.inner.prepare_order_expr(order_expr, sql);
    }

    fn prepare_select_limit_offset(&self, select: &SelectStatement, sql: &mut impl SqlWriter) {
        self.inner.prepare_select_limit_offset(select, sql);
    }

    fn prepare_select_lock(&self, lock: &LockClause, sql: &mut impl SqlWriter) {
        self.inner.prepare_select_lock(lock, sql);
    }

    fn prepare_window_statement(&self, w: &sea_query::WindowStatement, sql: &mut impl SqlWriter) {
        self.inner.prepare_window_statement(w, sql);
    }

    fn prepare_query_statement(&self, query: &SubQueryStatement, sql: &mut impl SqlWriter) {
        self.inner.prepare_query_statement(query, sql);
    }

    fn prepare_explain_statement(&self, e: &ExplainStatement, sql: &mut impl SqlWriter) {
        self.inner.prepare_explain_statement(e, sql);
    }

    fn prepare_value(&self, value: Value, sql: &mut impl SqlWriter) {
        self.inner.prepare_value(value, sql);
    }
}

impl SpannerQueryBuilder {
    /// The SELECT rendering: sea-query's walker, then parentheses around the left operand
    /// wherever the set operation changes.
    fn prepare_select_grouped(&self, select: &SelectStatement, sql: &mut impl SqlWriter) {
        let walker = SelectWalker {
            inner: self,
            set_ops: Default::default(),
        };
        let mut capture = Capture::default();
        QueryBuilder::prepare_select_statement(&walker, select, &mut capture);
        let ops = walker.set_ops.into_inner();
        // Operation i needs its left side grouped when it differs from operation i-1.
        let mut group_before = Vec::with_capacity(ops.len());
        for (i, op) in ops.iter().enumerate() {
            group_before.push(i > 0 && ops.get(i - 1) != Some(op));
        }
        let opens = group_before.iter().filter(|g| **g).count();
        let mut out: Vec<Segment> = Vec::with_capacity(capture.segments.len() + 2 * opens);
        let mut start_seen = false;
        let mut op_index = 0usize;
        let open_parens = |out: &mut Vec<Segment>| {
            for _ in 0..opens {
                out.push(Segment::Text("(".to_owned()));
            }
        };
        for segment in capture.segments {
            match &segment {
                Segment::Text(t) if t == SELECT_START_MARK => {
                    if !start_seen {
                        start_seen = true;
                        open_parens(&mut out);
                    }
                    continue;
                }
                Segment::Text(t) if t == SET_OP_MARK => {
                    if group_before.get(op_index) == Some(&true) {
                        out.push(Segment::Text(")".to_owned()));
                    }
                    op_index += 1;
                    continue;
                }
                _ => {}
            }
            if !start_seen {
                // No WITH clause: the operand starts with the first segment.
                start_seen = true;
                open_parens(&mut out);
            }
            out.push(segment);
        }
        replay(out, self, sql);
    }
}
