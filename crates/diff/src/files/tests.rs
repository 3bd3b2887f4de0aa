use std::path::Path;

use formulary_scan::ScanReport;
use serde_json::Value;

use super::*;
use crate::side::Side;

/// A side in a temp folder holding `files`.
fn side(files: &[(&str, &[u8])]) -> (tempfile::TempDir, Side) {
    let dir = tempfile::tempdir().unwrap();
    for (path, bytes) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, bytes).unwrap();
    }
    let side = Side {
        label: "x".to_string(),
        root: dir.path().to_path_buf(),
        scan: ScanReport::default(),
        manifest: Value::Null,
    };
    (dir, side)
}

fn diff(old: &[(&str, &[u8])], new: &[(&str, &[u8])]) -> FileChanges {
    let (_a, old) = side(old);
    let (_b, new) = side(new);
    compare(&old, &new, &Redactions::build(&old, &new))
}

fn statuses(changes: &FileChanges) -> Vec<(FileStatus, &str, Option<&str>)> {
    changes
        .changed
        .iter()
        .map(|f| (f.status, f.path.as_str(), f.old_path.as_deref()))
        .collect()
}

fn lines(f: &FileDelta) -> Vec<String> {
    f.hunks
        .iter()
        .flat_map(|h| h.lines.iter().map(|l| l.to_string()))
        .collect()
}

#[test]
fn files_are_added_removed_modified_and_renamed_by_content() {
    let changes = diff(
        &[
            ("same.php", b"same\n"),
            ("gone.php", b"gone\n"),
            ("a.php", b"one\n"),
            ("old/x.php", b"moved\n"),
        ],
        &[
            ("same.php", b"same\n"),
            ("new.php", b"new\n"),
            ("a.php", b"two\n"),
            ("new/x.php", b"moved\n"),
        ],
    );
    assert_eq!(
        statuses(&changes),
        [
            (FileStatus::Modified, "a.php", None),
            (FileStatus::Removed, "gone.php", None),
            (FileStatus::Added, "new.php", None),
            (FileStatus::Renamed, "new/x.php", Some("old/x.php")),
        ]
    );
    assert_eq!(changes.unchanged, 1);
    assert_eq!(changes.renames().get("new/x.php"), Some(&"old/x.php"));
}

#[test]
fn empty_files_are_never_paired_as_renames() {
    let changes = diff(&[("a/__init__", b"")], &[("b/__init__", b"")]);
    assert_eq!(
        statuses(&changes),
        [
            (FileStatus::Removed, "a/__init__", None),
            (FileStatus::Added, "b/__init__", None)
        ]
    );
}

#[test]
fn a_modified_file_gets_a_unified_diff_with_three_lines_of_context() {
    let old = b"1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    let new = b"1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
    let changes = diff(&[("a.txt", old)], &[("a.txt", new)]);
    let f = &changes.changed[0];
    let h = &f.hunks[0];
    assert_eq!(
        (h.old_start, h.old_lines, h.new_start, h.new_lines),
        (2, 7, 2, 7)
    );
    assert_eq!(
        lines(f),
        [" 2", " 3", " 4", "-5", "+five", " 6", " 7", " 8"]
    );
    assert_eq!((f.lines_added, f.lines_removed), (1, 1));
}

#[test]
fn an_added_file_is_all_added_and_a_removed_one_only_counted() {
    let changes = diff(&[("gone.php", b"a\nb\n")], &[("new.php", b"x\ny\nz\n")]);
    let added = &changes.changed[1];
    assert_eq!(added.status, FileStatus::Added);
    assert_eq!(lines(added), ["+x", "+y", "+z"]);
    let h = &added.hunks[0];
    assert_eq!(
        (h.old_start, h.old_lines, h.new_start, h.new_lines),
        (0, 0, 1, 3)
    );
    let removed = &changes.changed[0];
    assert_eq!((removed.lines_removed, removed.hunks.len()), (2, 0));
}

#[test]
fn a_missing_last_line_break_is_marked() {
    let changes = diff(&[("a.txt", b"x\n")], &[("a.txt", b"x")]);
    assert_eq!(
        lines(&changes.changed[0]),
        ["-x", "+x", "\\ No newline at end of file"]
    );
}

#[test]
fn binary_files_are_named_not_diffed() {
    let changes = diff(
        &[("logo.png", b"\x89PNG\0\x01")],
        &[("logo.png", b"\x89PNG\0\x02\x03")],
    );
    let f = &changes.changed[0];
    assert_eq!(
        (f.content, f.old_size, f.new_size),
        (Content::Binary, Some(6), Some(7))
    );
    assert!(f.hunks.is_empty());
}

#[test]
fn a_long_diff_is_cut_and_says_so() {
    let old: String = (0..1100).map(|i| format!("old {i}\n")).collect();
    let new: String = (0..1100).map(|i| format!("new {i}\n")).collect();
    let changes = diff(
        &[("big.txt", old.as_bytes())],
        &[("big.txt", new.as_bytes())],
    );
    let f = &changes.changed[0];
    assert_eq!(lines(f).len(), MAX_DIFF_LINES);
    assert_eq!(f.omitted_lines, 2200 - MAX_DIFF_LINES);
    assert_eq!((f.lines_added, f.lines_removed), (1100, 1100));
    assert!(f.note.as_deref().unwrap().contains("cut after 2000 lines"));
    let h = f.hunks.last().unwrap();
    let shown = h.lines.len();
    assert_eq!(
        h.old_lines + h.new_lines,
        shown,
        "the cut hunk counts what it shows"
    );
}

#[test]
fn a_long_line_is_cut_and_says_so() {
    let long = "x".repeat(MAX_LINE_CHARS + 10);
    let changes = diff(&[], &[("min.js", long.as_bytes())]);
    let shown = &lines(&changes.changed[0])[0];
    assert!(
        shown.ends_with(" …[10 more characters not shown]"),
        "{shown}"
    );
}

#[test]
fn a_link_is_not_followed() {
    let (_a, old) = side(&[("a.php", b"a\n")]);
    let (_b, new) = side(&[("a.php", b"a\n")]);
    std::os::unix::fs::symlink("/etc/passwd", new.root.join("passwd.php")).unwrap();
    let changes = compare(&old, &new, &Redactions::build(&old, &new));
    assert!(changes.changed.is_empty(), "{changes:?}");
    assert!(Path::new("/etc/passwd").exists());
}
