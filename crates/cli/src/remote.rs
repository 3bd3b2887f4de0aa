//! The client side of `--server URL`: the JSON API of a running
//! `formulary serve`, one method per route.
//!
//! sled lets one process hold a data folder, so while a server runs, the
//! other commands reach the registry through it. Each method here mirrors
//! the `Registry` method the server calls and returns the same types, so a
//! command computes its value from either source and prints it one way.
//!
//! The token is sent as http-basic when it reads `NAME:SECRET` (the form
//! Composer's `auth.json` uses) and as a bearer token otherwise. It never
//! appears in `Debug` output, a log line or an error message.

use formulary_diff::Delta;
use std::fmt;
use std::io::Read as _;
use std::str::FromStr;
use std::time::Duration;

use formulary_registry::{
    Bundle, ConsistencyProof, DecisionRequest, InclusionProof, IngestReport, ReviewView, Scope,
    TokenView,
};
use formulary_store::{KeyRecord, VersionRecord};
use formulary_trust::envelope::Envelope;
use formulary_trust::statement::{Role, Statement};
use formulary_trust::PublicKey;
use reqwest::blocking::{RequestBuilder, Response};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The largest answer we read: a bundle of a few hundred thousand
/// statements, like `verify --bundle`'s limit.
const MAX_BUNDLE_BYTES: u64 = 1 << 30;

/// The largest answer to any other call; a review view with every finding
/// of a large extension stays far below it.
const MAX_ANSWER_BYTES: u64 = 64 << 20;

/// How much of an error answer we read, to find its `{"error"}` line.
const MAX_ERROR_BYTES: u64 = 64 << 10;

/// An access token from `--token` / `FORMULARY_TOKEN`.
#[derive(Clone)]
pub struct Token {
    /// The token's name when given as `NAME:SECRET` (http-basic user).
    name: Option<String>,
    secret: String,
}

impl Token {
    /// How error messages name this token: by name, never by secret.
    fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("token {name:?}"),
            None => "the bearer token".to_string(),
        }
    }
}

impl FromStr for Token {
    type Err = String;

    /// `NAME:SECRET`, or a bare `SECRET`. Secrets are base64url, which has
    /// no `:`, so the first colon always ends the name. An empty text (an
    /// empty `FORMULARY_TOKEN`) is no token at all.
    fn from_str(text: &str) -> Result<Token, String> {
        let text = text.trim();
        let (name, secret) = match text.split_once(':') {
            Some((name, secret)) => (Some(name.to_string()), secret),
            None => (None, text),
        };
        if text.is_empty() {
            return Ok(Token {
                name: None,
                secret: String::new(),
            });
        }
        if secret.is_empty() || name.as_deref() == Some("") {
            return Err("a token is NAME:SECRET or SECRET, with neither part empty".into());
        }
        Ok(Token {
            name,
            secret: secret.to_string(),
        })
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("name", &self.name)
            .field("secret", &"…redacted…")
            .finish()
    }
}

/// A failed call: the route, and what went wrong in one line.
#[derive(Debug)]
pub struct RemoteError {
    /// `METHOD /path`.
    route: String,
    /// Why, ready to print after the route.
    message: String,
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.route, self.message)
    }
}

impl std::error::Error for RemoteError {}

/// What `POST /api/v1/statements` answers.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordedReply {
    /// The statement's position in the log.
    pub log_index: u64,
    /// The version's status afterwards, for statements about a version.
    pub version: Option<formulary_registry::ledger::VersionStatus>,
}

/// What `POST /api/v1/tokens` answers: a new token and its only copy of
/// the secret. No `Debug`, so it cannot end up in a log line.
#[derive(Deserialize)]
pub struct MadeToken {
    /// Its name.
    pub name: String,
    /// What it may do.
    pub scope: Scope,
    /// The secret, to print once.
    pub secret: String,
}

/// A running formulary server and the token to show it.
pub struct Client {
    base: Url,
    token: Option<Token>,
    http: reqwest::blocking::Client,
}

/// One call about to be made: how errors name it and what it needs.
struct Route {
    method: Method,
    url: Url,
    scope: Scope,
}

