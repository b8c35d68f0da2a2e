//! A tokenizer for GoogleSQL, the SQL dialect of Cloud Spanner.
//!
//! The lexer does not try to understand the grammar. It only splits the input
//! into tokens precisely enough to know where literals, quoted identifiers,
//! comments, query parameters and statement hints begin and end, so that the
//! rest of the driver can rewrite placeholders, classify statements and split
//! scripts without being fooled by a `?` or a `;` inside a string.
//!
//! Every token borrows its text from the input and the concatenation of all
//! tokens is exactly the input, so callers can rebuild (or rewrite) the SQL
//! losslessly.

use super::SqlError;

/// The category of a [`Token`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A run of ASCII whitespace.
    Whitespace,
    /// A `-- ...` or `# ...` comment, up to (not including) the line break.
    LineComment,
    /// A `/* ... */` comment. GoogleSQL block comments do not nest.
    BlockComment,
    /// A string literal in any of its forms: `'..'`, `".."`, `'''..'''`,
    /// `"""..."""`, optionally with an `r`/`R` (raw) prefix.
    String,
    /// A bytes literal: a string literal with a `b`, `rb` or `br` prefix
    /// (in any case).
    Bytes,
    /// A backtick-quoted identifier such as `` `my table` ``.
    QuotedIdentifier,
    /// An unquoted identifier or keyword.
    Word,
    /// A numeric literal (integer, decimal, exponent or hexadecimal form).
    Number,
    /// A named query parameter such as `@name`, including the `@`.
    NamedParameter,
    /// A system variable such as `@@statement_tag`, including the `@@`.
    SystemVariable,
    /// A positional placeholder `?`.
    Positional,
    /// A hint such as `@{FORCE_INDEX=my_index}`, from `@{` to the matching `}`.
    Hint,
    /// The statement separator `;`.
    Semicolon,
    /// An opening parenthesis `(`.
    OpenParen,
    /// A closing parenthesis `)`.
    CloseParen,
    /// Any other single character (operators, punctuation, stray characters).
    Symbol,
}

impl TokenKind {
    /// Returns `true` for tokens that carry no meaning: whitespace and comments.
    pub fn is_trivia(self) -> bool {
        matches!(
            self,
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment
        )
    }
}

/// One lexical token, borrowing its text from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// What kind of token this is.
    pub kind: TokenKind,
    /// The exact source text of the token.
    pub text: &'a str,
    /// The byte offset of the token in the input.
    pub offset: usize,
}

impl Token<'_> {
    /// Returns `true` if this is a [`TokenKind::Word`] equal to `keyword`,
    /// ignoring ASCII case.
    pub fn is_keyword(&self, keyword: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(keyword)
    }
}

/// An iterator over the tokens of a GoogleSQL string.
///
/// After yielding an error the iterator is exhausted.
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    failed: bool,
}

impl<'a> Lexer<'a> {
    /// Creates a lexer over `src`.
    pub fn new(src: &'a str) -> Self {
        Lexer {
            src,
            pos: 0,
            failed: false,
        }
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.src.as_bytes().get(at).copied()
    }

    /// Scans one token starting at `start`, returning its kind and end offset.
    ///
    /// Inside a hint body (`in_hint`), `@` is an ordinary symbol so that hints
    /// never nest (and scanning never recurses more than one level).
    fn scan_token(&self, start: usize, in_hint: bool) -> Result<(TokenKind, usize), SqlError> {
        let bytes = self.src.as_bytes();
        let Some(&first) = bytes.get(start) else {
            // Callers never scan at the end of input; report an empty symbol.
            return Ok((TokenKind::Symbol, start));
        };
        let next = self.byte(start + 1);
        let token = match first {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' => {
                let end = scan_while(bytes, start, |b| {
                    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
                });
                (TokenKind::Whitespace, end)
            }
            b'#' => (TokenKind::LineComment, scan_line_comment(bytes, start)),
            b'-' if next == Some(b'-') => (TokenKind::LineComment, scan_line_comment(bytes, start)),
            b'/' if next == Some(b'*') => {
                let end = find(bytes, start + 2, b"*/")
                    .ok_or(SqlError::UnterminatedComment { offset: start })?;
                (TokenKind::BlockComment, end + 2)
            }
            b'\'' | b'"' => (TokenKind::String, scan_quoted(bytes, start, start)?),
            b'`' => (TokenKind::QuotedIdentifier, scan_identifier(bytes, start)?),
            b'?' => (TokenKind::Positional, start + 1),
            b';' => (TokenKind::Semicolon, start + 1),
            b'(' => (TokenKind::OpenParen, start + 1),
            b')' => (TokenKind::CloseParen, start + 1),
            b'@' if !in_hint => self.scan_at(start)?,
            b'0'..=b'9' => (TokenKind::Number, scan_number(bytes, start)),
            b'.' if next.is_some_and(|b| b.is_ascii_digit()) => {
                (TokenKind::Number, scan_number(bytes, start))
            }
            b if is_ident_start(b) => {
                let end = scan_while(bytes, start, is_ident_continue);
                let word = &bytes[start..end];
                let is_prefix = matches!(
                    word.to_ascii_lowercase().as_slice(),
                    b"r" | b"b" | b"rb" | b"br"
                );
                match bytes.get(end) {
                    Some(b'\'' | b'"') if is_prefix => {
                        let kind = if word.iter().any(|b| b.eq_ignore_ascii_case(&b'b')) {
                            TokenKind::Bytes
                        } else {
                            TokenKind::String
                        };
                        (kind, scan_quoted(bytes, start, end)?)
                    }
                    _ => (TokenKind::Word, end),
                }
            }
            _ => {
                // A single character, which may span several bytes.
                let len = self
                    .src
                    .get(start..)
                    .and_then(|rest| rest.chars().next())
                    .map_or(1, char::len_utf8);
                (TokenKind::Symbol, start + len)
            }
        };
        Ok(token)
    }

    /// Scans a token starting with `@`: a parameter, a system variable or a hint.
    fn scan_at(&self, start: usize) -> Result<(TokenKind, usize), SqlError> {
        let bytes = self.src.as_bytes();
        match self.byte(start + 1) {
            Some(b'{') => {
                // A hint: lex its body with the ordinary rules (so that a `}`
                // inside a string does not end it) until the closing brace.
                let mut pos = start + 2;
                loop {
                    if pos >= bytes.len() {
                        return Err(SqlError::UnterminatedHint { offset: start });
                    }
                    let (_, end) = self.scan_token(pos, true)?;
                    if bytes.get(pos) == Some(&b'}') {
                        return Ok((TokenKind::Hint, end));
                    }
                    pos = end;
                }
            }
            Some(b'@') if self.byte(start + 2).is_some_and(is_ident_start) => Ok((
                TokenKind::SystemVariable,
                scan_while(bytes, start + 2, is_ident_continue),
            )),
            Some(b) if is_ident_start(b) => Ok((
                TokenKind::NamedParameter,
                scan_while(bytes, start + 1, is_ident_continue),
            )),
            Some(b'`') => Ok((
                TokenKind::NamedParameter,
                scan_identifier(bytes, start + 1)?,
            )),
            _ => Ok((TokenKind::Symbol, start + 1)),
        }
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Result<Token<'a>, SqlError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.src.len() {
            return None;
        }
        let start = self.pos;
        match self.scan_token(start, false) {
            Ok((kind, end)) => match self.src.get(start..end) {
                Some(text) if end > start => {
                    self.pos = end;
                    Some(Ok(Token {
                        kind,
                        text,
                        offset: start,
                    }))
                }
                // Unreachable by construction (every token ends on a character
                // boundary and is non-empty), but never panic or loop forever.
                _ => {
                    self.failed = true;
                    Some(Err(SqlError::InvalidInput { offset: start }))
                }
            },
            Err(err) => {
                self.failed = true;
                Some(Err(err))
            }
        }
    }
}

