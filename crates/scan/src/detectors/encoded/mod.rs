//! The encoded family: files a reviewer cannot read, and PHP where no PHP
//! should be. It looks at every file, text or binary.
//!
//! - `malware-encoded-file`: PHP encoded with ionCube, SourceGuardian,
//!   Zend Guard or phpSHIELD. Paid extensions ship such files honestly,
//!   but nobody can review them, and the FishPig backdoor of 2022 rode in
//!   exactly there; so each needs an allowlist entry, not a glance.
//! - `malware-encoded-blob`: very long base64 or hex literals in source,
//!   where payloads hide (images and fonts inlined as `data:` URIs are
//!   not counted).
//! - `malware-php-in-media`: a PHP tag inside an image, icon, SVG or
//!   stylesheet (the classic disguised web shell), PHP under
//!   `view/*/web/` (served from `pub/static`), and shipped `.htaccess`,
//!   `.user.ini` files that change how the server runs PHP.

mod blob;
mod loaders;
mod media;

#[cfg(test)]
mod tests;

use crate::context;
use crate::detector::{Detector, Extension, Sink};
use crate::file::SourceFile;
use crate::finding::{Confidence, Finding, Location, Severity};
use crate::rules::{Family, RuleInfo};

/// The encoded detector.
#[derive(Debug, Default)]
pub struct EncodedDetector;

impl Detector for EncodedDetector {
    fn name(&self) -> &'static str {
        "encoded"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    fn check(&self, file: &SourceFile, _ext: &dyn Extension, out: &mut Sink) {
        let mut findings = Vec::new();
        findings.extend(loaders::check(file));
        // An encoded file is one finding; its payload is not another.
        if findings.is_empty() {
            findings.extend(blob::check(file));
        }
        findings.extend(media::check(file));
        for finding in findings {
            out.finding(context::adjust(finding, &file.path));
        }
    }
}

/// A finding at byte `offset` of `file`.
fn finding_at(
    rule: &RuleInfo,
    file: &SourceFile,
    offset: usize,
    message: String,
    snippet: String,
    evidence: &str,
) -> Finding {
    let text = String::from_utf8_lossy(&file.bytes[..offset.min(file.bytes.len())]);
    let at = Location::at_offset(&file.path, &text, text.len());
    Finding::new(rule, at, message, snippet, evidence)
}

const RULE_ENCODED_FILE: &RuleInfo = &RULES[0];
const RULE_ENCODED_BLOB: &RuleInfo = &RULES[1];
const RULE_PHP_IN_MEDIA: &RuleInfo = &RULES[2];

/// Every rule the encoded detector reports.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        code: "malware-encoded-file",
        family: Family::Malware,
        severity: Severity::High,
        confidence: Confidence::High,
        cwe: None,
        summary: "A PHP file is encoded (ionCube, SourceGuardian, Zend Guard, phpSHIELD) and \
                  cannot be reviewed",
        help: "Nobody can read what an encoded file does, and injected backdoors have shipped \
               inside vendors' encoded licence code. Approve only with an allowlist entry for \
               this exact file hash, and diff it against the last approved version.",
    },
    RuleInfo {
        code: "malware-encoded-blob",
        family: Family::Malware,
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        cwe: None,
        summary: "A very long base64 or hex literal (1,000 characters or more) in source code",
        help: "Long encoded literals are how payloads travel inside PHP and JavaScript. \
               Decode it and look: an inlined image or font is fine, code is not.",
    },
    RuleInfo {
        code: "malware-php-in-media",
        family: Family::Malware,
        severity: Severity::Critical,
        confidence: Confidence::High,
        cwe: Some(434),
        summary: "PHP inside an image, icon, SVG or stylesheet; PHP under view/*/web/; or a \
                  shipped .htaccess or .user.ini",
        help: "A PHP tag in a media file is a disguised web shell waiting for an include or a \
               permissive handler; files under view/*/web/ are published to pub/static; \
               server configuration in a package can make uploads executable. None of this \
               belongs in an extension.",
    },
];
