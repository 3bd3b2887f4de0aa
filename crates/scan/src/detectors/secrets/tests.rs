//! Scenarios for the secrets family, plus the check that every rule's
//! examples behave as `rules.toml` says they do.

use std::collections::BTreeSet;
use std::path::Path;

use super::engine::{engine, table};
use super::filters::{is_placeholder, name_parts, Checks};
use super::*;
use crate::finding::{Confidence, Severity};

struct NoExtension;

impl Extension for NoExtension {
    fn paths(&self) -> &[String] {
        &[]
    }
    fn read(&self, _path: &str) -> Option<Vec<u8>> {
        None
    }
}

fn check(path: &str, text: &str) -> Vec<Finding> {
    let mut sink = Sink::default();
    Secrets.check(
        &SourceFile::new(path, text.as_bytes().to_vec()),
        &NoExtension,
        &mut sink,
    );
    sink.findings
}

fn codes(findings: &[Finding]) -> Vec<(&str, u32)> {
    findings
        .iter()
        .map(|f| (f.code.as_str(), f.location.line))
        .collect()
}

fn fixture(name: &str, file: &str) -> Vec<Finding> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/extensions")
        .join(name);
    let text = std::fs::read_to_string(root.join(file)).expect("fixture file");
    check(file, &text)
}

const PATH_RULES: &[&str] = &["secret-env-php-shipped", "secret-auth-json-shipped"];

#[test]
fn every_rule_in_the_table_compiles() {
    let engine = engine();
    assert!(
        engine.errors.is_empty(),
        "rules.toml errors: {:#?}",
        engine.errors
    );
}

#[test]
fn the_table_and_the_catalogue_name_the_same_codes() {
    let table = table().expect("rules.toml parses");
    let in_table: BTreeSet<&str> = table.rule.iter().map(|r| r.code.as_str()).collect();
    let in_catalogue: BTreeSet<&str> = RULES.iter().map(|r| r.code).collect();
    for code in &in_table {
        assert!(
            in_catalogue.contains(code),
            "{code} is in rules.toml but not the catalogue"
        );
    }
    for code in &in_catalogue {
        let found = in_table.contains(code) || PATH_RULES.contains(code);
        assert!(found, "{code} is in the catalogue but no rule reports it");
    }
    assert!(
        RULES.len() >= 40,
        "the family needs at least 40 rules, has {}",
        RULES.len()
    );
}

#[test]
fn every_rule_has_keywords_and_examples_both_ways() {
    for rule in table().expect("rules.toml parses").rule {
        assert!(!rule.keywords.is_empty(), "{} has no keyword", rule.code);
        let lower = rule.keywords.iter().all(|k| *k == k.to_ascii_lowercase());
        assert!(lower, "{} has a keyword that is not lowercase", rule.code);
        assert!(
            !rule.tp.is_empty() && !rule.fp.is_empty(),
            "{} needs tp and fp examples",
            rule.code
        );
    }
}

#[test]
fn every_true_example_is_reported_with_its_code() {
    for rule in table().expect("rules.toml parses").rule {
        let path = rule.example_path.as_deref().unwrap_or("Model/Example.php");
        for example in &rule.tp {
            let found = check(path, example);
            let hit = found.iter().any(|f| f.code == rule.code);
            assert!(
                hit,
                "{} missed its example {example:?} at {path}; found {:?}",
                rule.code,
                codes(&found)
            );
        }
    }
}

#[test]
fn no_false_example_is_reported_by_any_rule() {
    for rule in table().expect("rules.toml parses").rule {
        let path = rule.example_path.as_deref().unwrap_or("Model/Example.php");
        for example in &rule.fp {
            let found = check(path, example);
            assert!(
                found.is_empty(),
                "{}: {example:?} at {path} gave {:?}",
                rule.code,
                codes(&found)
            );
        }
    }
}

#[test]
fn the_license_backdoor_ships_a_live_stripe_key_and_an_aws_key_pair() {
    let license = fixture("license-check-backdoor", "Helper/License.php");
    assert_eq!(codes(&license), [("secret-stripe-secret-key", 16)]);

    let reporter = fixture("license-check-backdoor", "Model/UsageReporter.php");
    assert_eq!(
        codes(&reporter),
        [("secret-aws-access-key", 19), ("secret-aws-secret-key", 20)]
    );
}

#[test]
fn the_payment_logger_reads_its_encrypted_key_from_config_and_is_not_reported() {
    for file in [
        "Gateway/Command/AuthorizeCommand.php",
        "etc/config.xml",
        "etc/adminhtml/system.xml",
        "Observer/DataAssignObserver.php",
    ] {
        let found = fixture("payment-debug-logger", file);
        assert!(found.is_empty(), "{file}: {:?}", codes(&found));
    }
}