/// Splits `sql` into tokens.
///
/// The concatenation of the texts of the returned tokens equals `sql`.
///
/// # Errors
///
/// Returns an error for an unterminated string, bytes literal, quoted
/// identifier, block comment or hint.
pub fn tokenize(sql: &str) -> Result<Vec<Token<'_>>, SqlError> {
    Lexer::new(sql).collect()
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn scan_while(bytes: &[u8], start: usize, pred: impl Fn(u8) -> bool) -> usize {
    let mut pos = start;
    while bytes.get(pos).is_some_and(|&b| pred(b)) {
        pos += 1;
    }
    pos
}

/// Returns the offset of the first occurrence of `needle` at or after `from`.
fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn scan_line_comment(bytes: &[u8], start: usize) -> usize {
    scan_while(bytes, start, |b| b != b'\n' && b != b'\r')
}

fn scan_number(bytes: &[u8], start: usize) -> usize {
    let hex = bytes.get(start) == Some(&b'0')
        && bytes
            .get(start + 1)
            .is_some_and(|b| b.eq_ignore_ascii_case(&b'x'));
    let mut pos = start;
    while let Some(&b) = bytes.get(pos) {
        let exponent_sign = (b == b'+' || b == b'-')
            && !hex
            && pos > start
            && bytes
                .get(pos - 1)
                .is_some_and(|p| p.eq_ignore_ascii_case(&b'e'))
            && bytes.get(pos + 1).is_some_and(u8::is_ascii_digit);
        if is_ident_continue(b) || b == b'.' || exponent_sign {
            pos += 1;
        } else {
            break;
        }
    }
    pos
}

/// Scans a quoted string or bytes literal whose (optional) prefix starts at
/// `start` and whose opening quote is at `quote_at`; returns the end offset.
///
/// As in the reference GoogleSQL lexer, a backslash always pairs with the next
/// character when looking for the closing quote, even in raw literals (where
/// the backslash is then kept verbatim in the value).
fn scan_quoted(bytes: &[u8], start: usize, quote_at: usize) -> Result<usize, SqlError> {
    let unterminated = SqlError::UnterminatedString { offset: start };
    let Some(&quote) = bytes.get(quote_at) else {
        return Err(unterminated);
    };
    let triple = [quote, quote, quote];
    if bytes.get(quote_at..quote_at + 3) == Some(&triple[..]) {
        let mut pos = quote_at + 3;
        loop {
            match bytes.get(pos) {
                None => return Err(unterminated),
                Some(b'\\') => pos += 2,
                Some(_) if bytes.get(pos..pos + 3) == Some(&triple[..]) => return Ok(pos + 3),
                Some(_) => pos += 1,
            }
        }
    }
    let mut pos = quote_at + 1;
    loop {
        match bytes.get(pos) {
            None => return Err(unterminated),
            Some(b'\\') => pos += 2,
            Some(&b) if b == quote => return Ok(pos + 1),
            Some(_) => pos += 1,
        }
    }
}

/// Scans a backtick-quoted identifier starting at `start`; returns its end.
fn scan_identifier(bytes: &[u8], start: usize) -> Result<usize, SqlError> {
    let mut pos = start + 1;
    loop {
        match bytes.get(pos) {
            None => return Err(SqlError::UnterminatedIdentifier { offset: start }),
            Some(b'\\') => pos += 2,
            Some(b'`') => return Ok(pos + 1),
            Some(_) => pos += 1,
        }
    }
}
