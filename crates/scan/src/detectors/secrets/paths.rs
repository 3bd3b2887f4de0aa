//! Rules about files that should never ship in an extension at all:
//! a store's environment file and Composer's `auth.json`.
//!
//! Their presence is the finding, whatever the pattern rules find inside
//! (they still run on these files: the database password in a shipped
//! `env.php` is reported by the generic rule too).

use std::ops::Range;

use serde_json::Value;

use super::catalogue::RULES;
use super::engine::Hit;
use super::filters::{self, Checks};
use crate::finding::{Finding, Location};
use crate::rules::RuleInfo;

/// Suffixes of `.env.*` files that are templates meant to be copied, not
/// a live environment; the pattern rules still look inside them.
const ENV_TEMPLATES: &[&str] = &[
    "example", "dist", "sample", "template", "tpl", "default", "defaults", "test", "testing", "ci",
];

/// Sections of `auth.json` that hold credentials, per Composer's docs.
const AUTH_SECTIONS: &[&str] = &[
    "http-basic",
    "github-oauth",
    "gitlab-oauth",
    "gitlab-token",
    "bitbucket-oauth",
    "bearer",
    "forgejo-token",
];

/// Fields inside an `auth.json` entry that name an account, not a secret.
const AUTH_IDENTIFIERS: &[&str] = &["username", "consumer-key"];

/// The catalogue row of `code` (a test checks both path codes are listed).
fn rule(code: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.code == code)
}

/// A finding when `path` is a store's environment file: `app/etc/env.php`
/// or a `.env` that is not a template.
pub(super) fn env_file(path: &str) -> Option<Finding> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let shipped = if name == "env.php" {
        path == "app/etc/env.php" || path.ends_with("/app/etc/env.php")
    } else if name == ".env" {
        true
    } else if let Some(suffix) = name.strip_prefix(".env.") {
        !ENV_TEMPLATES.contains(&suffix.to_ascii_lowercase().as_str())
    } else {
        false
    };
    if !shipped {
        return None;
    }
    let info = rule("secret-env-php-shipped")?;
    let message = format!("{name} is shipped in the package; it holds a store's credentials");
    Some(Finding::new(
        info,
        Location::file(path),
        message,
        path,
        path,
    ))
}

/// The credentials of a shipped `auth.json`, as hits (so that a secret a
/// pattern rule also found is reported once). `priority` ranks them after
/// the pattern rules.
pub(super) fn auth_json(path: &str, text: &str, priority: usize) -> Vec<Hit> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if !name.eq_ignore_ascii_case("auth.json") {
        return Vec::new();
    }
    let Ok(Value::Object(root)) = serde_json::from_str::<Value>(text) else {
        tracing::debug!(
            path,
            "secrets: auth.json is not a JSON object; pattern rules only"
        );
        return Vec::new();
    };
    let Some(info) = rule("secret-auth-json-shipped") else {
        return Vec::new();
    };
    let mut hits = Vec::new();
    let mut from = 0;
    for secret in credentials(&root) {
        if filters::is_placeholder(secret, Checks::Full) {
            continue;
        }
        let span = locate(text, secret, from).or_else(|| locate(text, secret, 0));
        let Some(span) = span else {
            tracing::debug!(
                path,
                "secrets: an auth.json credential is written with escapes"
            );
            continue;
        };
        from = span.end;
        hits.push(Hit {
            rule: info,
            span,
            priority,
        });
    }
    hits
}

/// Every credential value under the sections Composer reads.
fn credentials(root: &serde_json::Map<String, Value>) -> Vec<&str> {
    let mut found = Vec::new();
    for section in AUTH_SECTIONS {
        let Some(Value::Object(hosts)) = root.get(*section) else {
            continue;
        };
        for entry in hosts.values() {
            match entry {
                Value::String(token) => found.push(token.as_str()),
                Value::Object(fields) => {
                    let secrets = fields
                        .iter()
                        .filter(|(k, _)| !AUTH_IDENTIFIERS.contains(&k.as_str()));
                    found.extend(secrets.filter_map(|(_, v)| v.as_str()));
                }
                _ => {}
            }
        }
    }
    found
}

/// Where `"secret"` is written in the file, at or after `from`.
fn locate(text: &str, secret: &str, from: usize) -> Option<Range<usize>> {
    let quoted = format!("\"{secret}\"");
    let at = text.get(from..)?.find(&quoted)? + from + 1;
    Some(at..at + secret.len())
}
