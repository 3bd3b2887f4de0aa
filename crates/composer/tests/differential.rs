//! Differential test: formulary's Composer rules against the real thing.
//!
//! Debian's `composer` package ships composer/semver under
//! /usr/share/php/Composer/Semver. We feed every input in `tests/data/` to
//! it and to our port, through one `php` process (JSON in, JSON out), and
//! require the same answers: normal form, accept/reject, stability, order
//! and constraint matching. Without PHP this test fails, on purpose: a
//! silent pass would hide exactly the drift it exists to catch.

#![allow(clippy::unwrap_used)]

use formulary_composer::version::{normalize, version_compare};
use formulary_composer::{Constraint, Stability, Version};
use serde_json::{json, Value};
use std::cmp::Ordering;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const AUTOLOAD: &str = "/usr/share/php/Composer/Semver/autoload.php";
const INSTALL_HINT: &str = "apt-get install php-cli composer";

/// The PHP half: answers every question in one run.
const ORACLE: &str = r#"<?php
require $argv[1];
use Composer\Semver\VersionParser;
use Composer\Semver\Semver;
use Composer\Semver\Constraint\Constraint;

$in = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
$parser = new VersionParser();
$out = ['normalize' => [], 'compare' => [], 'raw' => [], 'constraints' => []];

foreach ($in['versions'] as $v) {
    try {
        $n = $parser->normalize($v);
        $out['normalize'][] = ['normalized' => $n,
            'stability' => VersionParser::parseStability($n)];
    } catch (\UnexpectedValueException $e) {
        $out['normalize'][] = null;
    }
}

$list = $in['ordered'];
$count = count($list);
for ($i = 0; $i < $count; $i++) {
    for ($j = $i + 1; $j < $count; $j++) {
        $a = $list[$i];
        $b = $list[$j];
        $both = strpos($a, 'dev-') === 0 && strpos($b, 'dev-') === 0;
        $out['compare'][] = $both ? null : version_compare($a, $b);
    }
}
$out['sorted'] = Semver::sort($in['sort']);

foreach ($in['raw'] as $pair) {
    $out['raw'][] = version_compare($pair[0], $pair[1]);
}

foreach ($in['constraints'] as $c) {
    try {
        $parsed = $parser->parseConstraints($c);
    } catch (\UnexpectedValueException $e) {
        $out['constraints'][] = null;
        continue;
    }
    $bits = '';
    foreach ($in['match'] as $n) {
        $bits .= $parsed->matches(new Constraint('==', $n)) ? '1' : '0';
    }
    $out['constraints'][] = ['string' => (string) $parsed, 'matches' => $bits];
}
echo json_encode($out, JSON_THROW_ON_ERROR | JSON_INVALID_UTF8_SUBSTITUTE);
"#;

/// Reads a data file: one input per line, `//` comments, `json:` escapes.
fn read_inputs(name: &str) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("data file is readable");
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .map(|l| match l.strip_prefix("json:") {
            Some(j) => serde_json::from_str(j).expect("json: line holds a JSON string"),
            None => l.to_string(),
        })
        .collect()
}

/// Runs the oracle script once with `request` on stdin.
fn ask_php(request: &Value) -> Value {
    let php_found = Command::new("php").arg("-v").output().is_ok();
    assert!(php_found, "`php` is not installed; run: {INSTALL_HINT}");
    assert!(
        std::path::Path::new(AUTOLOAD).exists(),
        "composer/semver not found at {AUTOLOAD}; run: {INSTALL_HINT}"
    );
    let script = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("semver-oracle.php");
    std::fs::write(&script, ORACLE).expect("oracle script is writable");

    let mut child = Command::new("php")
        .arg(&script)
        .arg(AUTOLOAD)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run php ({e}); run: {INSTALL_HINT}"));
    let body = serde_json::to_vec(request).expect("request serializes");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(&body)
        .expect("php reads its input");
    let out = child.wait_with_output().expect("php finishes");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "php oracle failed: {stderr}");
    serde_json::from_slice(&out.stdout).expect("php answers in JSON")
}

fn ordering(n: i64) -> Ordering {
    n.cmp(&0)
}

