//! `formulary serve`, end to end with the real Composer client: Debian's
//! `composer` (2.5) pointed at a running server installs approved versions
//! and nothing else.
//!
//! Each scenario prepares a registry in a temp folder (tokens are made
//! before the server starts, since the server then holds the data folder),
//! starts the built server on a free loopback port, and runs `composer` in
//! fresh project folders ("shops") next to it. Every shop has its own
//! `COMPOSER_HOME` and cache, so a run never profits from what another
//! shop downloaded, and lists formulary with packagist.org switched off.
//! Composer's messages are matched on the sentences Composer 2.5 prints.
//!
//! The packages are mostly small ones built here (a `composer.json` with
//! no requirements and a PHP class), so Composer needs nothing else to
//! install them; the whole-loop scenario uses a real sample extension and
//! lets the shop provide the Magento packages it requires.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};
use support::archives::zip;
use support::upstream::Upstream;
use support::{fixture, sha1, sha256, Registry, Run};

/// The package most scenarios install.
const WIDGET: &str = "acme/widget";

/// The token every shop reads with.
const SHOP_TOKEN: &str = "shop";

// ---------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------

/// A running `formulary serve`, stopped (kill, then wait) when dropped, so
/// a failed assertion never leaves a server behind.
struct Server {
    child: Child,
    url: String,
    port: u16,
    stderr: PathBuf,
}

impl Server {
    /// Starts the server on a free loopback port.
    fn start(registry: &Registry) -> Server {
        Server::start_on(registry, "127.0.0.1:0")
    }

