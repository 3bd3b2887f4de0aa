//! Hostile archives, end to end: each has exactly one thing wrong, and each
//! must be refused with one line that names the cause, a non-zero exit,
//! nothing written outside the unpack folder, and the store unchanged.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod support;

use support::archives::{self, module, module_plus, patch_name, with_symlink, zip};
use support::Registry;

/// Ingests `bytes` into a registry with `settings` appended to its
/// formulary.toml, and checks the refusal; returns stderr.
fn refused(bytes: &[u8], settings: &str) -> String {
    let registry = Registry::new();
    registry.configure_limits(settings);
    let path = registry.write("hostile.zip", bytes);
    let before = registry.snapshot();

    let run = registry.run(&["ingest", path.to_str().unwrap()]);

    assert_eq!(
        run.code, 2,
        "refused with exit 2\nstdout:{}\nstderr:{}",
        run.stdout, run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "one line:\n{}", run.stderr);
    assert!(run.stderr.starts_with("error: refused "), "{}", run.stderr);
    assert_eq!(registry.snapshot(), before, "the store is unchanged");
    assert!(
        !registry.tmp.path().join("evil.php").exists(),
        "nothing escaped"
    );
    run.stderr.to_lowercase()
}

fn says(stderr: &str, words: &[&str]) {
    for word in words {
        assert!(
            stderr.contains(&word.to_lowercase()),
            "expected {word:?} in: {stderr}"
        );
    }
}

#[test]
fn an_absolute_path_is_refused() {
    let bytes = zip(&module_plus("/tmp/evil.php", b"<?php"));
    says(&refused(&bytes, ""), &["/tmp/evil.php"]);
}

#[test]
fn a_dotdot_segment_is_refused() {
    let bytes = zip(&module_plus("Model/../../evil.php", b"<?php"));
    says(&refused(&bytes, ""), &["../../evil.php"]);
}

#[test]
fn a_backslash_path_is_refused() {
    let bytes = zip(&module_plus("Model/xx/evil.php", b"<?php"));
    let bytes = patch_name(bytes, b"Model/xx/evil.php", b"Model\\..\\evil.php");
    says(&refused(&bytes, ""), &["evil.php", "backslash"]);
}

#[test]
fn a_drive_letter_path_is_refused() {
    let bytes = zip(&module_plus("C:/Windows/evil.php", b"<?php"));
    says(&refused(&bytes, ""), &["c:/windows/evil.php"]);
}

#[test]
fn a_nul_in_a_name_is_refused() {
    let bytes = zip(&module_plus("Model/evilX.php", b"<?php"));
    let bytes = patch_name(bytes, b"Model/evilX.php", b"Model/evil\0.php");
    says(&refused(&bytes, ""), &["nul"]);
}

#[test]
fn a_symlink_entry_is_refused() {
    let bytes = with_symlink("Model/passwd", "/etc/passwd");
    says(&refused(&bytes, ""), &["model/passwd", "link"]);
}

#[test]
fn a_duplicate_entry_is_refused() {
    let mut files = module("acme/sample", "1.0.0");
    files.push(("Model/Rate.phq".into(), b"<?php // second copy".to_vec()));
    let bytes = patch_name(zip(&files), b"Model/Rate.phq", b"Model/Rate.php");
    says(&refused(&bytes, ""), &["model/rate.php", "more than once"]);
}

#[test]
fn names_that_collide_when_case_is_folded_are_refused() {
    let bytes = zip(&module_plus("model/rate.php", b"<?php // shadow"));
    says(&refused(&bytes, ""), &["collides", "letter case"]);
}

#[test]
fn too_many_entries_are_refused() {
    let mut files = module("acme/sample", "1.0.0");
    for i in 0..10 {
        files.push((format!("Model/F{i}.php"), b"<?php".to_vec()));
    }
    says(&refused(&zip(&files), "max_entries = 5\n"), &["entries"]);
}

#[test]
fn too_much_data_in_total_is_refused() {
    let mut files = module("acme/sample", "1.0.0");
    for i in 0..4 {
        files.push((format!("Model/F{i}.php"), vec![b'a' + i as u8; 4000]));
    }
    says(
        &refused(
            &zip(&files),
            "max_total_bytes = 10000\nmax_ratio = 100000\n",
        ),
        &["total"],
    );
}

#[test]
fn one_file_too_large_is_refused() {
    let bytes = zip(&module_plus("Model/Big.php", &vec![b'x'; 50_000]));
    let settings = "max_file_bytes = 20000\nmax_ratio = 100000\n";
    says(&refused(&bytes, settings), &["model/big.php"]);
}

#[test]
fn an_excessive_compression_ratio_is_refused() {
    let bytes = zip(&module_plus("Model/Zeros.php", &vec![0u8; 8 << 20]));
    says(&refused(&bytes, ""), &["model/zeros.php", "zip bomb"]);
}

#[test]
fn a_missing_composer_json_is_refused() {
    let files = vec![("registration.php".to_string(), b"<?php".to_vec())];
    says(&refused(&zip(&files), ""), &["composer.json"]);
}

#[test]
fn an_unparseable_composer_json_is_refused() {
    let files = vec![(
        "composer.json".to_string(),
        b"{\"name\": \"acme/x\",".to_vec(),
    )];
    says(&refused(&zip(&files), ""), &["composer.json"]);
}

#[test]
fn an_invalid_package_name_is_refused() {
    let files = vec![(
        "composer.json".to_string(),
        archives::composer_json("Acme/../x", Some("1.0.0")),
    )];
    says(&refused(&zip(&files), ""), &["acme/../x"]);
}

#[test]
fn an_invalid_version_is_refused() {
    let files = vec![(
        "composer.json".to_string(),
        archives::composer_json("acme/x", Some("1.0.0-evil!")),
    )];
    says(&refused(&zip(&files), ""), &["1.0.0-evil!"]);
}

#[test]
fn absurdly_deep_json_is_refused() {
    let deep = format!(
        "{{\"name\":\"acme/x\",\"extra\":{}1{}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let files = vec![("composer.json".to_string(), deep.into_bytes())];
    says(&refused(&zip(&files), ""), &["deep"]);
}

#[test]
fn a_file_that_is_not_a_zip_is_refused() {
    says(&refused(b"<?php echo 'I am not an archive';", ""), &["zip"]);
}

#[test]
fn an_empty_file_is_refused() {
    says(&refused(b"", ""), &["empty"]);
}

#[test]
fn a_version_with_a_newline_cannot_forge_an_output_line() {
    let forged = "dev-x\nstored    evil/pkg 9.9.9";
    let files = vec![(
        "composer.json".to_string(),
        archives::composer_json("acme/x", Some(forged)),
    )];
    let stderr = refused(&zip(&files), "");
    says(&stderr, &["dev-x\\nstored", "control characters"]);
}
