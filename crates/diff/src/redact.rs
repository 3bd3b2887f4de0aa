//! Keeping found secrets out of the diff.
//!
//! Findings already carry redacted snippets, but a unified diff prints
//! the lines themselves, and a key added in 1.0.1 would be printed whole.
//! We use what the scanner found rather than guess again: every finding
//! that is about a secret shows it as `head…(N chars)` (the scanner's
//! `redact`), at a known line, so we find those N characters in the file
//! and print them redacted the same way.
//!
//! - A finding of the secrets family points at the secret's first
//!   character; its N characters are redacted from there, across lines
//!   when the secret spans several (a PEM block). Only the first line
//!   keeps its four characters; the lines after it show their length
//!   only (`…(64 chars)`), or a key's every line would give away four.
//! - A finding of another family whose snippet or message holds a
//!   redacted value (a password in PHP code, a default credential in
//!   `config.xml`) names only its line: every run of N characters on that
//!   line that starts like the secret and holds no space or quote is
//!   redacted. Redacting a look-alike too is the safe mistake.
//! - A secrets finding about a file as such (a shipped `app/etc/env.php`)
//!   or a redacted value we cannot find on its line withholds the whole
//!   file's diff: we would rather show nothing than a secret.
//!
//! Each secret found this way (8 characters or more) is also replaced
//! wherever else it appears in the report, in other files and in
//! `composer.json` values, where the scanner may have let it pass.
//! The secrets themselves live only in memory while the delta is made.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::Path;

use formulary_scan::finding::redact;
use formulary_scan::rules::{self, Family};
use formulary_scan::Finding;

use crate::side::Side;

/// Files above this are not read to find secrets in (nor diffed).
const MAX_READ_BYTES: u64 = formulary_scan::scanner::DEFAULT_MAX_FILE_BYTES;

/// Secrets shorter than this are redacted where found, not everywhere:
/// replacing a short string across a report would mangle ordinary code.
const MIN_KNOWN_CHARS: usize = 8;

/// Which side of the diff a file is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Which {
    Old,
    New,
}

/// What may be shown of each file, for both sides.
#[derive(Debug, Default)]
pub(crate) struct Redactions {
    old: HashMap<String, Result<LineMask, String>>,
    new: HashMap<String, Result<LineMask, String>>,
    /// Secrets found, longest first, each with whether it continues a
    /// secret from an earlier line (and so is shown without its head).
    known: Vec<(String, bool)>,
}

/// Pieces of secrets found, each with whether it is a continuation line.
type Known = BTreeMap<String, bool>;

/// Character ranges to redact, by 0-based line.
#[derive(Debug, Default, Clone)]
pub(crate) struct LineMask {
    lines: HashMap<usize, Vec<Range<usize>>>,
    /// The ranges (line, start) that continue a secret from the line
    /// before.
    tails: HashSet<(usize, usize)>,
}

/// A redacted value as a finding shows it: its first characters and its
/// length in characters.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Marker {
    head: String,
    chars: usize,
}

impl Redactions {
    /// Reads the files that hold secrets on both sides and locates them.
    pub fn build(old: &Side, new: &Side) -> Redactions {
        let mut known = Known::new();
        let old_masks = masks_for(old, &mut known);
        let new_masks = masks_for(new, &mut known);
        let mut known: Vec<(String, bool)> = known.into_iter().collect();
        known.sort_by_key(|(s, _)| std::cmp::Reverse(s.chars().count()));
        Redactions {
            old: old_masks,
            new: new_masks,
            known,
        }
    }

    /// What may be shown of `path` on one side: a mask (often empty), or
    /// why the file's diff is withheld.
    pub fn mask(&self, which: Which, path: &str) -> Result<Option<&LineMask>, &str> {
        let masks = match which {
            Which::Old => &self.old,
            Which::New => &self.new,
        };
        match masks.get(path) {
            None => Ok(None),
            Some(Ok(mask)) => Ok(Some(mask)),
            Some(Err(why)) => Err(why.as_str()),
        }
    }

    /// `text` with every known secret replaced by its redacted form.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (secret, tail) in &self.known {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), &hidden(secret, *tail));
            }
        }
        out
    }

    /// Scrubs every string inside a JSON value.
    pub fn scrub_value(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        if self.known.is_empty() {
            return;
        }
        match value {
            Value::String(s) => *s = self.scrub(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_value(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.scrub_value(v)),
            _ => {}
        }
    }
}