impl Route {
    /// Adds `name=value` to the query.
    fn query(mut self, name: &str, value: impl ToString) -> Route {
        self.url
            .query_pairs_mut()
            .append_pair(name, &value.to_string());
        self
    }

    /// An error naming this route.
    fn error(&self, message: String) -> RemoteError {
        RemoteError {
            route: format!("{} {}", self.method, self.url.path()),
            message,
        }
    }
}

impl Client {
    /// A client for the server at `server` (`http://` or `https://`).
    pub fn new(server: &str, token: Option<Token>) -> anyhow::Result<Client> {
        let base = parse_base(server)?;
        let token = token.filter(|t| !t.secret.is_empty());
        if token.is_some() && is_cleartext_to_another_host(&base) {
            tracing::warn!(
                server = %base,
                "the token goes over plain http to another host; use https"
            );
        }
        let http = reqwest::blocking::Client::builder()
            .user_agent(concat!("formulary/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(300))
            .build()?;
        Ok(Client { base, token, http })
    }

    /// `review list`: every version, or those in `state`.
    pub fn versions(&self, state: Option<&str>) -> anyhow::Result<Vec<VersionRecord>> {
        let mut route = self.route(Method::GET, &["versions"], Scope::Read);
        if let Some(s) = state {
            route = route.query("state", s);
        }
        self.json(&route, self.request(&route), MAX_ANSWER_BYTES)
    }

    /// `review show`: one version as a reviewer needs it.
    pub fn review_view(&self, package: &str, version: &str) -> anyhow::Result<ReviewView> {
        // A valid name is exactly `vendor/project`: two path segments.
        let name = formulary_composer::PackageName::parse(package)?;
        let (vendor, project) = name.as_str().split_once('/').unwrap_or_default();
        let path = ["versions", vendor, project, version];
        let route = self.route(Method::GET, &path, Scope::Read);
        self.json(&route, self.request(&route), MAX_ANSWER_BYTES)
    }

    /// `diff NAME@OLD NAME@NEW`: the delta between two stored versions.
    pub fn delta(&self, package: &str, old: &str, new: &str) -> anyhow::Result<Delta> {
        let name = formulary_composer::PackageName::parse(package)?;
        let (vendor, project) = name.as_str().split_once('/').unwrap_or_default();
        let path = ["diff", vendor, project, old, new];
        let route = self.route(Method::GET, &path, Scope::Read);
        self.json(&route, self.request(&route), MAX_ANSWER_BYTES)
    }

    /// The unsigned decision statement the server builds for `request`.
    pub fn decision_template(
        &self,
        request: &DecisionRequest,
        signer: &str,
    ) -> anyhow::Result<Statement> {
        let route = self.route(Method::POST, &["decisions", "template"], Scope::Review);
        let body = serde_json::json!({
            "package": request.package,
            "version": request.version,
            "verdict": request.verdict,
            "base_version": request.base_version,
            "note": request.note,
            "signer": signer,
        });
        let request = self.request(&route).json(&body);
        self.json(&route, request, MAX_ANSWER_BYTES)
    }

    /// Records a decision signed here.
    pub fn record(&self, envelope: &Envelope) -> anyhow::Result<RecordedReply> {
        let route = self.route(Method::POST, &["statements"], Scope::Review);
        let request = self.request(&route).json(envelope);
        self.json(&route, request, MAX_ANSWER_BYTES)
    }

    /// Ingests archive bytes made here.
    pub fn ingest_archive(&self, bytes: Vec<u8>) -> anyhow::Result<IngestReport> {
        let route = self.route(Method::POST, &["ingest"], Scope::Intake);
        let request = self
            .request(&route)
            .header(reqwest::header::CONTENT_TYPE, "application/zip")
            .body(bytes);
        self.json(&route, request, MAX_ANSWER_BYTES)
    }

    /// Has the server fetch and ingest a git or Composer source itself.
    pub fn ingest_source(&self, source: &str) -> anyhow::Result<IngestReport> {
        let route = self.route(Method::POST, &["ingest"], Scope::Intake);
        let request = self
            .request(&route)
            .json(&serde_json::json!({ "source": source }));
        self.json(&route, request, MAX_ANSWER_BYTES)
    }

    /// `key list`.
    pub fn keys(&self) -> anyhow::Result<Vec<KeyRecord>> {
        let route = self.route(Method::GET, &["keys"], Scope::Read);
        self.json(&route, self.request(&route), MAX_ANSWER_BYTES)
    }

    /// `key trust`: the registry key signs the key-trust statement.
    pub fn trust_key(&self, key: &PublicKey, name: &str, role: Role) -> anyhow::Result<KeyRecord> {
        let route = self.route(Method::POST, &["keys"], Scope::Admin);
        let body = serde_json::json!({
            "public_key": key.to_base64(),
            "name": name,
            "role": role,
        });
        let request = self.request(&route).json(&body);
        self.json(&route, request, MAX_ANSWER_BYTES)
    }

    /// `key revoke`: `id` is a key id or its first 8+ characters.
    pub fn revoke_key(&self, id: &str, reason: Option<&str>) -> anyhow::Result<KeyRecord> {
        let route = self.route(Method::POST, &["keys", id, "revoke"], Scope::Admin);
        let request = self
            .request(&route)
            .json(&serde_json::json!({ "reason": reason }));
        self.json(&route, request, MAX_ANSWER_BYTES)
    }

    /// `token list`: every token, never a hash.
    pub fn tokens(&self) -> anyhow::Result<Vec<TokenView>> {
        let route = self.route(Method::GET, &["tokens"], Scope::Admin);
        self.json(&route, self.request(&route), MAX_ANSWER_BYTES)
    }

    /// `token new`: the server makes the token and sends its secret once.
    pub fn new_token(&self, name: &str, scope: Scope) -> anyhow::Result<MadeToken> {
        let route = self.route(Method::POST, &["tokens"], Scope::Admin);
        let body = serde_json::json!({ "name": name, "scope": scope });
        let request = self.request(&route).json(&body);
        self.json(&route, request, MAX_ANSWER_BYTES)
    }

    /// `token revoke`: the token as it now stands.
    pub fn revoke_token(&self, name: &str) -> anyhow::Result<TokenView> {
        let route = self.route(Method::POST, &["tokens", name, "revoke"], Scope::Admin);
        self.json(&route, self.request(&route), MAX_ANSWER_BYTES)
    }

    /// The evidence bundle of the whole log, with the period from `since`
    /// (RFC 3339).
    pub fn bundle(&self, since: Option<&str>) -> anyhow::Result<Bundle> {
        let mut route = self.route(Method::GET, &["log", "bundle"], Scope::Read);
        if let Some(s) = since {
            route = route.query("since", s);
        }
        self.json(&route, self.request(&route), MAX_BUNDLE_BYTES)
    }

    /// The inclusion proof of statement `index` in a tree of `size`.
    pub fn inclusion_proof(&self, index: u64, size: Option<u64>) -> anyhow::Result<InclusionProof> {
        let index = index.to_string();
        let mut route = self.route(Method::GET, &["log", "proof", &index], Scope::Read);
        if let Some(n) = size {
            route = route.query("size", n);
        }
        self.json(&route, self.request(&route), MAX_ANSWER_BYTES)
    }

    /// The consistency proof from `old` entries to `new` (default: all).
    pub fn consistency_proof(
        &self,
        old: u64,
        new: Option<u64>,
    ) -> anyhow::Result<ConsistencyProof> {
        let mut route = self
            .route(Method::GET, &["log", "consistency"], Scope::Read)
            .query("old", old);
        if let Some(n) = new {
            route = route.query("new", n);
        }
        self.json(&route, self.request(&route), MAX_ANSWER_BYTES)
    }

    /// The route for `/api/v1/<segments>`; each segment is percent-encoded,
    /// so a version or key id can never change the path's shape.
    fn route(&self, method: Method, segments: &[&str], scope: Scope) -> Route {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["api", "v1"]).extend(segments);
        }
        Route { method, url, scope }
    }

