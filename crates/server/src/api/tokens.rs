//! `/api/v1/tokens`: making, listing and revoking access tokens while the
//! server holds the data folder. Every route needs an admin token.
//!
//! A new token's secret is in the answer to `POST /api/v1/tokens` and
//! nowhere else: the store keeps its hash, the log line names the token
//! only, and the answer tells caches not to keep it. The audit trail
//! records which admin token made or revoked each one (`token:NAME`).
//!
//! After a change the server's view of tokens is refreshed before the
//! answer goes out ([`crate::AppState::tokens_changed`]), so a revoked
//! token is refused from the next request on.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use formulary_registry::{Registry, RegistryError, Scope, TokenView};
use serde::Deserialize;
use serde_json::json;

use super::{parse_json, read};
use crate::auth::Caller;
use crate::errors::ApiError;
use crate::metadata::bad_path;
use crate::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRequest {
    name: String,
    scope: String,
}

/// `POST /api/v1/tokens` `{"name", "scope"}`: `{"name", "scope", "secret"}`.
pub(super) async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let asked: NewRequest = parse_json(&body)?;
    let scope = Scope::parse(&asked.scope).ok_or_else(|| {
        ApiError::bad_request(format!(
            "{:?} is not a scope: use read, intake, review or admin",
            asked.scope
        ))
    })?;
    let who = actor(&caller);
    let name = asked.name;
    let made = change(&state, move |r| r.new_token_as(&name, scope, &who)).await?;
    tracing::debug!(
        token = caller.name(),
        made = %made.name,
        %scope,
        "token made through the API"
    );
    let body = json!({
        "name": made.name,
        "scope": made.scope,
        "secret": made.secret.expose(),
    });
    let never_cache = [(header::CACHE_CONTROL, "no-store")];
    Ok((never_cache, Json(body)).into_response())
}

/// `GET /api/v1/tokens`: `token list --json`, never a hash.
pub(super) async fn list(State(state): State<AppState>) -> Result<Response, ApiError> {
    let tokens = read(&state, |r| r.tokens()).await?;
    let shown: Vec<TokenView> = tokens.iter().map(TokenView::from).collect();
    Ok(Json(shown).into_response())
}

/// `POST /api/v1/tokens/NAME/revoke`: the token as it now stands.
pub(super) async fn revoke(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(name) = path.map_err(bad_path)?;
    let who = actor(&caller);
    let record = change(&state, move |r| r.revoke_token_as(&name, &who)).await?;
    tracing::debug!(
        token = caller.name(),
        revoked = %record.name,
        "token revoked through the API"
    );
    Ok(Json(TokenView::from(&record)).into_response())
}

/// How the audit trail names the caller; `token:` keeps a token called
/// `local` apart from the operator at the console.
fn actor(caller: &Caller) -> String {
    format!("token:{}", caller.name())
}

/// Runs a token change on the blocking pool and, once it is stored,
/// refreshes the server's view of tokens there too (a cache would read
/// the store).
async fn change<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Registry) -> Result<T, RegistryError> + Send + 'static,
{
    let refresh = state.clone();
    read(state, move |registry| {
        let out = f(registry)?;
        refresh.tokens_changed();
        Ok(out)
    })
    .await
}
