//! Splitting a multi-row `INSERT .. VALUES (..), (..)` whose parameters exceed Spanner's
//! per-statement limit into several statements with the same prefix and suffix.

use sea_query::{Value, Values};

use super::lexer::{Tk, Token};

/// One statement of a split: its tokens (parameters renumbered from `$1`) and values.
pub(super) struct Chunk {
    pub(super) tokens: Vec<Token>,
    pub(super) values: Values,
}

/// The index of the bracket closing the one opened at `open`.
fn closing(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, tok) in tokens.iter().enumerate().skip(open) {
        match tok.tk {
            Tk::LParen => depth += 1,
            Tk::RParen => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn params_in(tokens: &[Token]) -> usize {
    tokens
        .iter()
        .filter(|t| matches!(t.tk, Tk::Param(_)))
        .count()
}

/// Splits `tokens` (one INSERT statement) so that no statement has more than `max_params`
/// parameters. Returns `None` when the statement is not a multi-row `INSERT .. VALUES`, or
/// already fits, or a single row is too large to fit (Spanner then reports its own error).
pub(super) fn split_insert_rows(
    tokens: &[Token],
    values: &Values,
    max_params: usize,
) -> Option<Vec<Chunk>> {
    if values.0.len() <= max_params || !tokens.first()?.is_kw("INSERT") {
        return None;
    }
    // The top-level VALUES keyword.
    let mut depth = 0usize;
    let mut values_at = None;
    for (i, tok) in tokens.iter().enumerate() {
        match tok.tk {
            Tk::LParen => depth += 1,
            Tk::RParen => depth = depth.saturating_sub(1),
            _ if depth == 0 && tok.is_kw("VALUES") => {
                values_at = Some(i);
                break;
            }
            _ => {}
        }
    }
    let values_at = values_at?;
    // The row tuples `( .. ), ( .. ), ...`.
    let mut rows = Vec::new();
    let mut at = values_at + 1;
    loop {
        if tokens.get(at)?.tk != Tk::LParen {
            return None;
        }
        let end = closing(tokens, at)?;
        rows.push(at..end + 1);
        match (tokens.get(end + 1), tokens.get(end + 2)) {
            (Some(comma), Some(open)) if comma.tk == Tk::Comma && open.tk == Tk::LParen => {
                at = end + 2;
            }
            _ => {
                at = end + 1;
                break;
            }
        }
    }
    let prefix = &tokens[..rows.first()?.start];
    let suffix = &tokens[at..];
    let fixed = params_in(prefix) + params_in(suffix);
    let mut chunks: Vec<Vec<std::ops::Range<usize>>> = Vec::new();
    let mut current: Vec<std::ops::Range<usize>> = Vec::new();
    let mut current_params = fixed;
    for row in rows {
        let row_params = params_in(&tokens[row.clone()]);
        if fixed + row_params > max_params {
            return None;
        }
        if !current.is_empty() && current_params + row_params > max_params {
            chunks.push(std::mem::take(&mut current));
            current_params = fixed;
        }
        current_params += row_params;
        current.push(row);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    if chunks.len() < 2 {
        return None;
    }
    chunks
        .into_iter()
        .map(|rows| {
            let mut out: Vec<Token> = prefix.to_vec();
            for (i, row) in rows.into_iter().enumerate() {
                if i > 0 {
                    out.push(Token::new(Tk::Comma, false));
                }
                out.extend_from_slice(&tokens[row]);
            }
            out.extend_from_slice(suffix);
            renumber(out, values)
        })
        .collect()
}

/// Renumbers the parameters of `tokens` from `$1` in order of first appearance and picks
/// their values.
fn renumber(mut tokens: Vec<Token>, values: &Values) -> Option<Chunk> {
    let mut seen: Vec<u32> = Vec::new();
    let mut picked: Vec<Value> = Vec::new();
    for tok in &mut tokens {
        if let Tk::Param(old) = tok.tk {
            let new = match seen.iter().position(|&p| p == old) {
                Some(i) => i,
                None => {
                    let value = values.0.get(usize::try_from(old).ok()?.checked_sub(1)?)?;
                    seen.push(old);
                    picked.push(value.clone());
                    seen.len() - 1
                }
            };
            tok.tk = Tk::Param(u32::try_from(new + 1).ok()?);
        }
    }
    Some(Chunk {
        tokens,
        values: Values(picked),
    })
}
