//! Tokens of PostgreSQL SQL: the lexer (PostgreSQL lexical rules) and the GoogleSQL renderer.

use std::fmt::Write as _;

use super::{syntax, unsupported, TranslateError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tk {
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
pub(super) struct Token {
    pub(super) tk: Tk,
    /// Whether whitespace (or a comment) preceded the token in the input.
    pub(super) space: bool,
    /// Byte offset in the input (for error messages).
    pub(super) offset: usize,
}

impl Token {
    pub(super) fn new(tk: Tk, space: bool) -> Self {
        Token {
            tk,
            space,
            offset: 0,
        }
    }

    pub(super) fn word(word: &str, space: bool) -> Self {
        Token::new(Tk::Word(word.to_owned()), space)
    }

    pub(super) fn is_kw(&self, keyword: &str) -> bool {
        matches!(&self.tk, Tk::Word(w) if w.eq_ignore_ascii_case(keyword))
    }

    /// The identifier this token names, if it is a (quoted or unquoted)
    /// identifier. Unquoted names fold to lower case, as in PostgreSQL.
    pub(super) fn ident_name(&self) -> Option<String> {
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

pub(super) fn tokenize(src: &str) -> Result<Vec<Token>, TranslateError> {
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

pub(super) fn render(tokens: &[Token]) -> String {
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
