//! Scenarios: honest archives unpack to the tree Composer would install;
//! each kind of hostile archive is refused with its own error, and after
//! every refusal nothing exists outside `dest` (nor inside it).

mod build;

use std::fs;
use std::path::PathBuf;

use tempfile::TempDir;

use self::build::*;
use crate::{tree_hash, tree_hash_dir, unpack, Limits, UnpackError, Unpacked, UnpackedFile};

/// A private folder with `dest` two levels down, so that an entry that
/// climbs out one or two levels would land somewhere we look.
struct Sandbox {
    root: TempDir,
    dest: PathBuf,
}

fn sandbox() -> Sandbox {
    let root = tempfile::tempdir().expect("tempdir");
    let dest = root.path().join("outer").join("dest");
    fs::create_dir_all(&dest).expect("dest");
    Sandbox { root, dest }
}

impl Sandbox {
    fn unpack(&self, zip: &[u8]) -> Unpacked {
        unpack(zip, &self.dest, &Limits::default()).expect("unpacks")
    }

    fn refuse(&self, zip: &[u8]) -> UnpackError {
        self.refuse_with(zip, &Limits::default())
    }

    fn refuse_with(&self, zip: &[u8], limits: &Limits) -> UnpackError {
        let err = unpack(zip, &self.dest, limits).expect_err("should be refused");
        assert!(!err.to_string().contains('\n'), "one line: {err}");
        self.assert_nothing_left();
        err
    }

    fn assert_nothing_left(&self) {
        assert_eq!(names(self.root.path()), ["outer"]);
        assert_eq!(names(&self.root.path().join("outer")), ["dest"]);
        assert!(
            names(&self.dest).is_empty(),
            "dest left with {:?}",
            names(&self.dest)
        );
    }
}

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn with_manifest(entries: &[Raw]) -> Vec<u8> {
    let mut all = vec![Raw::file(b"composer.json", MANIFEST)];
    all.extend_from_slice(entries);
    raw_zip(&all)
}

fn paths(unpacked: &Unpacked) -> Vec<&str> {
    unpacked.files.iter().map(|f| f.path.as_str()).collect()
}

// Honest archives.

#[test]
fn unpacks_a_plain_extension_with_the_files_composer_would_install() {
    let zip = zip_of(&[
        ("composer.json", MANIFEST),
        ("registration.php", b"<?php\n"),
        ("etc/", b""),
        ("etc/module.xml", b"<config/>\n"),
        ("Model/Widget.php", b"<?php class Widget {}\n"),
    ]);
    let sandbox = sandbox();
    let unpacked = sandbox.unpack(&zip);
    assert_eq!(
        paths(&unpacked),
        [
            "Model/Widget.php",
            "composer.json",
            "etc/module.xml",
            "registration.php"
        ]
    );
    assert_eq!(unpacked.manifest.name.as_str(), "acme/module-widget");
    assert_eq!(unpacked.manifest_bytes, MANIFEST);
    assert_eq!(unpacked.stripped_prefix, None);
    let expected: u64 = unpacked.files.iter().map(|f| f.size).sum();
    assert_eq!(unpacked.total_bytes, expected);
    let body = fs::read(sandbox.dest.join("Model/Widget.php")).expect("written");
    assert_eq!(body, b"<?php class Widget {}\n");
}

#[test]
fn the_tree_hash_of_the_unpacked_folder_matches_the_one_reported() {
    let zip = zip_of(&[
        ("composer.json", MANIFEST),
        ("a/b/c.php", b"<?php\n"),
        ("empty/", b""),
    ]);
    let sandbox = sandbox();
    let unpacked = sandbox.unpack(&zip);
    assert!(sandbox.dest.join("empty").is_dir());
    assert_eq!(
        tree_hash_dir(&sandbox.dest).expect("hash"),
        unpacked.tree_hash
    );
}

#[cfg(unix)]
#[test]
fn writes_files_with_mode_0644_whatever_the_archive_says() {
    use std::os::unix::fs::PermissionsExt;
    let zip = raw_zip(&[
        Raw::file(b"composer.json", MANIFEST),
        Raw::file(b"bin/run", b"#!/bin/sh\n").mode(0o104_777),
    ]);
    let sandbox = sandbox();
    sandbox.unpack(&zip);
    let mode = fs::metadata(sandbox.dest.join("bin/run"))
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o644);
}

