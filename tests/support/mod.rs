//! What the end-to-end tests share: a registry in a temp folder driven
//! through the real `formulary` binary, archives built at run time, and a
//! snapshot of the data folder to prove a refusal changed nothing.

#![allow(dead_code, clippy::unwrap_used, clippy::print_stdout)]

pub mod archives;
pub mod upstream;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

/// The repository's top folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A sample extension from `fixtures/extensions/`.
pub fn fixture(name: &str) -> PathBuf {
    repo_root().join("fixtures/extensions").join(name)
}

/// A registry in a temp folder, and how to run the binary against it.
pub struct Registry {
    pub tmp: tempfile::TempDir,
    pub data: PathBuf,
}

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Parses stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// Panics with the output unless the run exited 0.
    pub fn success(self) -> Run {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl Registry {
    /// A fresh, initialised registry.
    pub fn new() -> Registry {
        let registry = Registry::uninitialised();
        registry.run(&["init"]).success();
        registry
    }

    /// A temp folder with no registry in it yet.
    pub fn uninitialised() -> Registry {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("registry-data");
        Registry { tmp, data }
    }

    /// A command running the binary against this registry, with a clean
    /// environment (no real COMPOSER_HOME or COMPOSER_AUTH leaks in).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_formulary"));
        cmd.args(args)
            .env("FORMULARY_DATA", &self.data)
            .env("COMPOSER_HOME", self.tmp.path().join("composer-home"))
            .env("FORMULARY_STATE", self.tmp.path().join("client-state"))
            .env_remove("COMPOSER_AUTH")
            .env_remove("FORMULARY_LOG")
            .current_dir(self.tmp.path());
        cmd
    }

    /// Runs the binary and collects what it did.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().unwrap())
    }

    /// Writes a file into the temp folder and returns its path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.tmp.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Appends settings (whole tables) to `formulary.toml`.
    pub fn configure(&self, toml: &str) {
        let path = self.data.join("formulary.toml");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(toml);
        std::fs::write(path, text).unwrap();
    }

    /// Sets keys in the `[limits]` table of `formulary.toml`.
    pub fn configure_limits(&self, keys: &str) {
        let path = self.data.join("formulary.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\n[limits]\n"),
            "the template has a [limits] table"
        );
        let text = text.replacen("\n[limits]\n", &format!("\n[limits]\n{keys}"), 1);
        std::fs::write(path, text).unwrap();
    }

    /// Every file in the data folder with the sha256 of its content,
    /// sled's files excepted: sled rewrites its own files on open, so the
    /// store's logical content is compared through `review list` instead.
    pub fn snapshot(&self) -> (BTreeMap<String, String>, String) {
        let mut files = BTreeMap::new();
        for entry in walk(&self.data) {
            let rel = entry
                .strip_prefix(&self.data)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if rel.starts_with("db") {
                continue;
            }
            let bytes = std::fs::read(&entry).unwrap();
            files.insert(rel, hex::encode(Sha256::digest(bytes)));
        }
        let listing = self.run(&["review", "list", "--json"]).success().stdout;
        (files, listing)
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Hex sha256 of bytes.
pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Hex sha1 of bytes.
pub fn sha1(bytes: &[u8]) -> String {
    use sha1::Digest as _;
    hex::encode(sha1::Sha1::digest(bytes))
}
