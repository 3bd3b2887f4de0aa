//! Scenarios for local sources: a folder is archived to the same bytes
//! however its files were written, and a zip is taken byte for byte.

#![allow(clippy::unwrap_used)]

use formulary_fetch::{FetchConfig, FetchError, Fetched, Fetcher, Source};
use std::path::Path;
use std::time::{Duration, SystemTime};

fn fetch(source: &str) -> Result<Fetched, FetchError> {
    let source: Source = source.parse()?;
    Fetcher::new(FetchConfig::default()).unwrap().fetch(&source)
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