impl LineMask {
    /// `line` with the characters redacted that any of `masks` marks on
    /// it, each mask given with the line's 0-based index on its side (a
    /// context line has one on each side).
    pub fn apply(line: &str, masks: &[(Option<&LineMask>, usize)]) -> String {
        let mut ranges: Vec<(Range<usize>, bool)> = masks
            .iter()
            .filter_map(|(mask, index)| mask.map(|m| (m, *index)))
            .flat_map(|(m, index)| {
                let ranges = m.lines.get(&index).map(Vec::as_slice).unwrap_or_default();
                ranges
                    .iter()
                    .map(move |r| (r.clone(), m.tails.contains(&(index, r.start))))
            })
            .collect();
        if ranges.is_empty() {
            return line.to_string();
        }
        ranges.sort_by_key(|(r, _)| r.start);
        let chars: Vec<char> = line.chars().collect();
        let mut out = String::with_capacity(line.len());
        let mut at = 0;
        for (range, tail) in merge(ranges) {
            let (start, end) = (range.start.min(chars.len()), range.end.min(chars.len()));
            if start < at {
                continue;
            }
            out.extend(&chars[at..start]);
            let secret: String = chars[start..end].iter().collect();
            out.push_str(&hidden(&secret, tail));
            at = end;
        }
        out.extend(&chars[at.min(chars.len())..]);
        out
    }

    fn add(&mut self, line: usize, range: Range<usize>) {
        if !range.is_empty() {
            self.lines.entry(line).or_default().push(range);
        }
    }

    /// As `add`, for a range that continues a secret from the line before.
    fn add_tail(&mut self, line: usize, range: Range<usize>) {
        if !range.is_empty() {
            self.tails.insert((line, range.start));
            self.add(line, range);
        }
    }
}

/// A secret as the report shows it: its head and length, or for a piece
/// that continues a secret from an earlier line, its length only.
fn hidden(secret: &str, tail: bool) -> String {
    if tail {
        format!("…({} chars)", secret.chars().count())
    } else {
        redact(secret)
    }
}

/// Overlapping ranges as one; the merged range is a tail if any part is.
fn merge(ranges: Vec<(Range<usize>, bool)>) -> Vec<(Range<usize>, bool)> {
    let mut merged: Vec<(Range<usize>, bool)> = Vec::new();
    for (r, tail) in ranges {
        match merged.last_mut() {
            Some((last, last_tail)) if r.start <= last.end => {
                last.end = last.end.max(r.end);
                *last_tail |= tail;
            }
            _ => merged.push((r, tail)),
        }
    }
    merged
}

/// Masks for every file of `side` that holds a secret, adding each secret
/// found to `known`.
fn masks_for(side: &Side, known: &mut Known) -> HashMap<String, Result<LineMask, String>> {
    let mut by_path: HashMap<&str, Vec<&Finding>> = HashMap::new();
    let suppressed = side.scan.suppressed.iter().map(|s| &s.finding);
    for finding in side.scan.findings.iter().chain(suppressed) {
        if is_secret_bearing(finding) {
            let path = finding.location.path.as_str();
            by_path.entry(path).or_default().push(finding);
        }
    }
    let mut masks = HashMap::new();
    for (path, findings) in by_path {
        let mask = mask_file(&side.root, path, &findings, known);
        if let Err(why) = &mask {
            tracing::debug!(side = %side.label, path, why, "diff of a file withheld");
        }
        masks.insert(path.to_string(), mask);
    }
    masks
}

fn is_secret_bearing(finding: &Finding) -> bool {
    let family = rules::find(&finding.code).map(|r| r.family);
    family == Some(Family::Secrets) || !markers_of(finding).is_empty()
}

/// Locates every secret the findings name in one file.
fn mask_file(
    root: &Path,
    path: &str,
    findings: &[&Finding],
    known: &mut Known,
) -> Result<LineMask, String> {
    let text = read_text(&root.join(path))
        .ok_or_else(|| "it holds a secret and could not be read again to redact it".to_string())?;
    let lines = Lines::of(&text);
    let mut mask = LineMask::default();
    for finding in findings {
        lines.locate(finding, &mut mask)?;
    }
    for (index, ranges) in &mask.lines {
        for range in ranges {
            let secret = lines.slice(*index, range.clone());
            if secret.chars().count() >= MIN_KNOWN_CHARS {
                let tail = mask.tails.contains(&(*index, range.start));
                *known.entry(secret).or_default() |= tail;
            }
        }
    }
    Ok(mask)
}

