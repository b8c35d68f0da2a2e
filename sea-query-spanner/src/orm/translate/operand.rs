//! Finding the extent of the operand that ends the output (for `::` casts and `ILIKE`).

use super::keywords::is_reserved;
use super::lexer::{Tk, Token};

/// Returns the index in `out` where the operand that ends `out` starts: an
/// identifier chain, a constant, a parameter, a parenthesized expression, a
/// function call or an `ARRAY[...]` constructor.
pub(super) fn operand_start(out: &[Token]) -> Option<usize> {
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

pub(super) fn is_function_name(tok: &Token) -> bool {
    match &tok.tk {
        Tk::Ident(_) => true,
        Tk::Word(w) => !is_reserved(w),
        _ => false,
    }
}

/// Given the index of the last identifier of a chain like `a.b.c`, returns
/// the index of its first identifier.
pub(super) fn ident_chain_start(out: &[Token], mut at: usize) -> usize {
    while at >= 2
        && out[at - 1].tk == Tk::Dot
        && matches!(&out[at - 2].tk, Tk::Ident(_) | Tk::Word(_))
    {
        at -= 2;
    }
    at
}

/// Finds the opening bracket matching the closing one at `close`.
pub(super) fn matching_open(
    out: &[Token],
    close: usize,
    open_tk: &Tk,
    close_tk: &Tk,
) -> Option<usize> {
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
