//! A file as detectors see it: its path in the extension, its kind, and
//! its text.

/// What sort of file this is, by name (and for PHP, by content).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// `.php`, `.inc`, or a file that opens with `<?php`.
    Php,
    /// `.phtml` templates.
    Phtml,
    /// `.js`, `.mjs`.
    Js,
    /// `.xml`, `.xsd`.
    Xml,
    /// `.graphqls`.
    Graphql,
    /// `.json` (composer.json included).
    Json,
    /// `.html`, `.htm`.
    Html,
    /// Anything else that is text.
    OtherText,
    /// Images, fonts, archives, binaries: only path rules apply.
    Binary,
}

impl FileKind {
    /// The kind of `path` with content `bytes`.
    pub fn of(path: &str, bytes: &[u8]) -> FileKind {
        let lower = path.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
        match ext {
            "php" | "inc" | "php3" | "php4" | "php5" | "php7" | "phps" => FileKind::Php,
            "phtml" => FileKind::Phtml,
            "js" | "mjs" | "cjs" => FileKind::Js,
            "xml" | "xsd" => FileKind::Xml,
            "graphqls" | "graphql" => FileKind::Graphql,
            "json" => FileKind::Json,
            "html" | "htm" => FileKind::Html,
            _ if looks_binary(bytes) => FileKind::Binary,
            _ if bytes.starts_with(b"<?php") => FileKind::Php,
            _ => FileKind::OtherText,
        }
    }
}

/// A NUL in the first 8 KiB marks a binary file, as git and grep decide.
fn looks_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(8192).any(|&b| b == 0)
}

/// One file of the extension, read into memory.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path inside the extension, `/`-separated, no leading `/`.
    pub path: String,
    /// The kind, from the name and content.
    pub kind: FileKind,
    /// The raw bytes.
    pub bytes: Vec<u8>,
}

impl SourceFile {
    /// Wraps a file's path and bytes.
    pub fn new(path: impl Into<String>, bytes: Vec<u8>) -> SourceFile {
        let path = path.into();
        let kind = FileKind::of(&path, &bytes);
        SourceFile { path, kind, bytes }
    }

    /// The content as text (invalid UTF-8 replaced), for text detectors.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        // `from_utf8` validates valid text much faster than the lossy
        // decoder, and gives the same borrowed text.
        match std::str::from_utf8(&self.bytes) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(&self.bytes),
        }
    }
}
