//! The JSON API under `/api/v1`: what `formulary --server URL` uses to do
//! the registry's work on a running server.
//!
//! Each route is a thin call into `formulary-registry`, under the token
//! scope the route needs: `read` for listings and the log, `intake` to
//! ingest, `review` for decisions, `admin` for keys. Registry calls read
//! sled and may fetch from upstreams, so
//! they run on the blocking pool; a call that changes the registry then
//! republishes the snapshot, so Composer sees an approval or a revocation
//! on its next request.
//!
//! Reviewers sign decisions on their own machines: the server builds the
//! unsigned statement (`/decisions/template`), the CLI checks and signs it
//! locally, and `/statements` records the signed envelope after the same
//! checks as a local decision. A private key never travels.
//!
//! Tokens are made, listed and revoked under `/tokens` by admins (module
//! `tokens`).

mod tokens;

use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use formulary_composer::{Constraint, PackageName};
use formulary_fetch::Source;
use formulary_registry::{DecisionRequest, Registry, RegistryError, Scope};
use formulary_trust::envelope::Envelope;
use formulary_trust::statement::{Body, Role, Statement, Verdict};
use formulary_trust::PublicKey;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::auth::{self, Caller};
use crate::errors::ApiError;
use crate::metadata::{bad_path, package_name};
use crate::AppState;

/// The longest source string `POST /ingest` reads.
const MAX_SOURCE_LEN: usize = 2048;