/// Strings for checking the `version_compare` port on its own, including
/// forms no normalized version has (empty parts, `#`, unknown words, NUL).
fn raw_compare_inputs() -> Vec<&'static str> {
    vec![
        "",
        "1",
        "1.0",
        "1.0.",
        ".1",
        "1..0",
        "#1",
        "1#a",
        "1.0-stable",
        "1.0-Rc1",
        "1.0-foo",
        "1.0-#",
        "1.0 beta",
        "1-0",
        "1_0",
        "1+0",
        "a",
        "dev",
        "1.0a",
        "1.0.0.0-beta01",
        "1.0.0.0-beta1",
        "99999999999999999999",
        "99999999999999999998",
        "1.0-pl",
        "1.0-pfoo",
        "1.0-develop",
        "1.0\u{0}2",
        "1.0-RC1-dev",
        "1.0.0.0-Beta",
        "2.4.6.0-patch3",
        "2.4.6.0",
        "-1",
        "1.0.0.0-dev",
        "1.0.0.0-alpha",
        "1.0-b",
        "1.0-p",
        "é1",
        "1.0.0.0-patch",
        "1.0-#N#",
    ]
}

struct Report {
    mismatches: Vec<String>,
}

impl Report {
    fn check(&mut self, same: bool, what: impl FnOnce() -> String) {
        if !same {
            self.mismatches.push(what());
        }
    }
}

/// Everything both sides are asked about, read or derived from the data.
struct Inputs {
    versions: Vec<String>,
    constraints: Vec<String>,
    /// Distinct valid versions, by normal form; also matched against
    /// every constraint.
    parsed: Vec<Version>,
    ordered: Vec<String>,
    /// One version per Composer-equal class, for a whole-list sort.
    sort: Vec<Version>,
    raw_pairs: Vec<[&'static str; 2]>,
}

impl Inputs {
    fn load() -> Inputs {
        let versions = read_inputs("versions.txt");
        let constraints = read_inputs("constraints.txt");
        assert!(versions.len() >= 300, "need at least 300 version inputs");
        assert!(constraints.len() >= 300, "need 300 constraint inputs");
        let mut parsed: Vec<Version> = versions
            .iter()
            .filter_map(|v| Version::parse(v).ok())
            .collect();
        parsed.sort_by(|a, b| a.normalized().cmp(b.normalized()));
        parsed.dedup_by(|a, b| a.normalized() == b.normalized());
        let ordered = parsed.iter().map(|v| v.normalized().to_string()).collect();
        let raw = raw_compare_inputs();
        let raw_pairs = raw
            .iter()
            .flat_map(|a| raw.iter().map(|b| [*a, *b]))
            .collect();
        let sort = distinct_numbered(&versions);
        Inputs {
            versions,
            constraints,
            parsed,
            ordered,
            sort,
            raw_pairs,
        }
    }