#[test]
fn a_finding_shows_four_characters_and_points_at_the_secret() {
    let text =
        "<?php\nclass A {\n    private const API_KEY = 'sk_live_F0rmu1aRyN0tR3aLK3y8F0rm';\n}\n";
    let found = check("Model/A.php", text);
    assert_eq!(found.len(), 1);
    let finding = &found[0];
    assert_eq!((finding.location.line, finding.location.column), (3, 30));
    assert_eq!(finding.snippet, "sk_l…(32 chars)");
    assert!(!finding.message.contains("F0rmu1a"));
    assert_eq!(finding.cwe, Some(798));
}

#[test]
fn a_secret_keeps_its_fingerprint_when_lines_move() {
    let line = "$key = 'AKIAZ7FORMULARY2NQ3K';\n";
    let before = check("Model/A.php", &format!("<?php\n{line}"));
    let after = check("Model/A.php", &format!("<?php\n\n\n// moved\n{line}"));
    assert_eq!(before[0].fingerprint, after[0].fingerprint);
    assert_ne!(before[0].location.line, after[0].location.line);
}

#[test]
fn a_key_matched_by_a_vendor_rule_and_the_generic_rule_is_reported_once() {
    let found = check(
        "Model/A.php",
        "<?php $config = ['stripe_secret_key' => 'sk_live_F0rmu1aRyN0tR3aLK3y8F0rm'];",
    );
    assert_eq!(codes(&found), [("secret-stripe-secret-key", 1)]);
}

#[test]
fn the_same_key_on_two_lines_is_two_findings() {
    let text = "<?php\n$a = 'AKIAZ7FORMULARY2NQ3K';\n$b = 'AKIAZ7FORMULARY2NQ3K';\n";
    let found = check("Model/A.php", text);
    assert_eq!(
        codes(&found),
        [("secret-aws-access-key", 2), ("secret-aws-access-key", 3)]
    );
}

#[test]
fn test_mode_and_placeholder_keys_are_not_findings() {
    let text = r#"<?php
        $stripe = 'sk_test_F0rmu1aRyN0tR3aLK3y8F0rm';
        $key = 'YOUR_API_KEY';
        $secret = 'xxxxxxxxxxxxxxxxxxxxxxxx';
        $password = 'changeme';
        $token = '<api-token>';
        $apiKey = '%env(API_KEY)%';
        $apiSecret = '${API_SECRET}';
        $authToken = '{{auth_token}}';
        $clientSecret = 'example_client_secret_1';
        $api_key = $this->scopeConfig->getValue('payment/x/api_key');
        $api_secret = getenv('API_SECRET');
    "#;
    let found = check("Model/A.php", text);
    assert!(found.is_empty(), "{:?}", codes(&found));
}

#[test]
fn a_key_in_a_test_folder_is_reported_at_lower_confidence() {
    let text = "<?php $key = 'AKIAZ7FORMULARY2NQ3K';";
    let shipped = check("Model/A.php", text);
    let in_tests = check("Test/Unit/Model/ATest.php", text);
    assert_eq!(shipped[0].confidence, Confidence::High);
    assert_eq!(in_tests[0].confidence, Confidence::Medium);
    assert_eq!(in_tests[0].code, "secret-aws-access-key");
}

#[test]
fn the_generic_rule_is_low_confidence_and_reads_config_xml_values() {
    let xml = "<config>\n  <default>\n    \
               <payment><x><api_key>F0rmu1aRyN0tR3aLK3y8</api_key></x></payment>\n";
    let found = check("etc/config.xml", xml);
    assert_eq!(codes(&found), [("secret-generic-assignment", 3)]);
    assert_eq!(
        (found[0].severity, found[0].confidence),
        (Severity::Medium, Confidence::Low)
    );
}

#[test]
fn a_shipped_env_php_is_reported_with_its_secrets() {
    let text = "<?php\nreturn [\n    \
                'crypt' => ['key' => '0ddba11cafef00d5eedc0ffee0ddba11'],\n    \
                'db' => ['connection' => ['default' => [\n        \
                'password' => 'Db9F0rmu1aRyN0tR3aL']]],\n];\n";
    let found = check("app/etc/env.php", text);
    assert_eq!(
        codes(&found),
        [
            ("secret-env-php-shipped", 1),
            ("secret-magento-crypt-key", 3),
            ("secret-generic-assignment", 5),
        ]
    );
}