    /// Starts the server on `listen` and waits for its `listening` line.
    fn start_on(registry: &Registry, listen: &str) -> Server {
        let stderr = registry.tmp.path().join("serve.stderr");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&stderr)
            .unwrap();
        let mut child = registry
            .command(&["serve", "--listen", listen])
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let line = first_line(&mut child);
        let mut server = Server {
            child,
            url: String::new(),
            port: 0,
            stderr,
        };
        match line.trim().strip_prefix("listening on ") {
            Some(url) => server.url = url.to_string(),
            None => panic!("serve printed {line:?}\nstderr:\n{}", server.log()),
        }
        server.port = server.url.rsplit(':').next().unwrap().parse().unwrap();
        server
    }

    /// Stops the server and waits until it has let go of the data
    /// folder; returns the port, for a restart on the same one.
    fn stop(mut self) -> u16 {
        self.kill();
        self.port
    }

    /// What the server logged so far.
    fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// `host:port`, the key Composer files credentials under.
    fn origin(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// GET `path` with http-basic `user`/`password`: status and body.
    fn get(&self, path: &str, user: &str, password: &str) -> (u16, String) {
        let response = reqwest::blocking::Client::new()
            .get(format!("{}{path}", self.url))
            .basic_auth(user, Some(password))
            .send()
            .unwrap();
        (response.status().as_u16(), response.text().unwrap())
    }

    /// The `/metrics` samples, by series (name and labels).
    fn metrics(&self, secret: &str) -> BTreeMap<String, f64> {
        let (status, text) = self.get("/metrics", SHOP_TOKEN, secret);
        assert_eq!(status, 200, "{text}");
        text.lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.rsplit_once(' '))
            .map(|(series, value)| (series.to_string(), value.parse().unwrap()))
            .collect()
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

/// The first line the child prints on stdout, waiting at most a minute.
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

// ---------------------------------------------------------------------
// The registry and its packages
// ---------------------------------------------------------------------

/// A registry with a trusted reviewer and a read token for the shops.
struct Scene {
    registry: Registry,
    alice: PathBuf,
    secret: String,
}

impl Scene {
    fn new() -> Scene {
        let registry = Registry::new();
        let alice = reviewer(&registry, "alice");
        let secret = new_token(&registry, SHOP_TOKEN, "read");
        Scene {
            registry,
            alice,
            secret,
        }
    }

    /// Ingests `archive` from a .zip; returns what `ingest --json` said.
    fn ingest(&self, archive: &Archive) -> Value {
        let file = format!("{}-{}.zip", archive.name.replace('/', "-"), archive.version);
        let path = self.registry.write(&file, &archive.bytes);
        let run = self.registry.run(&["ingest", "--json", path_str(&path)]);
        let report = run.success().json();
        assert_eq!(report[0]["outcome"], "stored", "{report}");
        report[0].clone()
    }

    fn approve(&self, archive: &Archive) {
        let key = path_str(&self.alice);
        let (name, version) = (archive.name.as_str(), archive.version.as_str());
        let args = ["approve", name, version, "--key", key, "--note", "read it"];
        self.registry.run(&args).success();
    }

    fn reject(&self, archive: &Archive, reason: &str) {
        let key = path_str(&self.alice);
        let (name, version) = (archive.name.as_str(), archive.version.as_str());
        let args = ["reject", name, version, "--key", key, "--reason", reason];
        self.registry.run(&args).success();
    }

    /// Ingests and approves `archive`; returns the ingest report.
    fn approved(&self, archive: &Archive) -> Value {
        let report = self.ingest(archive);
        self.approve(archive);
        report
    }

    /// A fresh shop in `folder` that reads from `server` with the token.
    fn shop(&self, server: &Server, folder: &str) -> Shop {
        let shop = Shop::new(&self.registry, folder, &[server.url.as_str()]);
        shop.http_basic(server, SHOP_TOKEN, &self.secret);
        shop
    }
}

/// Makes a key pair for `name` and trusts it as a reviewer.
fn reviewer(registry: &Registry, name: &str) -> PathBuf {
    let key = registry.tmp.path().join(format!("{name}.key"));
    let out = path_str(&key);
    registry
        .run(&["key", "new", "--name", name, "--out", out])
        .success();
    let public = format!("{out}.pub");
    let trust = [
        "key", "trust", &public, "--name", name, "--role", "reviewer",
    ];
    registry.run(&trust).success();
    key
}

/// Makes a token on the data folder; returns its secret.
fn new_token(registry: &Registry, name: &str, scope: &str) -> String {
    let args = ["token", "new", "--name", name, "--scope", scope, "--json"];
    let made = registry.run(&args).success().json();
    made["secret"].as_str().unwrap().to_string()
}

/// A package built for the test: its files and its zip.
struct Archive {
    name: String,
    version: String,
    files: Vec<(String, Vec<u8>)>,
    bytes: Vec<u8>,
}

impl Archive {
    /// A package Composer can install on its own: a `composer.json` with
    /// no requirements and one class saying where it came from.
    fn new(name: &str, version: &str, origin: &str) -> Archive {
        let manifest = json!({
            "name": name,
            "version": version,
            "description": "A package made up for formulary's Composer tests.",
            "type": "library",
            "license": "MIT",
            "autoload": {"classmap": ["src/"]}
        });
        let class = format!(
            "<?php\nnamespace Acme;\n\nfinal class Origin\n{{\n    \
             public const FROM = '{origin}';\n}}\n"
        );
        let files = vec![
            (
                "composer.json".to_string(),
                serde_json::to_vec_pretty(&manifest).unwrap(),
            ),
            ("src/Origin.php".to_string(), class.into_bytes()),
            ("README.md".to_string(), format!("# {name}\n").into_bytes()),
        ];
        let bytes = zip(&files);
        Archive {
            name: name.to_string(),
            version: version.to_string(),
            files,
            bytes,
        }
    }

    /// The dist URL path formulary serves this archive under.
    fn dist_path(&self) -> String {
        format!(
            "/dist/{}/{}.0/{}.zip",
            self.name,
            self.version,
            sha256(&self.bytes)
        )
    }
}

/// The path of a stored archive in the data folder's blob store.
fn blob_path(registry: &Registry, sha256: &str) -> PathBuf {
    registry
        .data
        .join("blobs/sha256")
        .join(&sha256[..2])
        .join(sha256)
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

// ---------------------------------------------------------------------
// The shop: a Composer project
// ---------------------------------------------------------------------

/// A Composer project folder with its own Composer home and cache.
struct Shop {
    dir: PathBuf,
    home: PathBuf,
}

impl Shop {
    /// A project reading from `repositories` in that order, packagist.org
    /// off. formulary is plain http on loopback, hence `secure-http`.
    fn new(registry: &Registry, folder: &str, repositories: &[&str]) -> Shop {
        let mut repos: Vec<Value> = repositories
            .iter()
            .map(|url| json!({"type": "composer", "url": url}))
            .collect();
        repos.push(json!({"packagist.org": false}));
        let manifest = json!({
            "name": "formulary-tests/shop",
            "description": "A shop installing reviewed extensions.",
            "type": "project",
            "license": "proprietary",
            "require": {},
            "repositories": repos,
            "minimum-stability": "stable",
            "config": {"secure-http": false, "allow-plugins": false}
        });
        let shop = Shop {
            dir: registry.tmp.path().join(folder),
            home: registry.tmp.path().join(format!("{folder}.composer-home")),
        };
        std::fs::create_dir_all(&shop.dir).unwrap();
        shop.write_json("composer.json", &manifest);
        shop
    }

    /// A fresh shop in `folder` with this shop's composer.json, lock and
    /// auth.json, as a deploy to a new machine would have them.
    fn copy_to(&self, registry: &Registry, folder: &str) -> Shop {
        let shop = Shop {
            dir: registry.tmp.path().join(folder),
            home: registry.tmp.path().join(format!("{folder}.composer-home")),
        };
        std::fs::create_dir_all(&shop.dir).unwrap();
        for file in ["composer.json", "composer.lock", "auth.json"] {
            std::fs::copy(self.dir.join(file), shop.dir.join(file)).unwrap();
        }
        shop
    }

    fn write_json(&self, file: &str, value: &Value) {
        let bytes = serde_json::to_vec_pretty(value).unwrap();
        std::fs::write(self.dir.join(file), bytes).unwrap();
    }

    fn read_json(&self, file: &str) -> Value {
        let bytes = std::fs::read(self.dir.join(file)).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    /// Credentials for `server` as http-basic in the project's auth.json.
    fn http_basic(&self, server: &Server, user: &str, password: &str) {
        let auth = json!({"username": user, "password": password});
        let auth = json!({"http-basic": {server.origin(): auth}});
        self.write_json("auth.json", &auth);
    }

    /// Runs `composer` in the project, non-interactively, with no
    /// credentials from the environment.
    fn composer(&self, args: &[&str]) -> Run {
        let out = std::process::Command::new("composer")
            .args(args)
            .arg("--no-ansi")
            .current_dir(&self.dir)
            .env("COMPOSER_HOME", &self.home)
            .env("COMPOSER_CACHE_DIR", self.home.join("cache"))
            .env("COMPOSER_NO_INTERACTION", "1")
            .env("COMPOSER_ALLOW_SUPERUSER", "1")
            // Wide enough that Composer does not wrap its messages.
            .env("COLUMNS", "400")
            .env_remove("COMPOSER_AUTH")
            .env_remove("COMPOSER")
            .output()
            .unwrap_or_else(|e| panic!("cannot run composer ({e}); `make deps` installs it"));
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `composer require NAME:CONSTRAINT`, which must succeed.
    fn require(&self, package: &str) -> Run {
        succeeded(self.composer(&["require", package]))
    }

    /// The installed package folder.
    fn installed(&self, name: &str) -> PathBuf {
        self.dir.join("vendor").join(name)
    }

    /// The locked package `name`.
    fn locked(&self, name: &str) -> Value {
        let lock = self.read_json("composer.lock");
        let packages = lock["packages"].as_array().unwrap();
        let found = packages.iter().find(|p| p["name"] == name);
        found
            .unwrap_or_else(|| panic!("{name} not in composer.lock"))
            .clone()
    }
}

/// Both of Composer's streams, for matching its messages.
fn said(run: &Run) -> String {
    format!("{}\n{}", run.stdout, run.stderr)
}

fn succeeded(run: Run) -> Run {
    assert_eq!(run.code, 0, "composer failed:\n{}", said(&run));
    run
}

/// Panics unless Composer failed and said every one of `words`.
fn failed_saying(run: &Run, words: &[&str]) {
    assert_ne!(run.code, 0, "composer succeeded:\n{}", said(run));
    let text = said(run);
    for word in words {
        assert!(text.contains(word), "{word:?} not in:\n{text}");
    }
}

/// Every regular file below `dir`, relative path to bytes.
fn files_below(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap();
                let rel = rel.to_str().unwrap().to_string();
                files.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// The tree hash as docs/statements.md defines it (sha256 of the sorted
/// `sha256sum` lines), computed here so the test does not take
/// formulary's word for it.
fn documented_tree_hash(files: &BTreeMap<String, Vec<u8>>) -> String {
    let listing: String = files
        .iter()
        .map(|(path, bytes)| format!("{}  {path}\n", sha256(bytes)))
        .collect();
    sha256(listing.as_bytes())
}

// ---------------------------------------------------------------------
// 1. Approved versions install, byte for byte
// ---------------------------------------------------------------------

#[test]
fn an_approved_version_installs_with_exactly_the_approved_files() {
    let scene = Scene::new();
    let widget = Archive::new(WIDGET, "1.0.0", "formulary");
    scene.approved(&widget);
    let show = ["review", "show", WIDGET, "1.0.0", "--json"];
    let approved = scene.registry.run(&show).success().json();
    let server = Server::start(&scene.registry);

    let shop = scene.shop(&server, "shop");
    let run = shop.require("acme/widget:^1.0");

    assert!(said(&run).contains("Installing acme/widget (1.0.0)"));
    let installed = files_below(&shop.installed(WIDGET));
    let archived: BTreeMap<String, Vec<u8>> = widget.files.iter().cloned().collect();
    assert_eq!(installed, archived, "vendor/acme/widget is the archive");
    assert_eq!(
        documented_tree_hash(&installed),
        approved["tree_hash"].as_str().unwrap()
    );

    let dist = &shop.locked(WIDGET)["dist"];
    assert_eq!(dist["type"], "zip");
    assert_eq!(dist["url"], format!("{}{}", server.url, widget.dist_path()));
    assert_eq!(dist["shasum"], sha1(&widget.bytes));
    assert_eq!(dist["reference"], sha256(&widget.bytes));
    assert!(shop.locked(WIDGET).get("source").is_none());
}

// ---------------------------------------------------------------------
// 2. Pending and rejected versions do not exist for Composer
// ---------------------------------------------------------------------

#[test]
fn pending_and_rejected_versions_never_resolve_and_their_dists_are_404() {
    let scene = Scene::new();
    let approved = Archive::new(WIDGET, "1.0.0", "approved");
    let pending = Archive::new(WIDGET, "1.1.0", "pending");
    let rejected = Archive::new(WIDGET, "1.2.0", "rejected");
    let unreviewed = Archive::new("acme/unreviewed", "1.0.0", "pending");
    scene.approved(&approved);
    scene.ingest(&pending);
    scene.ingest(&rejected);
    scene.reject(&rejected, "sends order data to a third party");
    scene.ingest(&unreviewed);
    let server = Server::start(&scene.registry);
    let shop = scene.shop(&server, "shop");

    for exact in ["acme/widget:1.1.0", "acme/widget:1.2.0"] {
        let run = shop.composer(&["require", exact]);
        failed_saying(&run, &["found acme/widget[1.0.0]", "does not match"]);
    }
    let run = shop.composer(&["require", "acme/unreviewed:^1.0"]);
    let unknown = "requires acme/unreviewed, it could not be found in any version";
    failed_saying(&run, &[unknown]);
    // Without a constraint Composer looks the name up first. It is in
    // formulary's `available-packages` (claimed) with no version, which
    // Composer words as a repository inconsistency; it still fails.
    let run = shop.composer(&["require", "acme/unreviewed"]);
    failed_saying(&run, &["Could not find package acme/unreviewed."]);
    assert!(!shop.installed("acme/unreviewed").exists());

    // The newest version Composer can see is the approved one.
    shop.require(WIDGET);
    assert_eq!(shop.locked(WIDGET)["version"], "1.0.0");
    let listed = succeeded(shop.composer(&["show", "--all", WIDGET]));
    let versions = listed.stdout.lines().find(|l| l.starts_with("versions"));
    assert_eq!(versions.unwrap().trim(), "versions : * 1.0.0");

    // Knowing the URL pattern and holding a valid token is not enough.
    for archive in [&pending, &rejected, &unreviewed] {
        let (status, body) = server.get(&archive.dist_path(), SHOP_TOKEN, &scene.secret);
        assert_eq!(status, 404, "{} {}: {body}", archive.name, archive.version);
    }
    let (status, _) = server.get(&approved.dist_path(), SHOP_TOKEN, &scene.secret);
    assert_eq!(status, 200);
}

// ---------------------------------------------------------------------
// 3. A revoke reaches shops through audit and the dist endpoint
// ---------------------------------------------------------------------

#[test]
fn after_a_revoke_composer_audit_reports_it_and_a_fresh_install_fails_with_410() {
    let scene = Scene::new();
    let widget = Archive::new(WIDGET, "1.0.0", "formulary");
    scene.approved(&widget);
    let review = new_token(&scene.registry, "alice-review", "review");
    let server = Server::start(&scene.registry);
    let shop = scene.shop(&server, "shop");
    shop.require("acme/widget:1.0.0");
    succeeded(shop.composer(&["audit"]));

    let reason = "posts the basket to an unknown host";
    let revoke = [
        "--server",
        server.url.as_str(),
        "--token",
        &format!("alice-review:{review}"),
        "revoke",
        WIDGET,
        "1.0.0",
        "--key",
        path_str(&scene.alice),
        "--reason",
        reason,
    ];
    scene.registry.run(&revoke).success();

    let audit = shop.composer(&["audit", "--locked", "--format=json"]);
    assert_ne!(audit.code, 0, "audit must fail:\n{}", said(&audit));
    let report: Value = serde_json::from_str(&audit.stdout).unwrap();
    let advisories = report["advisories"][WIDGET].as_array().unwrap();
    assert_eq!(advisories.len(), 1, "{report}");
    assert_eq!(advisories[0]["affectedVersions"], "==1.0.0.0");
    assert!(advisories[0]["title"].as_str().unwrap().contains(reason));
    let table = shop.composer(&["audit"]);
    failed_saying(&table, &["Found 1 security vulnerability advisory", WIDGET]);

    // A new machine deploying the same lock cannot fetch the archive.
    let deploy = shop.copy_to(&scene.registry, "deploy");
    let run = deploy.composer(&["install"]);
    failed_saying(&run, &["HTTP/1.1 410 Gone", reason, &widget.dist_path()]);
    assert!(!said(&run).contains("from source"), "{}", said(&run));
    assert!(!deploy.installed(WIDGET).exists());
}

// ---------------------------------------------------------------------
// 4. Credentials
// ---------------------------------------------------------------------

#[test]
fn composer_needs_a_token_as_http_basic_or_bearer() {
    let scene = Scene::new();
    scene.approved(&Archive::new(WIDGET, "1.0.0", "formulary"));
    let server = Server::start(&scene.registry);
    let shop = Shop::new(&scene.registry, "shop", &[server.url.as_str()]);

    // Composer 2.5 without a terminal cannot prompt, and it checks that
    // before it looks at whether it sent credentials: wrong ones get the
    // same message as none ("Invalid credentials" is for interactive
    // runs). -vvv shows that the wrong ones were sent.
    let refused = "packages.json' URL required authentication (HTTP 401)";
    failed_saying(&shop.composer(&["require", WIDGET]), &[refused]);
    let require = ["require", WIDGET, "-vvv"];
    shop.http_basic(&server, SHOP_TOKEN, "fml_not-the-secret");
    let sent = "Using HTTP basic authentication with username \"shop\"";
    failed_saying(&shop.composer(&require), &[refused, sent]);
    shop.http_basic(&server, "someone-else", &scene.secret);
    let sent = "Using HTTP basic authentication with username \"someone-else\"";
    failed_saying(&shop.composer(&require), &[refused, sent]);
    let bearer = json!({"bearer": {server.origin(): "fml_not-the-secret"}});
    shop.write_json("auth.json", &bearer);
    failed_saying(&shop.composer(&["require", WIDGET]), &[refused]);
    assert!(!shop.installed(WIDGET).exists());

    shop.http_basic(&server, SHOP_TOKEN, &scene.secret);
    shop.require(WIDGET);
    assert!(shop.installed(WIDGET).join("composer.json").is_file());

    // Composer files bearer tokens under host:port as it does http-basic.
    let other = Shop::new(&scene.registry, "bearer-shop", &[server.url.as_str()]);
    let bearer = json!({"bearer": {server.origin(): scene.secret}});
    other.write_json("auth.json", &bearer);
    other.require(WIDGET);
    assert!(other.installed(WIDGET).join("composer.json").is_file());

    let log = server.log();
    assert!(log.contains("401"), "the refusals are logged:\n{log}");
    assert!(!log.contains(&scene.secret), "the secret is never logged");
}

// ---------------------------------------------------------------------
// 5. Revalidation
// ---------------------------------------------------------------------

#[test]
fn a_second_composer_update_is_answered_with_304s_counted_in_metrics() {
    let scene = Scene::new();
    scene.approved(&Archive::new(WIDGET, "1.0.0", "formulary"));
    let server = Server::start(&scene.registry);
    let shop = scene.shop(&server, "shop");
    shop.require("acme/widget:^1.0");
    let not_modified = "formulary_metadata_not_modified_total";
    let root_304 = r#"formulary_http_requests_total{route="/packages.json",status="304"}"#;
    let p2_304 = r#"formulary_http_requests_total{route="/p2/{vendor}/{file}",status="304"}"#;
    let p2_200 = r#"formulary_http_requests_total{route="/p2/{vendor}/{file}",status="200"}"#;
    let before = server.metrics(&scene.secret);
    let count = |m: &BTreeMap<String, f64>, series: &str| m.get(series).copied().unwrap_or(0.0);

    let run = succeeded(shop.composer(&["update"]));

    let after = server.metrics(&scene.secret);
    let text = said(&run);
    assert_eq!(count(&after, root_304), count(&before, root_304) + 1.0);
    assert_eq!(count(&after, p2_304), count(&before, p2_304) + 1.0);
    assert_eq!(count(&after, p2_200), count(&before, p2_200));
    assert!(count(&after, not_modified) >= count(&before, not_modified) + 2.0);
    assert!(text.contains("Nothing to modify in lock file"), "{text}");
}

// ---------------------------------------------------------------------
// 6. Integrity of what is installed from a lock
// ---------------------------------------------------------------------

#[test]
fn a_lock_install_checks_the_sha1_and_a_blob_changed_after_approval_fails() {
    let scene = Scene::new();
    let widget = Archive::new(WIDGET, "1.0.0", "formulary");
    scene.approved(&widget);
    let server = Server::start(&scene.registry);
    let shop = scene.shop(&server, "shop");
    shop.require("acme/widget:1.0.0");

    // A lock whose shasum is not the served archive's: Composer's own
    // check refuses the download.
    let edited = shop.copy_to(&scene.registry, "edited-lock");
    let mut lock = edited.read_json("composer.lock");
    lock["packages"][0]["dist"]["shasum"] = sha1(b"something else").into();
    edited.write_json("composer.lock", &lock);
    let run = edited.composer(&["install"]);
    failed_saying(&run, &["The checksum verification of the file failed"]);
    assert!(!edited.installed(WIDGET).exists());

    // The stored archive changed on disk after approval: never served.
    let blob = blob_path(&scene.registry, &sha256(&widget.bytes));
    let port = server.stop();
    {
        let mut bytes = std::fs::read(&blob).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x20;
        let mut permissions = std::fs::metadata(&blob).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        std::fs::set_permissions(&blob, permissions).unwrap();
        std::fs::write(&blob, bytes).unwrap();
    }
    // The same port, so that the URLs in the lock still reach the server.
    let server = Server::start_on(&scene.registry, &format!("127.0.0.1:{port}"));
    let deploy = shop.copy_to(&scene.registry, "deploy");
    let run = deploy.composer(&["install"]);
    let refused = "could not be downloaded (HTTP/1.1 500 Internal Server Error)";
    failed_saying(&run, &[refused, &widget.dist_path()]);
    assert!(!deploy.installed(WIDGET).exists());
    assert!(
        server.log().contains("reading a stored archive"),
        "{}",
        server.log()
    );
}

// ---------------------------------------------------------------------
// 7. Dependency confusion
// ---------------------------------------------------------------------

/// A public repository offering `packages`, each zip under `/dists/`.
fn public_repository(packages: &[&Archive]) -> Upstream {
    let public = Upstream::start(None);
    let mut listing = serde_json::Map::new();
    for archive in packages {
        let path = format!(
            "/dists/{}-{}.zip",
            archive.name.replace('/', "-"),
            archive.version
        );
        public.put(&path, archive.bytes.clone());
        let dist = json!({"type": "zip", "url": format!("{}{path}", public.base)});
        let version = json!({
            "name": archive.name, "version": archive.version,
            "type": "library", "autoload": {"classmap": ["src/"]}, "dist": dist
        });
        let versions = json!({ archive.version.clone(): version });
        listing.insert(archive.name.clone(), versions);
    }
    public.put_json("/packages.json", &json!({ "packages": listing }));
    public
}

#[test]
fn a_public_repository_listed_second_never_supplies_a_name_formulary_holds() {
    let scene = Scene::new();
    let widget = Archive::new(WIDGET, "1.0.0", "formulary");
    let claimed = Archive::new("acme/claimed", "1.0.0", "formulary");
    scene.approved(&widget);
    scene.ingest(&claimed);
    let server = Server::start(&scene.registry);
    let impostor = Archive::new(WIDGET, "9.9.9", "public");
    let claimed_impostor = Archive::new("acme/claimed", "9.9.9", "public");
    let elsewhere = Archive::new("acme/elsewhere", "2.0.0", "public");
    let public = public_repository(&[&impostor, &claimed_impostor, &elsewhere]);
    let repositories = [server.url.as_str(), public.base.as_str()];

    // The same name at a higher version elsewhere: formulary's wins.
    let shop = Shop::new(&scene.registry, "shop", &repositories);
    shop.http_basic(&server, SHOP_TOKEN, &scene.secret);
    shop.require(WIDGET);
    assert_eq!(shop.locked(WIDGET)["version"], "1.0.0");
    let origin = std::fs::read_to_string(shop.installed(WIDGET).join("src/Origin.php"));
    assert!(origin.unwrap().contains("'formulary'"));
    let run = shop.composer(&["require", "acme/widget:9.9.9"]);
    let priority = "acme/widget[1.0.0] from composer repo (http://127.0.0.1";
    failed_saying(&run, &[priority, "has higher repository priority"]);

    // A name formulary holds with no approved version fails rather than
    // falling through to the public one.
    let run = shop.composer(&["require", "acme/claimed"]);
    failed_saying(&run, &["Could not find package acme/claimed."]);
    let run = shop.composer(&["require", "acme/claimed:9.9.9"]);
    let unknown = "requires acme/claimed, it could not be found in any version";
    failed_saying(&run, &[unknown]);
    assert!(!shop.installed("acme/claimed").exists());

    // The public repository does work for names formulary never held,
    // so it is the claim that keeps the others out.
    shop.require("acme/elsewhere");
    assert_eq!(shop.locked("acme/elsewhere")["version"], "2.0.0");
    let fetched = public.paths();
    let dists: Vec<&String> = fetched
        .iter()
        .filter(|p| p.starts_with("/dists/"))
        .collect();
    assert_eq!(dists, ["/dists/acme-elsewhere-2.0.0.zip"], "{fetched:?}");
}

// ---------------------------------------------------------------------
// 8. The whole loop
// ---------------------------------------------------------------------

/// The Magento packages the sample extension requires, which a real shop
/// has and these tests do not; the shop declares them provided.
fn provide_magento(shop: &Shop) {
    let mut manifest = shop.read_json("composer.json");
    manifest["provide"] = json!({
        "magento/framework": "103.0.7",
        "magento/module-quote": "101.2.7",
        "magento/module-shipping": "100.4.7"
    });
    shop.write_json("composer.json", &manifest);
}

#[test]
fn the_whole_loop_from_init_to_a_verified_vendor_folder() {
    const RATES: &str = "formulary-fixtures/clean-shipping-rates";
    let registry = Registry::uninitialised();
    registry.run(&["init"]).success();
    let source = fixture("clean-shipping-rates");
    let ingested = registry.run(&["ingest", "--json", path_str(&source)]);
    let ingested = ingested.success().json();
    assert_eq!(ingested[0]["name"], RATES);

    let scan = registry
        .run(&["scan", "--json", path_str(&source)])
        .success();
    let scan = scan.json();
    assert_eq!(scan["findings"], json!([]), "a clean extension: {scan}");
    assert_eq!(scan["stats"]["files"], ingested[0]["files"]);
    let show = ["review", "show", RATES, "1.0.0", "--json"];
    let pending = registry.run(&show).success().json();
    assert_eq!(pending["state"], "pending");
    assert_eq!(pending["findings"], scan["findings"]);

    let alice = reviewer(&registry, "alice");
    let approve = [
        "approve",
        RATES,
        "1.0.0",
        "--key",
        path_str(&alice),
        "--note",
        "read every file",
    ];
    registry.run(&approve).success();
    let secret = new_token(&registry, SHOP_TOKEN, "read");
    let server = Server::start(&registry);

    let shop = Shop::new(&registry, "shop", &[server.url.as_str()]);
    shop.http_basic(&server, SHOP_TOKEN, &secret);
    provide_magento(&shop);
    shop.require(RATES);
    assert!(shop.installed(RATES).join("registration.php").is_file());

    let token = format!("{SHOP_TOKEN}:{secret}");
    let verify = |extra: &[&str]| {
        let mut args = vec!["--server", server.url.as_str(), "--token", &token];
        args.extend(["verify", "composer.lock", "--vendor", "vendor"]);
        args.extend(extra);
        let mut cmd = registry.command(&args);
        let out = cmd.current_dir(&shop.dir).output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let passed = verify(&["--json"]).success().json();
    let package = &passed["lock"]["packages"][0];
    assert_eq!(package["outcome"], "verified", "{passed}");

    let edited = shop.installed(RATES).join("Model/BandTable.php");
    let mut text = std::fs::read_to_string(&edited).unwrap();
    text.push_str("\n// hot fix made on the server\n");
    std::fs::write(&edited, text).unwrap();
    let failed = verify(&[]);
    assert_eq!(failed.code, 1, "{}\n{}", failed.stdout, failed.stderr);
    assert!(failed.stdout.contains("FAILED"), "{}", failed.stdout);
    assert!(
        failed.stdout.contains("changed Model/BandTable.php"),
        "{}",
        failed.stdout
    );
}
