//! GoogleSQL text handling: placeholder rewriting, statement classification
//! and script splitting.
//!
//! Everything here is built on a small [`lexer`] that knows the
//! lexical structure of GoogleSQL (string, bytes and raw literals in all their
//! quoting forms, backtick-quoted identifiers, `--`, `#` and `/* */`
//! comments, `@name` parameters, `@@variables` and `@{...}` hints), so `?`,
//! `;` or `@p1` inside a literal, identifier or comment are never touched.

pub mod lexer;

#[cfg(test)]
mod tests;

use std::fmt;

use self::lexer::{Lexer, Token, TokenKind};

/// An error found while scanning GoogleSQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SqlError {
    /// A string or bytes literal is not closed.
    UnterminatedString {
        /// Byte offset of the start of the literal (including any prefix).
        offset: usize,
    },
    /// A backtick-quoted identifier is not closed.
    UnterminatedIdentifier {
        /// Byte offset of the opening backtick.
        offset: usize,
    },
    /// A `/* ... */` comment is not closed.
    UnterminatedComment {
        /// Byte offset of the opening `/*`.
        offset: usize,
    },
    /// A `@{ ... }` hint is not closed.
    UnterminatedHint {
        /// Byte offset of the opening `@{`.
        offset: usize,
    },
    /// The statement uses both `?` placeholders and `@pN` parameters.
    MixedPlaceholders {
        /// Byte offset of the first `?` placeholder.
        offset: usize,
    },
    /// The lexer could not make progress (this indicates a bug in the lexer).
    InvalidInput {
        /// Byte offset where scanning stopped.
        offset: usize,
    },
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlError::UnterminatedString { offset } => {
                write!(
                    f,
                    "unterminated string or bytes literal starting at byte {offset}"
                )
            }
            SqlError::UnterminatedIdentifier { offset } => {
                write!(
                    f,
                    "unterminated quoted identifier starting at byte {offset}"
                )
            }
            SqlError::UnterminatedComment { offset } => {
                write!(f, "unterminated block comment starting at byte {offset}")
            }
            SqlError::UnterminatedHint { offset } => {
                write!(f, "unterminated hint starting at byte {offset}")
            }
            SqlError::MixedPlaceholders { offset } => write!(
                f,
                "cannot mix `?` placeholders with `@pN` parameters (first `?` at byte {offset})"
            ),
            SqlError::InvalidInput { offset } => {
                write!(f, "cannot tokenize SQL at byte {offset}")
            }
        }
    }
}

impl std::error::Error for SqlError {}

/// The kind of a statement, as determined by its first keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatementKind {
    /// A query (`SELECT`, `WITH`, `GRAPH`, or pipe syntax starting with `FROM`).
    Query,
    /// A DML statement (`INSERT`, `UPDATE`, `DELETE`). It returns rows only
    /// when it has a `THEN RETURN` clause (see
    /// [`PreparedSql::has_then_return`]).
    Dml,
    /// A schema statement (`CREATE`, `ALTER`, `DROP`, `RENAME`, `GRANT`,
    /// `REVOKE`, `ANALYZE`).
    Ddl,
    /// Any other statement (for example `BEGIN`, `COMMIT`, `SET`, `CALL`).
    Other,
    /// The text contains no statement at all (only whitespace and comments).
    Empty,
}

impl StatementKind {
    /// Classifies a statement from its first keyword (case-insensitive).
    pub fn from_keyword(keyword: &str) -> Self {
        const QUERY: &[&str] = &["SELECT", "WITH", "GRAPH", "FROM"];
        const DML: &[&str] = &["INSERT", "UPDATE", "DELETE"];
        const DDL: &[&str] = &[
            "CREATE", "ALTER", "DROP", "RENAME", "GRANT", "REVOKE", "ANALYZE",
        ];
        let is = |list: &[&str]| list.iter().any(|k| k.eq_ignore_ascii_case(keyword));
        if is(QUERY) {
            StatementKind::Query
        } else if is(DML) {
            StatementKind::Dml
        } else if is(DDL) {
            StatementKind::Ddl
        } else {
            StatementKind::Other
        }
    }
}

/// A statement ready to be sent to Spanner, produced by [`prepare_sql`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedSql {
    /// The SQL text with every `?` placeholder rewritten to `@p1`, `@p2`, ...
    pub sql: String,
    /// The number of positional parameters the statement expects: the number
    /// of `?` placeholders, or the highest `N` among `@pN` parameters.
    /// Arguments are bound to the names `p1` ..= `pN`.
    pub param_count: usize,
    /// The kind of statement.
    pub kind: StatementKind,
    /// Whether the statement is DML with a top-level `THEN RETURN` clause.
    pub has_then_return: bool,
}

impl PreparedSql {
    /// Returns `true` if executing the statement produces a result set:
    /// queries, and DML with `THEN RETURN`.
    pub fn returns_rows(&self) -> bool {
        match self.kind {
            StatementKind::Query => true,
            StatementKind::Dml => self.has_then_return,
            _ => false,
        }
    }
}

