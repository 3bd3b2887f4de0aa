//! Upstream credentials, read the way Composer users already keep them:
//! `auth.json` files (`http-basic` and `bearer`) and the `COMPOSER_AUTH`
//! environment variable holding the same JSON.
//!
//! Credentials are keyed by origin, host plus `:port` when the port is not
//! the scheme's default, as Composer's `Url::getOrigin` does. That key is what
//! keeps a credential from following a redirect to another host: the HTTP
//! layer asks this store afresh for every hop. Values sit in [`Secret`]s and
//! this module's errors and `Debug` output name hosts only.

use crate::error::FetchError;
use crate::secret::Secret;
use base64::Engine;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use url::Url;

/// One origin's credential.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// `http-basic.<host>`: `Authorization: Basic`.
    Basic {
        /// The username (for repo.magento.com, the public key).
        username: Secret,
        /// The password (for repo.magento.com, the private key).
        password: Secret,
    },
    /// `bearer.<host>`: `Authorization: Bearer <token>`.
    Bearer(Secret),
}

impl Credential {
    /// The `Authorization` header value this credential sends.
    pub fn header_value(&self) -> Secret {
        match self {
            Credential::Basic { username, password } => {
                let pair = format!("{}:{}", username.expose(), password.expose());
                let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
                Secret::new(format!("Basic {encoded}"))
            }
            Credential::Bearer(token) => Secret::new(format!("Bearer {}", token.expose())),
        }
    }

    /// `http-basic` or `bearer`, for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::Basic { .. } => "http-basic",
            Credential::Bearer(_) => "bearer",
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credential({}, ***)", self.kind())
    }
}

/// Credentials by origin (`host` or `host:port`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AuthStore {
    by_origin: BTreeMap<String, Credential>,
}

impl fmt::Debug for AuthStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kinds = self.by_origin.iter().map(|(origin, c)| (origin, c.kind()));
        f.debug_map().entries(kinds).finish()
    }
}

impl AuthStore {
    /// Reads the given `auth.json` files in order (a later file overrides an
    /// earlier one for the same host; pass `COMPOSER_HOME`'s first, then the
    /// project's), then `COMPOSER_AUTH`, which overrides both. Missing files
    /// are skipped; unreadable or malformed ones are errors.
    pub fn from_env_and_files(paths: &[PathBuf]) -> Result<AuthStore, FetchError> {
        let env = match std::env::var("COMPOSER_AUTH") {
            Ok(value) => Some(value),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(bad_auth("COMPOSER_AUTH", "it is not valid UTF-8"));
            }
        };
        Self::from_files_and_env_value(paths, env.as_deref())
    }

    /// [`AuthStore::from_env_and_files`] with the `COMPOSER_AUTH` value given
    /// rather than read, so callers and tests need not touch the process
    /// environment.
    pub fn from_files_and_env_value(
        paths: &[PathBuf],
        composer_auth: Option<&str>,
    ) -> Result<AuthStore, FetchError> {
        let mut store = AuthStore::default();
        for path in paths {
            let text = match std::fs::read_to_string(path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    tracing::debug!(path = %path.display(), "no auth.json here, skipping");
                    continue;
                }
                Err(source) => {
                    return Err(FetchError::Io {
                        path: path.clone(),
                        source,
                    })
                }
            };
            store.merge(parse(&text, &path.display().to_string())?);
        }
        // Composer treats an empty COMPOSER_AUTH as unset.
        if let Some(json) = composer_auth.filter(|s| !s.trim().is_empty()) {
            store.merge(parse(json, "COMPOSER_AUTH")?);
        }
        Ok(store)
    }

    /// Reads one `auth.json`-shaped document.
    pub fn from_json(s: &str) -> Result<AuthStore, FetchError> {
        parse(s, "auth JSON")
    }

    /// Sets the credential for an origin (`host` or `host:port`).
    pub fn insert(&mut self, origin: &str, credential: Credential) {
        self.by_origin
            .insert(origin.to_ascii_lowercase(), credential);
    }

    /// Takes every entry of `other`, which wins where both have a host.
    pub fn merge(&mut self, other: AuthStore) {
        self.by_origin.extend(other.by_origin);
    }

    /// The origins that have credentials.
    pub fn origins(&self) -> impl Iterator<Item = &str> {
        self.by_origin.keys().map(String::as_str)
    }

    /// The credential for the URL's origin, if any.
    pub fn for_url(&self, url: &Url) -> Option<&Credential> {
        let origin = origin_of(url);
        let found = self.by_origin.get(&origin);
        if let Some(credential) = found {
            tracing::debug!(origin, kind = credential.kind(), "credential matched");
        }
        found
    }
}