    fn request(&self) -> Value {
        json!({
            "versions": self.versions,
            "ordered": self.ordered,
            "sort": self.sort.iter().map(Version::pretty).collect::<Vec<_>>(),
            "raw": self.raw_pairs,
            "constraints": self.constraints,
            "match": self.ordered,
        })
    }
}

#[test]
fn composer_semver_agrees_with_our_port() {
    let inputs = Inputs::load();
    let answer = ask_php(&inputs.request());
    let ours: Vec<Option<String>> = inputs.versions.iter().map(|v| normalize(v).ok()).collect();

    let mut report = Report {
        mismatches: Vec::new(),
    };
    let counts = [
        check_normalize(&mut report, &inputs.versions, &ours, &answer["normalize"]),
        check_pairs(
            &mut report,
            &inputs.ordered,
            &inputs.parsed,
            &answer["compare"],
        ),
        check_sort(&mut report, &inputs.sort, &answer["sorted"]),
        check_raw(&mut report, &inputs.raw_pairs, &answer["raw"]),
        check_constraints(
            &mut report,
            &inputs.constraints,
            &inputs.ordered,
            &answer["constraints"],
        ),
    ];
    eprintln!(
        "differential: {} versions, {} ordered pairs, {} sorted, {} raw \
         version_compare pairs, {} constraint/version matches",
        counts[0], counts[1], counts[2], counts[3], counts[4]
    );
    let shown: Vec<&str> = report
        .mismatches
        .iter()
        .take(60)
        .map(String::as_str)
        .collect();
    assert!(
        report.mismatches.is_empty(),
        "{} mismatches with composer/semver:\n{}",
        report.mismatches.len(),
        shown.join("\n")
    );
}

/// Valid numbered versions, one per Composer-equal class, for a full sort.
fn distinct_numbered(versions: &[String]) -> Vec<Version> {
    let mut kept: Vec<Version> = Vec::new();
    for v in versions.iter().filter_map(|v| Version::parse(v).ok()) {
        let fresh = kept.iter().all(|k| k.composer_cmp(&v) != Ordering::Equal);
        if !v.is_named_branch() && fresh {
            kept.push(v);
        }
    }
    kept
}

fn check_normalize(
    report: &mut Report,
    versions: &[String],
    ours: &[Option<String>],
    theirs: &Value,
) -> usize {
    for (i, input) in versions.iter().enumerate() {
        let expected = theirs[i]["normalized"].as_str();
        report.check(ours[i].as_deref() == expected, || {
            format!(
                "normalize({input:?}): ours {:?}, composer {expected:?}",
                ours[i]
            )
        });
        let (Some(n), Some(stability)) = (&ours[i], theirs[i]["stability"].as_str()) else {
            continue;
        };
        let mine = Stability::of_normalized(n).as_str();
        report.check(mine == stability, || {
            format!("stability({n:?}): ours {mine}, composer {stability}")
        });
    }
    versions.len()
}

fn check_pairs(
    report: &mut Report,
    ordered: &[String],
    parsed: &[Version],
    theirs: &Value,
) -> usize {
    let mut k = 0;
    for i in 0..parsed.len() {
        for j in i + 1..parsed.len() {
            if let Some(n) = theirs[k].as_i64() {
                let mine = parsed[i].composer_cmp(&parsed[j]);
                report.check(mine == ordering(n), || {
                    format!(
                        "compare({:?}, {:?}): ours {mine:?}, composer {n}",
                        ordered[i], ordered[j]
                    )
                });
            }
            k += 1;
        }
    }
    k
}

fn check_sort(report: &mut Report, input: &[Version], theirs: &Value) -> usize {
    let mut mine = input.to_vec();
    mine.sort();
    let mine: Vec<&str> = mine.iter().map(Version::pretty).collect();
    let composer: Vec<&str> = theirs
        .as_array()
        .expect("sorted list")
        .iter()
        .map(|v| v.as_str().expect("string"))
        .collect();
    report.check(mine == composer, || {
        format!("Semver::sort differs:\n ours     {mine:?}\n composer {composer:?}")
    });
    input.len()
}

fn check_raw(report: &mut Report, pairs: &[[&str; 2]], theirs: &Value) -> usize {
    for (k, [a, b]) in pairs.iter().enumerate() {
        let expected = ordering(theirs[k].as_i64().expect("an integer"));
        let mine = version_compare(a, b);
        report.check(mine == expected, || {
            format!("version_compare({a:?}, {b:?}): ours {mine:?}, php {expected:?}")
        });
    }
    pairs.len()
}

fn check_constraints(
    report: &mut Report,
    constraints: &[String],
    ordered: &[String],
    theirs: &Value,
) -> usize {
    let mut checked = 0;
    for (i, input) in constraints.iter().enumerate() {
        let ours = Constraint::parse(input);
        let theirs = &theirs[i];
        let (Ok(c), Some(bits)) = (&ours, theirs["matches"].as_str()) else {
            report.check(ours.is_ok() != theirs.is_null(), || {
                format!("parse({input:?}): ours {ours:?}, composer {theirs}")
            });
            continue;
        };
        let (mine, expected) = (c.composer_string(), theirs["string"].as_str());
        report.check(Some(mine.as_str()) == expected, || {
            format!("bounds({input:?}): ours {mine}, composer {expected:?}")
        });
        checked += check_matches(report, c, ordered, bits);
    }
    checked
}

/// One constraint against every version; `bits` holds Composer's answers.
fn check_matches(report: &mut Report, c: &Constraint, ordered: &[String], bits: &str) -> usize {
    for (n, bit) in ordered.iter().zip(bits.chars()) {
        let (mine, theirs) = (c.matches_normalized(n), bit == '1');
        report.check(mine == theirs, || {
            format!(
                "{:?} matches {n:?}: ours {mine}, composer {theirs}",
                c.pretty()
            )
        });
    }
    ordered.len()
}
