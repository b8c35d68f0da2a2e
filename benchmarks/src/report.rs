//! `docs/benchmarks.md` is sectioned: each benchmark owns the text between
//! `<!-- NAME:begin -->` and `<!-- NAME:end -->` and rewrites only that.

use std::path::Path;

/// Replaces the section `name` of the markdown file at `path` with `body` (appending the
/// section when the file has none).
///
/// # Errors
///
/// The file cannot be read or written.
pub fn write_section(path: &Path, name: &str, body: &str) -> std::io::Result<()> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    std::fs::write(path, replace_section(&text, name, body))
}

/// `text` with the section `name` replaced by `body`.
pub fn replace_section(text: &str, name: &str, body: &str) -> String {
    let begin = format!("<!-- {name}:begin -->");
    let end = format!("<!-- {name}:end -->");
    let section = format!("{begin}\n{}\n{end}", body.trim_end());
    match (text.find(&begin), text.find(&end)) {
        (Some(b), Some(e)) if e > b => {
            format!("{}{section}{}", &text[..b], &text[e + end.len()..])
        }
        _ => {
            let mut out = text.trim_end().to_string();
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            out.push_str(&section);
            out.push('\n');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::replace_section;

    #[test]
    fn only_the_named_section_is_replaced() {
        let text = "# B\n\n<!-- a:begin -->\nold a\n<!-- a:end -->\n\n<!-- b:begin -->\nold b\n<!-- b:end -->\n";
        let out = replace_section(text, "a", "new a\n");
        assert_eq!(
            out,
            "# B\n\n<!-- a:begin -->\nnew a\n<!-- a:end -->\n\n<!-- b:begin -->\nold b\n<!-- b:end -->\n"
        );
    }

    #[test]
    fn a_missing_section_is_appended() {
        assert_eq!(
            replace_section("# B\n", "c", "c body"),
            "# B\n\n<!-- c:begin -->\nc body\n<!-- c:end -->\n"
        );
    }
}