/// Prepares one GoogleSQL statement for execution.
///
/// Every `?` outside literals, identifiers, comments and hints is rewritten,
/// in order, to `@p1`, `@p2`, .... SQL that already names its parameters
/// `@p1` .. `@pN` is kept as it is (other `@name` parameters are kept too, but
/// are not counted). The statement kind and the presence of a top-level
/// `THEN RETURN` clause are determined at the same time.
///
/// # Errors
///
/// Returns [`SqlError::MixedPlaceholders`] if `?` and `@pN` are both used, and
/// an `Unterminated*` error for unclosed literals, identifiers, comments or
/// hints.
pub fn prepare_sql(sql: &str) -> Result<PreparedSql, SqlError> {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut question_marks = 0usize;
    let mut first_question_mark = None;
    let mut max_named = 0usize;
    let mut classifier = Classifier::default();

    for token in Lexer::new(sql) {
        let token = token?;
        classifier.feed(&token);
        match token.kind {
            TokenKind::Positional => {
                question_marks += 1;
                first_question_mark.get_or_insert(token.offset);
                out.push_str("@p");
                out.push_str(&question_marks.to_string());
                // `?1` or `?abc` must not become `@p11` / `@p1abc` (another parameter):
                // keep the following characters a separate token.
                let next = sql[token.offset + token.text.len()..].chars().next();
                if next.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    out.push(' ');
                }
            }
            TokenKind::NamedParameter => {
                if let Some(n) = positional_parameter_index(token.text) {
                    max_named = max_named.max(n);
                }
                out.push_str(token.text);
            }
            _ => out.push_str(token.text),
        }
    }

    if let Some(offset) = first_question_mark {
        if max_named > 0 {
            return Err(SqlError::MixedPlaceholders { offset });
        }
    }

    Ok(PreparedSql {
        sql: out,
        param_count: question_marks.max(max_named),
        kind: classifier.kind(),
        has_then_return: classifier.has_then_return(),
    })
}

/// Determines the [`StatementKind`] of a single statement.
///
/// # Errors
///
/// Returns an error if the text cannot be tokenized (see [`lexer::tokenize`]).
pub fn statement_kind(sql: &str) -> Result<StatementKind, SqlError> {
    let mut classifier = Classifier::default();
    for token in Lexer::new(sql) {
        let token = token?;
        classifier.feed(&token);
        if classifier.kind.is_some() {
            break;
        }
    }
    Ok(classifier.kind())
}

/// Splits a script into statements on `;` outside literals, identifiers,
/// comments and hints.
///
/// Each statement is returned without the `;` and without surrounding
/// whitespace; pieces containing only whitespace and comments are dropped.
/// Comments inside or directly before a statement are kept.
///
/// # Errors
///
/// Returns an error if the script cannot be tokenized (see
/// [`lexer::tokenize`]).
pub fn split_statements(sql: &str) -> Result<Vec<&str>, SqlError> {
    let mut statements = Vec::new();
    let mut start = 0usize;
    let mut has_content = false;
    let mut push = |from: usize, to: usize, has_content: bool| {
        if has_content {
            if let Some(piece) = sql.get(from..to) {
                statements.push(piece.trim_matches(is_sql_whitespace));
            }
        }
    };
    for token in Lexer::new(sql) {
        let token = token?;
        match token.kind {
            TokenKind::Semicolon => {
                push(start, token.offset, has_content);
                start = token.offset + token.text.len();
                has_content = false;
            }
            kind if kind.is_trivia() => {}
            _ => has_content = true,
        }
    }
    push(start, sql.len(), has_content);
    Ok(statements)
}

/// Removes comments (the DDL parser of Spanner does not accept them) and trims the
/// statement. A comment becomes a single space so tokens around it stay apart.
///
/// # Errors
///
/// Returns an error if the text cannot be tokenized.
pub fn strip_comments(sql: &str) -> Result<String, SqlError> {
    let mut out = String::with_capacity(sql.len());
    for token in Lexer::new(sql) {
        let token = token?;
        match token.kind {
            TokenKind::LineComment | TokenKind::BlockComment => out.push(' '),
            _ => out.push_str(token.text),
        }
    }
    Ok(out.trim_matches(is_sql_whitespace).to_string())
}

fn is_sql_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// If `text` (a named parameter token, including its `@`) is `@pN` or `@PN`
/// with `N >= 1` written without leading zeros, returns `N`.
fn positional_parameter_index(text: &str) -> Option<usize> {
    let digits = text
        .strip_prefix("@p")
        .or_else(|| text.strip_prefix("@P"))?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Incrementally determines the statement kind and whether DML has a
/// top-level `THEN RETURN` clause.
#[derive(Debug, Default)]
struct Classifier {
    kind: Option<StatementKind>,
    depth: usize,
    case_depth: usize,
    after_then: bool,
    then_return: bool,
}

impl Classifier {
    fn feed(&mut self, token: &Token<'_>) {
        if token.kind.is_trivia() {
            return;
        }
        let Some(kind) = self.kind else {
            // Still looking for the first keyword: skip parentheses and hints.
            match token.kind {
                TokenKind::OpenParen | TokenKind::Hint => {}
                TokenKind::Word => self.kind = Some(StatementKind::from_keyword(token.text)),
                _ => self.kind = Some(StatementKind::Other),
            }
            return;
        };
        if kind != StatementKind::Dml || self.then_return {
            return;
        }
        let after_then = std::mem::take(&mut self.after_then);
        match token.kind {
            TokenKind::OpenParen => self.depth += 1,
            TokenKind::CloseParen => self.depth = self.depth.saturating_sub(1),
            TokenKind::Word if self.depth == 0 => {
                if token.is_keyword("CASE") {
                    self.case_depth += 1;
                } else if token.is_keyword("END") {
                    self.case_depth = self.case_depth.saturating_sub(1);
                } else if self.case_depth == 0 {
                    if after_then && token.is_keyword("RETURN") {
                        self.then_return = true;
                    } else if token.is_keyword("THEN") {
                        self.after_then = true;
                    }
                }
            }
            _ => {}
        }
    }

    fn kind(&self) -> StatementKind {
        self.kind.unwrap_or(StatementKind::Empty)
    }

    fn has_then_return(&self) -> bool {
        self.then_return
    }
}
