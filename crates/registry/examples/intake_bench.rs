//! Figures for issue 6: one `formulary intake` run over 200 tracked
//! packages, each with one new patch release on a loopback upstream.
//!
//! ```text
//! cargo run --release -p formulary-registry --example intake_bench
//! ```
//!
//! The upstream is a static Composer v2 repository in a folder, served on
//! 127.0.0.1 by tower-http's `ServeDir` (one p2
//! file and two zips per package). Every package has 1.0.0 approved by a
//! reviewer before the timed run, which then lists each package, fetches
//! 1.0.1 and checks its shasum, ingests and scans it, diffs it against
//! 1.0.0, and records the intake approval: the whole path, end to end.
//! A second run, with nothing new upstream, is timed too.
//! `INTAKE_BENCH_PACKAGES` sets another count.
#![allow(clippy::print_stdout, clippy::unwrap_used)] // a benchmark reports on stdout

use std::path::Path;

use axum::serve::ListenerExt as _;
use std::io::Write as _;
use std::time::{Duration, Instant};

use formulary_registry::{
    Config, DataDir, DecisionRequest, IntakeOptions, IntakeSettings, Outcome, Registry,
    TrackSettings, UpstreamConfig,
};
use formulary_trust::statement::{Role, Verdict};
use formulary_trust::SigningKey;
use serde_json::json;
use sha1::Digest as _;
use time::OffsetDateTime;

fn main() {
    let count: usize = std::env::var("INTAKE_BENCH_PACKAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("intake bench: {count} tracked packages, one new patch each, {cores} cores\n");

    let tmp = tempfile::tempdir().unwrap();
    let files = tmp.path().join("upstream");
    let base = serve(&files);
    let names: Vec<String> = (0..count).map(|i| format!("bench/module-{i:03}")).collect();
    let (registry, alice) = registry(&tmp, &base, &names);

    // Setup (not timed): 1.0.0 everywhere, taken in and approved.
    publish(&files, &base, &names, &["1.0.0"]);
    let setup = registry.intake(IntakeOptions::default()).unwrap();
    assert_eq!(setup.count(Outcome::Queued), count, "{:?}", setup.errors);
    for name in &names {
        approve(&registry, &alice, name);
    }

    publish(&files, &base, &names, &["1.0.0", "1.0.1"]);
    let started = Instant::now();
    let report = registry.intake(IntakeOptions::default()).unwrap();
    let took = started.elapsed();
    assert_eq!(
        report.count(Outcome::Approved),
        count,
        "{:#?}",
        report
            .entries
            .iter()
            .find(|e| e.outcome != Outcome::Approved && e.version == "1.0.1")
    );
    line("intake, one new patch per package", took, count);

    let started = Instant::now();
    let again = registry.intake(IntakeOptions::default()).unwrap();
    let took = started.elapsed();
    assert_eq!(again.count(Outcome::Unchanged), 2 * count);
    line("intake again, nothing new", took, count);
}

fn line(what: &str, took: Duration, count: usize) {
    let per = took / u32::try_from(count).unwrap_or(u32::MAX);
    println!(
        "{what:<38} total {:>8.2} s   per package {:>7.1} ms",
        took.as_secs_f64(),
        per.as_secs_f64() * 1000.0
    );
}

/// A registry following `names`, with the intake key and a reviewer.
fn registry(tmp: &tempfile::TempDir, upstream: &str, names: &[String]) -> (Registry, SigningKey) {
    let dir = DataDir::new(tmp.path().join("data"));
    let intake = IntakeSettings {
        trusted_vendors: vec!["bench".into()],
        track: names
            .iter()
            .map(|n| TrackSettings {
                package: n.clone(),
                constraint: "^1.0".into(),
            })
            .collect(),
        ..IntakeSettings::default()
    };
    let config = Config {
        upstream: vec![UpstreamConfig {
            url: upstream.to_string(),
        }],
        intake: Some(intake),
        ..Config::default()
    };
    let registry = Registry::init(dir.clone())
        .unwrap()
        .with_config(config)
        .unwrap();
    let robot = SigningKey::generate();
    formulary_trust::write_private_key(&dir.keys_dir().join("intake.key"), &robot).unwrap();
    registry
        .trust_key(&robot.public(), "intake", Role::Intake)
        .unwrap();
    let alice = SigningKey::generate();
    registry
        .trust_key(&alice.public(), "alice", Role::Reviewer)
        .unwrap();
    (registry, alice)
}

fn approve(registry: &Registry, alice: &SigningKey, name: &str) {
    let request = DecisionRequest {
        package: name.to_string(),
        version: "1.0.0".into(),
        verdict: Verdict::Approve,
        base_version: None,
        note: None,
    };
    registry.decide(&request, alice).unwrap();
}

/// Writes the repository: packages.json, a p2 file per name, the zips.
fn publish(files: &Path, base: &str, names: &[String], versions: &[&str]) {
    let released = OffsetDateTime::now_utc() - time::Duration::days(10);
    let released = released
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    for name in names {
        let mut listed = Vec::new();
        for version in versions {
            let zip = module(name, version);
            let path = format!("/dist/{name}/{version}.zip");
            listed.push(json!({
                "name": name, "version": version, "time": released,
                "dist": {"type": "zip", "url": format!("{base}{path}"),
                         "shasum": hex::encode(sha1::Sha1::digest(&zip))},
            }));
            put(files, &path, &zip);
        }
        let p2 = json!({"packages": {name: listed}});
        put(
            files,
            &format!("/p2/{name}.json"),
            p2.to_string().as_bytes(),
        );
    }
    let root = json!({"packages": [], "metadata-url": "/p2/%package%.json",
                      "available-packages": names});
    put(files, "/packages.json", root.to_string().as_bytes());
}

fn put(root: &Path, url_path: &str, bytes: &[u8]) {
    let path = root.join(url_path.trim_start_matches('/'));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A small module: composer.json, registration.php, a few classes, and a
/// di.xml; the patch changes one class.
fn module(name: &str, version: &str) -> Vec<u8> {
    let manifest = json!({"name": name, "version": version, "type": "magento2-module",
                          "autoload": {"files": ["registration.php"]}});
    let mut entries = vec![
        ("composer.json".to_string(), manifest.to_string()),
        (
            "registration.php".into(),
            "<?php\n// registers the module\n".into(),
        ),
        (
            "etc/di.xml".into(),
            "<?xml version=\"1.0\"?>\n<config/>\n".into(),
        ),
    ];
    for class in ["Rate", "Carrier", "Quote", "Label"] {
        let body = if class == "Rate" && version != "1.0.0" {
            4
        } else {
            3
        };
        entries.push((
            format!("Model/{class}.php"),
            format!(
                "<?php\nnamespace Bench\\Module\\Model;\n\nclass {class}\n{{\n    \
                 public function get(): int\n    {{\n        return {body};\n    }}\n}}\n"
            ),
        ));
    }
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (path, content) in entries {
        writer.start_file(path, options).unwrap();
        writer.write_all(content.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Serves `root` as static files on a loopback port for the life of the
/// process (axum with tower-http's `ServeDir`, on its own runtime).
fn serve(root: &Path) -> String {
    std::fs::create_dir_all(root).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(root));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            // Nagle off: ServeDir writes headers and body apart, and the
            // client's delayed ACK would then add 40 ms to every request.
            let listener = tokio::net::TcpListener::from_std(listener)
                .unwrap()
                .tap_io(|tcp| {
                    let _ = tcp.set_nodelay(true);
                });
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://127.0.0.1:{port}")
}
