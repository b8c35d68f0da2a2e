//! The statement translator: walks the tokens of one PostgreSQL statement and emits GoogleSQL.

use super::keywords::{is_reserved, word_in, BOUNDARY_AFTER, BOUNDARY_BEFORE};
use super::lexer::{Tk, Token};
use super::operand::operand_start;
use super::{syntax, unsupported, TranslateError};
use crate::googlesql::{self, LockStrength, LockWait};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stmt {
    Unknown,
    Query,
    Insert,
    Update,
    Delete,
}

/// State of one parenthesis level.
#[derive(Debug, Default)]
struct Frame {
    /// A `LIMIT` was seen in the current query at this level.
    saw_limit: bool,
    /// This level is the argument list of `CAST(`.
    cast: bool,
    /// The `AS type` part of the `CAST` was translated.
    cast_done: bool,
}

/// Translates one statement's tokens.
pub(super) struct Translator {
    input: Vec<Token>,
    /// Index of the next input token.
    pos: usize,
    /// Length of the input SQL (the offset reported for "unexpected end").
    src_len: usize,
    out: Vec<Token>,
    frames: Vec<Frame>,
    stmt: Stmt,
    /// Output index of the `INSERT` keyword.
    insert_at: Option<usize>,
    /// Columns of the `INSERT` column list.
    insert_columns: Vec<String>,
    conflict: Option<googlesql::Upsert>,
    /// Output index of the top-level `THEN RETURN`.
    returning_at: Option<usize>,
    saw_top_where: bool,
}

impl Translator {
    pub(super) fn new(tokens: Vec<Token>, src_len: usize) -> Self {
        Translator {
            input: tokens,
            pos: 0,
            src_len,
            out: Vec::new(),
            frames: vec![Frame::default()],
            stmt: Stmt::Unknown,
            insert_at: None,
            insert_columns: Vec::new(),
            conflict: None,
            returning_at: None,
            saw_top_where: false,
        }
    }

    // ----- input helpers -------------------------------------------------

    /// Peeks `n` tokens ahead (0 = the next token).
    fn peek(&self, n: usize) -> Option<&Token> {
        self.input.get(self.pos.saturating_add(n))
    }

    fn peek_kw(&self, n: usize, keyword: &str) -> bool {
        self.peek(n).is_some_and(|t| t.is_kw(keyword))
    }

    fn peek_is(&self, n: usize, tk: &Tk) -> bool {
        self.peek(n).is_some_and(|t| &t.tk == tk)
    }

    fn bump(&mut self) -> Option<Token> {
        let tok = self.input.get_mut(self.pos)?;
        // Each token is taken once; leave a cheap placeholder behind.
        let tok = std::mem::replace(tok, Token::new(Tk::Comma, false));
        self.pos += 1;
        Some(tok)
    }

    fn end_offset(&self) -> usize {
        self.src_len
    }

    fn expect_kw(&mut self, keyword: &str) -> Result<Token, TranslateError> {
        match self.bump() {
            Some(t) if t.is_kw(keyword) => Ok(t),
            Some(t) => Err(syntax(t.offset, format!("expected `{keyword}`"))),
            None => Err(syntax(self.end_offset(), format!("expected `{keyword}`"))),
        }
    }

    fn expect(&mut self, tk: &Tk, what: &str) -> Result<Token, TranslateError> {
        match self.bump() {
            Some(t) if &t.tk == tk => Ok(t),
            Some(t) => Err(syntax(t.offset, format!("expected {what}"))),
            None => Err(syntax(self.end_offset(), format!("expected {what}"))),
        }
    }

    fn expect_ident(&mut self, what: &str) -> Result<String, TranslateError> {
        match self.bump() {
            Some(t) => match t.ident_name() {
                Some(name) => Ok(name),
                None => Err(syntax(t.offset, format!("expected {what}"))),
            },
            None => Err(syntax(self.end_offset(), format!("expected {what}"))),
        }
    }

