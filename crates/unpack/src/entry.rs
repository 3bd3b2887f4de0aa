//! Checks on one entry's name and type, made on the raw central-directory
//! bytes before anything touches the disk.
//!
//! A name is the only thing that decides where an entry lands, so we accept
//! one spelling of each path and nothing an extractor could read two ways:
//! relative, `/`-separated, UTF-8, no `..`, no `.` or empty segments, no
//! backslash (a separator on Windows), no drive letter, no NUL (C code
//! stops there) and no control characters (they would let a name forge a
//! line in the tree hash or in a reviewer's terminal). The type comes from
//! the unix mode in the external attributes: we take regular files and
//! directories and refuse symlinks, devices, FIFOs and sockets, whatever
//! system the archive claims to come from.

use crate::cdir::Record;
use crate::error::{display_name, UnpackError};
use crate::limits::MAX_NAME_BYTES;

/// What an entry becomes on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A regular file, written with mode 0644.
    File,
    /// A directory.
    Dir,
}

/// A name that passed every check.
#[derive(Debug, Clone)]
pub(crate) struct CheckedName {
    /// The path without a trailing `/`.
    pub path: String,
    /// Whether the name ended in `/` (the zip way of saying directory).
    pub slash_dir: bool,
}

/// Checks a raw entry name and returns its path.
pub(crate) fn check_name(raw: &[u8]) -> Result<CheckedName, UnpackError> {
    let entry = || display_name(raw);
    if raw.contains(&0) {
        return Err(UnpackError::NulInName { entry: entry() });
    }
    let Ok(name) = std::str::from_utf8(raw) else {
        return Err(UnpackError::NonUtf8Name { entry: entry() });
    };
    if raw.len() > MAX_NAME_BYTES {
        return Err(UnpackError::NameTooLong {
            entry: name.chars().take(80).collect(),
            len: raw.len(),
            limit: MAX_NAME_BYTES,
        });
    }
    check_characters(name)?;
    let slash_dir = name.ends_with('/');
    let path = name.strip_suffix('/').unwrap_or(name);
    check_segments(name, path)?;
    Ok(CheckedName {
        path: path.to_owned(),
        slash_dir,
    })
}

fn check_characters(name: &str) -> Result<(), UnpackError> {
    let entry = || display_name(name.as_bytes());
    if name.chars().any(char::is_control) {
        return Err(UnpackError::ControlCharInName { entry: entry() });
    }
    if name.contains('\\') {
        return Err(UnpackError::Backslash { entry: entry() });
    }
    if name.starts_with('/') {
        return Err(UnpackError::AbsolutePath { entry: entry() });
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err(UnpackError::DriveLetter { entry: entry() });
    }
    Ok(())
}

fn check_segments(name: &str, path: &str) -> Result<(), UnpackError> {
    let entry = || name.to_owned();
    if path.split('/').any(|s| s == "..") {
        return Err(UnpackError::ParentDirSegment { entry: entry() });
    }
    if path.split('/').any(|s| s.is_empty() || s == ".") {
        return Err(UnpackError::OddSegment { entry: entry() });
    }
    Ok(())
}

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;
const DOS_DIR: u32 = 0x10;

/// Decides what an entry is from its name and external attributes.
///
/// We read the unix file type whenever the high 16 bits are set, not only
/// when the archive says it was made on unix: an extractor that honours
/// the mode would make a symlink of it either way. A trailing `/`, the
/// unix type and the DOS directory bit must agree, since PHP's zip
/// extension trusts the name while `unzip` trusts the mode; a file
/// disguised as a directory would be installed without being reviewed.
pub(crate) fn kind(record: &Record, name: &CheckedName) -> Result<Kind, UnpackError> {
    let file_type = (record.external_attrs >> 16) & S_IFMT;
    let dos_dir = record.external_attrs & DOS_DIR != 0;
    let ambiguous = |reason| UnpackError::AmbiguousType {
        entry: display_name(&record.name),
        reason,
    };
    if !matches!(file_type, 0 | S_IFREG | S_IFDIR) {
        return Err(UnpackError::NotRegularFile {
            entry: display_name(&record.name),
            kind: type_name(file_type),
        });
    }
    match (name.slash_dir, file_type) {
        (true, 0 | S_IFDIR) => Ok(Kind::Dir),
        (true, _) => Err(ambiguous("named as a directory, mode of a regular file")),
        (false, 0 | S_IFREG) if !dos_dir => Ok(Kind::File),
        (false, _) => Err(ambiguous("named as a file, marked as a directory")),
    }
}

