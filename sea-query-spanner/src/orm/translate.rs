//! Translation of PostgreSQL-flavoured SQL into GoogleSQL.
//!
//! SeaORM renders statements with one of its built-in backends. The Spanner
//! adapter presents itself as `DbBackend::Postgres`, so
//! the SQL it receives follows sea-query's Postgres backend conventions. This
//! module tokenizes that SQL with PostgreSQL's lexical rules and re-emits it
//! as GoogleSQL:
//!
//! | PostgreSQL                                    | GoogleSQL                                 |
//! |-----------------------------------------------|-------------------------------------------|
//! | `"ident"` (with `""` escapes)                 | `` `ident` `` (backslash escapes)         |
//! | `'it''s'`, `E'a\nb'`, `$$..$$`                | `'it\'s'`, `'a\nb'`, `'..'`               |
//! | `$1`, `$2`, ...                               | `@p1`, `@p2`, ...                         |
//! | `... RETURNING cols`                          | `... THEN RETURN cols`                    |
//! | `ON CONFLICT (..) DO NOTHING`                 | `INSERT OR IGNORE ...`                    |
//! | `ON CONFLICT (..) DO UPDATE SET c = excluded.c` | `INSERT OR UPDATE ...`                  |
//! | `x::text`, `CAST(x AS bigint)`                | `CAST(x AS STRING)`, `CAST(x AS INT64)`   |
//! | `OFFSET n` without `LIMIT`                    | `LIMIT 9223372036854775807 OFFSET n`      |
//! | `UNION`, `INTERSECT`, `EXCEPT`                | `... DISTINCT`                            |
//! | `a ILIKE b` (simple operands)                 | `LOWER(a) LIKE LOWER(b)`                  |
//! | `x = ANY($1)` / `x <> ALL($1)`                | `x IN UNNEST(@p1)` / `x NOT IN UNNEST(@p1)` |
//! | `UPDATE`/`DELETE` without `WHERE`             | `... WHERE TRUE` (Spanner requires it)    |
//!
//! Constructs that cannot be translated faithfully are rejected with
//! [`TranslateError::Unsupported`] instead of producing SQL with different
//! meaning. Comments are dropped.
//!
//! # Upserts
//!
//! Spanner's `INSERT OR UPDATE` and `INSERT OR IGNORE` detect conflicts on the
//! primary key only, and `INSERT OR UPDATE` overwrites *every* inserted column
//! of an existing row. The translation therefore assumes the `ON CONFLICT`
//! target is the primary key, and only accepts `DO UPDATE SET` clauses that
//! copy every inserted non-key column from `excluded` (which is exactly what
//! `INSERT OR UPDATE` does). Conditional updates, computed assignments and
//! partial updates are rejected.
//!
//! # Type caveats
//!
//! The translation is lexical: it cannot see the types of expressions. Where
//! PostgreSQL and GoogleSQL differ on types (for example `/` on two integers
//! is integer division in PostgreSQL but returns `FLOAT64` in GoogleSQL, and
//! `1.5` is `NUMERIC` in PostgreSQL but `FLOAT64` in GoogleSQL) the GoogleSQL
//! semantics apply. sea-query binds values as parameters, so literals are rare
//! in practice.

use std::fmt::Write as _;

/// An error produced by [`translate_postgres`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TranslateError {
    /// The input is not valid PostgreSQL at the lexical level (for example an
    /// unterminated string, identifier or comment).
    #[error("invalid PostgreSQL SQL at byte {offset}: {message}")]
    Syntax {
        /// Byte offset in the input where the problem was found.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// The input uses a construct that has no faithful GoogleSQL equivalent.
    #[error("cannot translate {construct} to GoogleSQL: {reason}")]
    Unsupported {
        /// The offending construct, e.g. ``operator `@>` ``.
        construct: String,
        /// Why it cannot be translated, and what to use instead if anything.
        reason: String,
    },
}

fn unsupported(construct: impl Into<String>, reason: impl Into<String>) -> TranslateError {
    TranslateError::Unsupported {
        construct: construct.into(),
        reason: reason.into(),
    }
}

fn syntax(offset: usize, message: impl Into<String>) -> TranslateError {
    TranslateError::Syntax {
        offset,
        message: message.into(),
    }
}

/// Translates one PostgreSQL statement, as rendered by sea-query's Postgres
/// backend, into GoogleSQL for Cloud Spanner.
///
/// Parameters `$N` become `@pN`, so arguments must be bound under the names
/// `p1`, `p2`, .... Input that is empty (or only whitespace and comments)
/// yields an empty string; a single trailing `;` is dropped.
///
/// # Errors
///
/// Returns [`TranslateError::Syntax`] for lexically invalid input and
/// [`TranslateError::Unsupported`] for statements or constructs that cannot
/// be expressed faithfully in GoogleSQL (see the [module docs](self)).
pub fn translate_postgres(sql: &str) -> Result<String, TranslateError> {
    let tokens = tokenize(sql)?;
    let out = Translator::new(tokens, sql.len()).run()?;
    Ok(render(&out))
}

