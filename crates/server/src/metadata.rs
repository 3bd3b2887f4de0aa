//! The metadata routes Composer reads: `packages.json`, the `p2/` files,
//! and `notify-batch`.
//!
//! Files come from the published snapshot (see [`crate::publish`]). Each
//! answer carries `Last-Modified`; a request whose `If-Modified-Since`
//! equals that stamp gets a 304 with an empty body, which is the only form
//! of "not modified" Composer recognises. An `If-Modified-Since` that is
//! not an HTTP date is refused with 400: Composer only ever echoes back a
//! stamp we sent, so anything else is not a Composer client.

use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use formulary_composer::PackageName;

use crate::auth::Caller;
use crate::errors::{json_body, json_content_type, ApiError};
use crate::publish::{Document, ROOT};
use crate::AppState;

/// Names longer than this are refused before any lookup.
const MAX_NAME_LEN: usize = 200;

/// `GET /packages.json`.
pub async fn root(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let snapshot = state.snapshot();
    let document = snapshot
        .document(ROOT)
        .ok_or_else(|| ApiError::not_found("packages.json is not published yet"))?;
    conditional(&state, document, &headers)
}

/// `GET /p2/VENDOR/NAME.json` and `GET /p2/VENDOR/NAME~dev.json`.
pub async fn p2(
    State(state): State<AppState>,
    uri: Uri,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // A published file answers at once: its path is a name we checked
    // when we published it, so checking it again on every request (a
    // few allocations each) would only slow the answer Composer waits
    // for most. Anything else is checked, for the right 400 or 404.
    let snapshot = state.snapshot();
    let published = uri
        .path()
        .strip_prefix('/')
        .and_then(|p| snapshot.document(p));
    if let Some(document) = published {
        return conditional(&state, document, &headers);
    }
    let Path((vendor, file)) = path.map_err(bad_path)?;
    let stem = file
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::not_found("p2 files end in .json"))?;
    let (project, suffix) = match stem.strip_suffix("~dev") {
        Some(project) => (project, "~dev"),
        None => (stem, ""),
    };
    let name = package_name(&vendor, project)?;
    let document = snapshot
        .document(&format!("p2/{name}{suffix}.json"))
        .ok_or_else(|| ApiError::not_found(format!("{name} is not in this registry")))?;
    conditional(&state, document, &headers)
}

/// `POST /downloads`: Composer's report of what it installed. We count
/// and log it under the token that sent it; Composer ignores the answer.
pub async fn notify_batch(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    #[derive(serde::Deserialize)]
    struct Batch {
        downloads: Vec<Download>,
    }
    #[derive(serde::Deserialize)]
    struct Download {
        name: String,
        version: String,
    }
    let batch: Batch = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "expected {{\"downloads\": [{{\"name\", \"version\"}}]}}: {e}"
        ))
    })?;
    for download in &batch.downloads {
        tracing::debug!(
            token = caller.name(),
            package = %download.name.escape_debug(),
            version = %download.version.escape_debug(),
            "install reported"
        );
    }
    state
        .metrics()
        .installs_notified(batch.downloads.len() as u64);
    let body = json_body(&serde_json::json!({ "status": "success" }));
    Ok(([(header::CONTENT_TYPE, json_content_type())], body).into_response())
}

/// 200 with the document, or 304 when the client has this very stamp.
fn conditional(
    state: &AppState,
    document: &Document,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(since) = headers.get(header::IF_MODIFIED_SINCE) {
        let bad = || ApiError::bad_request("If-Modified-Since is not an HTTP date");
        let since = since.to_str().map_err(|_| bad())?;
        let since = httpdate::parse_http_date(since).map_err(|_| bad())?;
        if since == document.stamp {
            state.metrics().not_modified();
            let last_modified = document.last_modified.clone();
            let headers = [(header::LAST_MODIFIED, last_modified)];
            return Ok((StatusCode::NOT_MODIFIED, headers, Body::empty()).into_response());
        }
    }
    let headers = [
        (header::CONTENT_TYPE, json_content_type()),
        (header::LAST_MODIFIED, document.last_modified.clone()),
    ];
    Ok((headers, document.body.clone()).into_response())
}

/// `VENDOR/NAME` from two path segments, or 400 for anything Composer
/// would not accept as a name (which covers `..`, slashes and controls).
pub fn package_name(vendor: &str, project: &str) -> Result<String, ApiError> {
    let name = format!("{vendor}/{project}");
    if name.len() > MAX_NAME_LEN {
        return Err(ApiError::bad_request(format!(
            "package names are at most {MAX_NAME_LEN} characters"
        )));
    }
    PackageName::parse(&name)
        .map(|n| n.as_str().to_string())
        .map_err(|_| ApiError::bad_request("not a Composer package name (vendor/name, lowercase)"))
}

/// A path segment that is not valid percent-encoded UTF-8.
pub fn bad_path(rejection: PathRejection) -> ApiError {
    ApiError::bad_request(format!("bad path: {}", rejection.body_text()))
}
