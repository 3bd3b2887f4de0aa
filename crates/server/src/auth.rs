//! Who is asking, and whether their token's scope covers the route.
//!
//! Every route but `/healthz` sits behind [`require`], a middleware given
//! the scope its routes need. It reads the `Authorization` header
//! (http-basic with the token's name as user and its secret as password,
//! or a bearer token), asks the token table in memory
//! ([`AppState::authenticate`]) which token that is, and then:
//!
//! - no credentials: 401 with `WWW-Authenticate`, unless the route needs
//!   only `read` and the `anonymous_read` setting is on;
//! - credentials that match no active token (wrong, revoked, malformed):
//!   401, even when anonymous reads are allowed, so that a client with a
//!   stale token hears about it instead of silently reading anonymously;
//! - a token whose scope is too small: 403.
//!
//! The caller is left in the request's extensions for handlers that need
//! to know more (the statements route needs `admin` for key changes). No
//! header value, secret or user name supplied by the client is logged
//! here; the token's own name is, at debug level, once it is proven.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use formulary_registry::{Credential, Scope};

use crate::errors::ApiError;
use crate::AppState;

/// The longest `Authorization` header we read; real ones are far shorter.
const MAX_HEADER_LEN: usize = 1024;

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No credentials (allowed only for reads, when configured).
    Anonymous,
    /// A proven token.
    Token {
        /// The token's name.
        name: String,
        /// What it may do.
        scope: Scope,
    },
}

impl Caller {
    /// The token's name, or `anonymous`.
    pub fn name(&self) -> &str {
        match self {
            Caller::Anonymous => "anonymous",
            Caller::Token { name, .. } => name,
        }
    }

    /// Whether this caller may do what `needed` covers.
    pub fn require(&self, needed: Scope, anonymous_read: bool) -> Result<(), ApiError> {
        match self {
            Caller::Anonymous if needed == Scope::Read && anonymous_read => Ok(()),
            Caller::Anonymous => Err(ApiError::unauthorized(format!(
                "this needs a token with {needed} scope: send it as http-basic (user = token \
                 name, password = secret) or as a bearer token"
            ))),
            Caller::Token { scope, .. } if scope.allows(needed) => Ok(()),
            Caller::Token { name, scope } => Err(ApiError::forbidden(format!(
                "token {name} has {scope} scope; this needs {needed} (or admin)"
            ))),
        }
    }
}

/// The middleware: `from_fn_with_state((state, scope), require)`.
pub async fn require(
    State((state, needed)): State<(AppState, Scope)>,
    mut request: Request,
    next: Next,
) -> Response {
    let caller = match identify(&state, request.headers()) {
        Ok(caller) => caller,
        Err(err) => return err.into_response(),
    };
    if let Err(err) = caller.require(needed, state.settings().anonymous_read) {
        return err.into_response();
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// The caller the headers prove, or 401 for credentials that prove none.
pub fn identify(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(Caller::Anonymous);
    };
    let wrong = || {
        ApiError::unauthorized("invalid credentials: the token is unknown, revoked or malformed")
    };
    if values.next().is_some() || value.len() > MAX_HEADER_LEN {
        return Err(wrong());
    }
    let text = value.to_str().map_err(|_| wrong())?;
    let credential = parse_credential(text).ok_or_else(wrong)?;
    let (name, scope) = state.authenticate(&credential).ok_or_else(wrong)?;
    Ok(Caller::Token { name, scope })
}

/// `Basic base64(user:password)` or `Bearer secret`, schemes in any case.
fn parse_credential(header: &str) -> Option<Credential> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        return Some(Credential::Bearer(rest.to_string()));
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(rest).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some(Credential::Basic {
        user: user.to_string(),
        password: password.to_string(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn basic_and_bearer_headers_are_read_and_junk_is_not() {
        let basic = format!("Basic {}", STANDARD.encode("ci:fml_secret"));
        let Some(Credential::Basic { user, password }) = parse_credential(&basic) else {
            panic!("not basic");
        };
        assert_eq!((user.as_str(), password.as_str()), ("ci", "fml_secret"));
        assert!(matches!(
            parse_credential("bearer fml_x"),
            Some(Credential::Bearer(s)) if s == "fml_x"
        ));
        for junk in ["Basic", "Basic !!!", "Digest abc", "Bearer ", "fml_x"] {
            assert!(parse_credential(junk).is_none(), "{junk}");
        }
        let no_colon = format!("Basic {}", STANDARD.encode("no-colon"));
        assert!(parse_credential(&no_colon).is_none());
    }

    #[test]
    fn scopes_decide_401_or_403() {
        let anonymous = Caller::Anonymous;
        assert!(anonymous.require(Scope::Read, true).is_ok());
        let status = |r: Result<(), ApiError>| r.unwrap_err().status().as_u16();
        assert_eq!(status(anonymous.require(Scope::Read, false)), 401);
        assert_eq!(status(anonymous.require(Scope::Review, true)), 401);
        let reader = Caller::Token {
            name: "ci".into(),
            scope: Scope::Read,
        };
        assert_eq!(status(reader.require(Scope::Intake, true)), 403);
    }
}
