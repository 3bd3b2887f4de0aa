//! The diff report of two versions of `acme/rx` (`fixtures/diff/`), in
//! every format: snapshots pin the text and JSON, and the HTML page is
//! checked for anything that would make a browser fetch or run
//! something.
//!
//! The story of the fixture: 1.0.1 makes the refill interval
//! configurable (`Model/RefillSchedule.php`), adds a partner API client
//! with a live Stripe-shaped key and a new host, drops the plain-HTTP
//! legacy notifier (resolving its finding and dropping its host), moves
//! `DoseFormatter.php` unchanged into `Model/Format/` (its ignore-comment
//! finding is unchanged, moved), swaps a PNG badge, and in
//! `composer.json` adds a dependency, tightens another and adds a
//! `post-install-cmd` script.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};

use formulary_diff::{compare, render, Delta, FileStatus, LoadedSide, Tree, VerdictLevel};
use formulary_scan::{ScanOptions, Scanner, Severity};

/// The secret in 1.0.1's `Model/PartnerClient.php`.
const KEY: &str = "sk_live_Q7hVx2LmR9tKp4WzN8cYb3Ds";

fn fixture(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../fixtures/diff/acme-rx-{version}"))
}

fn scanner() -> Scanner {
    Scanner::new(ScanOptions::default())
}

fn folder(version: &str, scanner: &Scanner) -> LoadedSide {
    let label = format!("acme/rx@{version}");
    Tree::folder(&fixture(version))
        .unwrap()
        .scanned(&label, scanner)
        .unwrap()
}

fn fixture_delta() -> Delta {
    let scanner = scanner();
    compare(&folder("1.0.0", &scanner), &folder("1.0.1", &scanner)).unwrap()
}

#[test]
fn the_text_report_reads_as_the_snapshot() {
    let delta = fixture_delta();
    insta::assert_snapshot!("acme-rx-text", render::text(&delta, false));
}

#[test]
fn the_json_report_reads_as_the_snapshot_and_reads_back() {
    let delta = fixture_delta();
    let json = render::json(&delta);
    insta::assert_snapshot!("acme-rx-json", json);

    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["schema"], render::SCHEMA);
    assert_eq!(value["size"], delta.size());
    let back: Delta = serde_json::from_value(value).unwrap();
    assert_eq!(back, delta);
}

#[test]
fn the_fixture_change_is_summed_up_for_a_reviewer() {
    let delta = fixture_delta();

    assert_eq!(delta.verdict.level, VerdictLevel::Review);
    for part in [
        "6 files changed (1 added, 1 removed, 1 renamed)",
        "1 new high finding (secret-stripe-secret-key)",
        "new host api.rx-partner.test",
        "new install-time code scripts:post-install-cmd",
        "new dependency acme/rx-partner-sdk",
    ] {
        assert!(
            delta.verdict.line.contains(part),
            "{part}: {}",
            delta.verdict.line
        );
    }
    let codes = |list: &[formulary_scan::Finding]| -> Vec<String> {
        list.iter().map(|f| f.code.clone()).collect()
    };
    assert_eq!(
        codes(&delta.findings.new),
        ["secret-stripe-secret-key", "composer-scripts"]
    );
    assert_eq!(codes(&delta.findings.resolved), ["plain-http-endpoint"]);
    let moved = &delta.findings.unchanged[0];
    assert_eq!(moved.finding.code, "scanner-ignore-comment");
    assert_eq!(moved.moved_from.as_deref(), Some("Model/DoseFormatter.php"));
    assert_eq!(delta.new_findings_at_or_above(Severity::High).len(), 1);
    assert!(delta.has_new_capabilities());
    let dropped: Vec<&str> = delta
        .capabilities
        .dropped
        .iter()
        .map(|c| c.value.as_str())
        .collect();
    assert_eq!(dropped, ["notify.acme-rx.test"]);
}

#[test]
fn no_format_prints_the_secret() {
    let delta = fixture_delta();
    let outputs = [
        render::text(&delta, false),
        render::text(&delta, true),
        render::json(&delta),
        render::html(&delta),
        render::summary_text(&delta.summary(), false),
    ];
    for out in &outputs {
        assert!(!out.contains(KEY), "the key leaked:\n{out}");
        assert!(out.contains("sk_l…(32 chars)"), "the key is shown redacted");
    }
}