/// The key Composer files credentials under: host, plus `:port` when the
/// URL names a port that is not the scheme's default.
pub fn origin_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

fn parse(text: &str, origin: &str) -> Result<AuthStore, FetchError> {
    // serde_json's own message can quote a value, and the value may be a
    // password, so we report only where the JSON broke.
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        let reason = format!(
            "not valid JSON (line {}, column {}); it must hold the same JSON as auth.json",
            e.line(),
            e.column()
        );
        bad_auth(origin, &reason)
    })?;
    let Value::Object(top) = doc else {
        return Err(bad_auth(origin, "the top level must be a JSON object"));
    };
    let mut store = AuthStore::default();
    if let Some(section) = top.get("http-basic") {
        read_http_basic(section, origin, &mut store)?;
    }
    // Composer applies bearer after http-basic, so bearer wins for a host
    // that has both.
    if let Some(section) = top.get("bearer") {
        read_bearer(section, origin, &mut store)?;
    }
    for key in top.keys().filter(|k| *k != "http-basic" && *k != "bearer") {
        tracing::debug!(
            origin,
            key = key.as_str(),
            "ignoring auth section formulary does not use"
        );
    }
    Ok(store)
}

fn read_http_basic(section: &Value, origin: &str, store: &mut AuthStore) -> Result<(), FetchError> {
    for (host, entry) in section_entries(section, origin, "http-basic")? {
        let field = |name: &str| entry.get(name).and_then(Value::as_str).map(Secret::new);
        let (Some(username), Some(password)) = (field("username"), field("password")) else {
            let reason =
                format!("http-basic entry for {host:?} needs a username and a password string");
            return Err(bad_auth(origin, &reason));
        };
        store.insert(host, Credential::Basic { username, password });
    }
    Ok(())
}

fn read_bearer(section: &Value, origin: &str, store: &mut AuthStore) -> Result<(), FetchError> {
    for (host, entry) in section_entries(section, origin, "bearer")? {
        let Some(token) = entry.as_str() else {
            let reason = format!("bearer entry for {host:?} must be a string token");
            return Err(bad_auth(origin, &reason));
        };
        store.insert(host, Credential::Bearer(Secret::new(token)));
    }
    Ok(())
}

/// The host → entry pairs of a section; PHP writes an empty one as `[]`.
fn section_entries<'a>(
    section: &'a Value,
    origin: &str,
    name: &str,
) -> Result<Vec<(&'a String, &'a Value)>, FetchError> {
    match section {
        Value::Object(map) => Ok(map.iter().collect()),
        Value::Array(list) if list.is_empty() => Ok(Vec::new()),
        _ => Err(bad_auth(
            origin,
            &format!("{name} must be an object keyed by host"),
        )),
    }
}

