//! A second process that finds the data folder held is told who holds it.
//!
//! The test re-runs its own binary as the holder: with the environment
//! variable below set, the same test function opens the store and waits
//! until its stdin closes.

#![allow(clippy::unwrap_used)]

use std::io::Read as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use formulary_store::{Store, StoreError};

const HOLDER_ENV: &str = "FORMULARY_STORE_TEST_HOLD_DIR";
const TEST_NAME: &str = "second_process_is_told_who_holds_the_folder";

/// Kills the holder if the test fails before it is released.
struct Holder(Child);

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn second_process_is_told_who_holds_the_folder() {
    if let Some(dir) = std::env::var_os(HOLDER_ENV) {
        hold(Path::new(&dir));
        return;
    }

    let dir = tempfile::tempdir().unwrap();
    drop(Store::create(dir.path()).unwrap());
    let mut holder = Holder(spawn_holder(dir.path()));
    let pid = holder.0.id();
    wait_for_holder_note(dir.path(), pid, &mut holder.0);

    let err = Store::open(dir.path()).unwrap_err();
    let StoreError::Locked { holder: who } = &err else {
        panic!("expected Locked, got {err}");
    };
    assert!(who.contains(&format!("pid {pid}")), "{who}");
    assert!(who.contains(TEST_NAME), "{who}");

    // Closing its stdin lets the holder exit; then the folder is free.
    drop(holder.0.stdin.take());
    assert!(holder.0.wait().unwrap().success());
    Store::open(dir.path()).unwrap();
}

fn hold(dir: &Path) {
    let _store = Store::open(dir).unwrap();
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}

fn spawn_holder(dir: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--test-threads=1"])
        .env(HOLDER_ENV, dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_for_holder_note(dir: &Path, pid: u32, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let expected = format!("pid {pid} ");
    while Instant::now() < deadline {
        let note = std::fs::read_to_string(dir.join("db.holder")).unwrap_or_default();
        if note.starts_with(&expected) {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("holder process exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("holder process never took the lock");
}
