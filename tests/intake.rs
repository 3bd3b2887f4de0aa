//! `formulary intake` and `formulary serve --intake-every`, end to end:
//! the built binary against a Composer repository on loopback, with a
//! loopback listener standing in for the webhook.
//!
//! One story runs through the test, as an operator would see it from
//! cron: the first version waits for a reviewer (exit 1, announced); once
//! approved, a clean patch is approved by intake and one that calls a new
//! host is queued (exit 1, announced once); a re-run changes nothing and
//! announces nothing; after a reviewer rejects the queued one, nothing
//! waits (exit 0); a dry run says what it would do and writes nothing;
//! and a server with `--intake-every 1s` approves the next patch and
//! serves it in its p2 file.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod support;

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::archives::zip;
use support::upstream::Upstream;
use support::{sha1, Registry, Run};
use time::OffsetDateTime;

const PACKAGE: &str = "acme/rx";

const RATE: &str = "<?php\nnamespace Acme\\Rx\\Model;\nclass Rate\n{\n    public function get() { return 3; }\n}\n";

const CALLS_HOME: &str = "<?php\nnamespace Acme\\Rx\\Model;\nclass Client\n{\n    \
    public function ping() { return file_get_contents('https://api.newhost.test/v1/ping'); }\n}\n";

/// A version of acme/rx: its zip, released ten days ago.
struct Release {
    version: String,
    zip: Vec<u8>,
}

fn release(version: &str, extra: &[(&str, &str)]) -> Release {
    let manifest = json!({"name": PACKAGE, "version": version, "type": "magento2-module"});
    let mut files = vec![
        (
            "composer.json".to_string(),
            manifest.to_string().into_bytes(),
        ),
        (
            "registration.php".to_string(),
            b"<?php\n// registers\n".to_vec(),
        ),
        ("Model/Rate.php".to_string(), RATE.as_bytes().to_vec()),
    ];
    files.extend(
        extra
            .iter()
            .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec())),
    );
    Release {
        version: version.to_string(),
        zip: zip(&files),
    }
}

/// Publishes `releases` on `upstream` as a Composer v2 repository.
fn publish(upstream: &Upstream, releases: &[&Release]) {
    let released = OffsetDateTime::now_utc() - time::Duration::days(10);
    let released = released
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let versions: Vec<Value> = releases
        .iter()
        .map(|r| {
            let path = format!("/dist/{PACKAGE}/{}.zip", r.version);
            upstream.put(&path, r.zip.clone());
            json!({
                "name": PACKAGE, "version": r.version, "time": released,
                "dist": {"type": "zip", "url": format!("{}{path}", upstream.base),
                         "shasum": sha1(&r.zip)},
            })
        })
        .collect();
    upstream.put_json(
        "/packages.json",
        &json!({"packages": [], "metadata-url": "/p2/%package%.json",
                "available-packages": [PACKAGE]}),
    );
    upstream.put_json(
        &format!("/p2/{PACKAGE}.json"),
        &json!({"packages": {PACKAGE: versions}}),
    );
}

/// A loopback listener that answers 200 and keeps every POSTed body.
struct Hook {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Hook {
    fn start() -> Hook {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let bodies: Arc<Mutex<Vec<Value>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (bodies, stop) = (bodies.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let Ok(Some(mut request)) = server.recv_timeout(Duration::from_millis(20))
                    else {
                        continue;
                    };
                    let mut text = String::new();
                    let _ = request.as_reader().read_to_string(&mut text);
                    if let Ok(value) = serde_json::from_str(&text) {
                        bodies.lock().unwrap().push(value);
                    }
                    let _ = request.respond(tiny_http::Response::from_data(Vec::new()));
                }
            })
        };
        Hook {
            url: format!("http://127.0.0.1:{port}/hook"),
            bodies,
            stop,
            thread: Some(thread),
        }
    }

    /// The versions announced so far, in order.
    fn announced(&self) -> Vec<String> {
        let bodies = self.bodies.lock().unwrap();
        bodies
            .iter()
            .map(|b| b["version"].as_str().unwrap_or("?").to_string())
            .collect()
    }

    fn body(&self, version: &str) -> Value {
        let bodies = self.bodies.lock().unwrap();
        let found = bodies.iter().find(|b| b["version"] == version);
        found.cloned().unwrap_or(Value::Null)
    }
}