    /// The request for `route`, with the credentials attached.
    fn request(&self, route: &Route) -> RequestBuilder {
        let request = self.http.request(route.method.clone(), route.url.clone());
        match &self.token {
            Some(Token {
                name: Some(name),
                secret,
            }) => request.basic_auth(name, Some(secret)),
            Some(Token { name: None, secret }) => request.bearer_auth(secret),
            None => request,
        }
    }

    /// Sends `request` and reads its JSON answer of at most `limit` bytes.
    fn json<T: DeserializeOwned>(
        &self,
        route: &Route,
        request: RequestBuilder,
        limit: u64,
    ) -> anyhow::Result<T> {
        tracing::debug!(method = %route.method, url = %route.url, "calling the server");
        let response = request
            .send()
            .map_err(|e| route.error(format!("cannot reach the server: {}", causes(&e))))?;
        let status = response.status();
        if !status.is_success() {
            let text = error_text(response);
            return Err(self.refused(route, status, &text).into());
        }
        let bytes = read_limited(response, limit).map_err(|e| route.error(e))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            let why = format!("the answer is not what this formulary expects ({e})");
            route.error(why).into()
        })
    }

    /// The error for a non-2xx answer, with advice for 401 and 403.
    fn refused(&self, route: &Route, status: StatusCode, text: &str) -> RemoteError {
        let said = format!("{} ({text})", status_words(status));
        let message = match status {
            StatusCode::UNAUTHORIZED => match &self.token {
                None => format!(
                    "{said}: this needs a token; pass --token NAME:SECRET or set FORMULARY_TOKEN"
                ),
                Some(t) => format!("{said}: check {} (--token / FORMULARY_TOKEN)", t.label()),
            },
            StatusCode::FORBIDDEN => format!(
                "{said}: {} lacks scope {}; an operator makes one with \
                 `formulary token new --name NAME --scope {}`",
                self.token
                    .as_ref()
                    .map_or("anonymous access".into(), Token::label),
                route.scope,
                route.scope
            ),
            _ => format!("{text} ({})", status_words(status)),
        };
        route.error(message)
    }
}

