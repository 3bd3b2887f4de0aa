//! Inline comments in the vetted code that try to silence a scanner.
//!
//! A vendor who writes `// gitleaks:allow` or `# pragma: allowlist secret`
//! next to a key has told their own scanner to look away. We never honour
//! such comments in third-party code (reviewers suppress findings in a
//! baseline they keep, see [`crate::baseline`]), and we report each one:
//! `info` alone, raised to `medium` by the scanner when the same or the
//! next line carries a finding the comment would have hidden.
//!
//! We list only comments that silence security or secret scanners (and
//! PHP_CodeSniffer, whose Magento standard holds the escaping and
//! discouraged-function sniffs). Type checkers' ignores such as
//! `@phpstan-ignore` are everyday code hygiene, and ESLint's are reported
//! only when they switch off every rule or a security rule.

mod eslint;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::context;
use crate::detector::{Detector, Extension, Sink};
use crate::file::{FileKind, SourceFile};
use crate::finding::{Confidence, Finding, Location, Severity};
use crate::rules::{Family, RuleInfo};

/// The rule this detector reports.
pub const RULES: &[RuleInfo] = &[RuleInfo {
    code: "scanner-ignore-comment",
    family: Family::Scanner,
    severity: Severity::Info,
    confidence: Confidence::High,
    cwe: None,
    summary: "An inline comment tries to silence a scanner",
    help: "Inline ignores in third-party code are never honoured. Ask why the vendor \
           needed one; suppress real false positives in a baseline file you keep.",
}];

/// One ignore comment we know: its text (matched without regard to case)
/// and the tool it silences.
struct Pragma {
    text: &'static str,
    tool: &'static str,
}

const PRAGMAS: &[Pragma] = &[
    Pragma {
        text: "gitleaks:allow",
        tool: "gitleaks",
    },
    Pragma {
        text: "trufflehog:ignore",
        tool: "TruffleHog",
    },
    Pragma {
        text: "pragma: allowlist",
        tool: "detect-secrets",
    },
    Pragma {
        text: "secretlint-disable",
        tool: "secretlint",
    },
    Pragma {
        text: "ggignore",
        tool: "GitGuardian",
    },
    Pragma {
        text: "nosemgrep",
        tool: "Semgrep",
    },
    Pragma {
        text: "nosonar",
        tool: "SonarQube",
    },
    Pragma {
        text: "lgtm[",
        tool: "CodeQL",
    },
    Pragma {
        text: "codeql[",
        tool: "CodeQL",
    },
    Pragma {
        text: "@psalm-suppress",
        tool: "Psalm",
    },
    Pragma {
        text: "@mago-ignore",
        tool: "Mago",
    },
    Pragma {
        text: "@mago-expect",
        tool: "Mago",
    },
    Pragma {
        text: "phpcs:ignore",
        tool: "PHP_CodeSniffer",
    },
    Pragma {
        text: "phpcs:disable",
        tool: "PHP_CodeSniffer",
    },
    Pragma {
        text: "@codingstandardsignore",
        tool: "PHP_CodeSniffer",
    },
    Pragma {
        text: "@noescape",
        tool: "Magento's template escaping sniff",
    },
    Pragma {
        text: "eslint-disable",
        tool: "ESLint",
    },
];

/// `@noEscape` means something only in `.phtml` templates.
const NO_ESCAPE: &str = "@noescape";
/// ESLint's ignores need a look at which rules they switch off.
const ESLINT: &str = "eslint-disable";

/// Finds scanner-silencing comments in text files.
pub struct Pragmas {
    /// `None` only if the automaton could not be built, which for this
    /// short fixed list does not happen; we would rather skip the check
    /// than panic in a scan.
    matcher: Option<AhoCorasick>,
}

impl Pragmas {
    /// A detector for every comment in the list above.
    pub fn new() -> Pragmas {
        let matcher = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(PRAGMAS.iter().map(|p| p.text));
        if let Err(err) = &matcher {
            tracing::debug!(%err, "ignore-comment matcher not built");
        }
        Pragmas {
            matcher: matcher.ok(),
        }
    }
}

impl Default for Pragmas {
    fn default() -> Self {
        Pragmas::new()
    }
}

impl Detector for Pragmas {
    fn name(&self) -> &'static str {
        "pragmas"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    fn check(&self, file: &SourceFile, _ext: &dyn Extension, out: &mut Sink) {
        let Some(matcher) = &self.matcher else {
            return;
        };
        if !has_comments(file) {
            return;
        }
        let text = file.text();
        let mut last_line = 0;
        for found in matcher.find_iter(text.as_ref()) {
            let pragma = &PRAGMAS[found.pattern().as_usize()];
            let line = line_around(&text, found.start());
            if !applies(pragma, file, &text[found.end()..]) {
                continue;
            }
            let at = Location::at_offset(&file.path, &text, found.start());
            // One finding per line, however many tools it silences.
            if at.line == last_line {
                continue;
            }
            last_line = at.line;
            out.finding(context::adjust(finding(pragma, at, line), &file.path));
        }
    }
}

/// Text files that can hold comments; JSON cannot, and prose documents
/// (README, changelogs) talk about these comments without using them.
fn has_comments(file: &SourceFile) -> bool {
    let lower = file.path.to_ascii_lowercase();
    let prose = [".md", ".txt", ".rst"].iter().any(|e| lower.ends_with(e));
    !prose && !matches!(file.kind, FileKind::Binary | FileKind::Json)
}

/// Whether a match of `pragma` is really a silencing comment here.
fn applies(pragma: &Pragma, file: &SourceFile, after: &str) -> bool {
    match pragma.text {
        NO_ESCAPE => file.kind == FileKind::Phtml,
        ESLINT => eslint::silences_security(after),
        _ => true,
    }
}

fn finding(pragma: &Pragma, at: Location, line: &str) -> Finding {
    let shown = shorten(line.trim(), 160);
    let message = format!(
        "An ignore comment for {} tries to silence a scanner here; it is not honoured",
        pragma.tool
    );
    Finding::new(&RULES[0], at, message, shown, line.trim())
}

/// The whole line holding byte `offset`.
fn line_around(text: &str, offset: usize) -> &str {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    &text[start..end]
}

/// At most `max` characters, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests;