impl Drop for Hook {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A registry that follows acme/rx on `upstream`, trusting acme, with
/// the intake key and a reviewer's key made and trusted.
fn following(upstream: &Upstream, hook: &Hook) -> (Registry, PathBuf) {
    let registry = Registry::new();
    registry.configure(&format!(
        "\n[[upstream]]\nurl = \"{}\"\n\n[intake]\nkey = \"keys/intake.key\"\n\
         min_release_age = \"3d\"\ntrusted_vendors = [\"acme\"]\nwebhook = \"{}\"\n\n\
         [[intake.track]]\npackage = \"{PACKAGE}\"\nconstraint = \"^1.0\"\n",
        upstream.base, hook.url
    ));
    let intake_key = registry.data.join("keys/intake.key");
    let intake_key = intake_key.to_str().unwrap();
    let pub_key = format!("{intake_key}.pub");
    registry
        .run(&["key", "new", "--name", "intake", "--out", intake_key])
        .success();
    let trust = [
        "key", "trust", &pub_key, "--name", "intake", "--role", "intake",
    ];
    registry.run(&trust).success();

    let alice = registry.tmp.path().join("alice.key");
    let alice_str = alice.to_str().unwrap();
    registry
        .run(&["key", "new", "--name", "alice", "--out", alice_str])
        .success();
    let alice_pub = format!("{alice_str}.pub");
    let trust = [
        "key", "trust", &alice_pub, "--name", "alice", "--role", "reviewer",
    ];
    registry.run(&trust).success();
    (registry, alice)
}

fn log_size(registry: &Registry) -> u64 {
    let shown = registry.run(&["log", "show", "--json"]).success().json();
    shown["size"].as_u64().unwrap()
}

fn decide(registry: &Registry, alice: &std::path::Path, verb: &str, version: &str) {
    let key = alice.to_str().unwrap();
    let why = if verb == "approve" {
        "--note"
    } else {
        "--reason"
    };
    let args = [verb, PACKAGE, version, "--key", key, why, "read it"];
    registry.run(&args).success();
}

fn entry<'v>(report: &'v Value, version: &str) -> &'v Value {
    let entries = report["entries"].as_array().unwrap();
    let found = entries.iter().find(|e| e["version"] == version);
    found.unwrap_or_else(|| panic!("{version} not in {report:#}"))
}

fn row<'r>(run: &'r Run, version: &str) -> &'r str {
    let found = run.stdout.lines().find(|l| {
        let mut words = l.split_whitespace();
        words.next() == Some(PACKAGE) && words.next() == Some(version)
    });
    found.unwrap_or_else(|| panic!("no row for {version}:\n{}", run.stdout))
}