/// Checks `--server`: an http(s) URL without credentials in it.
fn parse_base(server: &str) -> anyhow::Result<Url> {
    let url = Url::parse(server)
        .map_err(|e| anyhow::anyhow!("--server {server:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        anyhow::bail!("--server {server:?} must be an http:// or https:// URL");
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Reported without the URL: it holds a credential.
        anyhow::bail!("--server must not carry credentials; give the token with --token");
    }
    if url.query().is_some() || url.fragment().is_some() {
        anyhow::bail!("--server {server:?} must not have a query or fragment");
    }
    Ok(url)
}

/// Whether a token sent to `url` would cross a network in clear text.
fn is_cleartext_to_another_host(url: &Url) -> bool {
    let host = url.host_str().unwrap_or("");
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost"
        || ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    url.scheme() == "http" && !loopback
}

/// An error and its causes, `outer: inner`, for transport errors whose
/// outer message alone ("error sending request") says little.
fn causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = cause.source();
    }
    text
}

/// `403 Forbidden`.
fn status_words(status: StatusCode) -> String {
    let reason = status.canonical_reason().unwrap_or("");
    format!("HTTP {} {reason}", status.as_u16())
        .trim_end()
        .to_string()
}

/// The server's `{"error"}` line, or the start of whatever it sent.
fn error_text(response: Response) -> String {
    let bytes = read_limited(response, MAX_ERROR_BYTES).unwrap_or_default();
    let from_json = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_string));
    let text = from_json.unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
    if text.trim_start().starts_with('<') {
        return "an HTML page, not a formulary answer: is --server a formulary server?".into();
    }
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None if line.is_empty() => "no reason given".to_string(),
        None => line,
    }
}

