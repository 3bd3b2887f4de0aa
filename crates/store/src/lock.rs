//! One process at a time: the data folder lock and its holder note.
//!
//! sled holds its database for a single process, and fails with a terse
//! I/O error when a second one tries. We want that second process to say
//! who is in the way, so before sled is opened we take an exclusive,
//! non-blocking lock on `DIR/db.lock` and write the holder's pid, command
//! line and start time into `DIR/db.holder`. A process that finds the lock
//! taken reads that note back into `StoreError::Locked`.
//!
//! The lock is an OS file lock (flock on Unix via `fs2`), so it goes away
//! with the process even after a crash; a stale `db.holder` is simply
//! overwritten by the next holder. Because flock belongs to the open file,
//! a second `Store::open` inside the same process is refused too.
//!
//! The note may be read by anyone who can list the folder, so values of
//! secret-looking flags (`--token`, `--password`, ...) and passwords in
//! URLs are replaced with `***` before it is written.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

use fs2::FileExt as _;

use crate::error::StoreError;

/// Lock file name inside the data folder.
pub const LOCK_FILE: &str = "db.lock";

/// Holder note file name inside the data folder.
pub const HOLDER_FILE: &str = "db.holder";

/// The longest holder note we read back, in bytes.
const MAX_HOLDER_BYTES: u64 = 1024;

/// An exclusive hold on a data folder, released when dropped.
#[derive(Debug)]
pub(crate) struct DirLock {
    // Held only to keep the OS lock; closing it releases the lock.
    _file: File,
    holder_path: PathBuf,
}

impl DirLock {
    /// Takes the lock on `dir` or reports who holds it.
    pub(crate) fn acquire(dir: &Path, since: &str) -> Result<DirLock, StoreError> {
        let lock_path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|source| StoreError::Io {
                action: "open lock file",
                path: lock_path.clone(),
                source,
            })?;

        if let Err(err) = file.try_lock_exclusive() {
            return Err(locked_error(dir, &lock_path, err));
        }

        let holder_path = dir.join(HOLDER_FILE);
        write_holder(&holder_path, &holder_note(since))?;
        tracing::debug!(lock = %lock_path.display(), "took the data folder lock");
        Ok(DirLock {
            _file: file,
            holder_path,
        })
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // Best effort, and before the lock itself goes: a note left behind
        // after a crash is harmless because the next holder overwrites it.
        let _ = fs::remove_file(&self.holder_path);
    }
}

/// Turns a failed lock attempt into `Locked`, or an I/O error when the
/// failure was not contention.
fn locked_error(dir: &Path, lock_path: &Path, err: io::Error) -> StoreError {
    if err.kind() != fs2::lock_contended_error().kind() {
        return StoreError::Io {
            action: "lock",
            path: lock_path.to_path_buf(),
            source: err,
        };
    }
    let holder = read_holder(&dir.join(HOLDER_FILE)).unwrap_or_else(|| {
        format!(
            "another process (no holder note in {})",
            dir.join(HOLDER_FILE).display()
        )
    });
    tracing::debug!(%holder, "data folder lock is taken");
    StoreError::Locked { holder }
}

/// The note for this process: pid, redacted command line, start time.
fn holder_note(since: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    format!(
        "pid {} (`{}`) since {since}",
        std::process::id(),
        redact_args(&args).join(" ")
    )
}

/// Writes the note through a temporary file so readers never see half.
fn write_holder(path: &Path, note: &str) -> Result<(), StoreError> {
    let tmp = path.with_extension(format!("holder.tmp-{}", std::process::id()));
    let io_err = |source| StoreError::Io {
        action: "write holder note",
        path: path.to_path_buf(),
        source,
    };
    fs::write(&tmp, format!("{note}\n")).map_err(io_err)?;
    fs::rename(&tmp, path).map_err(io_err)
}

/// Reads the first line of a holder note, made safe to print.
fn read_holder(path: &Path) -> Option<String> {
    let mut text = String::new();
    File::open(path)
        .ok()?
        .take(MAX_HOLDER_BYTES)
        .read_to_string(&mut text)
        .ok()?;
    let line: String = text
        .lines()
        .next()?
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    (!line.trim().is_empty()).then_some(line)
}

/// Replaces values that look secret with `***`.
pub(crate) fn redact_args(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut hide_next = false;
    for arg in args {
        if hide_next {
            out.push("***".to_string());
            hide_next = false;
            continue;
        }
        if let Some((flag, _)) = arg.split_once('=').filter(|(f, _)| is_secret_flag(f)) {
            out.push(format!("{flag}=***"));
            continue;
        }
        hide_next = is_secret_flag(arg);
        out.push(redact_url_password(arg));
    }
    out
}

fn is_secret_flag(arg: &str) -> bool {
    let lower = arg.to_ascii_lowercase();
    lower.starts_with('-')
        && ["token", "password", "secret", "auth"]
            .iter()
            .any(|word| lower.contains(word))
}

/// `https://user:pass@host/...` becomes `https://user:***@host/...`.
fn redact_url_password(arg: &str) -> String {
    let Some((scheme, rest)) = arg.split_once("://") else {
        return arg.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return arg.to_string();
    };
    let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
    let redacted = if userinfo.contains(':') {
        format!("{user}:***")
    } else {
        "***".to_string()
    };
    format!("{scheme}://{redacted}@{host}{}", &rest[authority_end..])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn secret_flag_values_are_hidden() {
        let args = strings(&[
            "formulary",
            "serve",
            "--token",
            "abc123",
            "--auth-json=/x",
            "--listen",
            "0.0.0.0:80",
        ]);
        assert_eq!(
            redact_args(&args).join(" "),
            "formulary serve --token *** --auth-json=*** --listen 0.0.0.0:80"
        );
    }

    #[test]
    fn url_passwords_are_hidden() {
        let args = strings(&["https://bot:s3cret@repo.example/p2", "https://tok@h/x"]);
        assert_eq!(
            redact_args(&args),
            ["https://bot:***@repo.example/p2", "https://***@h/x"]
        );
    }

    #[test]
    fn second_lock_in_the_same_process_names_this_process() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(dir.path(), "2026-01-01T00:00:00Z").unwrap();
        let err = DirLock::acquire(dir.path(), "later").unwrap_err();
        let StoreError::Locked { holder } = &err else {
            panic!("expected Locked, got {err}");
        };
        assert!(holder.contains(&format!("pid {}", std::process::id())));
        assert!(holder.contains("since 2026-01-01T00:00:00Z"));
        assert!(err.to_string().contains("wait for it to finish"));

        drop(first);
        assert!(!dir.path().join(HOLDER_FILE).exists());
        DirLock::acquire(dir.path(), "again").unwrap();
    }
}