#[test]
fn strips_a_github_style_top_folder() {
    let zip = zip_of(&[
        ("acme-module-1a2b3c/", b""),
        ("acme-module-1a2b3c/composer.json", MANIFEST),
        ("acme-module-1a2b3c/src/Widget.php", b"<?php\n"),
    ]);
    let sandbox = sandbox();
    let unpacked = sandbox.unpack(&zip);
    assert_eq!(
        unpacked.stripped_prefix.as_deref(),
        Some("acme-module-1a2b3c")
    );
    assert_eq!(paths(&unpacked), ["composer.json", "src/Widget.php"]);
    assert!(sandbox.dest.join("src/Widget.php").is_file());
}

#[test]
fn strips_the_top_folder_even_with_a_ds_store_beside_it() {
    let zip = zip_of(&[
        (".DS_Store", b"\0\0\0\x01Bud1"),
        ("pkg/composer.json", MANIFEST),
        ("pkg/.DS_Store", b"kept: it is inside the package"),
    ]);
    let sandbox = sandbox();
    let unpacked = sandbox.unpack(&zip);
    assert_eq!(unpacked.stripped_prefix.as_deref(), Some("pkg"));
    assert_eq!(paths(&unpacked), [".DS_Store", "composer.json"]);
}

#[test]
fn keeps_the_layout_when_the_root_holds_more_than_one_folder() {
    let zip = zip_of(&[("a/composer.json", MANIFEST), ("b/x.php", b"<?php\n")]);
    let err = sandbox().refuse(&zip);
    assert!(
        matches!(
            err,
            UnpackError::MissingManifest {
                stripped_prefix: None
            }
        ),
        "{err}"
    );
}

#[test]
fn accepts_a_manifest_nested_within_the_depth_limit() {
    let deep = format!(
        r#"{{"name": "acme/deep", "extra": {}1{}}}"#,
        "[".repeat(60),
        "]".repeat(60)
    );
    let zip = zip_of(&[("composer.json", deep.as_bytes())]);
    let unpacked = sandbox().unpack(&zip);
    assert_eq!(unpacked.manifest.name.as_str(), "acme/deep");
}

// Hostile names.

#[test]
fn refuses_entry_climbing_out_with_dotdot() {
    let zip = with_manifest(&[Raw::file(b"src/../../escaped.php", b"<?php\n")]);
    let err = sandbox().refuse(&zip);
    assert!(
        matches!(&err, UnpackError::ParentDirSegment { entry } if entry == "src/../../escaped.php")
    );
    assert!(err.to_string().contains("src/../../escaped.php"));
}

#[test]
fn refuses_an_absolute_path() {
    let target = std::env::temp_dir().join(format!("formulary-escape-{}", std::process::id()));
    let name = target.to_string_lossy().into_owned();
    let zip = with_manifest(&[Raw::file(name.as_bytes(), b"owned")]);
    let err = sandbox().refuse(&zip);
    assert!(matches!(err, UnpackError::AbsolutePath { .. }), "{err}");
    assert!(!target.exists());
}

#[test]
fn refuses_a_backslash_path() {
    let zip = with_manifest(&[Raw::file(b"..\\..\\evil.php", b"<?php\n")]);
    let err = sandbox().refuse(&zip);
    assert!(matches!(err, UnpackError::Backslash { .. }), "{err}");
}

#[test]
fn refuses_a_drive_letter_path() {
    let zip = with_manifest(&[Raw::file(b"C:/Windows/evil.dll", b"MZ")]);
    let err = sandbox().refuse(&zip);
    assert!(matches!(err, UnpackError::DriveLetter { .. }), "{err}");
}

#[test]
fn refuses_a_nul_byte_hidden_in_a_name() {
    let zip = with_manifest(&[Raw::file(b"shell.php\0.txt", b"<?php system($_GET['c']);")]);
    let err = sandbox().refuse(&zip);
    assert!(
        matches!(&err, UnpackError::NulInName { entry } if entry.contains("\\u{0}")),
        "{err}"
    );
}

