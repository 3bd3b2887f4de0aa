//! Keeping credentials out of everything we print: the [`Secret`] wrapper,
//! and URLs shown without their user-info.
//!
//! A token that reaches a log line or an error message ends up in CI output
//! and tickets, so the type itself refuses to print, and every URL that goes
//! into a message passes through [`redact_url`] first.

use std::fmt;

/// A credential (password or token). `Debug` and `Display` print `***`;
/// only [`Secret::expose`] gives the value, at the one place that sends it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for building the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The URL with any `user:password@` removed, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let authority_start = scheme_end + 3;
    let rest = &url[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_len].rfind('@') {
        Some(at) => format!("{}{}", &url[..authority_start], &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints_its_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret} {secret:?}"), "*** ***");
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn user_info_is_removed_from_urls() {
        let url = "https://pub:priv@repo.magento.com/packages.json";
        assert_eq!(redact_url(url), "https://repo.magento.com/packages.json");
        assert_eq!(redact_url("https://r.example/a@b"), "https://r.example/a@b");
        assert_eq!(redact_url("/local/path"), "/local/path");
    }
}
