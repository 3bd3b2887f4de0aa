//! The report as one HTML page a reviewer can open from disk or attach
//! to a ticket.
//!
//! The page is self-contained: one inline style sheet, no script, no
//! link, no image, no URL in any attribute, and a Content-Security-Policy
//! that forbids loading anything should a reader's browser find a way.
//! Every piece of text is escaped: file names and diff lines come from
//! the archive, and a name like `<script>.php` must arrive as text.
//! Each file's diff sits in a `<details>` element, open unless it is
//! long.

use std::fmt::Write as _;

use super::printable;
use super::text::{capability_line, finding_line, manifest_line};
use crate::delta::Delta;
use crate::files::{Content, FileDelta, FileStatus, LineTag};
use crate::verdict::VerdictLevel;

/// Files with more diff lines than this start folded.
const OPEN_UP_TO: usize = 400;

const STYLE: &str = "
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; color: #1d1f21; background: #fff; }
h1 { font-size: 1.3rem; margin-bottom: .3rem; }
h2 { font-size: 1.05rem; margin-top: 1.8rem; border-bottom: 1px solid #ddd; }
code, pre, td.mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
.verdict { padding: .6rem .8rem; border-radius: 4px; font-weight: 600; }
.identical, .clean { background: #e6f4ea; }
.review { background: #fff4d6; }
.critical { background: #fde2e1; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; padding: .15rem .6rem .15rem 0; vertical-align: top; }
th { font-weight: 600; color: #555; }
td.num { text-align: right; white-space: nowrap; }
.added-n { color: #1a7f37; } .removed-n { color: #cf222e; }
.muted { color: #666; }
details { margin: .8rem 0; border: 1px solid #ddd; border-radius: 4px; }
summary { cursor: pointer; padding: .35rem .6rem; background: #f6f8fa; font-family: monospace; }
pre { margin: 0; padding: .4rem 0; overflow-x: auto; }
pre span { display: block; padding: 0 .6rem; white-space: pre; }
.l-add { background: #e6ffec; } .l-del { background: #ffebe9; }
.l-hunk { color: #0550ae; background: #f1f8ff; } .l-note { color: #666; }
.note { padding: .35rem .6rem; color: #555; }
";

/// The whole page.
pub fn page(delta: &Delta) -> String {
    let title = format!("formulary diff {} → {}", delta.old, delta.new);
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" \
         content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", esc(&title));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(out, "<h1>{}</h1>", esc(&title));
    let level = level_class(delta.verdict.level);
    let _ = writeln!(
        out,
        "<p class=\"verdict {level}\">{}</p>",
        esc(&delta.verdict.line)
    );
    files(&mut out, delta);
    sections(&mut out, delta);
    diffs(&mut out, delta);
    out.push_str(
        "<p class=\"muted\">Secrets the scanner found are shown redacted, \
         as first characters and length.</p>\n</body>\n</html>\n",
    );
    out
}

fn level_class(level: VerdictLevel) -> &'static str {
    match level {
        VerdictLevel::Identical => "identical",
        VerdictLevel::Clean => "clean",
        VerdictLevel::Review => "review",
        VerdictLevel::Critical => "critical",
    }
}

fn files(out: &mut String, delta: &Delta) {
    let f = &delta.files;
    let _ = writeln!(
        out,
        "<h2>Files: {} changed, {} unchanged</h2>",
        f.changed.len(),
        f.unchanged
    );
    if f.changed.is_empty() && f.skipped.is_empty() {
        return;
    }
    out.push_str("<table>\n");
    for file in &f.changed {
        let _ = writeln!(
            out,
            "<tr><td class=\"mono\">{}</td><td class=\"mono\">{}</td>{}</tr>",
            file.status.letter(),
            esc(&file_name(file)),
            figures(file)
        );
    }
    for s in &f.skipped {
        let _ = writeln!(
            out,
            "<tr><td class=\"mono\">!</td><td class=\"mono\">{} ({})</td>\
             <td colspan=\"2\">not compared: {}</td></tr>",
            esc(&s.path),
            esc(&s.side),
            esc(&s.reason)
        );
    }
    out.push_str("</table>\n");
}

fn file_name(f: &FileDelta) -> String {
    match &f.old_path {
        Some(old) => format!("{old} → {}", f.path),
        None => f.path.clone(),
    }
}

fn figures(f: &FileDelta) -> String {
    match (f.status, f.content) {
        (FileStatus::Renamed, _) => "<td colspan=\"2\" class=\"muted\">same content</td>".into(),
        (_, Content::Text) => format!(
            "<td class=\"num added-n\">+{}</td><td class=\"num removed-n\">-{}</td>",
            f.lines_added, f.lines_removed
        ),
        (_, Content::Binary) => "<td colspan=\"2\" class=\"muted\">binary</td>".into(),
        (_, Content::TooLarge) => "<td colspan=\"2\" class=\"muted\">too large</td>".into(),
        (_, Content::Unreadable) => "<td colspan=\"2\" class=\"muted\">unreadable</td>".into(),
    }
}

/// composer.json, findings and capabilities, as lists of lines.
fn sections(out: &mut String, delta: &Delta) {
    let manifest: Vec<String> = delta.manifest.iter().map(manifest_line).collect();
    list(out, "composer.json", &manifest);
    let f = &delta.findings;
    let mut lines: Vec<String> = f
        .new
        .iter()
        .map(|x| format!("new       {}", finding_line(x)))
        .collect();
    lines.extend(
        f.resolved
            .iter()
            .map(|x| format!("resolved  {}", finding_line(x))),
    );
    let title = format!(
        "Findings: {} new, {} resolved, {} unchanged",
        f.new.len(),
        f.resolved.len(),
        f.unchanged.len()
    );
    list(out, &title, &lines);
    let c = &delta.capabilities;
    let mut lines: Vec<String> = c
        .new
        .iter()
        .map(|x| format!("new      {}", capability_line(x)))
        .collect();
    lines.extend(
        c.dropped
            .iter()
            .map(|x| format!("dropped  {}", capability_line(x))),
    );
    let title = format!(
        "Capabilities: {} new, {} dropped",
        c.new.len(),
        c.dropped.len()
    );
    list(out, &title, &lines);
}

fn list(out: &mut String, title: &str, lines: &[String]) {
    let _ = writeln!(out, "<h2>{}</h2>", esc(title));
    if lines.is_empty() {
        out.push_str("<p class=\"muted\">No changes.</p>\n");
        return;
    }
    out.push_str("<pre>");
    for line in lines {
        let _ = write!(out, "<span>{}</span>", esc(line));
    }
    out.push_str("</pre>\n");
}

fn diffs(out: &mut String, delta: &Delta) {
    let shown: Vec<&FileDelta> = delta
        .files
        .changed
        .iter()
        .filter(|f| f.status != FileStatus::Removed || f.note.is_some())
        .collect();
    if shown.is_empty() {
        return;
    }
    out.push_str("<h2>Diff</h2>\n");
    for f in shown {
        file_diff(out, f);
    }
}

fn file_diff(out: &mut String, f: &FileDelta) {
    let lines: usize = f.hunks.iter().map(|h| h.lines.len()).sum();
    let open = if lines <= OPEN_UP_TO { " open" } else { "" };
    let _ = writeln!(
        out,
        "<details{open}><summary>{} {}</summary>",
        f.status.letter(),
        esc(&file_name(f))
    );
    match (f.status, f.content) {
        (FileStatus::Renamed, _) => note(out, "Renamed; the content is the same."),
        (_, Content::Binary) => note(out, "Binary file; not shown."),
        (_, Content::TooLarge) => note(out, "Too large to diff."),
        (_, Content::Unreadable) => note(out, "Could not be read."),
        (_, Content::Text) if !f.hunks.is_empty() => hunks(out, f),
        _ => {}
    }
    if let Some(text) = &f.note {
        note(out, text);
    }
    out.push_str("</details>\n");
}

fn hunks(out: &mut String, f: &FileDelta) {
    out.push_str("<pre>");
    for h in &f.hunks {
        let head = format!(
            "@@ -{},{} +{},{} @@",
            h.old_start, h.old_lines, h.new_start, h.new_lines
        );
        let _ = write!(out, "<span class=\"l-hunk\">{head}</span>");
        for line in &h.lines {
            let class = match line.tag {
                LineTag::Added => " class=\"l-add\"",
                LineTag::Removed => " class=\"l-del\"",
                LineTag::NoNewline => " class=\"l-note\"",
                LineTag::Context => "",
            };
            let _ = write!(out, "<span{class}>{}</span>", esc(&line.to_string()));
        }
    }
    out.push_str("</pre>\n");
}

fn note(out: &mut String, text: &str) {
    let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(text));
}

/// Text as HTML: markup escaped, hidden characters made visible.
fn esc(text: &str) -> String {
    let text = printable(text);
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(
            esc("<script src=\"x\">'&'</script>"),
            "&lt;script src=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/script&gt;"
        );
    }
}
