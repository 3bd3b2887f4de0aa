//! The report for a terminal: the verdict, what changed in a few lines
//! per section, then the unified diffs as `diff -u` prints them.

use std::fmt::Write as _;

use formulary_scan::{Capability, Finding};
use owo_colors::OwoColorize;
use serde_json::Value;

use super::printable;
use crate::delta::{Delta, DeltaSummary};
use crate::files::{Content, FileDelta, FileStatus, Hunk, LineTag};
use crate::manifest::{Change, ManifestChange};
use crate::verdict::VerdictLevel;

/// Colours, or none.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn level(self, level: VerdictLevel, text: &str) -> String {
        match (self.0, level) {
            (false, _) => text.to_string(),
            (true, VerdictLevel::Identical | VerdictLevel::Clean) => text.green().to_string(),
            (true, VerdictLevel::Review) => text.yellow().bold().to_string(),
            (true, VerdictLevel::Critical) => text.red().bold().to_string(),
        }
    }

    fn line(self, tag: LineTag, text: &str) -> String {
        match (self.0, tag) {
            (true, LineTag::Added) => text.green().to_string(),
            (true, LineTag::Removed) => text.red().to_string(),
            (true, LineTag::NoNewline) => text.dimmed().to_string(),
            _ => text.to_string(),
        }
    }

    fn hunk(self, text: &str) -> String {
        if self.0 {
            text.cyan().to_string()
        } else {
            text.to_string()
        }
    }

    fn bold(self, text: &str) -> String {
        if self.0 {
            text.bold().to_string()
        } else {
            text.to_string()
        }
    }
}

/// The whole report.
pub fn delta(delta: &Delta, color: bool) -> String {
    let paint = Paint(color);
    let mut out = String::new();
    let title = format!(
        "formulary diff {} → {}",
        printable(&delta.old),
        printable(&delta.new)
    );
    let _ = writeln!(out, "{}", paint.bold(&title));
    out.push_str(&summary(&delta.summary(), color));
    for file in delta.files.changed.iter().filter(|f| has_body(f)) {
        out.push('\n');
        file_diff(&mut out, file, paint);
    }
    out
}

/// The verdict and the sections, without diffs.
pub fn summary(summary: &DeltaSummary, color: bool) -> String {
    let paint = Paint(color);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        paint.level(summary.verdict.level, &printable(&summary.verdict.line))
    );
    files(&mut out, summary);
    manifest(&mut out, &summary.manifest);
    findings(&mut out, summary);
    capabilities(&mut out, summary);
    out
}

fn files(out: &mut String, s: &DeltaSummary) {
    let _ = writeln!(
        out,
        "\nfiles: {} changed, {} unchanged",
        s.files.len(),
        s.unchanged_files
    );
    for f in &s.files {
        let name = match &f.old_path {
            Some(old) => format!("{} → {}", printable(old), printable(&f.path)),
            None => printable(&f.path).into_owned(),
        };
        let _ = writeln!(out, "  {}  {name}{}", f.status.letter(), file_figures(f));
    }
    for skipped in &s.skipped {
        let _ = writeln!(
            out,
            "  !  {} ({}): not compared: {}",
            printable(&skipped.path),
            skipped.side,
            printable(&skipped.reason)
        );
    }
}

/// `  (+4 -1)`, `  (binary, 120 → 131 bytes)`, or nothing for a rename.
fn file_figures(f: &FileDelta) -> String {
    let sizes = match (f.old_size, f.new_size) {
        (Some(o), Some(n)) => format!("{o} → {n} bytes"),
        (Some(o), None) => format!("{o} bytes"),
        (None, Some(n)) => format!("{n} bytes"),
        (None, None) => String::new(),
    };
    match (f.content, f.status) {
        (_, FileStatus::Renamed) => String::new(),
        (Content::Text, _) => format!("  (+{} -{})", f.lines_added, f.lines_removed),
        (Content::Binary, _) => format!("  (binary, {sizes})"),
        (Content::TooLarge, _) => format!("  (too large to diff, {sizes})"),
        (Content::Unreadable, _) => "  (could not be read)".to_string(),
    }
}

fn manifest(out: &mut String, changes: &[ManifestChange]) {
    if changes.is_empty() {
        out.push_str("\ncomposer.json: no changes\n");
        return;
    }
    let _ = writeln!(out, "\ncomposer.json: {}", count(changes.len(), "change"));
    for c in changes {
        let _ = writeln!(out, "  {}", manifest_line(c));
    }
}

