//! `malware-php-in-media`: PHP where no PHP should be.
//!
//! Three cases, one rule: a PHP open tag inside a media or style file
//! (critical: a disguised web shell), PHP files under `view/*/web/`
//! (high: published to `pub/static`), and server configuration shipped
//! in the package (high; critical when it makes other files run as PHP
//! or prepends a file to every request; low when it only denies access).

use super::{finding_at, RULE_PHP_IN_MEDIA};
use crate::file::SourceFile;
use crate::finding::{Finding, Severity};

/// Extensions of files that are served as they are and never run as PHP.
const MEDIA: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "ico", "svg", "css", "less", "scss", "bmp", "webp", "tif", "tiff",
    "avif",
];

/// Extensions PHP runs.
const PHP: &[&str] = &[
    "php", "phtml", "php3", "php4", "php5", "php7", "phar", "inc", "pht",
];

/// Server configuration file names.
const SERVER_CONFIG: &[&str] = &[".htaccess", ".user.ini"];

/// Directives that make files run as PHP or run code on every request.
const DANGEROUS: &[&str] = &[
    "addhandler",
    "addtype",
    "sethandler",
    "forcetype",
    "auto_prepend_file",
    "auto_append_file",
    "php_value",
    "php_flag",
];

/// Reports PHP in media, PHP under web roots, and server configuration.
pub fn check(file: &SourceFile) -> Option<Finding> {
    let lower = file.path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    if SERVER_CONFIG.contains(&name) {
        return Some(server_config(file, name));
    }
    if MEDIA.contains(&ext) {
        return php_tag(&file.bytes).map(|at| {
            let message = format!("PHP code inside a .{ext} file: a disguised web shell");
            let snippet = "<?php".to_string();
            finding_at(
                RULE_PHP_IN_MEDIA,
                file,
                at,
                message,
                snippet,
                "php tag in media",
            )
        });
    }
    let in_web = lower.starts_with("view/") && lower.contains("/web/")
        || lower.contains("/view/") && lower.contains("/web/");
    let runs_php = PHP.contains(&ext) || file.bytes.starts_with(b"<?php");
    (in_web && runs_php).then(|| {
        let message =
            "PHP file under view/*/web/, which Magento publishes to pub/static".to_string();
        finding_at(
            RULE_PHP_IN_MEDIA,
            file,
            0,
            message,
            name.to_string(),
            "php under web",
        )
        .with_severity(Severity::High)
    })
}

fn server_config(file: &SourceFile, name: &str) -> Finding {
    let text = String::from_utf8_lossy(&file.bytes).to_ascii_lowercase();
    let directive = text
        .lines()
        .map(|l| l.trim_start())
        .filter(|l| !l.starts_with('#') && !l.starts_with(';'))
        .find_map(|l| {
            DANGEROUS
                .iter()
                .find(|d| l.starts_with(*d) || l.contains(&format!("{d} =")))
        });
    let deny_only = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .all(|l| {
            [
                "deny",
                "order",
                "require all denied",
                "<",
                "options -indexes",
            ]
            .iter()
            .any(|d| l.starts_with(d))
        });
    let (severity, why) = match directive {
        Some(d) => (Severity::Critical, format!("; it sets `{d}`")),
        None if deny_only && name == ".htaccess" => {
            (Severity::Low, "; it only denies access".into())
        }
        None => (Severity::High, String::new()),
    };
    let message = format!("The package ships {name}, which changes how the server runs PHP{why}");
    finding_at(RULE_PHP_IN_MEDIA, file, 0, message, name.to_string(), name).with_severity(severity)
}

/// The offset of a PHP open tag: `<?php`, or `<?=` followed by code and
/// a closing `?>` (three bytes alone turn up by chance in binary data).
fn php_tag(bytes: &[u8]) -> Option<usize> {
    let lower: Vec<u8> = bytes.iter().map(u8::to_ascii_lowercase).collect();
    if let Some(at) = find(&lower, b"<?php") {
        return Some(at);
    }
    let mut from = 0;
    while let Some(i) = find(&lower[from..], b"<?=") {
        let at = from + i;
        let after = &lower[at + 3..lower.len().min(at + 500)];
        let code = after.iter().find(|b| !b.is_ascii_whitespace());
        if code.is_some_and(|b| *b == b'$' || b.is_ascii_alphabetic())
            && find(after, b"?>").is_some()
        {
            return Some(at);
        }
        from = at + 3;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
