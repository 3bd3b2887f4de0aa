//! The unified diff of one text file: hunks of changed lines with a few
//! lines of context, each line redacted, long lines and long diffs cut.
//!
//! `similar` finds the changes (Myers' algorithm). An archive is hostile
//! input and Myers' worst case is quadratic, so the search has a time
//! limit, after which `similar` settles for a correct but less minimal
//! diff.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use similar::{Algorithm, ChangeTag, DiffOp, DiffTag, TextDiff};

use super::{CONTEXT_LINES, MAX_DIFF_LINES, MAX_LINE_CHARS};
use crate::redact::{LineMask, Redactions};

/// How long one file's diff may search for the smallest edit.
const DIFF_TIMEOUT: Duration = Duration::from_secs(2);

/// The marker line after a last line that has no line break.
const NO_NEWLINE: &str = "No newline at end of file";

/// One hunk: a run of changes and their context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hunk {
    /// First old line shown (1-based; the line before, when none is).
    pub old_start: usize,
    /// Old lines shown (context and removed).
    pub old_lines: usize,
    /// First new line shown (1-based; the line before, when none is).
    pub new_start: usize,
    /// New lines shown (context and added).
    pub new_lines: usize,
    /// The lines, in order.
    pub lines: Vec<DiffLine>,
}

/// One line of a hunk. In JSON it is one string, the line prefixed as in
/// a unified diff: `" "` context, `"+"` added, `"-"` removed, and
/// `"\ No newline at end of file"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct DiffLine {
    /// Context, added, removed, or the no-newline marker.
    pub tag: LineTag,
    /// The line without its line break, redacted and possibly cut.
    pub text: String,
}

/// What a diff line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineTag {
    /// The same on both sides.
    Context,
    /// Only in the new side.
    Added,
    /// Only in the old side.
    Removed,
    /// The line before it has no line break at the end of the file.
    NoNewline,
}

impl LineTag {
    /// The unified-diff prefix.
    pub fn prefix(self) -> char {
        match self {
            LineTag::Context => ' ',
            LineTag::Added => '+',
            LineTag::Removed => '-',
            LineTag::NoNewline => '\\',
        }
    }
}

impl fmt::Display for DiffLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.tag {
            LineTag::NoNewline => write!(f, "\\ {}", self.text),
            tag => write!(f, "{}{}", tag.prefix(), self.text),
        }
    }
}

impl From<DiffLine> for String {
    fn from(line: DiffLine) -> String {
        line.to_string()
    }
}

impl TryFrom<String> for DiffLine {
    type Error = String;

    fn try_from(text: String) -> Result<DiffLine, String> {
        let mut chars = text.chars();
        let tag = match chars.next() {
            Some(' ') => LineTag::Context,
            Some('+') => LineTag::Added,
            Some('-') => LineTag::Removed,
            Some('\\') => LineTag::NoNewline,
            _ => return Err(format!("{text:?} is not a unified diff line")),
        };
        let rest = chars.as_str();
        let text = match tag {
            LineTag::NoNewline => rest.strip_prefix(' ').unwrap_or(rest),
            _ => rest,
        };
        Ok(DiffLine {
            tag,
            text: text.to_string(),
        })
    }
}

/// A file's diff as the report keeps it.
pub(crate) struct Diffed {
    pub hunks: Vec<Hunk>,
    pub lines_added: usize,
    pub lines_removed: usize,
    pub omitted_lines: usize,
}

/// Diffs `old` against `new` (either may be empty: an added file is all
/// added). With `show` false only the counts are made.
pub(crate) fn diff(
    old: &str,
    new: &str,
    masks: (Option<&LineMask>, Option<&LineMask>),
    redactions: &Redactions,
    show: bool,
) -> Diffed {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .timeout(DIFF_TIMEOUT)
        .diff_lines(old, new);
    let (lines_added, lines_removed) = count(diff.ops());
    let mut out = Diffed {
        hunks: Vec::new(),
        lines_added,
        lines_removed,
        omitted_lines: 0,
    };
    if !show {
        return out;
    }
    let mut shown = 0;
    for group in diff.grouped_ops(CONTEXT_LINES) {
        if shown >= MAX_DIFF_LINES {
            out.omitted_lines += group.iter().map(lines_in).sum::<usize>();
            continue;
        }
        let mut lines = hunk_lines(&diff, &group, masks, redactions);
        let room = MAX_DIFF_LINES - shown;
        if lines.len() > room {
            out.omitted_lines += lines.len() - room;
            lines.truncate(room);
        }
        shown += lines.len();
        let starts = (group[0].old_range().start, group[0].new_range().start);
        out.hunks.push(Hunk::of(starts, lines));
    }
    out
}

