//! `GET /dist/VENDOR/NAME/VERSION_NORMALIZED/SHA256.zip`: the archive
//! bytes exactly as ingested, for approved versions only.
//!
//! This is where access is really enforced: Composer falls back to cached
//! metadata when metadata requests fail, but it cannot install what it
//! cannot download. So the rules are strict and use the same snapshot as
//! the metadata: a version never approved (pending, rejected, unknown) is
//! a 404, a revoked one a 410 with a JSON reason Composer shows its user,
//! and a reference that is not the archive's sha256 a 404. The bytes are
//! read through the store, which re-checks their sha256: a blob changed on
//! disk after approval is refused with a 500 and an error in the log,
//! never served.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::errors::ApiError;
use crate::metadata::{bad_path, package_name};
use crate::publish::Dist;
use crate::AppState;

/// The download route's handler.
pub async fn download(
    State(state): State<AppState>,
    path: Result<Path<(String, String, String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path((vendor, project, version, file)) = path.map_err(bad_path)?;
    let name = package_name(&vendor, &project)?;
    let reference = file
        .strip_suffix(".zip")
        .ok_or_else(|| ApiError::not_found("dists end in .zip"))?;
    if !is_sha256_hex(reference) {
        return Err(ApiError::bad_request(
            "a dist reference is the archive's sha256: 64 lowercase hex characters",
        ));
    }
    let not_served =
        || ApiError::not_found(format!("{name} {version} is not an approved version here"));
    let sha256 = match state.snapshot().dist(&name, &version) {
        Some(Dist::Served { sha256 }) if sha256 == reference => sha256.clone(),
        Some(Dist::Revoked { message }) => {
            return Err(ApiError::gone(format!("{message}; it is no longer served")))
        }
        _ => return Err(not_served()),
    };
    let bytes = read_blob(&state, sha256).await?;
    Ok(([(header::CONTENT_TYPE, "application/zip")], bytes).into_response())
}

/// The blob, read and re-verified off the async threads.
async fn read_blob(state: &AppState, sha256: String) -> Result<Vec<u8>, ApiError> {
    let registry = state.registry().clone();
    let read = tokio::task::spawn_blocking(move || registry.store().get_blob(&sha256));
    match read.await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(err)) => Err(ApiError::internal("reading a stored archive", &err)),
        Err(err) => Err(ApiError::internal("reading a stored archive", &err)),
    }
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