#[test]
fn refuses_a_newline_that_would_forge_a_tree_hash_line() {
    let zip = with_manifest(&[Raw::file(b"a.php\n0000  b.php", b"x")]);
    let err = sandbox().refuse(&zip);
    assert!(
        matches!(err, UnpackError::ControlCharInName { .. }),
        "{err}"
    );
}

#[test]
fn refuses_a_name_with_an_empty_segment() {
    let zip = with_manifest(&[Raw::file(b"src//Widget.php", b"<?php\n")]);
    let err = sandbox().refuse(&zip);
    assert!(matches!(err, UnpackError::OddSegment { .. }), "{err}");
}

#[test]
fn refuses_a_unicode_path_field_that_disagrees_with_the_name() {
    let header_name = b"harmless.txt";
    let mut extra = vec![0x75, 0x70];
    let real = b"evil.php";
    extra.extend_from_slice(&((5 + real.len()) as u16).to_le_bytes());
    extra.push(1);
    extra.extend_from_slice(&crc32(header_name).to_le_bytes());
    extra.extend_from_slice(real);
    let mut entry = Raw::file(header_name, b"<?php\n");
    entry.extra = extra;
    let err = sandbox().refuse(&with_manifest(&[entry]));
    assert!(
        matches!(&err, UnpackError::AmbiguousName { other, .. } if other == "evil.php"),
        "{err}"
    );
}

// Hostile types and structure.

