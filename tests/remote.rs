//! `--server` mode, end to end: the commands that need the registry work
//! through a running `formulary serve` and print what they print locally.
//!
//! Each scenario prepares a registry in a temp folder (tokens are made
//! before the server starts, since the server then holds the data folder),
//! starts the real server on a free loopback port, runs commands with
//! `--server` and a token and with `FORMULARY_DATA` pointing nowhere, then
//! stops the server. Where the output must equal local mode, the same
//! command runs again on the data folder after the server has stopped.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod support;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use support::archives::{module, zip};
use support::{fixture, sha1, Registry, Run};

/// No findings; 1.0.0 in `clean-shipping-rates`.
const CLEAN: &str = "formulary-fixtures/clean-shipping-rates";

/// A running `formulary serve`, stopped (kill, then wait) when dropped, so
/// a failed assertion never leaves a server behind.
struct Server {
    child: Child,
    url: String,
    stderr: PathBuf,
}

impl Server {
    /// Starts the server on `registry` and waits for its `listening` line.
    fn start(registry: &Registry) -> Server {
        let stderr = registry.tmp.path().join("serve.stderr");
        let mut child = registry
            .command(&["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = send.send(line);
        });
        let line = receive.recv_timeout(Duration::from_secs(60));
        let mut server = Server {
            child,
            url: String::new(),
            stderr,
        };
        let line = line.unwrap_or_default();
        match line.trim().strip_prefix("listening on ") {
            Some(url) => server.url = url.to_string(),
            None => panic!("serve printed {line:?}\nstderr:\n{}", server.log()),
        }
        server
    }

    /// What the server logged so far.
    fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// A command with `--server` and `token`, and no usable data folder.
    fn command(&self, registry: &Registry, token: Option<&str>, args: &[&str]) -> Command {
        let mut cmd = registry.command(args);
        cmd.env("FORMULARY_DATA", registry.tmp.path().join("no-data-here"))
            .env("FORMULARY_SERVER", &self.url)
            .env_remove("FORMULARY_TOKEN");
        if let Some(t) = token {
            cmd.env("FORMULARY_TOKEN", t);
        }
        cmd
    }

