//! The server's one error type: a status and a one-line message, sent as
//! `{"error": "..."}` with `Content-Type: application/json`.
//!
//! Composer prints the first 200 characters of an error body, and with
//! exactly `application/json` also its `warning` key; so refusals a
//! Composer user meets (a revoked dist, a scope too small) carry the same
//! text as a `warning` too. Registry errors map to statuses here, in one
//! place: bad input 400, unknown 404, refused by review rules or a
//! conflict 409, and everything else 500. The cause of a 500 is logged
//! once, here, and the client gets a short message that names no file.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use formulary_registry::RegistryError;
use formulary_store::StoreError;

/// A request that could not be served.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    /// Also send the message as Composer's `warning`.
    warn_composer: bool,
    /// Ask for credentials (401).
    challenge: bool,
}

impl ApiError {
    /// An error with `status` and a one-line `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: one_line(message.into()),
            warn_composer: false,
            challenge: false,
        }
    }

    /// 400: the request itself is wrong.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404: nothing here by that name.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// 401 with `WWW-Authenticate`: no credentials, or wrong ones.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        let mut err = ApiError::new(StatusCode::UNAUTHORIZED, message);
        err.challenge = true;
        err
    }

    /// 403: the token is good, its scope too small.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, message).for_composer()
    }

    /// 410: the dist was served once and is withdrawn for good.
    pub fn gone(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::GONE, message).for_composer()
    }

    /// 500, after logging `cause`, which the client does not see.
    pub fn internal(what: &str, cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "{what}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error while {what}; the server log has the cause"),
        )
    }

    /// Also shows the message to Composer users as a warning.
    fn for_composer(mut self) -> ApiError {
        self.warn_composer = true;
        self
    }

    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "error": self.message });
        if self.warn_composer {
            body["warning"] = serde_json::Value::String(self.message);
        }
        let mut response = (self.status, json_body(&body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, json_content_type());
        if self.challenge {
            let challenge = HeaderValue::from_static("Basic realm=\"formulary\"");
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

impl From<RegistryError> for ApiError {
    fn from(err: RegistryError) -> ApiError {
        let status = status_of(&err);
        if status.is_server_error() && status != StatusCode::BAD_GATEWAY {
            return ApiError::internal("serving the request", &err);
        }
        ApiError::new(status, err.to_string())
    }
}

/// Rewrites error responses made outside our handlers (a body over the
/// limit, a timeout, a wrong method) into the same JSON form as ours.
/// The request observer (`observe.rs`) calls it on every answer.
pub fn json_errors(response: Response) -> Response {
    let status = response.status();
    if !status.is_client_error() && !status.is_server_error() {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response;
    }
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is larger than this server accepts",
        StatusCode::REQUEST_TIMEOUT => "the request was not answered in time",
        StatusCode::METHOD_NOT_ALLOWED => "that method is not allowed here",
        _ => status.canonical_reason().unwrap_or("error"),
    };
    let mut rewritten = ApiError::new(status, message).into_response();
    if let Some(allow) = response.headers().get(header::ALLOW) {
        rewritten.headers_mut().insert(header::ALLOW, allow.clone());
    }
    rewritten
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The listen address could not be bound.
    #[error(
        "cannot listen on {listen}: {source}; choose another address with --listen \
         or [server] listen in formulary.toml"
    )]
    Bind {
        /// The address asked for.
        listen: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The first snapshot could not be read from the store.
    #[error("cannot publish the registry: {0}")]
    Publish(#[from] RegistryError),
    /// Serving failed.
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
}

/// Which status each registry error answers with.
fn status_of(err: &RegistryError) -> StatusCode {
    use RegistryError as E;
    match err {
        E::Refused(_) | E::Conflict { .. } => StatusCode::CONFLICT,
        E::Store(StoreError::Conflict { .. } | StoreError::TokenExists { .. }) => {
            StatusCode::CONFLICT
        }
        E::UnknownVersion { .. }
        | E::Store(StoreError::UnknownToken { .. })
        | E::UnknownKey(_)
        | E::NoSuchEntry { .. }
        | E::NoSuchCheckpoints { .. } => StatusCode::NOT_FOUND,
        E::NoVersion { .. }
        | E::VersionMismatch { .. }
        | E::NameMismatch { .. }
        | E::Version(_)
        | E::OddVersion { .. }
        | E::Name(_)
        | E::Unpack(_)
        | E::TokenName(_) => StatusCode::BAD_REQUEST,
        // The upstream refused or was unreachable: the message is the
        // client's to read (credentials are already redacted from it).
        E::Fetch(_) => StatusCode::BAD_GATEWAY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Exactly `application/json`: Composer reads `warning` keys only then.
pub fn json_content_type() -> HeaderValue {
    HeaderValue::from_static("application/json")
}

/// A value as compact JSON bytes.
pub fn json_body<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Our values are maps of strings and numbers; they always serialize.
    serde_json::to_vec(value).unwrap_or_default()
}

/// Messages travel as one line; registry messages never hold secrets.
fn one_line(message: String) -> String {
    if message.contains(['\n', '\r']) {
        message.replace(['\n', '\r'], " ")
    } else {
        message
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn review_refusals_are_conflicts_and_bad_names_bad_requests() {
        let refused = RegistryError::Refused(formulary_registry::Refusal::AlreadyIngested(
            "acme/x 1.0.0".to_string(),
        ));
        assert_eq!(ApiError::from(refused).status(), StatusCode::CONFLICT);
        let name = formulary_composer::PackageName::parse("Acme/X").unwrap_err();
        let err = ApiError::from(RegistryError::Name(name));
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn a_challenge_names_the_realm() {
        let response = ApiError::unauthorized("no token").into_response();
        let challenge = response.headers().get(header::WWW_AUTHENTICATE);
        assert_eq!(
            challenge.and_then(|v| v.to_str().ok()),
            Some("Basic realm=\"formulary\"")
        );
    }
}
