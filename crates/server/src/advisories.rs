//! Security advisories in the form `composer audit` reads: every revoked
//! version is an advisory against exactly that version, with the
//! revocation's reason as its title.
//!
//! Composer 2.5 posts `packages[0]=acme%2Fx&packages[1]=...` (PHP's
//! `http_build_query`) to the `api-url` named in `packages.json` and reads
//! `{"advisories": {"<name>": [ ... ]}}`. We answer, under the name exactly
//! as asked, for every name the registry holds (an empty list means "found
//! here, nothing to report", which also stops Composer asking a public
//! repository about it), and never for a name that was not asked: Composer
//! 2.5 fails hard on one. Names we never saw are left out, so Composer asks
//! the next repository about them.
//!
//! Each advisory is a "full" one (`title`, `sources`, `reportedAt`), since
//! `composer audit` refuses partial ones.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use formulary_store::{VersionRecord, VersionState};
use formulary_trust::statement::Verdict;
use serde_json::{json, Map, Value};

use crate::errors::{json_body, json_content_type, ApiError};
use crate::AppState;

/// More names than this in one query is not a Composer client.
const MAX_NAMES: usize = 10_000;

/// `POST /api/security-advisories`, form-encoded as Composer sends it.
pub async fn post(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    answer(&state, &body)
}

/// `GET /api/security-advisories?packages[]=...`, the same query.
pub async fn get(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    answer(&state, query.unwrap_or_default().as_bytes())
}

fn answer(state: &AppState, form: &[u8]) -> Result<Response, ApiError> {
    let names = requested_names(form)?;
    let snapshot = state.snapshot();
    let mut found = Map::new();
    for name in names {
        if let Some(list) = snapshot.advisories(&name) {
            found.insert(name, Value::Array(list.to_vec()));
        }
    }
    let body = json_body(&json!({ "advisories": found }));
    Ok(([(header::CONTENT_TYPE, json_content_type())], body).into_response())
}

/// The names in `packages[]=`, `packages[N]=` or `packages=` fields.
fn requested_names(form: &[u8]) -> Result<Vec<String>, ApiError> {
    let mut names = Vec::new();
    for (key, value) in url::form_urlencoded::parse(form) {
        if !is_packages_key(&key) {
            continue;
        }
        if names.len() == MAX_NAMES {
            let message = format!("at most {MAX_NAMES} package names per query");
            return Err(ApiError::bad_request(message));
        }
        names.push(value.into_owned());
    }
    Ok(names)
}

fn is_packages_key(key: &str) -> bool {
    let Some(rest) = key.strip_prefix("packages") else {
        return false;
    };
    let index = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']'));
    rest.is_empty() || index.is_some_and(|i| i.bytes().all(|b| b.is_ascii_digit()))
}

/// The advisory for a revoked version; `None` for any other state.
pub fn advisory(record: &VersionRecord, base_url: &str) -> Option<Value> {
    if record.state != VersionState::Revoked {
        return None;
    }
    let revoke = record
        .decisions
        .iter()
        .rev()
        .find(|d| d.verdict == Verdict::Revoke);
    let id = match revoke {
        Some(d) => format!("formulary-revoke-{}", d.index),
        None => format!("formulary-revoked-{}", short(&record.sha256)),
    };
    let when = revoke.map_or(record.ingested_at.as_str(), |d| d.time.as_str());
    Some(json!({
        "advisoryId": id,
        "packageName": record.name.as_str(),
        "remoteId": id,
        "title": crate::publish::revoked_message(record),
        "link": null,
        "cve": null,
        "affectedVersions": format!("=={}", record.version_normalized),
        "source": "formulary",
        "sources": [{ "name": "formulary", "remoteId": id }],
        "reportedAt": reported_at(when),
        "composerRepository": base_url,
    }))
}

/// RFC 3339 as `YYYY-MM-DD HH:MM:SS` UTC, the form packagist.org sends.
fn reported_at(rfc3339: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::parse(rfc3339, &Rfc3339)
        .ok()
        .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&format).ok())
        .unwrap_or_else(|| rfc3339.to_string())
}

fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_the_way_php_and_people_write_them() {
        let form = b"packages%5B0%5D=acme%2Fx&packages%5B1%5D=acme%2Fy&packages[]=b/c&packages=d/e\
                     &other=f/g&packagesX=h/i&packages[a]=j/k";
        let names = requested_names(form).unwrap();
        assert_eq!(names, ["acme/x", "acme/y", "b/c", "d/e"]);
    }

    #[test]
    fn report_dates_are_plain_utc() {
        assert_eq!(
            reported_at("2026-05-02T12:00:00+02:00"),
            "2026-05-02 10:00:00"
        );
        assert_eq!(reported_at("junk"), "junk");
    }
}