#[test]
fn intake_from_cron_approves_patches_queues_the_rest_and_says_so() {
    let upstream = Upstream::start(None);
    let hook = Hook::start();
    let (registry, alice) = following(&upstream, &hook);
    let v100 = release("1.0.0", &[]);
    let v101 = release("1.0.1", &[("Model/Extra.php", "<?php\n// more rates\n")]);
    let v102 = release("1.0.2", &[("Model/Client.php", CALLS_HOME)]);
    let v103 = release("1.0.3", &[("Model/Extra.php", "<?php\n// fewer rates\n")]);

    // The first version: nothing approved to compare with.
    publish(&upstream, &[&v100]);
    let first = registry.run(&["intake"]);
    assert_eq!(first.code, 1, "{}{}", first.stdout, first.stderr);
    assert!(row(&first, "1.0.0").contains("queued"), "{}", first.stdout);
    assert!(
        first.stdout.contains("no approved version"),
        "{}",
        first.stdout
    );
    assert_eq!(hook.announced(), ["1.0.0"]);
    decide(&registry, &alice, "approve", "1.0.0");

    // A clean patch and one that calls a new host.
    publish(&upstream, &[&v100, &v101, &v102]);
    let second = registry.run(&["intake", "--json"]);
    assert_eq!(second.code, 1, "{}{}", second.stdout, second.stderr);
    let report = second.json();
    assert_eq!(entry(&report, "1.0.1")["outcome"], "approved");
    assert_eq!(entry(&report, "1.0.1")["base"], "1.0.0");
    assert_eq!(entry(&report, "1.0.2")["outcome"], "queued");
    assert_eq!(hook.announced(), ["1.0.0", "1.0.2"]);
    let note = hook.body("1.0.2");
    assert_eq!(note["package"], PACKAGE);
    assert_eq!(note["review"], "formulary review show acme/rx 1.0.2");
    assert!(
        note["reasons"].to_string().contains("api.newhost.test"),
        "{note}"
    );
    let shown = registry
        .run(&["review", "show", PACKAGE, "1.0.1"])
        .success();
    assert!(shown.stdout.contains("(approved)"), "{}", shown.stdout);
    assert!(
        shown
            .stdout
            .contains("policy: approved by intake rule patch-fast-track"),
        "{}",
        shown.stdout
    );
    let log = registry.run(&["log", "show"]).success().stdout;
    assert!(
        log.contains("approve acme/rx 1.0.1 under rule patch-fast-track (delta from 1.0.0)"),
        "{log}"
    );
    assert!(
        log.contains("intake rule patch-fast-track for acme after 3d"),
        "{log}"
    );

    // Again: the same answer, nothing written, nobody paged twice.
    let size = log_size(&registry);
    let again = registry.run(&["intake"]);
    assert_eq!(again.code, 1, "{}", again.stdout);
    assert!(row(&again, "1.0.2").contains("queued"));
    assert_eq!(log_size(&registry), size);
    assert_eq!(hook.announced().len(), 2);

    // A reviewer decides; nothing waits any more.
    decide(&registry, &alice, "reject", "1.0.2");
    let quiet = registry.run(&["intake"]);
    assert_eq!(quiet.code, 0, "{}{}", quiet.stdout, quiet.stderr);
    assert!(
        quiet.stdout.contains("nothing new upstream"),
        "{}",
        quiet.stdout
    );

    // A dry run of the next patch writes nothing and sends nothing.
    publish(&upstream, &[&v100, &v101, &v102, &v103]);
    let size = log_size(&registry);
    let dry = registry.run(&["intake", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}{}", dry.stdout, dry.stderr);
    assert!(
        row(&dry, "1.0.3").contains("would approve"),
        "{}",
        dry.stdout
    );
    assert_eq!(log_size(&registry), size);
    let listed = registry.run(&["review", "list", "--json"]).success().json();
    assert!(!listed.to_string().contains("1.0.3"), "{listed:#}");
    assert_eq!(hook.announced().len(), 2);
}

#[test]
fn intake_refuses_to_run_through_a_server() {
    let registry = Registry::new();
    let run = registry.run(&["--server", "http://127.0.0.1:9", "intake"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--intake-every"), "{}", run.stderr);
}

#[test]
fn intake_without_an_intake_table_says_what_to_add() {
    let registry = Registry::new();
    let run = registry.run(&["intake"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no [intake] table"), "{}", run.stderr);
}

/// A running `formulary serve`, killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn first_line(child: &mut Child) -> String {
    let stdout = child.stdout.take().unwrap();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = send.send(line);
    });
    receive
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_default()
}

#[test]
fn a_server_running_intake_serves_the_patch_it_approved() {
    let upstream = Upstream::start(None);
    let hook = Hook::start();
    let (registry, alice) = following(&upstream, &hook);
    let v100 = release("1.0.0", &[]);
    publish(&upstream, &[&v100]);
    assert_eq!(registry.run(&["intake"]).code, 1);
    decide(&registry, &alice, "approve", "1.0.0");
    let made = [
        "token", "new", "--name", "shop", "--scope", "read", "--json",
    ];
    let made = registry.run(&made).success().json();
    let secret = made["secret"].as_str().unwrap().to_string();

    let stderr = std::fs::File::create(registry.tmp.path().join("serve.stderr")).unwrap();
    let args = ["serve", "--listen", "127.0.0.1:0", "--intake-every", "1s"];
    let mut child = registry
        .command(&args)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let line = first_line(&mut child);
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_default()
        .to_string();
    let server = Server { child, url };
    assert!(!server.url.is_empty(), "serve printed {line:?}");

    // The vendor publishes a patch while the server runs.
    let v101 = release("1.0.1", &[("Model/Extra.php", "<?php\n// more rates\n")]);
    publish(&upstream, &[&v100, &v101]);
    let p2 = format!("{}/p2/{PACKAGE}.json", server.url);
    let deadline = Instant::now() + Duration::from_secs(60);
    let served = loop {
        let response = reqwest::blocking::Client::new()
            .get(&p2)
            .basic_auth("shop", Some(&secret))
            .send()
            .unwrap();
        let body = response.text().unwrap();
        if body.contains("\"1.0.1\"") || Instant::now() > deadline {
            break body;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let log = std::fs::read_to_string(registry.tmp.path().join("serve.stderr")).unwrap();
    assert!(
        served.contains("\"1.0.1\""),
        "p2 file: {served}\nserver log:\n{log}"
    );
    drop(server);
    let shown = registry
        .run(&["review", "show", PACKAGE, "1.0.1", "--json"])
        .success()
        .json();
    assert_eq!(shown["state"], "approved");
    assert_eq!(shown["decisions"][0]["policy_rule"], "patch-fast-track");
}