/// The `/api/v1` routes, each group behind the scope it needs.
pub fn routes(state: &AppState) -> Router<AppState> {
    let guard =
        |scope: Scope| middleware::from_fn_with_state((state.clone(), scope), auth::require);
    let read = Router::new()
        .route("/api/v1/versions", get(list_versions))
        .route(
            "/api/v1/versions/{vendor}/{name}/{version}",
            get(show_version),
        )
        .route(
            "/api/v1/diff/{vendor}/{name}/{old}/{new}",
            get(diff_versions),
        )
        .route("/api/v1/keys", get(list_keys))
        .route("/api/v1/log/bundle", get(bundle))
        .route("/api/v1/log/proof/{index}", get(inclusion_proof))
        .route("/api/v1/log/consistency", get(consistency_proof))
        // What a statement needs depends on its kind; checked inside.
        .route("/api/v1/statements", post(record_statement))
        .route_layer(guard(Scope::Read));
    let intake = Router::new()
        .route("/api/v1/ingest", post(ingest))
        .route_layer(guard(Scope::Intake));
    let review = Router::new()
        .route("/api/v1/decisions/template", post(decision_template))
        .route_layer(guard(Scope::Review));
    let admin = Router::new()
        .route("/api/v1/keys", post(trust_key))
        .route("/api/v1/keys/{key_id}/revoke", post(revoke_key))
        .route("/api/v1/tokens", get(tokens::list).post(tokens::create))
        .route("/api/v1/tokens/{name}/revoke", post(tokens::revoke))
        .route_layer(guard(Scope::Admin));
    read.merge(intake).merge(review).merge(admin)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionsQuery {
    state: Option<String>,
}

/// `GET /api/v1/versions?state=S`: `review list --json`.
async fn list_versions(
    State(state): State<AppState>,
    query: Result<Query<VersionsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    const STATES: [&str; 4] = ["pending", "approved", "rejected", "revoked"];
    if let Some(s) = &query.state {
        if !STATES.contains(&s.as_str()) {
            let message = format!("unknown state {s:?}: use one of {}", STATES.join(", "));
            return Err(ApiError::bad_request(message));
        }
    }
    let versions = read(&state, move |r| {
        let all = r.store().versions()?;
        let wanted = |v: &formulary_store::VersionRecord| {
            query
                .state
                .as_ref()
                .is_none_or(|s| v.state.to_string() == *s)
        };
        Ok(all.into_iter().filter(wanted).collect::<Vec<_>>())
    })
    .await?;
    Ok(Json(versions).into_response())
}

/// `GET /api/v1/versions/VENDOR/NAME/VERSION`: `review show --json`.
async fn show_version(
    State(state): State<AppState>,
    path: Result<Path<(String, String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path((vendor, project, version)) = path.map_err(bad_path)?;
    let name = package_name(&vendor, &project)?;
    let view = read(&state, move |r| r.review_show(&name, &version)).await?;
    Ok(Json(view).into_response())
}

/// `GET /api/v1/diff/VENDOR/NAME/OLD/NEW`: `formulary diff NAME@OLD
/// NAME@NEW --json`, the delta between two stored versions.
async fn diff_versions(
    State(state): State<AppState>,
    path: Result<Path<(String, String, String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path((vendor, project, old, new)) = path.map_err(bad_path)?;
    let name = package_name(&vendor, &project)?;
    let delta = read(&state, move |r| r.delta(&name, &old, &new)).await?;
    Ok(Json(delta).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateRequest {
    package: String,
    version: String,
    verdict: Verdict,
    #[serde(default)]
    base_version: Option<String>,
    #[serde(default)]
    note: Option<String>,
    signer: String,
}

/// `POST /api/v1/decisions/template`: the unsigned decision statement.
async fn decision_template(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let asked: TemplateRequest = parse_json(&body)?;
    if asked.signer.is_empty()
        || asked.signer.len() > 128
        || !asked.signer.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(ApiError::bad_request("signer must be a key id (hex)"));
    }
    let request = DecisionRequest {
        package: asked.package,
        version: asked.version,
        verdict: asked.verdict,
        base_version: asked.base_version,
        note: asked.note,
    };
    let signer = asked.signer;
    let statement = read(&state, move |r| r.decision_statement(&request, &signer)).await?;
    Ok(Json(statement).into_response())
}

/// `POST /api/v1/statements`: records an envelope signed elsewhere.
async fn record_statement(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let envelope = Envelope::from_bytes(&body)
        .map_err(|e| ApiError::bad_request(format!("not a signed statement envelope: {e}")))?;
    let payload = envelope
        .payload_bytes()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let statement = Statement::from_bytes(&payload)
        .map_err(|e| ApiError::bad_request(format!("not a formulary statement: {e}")))?;
    caller.require(scope_for(&statement)?, state.settings().anonymous_read)?;
    let recorded = write(&state, move |r| r.record(&envelope)).await?;
    tracing::debug!(
        token = caller.name(),
        index = recorded.index,
        kind = recorded.statement.kind(),
        "statement recorded"
    );
    Ok(Json(json!({
        "log_index": recorded.index,
        "kind": recorded.statement.kind(),
        "version": recorded.version,
    }))
    .into_response())
}

/// The scope that may submit a statement of this kind.
fn scope_for(statement: &Statement) -> Result<Scope, ApiError> {
    match statement.body {
        Body::Decision(_) => Ok(Scope::Review),
        Body::KeyTrust(_) | Body::KeyRevoke(_) => Ok(Scope::Admin),
        Body::Ingest(_) => Err(ApiError::bad_request(
            "ingest statements are made by the server: POST the archive to /api/v1/ingest",
        )),
        Body::Policy(_) => Err(ApiError::bad_request(
            "the registry logs its policy itself, from formulary.toml",
        )),
    }
}

/// `POST /api/v1/ingest`: an uploaded zip, or a source the server fetches.
async fn ingest(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let now = OffsetDateTime::now_utc();
    let (shown, report) = match media_type(&headers).as_str() {
        "application/zip" => {
            let label = format!("by token {}", caller.name());
            let bytes = body.to_vec();
            let upload = label.clone();
            let report = write(&state, move |r| r.ingest_bytes(bytes, &upload, now, None));
            (label, report.await?)
        }
        "application/json" => {
            let source = remote_source(&body)?;
            let shown = source.to_string();
            (
                shown,
                write(&state, move |r| fetch_and_ingest(r, &source, now)).await?,
            )
        }
        _ => return Err(unsupported_media_type()),
    };
    tracing::debug!(
        token = caller.name(),
        package = %report.name,
        version = %report.version,
        "ingested through the API"
    );
    let mut item = serde_json::to_value(&report)
        .map_err(|e| ApiError::internal("encoding an ingest report", &e))?;
    item["source"] = Value::String(shown);
    Ok(Json(item).into_response())
}

/// The server fetches the source itself, with formulary.toml's upstreams
/// and credentials.
fn fetch_and_ingest(
    registry: &Registry,
    source: &Source,
    now: OffsetDateTime,
) -> Result<formulary_registry::IngestReport, RegistryError> {
    let fetcher = registry.fetcher(false)?;
    registry.ingest(&fetcher, source, now)
}

fn unsupported_media_type() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "send the archive as application/zip, or {\"source\": ...} as application/json",
    )
}

/// `{"source": "vendor/name[:constraint]" | "URL#ref"}`, read without
/// ever touching the server's file system: a folder, zip or local git
/// repository on the server is not the client's to ingest. Remote URLs
/// are fetched with the server's network access; that is what an intake
/// token is trusted with.
fn remote_source(body: &[u8]) -> Result<Source, ApiError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Asked {
        source: String,
    }
    let asked: Asked = parse_json(body)?;
    let text = asked.source.trim();
    if text.is_empty() || text.len() > MAX_SOURCE_LEN {
        return Err(ApiError::bad_request("source must be 1 to 2048 characters"));
    }
    let local = || {
        ApiError::bad_request(
            "local paths are refused: upload the archive (application/zip) instead, \
             or name a package (vendor/name[:constraint]) or a git URL#ref",
        )
    };
    if looks_remote(text) {
        let source: Source = text
            .parse()
            .map_err(|e: formulary_fetch::FetchError| ApiError::bad_request(e.to_string()))?;
        return match &source {
            Source::Git { url, .. } if !url.to_ascii_lowercase().starts_with("file:") => Ok(source),
            _ => Err(local()),
        };
    }
    let (name, constraint) = match text.split_once(':') {
        Some((name, constraint)) => (name, Some(constraint.trim())),
        None => (text, None),
    };
    let name = PackageName::parse(name.trim()).map_err(|_| local())?;
    let constraint = constraint
        .map(|c| {
            Constraint::parse(c)
                .map_err(|e| ApiError::bad_request(format!("constraint {c:?}: {e}")))
        })
        .transpose()?;
    Ok(Source::Composer { name, constraint })
}

/// A URL with a scheme, or scp-like `user@host:path`.
fn looks_remote(text: &str) -> bool {
    if text.contains("://") {
        return true;
    }
    match (text.find('@'), text.find(':'), text.find('/')) {
        (Some(at), Some(colon), slash) => at < colon && slash.is_none_or(|s| colon < s),
        _ => false,
    }
}

/// `GET /api/v1/keys`: `key list --json`.
async fn list_keys(State(state): State<AppState>) -> Result<Response, ApiError> {
    let keys = read(&state, |r| r.keys()).await?;
    Ok(Json(keys).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustRequest {
    public_key: String,
    name: String,
    role: String,
}

/// `POST /api/v1/keys`: trusts a key; the registry key signs the statement.
async fn trust_key(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let asked: TrustRequest = parse_json(&body)?;
    let key = PublicKey::from_base64(asked.public_key.trim())
        .map_err(|e| ApiError::bad_request(format!("public_key: {e}")))?;
    let role = Role::parse(&asked.role).ok_or_else(|| {
        ApiError::bad_request(format!(
            "{:?} is not a role: use reviewer, intake or admin",
            asked.role
        ))
    })?;
    let name = asked.name;
    let record = write(&state, move |r| r.trust_key(&key, &name, role)).await?;
    Ok(Json(record).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RevokeRequest {
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /api/v1/keys/KEY_ID/revoke`.
async fn revoke_key(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Path(key_id) = path.map_err(bad_path)?;
    let asked: RevokeRequest = if body.is_empty() {
        RevokeRequest::default()
    } else {
        parse_json(&body)?
    };
    let record = write(&state, move |r| {
        r.revoke_key(&key_id, asked.reason.as_deref())
    })
    .await?;
    Ok(Json(record).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BundleQuery {
    since: Option<String>,
}

/// `GET /api/v1/log/bundle?since=T`: an evidence bundle.
async fn bundle(
    State(state): State<AppState>,
    query: Result<Query<BundleQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    let since = query.since.as_deref().map(parse_since).transpose()?;
    let bundle = read(&state, move |r| r.export_bundle(since)).await?;
    Ok(Json(bundle).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProofQuery {
    size: Option<u64>,
}

/// `GET /api/v1/log/proof/INDEX?size=N`.
async fn inclusion_proof(
    State(state): State<AppState>,
    path: Result<Path<u64>, PathRejection>,
    query: Result<Query<ProofQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(index) = path.map_err(bad_path)?;
    let Query(query) = query.map_err(bad_query)?;
    let proof = read(&state, move |r| r.inclusion_proof(index, query.size)).await?;
    Ok(Json(proof).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyQuery {
    old: u64,
    new: Option<u64>,
}

/// `GET /api/v1/log/consistency?old=N&new=M`.
async fn consistency_proof(
    State(state): State<AppState>,
    query: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    let proof = read(&state, move |r| r.consistency_proof(query.old, query.new)).await?;
    Ok(Json(proof).into_response())
}

/// Runs a registry read on the blocking pool.
async fn read<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Registry) -> Result<T, RegistryError> + Send + 'static,
{
    let registry = state.registry().clone();
    let joined = tokio::task::spawn_blocking(move || f(&registry)).await;
    joined
        .map_err(|e| ApiError::internal("running a registry call", &e))?
        .map_err(ApiError::from)
}

/// Runs a registry write on the blocking pool, then republishes.
async fn write<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Registry) -> Result<T, RegistryError> + Send + 'static,
{
    let state = state.clone();
    let joined = tokio::task::spawn_blocking(move || {
        let out = f(state.registry())?;
        // The write is done and durable; a failed republish only delays
        // what Composer sees until the next one, so the caller hears of
        // success and the operator of the failure.
        if let Err(err) = state.republish() {
            tracing::error!(%err, "republishing after a change failed; metadata is stale");
        }
        Ok::<T, RegistryError>(out)
    })
    .await;
    joined
        .map_err(|e| ApiError::internal("running a registry call", &e))?
        .map_err(ApiError::from)
}

fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("bad JSON body: {e}")))
}

fn bad_query(rejection: QueryRejection) -> ApiError {
    ApiError::bad_request(format!("bad query: {}", rejection.body_text()))
}

/// The media type of the body, lowercase, without parameters.
fn media_type(headers: &HeaderMap) -> String {
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = value.split(';').next().unwrap_or("");
    essence.trim().to_ascii_lowercase()
}

/// An RFC 3339 time, or a day (`YYYY-MM-DD`, from midnight UTC).
fn parse_since(text: &str) -> Result<OffsetDateTime, ApiError> {
    use time::format_description::well_known::Rfc3339;
    // An unencoded `+` in a query string arrives as a space.
    let text = &text.replace(' ', "+");
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format).map_err(|_| {
        ApiError::bad_request(format!(
            "since {text:?} is not YYYY-MM-DD or an RFC 3339 time"
        ))
    })?;
    Ok(date.midnight().assume_utc())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn source(text: &str) -> Result<Source, ApiError> {
        remote_source(json!({ "source": text }).to_string().as_bytes())
    }

    #[test]
    fn packages_and_remote_git_are_fetched_and_local_paths_are_not() {
        assert!(matches!(source("acme/x:^1.0"), Ok(Source::Composer { .. })));
        assert!(matches!(
            source("https://git.example/acme/x.git#v1.0.0"),
            Ok(Source::Git { .. })
        ));
        assert!(matches!(
            source("git@git.example:acme/x.git#main"),
            Ok(Source::Git { .. })
        ));
        // `/tmp` exists on every server; it must not be read as a folder.
        for local in [
            "/tmp",
            "/tmp#main",
            "./x.zip",
            "file:///srv/git/x#main",
            "..",
            "",
        ] {
            let err = source(local)
                .err()
                .unwrap_or_else(|| panic!("{local} accepted"));
            assert_eq!(err.status(), StatusCode::BAD_REQUEST, "{local}");
        }
    }

    #[test]
    fn since_takes_a_day_or_an_instant() {
        assert_eq!(
            parse_since("2026-05-01").unwrap().unix_timestamp(),
            1_777_593_600
        );
        assert!(parse_since("2026-05-01T10:00:00Z").is_ok());
        assert!(parse_since("2026-05-01T10:00:00 02:00").is_ok());
        assert!(parse_since("yesterday").is_err());
    }
}