/// `changed  require a/b: "^1.0" → "^1.1"`, marked when it runs at
/// install.
pub(crate) fn manifest_line(c: &ManifestChange) -> String {
    let name = match &c.key {
        Some(key) => format!("{} {}", c.field, key),
        None => c.field.clone(),
    };
    let value = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
    let values = match c.change {
        Change::Added if c.new.is_some() => format!(": {}", value(&c.new)),
        Change::Removed if c.old.is_some() => format!(": {}", value(&c.old)),
        Change::Changed => format!(": {} → {}", value(&c.old), value(&c.new)),
        _ => String::new(),
    };
    let install = if c.install_time {
        "  [runs at install]"
    } else {
        ""
    };
    let word = change_word(c.change);
    printable(&format!("{word:<8} {name}{values}{install}")).into_owned()
}

pub(crate) fn change_word(change: Change) -> &'static str {
    match change {
        Change::Added => "added",
        Change::Removed => "removed",
        Change::Changed => "changed",
    }
}

fn findings(out: &mut String, s: &DeltaSummary) {
    let f = &s.findings;
    let _ = writeln!(
        out,
        "\nfindings: {} new, {} resolved, {} unchanged",
        f.new.len(),
        f.resolved.len(),
        f.unchanged
    );
    for finding in &f.new {
        let _ = writeln!(out, "  new       {}", finding_line(finding));
    }
    for finding in &f.resolved {
        let _ = writeln!(out, "  resolved  {}", finding_line(finding));
    }
}

/// `high     secret-x  a.php:9  message`; the message is the scanner's,
/// which never holds a secret unredacted.
pub(crate) fn finding_line(f: &Finding) -> String {
    let at = &f.location;
    printable(&format!(
        "{:<8} {}  {}:{}  {}",
        f.severity, f.code, at.path, at.line, f.message
    ))
    .into_owned()
}

fn capabilities(out: &mut String, s: &DeltaSummary) {
    let c = &s.capabilities;
    let _ = writeln!(
        out,
        "\ncapabilities: {} new, {} dropped",
        c.new.len(),
        c.dropped.len()
    );
    for cap in &c.new {
        let _ = writeln!(out, "  new      {}", capability_line(cap));
    }
    for cap in &c.dropped {
        let _ = writeln!(out, "  dropped  {}", capability_line(cap));
    }
}

pub(crate) fn capability_line(c: &Capability) -> String {
    let kind = serde_json::to_value(c.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    printable(&format!("{kind:<13} {}  ({})", c.value, c.path)).into_owned()
}

/// Whether a file has anything to show below the summary.
fn has_body(f: &FileDelta) -> bool {
    f.status != FileStatus::Removed || f.note.is_some()
}

/// One file as `diff -u` (with git's rename and binary lines) shows it.
fn file_diff(out: &mut String, f: &FileDelta, paint: Paint) {
    let path = printable(&f.path);
    let (old, new) = match f.status {
        FileStatus::Added => ("/dev/null".to_string(), format!("b/{path}")),
        FileStatus::Removed => (format!("a/{path}"), "/dev/null".to_string()),
        _ => (
            format!("a/{}", printable(f.old_path.as_deref().unwrap_or(&f.path))),
            format!("b/{path}"),
        ),
    };
    if f.status == FileStatus::Renamed {
        let _ = writeln!(out, "{}", paint.bold(&format!("rename {old} → {new}")));
        let _ = writeln!(out, "(same content)");
        return;
    }
    let _ = writeln!(out, "{}", paint.bold(&format!("--- {old}\n+++ {new}")));
    match f.content {
        Content::Binary => {
            let _ = writeln!(out, "Binary files {old} and {new} differ");
        }
        Content::TooLarge => {
            let _ = writeln!(out, "Files {old} and {new} differ (too large to diff)");
        }
        Content::Unreadable => {
            let _ = writeln!(out, "Files {old} and {new} differ (could not be read)");
        }
        Content::Text => f.hunks.iter().for_each(|h| hunk(out, h, paint)),
    }
    if let Some(note) = &f.note {
        let _ = writeln!(out, "({})", printable(note));
    }
}

fn hunk(out: &mut String, h: &Hunk, paint: Paint) {
    let head = format!(
        "@@ -{},{} +{},{} @@",
        h.old_start, h.old_lines, h.new_start, h.new_lines
    );
    let _ = writeln!(out, "{}", paint.hunk(&head));
    for line in &h.lines {
        let shown = printable(&line.to_string()).into_owned();
        let _ = writeln!(out, "{}", paint.line(line.tag, &shown));
    }
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
