//! Scenarios for local sources: a folder is archived to the same bytes
//! however its files were written, and a zip is taken byte for byte.

#![allow(clippy::unwrap_used)]

use formulary_fetch::{FetchConfig, FetchError, Fetched, Fetcher, Source};
use std::path::Path;
use std::time::{Duration, SystemTime};

fn fetch(source: &str) -> Result<Fetched, FetchError> {
    fetch_limited(source, FetchConfig::default().max_bytes)
}

fn fetch_limited(source: &str, max_bytes: u64) -> Result<Fetched, FetchError> {
    let source: Source = source.parse()?;
    let config = FetchConfig {
        max_bytes,
        ..FetchConfig::default()
    };
    Fetcher::new(config).unwrap().fetch(&source)
}

fn write(root: &Path, path: &str, text: &str) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, text).unwrap();
}

fn module_folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    dir
}

const MODULE: [(&str, &str); 3] = [
    ("composer.json", r#"{"name": "acme/module-rx-upload"}"#),
    ("registration.php", "<?php\n"),
    ("src/Model/Upload.php", "<?php class Upload {}\n"),
];

#[test]
fn the_same_folder_content_always_gives_the_same_bytes() {
    let first = module_folder(&MODULE);
    let mut reversed = MODULE;
    reversed.reverse();
    let second = module_folder(&reversed);
    // Different times and modes on disk must not reach the archive.
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let file = std::fs::File::options()
        .write(true)
        .open(second.path().join("registration.php"));
    file.unwrap().set_modified(old).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = second.path().join("registration.php");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    let a = fetch(first.path().to_str().unwrap()).unwrap();
    let again = fetch(first.path().to_str().unwrap()).unwrap();
    let b = fetch(second.path().to_str().unwrap()).unwrap();

    assert_eq!(a.bytes, again.bytes);
    assert_eq!(a.bytes, b.bytes);
    assert_eq!(a.provenance.kind, "folder");
}

#[test]
fn the_git_folder_is_left_out() {
    let plain = module_folder(&MODULE);
    let with_git = module_folder(&MODULE);
    write(with_git.path(), ".git/config", "[core]\n");

    let a = fetch(plain.path().to_str().unwrap()).unwrap();
    let b = fetch(with_git.path().to_str().unwrap()).unwrap();

    assert_eq!(a.bytes, b.bytes);
}

#[cfg(unix)]
#[test]
fn a_symlink_in_the_folder_is_refused() {
    let dir = module_folder(&MODULE);
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("src/secrets.php")).unwrap();

    let err = fetch(dir.path().to_str().unwrap()).unwrap_err();

    assert!(
        matches!(&err, FetchError::Symlink { path } if path == "src/secrets.php"),
        "{err}"
    );
    assert!(
        err.to_string().contains("replace it with the file"),
        "{err}"
    );
}

#[test]
fn a_zip_file_is_taken_byte_for_byte() {
    let dir = module_folder(&MODULE);
    let archived = fetch(dir.path().to_str().unwrap()).unwrap().bytes;
    let zip_path = dir.path().join("upload-1.0.0.zip");
    std::fs::write(&zip_path, &archived).unwrap();

    let fetched = fetch(zip_path.to_str().unwrap()).unwrap();

    assert_eq!(fetched.bytes, archived);
    assert_eq!(fetched.provenance.kind, "zip");
    assert_eq!(fetched.version_hint, None);
}

#[test]
fn a_file_that_is_not_a_zip_is_refused() {
    let dir = module_folder(&MODULE);
    let path = dir.path().join("composer.json");

    let err = fetch(path.to_str().unwrap()).unwrap_err();

    assert!(matches!(err, FetchError::NotAZip { .. }), "{err}");
}

#[test]
fn a_missing_zip_names_the_path() {
    let err = fetch("/nonexistent/formulary/upload.zip").unwrap_err();

    assert!(matches!(err, FetchError::Io { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("/nonexistent/formulary/upload.zip"),
        "{err}"
    );
}

#[test]
fn a_folder_holding_a_registry_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("composer.json"), b"{}").unwrap();
    let keys = dir.path().join("registry-data/keys");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::write(keys.join("registry.key"), b"secret seed").unwrap();

    let err = fetch(dir.path().to_str().unwrap()).unwrap_err();

    assert!(
        err.to_string()
            .contains("contains a formulary data folder (registry-data)"),
        "{err}"
    );
}

#[test]
fn a_folder_larger_than_the_limit_is_refused_before_it_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    // The limit is 1 MiB; two files of 600 KiB pass it together.
    std::fs::write(dir.path().join("a.bin"), vec![1u8; 600 << 10]).unwrap();
    std::fs::write(dir.path().join("b.bin"), vec![2u8; 600 << 10]).unwrap();

    let err = fetch_limited(dir.path().to_str().unwrap(), 1 << 20).unwrap_err();

    assert!(matches!(err, FetchError::TreeTooLarge { .. }), "{err}");
}

#[test]
fn a_zip_file_larger_than_the_limit_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.zip");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(2 << 20).unwrap();

    let err = fetch_limited(path.to_str().unwrap(), 1 << 20).unwrap_err();

    assert!(matches!(err, FetchError::FileTooLarge { .. }), "{err}");
}