// ---------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tk {
    /// An unquoted identifier or keyword, as written.
    Word(String),
    /// A quoted identifier, decoded.
    Ident(String),
    /// A string constant, decoded.
    Str(String),
    /// A numeric constant, in a form GoogleSQL accepts.
    Num(String),
    /// A positional parameter `$N`.
    Param(u32),
    /// An operator.
    Op(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Semi,
    DoubleColon,
    Colon,
    /// Output only: pre-rendered GoogleSQL text.
    Raw(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    tk: Tk,
    /// Whether whitespace (or a comment) preceded the token in the input.
    space: bool,
    /// Byte offset in the input (for error messages).
    offset: usize,
}

impl Token {
    fn new(tk: Tk, space: bool) -> Self {
        Token {
            tk,
            space,
            offset: 0,
        }
    }

    fn word(word: &str, space: bool) -> Self {
        Token::new(Tk::Word(word.to_owned()), space)
    }

    fn is_kw(&self, keyword: &str) -> bool {
        matches!(&self.tk, Tk::Word(w) if w.eq_ignore_ascii_case(keyword))
    }

    /// The identifier this token names, if it is a (quoted or unquoted)
    /// identifier. Unquoted names fold to lower case, as in PostgreSQL.
    fn ident_name(&self) -> Option<String> {
        match &self.tk {
            Tk::Ident(s) => Some(s.clone()),
            Tk::Word(w) => Some(w.to_ascii_lowercase()),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------
// Tokenizer (PostgreSQL lexical structure)
// ---------------------------------------------------------------------------

/// Characters PostgreSQL allows in operators.
fn is_op_char(b: u8) -> bool {
    matches!(
        b,
        b'+' | b'-'
            | b'*'
            | b'/'
            | b'<'
            | b'>'
            | b'='
            | b'~'
            | b'!'
            | b'@'
            | b'#'
            | b'%'
            | b'^'
            | b'&'
            | b'|'
            | b'`'
            | b'?'
    )
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn scan_while(bytes: &[u8], mut pos: usize, pred: impl Fn(u8) -> bool) -> usize {
    while bytes.get(pos).is_some_and(|&b| pred(b)) {
        pos += 1;
    }
    pos
}

/// Returns `src[from..to]`, or a syntax error if the range is not on
/// character boundaries (which the scanner never produces).
fn slice(src: &str, from: usize, to: usize) -> Result<&str, TranslateError> {
    src.get(from..to)
        .ok_or_else(|| syntax(from, "internal error: token is not on a character boundary"))
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

fn tokenize(src: &str) -> Result<Vec<Token>, TranslateError> {
    let mut lexer = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
    };
    let mut tokens: Vec<Token> = Vec::new();
    let mut space = false;
    let mut newline = false;
    while let Some(&b) = lexer.bytes.get(lexer.pos) {
        let start = lexer.pos;
        let next = lexer.bytes.get(start + 1).copied();
        let tk = match b {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\x0b' => {
                newline |= b == b'\n' || b == b'\r';
                space = true;
                lexer.pos += 1;
                continue;
            }
            b'-' if next == Some(b'-') => {
                lexer.pos = scan_while(lexer.bytes, start, |b| b != b'\n' && b != b'\r');
                space = true;
                continue;
            }
            b'/' if next == Some(b'*') => {
                lexer.skip_block_comment()?;
                space = true;
                continue;
            }
            b'\'' => Tk::Str(lexer.plain_string(start, start)?),
            b'"' => Tk::Ident(lexer.quoted_ident(start)?),
            b'$' => lexer.dollar(start)?,
            b'0'..=b'9' => Tk::Num(lexer.number(start)?),
            b'.' if next.is_some_and(|n| n.is_ascii_digit())
                && !matches!(
                    tokens.last().map(|t| &t.tk),
                    Some(Tk::Word(_) | Tk::Ident(_) | Tk::RParen)
                ) =>
            {
                Tk::Num(lexer.number(start)?)
            }
            b'(' => lexer.single(Tk::LParen),
            b')' => lexer.single(Tk::RParen),
            b'[' => lexer.single(Tk::LBracket),
            b']' => lexer.single(Tk::RBracket),
            b',' => lexer.single(Tk::Comma),
            b'.' => lexer.single(Tk::Dot),
            b';' => lexer.single(Tk::Semi),
            b':' if next == Some(b':') => {
                lexer.pos += 2;
                Tk::DoubleColon
            }
            b':' => lexer.single(Tk::Colon),
            b if is_ident_start(b) => lexer.word(start)?,
            b if is_op_char(b) => Tk::Op(lexer.operator(start)?),
            _ => {
                let ch = lexer.src.get(start..).and_then(|s| s.chars().next());
                return Err(syntax(
                    start,
                    format!("unexpected character {:?}", ch.unwrap_or('?')),
                ));
            }
        };
        // Adjacent string constants separated by a line break are one
        // constant in PostgreSQL.
        if let (Tk::Str(more), true) = (&tk, newline) {
            if let Some(Token {
                tk: Tk::Str(prev), ..
            }) = tokens.last_mut()
            {
                prev.push_str(more);
                space = false;
                newline = false;
                continue;
            }
        }
        tokens.push(Token {
            tk,
            space,
            offset: start,
        });
        space = false;
        newline = false;
    }
    Ok(tokens)
}

impl Lexer<'_> {
    fn single(&mut self, tk: Tk) -> Tk {
        self.pos += 1;
        tk
    }

    /// Skips a (nestable, in PostgreSQL) block comment starting at `self.pos`.
    fn skip_block_comment(&mut self) -> Result<(), TranslateError> {
        let start = self.pos;
        let mut depth = 0usize;
        let mut pos = start;
        loop {
            match (self.bytes.get(pos), self.bytes.get(pos + 1)) {
                (Some(b'/'), Some(b'*')) => {
                    depth += 1;
                    pos += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    pos += 2;
                    if depth == 0 {
                        self.pos = pos;
                        return Ok(());
                    }
                }
                (Some(_), _) => pos += 1,
                (None, _) => return Err(syntax(start, "unterminated block comment")),
            }
        }
    }

    /// Scans a standard-conforming string constant (`''` escapes a quote,
    /// backslashes are literal) whose opening quote is at `quote`.
    fn plain_string(&mut self, start: usize, quote: usize) -> Result<String, TranslateError> {
        let mut value = String::new();
        let mut pos = quote + 1;
        loop {
            let run_end = scan_while(self.bytes, pos, |b| b != b'\'');
            value.push_str(slice(self.src, pos, run_end)?);
            if run_end >= self.bytes.len() {
                return Err(syntax(start, "unterminated string constant"));
            }
            if self.bytes.get(run_end + 1) == Some(&b'\'') {
                value.push('\'');
                pos = run_end + 2;
            } else {
                self.pos = run_end + 1;
                return Ok(value);
            }
        }
    }

    /// Scans an escape string constant `E'...'` whose opening quote is at
    /// `quote`, decoding its backslash escapes.
    fn escape_string(&mut self, start: usize, quote: usize) -> Result<String, TranslateError> {
        let unterminated = || syntax(start, "unterminated string constant");
        let mut value: Vec<u8> = Vec::new();
        let mut pos = quote + 1;
        loop {
            let Some(&b) = self.bytes.get(pos) else {
                return Err(unterminated());
            };
            match b {
                b'\'' if self.bytes.get(pos + 1) == Some(&b'\'') => {
                    value.push(b'\'');
                    pos += 2;
                }
                b'\'' => {
                    self.pos = pos + 1;
                    break;
                }
                b'\\' => {
                    let Some(&e) = self.bytes.get(pos + 1) else {
                        return Err(unterminated());
                    };
                    pos += 2;
                    match e {
                        b'b' => value.push(0x08),
                        b'f' => value.push(0x0c),
                        b'n' => value.push(b'\n'),
                        b'r' => value.push(b'\r'),
                        b't' => value.push(b'\t'),
                        b'0'..=b'7' => {
                            let end =
                                scan_while(self.bytes, pos - 1, |d| (b'0'..=b'7').contains(&d))
                                    .min(pos + 2);
                            let digits = slice(self.src, pos - 1, end)?;
                            let code = u32::from_str_radix(digits, 8)
                                .map_err(|_| syntax(pos, "invalid octal escape"))?;
                            value.push((code & 0xff) as u8);
                            pos = end;
                        }
                        b'x' if self.bytes.get(pos).is_some_and(u8::is_ascii_hexdigit) => {
                            let end =
                                scan_while(self.bytes, pos, |d| d.is_ascii_hexdigit()).min(pos + 2);
                            let digits = slice(self.src, pos, end)?;
                            let code = u8::from_str_radix(digits, 16)
                                .map_err(|_| syntax(pos, "invalid hexadecimal escape"))?;
                            value.push(code);
                            pos = end;
                        }
                        b'u' | b'U' => {
                            let len = if e == b'u' { 4 } else { 8 };
                            let (ch, end) = self.unicode_escape(pos, len)?;
                            let mut buf = [0u8; 4];
                            value.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            pos = end;
                        }
                        // Any other escaped character stands for itself; skip
                        // over the whole (possibly multi-byte) character.
                        _ => {
                            let len = self
                                .src
                                .get(pos - 1..)
                                .and_then(|s| s.chars().next())
                                .map_or(1, char::len_utf8);
                            value.extend_from_slice(
                                self.bytes.get(pos - 1..pos - 1 + len).unwrap_or_default(),
                            );
                            pos += len - 1;
                        }
                    }
                }
                _ => {
                    value.push(b);
                    pos += 1;
                }
            }
        }
        String::from_utf8(value)
            .map_err(|_| syntax(start, "escape string constant is not valid UTF-8"))
    }

    /// Decodes `\uXXXX` (len 4) or `\UXXXXXXXX` (len 8) with hex digits at
    /// `pos`, combining UTF-16 surrogate pairs. Returns the char and the end.
    fn unicode_escape(&self, pos: usize, len: usize) -> Result<(char, usize), TranslateError> {
        let invalid = || syntax(pos, "invalid Unicode escape");
        let hex = |at: usize, len: usize| -> Result<u32, TranslateError> {
            let digits = self.src.get(at..at + len).ok_or_else(invalid)?;
            if !digits.bytes().all(|d| d.is_ascii_hexdigit()) {
                return Err(invalid());
            }
            u32::from_str_radix(digits, 16).map_err(|_| invalid())
        };
        let code = hex(pos, len)?;
        let mut end = pos + len;
        let code = if (0xd800..0xdc00).contains(&code) {
            if self.bytes.get(end..end + 2) != Some(b"\\u") {
                return Err(invalid());
            }
            let low = hex(end + 2, 4)?;
            if !(0xdc00..0xe000).contains(&low) {
                return Err(invalid());
            }
            end += 6;
            0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00)
        } else {
            code
        };
        char::from_u32(code).map(|c| (c, end)).ok_or_else(invalid)
    }

    /// Scans a quoted identifier starting at `start`.
    fn quoted_ident(&mut self, start: usize) -> Result<String, TranslateError> {
        let mut value = String::new();
        let mut pos = start + 1;
        loop {
            let run_end = scan_while(self.bytes, pos, |b| b != b'"');
            value.push_str(slice(self.src, pos, run_end)?);
            if run_end >= self.bytes.len() {
                return Err(syntax(start, "unterminated quoted identifier"));
            }
            if self.bytes.get(run_end + 1) == Some(&b'"') {
                value.push('"');
                pos = run_end + 2;
            } else {
                self.pos = run_end + 1;
                if value.is_empty() {
                    return Err(syntax(start, "zero-length quoted identifier"));
                }
                return Ok(value);
            }
        }
    }

    /// Scans a `$N` parameter or a dollar-quoted string starting at `start`.
    fn dollar(&mut self, start: usize) -> Result<Tk, TranslateError> {
        let after = start + 1;
        if self.bytes.get(after).is_some_and(u8::is_ascii_digit) {
            let end = scan_while(self.bytes, after, |b| b.is_ascii_digit());
            let n: u32 = slice(self.src, after, end)?
                .parse()
                .map_err(|_| syntax(start, "parameter number is too large"))?;
            if n == 0 {
                return Err(syntax(start, "parameter numbers start at $1"));
            }
            self.pos = end;
            return Ok(Tk::Param(n));
        }
        // `$tag$ ... $tag$`, where the tag may be empty.
        let tag_end = scan_while(self.bytes, after, |b| is_ident_continue(b) && b != b'$');
        if self.bytes.get(tag_end) != Some(&b'$')
            || self
                .bytes
                .get(after)
                .is_some_and(|&b| b != b'$' && !is_ident_start(b))
        {
            return Err(syntax(start, "unexpected `$`"));
        }
        let delimiter = slice(self.src, start, tag_end + 1)?;
        let body_start = tag_end + 1;
        let body_len = self
            .src
            .get(body_start..)
            .and_then(|rest| rest.find(delimiter))
            .ok_or_else(|| syntax(start, "unterminated dollar-quoted string"))?;
        let body = slice(self.src, body_start, body_start + body_len)?;
        self.pos = body_start + body_len + delimiter.len();
        Ok(Tk::Str(body.to_owned()))
    }

    fn number(&mut self, start: usize) -> Result<String, TranslateError> {
        let bytes = self.bytes;
        let radix_prefix = bytes.get(start) == Some(&b'0')
            && bytes
                .get(start + 1)
                .is_some_and(|b| matches!(b, b'x' | b'X' | b'o' | b'O' | b'b' | b'B'));
        let mut end;
        if radix_prefix {
            end = scan_while(bytes, start + 2, |b| b.is_ascii_alphanumeric() || b == b'_');
            let hex = bytes
                .get(start + 1)
                .is_some_and(|b| b.eq_ignore_ascii_case(&b'x'));
            if !hex {
                return Err(unsupported(
                    "octal or binary integer constant",
                    "GoogleSQL only has decimal and hexadecimal integer literals",
                ));
            }
        } else {
            end = scan_while(bytes, start, |b| b.is_ascii_digit() || b == b'_');
            if bytes.get(end) == Some(&b'.') && bytes.get(end + 1) != Some(&b'.') {
                end = scan_while(bytes, end + 1, |b| b.is_ascii_digit() || b == b'_');
            }
            if bytes
                .get(end)
                .is_some_and(|b| b.eq_ignore_ascii_case(&b'e'))
            {
                let mut exp = end + 1;
                if matches!(bytes.get(exp), Some(b'+' | b'-')) {
                    exp += 1;
                }
                if bytes.get(exp).is_some_and(u8::is_ascii_digit) {
                    end = scan_while(bytes, exp, |b| b.is_ascii_digit());
                }
            }
        }
        if bytes.get(end).is_some_and(|&b| is_ident_continue(b)) {
            return Err(syntax(start, "trailing junk after numeric constant"));
        }
        self.pos = end;
        Ok(slice(self.src, start, end)?.replace('_', ""))
    }

    fn word(&mut self, start: usize) -> Result<Tk, TranslateError> {
        let end = scan_while(self.bytes, start, is_ident_continue);
        let word = slice(self.src, start, end)?;
        let next = self.bytes.get(end).copied();
        match (word, next) {
            ("E" | "e", Some(b'\'')) => return Ok(Tk::Str(self.escape_string(start, end)?)),
            ("N" | "n", Some(b'\'')) => return Ok(Tk::Str(self.plain_string(start, end)?)),
            ("B" | "b" | "X" | "x", Some(b'\'')) => {
                return Err(unsupported(
                    format!("bit-string constant `{word}'...'`"),
                    "GoogleSQL has no bit-string type",
                ))
            }
            ("U" | "u", Some(b'&')) if matches!(self.bytes.get(end + 1), Some(b'\'' | b'"')) => {
                return Err(unsupported(
                    "Unicode-escaped constant `U&'...'`",
                    "use an escape string (E'\\uXXXX') or a parameter instead",
                ))
            }
            _ => {}
        }
        self.pos = end;
        if word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            Ok(Tk::Word(word.to_owned()))
        } else {
            // `$` and non-ASCII letters are not allowed in unquoted GoogleSQL
            // identifiers: quote the (case-folded, as PostgreSQL does) name.
            Ok(Tk::Ident(word.to_ascii_lowercase()))
        }
    }

    fn operator(&mut self, start: usize) -> Result<String, TranslateError> {
        let mut end = start;
        // An operator never contains the start of a comment.
        while let Some(&b) = self.bytes.get(end) {
            let next = self.bytes.get(end + 1).copied();
            if !is_op_char(b)
                || (end > start
                    && ((b == b'-' && next == Some(b'-')) || (b == b'/' && next == Some(b'*'))))
            {
                break;
            }
            end += 1;
        }
        let mut op = slice(self.src, start, end)?;
        // PostgreSQL: a multi-character operator cannot end in `+` or `-`
        // unless it also contains one of `~ ! @ # % ^ & | ` ?`.
        if !op.contains(['~', '!', '@', '#', '%', '^', '&', '|', '`', '?']) {
            while op.len() > 1 && (op.ends_with('+') || op.ends_with('-')) {
                op = &op[..op.len() - 1];
            }
        }
        self.pos = start + op.len();
        Ok(op.to_owned())
    }
}

// ---------------------------------------------------------------------------
// Rendering (GoogleSQL lexical structure)
// ---------------------------------------------------------------------------

fn push_escaped(out: &mut String, value: &str, quote: char) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

fn render_token(tok: &Token, out: &mut String) {
    match &tok.tk {
        Tk::Word(s) | Tk::Num(s) | Tk::Op(s) | Tk::Raw(s) => out.push_str(s),
        Tk::Ident(s) => {
            out.push('`');
            push_escaped(out, s, '`');
            out.push('`');
        }
        Tk::Str(s) => {
            out.push('\'');
            push_escaped(out, s, '\'');
            out.push('\'');
        }
        Tk::Param(n) => {
            let _ = write!(out, "@p{n}");
        }
        Tk::LParen => out.push('('),
        Tk::RParen => out.push(')'),
        Tk::LBracket => out.push('['),
        Tk::RBracket => out.push(']'),
        Tk::Comma => out.push(','),
        Tk::Dot => out.push('.'),
        Tk::Semi => out.push(';'),
        Tk::DoubleColon => out.push_str("::"),
        Tk::Colon => out.push(':'),
    }
}

fn render(tokens: &[Token]) -> String {
    let mut out = String::new();
    for tok in tokens {
        let mut text = String::new();
        render_token(tok, &mut text);
        if !out.is_empty() {
            // Keep the input's spacing, but never glue two tokens into one
            // (e.g. a word and a following quote would form a prefixed
            // literal in GoogleSQL).
            let glue_risk = out
                .as_bytes()
                .last()
                .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_')
                && text.as_bytes().first().is_some_and(|&b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'\'' | b'"' | b'`')
                });
            if tok.space || glue_risk {
                out.push(' ');
            }
        }
        out.push_str(&text);
    }
    out
}

