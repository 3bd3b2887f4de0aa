use std::path::Path;

use formulary_scan::finding::fingerprint;
use formulary_scan::{Confidence, Finding, Location, ScanReport, Severity};
use serde_json::Value;

use super::*;
use crate::side::Side;

const KEY: &str = "sk_live_Q7hVx2LmR9tKp4WzN8cYb3Ds";

fn finding(code: &str, path: &str, line: u32, column: u32, snippet: &str) -> Finding {
    Finding {
        code: code.to_string(),
        severity: Severity::High,
        confidence: Confidence::High,
        location: Location {
            path: path.to_string(),
            line,
            column,
        },
        snippet: snippet.to_string(),
        message: "m".to_string(),
        help: "h".to_string(),
        cwe: None,
        fingerprint: fingerprint(code, path, snippet),
    }
}

fn side(root: &Path, findings: Vec<Finding>) -> Side {
    Side {
        label: "x".to_string(),
        root: root.to_path_buf(),
        scan: ScanReport {
            findings,
            ..ScanReport::default()
        },
        manifest: Value::Null,
    }
}

/// Redactions for one new side holding `files`, with `findings`.
fn redactions(files: &[(&str, &str)], findings: Vec<Finding>) -> (tempfile::TempDir, Redactions) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    let empty = tempfile::tempdir().unwrap();
    let r = Redactions::build(&side(empty.path(), vec![]), &side(dir.path(), findings));
    (dir, r)
}

fn shown(r: &Redactions, path: &str, index: usize, line: &str) -> String {
    let mask = r.mask(Which::New, path).unwrap();
    r.scrub(&LineMask::apply(line, &[(mask, index)]))
}

#[test]
fn markers_are_read_from_snippets() {
    assert_eq!(
        parse_markers("key = 'sk_l…(32 chars)', other 'ab…(2 chars)'"),
        [
            Marker {
                head: "sk_l".into(),
                chars: 32
            },
            Marker {
                head: "ab".into(),
                chars: 2
            }
        ]
    );
    assert!(parse_markers("a … (3 chars) …(x chars) …(0 chars)").is_empty());
}

#[test]
fn a_secret_is_redacted_where_the_finding_points() {
    let line = format!("    private const API_KEY = '{KEY}';");
    let text = format!("<?php\n{line}\n");
    let column = line.find("sk_").unwrap() as u32 + 1;
    let f = finding(
        "secret-stripe-secret-key",
        "a.php",
        2,
        column,
        "sk_l…(32 chars)",
    );
    let (_dir, r) = redactions(&[("a.php", &text)], vec![f]);

    let out = shown(&r, "a.php", 1, &line);

    assert_eq!(out, "    private const API_KEY = 'sk_l…(32 chars)';");
}

#[test]
fn a_secret_found_once_is_redacted_everywhere_else_too() {
    let text = format!("<?php\n$k = '{KEY}';\n");
    let f = finding("secret-stripe-secret-key", "a.php", 2, 7, "sk_l…(32 chars)");
    let (_dir, r) = redactions(&[("a.php", &text)], vec![f]);

    let elsewhere = r.scrub(&format!("# copy of the key: {KEY}"));

    assert_eq!(elsewhere, "# copy of the key: sk_l…(32 chars)");
    let mut value = serde_json::json!({"scripts": [format!("curl -H 'X: {KEY}'")]});
    r.scrub_value(&mut value);
    assert!(!value.to_string().contains(KEY), "{value}");
}

#[test]
fn a_secret_over_several_lines_is_redacted_on_each() {
    let text = "$pem = <<<PEM\nMIIEabcdefgh\nijklmnopqrst\nuvwx\nPEM;\n";
    // "MIIEabcdefgh\nijklmnopqrst\nuvwx": 12 + 1 + 12 + 1 + 4 characters.
    let f = finding("secret-private-key", "k.php", 2, 1, "MIIE…(30 chars)");
    let (_dir, r) = redactions(&[("k.php", text)], vec![f]);

    assert_eq!(shown(&r, "k.php", 1, "MIIEabcdefgh"), "MIIE…(12 chars)");
    assert_eq!(shown(&r, "k.php", 2, "ijklmnopqrst"), "…(12 chars)");
    assert_eq!(shown(&r, "k.php", 3, "uvwx"), "…(4 chars)");
    assert_eq!(shown(&r, "k.php", 4, "PEM;"), "PEM;");
    // A copy of a continuation line elsewhere gives nothing away either.
    assert_eq!(r.scrub("echo 'ijklmnopqrst';"), "echo '…(12 chars)';");
}

#[test]
fn a_credential_named_by_another_family_is_found_on_its_line() {
    let text = "<config>\n  <api_key>Zx81kPq0vLm3Nc7aTy2R</api_key>\n</config>\n";
    let snippet = "<api_key>Zx81…(20 chars)</api_key>";
    let f = finding("config-default-credential", "etc/config.xml", 2, 3, snippet);
    let (_dir, r) = redactions(&[("etc/config.xml", text)], vec![f]);

    let out = shown(
        &r,
        "etc/config.xml",
        1,
        "  <api_key>Zx81kPq0vLm3Nc7aTy2R</api_key>",
    );

    assert_eq!(out, "  <api_key>Zx81…(20 chars)</api_key>");
}

#[test]
fn a_file_flagged_as_a_whole_is_withheld() {
    let f = finding(
        "secret-env-php-shipped",
        "app/etc/env.php",
        1,
        1,
        "app/etc/env.php",
    );
    let (_dir, r) = redactions(&[("app/etc/env.php", "<?php return [];\n")], vec![f]);

    let why = r.mask(Which::New, "app/etc/env.php").unwrap_err();

    assert!(why.contains("secret-env-php-shipped"), "{why}");
}

#[test]
fn a_secret_that_is_not_where_the_finding_says_withholds_the_file() {
    let f = finding("secret-stripe-secret-key", "a.php", 1, 1, "sk_l…(32 chars)");
    let (_dir, r) = redactions(&[("a.php", "<?php // nothing here\n")], vec![f]);
    assert!(r.mask(Which::New, "a.php").is_err());
}

#[test]
fn files_without_secrets_have_no_mask() {
    let (_dir, r) = redactions(&[("a.php", "<?php\n")], vec![]);
    assert!(matches!(r.mask(Which::New, "a.php"), Ok(None)));
    assert_eq!(r.scrub("plain"), "plain");
}