#[test]
fn env_templates_are_not_shipped_environments() {
    assert!(check(".env", "APP_ENV=prod\n")
        .iter()
        .any(|f| f.code == "secret-env-php-shipped"));
    assert!(check("build/.env.local", "X=1\n")
        .iter()
        .any(|f| f.code == "secret-env-php-shipped"));
    for path in [
        ".env.example",
        ".env.dist",
        "app/etc/env.php.sample",
        "Model/env.php",
    ] {
        assert!(check(path, "X=1\n").is_empty(), "{path}");
    }
}

#[test]
fn an_auth_json_with_real_credentials_is_reported_per_credential() {
    let text = r#"{
    "http-basic": {
        "repo.magento.com": {
            "username": "0ddba11cafef00d5eedc0ffee0ddba11",
            "password": "c0ffee0ddba11cafef00d5eed0ddba11"
        },
        "packages.vendor.test": {"username": "ci", "password": "F0rmu1aRyN0tR3aL"}
    },
    "github-oauth": {"github.com": "0ddba11cafef00d5eedc0ffee0ddba11cafef00d"}
}"#;
    let found = check("auth.json", text);
    assert_eq!(
        codes(&found),
        [
            ("secret-marketplace-keys", 5),
            ("secret-auth-json-shipped", 7),
            ("secret-auth-json-shipped", 9),
        ]
    );
}

#[test]
fn an_auth_json_of_placeholders_is_not_reported() {
    let text = r#"{
    "http-basic": {
        "repo.magento.com": {"username": "<public-key>", "password": "<private-key>"},
        "gitlab.example.org": {"username": "token", "password": ""}
    },
    "github-oauth": {"github.com": "YOUR_GITHUB_TOKEN"},
    "bearer": {"packages.vendor.test": "${COMPOSER_BEARER}"}
}"#;
    let found = check("auth.json", text);
    assert!(found.is_empty(), "{:?}", codes(&found));
}

#[test]
fn binary_files_are_skipped() {
    let mut bytes = b"\x00\x01PNG".to_vec();
    bytes.extend_from_slice(b"AKIAZ7FORMULARY2NQ3K");
    let mut sink = Sink::default();
    Secrets.check(
        &SourceFile::new("view/frontend/web/images/logo.png", bytes),
        &NoExtension,
        &mut sink,
    );
    assert!(sink.findings.is_empty());
}

#[test]
fn every_text_kind_is_scanned() {
    let line = "AKIAZ7FORMULARY2NQ3K";
    for path in [
        "a.php",
        "a.phtml",
        "a.js",
        "a.xml",
        "a.json",
        "a.html",
        "README.md",
        "a.graphqls",
    ] {
        let found = check(path, &format!("key: \"{line}\"\n"));
        assert_eq!(codes(&found), [("secret-aws-access-key", 1)], "{path}");
    }
}

#[test]
fn names_split_at_underscores_dashes_dots_and_humps() {
    assert_eq!(
        name_parts("XML_PATH_API_KEY"),
        ["xml", "path", "api", "key"]
    );
    assert_eq!(name_parts("apiKey"), ["api", "key"]);
    assert_eq!(name_parts("APIKey"), ["api", "key"]);
    assert_eq!(name_parts("config.clientSecret"), ["client", "secret"]);
    assert_eq!(name_parts("x-api-key"), ["x", "api", "key"]);
    assert_eq!(name_parts("oauth2Token"), ["oauth2", "token"]);
}

#[test]
fn placeholders_are_recognised() {
    for value in [
        "YOUR_API_KEY",
        "xxxxxxxxxxxx",
        "changeme",
        "<api-key>",
        "%env(API_KEY)%",
        "${API_KEY}",
        "{{api_key}}",
        "test_F0rmu1aRy",
        "sample-key-1",
        "aaaaaaaaaaaa",
        "1234567890ab",
        "abababababab",
        "$apiKey",
        "F0rmu1a...",
    ] {
        assert!(is_placeholder(value, Checks::Full), "{value}");
    }
    for value in ["F0rmu1aRyN0tR3aLK3y8", "0ddba11cafef00d5eedc0ffee0ddba11"] {
        assert!(!is_placeholder(value, Checks::Full), "{value}");
    }
}

/// Not a timing assertion: a large file with keywords everywhere must
/// still go through in one pass per woken rule and report nothing.
#[test]
fn a_large_clean_file_wakes_rules_but_reports_nothing() {
    let block = "    $key = $this->scopeConfig->getValue('payment/x/api_key');\n\
                 \x20   $token = $this->tokenFactory->create()->getToken();\n\
                 \x20   $cacheKey = 'formulary_' . $id;\n\
                 \x20   // the password is read from env.php, see https://example.test/docs\n";
    let text = format!("<?php\n{}", block.repeat(20_000));
    assert!(text.len() > 4_000_000);
    assert!(check("Model/Big.php", &text).is_empty());
}
