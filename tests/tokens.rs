//! `formulary token`, end to end: an operator hands out access to the
//! server and takes it back, through the real binary.
//!
//! The secret is the one thing that must not leak, so the scenarios look
//! for it everywhere it could end up: the listing, the logs, and every
//! file of the data folder. The server's side of a token (accepting it as
//! http-basic or bearer) is checked here through the library the server
//! calls, on the data folder the binary wrote.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod support;

use std::path::{Path, PathBuf};

use formulary_registry::{Credential, DataDir, Registry as Opened, Scope};
use sha2::{Digest, Sha256};
use support::{Registry, Run};

/// `token new --json`: the name, scope and secret it printed.
fn new_token(registry: &Registry, name: &str, scope: &str) -> (String, String, String) {
    let out = registry
        .run(&["token", "new", "--name", name, "--scope", scope, "--json"])
        .success()
        .json();
    let field = |key: &str| out[key].as_str().unwrap().to_string();
    (field("name"), field("scope"), field("secret"))
}

fn list_json(registry: &Registry) -> Run {
    registry.run(&["token", "list", "--json"]).success()
}

fn assert_refused(run: &Run, words: &[&str]) {
    assert_eq!(
        run.code, 2,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    for word in words {
        assert!(
            run.stderr.contains(word),
            "{word:?} missing from:\n{}",
            run.stderr
        );
    }
}

#[test]
fn a_new_token_prints_its_secret_once_with_how_to_use_it() {
    let registry = Registry::new();

    let run = registry
        .run(&["token", "new", "--name", "ci", "--scope", "read"])
        .success();

    let secret = run
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("secret  "))
        .unwrap_or_else(|| panic!("no secret line in:\n{}", run.stdout));
    assert!(secret.starts_with("fml_") && secret.len() == 47, "{secret}");
    for words in ["shown only once", "http-basic", "bearer", "ci"] {
        assert!(
            run.stdout.contains(words),
            "{words:?} missing:\n{}",
            run.stdout
        );
    }
}

#[test]
fn the_secret_appears_nowhere_but_in_the_output_of_token_new() {
    let registry = Registry::new();
    let run = registry
        .run(&[
            "token", "new", "--name", "ci", "--scope", "review", "--json", "-vv",
        ])
        .success();
    let secret = run.json()["secret"].as_str().unwrap().to_string();
    let hash = hex::encode(Sha256::digest(secret.as_bytes()));
    assert!(!run.stderr.contains(&secret), "logged:\n{}", run.stderr);

    let text = registry.run(&["token", "list"]).success().stdout;
    let json = list_json(&registry).stdout;
    for listing in [&text, &json] {
        assert!(
            listing.contains("ci") && listing.contains("review"),
            "{listing}"
        );
        assert!(!listing.contains(&secret), "{listing}");
        assert!(!listing.contains(&hash), "{listing}");
    }
    let listed = list_json(&registry).json();
    assert_eq!(
        listed,
        serde_json::json!([{
            "name": "ci",
            "scope": "review",
            "created_at": listed[0]["created_at"],
            "revoked_at": null,
        }])
    );

    // Only the hash is kept: not even sled's files hold the secret.
    for file in files(&registry.data) {
        let bytes = std::fs::read(&file).unwrap();
        let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
        assert!(!found, "{} holds the secret", file.display());
    }
}

#[test]
fn the_printed_secret_is_what_the_server_accepts() {
    let registry = Registry::new();
    let (name, scope, secret) = new_token(&registry, "deploy", "intake");
    assert_eq!((name.as_str(), scope.as_str()), ("deploy", "intake"));

    let opened = Opened::open(DataDir::new(&registry.data)).unwrap();
    let basic = Credential::Basic {
        user: name.clone(),
        password: secret.clone(),
    };
    let expected = Some((name, Scope::Intake));
    assert_eq!(opened.authenticate(&basic), expected);
    assert_eq!(opened.authenticate(&Credential::Bearer(secret)), expected);
}

#[test]
fn a_name_in_use_is_refused_and_the_first_token_kept() {
    let registry = Registry::new();
    new_token(&registry, "ci", "read");

    let run = registry.run(&["token", "new", "--name", "ci", "--scope", "admin"]);

    assert_refused(
        &run,
        &["\"ci\"", "formulary token revoke ci", "another name"],
    );
    assert!(run.stdout.is_empty(), "no secret printed: {}", run.stdout);
    let listed = list_json(&registry).json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["scope"], "read");
}

#[test]
fn a_revoked_token_is_refused_listed_as_revoked_and_its_name_free() {
    let registry = Registry::new();
    let (_, _, old_secret) = new_token(&registry, "ci", "admin");

    let run = registry.run(&["token", "revoke", "ci"]).success();
    assert!(run.stdout.contains("revoked token ci"), "{}", run.stdout);

    let listed = list_json(&registry).json();
    assert!(listed[0]["revoked_at"].is_string(), "{listed}");
    let text = registry.run(&["token", "list"]).success().stdout;
    assert!(text.contains("revoked"), "{text}");

    let opened = Opened::open(DataDir::new(&registry.data)).unwrap();
    let old = Credential::Bearer(old_secret);
    assert_eq!(opened.authenticate(&old), None);
    drop(opened);

    let (_, _, new_secret) = new_token(&registry, "ci", "read");
    let opened = Opened::open(DataDir::new(&registry.data)).unwrap();
    let found = opened.authenticate(&Credential::Bearer(new_secret));
    assert_eq!(found, Some(("ci".to_string(), Scope::Read)));
}

#[test]
fn revoking_a_name_no_token_has_says_where_to_look() {
    let registry = Registry::new();
    let run = registry.run(&["token", "revoke", "ghost"]);
    assert_refused(&run, &["ghost", "formulary token list"]);
}

#[test]
fn an_unknown_scope_is_refused_naming_the_scopes() {
    let registry = Registry::new();

    let run = registry.run(&["token", "new", "--name", "ci", "--scope", "superuser"]);

    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("\"superuser\" is not a scope")
            && run.stderr.contains("read, intake, review or admin"),
        "{}",
        run.stderr
    );
    assert_eq!(list_json(&registry).json(), serde_json::json!([]));
}

#[test]
fn a_name_that_cannot_be_a_basic_user_is_refused() {
    let registry = Registry::new();
    for name in ["ci:prod", "has space", ""] {
        let run = registry.run(&["token", "new", "--name", name, "--scope", "read"]);
        assert_refused(&run, &["token name", "letters, digits"]);
    }
    assert_eq!(list_json(&registry).json(), serde_json::json!([]));
}

/// Every file under `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}