/// The body, refused when longer than `limit`.
fn read_limited(response: Response, limit: u64) -> Result<Vec<u8>, String> {
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(format!("the answer is larger than {limit} bytes"));
    }
    let mut bytes = Vec::new();
    response
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("reading the answer failed: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("the answer is larger than {limit} bytes"));
    }
    Ok(bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn client(server: &str, token: Option<&str>) -> Client {
        Client::new(server, token.map(|t| t.parse().unwrap())).unwrap()
    }

    #[test]
    fn a_token_with_a_colon_is_a_name_and_a_secret() {
        let token: Token = "ci:fml_abc".parse().unwrap();
        assert_eq!(token.name.as_deref(), Some("ci"));
        assert_eq!(token.secret, "fml_abc");

        let bare: Token = "fml_abc".parse().unwrap();
        assert_eq!(bare.name, None);
        let unset: Token = "".parse().unwrap();
        assert!(
            unset.secret.is_empty(),
            "an empty FORMULARY_TOKEN is no token"
        );
        assert!("ci:".parse::<Token>().is_err());
        assert!(":fml_abc".parse::<Token>().is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let token: Token = "ci:fml_s3cret".parse().unwrap();
        let shown = format!("{token:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("ci"), "{shown}");
    }

    #[test]
    fn routes_sit_under_api_v1_of_the_base_path_with_segments_encoded() {
        let c = client("https://repo.example/formulary/", None);
        let route = c.route(
            Method::GET,
            &["versions", "acme", "x", "1.0 /../"],
            Scope::Read,
        );
        assert_eq!(
            route.url.as_str(),
            "https://repo.example/formulary/api/v1/versions/acme/x/1.0%20%2F..%2F"
        );
    }

    #[test]
    fn the_token_goes_as_basic_or_bearer() {
        let c = client("http://127.0.0.1:1", Some("ci:fml_x"));
        let route = c.route(Method::GET, &["keys"], Scope::Read);
        let request = c.request(&route).build().unwrap();
        let auth = request.headers()["authorization"].to_str().unwrap();
        assert!(auth.starts_with("Basic "), "{auth}");
        assert!(request.headers()["authorization"].is_sensitive());

        let c = client("http://127.0.0.1:1", Some("fml_x"));
        let request = c.request(&route).build().unwrap();
        assert_eq!(request.headers()["authorization"], "Bearer fml_x");
    }

    #[test]
    fn server_urls_with_credentials_or_odd_schemes_are_refused() {
        let err = Client::new("https://ci:fml_x@repo.example", None)
            .err()
            .unwrap()
            .to_string();
        assert!(!err.contains("fml_x"), "{err}");
        assert!(Client::new("ftp://repo.example", None).is_err());
        assert!(Client::new("repo.example", None).is_err());
    }

    #[test]
    fn a_403_names_the_token_and_the_scope_it_lacks() {
        let c = client("http://127.0.0.1:1", Some("ci:fml_x"));
        let route = c.route(Method::POST, &["keys"], Scope::Admin);
        let err = c.refused(&route, StatusCode::FORBIDDEN, "scope review < admin");
        let text = err.to_string();
        assert!(
            text.starts_with("POST /api/v1/keys: HTTP 403 Forbidden"),
            "{text}"
        );
        assert!(text.contains("token \"ci\" lacks scope admin"), "{text}");
        assert!(!text.contains("fml_x"), "{text}");
    }

    #[test]
    fn a_401_without_a_token_says_how_to_give_one() {
        let c = client("http://127.0.0.1:1", None);
        let route = c.route(Method::GET, &["versions"], Scope::Read);
        let text = c
            .refused(&route, StatusCode::UNAUTHORIZED, "no credentials")
            .to_string();
        assert!(text.contains("--token NAME:SECRET"), "{text}");
        assert!(text.contains("FORMULARY_TOKEN"), "{text}");
    }

    #[test]
    fn cleartext_is_fine_to_loopback_only() {
        let local = Url::parse("http://127.0.0.1:8080").unwrap();
        let remote = Url::parse("http://repo.example").unwrap();
        let tls = Url::parse("https://repo.example").unwrap();
        assert!(!is_cleartext_to_another_host(&local));
        assert!(is_cleartext_to_another_host(&remote));
        assert!(!is_cleartext_to_another_host(&tls));
    }
}