/// Lines added and removed by all the operations.
fn count(ops: &[DiffOp]) -> (usize, usize) {
    let (mut added, mut removed) = (0, 0);
    for op in ops {
        let (tag, old, new) = op.as_tag_tuple();
        match tag {
            DiffTag::Insert => added += new.len(),
            DiffTag::Delete => removed += old.len(),
            DiffTag::Replace => {
                added += new.len();
                removed += old.len();
            }
            DiffTag::Equal => {}
        }
    }
    (added, removed)
}

/// Diff lines one operation shows.
fn lines_in(op: &DiffOp) -> usize {
    let (tag, old, new) = op.as_tag_tuple();
    match tag {
        DiffTag::Equal | DiffTag::Delete => old.len(),
        DiffTag::Insert => new.len(),
        DiffTag::Replace => old.len() + new.len(),
    }
}

/// The lines of one group of operations, redacted.
fn hunk_lines(
    diff: &TextDiff<'_, '_, '_, str>,
    group: &[DiffOp],
    (old_mask, new_mask): (Option<&LineMask>, Option<&LineMask>),
    redactions: &Redactions,
) -> Vec<DiffLine> {
    let mut lines = Vec::new();
    for op in group {
        for change in diff.iter_changes(op) {
            let mut masks = Vec::with_capacity(2);
            if let Some(i) = change.old_index() {
                masks.push((old_mask, i));
            }
            if let Some(i) = change.new_index() {
                masks.push((new_mask, i));
            }
            let tag = match change.tag() {
                ChangeTag::Equal => LineTag::Context,
                ChangeTag::Insert => LineTag::Added,
                ChangeTag::Delete => LineTag::Removed,
            };
            let text = shown_line(change.value(), &masks, redactions);
            lines.push(DiffLine { tag, text });
            if change.missing_newline() {
                lines.push(DiffLine {
                    tag: LineTag::NoNewline,
                    text: NO_NEWLINE.to_string(),
                });
            }
        }
    }
    lines
}

impl Hunk {
    /// A hunk of `lines` whose first old and new lines have the 0-based
    /// indexes `starts`. Starts become 1-based; a hunk with no old (or
    /// new) lines names the line before, as `diff -u` does.
    fn of(starts: (usize, usize), lines: Vec<DiffLine>) -> Hunk {
        let counted = |keep: LineTag| {
            lines
                .iter()
                .filter(|l| l.tag == LineTag::Context || l.tag == keep)
                .count()
        };
        let (old_lines, new_lines) = (counted(LineTag::Removed), counted(LineTag::Added));
        Hunk {
            old_start: starts.0 + usize::from(old_lines > 0),
            old_lines,
            new_start: starts.1 + usize::from(new_lines > 0),
            new_lines,
            lines,
        }
    }
}

/// A line as the report shows it: no line break, secrets redacted, cut
/// at [`MAX_LINE_CHARS`].
fn shown_line(raw: &str, masks: &[(Option<&LineMask>, usize)], redactions: &Redactions) -> String {
    let line = raw.strip_suffix('\n').unwrap_or(raw);
    let line = line.strip_suffix('\r').unwrap_or(line);
    let line = redactions.scrub(&LineMask::apply(line, masks));
    let length = line.chars().count();
    if length <= MAX_LINE_CHARS {
        return line;
    }
    let mut cut: String = line.chars().take(MAX_LINE_CHARS).collect();
    cut.push_str(&format!(
        " …[{} more characters not shown]",
        length - MAX_LINE_CHARS
    ));
    cut
}