/// The fourteen secrets of `fixtures/extensions/leaky-credentials` (keys
/// in PHP, in `composer.json` URLs, a shipped `auth.json` and `env.php`,
/// a PEM block) against a clean module: no format shows any of them.
#[test]
fn the_leaky_fixture_prints_no_secret_in_any_format() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/extensions");
    let scanner = scanner();
    let side = |name: &str| {
        Tree::folder(&root.join(name))
            .unwrap()
            .scanned(name, &scanner)
            .unwrap()
    };
    let (clean, leaky) = (side("clean-shipping-rates"), side("leaky-credentials"));
    let secrets = secrets_of(&leaky);
    assert!(secrets.len() >= 14, "{secrets:?}");

    let delta = compare(&clean, &leaky).unwrap();

    for out in [
        render::text(&delta, false),
        render::json(&delta),
        render::html(&delta),
    ] {
        for secret in &secrets {
            assert!(!out.contains(secret.as_str()), "{secret} leaked");
        }
    }
    let env = delta
        .files
        .changed
        .iter()
        .find(|f| f.path == "app/etc/env.php");
    let note = env.unwrap().note.as_deref().unwrap();
    assert!(note.contains("secret-env-php-shipped"), "{note}");
}

/// Each secret a secrets finding names, read from the file at the
/// finding's line and column for the length its snippet gives (the first
/// line of one that spans several).
fn secrets_of(side: &LoadedSide) -> Vec<String> {
    let mut out = Vec::new();
    for f in &side.scan.findings {
        let Some((_, tail)) = f.snippet.rsplit_once("…(") else {
            continue;
        };
        let chars: usize = tail.trim_end_matches(" chars)").parse().unwrap();
        let text = std::fs::read_to_string(side.root.join(&f.location.path)).unwrap();
        let line = text.lines().nth(f.location.line as usize - 1).unwrap();
        let secret: String = line
            .chars()
            .skip(f.location.column as usize - 1)
            .take(chars)
            .collect();
        if secret.chars().count() >= 8 {
            out.push(secret);
        }
    }
    out
}

#[test]
fn a_zip_and_its_folder_give_the_same_delta() {
    let scanner = scanner();
    let zipped = zip_folder(&fixture("1.0.1"), "acme-rx-5f3e2a/");
    let limits = formulary_unpack::Limits::default();
    let new = Tree::unpack(&zipped, "acme/rx@1.0.1", &limits)
        .unwrap()
        .scanned("acme/rx@1.0.1", &scanner)
        .unwrap();

    let from_zip = compare(&folder("1.0.0", &scanner), &new).unwrap();

    assert_eq!(from_zip, fixture_delta());
}

#[test]
fn the_same_tree_twice_is_identical() {
    let scanner = scanner();
    let delta = compare(&folder("1.0.1", &scanner), &folder("1.0.1", &scanner)).unwrap();
    assert_eq!(delta.verdict.line, "IDENTICAL: no file changed");
    assert_eq!((delta.size(), delta.files.unchanged), (0, 8));
}

#[test]
fn the_size_counts_lines_and_whole_files() {
    let delta = fixture_delta();
    let (added, removed) = delta.files.lines();
    // The added, removed and renamed files and the binary badge count one
    // each, beside their lines.
    let whole = delta
        .files
        .changed
        .iter()
        .filter(|f| f.status != FileStatus::Modified || f.path.ends_with(".png"))
        .count();
    assert_eq!(whole, 4);
    assert_eq!(delta.size(), added + removed + whole);
}

// ---------------------------------------------------------------------
// The HTML page
// ---------------------------------------------------------------------

#[test]
fn the_html_page_refers_to_nothing_outside_itself() {
    let page = render::html(&fixture_delta());
    check_self_contained(&page);
    assert!(page.contains("<details open><summary>A Model/PartnerClient.php</summary>"));
    assert!(
        page.contains("class=\"l-add\">+    private const API_KEY = &#39;sk_l…(32 chars)&#39;;")
    );
}