    /// Runs a command through the server with `token`.
    fn run_as(&self, registry: &Registry, token: Option<&str>, args: &[&str]) -> Run {
        let out = self.command(registry, token, args).output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Stops the server and waits until it has let go of the data folder.
    fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A registry with an admin token `ci`; returns it with `ci:SECRET`.
fn registry_with_token() -> (Registry, String) {
    let registry = Registry::new();
    let token = new_token(&registry, "ci", "admin");
    (registry, token)
}

/// Makes a token on the data folder; returns `NAME:SECRET`.
fn new_token(registry: &Registry, name: &str, scope: &str) -> String {
    let args = ["token", "new", "--name", name, "--scope", scope, "--json"];
    let made = registry.run(&args).success().json();
    format!("{name}:{}", made["secret"].as_str().unwrap())
}

/// Makes a key pair in the temp folder; returns the private key's path.
fn key(registry: &Registry, name: &str) -> PathBuf {
    let out = registry.tmp.path().join(format!("{name}.key"));
    let path = out.to_str().unwrap();
    registry
        .run(&["key", "new", "--name", name, "--out", path])
        .success();
    out
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Panics unless the run exited 2 with one `error:` line holding every
/// one of `words`, and no secret in sight.
fn one_error_line(run: &Run, words: &[&str], secret: &str) {
    assert_eq!(
        run.code, 2,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr:\n{}", run.stderr);
    assert!(lines[0].starts_with("error: "), "{}", lines[0]);
    for word in words {
        assert!(lines[0].contains(word), "{word:?} not in {}", lines[0]);
    }
    let secret = secret.split_once(':').map_or(secret, |(_, s)| s);
    if !secret.is_empty() {
        assert!(!run.stderr.contains(secret) && !run.stdout.contains(secret));
    }
}

// ---------------------------------------------------------------------
// Reading: the same output as local mode
// ---------------------------------------------------------------------

#[test]
fn review_key_and_log_listings_through_the_server_match_local_mode() {
    let (registry, token) = registry_with_token();
    registry
        .run(&["ingest", path_str(&fixture("clean-shipping-rates"))])
        .success();
    let alice = key(&registry, "alice");
    let public = format!("{}.pub", path_str(&alice));
    let trust = [
        "key", "trust", &public, "--name", "alice", "--role", "reviewer",
    ];
    registry.run(&trust).success();
    let commands: Vec<Vec<&str>> = vec![
        vec!["review", "list"],
        vec!["review", "list", "--json"],
        vec!["review", "list", "--state", "approved"],
        vec!["review", "show", CLEAN, "1.0.0"],
        vec!["review", "show", CLEAN, "1.0", "--json"],
        vec!["key", "list"],
        vec!["key", "list", "--json"],
        vec!["log", "show"],
        vec!["log", "show", "--json", "--limit", "1"],
        vec!["log", "proof", "0"],
        vec!["log", "proof", "1", "--size", "2", "--json"],
        vec!["log", "consistency", "1"],
        vec!["log", "consistency", "1", "2", "--json"],
    ];

    let server = Server::start(&registry);
    let remote: Vec<Run> = commands
        .iter()
        .map(|args| server.run_as(&registry, Some(&token), args).success())
        .collect();
    server.stop();

    for (args, remote) in commands.iter().zip(&remote) {
        let local = registry.run(args).success();
        assert_eq!(remote.stdout, local.stdout, "formulary {}", args.join(" "));
    }
}

#[test]
fn review_show_and_diff_through_the_server_match_local_mode() {
    let (registry, token) = registry_with_token();
    let (old, new) = (
        fixture("clean-shipping-rates"),
        fixture("clean-shipping-rates-v1.0.1"),
    );
    registry
        .run(&["ingest", path_str(&old), path_str(&new)])
        .success();
    let alice = key(&registry, "alice");
    let public = format!("{}.pub", path_str(&alice));
    let trust = [
        "key", "trust", &public, "--name", "alice", "--role", "reviewer",
    ];
    registry.run(&trust).success();
    registry
        .run(&["approve", CLEAN, "1.0.0", "--key", path_str(&alice)])
        .success();
    let (from, to) = (format!("{CLEAN}@1.0.0"), format!("{CLEAN}@1.0.1"));
    let commands = [
        vec!["review", "show", CLEAN, "1.0.1"],
        vec!["review", "show", CLEAN, "1.0.1", "--json"],
        vec!["diff", &from, &to],
        vec!["diff", &from, &to, "--format", "json"],
    ];

    let server = Server::start(&registry);
    let remote: Vec<Run> = commands
        .iter()
        .map(|args| server.run_as(&registry, Some(&token), args).success())
        .collect();
    let mixed = server.run_as(&registry, Some(&token), &["diff", &from, path_str(&new)]);
    server.stop();

    assert!(remote[0].stdout.contains("changes since 1.0.0 (approved)"));
    assert_eq!(remote[1].json()["delta"]["base"], "1.0.0");
    assert_eq!(remote[3].json()["new"], to.as_str());
    one_error_line(&mixed, &["--server", "two stored versions"], &token);
    for (args, remote) in commands.iter().zip(&remote) {
        let local = registry.run(args).success();
        assert_eq!(remote.stdout, local.stdout, "formulary {}", args.join(" "));
    }
}

// ---------------------------------------------------------------------
// Writing: ingest, keys, decisions
// ---------------------------------------------------------------------

#[test]
fn ingest_through_the_server_archives_a_folder_and_uploads_a_zip_here() {
    let (registry, token) = registry_with_token();
    let bytes = zip(&module("acme/sample", "1.0.0"));
    let archive = registry.write("sample.zip", &bytes);
    let folder = fixture("clean-shipping-rates");

    let server = Server::start(&registry);
    let ingest = |args: &[&str]| server.run_as(&registry, Some(&token), args);
    let stored = ingest(&["ingest", path_str(&folder)]).success();
    let json = ingest(&["ingest", path_str(&archive), "--json"]).success();
    let again = ingest(&["ingest", path_str(&folder)]).success();
    server.stop();

    assert!(
        stored
            .stdout
            .starts_with(&format!("stored    {CLEAN} 1.0.0  sha256 ")),
        "{}",
        stored.stdout
    );
    assert!(stored.stdout.contains("(pending review; no findings)"));
    let item = &json.json()[0];
    assert_eq!(item["source"], path_str(&archive));
    assert_eq!(item["outcome"], "stored");
    assert_eq!(item["name"], "acme/sample");
    assert_eq!(
        item["sha1"],
        sha1(&bytes),
        "the zip is uploaded byte for byte"
    );
    assert!(
        again.stdout.starts_with("unchanged "),
        "the folder archives to the same bytes each time: {}",
        again.stdout
    );
    let show = registry
        .run(&["review", "show", "acme/sample", "1.0.0", "--json"])
        .success()
        .json();
    assert_eq!(show["state"], "pending");
    assert_eq!(show["provenance"]["kind"], "upload");
}

#[test]
fn an_approval_through_the_server_is_signed_here_and_recorded_there() {
    let (registry, token) = registry_with_token();
    registry
        .run(&["ingest", path_str(&fixture("clean-shipping-rates"))])
        .success();
    let alice = key(&registry, "alice");
    let public = format!("{}.pub", path_str(&alice));

    let server = Server::start(&registry);
    let run = |args: &[&str]| server.run_as(&registry, Some(&token), args);
    let trusted = run(&[
        "key", "trust", &public, "--name", "alice", "--role", "reviewer",
    ]);
    let approve = ["approve", CLEAN, "1.0.0", "--key", path_str(&alice)];
    let approved = run(&[&approve[..], &["--note", "read every file"]].concat());
    let twice = run(&approve);
    let shown = run(&["review", "show", CLEAN, "1.0.0", "--json"]).success();
    server.stop();

    assert!(
        trusted
            .success()
            .stdout
            .contains("(alice, reviewer) at log index 1"),
        "the registry key signed the key-trust statement"
    );
    let approved = approved.success();
    assert!(
        approved.stdout.starts_with(&format!(
            "recorded approve of {CLEAN} 1.0.0 by alice at log index 3; it is now approved"
        )),
        "index 2 is the policy the first decision logs: {}",
        approved.stdout
    );
    one_error_line(&twice, &["approve", "refused", "HTTP 409"], &token);
    let decisions = &shown.json()["decisions"];
    assert_eq!(decisions.as_array().unwrap().len(), 1);
    assert_eq!(decisions[0]["reviewer"], "alice");
    assert_eq!(decisions[0]["note"], "read every file");
    let verified = registry.run(&["log", "verify"]).success();
    assert!(verified.stdout.contains("log verified: 4 entries"));
}

#[test]
fn a_key_revoked_through_the_server_can_no_longer_decide() {
    let (registry, token) = registry_with_token();
    registry
        .run(&["ingest", path_str(&fixture("clean-shipping-rates"))])
        .success();
    let alice = key(&registry, "alice");
    let public = format!("{}.pub", path_str(&alice));

    let server = Server::start(&registry);
    let run = |args: &[&str]| server.run_as(&registry, Some(&token), args);
    let trusted = run(&[
        "key", "trust", &public, "--name", "alice", "--role", "reviewer",
    ]);
    let id = trusted_key_id(trusted);
    let revoked = run(&["key", "revoke", &id[..8], "--reason", "left", "--json"]).success();
    let refused = run(&["approve", CLEAN, "1.0.0", "--key", path_str(&alice)]);
    server.stop();

    assert_eq!(revoked.json()["key_id"], id);
    assert!(revoked.json()["revoked_at"].is_u64());
    one_error_line(&refused, &["approve", "refused", "HTTP 409"], &token);
}

/// The key id in `key trust`'s `trusted key ID (NAME, ROLE) …` line.
fn trusted_key_id(run: Run) -> String {
    let run = run.success();
    run.stdout.split_whitespace().nth(2).unwrap().to_string()
}

// ---------------------------------------------------------------------
// Verifying: the bundle is checked here, against this client's memory
// ---------------------------------------------------------------------

#[test]
fn log_verify_through_the_server_checks_the_bundle_and_remembers_the_checkpoint() {
    let (registry, token) = registry_with_token();
    registry
        .run(&["ingest", path_str(&fixture("clean-shipping-rates"))])
        .success();

    let server = Server::start(&registry);
    let run = |args: &[&str]| server.run_as(&registry, Some(&token), args);
    let first = run(&["log", "verify"]).success();
    let again = run(&["log", "verify", "--json"]).success();
    server.stop();

    assert!(first.stdout.starts_with("log verified: 1 entries, root "));
    assert!(first
        .stdout
        .contains("first verification by this client: checkpoint remembered"));
    let remote = again.json();
    assert_eq!(
        remote["previous_size"], 1,
        "the second run checks consistency"
    );
    let local = registry.run(&["log", "verify", "--json"]).success().json();
    for field in ["origin", "size", "root", "versions", "keys"] {
        assert_eq!(remote[field], local[field], "{field}");
    }
}

#[test]
fn verify_a_lock_against_the_servers_log() {
    let (registry, token) = registry_with_token();
    let files = module("acme/sample", "1.0.0");
    let bytes = zip(&files);
    let archive = registry.write("sample.zip", &bytes);
    let alice = key(&registry, "alice");
    let public = format!("{}.pub", path_str(&alice));
    let trust = [
        "key", "trust", &public, "--name", "alice", "--role", "reviewer",
    ];
    registry.run(&trust).success();
    let lock = write_lock(&registry, "acme/sample", "1.0.0", &sha1(&bytes));
    let vendor = registry.tmp.path().join("vendor");
    install(&vendor, "acme/sample", &files);

    let server = Server::start(&registry);
    let run = |args: &[&str]| server.run_as(&registry, Some(&token), args);
    run(&["ingest", path_str(&archive)]).success();
    run(&["approve", "acme/sample", "1.0.0", "--key", path_str(&alice)]).success();
    let verify = ["verify", path_str(&lock), "--vendor", path_str(&vendor)];
    let passed = run(&verify);
    std::fs::write(
        vendor.join("acme/sample/registration.php"),
        b"<?php evil();",
    )
    .unwrap();
    let failed = run(&verify);
    server.stop();

    let passed = passed.success();
    assert!(
        passed.stdout.contains("1 of 1 packages verified"),
        "{}",
        passed.stdout
    );
    assert_eq!(failed.code, 1, "{}", failed.stdout);
    assert!(
        failed.stdout.contains("registration.php"),
        "{}",
        failed.stdout
    );
}

fn write_lock(registry: &Registry, name: &str, version: &str, shasum: &str) -> PathBuf {
    let lock = serde_json::json!({
        "packages": [{
            "name": name,
            "version": version,
            "type": "magento2-module",
            "dist": {
                "type": "zip",
                "url": format!("http://127.0.0.1/dist/{name}/{version}.zip"),
                "reference": format!("{name}-{version}"),
                "shasum": shasum,
            },
        }],
        "packages-dev": [],
    });
    registry.write("composer.lock", &serde_json::to_vec_pretty(&lock).unwrap())
}

fn install(vendor: &Path, name: &str, files: &[(String, Vec<u8>)]) {
    for (path, bytes) in files {
        let target = vendor.join(name).join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
}

// ---------------------------------------------------------------------
// Credentials and errors
// ---------------------------------------------------------------------

#[test]
fn missing_wrong_and_too_small_tokens_are_explained_on_one_line() {
    let (registry, admin) = registry_with_token();
    let reader = new_token(&registry, "reader", "read");
    registry
        .run(&["ingest", path_str(&fixture("clean-shipping-rates"))])
        .success();
    let alice = key(&registry, "alice");
    let public = format!("{}.pub", path_str(&alice));
    let wrong = "ci:fml_not-the-secret";

    let server = Server::start(&registry);
    let list = ["review", "list"];
    let none = server.run_as(&registry, None, &list);
    let bad = server.run_as(&registry, Some(wrong), &list);
    let bearer_bad = server.run_as(&registry, Some("fml_not-the-secret"), &list);
    let read_ok = server.run_as(&registry, Some(&reader), &list);
    let bearer_ok = server.run_as(&registry, admin.split_once(':').map(|(_, s)| s), &list);
    let trust = [
        "key", "trust", &public, "--name", "alice", "--role", "reviewer",
    ];
    let small = server.run_as(&registry, Some(&reader), &trust);
    server.stop();

    one_error_line(&none, &["GET /api/v1/versions", "401", "--token"], &admin);
    one_error_line(&bad, &["401", "token \"ci\"", "FORMULARY_TOKEN"], wrong);
    one_error_line(&bearer_bad, &["401", "the bearer token"], wrong);
    read_ok.success();
    bearer_ok.success();
    one_error_line(
        &small,
        &[
            "POST /api/v1/keys",
            "403",
            "token \"reader\" lacks scope admin",
        ],
        &reader,
    );
}

#[test]
fn an_unreachable_server_is_one_error_line_naming_the_route() {
    let registry = Registry::new();
    let run = registry.run(&[
        "--server",
        "http://127.0.0.1:9",
        "--token",
        "ci:fml_secret",
        "review",
        "show",
        CLEAN,
        "1.0.0",
    ]);
    one_error_line(
        &run,
        &[
            "GET /api/v1/versions/formulary-fixtures/clean-shipping-rates/1.0.0",
            "cannot reach the server",
        ],
        "fml_secret",
    );
}

#[test]
fn init_works_on_the_data_folder_only() {
    let registry = Registry::new();
    let run = registry.run(&["--server", "http://127.0.0.1:9", "init"]);
    one_error_line(&run, &["works on the data folder", "--server"], "");
}

// ---------------------------------------------------------------------
// Tokens: handed out while the server holds the data folder
// ---------------------------------------------------------------------

#[test]
fn an_admin_makes_lists_and_revokes_tokens_through_the_server() {
    let (registry, admin) = registry_with_token();
    let reader = new_token(&registry, "reader", "read");

    let server = Server::start(&registry);
    let run = |token: &str, args: &[&str]| server.run_as(&registry, Some(token), args);
    let new = ["token", "new", "--name", "deploy", "--scope", "read"];
    let made = run(&admin, &[&new[..], &["--json"]].concat()).success();
    let deploy = format!("deploy:{}", made.json()["secret"].as_str().unwrap());
    let read_with_it = run(&deploy, &["review", "list"]);
    let shown = run(
        &admin,
        &["token", "new", "--name", "feeder", "--scope", "intake"],
    );
    let taken = run(&admin, &new);
    let revoked = run(&admin, &["token", "revoke", "deploy", "--json"]).success();
    let refused = run(&deploy, &["review", "list"]);
    let too_small = run(&reader, &["token", "list"]);
    let remote_list = run(&admin, &["token", "list"]).success();
    let remote_json = run(&admin, &["token", "list", "--json"]).success();
    server.stop();

    read_with_it.success();
    let shown = shown.success();
    assert!(shown
        .stdout
        .starts_with("token feeder (scope intake) created\nsecret  fml_"));
    assert!(shown.stdout.contains("shown only once"), "{}", shown.stdout);
    one_error_line(&taken, &["POST /api/v1/tokens", "409", "deploy"], &admin);
    assert!(revoked.json()["revoked_at"].is_string());
    one_error_line(&refused, &["401", "token \"deploy\""], &deploy);
    one_error_line(
        &too_small,
        &[
            "GET /api/v1/tokens",
            "403",
            "token \"reader\" lacks scope admin",
        ],
        &reader,
    );
    // The same listing as on the data folder, and never a secret or hash.
    let local = registry.run(&["token", "list"]).success();
    assert_eq!(remote_list.stdout, local.stdout);
    let local = registry.run(&["token", "list", "--json"]).success();
    assert_eq!(remote_json.stdout, local.stdout);
    assert!(!remote_json.stdout.contains("sha256"));
    assert!(!remote_json.stdout.contains("fml_"));
}

// ---------------------------------------------------------------------
// A server that asks a reviewer to sign something else
// ---------------------------------------------------------------------

#[test]
fn a_draft_for_another_version_is_never_signed_or_sent_back() {
    let registry = Registry::new();
    let made = registry
        .run(&[
            "key",
            "new",
            "--name",
            "alice",
            "--out",
            "alice.key",
            "--json",
        ])
        .success()
        .json();
    let key_id = made["key_id"].as_str().unwrap().to_string();
    let (url, seen) = lying_server(draft_for("2.0.0", &key_id));

    let run = registry.run(&[
        "--server",
        &url,
        "--token",
        "ci:fml_x",
        "approve",
        CLEAN,
        "1.0.0",
        "--key",
        "alice.key",
    ]);

    one_error_line(&run, &["refusing to sign", "version 2.0.0"], "fml_x");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        ["POST /api/v1/decisions/template"],
        "nothing signed went back"
    );
}

/// A decision statement on `version` of the clean fixture, for `signer`.
fn draft_for(version: &str, signer: &str) -> serde_json::Value {
    serde_json::json!({
        "_type": "https://formulary.dev/statement/v1",
        "signer": signer,
        "time": "2025-01-01T00:00:00Z",
        "kind": "decision",
        "registry": "formulary/lying",
        "package": CLEAN,
        "version": version,
        "version_normalized": format!("{version}.0"),
        "sha256": "a".repeat(64),
        "sha1": "b".repeat(40),
        "tree_hash": "c".repeat(64),
        "verdict": "approve",
        "base_version": null,
        "findings_digest": "d".repeat(64),
        "note": null,
        "policy_rule": null,
    })
}

/// A server answering every request with `draft`; returns its URL and
/// the requests it saw (`METHOD /path`).
fn lying_server(
    draft: serde_json::Value,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!("http://{}", server.server_addr().to_ip().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let line = format!("{} {}", request.method(), request.url());
            log.lock().unwrap().push(line);
            let body = draft.to_string().into_bytes();
            let _ = request.respond(tiny_http::Response::from_data(body));
        }
    });
    (url, seen)
}