fn bad_auth(origin: &str, reason: &str) -> FetchError {
    FetchError::BadAuth {
        origin: origin.to_string(),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    const AUTH_JSON: &str = r#"{
        "http-basic": {"repo.magento.com": {"username": "pubkey", "password": "privkey"}},
        "bearer": {"127.0.0.1:8080": "tok-123"},
        "github-oauth": {"github.com": "ghp_x"}
    }"#;

    #[test]
    fn credentials_match_by_host_and_non_default_port() {
        let store = AuthStore::from_json(AUTH_JSON).unwrap();
        let magento = store.for_url(&url("https://repo.magento.com/packages.json"));
        assert_eq!(magento.map(Credential::kind), Some("http-basic"));
        assert!(store
            .for_url(&url("https://repo.magento.com:443/x"))
            .is_some());
        assert!(store
            .for_url(&url("http://127.0.0.1:8080/p2/a/b.json"))
            .is_some());
        assert!(store
            .for_url(&url("http://127.0.0.1:8081/p2/a/b.json"))
            .is_none());
        assert!(store.for_url(&url("https://evil.example/")).is_none());
    }

    #[test]
    fn header_values_follow_basic_and_bearer() {
        let store = AuthStore::from_json(AUTH_JSON).unwrap();
        let basic = store.for_url(&url("https://repo.magento.com/")).unwrap();
        assert_eq!(basic.header_value().expose(), "Basic cHVia2V5OnByaXZrZXk=");
        let bearer = store.for_url(&url("http://127.0.0.1:8080/")).unwrap();
        assert_eq!(bearer.header_value().expose(), "Bearer tok-123");
    }

    #[test]
    fn debug_output_names_hosts_but_no_secret() {
        let store = AuthStore::from_json(AUTH_JSON).unwrap();
        let shown = format!("{store:?}");
        assert!(shown.contains("repo.magento.com"), "{shown}");
        for secret in ["pubkey", "privkey", "tok-123"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn composer_auth_overrides_files_and_later_files_override_earlier() {
        let dir = tempfile::tempdir().unwrap();
        let global = dir.path().join("global.json");
        let project = dir.path().join("project.json");
        std::fs::write(
            &global,
            r#"{"bearer": {"a.example": "g", "b.example": "g"}}"#,
        )
        .unwrap();
        std::fs::write(&project, r#"{"bearer": {"a.example": "p"}}"#).unwrap();
        let env = r#"{"bearer": {"b.example": "e"}}"#;
        let missing = dir.path().join("missing.json");
        let store =
            AuthStore::from_files_and_env_value(&[global, project, missing], Some(env)).unwrap();
        let token = |host: &str| store.for_url(&url(host)).map(|c| c.header_value());
        assert_eq!(token("https://a.example/").unwrap().expose(), "Bearer p");
        assert_eq!(token("https://b.example/").unwrap().expose(), "Bearer e");
    }

    #[test]
    fn bearer_wins_over_http_basic_for_the_same_host() {
        let json = r#"{"http-basic": {"h": {"username": "u", "password": "p"}},
                       "bearer": {"h": "t"}}"#;
        let store = AuthStore::from_json(json).unwrap();
        assert_eq!(
            store.for_url(&url("https://h/")).map(Credential::kind),
            Some("bearer")
        );
    }

    #[test]
    fn malformed_composer_auth_is_a_clear_error_without_the_value() {
        let err = AuthStore::from_files_and_env_value(&[], Some(r#"{"bearer": {"h": "s3cret"#))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("cannot read credentials from COMPOSER_AUTH: not valid JSON"),
            "{err}"
        );
        assert!(!err.contains("s3cret"), "{err}");
    }

    #[test]
    fn a_wrongly_typed_entry_names_the_host_not_the_value() {
        let err = AuthStore::from_json(r#"{"http-basic": {"h.example": {"username": "s3cret"}}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("h.example") && !err.contains("s3cret"),
            "{err}"
        );
        let err = AuthStore::from_json(r#"{"bearer": {"h.example": 42}}"#).unwrap_err();
        assert!(err.to_string().contains("h.example"));
    }

    #[test]
    fn empty_php_sections_and_empty_composer_auth_are_fine() {
        let store = AuthStore::from_json(r#"{"http-basic": [], "bearer": {}}"#).unwrap();
        assert_eq!(store.origins().count(), 0);
        assert!(AuthStore::from_files_and_env_value(&[], Some("  ")).is_ok());
    }
}