#[test]
fn hostile_names_and_lines_arrive_as_text() {
    let hostile_name = "Model/<svg onload=alert(1)>.php";
    let hostile_line = "<img src=https://evil.test/x onerror=alert(1)>";
    let old = tempfile::tempdir().unwrap();
    let new = tempfile::tempdir().unwrap();
    std::fs::write(old.path().join("a.php"), "<?php\n").unwrap();
    std::fs::write(new.path().join("a.php"), format!("<?php\n{hostile_line}\n")).unwrap();
    std::fs::create_dir(new.path().join("Model")).unwrap();
    std::fs::write(
        new.path().join(hostile_name),
        "\u{1b}]8;;https://evil.test\u{7}x\n",
    )
    .unwrap();
    let scanner = scanner();
    let side =
        |dir: &Path, label: &str| Tree::folder(dir).unwrap().scanned(label, &scanner).unwrap();
    let delta = compare(
        &side(old.path(), "old\"><link href=//evil.test>"),
        &side(new.path(), "new"),
    )
    .unwrap();

    let page = render::html(&delta);
    check_self_contained(&page);
    assert!(!page.contains("<svg") && !page.contains("<img"), "{page}");
    assert!(page.contains("Model/&lt;svg onload=alert(1)&gt;.php"));
    assert!(page.contains("+&lt;img src=https://evil.test/x onerror=alert(1)&gt;"));

    let text = render::text(&delta, false);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "no raw escapes reach a terminal"
    );
    assert!(
        text.contains("+\\u{1b}]8;;https://evil.test\\u{7}x"),
        "{text}"
    );
}

/// Fails on anything in `page` that could load or run something: a tag
/// outside the few the page uses, an attribute that takes a URL or a
/// script, any URL in an attribute, or a style sheet that imports.
fn check_self_contained(page: &str) {
    const TAGS: &[&str] = &[
        "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "table",
        "tr", "td", "th", "pre", "span", "details", "summary",
    ];
    let mut rest = page;
    while let Some(open) = rest.find('<') {
        let close = rest[open..]
            .find('>')
            .map(|i| open + i)
            .expect("an unclosed tag");
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        let closing = tag.starts_with('/');
        let tag = tag.trim_start_matches('/');
        let name = tag.split_whitespace().next().unwrap_or("");
        assert!(TAGS.contains(&name), "unexpected tag <{tag}>");
        for (attr, value) in attributes(tag) {
            let forbidden = [
                "src",
                "href",
                "action",
                "formaction",
                "srcset",
                "poster",
                "data",
                "style",
            ];
            assert!(
                !forbidden.contains(&attr.as_str()) && !attr.starts_with("on"),
                "attribute {attr} in <{tag}>"
            );
            let lower = value.to_ascii_lowercase();
            for bad in ["//", "url(", "javascript:", "data:"] {
                assert!(!lower.contains(bad), "{bad} in <{tag}>");
            }
        }
        if name == "style" && !closing {
            let end = rest.find("</style>").unwrap();
            let sheet = &rest[..end];
            for bad in ["url(", "@import", "//"] {
                assert!(!sheet.contains(bad), "{bad} in the style sheet");
            }
        }
    }
}

/// `name="value"` pairs of a tag (values always double-quoted here).
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = tag.split_once(char::is_whitespace).map_or("", |(_, r)| r);
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq].trim().to_ascii_lowercase();
        let after = rest[eq + 1..].trim_start();
        let Some(body) = after.strip_prefix('"') else {
            panic!("unquoted attribute {name} in <{tag}>");
        };
        let end = body.find('"').unwrap();
        out.push((name, body[..end].to_string()));
        rest = &body[end + 1..];
    }
    out
}

/// A zip of every file under `dir`, inside a GitHub-style top folder.
fn zip_folder(dir: &Path, top: &str) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let mut stack = vec![dir.to_path_buf()];
    let mut files = Vec::new();
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files {
        let name = path.strip_prefix(dir).unwrap().to_string_lossy();
        writer.start_file(format!("{top}{name}"), options).unwrap();
        writer.write_all(&std::fs::read(&path).unwrap()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Regression: a link planted in a folder side was passed over in silence
/// and the verdict said IDENTICAL.
#[cfg(unix)]
#[test]
fn a_link_planted_in_a_folder_is_named_and_the_sides_are_not_identical() {
    let scanner = scanner();
    let (before, after) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for dir in [&before, &after] {
        std::fs::write(dir.path().join("composer.json"), r#"{"name": "acme/x"}"#).unwrap();
    }
    std::os::unix::fs::symlink("/etc/passwd", after.path().join("Secret.php")).unwrap();
    let old = Tree::folder(before.path())
        .unwrap()
        .scanned("old", &scanner)
        .unwrap();
    let new = Tree::folder(after.path())
        .unwrap()
        .scanned("new", &scanner)
        .unwrap();

    let delta = compare(&old, &new).unwrap();

    assert_ne!(
        delta.verdict.level,
        VerdictLevel::Identical,
        "{}",
        delta.verdict.line
    );
    let skipped: Vec<&str> = delta
        .files
        .skipped
        .iter()
        .map(|s| s.path.as_str())
        .collect();
    assert_eq!(skipped, ["Secret.php"]);
    assert!(delta.files.skipped[0].reason.contains("symbolic link"));
}