fn read_text(path: &Path) -> Option<String> {
    let bytes = formulary_scan::tree::read_limited(path, MAX_READ_BYTES).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Every `head…(N chars)` in a finding's snippet, else in its message.
fn markers_of(finding: &Finding) -> Vec<Marker> {
    let from_snippet = parse_markers(&finding.snippet);
    if from_snippet.is_empty() {
        parse_markers(&finding.message)
    } else {
        from_snippet
    }
}

fn parse_markers(text: &str) -> Vec<Marker> {
    let mut markers = Vec::new();
    for (at, _) in text.match_indices("…(") {
        let rest = &text[at + "…(".len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let tail = &rest[digits.len()..];
        let Ok(chars) = digits.parse::<usize>() else {
            continue;
        };
        if !tail.starts_with(" chars)") || chars == 0 {
            continue;
        }
        let before: Vec<char> = text[..at].chars().collect();
        let take = chars.min(4).min(before.len());
        let head = before[before.len() - take..].iter().collect();
        markers.push(Marker { head, chars });
    }
    markers
}

/// A text as lines of characters, to find secrets in.
struct Lines {
    /// Each line's characters, without its `\n` (or `\r\n`).
    lines: Vec<Vec<char>>,
}

impl Lines {
    fn of(text: &str) -> Lines {
        let lines = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).chars().collect())
            .collect();
        Lines { lines }
    }

    /// Marks every secret `finding` shows redacted, or says why the file
    /// must be withheld: the finding is about the file as such, or a
    /// secret is not where it says.
    fn locate(&self, finding: &Finding, mask: &mut LineMask) -> Result<(), String> {
        let code = &finding.code;
        let markers = markers_of(finding);
        if markers.is_empty() {
            return Err(format!(
                "not shown: the scanner flagged the whole file as holding secrets ({code})"
            ));
        }
        let anchored = rules::find(code).map(|r| r.family) == Some(Family::Secrets);
        let found = markers.iter().all(|marker| {
            if anchored {
                self.anchored(finding, marker, mask)
            } else {
                self.on_line(finding, marker, mask)
            }
        });
        if !found {
            return Err(format!(
                "not shown: a secret the scanner found in it ({code}) could not be \
                 located to redact"
            ));
        }
        Ok(())
    }

    fn slice(&self, index: usize, range: Range<usize>) -> String {
        let line = self.lines.get(index).map(Vec::as_slice).unwrap_or_default();
        let end = range.end.min(line.len());
        line[range.start.min(end)..end].iter().collect()
    }

    /// The secret starts at the finding's line and column; it runs for
    /// `chars` characters, counting each line break as one (two for
    /// `\r\n`, which we do not know here, so we may redact one more
    /// character on the next line: the safe side).
    fn anchored(&self, finding: &Finding, marker: &Marker, mask: &mut LineMask) -> bool {
        let index = finding.location.line.saturating_sub(1) as usize;
        let column = finding.location.column.saturating_sub(1) as usize;
        let Some(line) = self.lines.get(index) else {
            return false;
        };
        let head: Vec<char> = marker.head.chars().collect();
        if !line[column.min(line.len())..].starts_with(&head) {
            return false;
        }
        let mut left = marker.chars;
        let (first, mut index, mut start) = (index, index, column);
        while left > 0 {
            let Some(line) = self.lines.get(index) else {
                break;
            };
            let end = (start + left).min(line.len());
            if index == first {
                mask.add(index, start..end);
            } else {
                mask.add_tail(index, start..end);
            }
            // The rest, less the line break, continues on the next line.
            left = left.saturating_sub(end - start + 1);
            index += 1;
            start = 0;
        }
        true
    }

    /// The secret is somewhere on the finding's line: every run of its
    /// length that starts like it and holds no space or quote.
    fn on_line(&self, finding: &Finding, marker: &Marker, mask: &mut LineMask) -> bool {
        let index = finding.location.line.saturating_sub(1) as usize;
        let Some(line) = self.lines.get(index) else {
            return false;
        };
        let head: Vec<char> = marker.head.chars().collect();
        let mut found = false;
        for start in 0..line.len() {
            let end = start + marker.chars;
            if end > line.len() || !line[start..].starts_with(&head) {
                continue;
            }
            let plain = !line[start..end]
                .iter()
                .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'));
            if plain {
                mask.add(index, start..end);
                found = true;
            }
        }
        found
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