fn type_name(file_type: u32) -> &'static str {
    match file_type {
        0o120_000 => "symbolic link",
        0o140_000 => "socket",
        0o060_000 => "block device",
        0o020_000 => "character device",
        0o010_000 => "FIFO",
        _ => "entry of unknown type",
    }
}

/// Refuses entries we cannot read: encrypted, or compressed with anything
/// but stored (0) or deflate (8).
pub(crate) fn check_readable(record: &Record) -> Result<(), UnpackError> {
    if record.flags & 1 != 0 {
        return Err(UnpackError::Encrypted {
            entry: display_name(&record.name),
        });
    }
    if record.method != 0 && record.method != 8 {
        return Err(UnpackError::UnsupportedCompression {
            entry: display_name(&record.name),
            method: record.method,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(name: &str) -> UnpackError {
        check_name(name.as_bytes()).expect_err("should be refused")
    }

    #[test]
    fn accepts_ordinary_paths_and_directory_names() {
        let file = check_name(b"src/Model/Thing.php").expect("ok");
        assert_eq!(file.path, "src/Model/Thing.php");
        assert!(!file.slash_dir);
        let dir = check_name(b"src/Model/").expect("ok");
        assert_eq!(dir.path, "src/Model");
        assert!(dir.slash_dir);
    }

    #[test]
    fn refuses_each_kind_of_unsafe_name() {
        assert!(matches!(
            refusal("/etc/passwd"),
            UnpackError::AbsolutePath { .. }
        ));
        assert!(matches!(
            refusal("a/../../x"),
            UnpackError::ParentDirSegment { .. }
        ));
        assert!(matches!(
            refusal(".."),
            UnpackError::ParentDirSegment { .. }
        ));
        assert!(matches!(refusal("a\\b"), UnpackError::Backslash { .. }));
        assert!(matches!(refusal("C:/x"), UnpackError::DriveLetter { .. }));
        assert!(matches!(refusal("a//b"), UnpackError::OddSegment { .. }));
        assert!(matches!(refusal("./a"), UnpackError::OddSegment { .. }));
        assert!(matches!(refusal(""), UnpackError::OddSegment { .. }));
        assert!(matches!(
            refusal("a\nb"),
            UnpackError::ControlCharInName { .. }
        ));
        assert!(matches!(refusal("a\0b"), UnpackError::NulInName { .. }));
        let long = "a/".repeat(600);
        assert!(matches!(refusal(&long), UnpackError::NameTooLong { .. }));
        let bad = check_name(b"caf\xe9.php").expect_err("latin-1");
        assert!(matches!(bad, UnpackError::NonUtf8Name { .. }));
    }

    #[test]
    fn names_in_messages_cannot_break_the_line() {
        let err = refusal("x\n[ok] approved");
        assert!(!err.to_string().contains('\n'), "{err}");
    }

    fn record(attrs: u32) -> Record {
        Record {
            offset: 0,
            flags: 0,
            method: 8,
            external_attrs: attrs,
            name: b"x".to_vec(),
        }
    }

    #[test]
    fn reads_the_entry_type_from_the_unix_mode() {
        let file = check_name(b"x").expect("ok");
        let dir = check_name(b"x/").expect("ok");
        assert_eq!(
            kind(&record(0o100_755 << 16), &file).expect("ok"),
            Kind::File
        );
        assert_eq!(kind(&record(0), &file).expect("ok"), Kind::File);
        assert_eq!(kind(&record(0o040_755 << 16), &dir).expect("ok"), Kind::Dir);
        assert_eq!(kind(&record(0x10), &dir).expect("ok"), Kind::Dir);
        for (attrs, name) in [
            (0x10, &file),
            (0o040_755 << 16, &file),
            (0o100_644 << 16, &dir),
        ] {
            let err = kind(&record(attrs), name).expect_err("ambiguous");
            assert!(matches!(err, UnpackError::AmbiguousType { .. }), "{err}");
        }
        for mode in [0o120_777, 0o140_644, 0o010_644, 0o020_644, 0o060_644] {
            let err = kind(&record(mode << 16), &file).expect_err("special");
            assert!(matches!(err, UnpackError::NotRegularFile { .. }));
        }
    }
}
