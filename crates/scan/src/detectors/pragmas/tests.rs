//! Scenarios: vendors silencing their scanners, and code that only looks
//! like it.

use super::*;

struct Alone;

impl Extension for Alone {
    fn paths(&self) -> &[String] {
        &[]
    }
    fn read(&self, _path: &str) -> Option<Vec<u8>> {
        None
    }
}

fn scan(path: &str, text: &str) -> Vec<Finding> {
    let mut sink = Sink::default();
    Pragmas::new().check(
        &SourceFile::new(path, text.as_bytes().to_vec()),
        &Alone,
        &mut sink,
    );
    sink.findings
}

fn lines(findings: &[Finding]) -> Vec<u32> {
    findings.iter().map(|f| f.location.line).collect()
}

#[test]
fn secret_scanner_allow_comments_in_php_are_reported_with_their_line() {
    let php = "<?php\n\
               const KEY = 'sk_live_x'; // gitleaks:allow\n\
               $token = 'abc'; # pragma: allowlist secret\n\
               $other = 'def'; // trufflehog:ignore\n";
    let found = scan("Model/Config.php", php);
    assert_eq!(lines(&found), [2, 3, 4]);
    assert!(found.iter().all(|f| f.code == "scanner-ignore-comment"));
    assert_eq!(found[0].severity, Severity::Info);
    assert!(found[0].message.contains("gitleaks"));
    assert_eq!(
        found[0].snippet,
        "const KEY = 'sk_live_x'; // gitleaks:allow"
    );
}

#[test]
fn code_analyser_ignores_are_reported_whatever_their_case() {
    let php = "<?php\n\
               // nosemgrep: php.lang.security.eval\n\
               /** @psalm-suppress TaintedInput */\n\
               // phpcs:ignore Magento2.Security.LanguageConstruct\n\
               eval($x); // NOSONAR\n";
    assert_eq!(lines(&scan("Helper/Data.php", php)), [2, 3, 4, 5]);
}

#[test]
fn no_escape_counts_in_templates_only() {
    let phtml = "<div><?= /* @noEscape */ $block->getHtml() ?></div>\n";
    assert_eq!(lines(&scan("view/frontend/templates/x.phtml", phtml)), [1]);
    let php = "<?php\n// we call @noEscape nowhere\n";
    assert!(scan("Block/X.php", php).is_empty());
}

#[test]
fn eslint_ignores_count_only_when_they_switch_off_security_rules() {
    let js = "/* eslint-disable */\n\
              // eslint-disable-next-line no-console\n\
              console.log(1);\n\
              // eslint-disable-next-line no-eval\n\
              eval(s);\n";
    assert_eq!(lines(&scan("view/frontend/web/js/a.js", js)), [1, 4]);
}

#[test]
fn two_pragmas_on_one_line_make_one_finding() {
    let php = "<?php\n$k = 'x'; // gitleaks:allow nosemgrep\n";
    assert_eq!(lines(&scan("a.php", php)), [2]);
}

#[test]
fn prose_json_and_everyday_hygiene_comments_are_not_reported() {
    assert!(scan("README.md", "Add `// gitleaks:allow` to silence it.\n").is_empty());
    assert!(scan("composer.json", "{\"description\": \"nosemgrep\"}").is_empty());
    let php = "<?php\n/** @phpstan-ignore-next-line */\n$a = $b;\n// phpcs:enable\n";
    assert!(scan("Model/A.php", php).is_empty());
}

#[test]
fn a_pragma_in_a_setup_patch_is_raised_and_one_in_tests_is_less_certain() {
    let php = "<?php\n// nosemgrep\n";
    let patch = scan("Setup/Patch/Data/Seed.php", php);
    assert_eq!(patch[0].severity, Severity::Low);
    let test = scan("Test/Unit/SeedTest.php", php);
    assert_eq!(test[0].confidence, Confidence::Medium);
}

#[test]
fn the_fingerprint_survives_the_line_moving() {
    let a = scan("a.php", "<?php\n// nosemgrep\n");
    let b = scan("a.php", "<?php\n\n\n// nosemgrep\n");
    assert_eq!(a[0].fingerprint, b[0].fingerprint);
}