#[test]
fn refuses_a_symlink_entry() {
    let link = Raw::file(b"config.php", b"/etc/passwd").mode(0o120_777);
    let err = sandbox().refuse(&with_manifest(&[link]));
    assert!(
        matches!(
            err,
            UnpackError::NotRegularFile {
                kind: "symbolic link",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn refuses_a_fifo_entry() {
    let fifo = Raw::file(b"pipe", b"").mode(0o010_644);
    let err = sandbox().refuse(&with_manifest(&[fifo]));
    assert!(
        matches!(err, UnpackError::NotRegularFile { kind: "FIFO", .. }),
        "{err}"
    );
}

#[test]
fn refuses_duplicate_entries() {
    let zip = with_manifest(&[
        Raw::file(b"Model/Widget.php", b"<?php // reviewed\n"),
        Raw::file(b"Model/Widget.php", b"<?php // installed\n"),
    ]);
    let err = sandbox().refuse(&zip);
    assert!(matches!(&err, UnpackError::DuplicateEntry { entry } if entry == "Model/Widget.php"));
}

#[test]
fn refuses_names_that_collide_when_case_is_folded() {
    let zip = zip_of(&[
        ("composer.json", MANIFEST),
        ("Model/Widget.php", b"<?php\n"),
        ("model/helper.php", b"<?php\n"),
    ]);
    let err = sandbox().refuse(&zip);
    assert!(
        matches!(&err, UnpackError::CaseCollision { entry, other }
            if entry == "model" && other == "Model"),
        "{err}"
    );
}

#[test]
fn refuses_a_path_that_is_both_file_and_directory() {
    let zip = zip_of(&[
        ("composer.json", MANIFEST),
        ("src", b"file"),
        ("src/x.php", b"<?php\n"),
    ]);
    let err = sandbox().refuse(&zip);
    assert!(matches!(err, UnpackError::FileDirConflict { .. }), "{err}");
}

#[test]
fn refuses_an_encrypted_entry() {
    let mut secret = Raw::file(b"secret.php", b"\x01\x02\x03");
    secret.flags |= 1;
    let err = sandbox().refuse(&with_manifest(&[secret]));
    assert!(matches!(err, UnpackError::Encrypted { .. }), "{err}");
}

#[test]
fn refuses_an_unsupported_compression_method() {
    let mut bz = Raw::file(b"data.bin", b"BZh9");
    bz.method = 12;
    let err = sandbox().refuse(&with_manifest(&[bz]));
    assert!(
        matches!(err, UnpackError::UnsupportedCompression { method: 12, .. }),
        "{err}"
    );
}

#[test]
fn refuses_entries_that_share_their_bytes() {
    // The first entry's data is stretched over the second entry's header,
    // the way non-recursive zip bombs reuse one compressed kernel.
    let mut zip = with_manifest(&[
        Raw::file(b"a.php", b"<?php\n"),
        Raw::file(b"b.php", b"<?php\n"),
    ]);
    patch_central(&mut zip, 1, COMPRESSED_SIZE, 200);
    let err = sandbox().refuse(&zip);
    assert!(
        matches!(&err, UnpackError::OverlappingEntries { entry, other }
            if entry == "b.php" && other == "a.php"),
        "{err}"
    );
}

#[test]
fn refuses_an_entry_whose_checksum_does_not_match() {
    let mut zip = with_manifest(&[Raw::file(b"a.php", b"<?php echo 'reviewed';\n")]);
    let at = zip.windows(8).position(|w| w == b"reviewed").expect("data");
    zip[at] = b'R';
    let err = sandbox().refuse(&zip);
    assert!(matches!(err, UnpackError::CorruptEntry { .. }), "{err}");
}

// Limits.

#[test]
fn refuses_too_many_entries() {
    let zip = zip_of(&[
        ("composer.json", MANIFEST),
        ("a", b""),
        ("b", b""),
        ("c", b""),
    ]);
    let limits = Limits {
        max_entries: 3,
        ..Limits::default()
    };
    let err = sandbox().refuse_with(&zip, &limits);
    assert!(
        matches!(err, UnpackError::TooManyEntries { count: 4, limit: 3 }),
        "{err}"
    );
}

#[test]
fn refuses_too_much_data_in_total() {
    let chunk = vec![b'x'; 4000];
    let zip = zip_of(&[("composer.json", MANIFEST), ("a", &chunk), ("b", &chunk)]);
    let limits = Limits {
        max_total_bytes: 6000,
        ..Limits::default()
    };
    let err = sandbox().refuse_with(&zip, &limits);
    assert!(
        matches!(&err, UnpackError::TotalTooLarge { entry, .. } if entry == "b"),
        "{err}"
    );
}

#[test]
fn refuses_one_file_over_the_size_limit() {
    let big = vec![b'x'; 10_000];
    let zip = zip_of(&[("composer.json", MANIFEST), ("big.sql", &big)]);
    let limits = Limits {
        max_file_bytes: 9_999,
        ..Limits::default()
    };
    let err = sandbox().refuse_with(&zip, &limits);
    assert!(
        matches!(&err, UnpackError::FileTooLarge { entry, .. } if entry == "big.sql"),
        "{err}"
    );
}

#[test]
fn refuses_an_excessive_compression_ratio() {
    let zeros = vec![0u8; 2 * 1024 * 1024];
    let zip = zip_of(&[("composer.json", MANIFEST), ("zeros.bin", &zeros)]);
    let err = sandbox().refuse(&zip);
    assert!(
        matches!(&err, UnpackError::RatioTooHigh { entry, .. } if entry == "zeros.bin"),
        "{err}"
    );
}

#[test]
fn tolerates_a_high_ratio_in_a_small_file() {
    let zeros = vec![0u8; 512 * 1024];
    let zip = zip_of(&[("composer.json", MANIFEST), ("blank.csv", &zeros)]);
    assert_eq!(
        sandbox().unpack(&zip).total_bytes,
        MANIFEST.len() as u64 + 512 * 1024
    );
}

#[test]
fn stops_a_bomb_that_lies_about_its_size_while_inflating() {
    let zeros = vec![0u8; 4 * 1024 * 1024];
    let mut zip = zip_of(&[("composer.json", MANIFEST), ("bomb.bin", &zeros)]);
    patch_central(&mut zip, 1, UNCOMPRESSED_SIZE, 1000);
    let err = sandbox().refuse(&zip);
    match err {
        UnpackError::SizeMismatch {
            declared: 1000,
            actual,
            stopped: true,
            ..
        } => {
            assert!(actual <= 64 * 1024, "read {actual} bytes before stopping")
        }
        other => panic!("unexpected: {other}"),
    }
}

#[test]
fn stops_at_the_file_limit_while_inflating_when_the_header_lies() {
    let data = vec![b'x'; 300_000];
    let mut zip = raw_zip(&[
        Raw::file(b"composer.json", MANIFEST),
        Raw::file(b"big.txt", &data),
    ]);
    patch_central(&mut zip, 1, UNCOMPRESSED_SIZE, 100_000);
    let limits = Limits {
        max_file_bytes: 100_000,
        ..Limits::default()
    };
    let err = sandbox().refuse_with(&zip, &limits);
    assert!(
        matches!(err, UnpackError::FileTooLarge { limit: 100_000, .. }),
        "{err}"
    );
}

#[test]
fn stops_at_the_total_limit_while_inflating_when_the_header_lies() {
    let data = vec![b'x'; 300_000];
    let mut zip = raw_zip(&[
        Raw::file(b"composer.json", MANIFEST),
        Raw::file(b"big.txt", &data),
    ]);
    patch_central(&mut zip, 1, UNCOMPRESSED_SIZE, 1_000);
    let limits = Limits {
        max_total_bytes: 50_000,
        ..Limits::default()
    };
    let err = sandbox().refuse_with(&zip, &limits);
    assert!(matches!(err, UnpackError::TotalTooLarge { .. }), "{err}");
}

#[test]
fn refuses_an_archive_over_the_size_limit() {
    let zip = zip_of(&[("composer.json", MANIFEST)]);
    let limits = Limits {
        max_archive_bytes: 10,
        ..Limits::default()
    };
    let err = sandbox().refuse_with(&zip, &limits);
    assert!(
        matches!(err, UnpackError::ArchiveTooLarge { limit: 10, .. }),
        "{err}"
    );
}

// Not a zip, or not a package.

#[test]
fn refuses_an_empty_file() {
    let err = sandbox().refuse(b"");
    assert!(matches!(err, UnpackError::EmptyArchive), "{err}");
}

#[test]
fn refuses_bytes_that_are_not_a_zip() {
    let err = sandbox().refuse(b"<?php echo 'this is not a zip';\n");
    assert!(matches!(err, UnpackError::NotAZip { .. }), "{err}");
}

#[test]
fn refuses_a_truncated_zip() {
    let zip = zip_of(&[("composer.json", MANIFEST), ("a.php", b"<?php\n")]);
    let err = sandbox().refuse(&zip[..zip.len() - 30]);
    assert!(matches!(err, UnpackError::NotAZip { .. }), "{err}");
}

#[test]
fn refuses_an_archive_without_composer_json() {
    let zip = zip_of(&[("pkg/registration.php", b"<?php\n")]);
    let err = sandbox().refuse(&zip);
    assert!(
        matches!(&err, UnpackError::MissingManifest { stripped_prefix: Some(p) } if p == "pkg"),
        "{err}"
    );
}

#[test]
fn refuses_an_unparseable_composer_json() {
    let zip = zip_of(&[("composer.json", b"{\"name\": \"acme/x\",")]);
    let err = sandbox().refuse(&zip);
    assert!(matches!(err, UnpackError::InvalidManifest { .. }), "{err}");
}

#[test]
fn refuses_an_invalid_package_name() {
    for manifest in [
        r#"{"name": "Acme/Widget"}"#,
        r#"{"name": "widget-without-vendor"}"#,
    ] {
        let zip = zip_of(&[("composer.json", manifest.as_bytes())]);
        let err = sandbox().refuse(&zip);
        assert!(
            matches!(err, UnpackError::InvalidPackageName { .. }),
            "{err}"
        );
    }
}

#[test]
fn refuses_an_invalid_version() {
    let zip = zip_of(&[(
        "composer.json",
        br#"{"name": "acme/widget", "version": "one point two"}"#,
    )]);
    let err = sandbox().refuse(&zip);
    assert!(matches!(err, UnpackError::InvalidVersion { .. }), "{err}");
}

#[test]
fn refuses_json_nested_absurdly_deep() {
    let deep = format!(
        r#"{{"name": "acme/deep", "extra": {}}}"#,
        "[".repeat(100_000)
    );
    let zip = zip_of(&[("composer.json", deep.as_bytes())]);
    let err = sandbox().refuse(&zip);
    assert!(
        matches!(err, UnpackError::ManifestTooDeep { limit: 64 }),
        "{err}"
    );
}

#[test]
fn refuses_a_destination_that_is_not_empty() {
    let sandbox = sandbox();
    fs::write(sandbox.dest.join("left-over"), b"x").expect("write");
    let zip = zip_of(&[("composer.json", MANIFEST)]);
    let err = unpack(&zip, &sandbox.dest, &Limits::default()).expect_err("refused");
    assert!(matches!(err, UnpackError::BadDestination { .. }), "{err}");
}

// The tree hash.

#[test]
fn the_tree_hash_is_sha256_over_sorted_sha256sum_lines() {
    let file = |path: &str, sha: &str| UnpackedFile {
        path: path.into(),
        size: 0,
        sha256: sha.into(),
    };
    let files = [
        file("b.php", "22"),
        file("a/z.php", "11"),
        file("a.php", "33"),
    ];
    let lines = "33  a.php\n11  a/z.php\n22  b.php\n";
    use sha2::Digest;
    let expected = hex::encode(sha2::Sha256::digest(lines.as_bytes()));
    assert_eq!(tree_hash(&files), expected);
}

#[cfg(unix)]
#[test]
fn the_tree_hash_of_a_folder_refuses_a_symlink() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a.php"), b"<?php\n").expect("write");
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("link")).expect("symlink");
    let err = tree_hash_dir(dir.path()).expect_err("refused");
    assert!(matches!(err, UnpackError::SymlinkInTree { .. }), "{err}");
}

#[test]
fn refuses_a_file_disguised_as_a_directory() {
    let mut disguised = Raw::file(b"evil.php", b"<?php system($_GET['c']);");
    disguised.external_attrs |= 0x10;
    let err = sandbox().refuse(&with_manifest(&[disguised]));
    assert!(matches!(err, UnpackError::AmbiguousType { .. }), "{err}");
}

#[test]
fn refuses_a_directory_entry_that_carries_data() {
    let dir = Raw::file(b"src/", b"<?php hidden();").mode(0o040_755);
    let err = sandbox().refuse(&with_manifest(&[dir]));
    assert!(matches!(err, UnpackError::AmbiguousType { .. }), "{err}");
}

#[test]
fn refuses_a_local_header_whose_name_differs_from_the_directory() {
    let mut zip = with_manifest(&[Raw::file(b"safe.php", b"<?php\n")]);
    let local = zip
        .windows(8)
        .position(|w| w == b"safe.php")
        .expect("local name");
    zip[local..local + 8].copy_from_slice(b"evil.php");
    let err = sandbox().refuse(&zip);
    assert!(
        matches!(&err, UnpackError::AmbiguousName { other, .. } if other == "evil.php"),
        "{err}"
    );
}

#[test]
fn unpacks_an_archive_with_zip64_end_records() {
    let zip = raw_zip64(&[
        Raw::file(b"composer.json", MANIFEST),
        Raw::file(b"a.php", b"<?php\n"),
    ]);
    assert_eq!(paths(&sandbox().unpack(&zip)), ["a.php", "composer.json"]);
}

#[test]
fn the_documented_shell_recipe_gives_the_same_tree_hash() {
    let has = |tool: &str| {
        std::process::Command::new(tool)
            .arg("--version")
            .output()
            .is_ok()
    };
    if !(has("sha256sum") && has("find")) {
        eprintln!("skipped: sha256sum or GNU find is not installed");
        return;
    }
    let zip = zip_of(&[
        ("composer.json", MANIFEST),
        ("a b/c.php", b"<?php\n"),
        ("a-b.php", b"x"),
        ("a/b.php", b"y"),
        ("Z.php", b"z"),
    ]);
    let sandbox = sandbox();
    let unpacked = sandbox.unpack(&zip);
    let recipe = "find . -type f -printf '%P\\0' | LC_ALL=C sort -z \
                  | xargs -0 sha256sum | sha256sum";
    let out = std::process::Command::new("sh")
        .args(["-c", recipe])
        .current_dir(&sandbox.dest)
        .output()
        .expect("sh runs");
    let printed = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        printed.split_whitespace().next(),
        Some(unpacked.tree_hash.as_str())
    );
}