// ---------------------------------------------------------------------------
// Translation
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stmt {
    Unknown,
    Query,
    Insert,
    Update,
    Delete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conflict {
    Ignore,
    Update,
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

/// Keywords that cannot be a function name or an expression operand.
const RESERVED: &[&str] = &[
    "ALL",
    "AND",
    "ANY",
    "AS",
    "ASC",
    "BETWEEN",
    "BY",
    "CASE",
    "CONFLICT",
    "CROSS",
    "DELETE",
    "DESC",
    "DISTINCT",
    "DO",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXISTS",
    "FILTER",
    "FOR",
    "FROM",
    "FULL",
    "GROUP",
    "HAVING",
    "ILIKE",
    "IN",
    "INNER",
    "INSERT",
    "INTERSECT",
    "INTO",
    "IS",
    "JOIN",
    "LATERAL",
    "LEFT",
    "LIKE",
    "LIMIT",
    "NATURAL",
    "NOT",
    "NULLS",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OUTER",
    "OVER",
    "PARTITION",
    "RETURN",
    "RETURNING",
    "RIGHT",
    "SELECT",
    "SET",
    "SIMILAR",
    "SOME",
    "THEN",
    "UNION",
    "UPDATE",
    "USING",
    "VALUES",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
];

fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// Words after which a new operand starts (so an `ILIKE` operand before or
/// after them is complete).
const BOUNDARY_BEFORE: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "WHERE",
    "ON",
    "WHEN",
    "THEN",
    "ELSE",
    "HAVING",
    "SELECT",
    "RETURNING",
];
const BOUNDARY_AFTER: &[&str] = &[
    "AND",
    "OR",
    "THEN",
    "ELSE",
    "END",
    "WHEN",
    "ORDER",
    "GROUP",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "RETURNING",
    "UNION",
    "INTERSECT",
    "EXCEPT",
    "FOR",
    "WINDOW",
    "ESCAPE",
    "AS",
    "FROM",
];

fn word_in(tok: Option<&Token>, list: &[&str]) -> bool {
    tok.is_some_and(|t| list.iter().any(|k| t.is_kw(k)))
}

struct Translator {
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
    conflict: Option<Conflict>,
    /// Output index of the top-level `THEN RETURN`.
    returning_at: Option<usize>,
    saw_top_where: bool,
}

impl Translator {
    fn new(tokens: Vec<Token>, src_len: usize) -> Self {
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

    fn run(mut self) -> Result<Vec<Token>, TranslateError> {
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
                let modifier = match self.conflict {
                    Some(Conflict::Ignore) => Some("IGNORE"),
                    Some(Conflict::Update) => Some("UPDATE"),
                    None => None,
                };
                if let (Some(modifier), Some(at)) = (modifier, self.insert_at) {
                    let at = (at + 1).min(self.out.len());
                    self.out.insert(at, Token::word(modifier, true));
                    self.out.insert(at, Token::word("OR", true));
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
                    self.out
                        .push(Token::new(Tk::Num(i64::MAX.to_string()), true));
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

    /// Translates `ON CONFLICT ...` (the `ON` is already consumed).
    fn on_conflict(&mut self, on: &Token) -> Result<(), TranslateError> {
        if self.stmt != Stmt::Insert || self.depth() != 0 || self.conflict.is_some() {
            return Err(syntax(on.offset, "unexpected ON CONFLICT"));
        }
        self.expect_kw("CONFLICT")?;
        if self.peek_kw(0, "ON") && self.peek_kw(1, "CONSTRAINT") {
            return Err(unsupported(
                "`ON CONFLICT ON CONSTRAINT`",
                "Spanner upserts (INSERT OR UPDATE / INSERT OR IGNORE) only detect conflicts \
                 on the primary key; name the primary key columns instead",
            ));
        }
        let mut target = Vec::new();
        if self.peek_is(0, &Tk::LParen) {
            self.bump();
            loop {
                match self.bump() {
                    Some(t) if t.tk == Tk::RParen => break,
                    Some(t) if t.tk == Tk::Comma => {}
                    Some(t) => match (t.ident_name(), self.peek(0).map(|n| &n.tk)) {
                        (Some(name), Some(Tk::Comma | Tk::RParen)) => target.push(name),
                        _ => {
                            return Err(unsupported(
                                "`ON CONFLICT` with an expression target",
                                "Spanner upserts only detect conflicts on primary key columns",
                            ))
                        }
                    },
                    None => return Err(syntax(self.end_offset(), "unterminated conflict target")),
                }
            }
            if self.peek_kw(0, "WHERE") {
                return Err(unsupported(
                    "`ON CONFLICT (...) WHERE ...`",
                    "Spanner has no partial unique indexes to infer",
                ));
            }
        }
        self.expect_kw("DO")?;
        if self.peek_kw(0, "NOTHING") {
            self.bump();
            self.conflict = Some(Conflict::Ignore);
            return Ok(());
        }
        self.expect_kw("UPDATE")?;
        self.expect_kw("SET")?;
        let mut updated = Vec::new();
        loop {
            let column = self.expect_ident("a column name")?;
            let ends_assignment = match self.peek(4) {
                None => true,
                Some(t) => {
                    matches!(t.tk, Tk::Comma | Tk::Semi) || t.is_kw("RETURNING") || t.is_kw("WHERE")
                }
            };
            let assignment_ok = self.peek(0).is_some_and(|t| t.tk == Tk::Op("=".into()))
                && self.peek(1).and_then(Token::ident_name).as_deref() == Some("excluded")
                && self.peek_is(2, &Tk::Dot)
                && self
                    .peek(3)
                    .and_then(Token::ident_name)
                    .is_some_and(|c| c.eq_ignore_ascii_case(&column))
                && ends_assignment;
            if !assignment_ok {
                return Err(unsupported(
                    format!("`ON CONFLICT DO UPDATE SET {column} = <expression>`"),
                    "Spanner's INSERT OR UPDATE can only store the inserted values; every \
                     assignment must be `col = excluded.col`",
                ));
            }
            for _ in 0..4 {
                self.bump();
            }
            updated.push(column);
            if self.peek_is(0, &Tk::Comma) {
                self.bump();
            } else {
                break;
            }
        }
        if self.peek_kw(0, "WHERE") {
            return Err(unsupported(
                "`ON CONFLICT DO UPDATE ... WHERE ...`",
                "Spanner's INSERT OR UPDATE cannot update conditionally",
            ));
        }
        let contains =
            |list: &[String], name: &str| list.iter().any(|c| c.eq_ignore_ascii_case(name));
        if let Some(extra) = updated.iter().find(|c| !contains(&self.insert_columns, c)) {
            return Err(unsupported(
                format!("`ON CONFLICT DO UPDATE SET {extra} = excluded.{extra}`"),
                format!(
                    "column `{extra}` is not inserted, and Spanner's INSERT OR UPDATE only \
                     writes the inserted columns"
                ),
            ));
        }
        if let Some(kept) = self
            .insert_columns
            .iter()
            .find(|c| !contains(&target, c) && !contains(&updated, c))
        {
            return Err(unsupported(
                "`ON CONFLICT DO UPDATE` that keeps some inserted columns",
                format!(
                    "Spanner's INSERT OR UPDATE overwrites every inserted column, but `{kept}` \
                     is not in the update list; update all inserted columns or insert fewer"
                ),
            ));
        }
        self.conflict = Some(Conflict::Update);
        Ok(())
    }

    /// `FOR UPDATE` is supported by Spanner; other locking clauses are not.
    fn lock_clause(&mut self, tok: Token) -> Result<(), TranslateError> {
        if !self.peek_kw(0, "UPDATE") {
            let mut clause = String::from("FOR");
            let mut n = 0;
            while let Some(Tk::Word(w)) = self.peek(n).map(|t| &t.tk) {
                if ["NO", "KEY", "UPDATE", "SHARE"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k))
                {
                    clause.push(' ');
                    clause.push_str(&w.to_ascii_uppercase());
                    n += 1;
                } else {
                    break;
                }
            }
            return Err(unsupported(
                format!("`{clause}`"),
                "Spanner only supports the FOR UPDATE locking clause",
            ));
        }
        self.out.push(tok);
        if let Some(update) = self.bump() {
            self.out.push(update);
        }
        for modifier in ["OF", "NOWAIT", "SKIP"] {
            if self.peek_kw(0, modifier) {
                return Err(unsupported(
                    format!("`FOR UPDATE {modifier} ...`"),
                    "Spanner's FOR UPDATE takes no table list or wait policy",
                ));
            }
        }
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
        let scalar = map_type(&name)?;
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

/// Maps a PostgreSQL type name (lower-cased, multi-word names joined with
/// single spaces) to its GoogleSQL equivalent.
fn map_type(name: &str) -> Result<&'static str, TranslateError> {
    Ok(match name {
        "text" | "varchar" | "character varying" | "uuid" => "STRING",
        "smallint" | "int2" | "integer" | "int" | "int4" | "bigint" | "int8" => "INT64",
        "real" | "float4" => "FLOAT32",
        "double precision" | "float8" | "float" => "FLOAT64",
        "numeric" | "decimal" => "NUMERIC",
        "boolean" | "bool" => "BOOL",
        "bytea" => "BYTES",
        "date" => "DATE",
        "timestamp"
        | "timestamptz"
        | "timestamp with time zone"
        | "timestamp without time zone" => "TIMESTAMP",
        "json" | "jsonb" => "JSON",
        _ => {
            return Err(unsupported(
                format!("cast to type `{name}`"),
                "the type has no GoogleSQL equivalent (Spanner has no user-defined or enum \
                 types: store enums as strings, e.g. `db_type = \"String(StringLen::None)\"`)",
            ))
        }
    })
}

/// Checks that an operator means the same in GoogleSQL.
fn check_operator(op: &str) -> Result<(), TranslateError> {
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

/// Returns the index in `out` where the operand that ends `out` starts: an
/// identifier chain, a constant, a parameter, a parenthesized expression, a
/// function call or an `ARRAY[...]` constructor.
fn operand_start(out: &[Token]) -> Option<usize> {
    let last = out.len().checked_sub(1)?;
    let start = match &out[last].tk {
        Tk::RParen => {
            let open = matching_open(out, last, &Tk::LParen, &Tk::RParen)?;
            match open.checked_sub(1).map(|i| &out[i]) {
                Some(t) if is_function_name(t) => ident_chain_start(out, open - 1),
                _ => open,
            }
        }
        Tk::RBracket => {
            let open = matching_open(out, last, &Tk::LBracket, &Tk::RBracket)?;
            match open.checked_sub(1).map(|i| &out[i]) {
                Some(t) if t.is_kw("ARRAY") => open - 1,
                _ => open,
            }
        }
        Tk::Word(w) if is_reserved(w) => return None,
        Tk::Word(_) | Tk::Ident(_) => ident_chain_start(out, last),
        Tk::Str(_) => {
            // Typed literals such as DATE '2024-01-01' are one operand.
            match last.checked_sub(1).map(|i| &out[i]) {
                Some(t)
                    if ["DATE", "TIMESTAMP", "TIMESTAMPTZ", "NUMERIC", "JSON"]
                        .iter()
                        .any(|k| t.is_kw(k)) =>
                {
                    last - 1
                }
                Some(Token {
                    tk: Tk::Word(w), ..
                }) if !is_reserved(w) && !w.eq_ignore_ascii_case("NULL") => return None,
                _ => last,
            }
        }
        Tk::Num(_) | Tk::Param(_) | Tk::Raw(_) => last,
        _ => return None,
    };
    Some(start)
}

fn is_function_name(tok: &Token) -> bool {
    match &tok.tk {
        Tk::Ident(_) => true,
        Tk::Word(w) => !is_reserved(w),
        _ => false,
    }
}

/// Given the index of the last identifier of a chain like `a.b.c`, returns
/// the index of its first identifier.
fn ident_chain_start(out: &[Token], mut at: usize) -> usize {
    while at >= 2
        && out[at - 1].tk == Tk::Dot
        && matches!(&out[at - 2].tk, Tk::Ident(_) | Tk::Word(_))
    {
        at -= 2;
    }
    at
}

/// Finds the opening bracket matching the closing one at `close`.
fn matching_open(out: &[Token], close: usize, open_tk: &Tk, close_tk: &Tk) -> Option<usize> {
    let mut depth = 0usize;
    for i in (0..=close).rev() {
        let tk = &out.get(i)?.tk;
        if tk == close_tk {
            depth += 1;
        } else if tk == open_tk {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn ok(pg: &str, expected: &str) {
        match translate_postgres(pg) {
            Ok(got) => assert_eq!(got, expected, "input: {pg}"),
            Err(err) => panic!("translating {pg:?} failed: {err}"),
        }
    }

    #[track_caller]
    fn unsupported_construct(pg: &str) -> String {
        match translate_postgres(pg) {
            Err(TranslateError::Unsupported { construct, reason }) => {
                assert!(!reason.is_empty());
                construct
            }
            other => panic!("expected Unsupported for {pg:?}, got {other:?}"),
        }
    }

    #[track_caller]
    fn syntax_offset(pg: &str) -> usize {
        match translate_postgres(pg) {
            Err(TranslateError::Syntax { offset, .. }) => offset,
            other => panic!("expected Syntax for {pg:?}, got {other:?}"),
        }
    }

    // ----- SeaORM statement shapes ----------------------------------------

    #[test]
    fn find_by_id() {
        ok(
            r#"SELECT "cake"."id", "cake"."name" FROM "cake" WHERE "cake"."id" = $1 LIMIT $2"#,
            "SELECT `cake`.`id`, `cake`.`name` FROM `cake` WHERE `cake`.`id` = @p1 LIMIT @p2",
        );
    }

    #[test]
    fn insert_returning() {
        ok(
            r#"INSERT INTO "cake" ("name") VALUES ($1) RETURNING "id", "name""#,
            "INSERT INTO `cake` (`name`) VALUES (@p1) THEN RETURN `id`, `name`",
        );
        ok(
            r#"INSERT INTO "cake" ("id", "name") VALUES ($1, $2), ($3, $4) RETURNING *"#,
            "INSERT INTO `cake` (`id`, `name`) VALUES (@p1, @p2), (@p3, @p4) THEN RETURN *",
        );
    }

    #[test]
    fn insert_with_casts_from_sea_orm() {
        ok(
            r#"INSERT INTO "posts" ("id", "title", "text") VALUES (CAST($1 AS TEXT), $2, $3) RETURNING CAST("id" AS INTEGER)"#,
            "INSERT INTO `posts` (`id`, `title`, `text`) VALUES (CAST(@p1 AS STRING), @p2, @p3) THEN RETURN CAST(`id` AS INT64)",
        );
        // Enum columns are selected as `CAST(col AS "text")`.
        ok(
            r#"SELECT CAST("tea"."kind" AS "text") AS "kind", CAST("tea"."tags" AS "text"[]) FROM "tea""#,
            "SELECT CAST(`tea`.`kind` AS STRING) AS `kind`, CAST(`tea`.`tags` AS ARRAY<STRING>) FROM `tea`",
        );
    }

    #[test]
    fn paginator_count() {
        ok(
            r#"SELECT COUNT(*) AS num_items FROM (SELECT "cake"."id", "cake"."name" FROM "cake" WHERE "cake"."name" LIKE $1) AS "sub_query""#,
            "SELECT COUNT(*) AS num_items FROM (SELECT `cake`.`id`, `cake`.`name` FROM `cake` WHERE `cake`.`name` LIKE @p1) AS `sub_query`",
        );
        ok(
            r#"SELECT "cake"."id" FROM "cake" ORDER BY "cake"."id" ASC LIMIT $1 OFFSET $2"#,
            "SELECT `cake`.`id` FROM `cake` ORDER BY `cake`.`id` ASC LIMIT @p1 OFFSET @p2",
        );
    }

    #[test]
    fn exists_query() {
        ok(
            r#"SELECT 1 FROM (SELECT "cake"."id" FROM "cake") AS sub_query LIMIT 1"#,
            "SELECT 1 FROM (SELECT `cake`.`id` FROM `cake`) AS sub_query LIMIT 1",
        );
    }

    #[test]
    fn joins_and_related_aliases() {
        ok(
            r#"SELECT "cake"."id" AS "A_id", "cake"."name" AS "A_name", "r0"."id" AS "B_id", "r0"."cake_id" AS "B_cake_id" FROM "cake" LEFT JOIN "fruit" AS "r0" ON "cake"."id" = "r0"."cake_id" ORDER BY "cake"."id" ASC"#,
            "SELECT `cake`.`id` AS `A_id`, `cake`.`name` AS `A_name`, `r0`.`id` AS `B_id`, `r0`.`cake_id` AS `B_cake_id` FROM `cake` LEFT JOIN `fruit` AS `r0` ON `cake`.`id` = `r0`.`cake_id` ORDER BY `cake`.`id` ASC",
        );
        ok(
            r#"SELECT "fruit"."id" FROM "fruit" INNER JOIN "cake" ON "cake"."id" = "fruit"."cake_id" WHERE "cake"."id" IN ($1, $2, $3) AND "fruit"."name" IS NOT NULL"#,
            "SELECT `fruit`.`id` FROM `fruit` INNER JOIN `cake` ON `cake`.`id` = `fruit`.`cake_id` WHERE `cake`.`id` IN (@p1, @p2, @p3) AND `fruit`.`name` IS NOT NULL",
        );
    }

    #[test]
    fn update_and_delete() {
        ok(
            r#"UPDATE "cake" SET "name" = $1 WHERE "cake"."id" = $2 RETURNING "id", "name""#,
            "UPDATE `cake` SET `name` = @p1 WHERE `cake`.`id` = @p2 THEN RETURN `id`, `name`",
        );
        ok(
            r#"DELETE FROM "cake" WHERE "cake"."name" LIKE $1"#,
            "DELETE FROM `cake` WHERE `cake`.`name` LIKE @p1",
        );
        // Spanner requires a WHERE clause.
        ok(
            r#"UPDATE "cake" SET "name" = $1"#,
            "UPDATE `cake` SET `name` = @p1 WHERE TRUE",
        );
        ok(r#"DELETE FROM "cake""#, "DELETE FROM `cake` WHERE TRUE");
        ok(
            r#"DELETE FROM "cake" RETURNING "id""#,
            "DELETE FROM `cake` WHERE TRUE THEN RETURN `id`",
        );
        // A WHERE inside a subquery does not count.
        ok(
            r#"UPDATE "cake" SET "n" = (SELECT MAX("x") FROM "y" WHERE "y"."a" = $1)"#,
            "UPDATE `cake` SET `n` = (SELECT MAX(`x`) FROM `y` WHERE `y`.`a` = @p1) WHERE TRUE",
        );
    }

    #[test]
    fn upserts() {
        ok(
            r#"INSERT INTO "cake" ("id", "name") VALUES ($1, $2) ON CONFLICT ("id") DO NOTHING RETURNING "id""#,
            "INSERT OR IGNORE INTO `cake` (`id`, `name`) VALUES (@p1, @p2) THEN RETURN `id`",
        );
        ok(
            r#"INSERT INTO "cake" ("id", "name") VALUES ($1, $2) ON CONFLICT DO NOTHING"#,
            "INSERT OR IGNORE INTO `cake` (`id`, `name`) VALUES (@p1, @p2)",
        );
        ok(
            r#"INSERT INTO "cake" ("id", "name", "price") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "name" = "excluded"."name", "price" = "excluded"."price""#,
            "INSERT OR UPDATE INTO `cake` (`id`, `name`, `price`) VALUES (@p1, @p2, @p3)",
        );
        ok(
            r#"INSERT INTO "cake" ("id", "name") VALUES ($1, $2) ON CONFLICT ("id") DO UPDATE SET "id" = "excluded"."id", "name" = "excluded"."name" RETURNING "id""#,
            "INSERT OR UPDATE INTO `cake` (`id`, `name`) VALUES (@p1, @p2) THEN RETURN `id`",
        );
    }

    #[test]
    fn unsupported_upserts() {
        // Partial update: INSERT OR UPDATE would also overwrite "price".
        unsupported_construct(
            r#"INSERT INTO "cake" ("id", "name", "price") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "name" = "excluded"."name""#,
        );
        // Computed assignment.
        unsupported_construct(
            r#"INSERT INTO "cake" ("id", "n") VALUES ($1, $2) ON CONFLICT ("id") DO UPDATE SET "n" = "cake"."n" + 1"#,
        );
        // Copy from a different column.
        unsupported_construct(
            r#"INSERT INTO "cake" ("id", "a", "b") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "a" = "excluded"."b", "b" = "excluded"."a""#,
        );
        // Conditional update.
        unsupported_construct(
            r#"INSERT INTO "cake" ("id", "n") VALUES ($1, $2) ON CONFLICT ("id") DO UPDATE SET "n" = "excluded"."n" WHERE "cake"."n" < 5"#,
        );
        let c = unsupported_construct(
            r#"INSERT INTO "cake" ("id") VALUES ($1) ON CONFLICT ON CONSTRAINT "pk" DO NOTHING"#,
        );
        assert!(c.contains("ON CONSTRAINT"));
        unsupported_construct(
            r#"INSERT INTO "cake" ("id") VALUES ($1) ON CONFLICT (LOWER("name")) DO NOTHING"#,
        );
        unsupported_construct(
            r#"INSERT INTO "cake" ("id") VALUES ($1) ON CONFLICT ("id") WHERE "x" DO NOTHING"#,
        );
    }

    #[test]
    fn default_values_are_rejected() {
        unsupported_construct(r#"INSERT INTO "cake" DEFAULT VALUES RETURNING "id""#);
        unsupported_construct(r#"INSERT INTO "cake" VALUES (DEFAULT) RETURNING "id""#);
        unsupported_construct(r#"INSERT INTO "cake" () VALUES ()"#);
    }

    #[test]
    fn insert_select_and_default_keyword() {
        ok(
            r#"INSERT INTO "a" ("x", "y") SELECT "b"."x", DEFAULT FROM "b""#,
            "INSERT INTO `a` (`x`, `y`) SELECT `b`.`x`, DEFAULT FROM `b`",
        );
    }

    // ----- lexical translation -------------------------------------------

    #[test]
    fn identifiers_are_requoted() {
        ok(r#"SELECT "a""b" FROM "t""#, r#"SELECT `a"b` FROM `t`"#);
        ok(r#"SELECT "a`b\c" FROM "t""#, r"SELECT `a\`b\\c` FROM `t`");
        ok(r#"SELECT "ünï" FROM "日本""#, "SELECT `ünï` FROM `日本`");
        ok("SELECT Ünï, a$b FROM t", "SELECT `Ünï`, `a$b` FROM t");
        assert_eq!(syntax_offset(r#"SELECT """#), 7);
    }

    #[test]
    fn strings_are_reescaped() {
        ok("SELECT 'it''s'", r"SELECT 'it\'s'");
        ok(r"SELECT 'C:\dir'", r"SELECT 'C:\\dir'");
        ok(r"SELECT E'a\nb\tc\\d\'e'", r"SELECT 'a\nb\tc\\d\'e'");
        ok(r"SELECT E'x''y'", r"SELECT 'x\'y'");
        ok(r"SELECT E'\x41\102\u00e9\U0001F600'", "SELECT 'ABé😀'");
        ok(r"SELECT E'\303\251'", "SELECT 'é'");
        ok(r"SELECT E'\uD83D\uDE00'", "SELECT '😀'");
        ok(r"SELECT E'\b\f\0'", r"SELECT '\x08\x0c\x00'");
        ok(r"SELECT E'\q\é'", "SELECT 'qé'");
        ok("SELECT 'héllo ☃'", "SELECT 'héllo ☃'");
        ok("SELECT $$it's$$, $tag$a$$b$tag$", r"SELECT 'it\'s', 'a$$b'");
        ok("SELECT N'x'", "SELECT 'x'");
        ok("SELECT 'a'\n'b'", "SELECT 'ab'");
        ok("SELECT 'a' 'b'", "SELECT 'a' 'b'");
        ok("SELECT '\u{1}'", r"SELECT '\x01'");
        ok("SELECT ''", "SELECT ''");
    }

    #[test]
    fn sea_query_inline_values() {
        // sea-query inlines values with `E'...'` when they need escaping.
        ok(
            r#"SELECT "cake"."id" FROM "cake" WHERE "cake"."name" = E'Cheese\'s \\ cake\n' AND "cake"."ok" = TRUE AND "cake"."price" > 1.5"#,
            r"SELECT `cake`.`id` FROM `cake` WHERE `cake`.`name` = 'Cheese\'s \\ cake\n' AND `cake`.`ok` = TRUE AND `cake`.`price` > 1.5",
        );
    }

    #[test]
    fn numbers_and_operators() {
        ok(
            "SELECT 1, 1.5, .5, 1e10, 2.5E-3, 1_000, 0x1F",
            "SELECT 1, 1.5, .5, 1e10, 2.5E-3, 1000, 0x1F",
        );
        ok(
            r#"SELECT "a"+-1, "b"<>2, "c"!=3, "d"||'x'"#,
            r#"SELECT `a`+-1, `b`<>2, `c`!=3, `d`||'x'"#,
        );
        ok(
            r#"SELECT "a" >= $1 AND "b" <= $2"#,
            "SELECT `a` >= @p1 AND `b` <= @p2",
        );
        ok(r#"SELECT "t".* FROM "t""#, "SELECT `t`.* FROM `t`");
        unsupported_construct("SELECT 0o17");
        assert_eq!(syntax_offset("SELECT 12abc"), 7);
    }

    #[test]
    fn comments_are_dropped() {
        ok("SELECT /* c */ 1 -- tail", "SELECT 1");
        ok("SELECT /* a /* nested */ b */ 1", "SELECT 1");
        ok("SELECT 1--x\n, 2", "SELECT 1 , 2");
        assert_eq!(syntax_offset("SELECT /* a /* b */ 1"), 7);
    }

    #[test]
    fn params() {
        ok("SELECT $1, $10, $2", "SELECT @p1, @p10, @p2");
        assert_eq!(syntax_offset("SELECT $0"), 7);
        assert_eq!(syntax_offset("SELECT $99999999999"), 7);
    }

    // ----- casts -------------------------------------------------------------

    #[test]
    fn casts() {
        ok("SELECT $1::text", "SELECT CAST(@p1 AS STRING)");
        ok(
            r#"SELECT "t"."c"::bigint FROM "t""#,
            "SELECT CAST(`t`.`c` AS INT64) FROM `t`",
        );
        ok(
            "SELECT ($1 + 1)::double precision",
            "SELECT CAST((@p1 + 1) AS FLOAT64)",
        );
        ok("SELECT COUNT(*)::int", "SELECT CAST(COUNT(*) AS INT64)");
        ok(
            "SELECT $1::int::text",
            "SELECT CAST(CAST(@p1 AS INT64) AS STRING)",
        );
        ok(
            "SELECT '2024-01-01'::date",
            "SELECT CAST('2024-01-01' AS DATE)",
        );
        ok(
            "SELECT $1::timestamp with time zone",
            "SELECT CAST(@p1 AS TIMESTAMP)",
        );
        ok(
            "SELECT $1::timestamptz, $2::jsonb, $3::bytea",
            "SELECT CAST(@p1 AS TIMESTAMP), CAST(@p2 AS JSON), CAST(@p3 AS BYTES)",
        );
        ok("SELECT $1::uuid, $2::boolean, $3::real, $4::numeric", "SELECT CAST(@p1 AS STRING), CAST(@p2 AS BOOL), CAST(@p3 AS FLOAT32), CAST(@p4 AS NUMERIC)");
        ok("SELECT $1::bigint[]", "SELECT CAST(@p1 AS ARRAY<INT64>)");
        ok(
            "SELECT ARRAY[1, 2]::int[]",
            "SELECT CAST(ARRAY[1, 2] AS ARRAY<INT64>)",
        );
        ok(
            "SELECT CAST($1 AS character varying)",
            "SELECT CAST(@p1 AS STRING)",
        );
        ok("SELECT NULL::text", "SELECT CAST(NULL AS STRING)");
        ok(
            "SELECT DATE '2024-01-01'::text",
            "SELECT CAST(DATE '2024-01-01' AS STRING)",
        );
        ok(
            "SELECT \"f\"(\"x\")::text",
            "SELECT CAST(`f`(`x`) AS STRING)",
        );
        ok(
            "SELECT lower(\"x\")::text",
            "SELECT CAST(lower(`x`) AS STRING)",
        );
        ok(
            "SELECT CAST(CAST($1 AS int) AS text)",
            "SELECT CAST(CAST(@p1 AS INT64) AS STRING)",
        );
        ok(
            "SELECT CAST((SELECT \"a\" AS \"b\" FROM \"t\") AS text)",
            "SELECT CAST((SELECT `a` AS `b` FROM `t`) AS STRING)",
        );
    }

    #[test]
    fn unsupported_casts() {
        let c = unsupported_construct(r#"INSERT INTO "t" ("c") VALUES (CAST($1 AS "tea_kind"))"#);
        assert!(c.contains("tea_kind"), "{c}");
        unsupported_construct(r#"SELECT $1::"tea_kind""#);
        unsupported_construct("SELECT $1::varchar(10)");
        unsupported_construct("SELECT CAST($1 AS numeric(10, 2))");
        unsupported_construct("SELECT $1::int[][]");
        unsupported_construct("SELECT $1::interval");
        unsupported_construct("SELECT TIME '10:00'::text");
        // The operand of `::` after `END` is a whole CASE expression.
        unsupported_construct("SELECT CASE WHEN TRUE THEN 1 END::text");
        ok(
            "SELECT (CASE WHEN TRUE THEN 1 END)::text",
            "SELECT CAST((CASE WHEN TRUE THEN 1 END) AS STRING)",
        );
    }

    // ----- clauses -----------------------------------------------------------

    #[test]
    fn offset_without_limit() {
        ok(
            r#"SELECT "id" FROM "t" OFFSET $1"#,
            "SELECT `id` FROM `t` LIMIT 9223372036854775807 OFFSET @p1",
        );
        ok(
            r#"SELECT "id" FROM "t" LIMIT $1 OFFSET $2"#,
            "SELECT `id` FROM `t` LIMIT @p1 OFFSET @p2",
        );
        ok(
            r#"SELECT * FROM (SELECT "id" FROM "t" LIMIT 5) AS "s" OFFSET 2"#,
            "SELECT * FROM (SELECT `id` FROM `t` LIMIT 5) AS `s` LIMIT 9223372036854775807 OFFSET 2",
        );
        ok(
            r#"SELECT "id" FROM "t" LIMIT 5 UNION ALL (SELECT "id" FROM "u" OFFSET 3)"#,
            "SELECT `id` FROM `t` LIMIT 5 UNION ALL (SELECT `id` FROM `u` LIMIT 9223372036854775807 OFFSET 3)",
        );
    }

    #[test]
    fn set_operations() {
        ok(
            r#"SELECT "id" FROM "a" UNION (SELECT "id" FROM "b")"#,
            "SELECT `id` FROM `a` UNION DISTINCT (SELECT `id` FROM `b`)",
        );
        ok(
            r#"SELECT "id" FROM "a" UNION ALL (SELECT "id" FROM "b")"#,
            "SELECT `id` FROM `a` UNION ALL (SELECT `id` FROM `b`)",
        );
        ok(
            r#"SELECT "id" FROM "a" INTERSECT (SELECT "id" FROM "b") EXCEPT (SELECT "id" FROM "c")"#,
            "SELECT `id` FROM `a` INTERSECT DISTINCT (SELECT `id` FROM `b`) EXCEPT DISTINCT (SELECT `id` FROM `c`)",
        );
        ok(
            r#"SELECT "id" FROM "a" UNION DISTINCT SELECT "id" FROM "b""#,
            "SELECT `id` FROM `a` UNION DISTINCT SELECT `id` FROM `b`",
        );
    }

    #[test]
    fn predicates_pass_through() {
        ok(
            r#"SELECT "id" FROM "t" WHERE "a" IS NULL AND "b" IS NOT NULL AND "c" NOT IN ($1) AND "d" BETWEEN $2 AND $3 AND 1 = 2 AND "e" IS DISTINCT FROM $4 AND EXISTS (SELECT 1) ORDER BY "a" DESC NULLS LAST, "b" NULLS FIRST"#,
            "SELECT `id` FROM `t` WHERE `a` IS NULL AND `b` IS NOT NULL AND `c` NOT IN (@p1) AND `d` BETWEEN @p2 AND @p3 AND 1 = 2 AND `e` IS DISTINCT FROM @p4 AND EXISTS (SELECT 1) ORDER BY `a` DESC NULLS LAST, `b` NULLS FIRST",
        );
        ok(
            r#"SELECT COALESCE(MAX("id"), 0) AS "m", CASE WHEN ("a" > 1) THEN 'x' ELSE 'y' END FROM "t" GROUP BY "b" HAVING COUNT(*) > $1"#,
            "SELECT COALESCE(MAX(`id`), 0) AS `m`, CASE WHEN (`a` > 1) THEN 'x' ELSE 'y' END FROM `t` GROUP BY `b` HAVING COUNT(*) > @p1",
        );
        ok(
            r#"WITH "c" AS (SELECT "id" FROM "t") SELECT * FROM "c""#,
            "WITH `c` AS (SELECT `id` FROM `t`) SELECT * FROM `c`",
        );
        ok(
            r#"SELECT "id" FROM "t" WHERE "id" = $1 FOR UPDATE"#,
            "SELECT `id` FROM `t` WHERE `id` = @p1 FOR UPDATE",
        );
    }

    #[test]
    fn ilike_with_simple_operands() {
        ok(
            r#"SELECT "id" FROM "t" WHERE "t"."name" ILIKE $1"#,
            "SELECT `id` FROM `t` WHERE LOWER(`t`.`name`) LIKE LOWER(@p1)",
        );
        ok(
            r#"SELECT "id" FROM "t" WHERE "a" = 1 AND "t"."name" NOT ILIKE '%x%' AND "b" = 2"#,
            "SELECT `id` FROM `t` WHERE `a` = 1 AND LOWER(`t`.`name`) NOT LIKE LOWER('%x%') AND `b` = 2",
        );
        ok(
            r#"SELECT ("name" ILIKE "pattern") FROM "t""#,
            "SELECT (LOWER(`name`) LIKE LOWER(`pattern`)) FROM `t`",
        );
        unsupported_construct(r#"SELECT "id" FROM "t" WHERE "a" || "b" ILIKE $1"#);
        unsupported_construct(r#"SELECT "id" FROM "t" WHERE "a" ILIKE $1 || 'x'"#);
        unsupported_construct(r#"SELECT "id" FROM "t" WHERE "a" ILIKE LOWER($1)"#);
    }

    #[test]
    fn like_escape() {
        ok(
            r#"SELECT "id" FROM "t" WHERE "a" LIKE $1 ESCAPE E'\\'"#,
            "SELECT `id` FROM `t` WHERE `a` LIKE @p1",
        );
        ok(
            r#"SELECT "id" FROM "t" WHERE "a" LIKE $1 ESCAPE '\'"#,
            "SELECT `id` FROM `t` WHERE `a` LIKE @p1",
        );
        unsupported_construct(r#"SELECT "id" FROM "t" WHERE "a" LIKE $1 ESCAPE '!'"#);
    }

    #[test]
    fn any_and_all() {
        ok(
            r#"SELECT "id" FROM "t" WHERE "id" = ANY($1)"#,
            "SELECT `id` FROM `t` WHERE `id` IN UNNEST(@p1)",
        );
        ok(
            r#"SELECT "id" FROM "t" WHERE "id" <> ALL($1)"#,
            "SELECT `id` FROM `t` WHERE `id` NOT IN UNNEST(@p1)",
        );
        ok(
            r#"SELECT "id" FROM "t" WHERE "id" = ANY(SELECT "x" FROM "u")"#,
            "SELECT `id` FROM `t` WHERE `id` IN (SELECT `x` FROM `u`)",
        );
        unsupported_construct(r#"SELECT "id" FROM "t" WHERE "id" > ANY($1)"#);
        ok(r#"SELECT ALL "id" FROM "t""#, "SELECT ALL `id` FROM `t`");
    }

    #[test]
    fn arrays() {
        ok("SELECT ARRAY [1,2]", "SELECT ARRAY [1,2]");
        ok("SELECT ARRAY[$1, $2]", "SELECT ARRAY[@p1, @p2]");
        unsupported_construct(r#"SELECT "a"[1] FROM "t""#);
        unsupported_construct(r#"SELECT ARRAY[1,2,3][1:2]"#);
    }

    #[test]
    fn unsupported_constructs() {
        let cases = [
            (r#"SELECT DISTINCT ON ("a") "a" FROM "t""#, "DISTINCT ON"),
            (r#"SELECT "a" FROM "t" FOR SHARE"#, "FOR SHARE"),
            (
                r#"SELECT "a" FROM "t" FOR NO KEY UPDATE"#,
                "FOR NO KEY UPDATE",
            ),
            (r#"SELECT "a" FROM "t" FOR KEY SHARE"#, "FOR KEY SHARE"),
            (r#"SELECT "a" FROM "t" FOR UPDATE OF "t""#, "FOR UPDATE OF"),
            (
                r#"SELECT "a" FROM "t" FOR UPDATE NOWAIT"#,
                "FOR UPDATE NOWAIT",
            ),
            (
                r#"SELECT "a" FROM "t" FOR UPDATE SKIP LOCKED"#,
                "FOR UPDATE SKIP",
            ),
            (r#"SELECT "j" -> 'a' FROM "t""#, "->"),
            (r#"SELECT "j" ->> 'a' FROM "t""#, "->>"),
            (r#"SELECT 1 FROM "t" WHERE "j" @> $1"#, "@>"),
            (r#"SELECT 1 FROM "t" WHERE "j" <@ $1"#, "<@"),
            (r#"SELECT 1 FROM "t" WHERE "a" && $1"#, "&&"),
            (r#"SELECT 1 FROM "t" WHERE "j" ? 'k'"#, "?"),
            (r#"SELECT 1 FROM "t" WHERE "a" ~ 'x'"#, "~"),
            (r#"SELECT 1 FROM "t" WHERE "a" ~* 'x'"#, "~*"),
            (r#"SELECT "a" % 2 FROM "t""#, "%"),
            (r#"SELECT "a" ^ 2 FROM "t""#, "^"),
            (r#"SELECT 1 FROM "t" WHERE "v" @@ $1"#, "@@"),
            (
                r#"SELECT 1 FROM "t" WHERE "a" SIMILAR TO 'x'"#,
                "SIMILAR TO",
            ),
            (r#"SELECT 1 FROM "t", LATERAL (SELECT 1) AS "x""#, "LATERAL"),
            (r#"SELECT COUNT(*) FILTER (WHERE "a") FROM "t""#, "FILTER"),
            (r#"SELECT NOW() - INTERVAL '1 day'"#, "INTERVAL"),
            (r#"SELECT "a" INTO TABLE "b" FROM "t""#, "INTO"),
            (
                r#"SELECT * FROM "t" TABLESAMPLE SYSTEM (10)"#,
                "TABLESAMPLE",
            ),
            (
                r#"UPDATE "t" SET "a" = "u"."a" FROM "u" WHERE "t"."id" = "u"."id""#,
                "UPDATE ... FROM",
            ),
            (
                r#"DELETE FROM "t" USING "u" WHERE "t"."id" = "u"."id""#,
                "DELETE ... USING",
            ),
            (
                r#"WITH "x" AS (DELETE FROM "t" RETURNING "id") SELECT * FROM "x""#,
                "DELETE",
            ),
            (
                r#"SELECT * FROM (UPDATE "t" SET "a" = 1 RETURNING "a") AS "x""#,
                "UPDATE",
            ),
            (r#"CREATE TABLE "t" ("id" serial)"#, "CREATE"),
            (r#"EXPLAIN SELECT 1"#, "EXPLAIN"),
            ("SELECT 1; SELECT 2", "multiple statements"),
            ("SELECT B'0101'", "bit-string"),
            ("SELECT U&'d\\0061t'", "Unicode"),
        ];
        for (sql, needle) in cases {
            let construct = unsupported_construct(sql);
            assert!(
                construct.contains(needle),
                "{sql}: construct {construct:?} should mention {needle:?}"
            );
        }
    }

    #[test]
    fn error_messages_are_clear() {
        let err = translate_postgres(r#"SELECT 1 FROM "t" WHERE "j" @> $1"#).expect_err("error");
        assert_eq!(
            err.to_string(),
            "cannot translate operator `@>` to GoogleSQL: containment, overlap and \
             key-existence operators have no GoogleSQL equivalent"
        );
        let err = translate_postgres("SELECT 'abc").expect_err("error");
        assert_eq!(
            err.to_string(),
            "invalid PostgreSQL SQL at byte 7: unterminated string constant"
        );
    }

    #[test]
    fn lexical_errors() {
        assert_eq!(syntax_offset("SELECT 'abc"), 7);
        assert_eq!(syntax_offset("SELECT E'abc\\'"), 7);
        assert_eq!(syntax_offset("SELECT \"abc"), 7);
        assert_eq!(syntax_offset("SELECT $$abc"), 7);
        assert_eq!(syntax_offset("SELECT 1 /* x"), 9);
        assert_eq!(syntax_offset("SELECT {"), 7);
        assert_eq!(syntax_offset("SELECT E'\\uZZZZ'"), 11);
        assert_eq!(syntax_offset("SELECT E'\\xff'"), 7);
    }

    #[test]
    fn empty_and_trailing_semicolon() {
        ok("", "");
        ok("  -- nothing\n", "");
        ok("SELECT 1;", "SELECT 1");
        ok("SELECT 1 ; ", "SELECT 1");
    }

    #[test]
    fn never_panics() {
        let samples = [
            r#"INSERT INTO "cäke" ("id", "ñame") VALUES ($1, E'\303\251\'') ON CONFLICT ("id") DO UPDATE SET "ñame" = "excluded"."ñame" RETURNING "id";"#,
            r#"SELECT "a"::text, CAST($1 AS "t"[]), $$x$$, $q$y$q$ FROM "t" WHERE "a" ILIKE $2 OFFSET 1 -- é"#,
            "SELECT /* ☃ /* 🎉 */ */ U&'x' B'1' 0x 1e+ .5. :: [ ] ; $ $a E'\\",
        ];
        for sample in samples {
            for (i, _) in sample.char_indices() {
                let _ = translate_postgres(&sample[..i]);
                let _ = translate_postgres(&sample[i..]);
            }
        }
        let deep = "(".repeat(10_000) + &")".repeat(10_000);
        let _ = translate_postgres(&deep);
        let casts = "SELECT $1".to_owned() + &"::text".repeat(2_000);
        assert!(translate_postgres(&casts).is_ok());
    }
}