    fn frame(&mut self) -> &mut Frame {
        if self.frames.is_empty() {
            self.frames.push(Frame::default());
        }
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    /// Whether the innermost parenthesis is a `CAST(` still awaiting `AS`.
    fn in_cast(&self) -> bool {
        self.frames.last().is_some_and(|f| f.cast && !f.cast_done)
    }

    fn depth(&self) -> usize {
        self.frames.len().saturating_sub(1)
    }

    // ----- main loop -----------------------------------------------------

    pub(super) fn run(mut self) -> Result<Vec<Token>, TranslateError> {
        while let Some(tok) = self.bump() {
            match &tok.tk {
                Tk::Word(_) => self.word(tok)?,
                Tk::Op(op) => {
                    check_operator(op)?;
                    self.out.push(tok);
                }
                Tk::DoubleColon => self.postfix_cast(&tok)?,
                Tk::LParen => {
                    self.frames.push(Frame::default());
                    self.out.push(tok);
                }
                Tk::RParen => {
                    if self.frames.len() > 1 {
                        self.frames.pop();
                    }
                    self.out.push(tok);
                }
                Tk::LBracket => {
                    if !self.out.last().is_some_and(|t| t.is_kw("ARRAY")) {
                        return Err(unsupported(
                            "array subscript `[...]`",
                            "PostgreSQL subscripts are 1-based while GoogleSQL uses \
                             `[OFFSET(i)]`/`[ORDINAL(i)]`; write the GoogleSQL form explicitly",
                        ));
                    }
                    self.out.push(tok);
                }
                Tk::Semi => {
                    if let Some(next) = self.peek(0) {
                        return Err(unsupported(
                            "multiple statements",
                            format!(
                                "only one statement can be translated at a time (second \
                                 statement at byte {})",
                                next.offset
                            ),
                        ));
                    }
                }
                Tk::Colon => {
                    return Err(unsupported(
                        "array slice `[a:b]`",
                        "GoogleSQL has no array slice syntax",
                    ))
                }
                Tk::Ident(_)
                | Tk::Str(_)
                | Tk::Num(_)
                | Tk::Param(_)
                | Tk::RBracket
                | Tk::Comma
                | Tk::Dot
                | Tk::Raw(_) => {
                    if self.stmt == Stmt::Unknown && !matches!(tok.tk, Tk::Raw(_)) {
                        return Err(unsupported(
                            "statement",
                            "expected SELECT, WITH, INSERT, UPDATE or DELETE at the start",
                        ));
                    }
                    self.out.push(tok);
                }
            }
        }
        self.finish()
    }

    fn finish(mut self) -> Result<Vec<Token>, TranslateError> {
        if self.stmt == Stmt::Unknown && !self.out.is_empty() {
            return Err(unsupported(
                "statement",
                "expected SELECT, WITH, INSERT, UPDATE or DELETE",
            ));
        }
        match self.stmt {
            Stmt::Insert => {
                if let (Some(upsert), Some(at)) = (self.conflict, self.insert_at) {
                    if let Some(insert) = self.out.get_mut(at) {
                        insert.tk = Tk::Raw(upsert.keyword().to_owned());
                    }
                }
            }
            Stmt::Update | Stmt::Delete if !self.saw_top_where => {
                // Spanner requires a WHERE clause on UPDATE and DELETE.
                let at = self
                    .returning_at
                    .unwrap_or(self.out.len())
                    .min(self.out.len());
                self.out.insert(at, Token::word("TRUE", true));
                self.out.insert(at, Token::word("WHERE", true));
            }
            _ => {}
        }
        Ok(self.out)
    }

    fn word(&mut self, tok: Token) -> Result<(), TranslateError> {
        let Tk::Word(word) = &tok.tk else {
            self.out.push(tok);
            return Ok(());
        };
        let upper = word.to_ascii_uppercase();
        let top = self.depth() == 0;

        if self.stmt == Stmt::Unknown {
            self.stmt = match upper.as_str() {
                "SELECT" | "WITH" => Stmt::Query,
                "INSERT" => Stmt::Insert,
                "UPDATE" => Stmt::Update,
                "DELETE" => Stmt::Delete,
                _ => {
                    return Err(unsupported(
                        format!("`{upper}` statement"),
                        "only SELECT, INSERT, UPDATE and DELETE statements rendered by \
                         SeaORM can be translated",
                    ))
                }
            };
        }

        match upper.as_str() {
            "SELECT" => {
                self.frame().saw_limit = false;
                self.out.push(tok);
            }
            "DISTINCT" if self.peek_kw(0, "ON") => {
                return Err(unsupported(
                    "`DISTINCT ON`",
                    "GoogleSQL has no DISTINCT ON; use a window function or GROUP BY",
                ))
            }
            "INSERT" if self.stmt == Stmt::Insert && top && self.insert_at.is_none() => {
                self.insert_at = Some(self.out.len());
                self.insert_columns = self.insert_column_list()?;
                self.out.push(tok);
            }
            "INSERT" | "UPDATE" | "DELETE" if self.stmt == Stmt::Query => {
                return Err(unsupported(
                    format!("`{upper}` inside WITH"),
                    "Spanner does not support data-modifying common table expressions",
                ))
            }
            "FROM" if self.stmt == Stmt::Update && top => {
                return Err(unsupported(
                    "`UPDATE ... FROM`",
                    "Spanner UPDATE cannot join other tables; use a subquery in WHERE",
                ))
            }
            "USING" if self.stmt == Stmt::Delete && top => {
                return Err(unsupported(
                    "`DELETE ... USING`",
                    "Spanner DELETE cannot join other tables; use a subquery in WHERE",
                ))
            }
            "WHERE" => {
                if top {
                    self.saw_top_where = true;
                }
                self.out.push(tok);
            }
            "RETURNING" => self.returning(tok)?,
            "ON" if self.peek_kw(0, "CONFLICT") => self.on_conflict(&tok)?,
            "DEFAULT" if self.peek_kw(0, "VALUES") => return Err(default_values_error()),
            "UNION" | "INTERSECT" | "EXCEPT" => {
                self.frame().saw_limit = false;
                self.out.push(tok);
                if !self.peek_kw(0, "ALL") && !self.peek_kw(0, "DISTINCT") {
                    self.out.push(Token::word("DISTINCT", true));
                }
            }
            "LIMIT" => {
                self.frame().saw_limit = true;
                self.out.push(tok);
            }
            "OFFSET" => {
                if !self.frame().saw_limit {
                    self.out.push(Token::word("LIMIT", tok.space));
                    self.out.push(Token::new(
                        Tk::Num(googlesql::UNBOUNDED_LIMIT.to_owned()),
                        true,
                    ));
                    self.frame().saw_limit = true;
                    self.out.push(Token { space: true, ..tok });
                } else {
                    self.out.push(tok);
                }
            }
            "CAST" if self.peek_is(0, &Tk::LParen) => {
                self.out.push(tok);
                if let Some(paren) = self.bump() {
                    self.out.push(paren);
                }
                self.frames.push(Frame {
                    cast: true,
                    ..Frame::default()
                });
            }
            "AS" if self.in_cast() => {
                self.out.push(tok);
                let ty = self.parse_type()?;
                self.out.push(Token::new(Tk::Raw(ty), true));
                self.frame().cast_done = true;
                if !self.peek_is(0, &Tk::RParen) {
                    let offset = self.peek(0).map_or(self.end_offset(), |t| t.offset);
                    return Err(syntax(offset, "expected `)` after the CAST target type"));
                }
            }
            "ILIKE" => self.ilike(&tok)?,
            "ANY" | "SOME" | "ALL"
                if self.peek_is(0, &Tk::LParen)
                    && matches!(self.out.last().map(|t| &t.tk), Some(Tk::Op(_))) =>
            {
                self.any_all(&tok, &upper)?
            }
            "FOR"
                if ["UPDATE", "SHARE", "NO", "KEY"]
                    .iter()
                    .any(|k| self.peek_kw(0, k)) =>
            {
                self.lock_clause(tok)?
            }
            "ESCAPE" => self.escape_clause(&tok)?,
            "SIMILAR" if self.peek_kw(0, "TO") => {
                return Err(unsupported(
                    "`SIMILAR TO`",
                    "GoogleSQL has no SQL regular expressions; use REGEXP_CONTAINS",
                ))
            }
            "LATERAL" => {
                return Err(unsupported(
                    "`LATERAL`",
                    "GoogleSQL has no LATERAL keyword; correlated subqueries must be rewritten",
                ))
            }
            "TABLESAMPLE" => {
                return Err(unsupported(
                    "`TABLESAMPLE`",
                    "PostgreSQL's sampling syntax differs from GoogleSQL's",
                ))
            }
            "FILTER" if self.peek_is(0, &Tk::LParen) => {
                return Err(unsupported(
                    "aggregate `FILTER (WHERE ...)`",
                    "GoogleSQL has no FILTER clause; use a conditional expression inside the \
                     aggregate",
                ))
            }
            "INTERVAL" if matches!(self.peek(0).map(|t| &t.tk), Some(Tk::Str(_))) => {
                return Err(unsupported(
                    "`INTERVAL '...'` constant",
                    "PostgreSQL interval literals have no direct GoogleSQL equivalent",
                ))
            }
            "INTO" if self.stmt == Stmt::Query => {
                return Err(unsupported(
                    "`SELECT ... INTO`",
                    "GoogleSQL cannot create tables from queries",
                ))
            }
            _ => self.out.push(tok),
        }
        Ok(())
    }

    /// Looks ahead after `INSERT` for `INTO table [AS alias] (columns)` and
    /// returns the column names, without consuming anything.
    fn insert_column_list(&self) -> Result<Vec<String>, TranslateError> {
        let mut n = 0;
        if !self.peek_kw(n, "INTO") {
            return Ok(Vec::new());
        }
        n += 1;
        // Table name, possibly qualified.
        while self.peek(n).and_then(Token::ident_name).is_some() {
            n += 1;
            if self.peek_is(n, &Tk::Dot) {
                n += 1;
            } else {
                break;
            }
        }
        if self.peek_kw(n, "AS") {
            n += 2;
        }
        if !self.peek_is(n, &Tk::LParen) {
            return Err(default_values_error());
        }
        n += 1;
        let mut columns = Vec::new();
        loop {
            match self.peek(n) {
                Some(t) if t.tk == Tk::RParen => break,
                Some(t) if t.tk == Tk::Comma => {}
                Some(t) => match t.ident_name() {
                    Some(name) => columns.push(name),
                    None => return Err(syntax(t.offset, "expected a column name")),
                },
                None => return Err(syntax(self.end_offset(), "unterminated column list")),
            }
            n += 1;
        }
        if columns.is_empty() {
            return Err(default_values_error());
        }
        Ok(columns)
    }

    fn returning(&mut self, tok: Token) -> Result<(), TranslateError> {
        let dml = matches!(self.stmt, Stmt::Insert | Stmt::Update | Stmt::Delete);
        if !dml || self.depth() != 0 || self.returning_at.is_some() {
            return Err(unsupported(
                "`RETURNING` outside a top-level INSERT, UPDATE or DELETE",
                "Spanner only supports THEN RETURN at the end of a DML statement",
            ));
        }
        self.returning_at = Some(self.out.len());
        self.out.push(Token::word("THEN", tok.space));
        self.out.push(Token::word("RETURN", true));
        Ok(())
    }

    /// Translates `ON CONFLICT ...` (the `ON` is already consumed) by the rule book's
    /// [`upsert`](googlesql::upsert) rule.
    fn on_conflict(&mut self, on: &Token) -> Result<(), TranslateError> {
        if self.stmt != Stmt::Insert || self.depth() != 0 || self.conflict.is_some() {
            return Err(syntax(on.offset, "unexpected ON CONFLICT"));
        }
        self.expect_kw("CONFLICT")?;
        let mut conflict = googlesql::Conflict::default();
        if self.peek_kw(0, "ON") && self.peek_kw(1, "CONSTRAINT") {
            conflict.on_constraint = true;
            return Err(googlesql::upsert(&self.insert_columns, &conflict)
                .err()
                .map_or_else(|| syntax(on.offset, "unexpected ON CONSTRAINT"), Into::into));
        }
        if self.peek_is(0, &Tk::LParen) {
            self.bump();
            loop {
                match self.bump() {
                    Some(t) if t.tk == Tk::RParen => break,
                    Some(t) if t.tk == Tk::Comma => {}
                    Some(t) => match (t.ident_name(), self.peek(0).map(|n| &n.tk)) {
                        (Some(name), Some(Tk::Comma | Tk::RParen)) => conflict.target.push(name),
                        _ => {
                            conflict.expression_target = true;
                            break;
                        }
                    },
                    None => return Err(syntax(self.end_offset(), "unterminated conflict target")),
                }
            }
            if self.peek_kw(0, "WHERE") {
                conflict.condition = true;
            }
        }
        if conflict.expression_target || conflict.condition {
            googlesql::upsert(&self.insert_columns, &conflict)?;
        }
        self.expect_kw("DO")?;
        if self.peek_kw(0, "NOTHING") {
            self.bump();
            conflict.do_nothing = true;
        } else {
            self.expect_kw("UPDATE")?;
            self.expect_kw("SET")?;
            loop {
                let column = self.expect_ident("a column name")?;
                let ends_assignment = match self.peek(4) {
                    None => true,
                    Some(t) => {
                        matches!(t.tk, Tk::Comma | Tk::Semi)
                            || t.is_kw("RETURNING")
                            || t.is_kw("WHERE")
                    }
                };
                let from_excluded = self.peek(0).is_some_and(|t| t.tk == Tk::Op("=".into()))
                    && self.peek(1).and_then(Token::ident_name).as_deref() == Some("excluded")
                    && self.peek_is(2, &Tk::Dot)
                    && self
                        .peek(3)
                        .and_then(Token::ident_name)
                        .is_some_and(|c| c.eq_ignore_ascii_case(&column))
                    && ends_assignment;
                if !from_excluded {
                    // The expression cannot be skipped reliably: the rule's error now.
                    return Err(googlesql::computed_upsert_assignment(&column).into());
                }
                for _ in 0..4 {
                    self.bump();
                }
                conflict.from_excluded.push(column);
                if self.peek_is(0, &Tk::Comma) {
                    self.bump();
                } else {
                    break;
                }
            }
            if self.peek_kw(0, "WHERE") {
                conflict.condition = true;
            }
        }
        self.conflict = Some(googlesql::upsert(&self.insert_columns, &conflict)?);
        Ok(())
    }

    /// A locking clause, by the rule book's [`lock_clause`](googlesql::lock_clause) rule.
    fn lock_clause(&mut self, tok: Token) -> Result<(), TranslateError> {
        let strength = if self.peek_kw(0, "UPDATE") {
            self.bump();
            LockStrength::Update
        } else if self.peek_kw(0, "SHARE") {
            self.bump();
            LockStrength::Share
        } else if self.peek_kw(0, "NO") && self.peek_kw(1, "KEY") && self.peek_kw(2, "UPDATE") {
            LockStrength::NoKeyUpdate
        } else if self.peek_kw(0, "KEY") && self.peek_kw(1, "SHARE") {
            LockStrength::KeyShare
        } else {
            return Err(syntax(tok.offset, "expected a locking clause after FOR"));
        };
        let of_tables = self.peek_kw(0, "OF");
        let wait = if self.peek_kw(0, "NOWAIT") {
            LockWait::Nowait
        } else if self.peek_kw(0, "SKIP") {
            LockWait::SkipLocked
        } else {
            LockWait::Block
        };
        let clause = googlesql::lock_clause(strength, of_tables, wait)?;
        self.out
            .push(Token::new(Tk::Raw(clause.to_owned()), tok.space));
        Ok(())
    }

    /// Drops `ESCAPE '\'` (GoogleSQL's LIKE always escapes with a backslash);
    /// any other escape character is unsupported.
    fn escape_clause(&mut self, tok: &Token) -> Result<(), TranslateError> {
        match self.peek(0).map(|t| &t.tk) {
            Some(Tk::Str(s)) if s == "\\" => {
                self.bump();
                Ok(())
            }
            Some(Tk::Str(s)) => Err(unsupported(
                format!("`LIKE ... ESCAPE '{s}'`"),
                "GoogleSQL's LIKE always uses backslash as its escape character",
            )),
            _ => Err(syntax(tok.offset, "expected a string after ESCAPE")),
        }
    }

    /// `x = ANY(arr)` -> `x IN UNNEST(arr)`, `x <> ALL(arr)` -> `x NOT IN
    /// UNNEST(arr)`; with a subquery, `IN (subquery)` / `NOT IN (subquery)`.
    fn any_all(&mut self, tok: &Token, keyword: &str) -> Result<(), TranslateError> {
        let op = match self.out.last().map(|t| &t.tk) {
            Some(Tk::Op(op)) => op.clone(),
            _ => String::new(),
        };
        let negated = match (keyword, op.as_str()) {
            ("ANY" | "SOME", "=") => false,
            ("ALL", "<>" | "!=") => true,
            _ => {
                return Err(unsupported(
                    format!("`{op} {keyword}(...)`"),
                    "only `= ANY(...)` and `<> ALL(...)` map to GoogleSQL (IN / NOT IN)",
                ))
            }
        };
        let space = self.out.pop().map_or(tok.space, |t| t.space);
        if negated {
            self.out.push(Token::word("NOT", space));
        }
        self.out.push(Token::word("IN", space || negated));
        let subquery = self.peek_kw(1, "SELECT") || self.peek_kw(1, "WITH");
        if !subquery {
            self.out.push(Token::word("UNNEST", true));
        }
        if let Some(mut paren) = self.bump() {
            paren.space = subquery;
            self.frames.push(Frame::default());
            self.out.push(paren);
        }
        Ok(())
    }

    /// `a [NOT] ILIKE b` -> `LOWER(a) [NOT] LIKE LOWER(b)` for simple operands.
    fn ilike(&mut self, tok: &Token) -> Result<(), TranslateError> {
        let too_complex = || {
            unsupported(
                "`ILIKE` with a complex operand",
                "only `<column|parameter|string> ILIKE <column|parameter|string>` can be \
                 rewritten as LOWER(a) LIKE LOWER(b); use LOWER() and LIKE explicitly",
            )
        };
        let negated = self.out.last().is_some_and(|t| t.is_kw("NOT"));
        let not = if negated { self.out.pop() } else { None };
        let start = operand_start(&self.out).ok_or_else(too_complex)?;
        let before = start.checked_sub(1).and_then(|i| self.out.get(i));
        let left_bounded = before.is_none_or(|t| {
            matches!(t.tk, Tk::LParen | Tk::Comma) || word_in(Some(t), BOUNDARY_BEFORE)
        });
        if !left_bounded {
            return Err(too_complex());
        }
        // The right operand: a parameter, a string, or a column reference.
        let mut right_len = match self.peek(0).map(|t| &t.tk) {
            Some(Tk::Param(_) | Tk::Str(_)) => 1,
            Some(Tk::Ident(_)) => 1,
            Some(Tk::Word(w)) if !is_reserved(w) => 1,
            _ => return Err(too_complex()),
        };
        if self.peek(0).and_then(Token::ident_name).is_some() {
            while self.peek_is(right_len, &Tk::Dot)
                && self
                    .peek(right_len + 1)
                    .and_then(Token::ident_name)
                    .is_some()
            {
                right_len += 2;
            }
        }
        let after = self.peek(right_len);
        let right_bounded = after.is_none_or(|t| {
            matches!(t.tk, Tk::RParen | Tk::Comma | Tk::Semi) || word_in(Some(t), BOUNDARY_AFTER)
        });
        if !right_bounded || self.peek_is(right_len, &Tk::DoubleColon) {
            return Err(too_complex());
        }

        let mut left = self.out.split_off(start);
        let space = left.first().is_some_and(|t| t.space);
        if let Some(first) = left.first_mut() {
            first.space = false;
        }
        self.out.push(Token::word("LOWER", space));
        self.out.push(Token::new(Tk::LParen, false));
        self.out.append(&mut left);
        self.out.push(Token::new(Tk::RParen, false));
        if let Some(not) = not {
            self.out.push(not);
        }
        self.out.push(Token::word("LIKE", tok.space));
        self.out.push(Token::word("LOWER", true));
        self.out.push(Token::new(Tk::LParen, false));
        for i in 0..right_len {
            if let Some(mut t) = self.bump() {
                if i == 0 {
                    t.space = false;
                }
                self.out.push(t);
            }
        }
        self.out.push(Token::new(Tk::RParen, false));
        Ok(())
    }

    /// `operand::type` -> `CAST(operand AS TYPE)`.
    fn postfix_cast(&mut self, tok: &Token) -> Result<(), TranslateError> {
        let start = operand_start(&self.out).ok_or_else(|| {
            unsupported(
                "`::` cast",
                format!(
                    "cannot determine the operand of the cast at byte {}; use CAST(x AS type)",
                    tok.offset
                ),
            )
        })?;
        let ty = self.parse_type()?;
        let mut operand = self.out.split_off(start);
        let space = operand.first().is_some_and(|t| t.space);
        if let Some(first) = operand.first_mut() {
            first.space = false;
        }
        self.out.push(Token::word("CAST", space));
        self.out.push(Token::new(Tk::LParen, false));
        self.out.append(&mut operand);
        self.out.push(Token::word("AS", true));
        self.out.push(Token::new(Tk::Raw(ty), true));
        self.out.push(Token::new(Tk::RParen, false));
        Ok(())
    }

    /// Parses a PostgreSQL type name from the input and maps it to GoogleSQL.
    fn parse_type(&mut self) -> Result<String, TranslateError> {
        let first = self
            .bump()
            .ok_or_else(|| syntax(self.end_offset(), "expected a type name"))?;
        let mut name = match &first.tk {
            Tk::Word(w) => w.to_ascii_lowercase(),
            Tk::Ident(s) => s.clone(),
            _ => return Err(syntax(first.offset, "expected a type name")),
        };
        let quoted = matches!(first.tk, Tk::Ident(_));
        if !quoted {
            match name.as_str() {
                "double" if self.peek_kw(0, "precision") => {
                    self.bump();
                    name.push_str(" precision");
                }
                "character" | "char" | "bit" if self.peek_kw(0, "varying") => {
                    self.bump();
                    name.push_str(" varying");
                }
                "timestamp" | "time"
                    if (self.peek_kw(0, "with") || self.peek_kw(0, "without"))
                        && self.peek_kw(1, "time")
                        && self.peek_kw(2, "zone") =>
                {
                    let with = self.peek_kw(0, "with");
                    for _ in 0..3 {
                        self.bump();
                    }
                    name.push_str(if with {
                        " with time zone"
                    } else {
                        " without time zone"
                    });
                }
                _ => {}
            }
        }
        if self.peek_is(0, &Tk::LParen) {
            return Err(unsupported(
                format!("cast to `{name}(...)`"),
                "type modifiers (length, precision, scale) truncate or round in PostgreSQL and \
                 have no GoogleSQL cast equivalent",
            ));
        }
        let mut dimensions = 0;
        while self.peek_is(0, &Tk::LBracket) {
            self.bump();
            if matches!(self.peek(0).map(|t| &t.tk), Some(Tk::Num(_))) {
                self.bump();
            }
            self.expect(&Tk::RBracket, "`]`")?;
            dimensions += 1;
        }
        let scalar = googlesql::cast_type(&name)?;
        match dimensions {
            0 => Ok(scalar.to_owned()),
            1 => Ok(format!("ARRAY<{scalar}>")),
            _ => Err(unsupported(
                format!("cast to `{name}` with {dimensions} array dimensions"),
                "GoogleSQL has no multi-dimensional arrays",
            )),
        }
    }
}

fn default_values_error() -> TranslateError {
    unsupported(
        "INSERT without a column list (`DEFAULT VALUES` / `VALUES (DEFAULT)`)",
        "Spanner requires an explicit column list; set at least one column (for example the \
         primary key) on the model",
    )
}

/// Checks that an operator means the same in GoogleSQL.
pub(super) fn check_operator(op: &str) -> Result<(), TranslateError> {
    let reason = match op {
        "=" | "<>" | "!=" | "<" | ">" | "<=" | ">=" | "+" | "-" | "*" | "/" | "||" | "&" | "|"
        | "<<" | ">>" => return Ok(()),
        "->" | "->>" | "#>" | "#>>" | "#-" => {
            "JSON path operators have no GoogleSQL operator; use JSON_QUERY / JSON_VALUE"
        }
        "@>" | "<@" | "&&" | "?" | "?|" | "?&" => {
            "containment, overlap and key-existence operators have no GoogleSQL equivalent"
        }
        "~" | "~*" | "!~" | "!~*" => "regular-expression matching must use REGEXP_CONTAINS",
        "%" => "GoogleSQL has no `%` operator; use MOD(a, b)",
        "^" => "`^` is exponentiation in PostgreSQL but XOR in GoogleSQL; use POW(a, b)",
        "#" => "bitwise XOR is `^` in GoogleSQL, with a different precedence",
        "@@" => "full-text search must use Spanner's SEARCH functions",
        _ => "the operator has no GoogleSQL equivalent",
    };
    Err(unsupported(format!("operator `{op}`"), reason))
}
