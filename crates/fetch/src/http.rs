//! HTTP GETs to Composer upstreams: timeouts, retries with backoff, and
//! redirects followed by hand.
//!
//! We turn off reqwest's own redirect handling so that every hop goes back
//! through [`AuthStore::for_url`]: a credential is sent only to the origin it
//! was filed under, so a redirect to another host (a presigned object-store
//! URL, say) never receives it, and a redirect from https to plain http is
//! refused outright. Retries follow Composer's rule: transport errors and
//! 500/502/503/504 only, since every request here is an idempotent GET.

use crate::auth::AuthStore;
use crate::error::FetchError;
use crate::progress;
use crate::secret::redact_url;
use reqwest::blocking::{Client, Response};
use reqwest::header::{HeaderValue, AUTHORIZATION, LOCATION};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use std::time::Duration;
use url::Url;

/// How many redirects one request may follow.
const MAX_REDIRECTS: usize = 10;

/// The longest wait between two tries, however many tries came before.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// An HTTP client bound to one set of credentials and retry rules.
pub(crate) struct Http {
    client: Client,
    auth: AuthStore,
    retries: u32,
    base_delay: Duration,
    progress: bool,
    max_bytes: u64,
}

/// What one request ended in, once retries are spent.
enum Outcome {
    Body(Vec<u8>),
    Redirect(Url),
    NotFound,
}

/// Why one try failed: worth another try, or final.
enum Failure {
    Retry {
        status: Option<u16>,
        message: String,
    },
    Fatal(FetchError),
}

impl Http {
    /// Builds the client. `retries` counts tries after the first.
    pub(crate) fn new(
        timeout: Duration,
        retries: u32,
        base_delay: Duration,
        progress: bool,
        auth: AuthStore,
        max_bytes: u64,
    ) -> Result<Http, FetchError> {
        let client = Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(Policy::none())
            .user_agent(concat!("formulary/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetchError::Client(error_chain(&e)))?;
        Ok(Http {
            client,
            auth,
            retries,
            base_delay,
            progress,
            max_bytes,
        })
    }

    /// GETs a metadata file; a 404 is an error.
    pub(crate) fn get(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        self.get_optional(url)?.ok_or_else(|| FetchError::Status {
            status: 404,
            url: redact_url(url),
        })
    }

    /// GETs a metadata file; a 404 is `None` ("not in this repository").
    pub(crate) fn get_optional(&self, url: &str) -> Result<Option<Vec<u8>>, FetchError> {
        self.follow(url, None)
    }

    /// Downloads an archive, with a progress bar on a terminal when asked.
    pub(crate) fn download(&self, url: &str, label: &str) -> Result<Vec<u8>, FetchError> {
        self.follow(url, Some(label))?
            .ok_or_else(|| FetchError::Status {
                status: 404,
                url: redact_url(url),
            })
    }

    /// Follows redirects from `url` until a body or a 404.
    fn follow(&self, url: &str, label: Option<&str>) -> Result<Option<Vec<u8>>, FetchError> {
        let mut current = parse_url(url)?;
        for _ in 0..=MAX_REDIRECTS {
            match self.with_retries(&current, label)? {
                Outcome::Body(bytes) => return Ok(Some(bytes)),
                Outcome::NotFound => return Ok(None),
                Outcome::Redirect(next) => {
                    check_redirect(&current, &next)?;
                    current = next;
                }
            }
        }
        Err(FetchError::Redirect {
            url: redact_url(url),
            reason: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    /// One hop, tried again on transport errors and 5xx gateway statuses.
    fn with_retries(&self, url: &Url, label: Option<&str>) -> Result<Outcome, FetchError> {
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let (status, message) = match self.try_once(url, label) {
                Ok(outcome) => return Ok(outcome),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Retry { status, message }) => (status, message),
            };
            if attempt > self.retries {
                return Err(give_up(url, attempt, status, message));
            }
            let delay = self.backoff(attempt);
            tracing::debug!(url = %redact_url(url.as_str()), attempt, ?delay, %message, "retrying");
            std::thread::sleep(delay);
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(MAX_BACKOFF)
    }

    fn try_once(&self, url: &Url, label: Option<&str>) -> Result<Outcome, Failure> {
        let response = self.send(url)?;
        let status = response.status();
        if status.is_success() {
            return self.read_body(url, response, label.filter(|_| self.progress));
        }
        if status.is_redirection() {
            return redirect_target(url, &response)
                .map(Outcome::Redirect)
                .map_err(Failure::Fatal);
        }
        if status == StatusCode::NOT_FOUND {
            return Ok(Outcome::NotFound);
        }
        Err(classify_status(url, status))
    }

    fn send(&self, url: &Url) -> Result<Response, Failure> {
        let mut request = self.client.get(url.clone());
        // Credentials written into the URL itself are sent by reqwest; the
        // store is asked only when there are none, so one header goes out.
        if url.username().is_empty() {
            if let Some(credential) = self.auth.for_url(url) {
                request = request.header(AUTHORIZATION, sensitive(credential.header_value())?);
            }
        }
        request.send().map_err(|e| Failure::Retry {
            status: None,
            message: error_chain(&e),
        })
    }
}

impl Http {
    fn read_body(
        &self,
        url: &Url,
        response: Response,
        label: Option<&str>,
    ) -> Result<Outcome, Failure> {
        match progress::read_body(response, label, self.max_bytes) {
            Ok(bytes) if bytes.len() as u64 > self.max_bytes => {
                Err(Failure::Fatal(FetchError::TooLarge {
                    url: redact_url(url.as_str()),
                    limit: self.max_bytes,
                }))
            }
            Ok(bytes) => Ok(Outcome::Body(bytes)),
            Err(e) => Err(Failure::Retry {
                status: None,
                message: format!("reading the body: {e}"),
            }),
        }
    }
}

fn sensitive(value: crate::Secret) -> Result<HeaderValue, Failure> {
    let mut header = HeaderValue::from_str(value.expose()).map_err(|_| {
        Failure::Fatal(FetchError::Client(
            "a credential holds characters an HTTP header cannot carry".into(),
        ))
    })?;
    header.set_sensitive(true);
    Ok(header)
}

fn classify_status(url: &Url, status: StatusCode) -> Failure {
    let code = status.as_u16();
    let shown = redact_url(url.as_str());
    match code {
        401 | 403 => Failure::Fatal(FetchError::Unauthorized {
            status: code,
            url: shown,
            origin: crate::auth::origin_of(url),
        }),
        500 | 502 | 503 | 504 => Failure::Retry {
            status: Some(code),
            message: status.to_string(),
        },
        _ => Failure::Fatal(FetchError::Status {
            status: code,
            url: shown,
        }),
    }
}

fn give_up(url: &Url, attempts: u32, status: Option<u16>, message: String) -> FetchError {
    let url = redact_url(url.as_str());
    match status {
        Some(status) => FetchError::Status { status, url },
        None => FetchError::Transport {
            url,
            attempts,
            message,
        },
    }
}

fn redirect_target(url: &Url, response: &Response) -> Result<Url, FetchError> {
    let bad = |reason: &str| FetchError::Redirect {
        url: redact_url(url.as_str()),
        reason: reason.to_string(),
    };
    let location = response
        .headers()
        .get(LOCATION)
        .ok_or_else(|| bad("no Location header"))?;
    let location = location.to_str().map_err(|_| bad("Location is not text"))?;
    url.join(location).map_err(|_| bad("Location is not a URL"))
}

/// Refuses hops that would weaken the connection; logs when the origin
/// changes, since that is where credentials stop travelling.
fn check_redirect(from: &Url, to: &Url) -> Result<(), FetchError> {
    let refuse = |reason: &str| FetchError::Redirect {
        url: redact_url(from.as_str()),
        reason: reason.to_string(),
    };
    if !matches!(to.scheme(), "http" | "https") {
        return Err(refuse("it points to a scheme other than http(s)"));
    }
    if from.scheme() == "https" && to.scheme() == "http" {
        return Err(refuse("it downgrades https to plain http"));
    }
    let (old, new) = (crate::auth::origin_of(from), crate::auth::origin_of(to));
    if old != new {
        tracing::debug!(
            from = old,
            to = new,
            "redirect to another origin; only its own credentials apply"
        );
    }
    Ok(())
}

fn parse_url(url: &str) -> Result<Url, FetchError> {
    Url::parse(url).map_err(|e| FetchError::BadRepository {
        url: redact_url(url),
        reason: format!("not a URL ({e})"),
    })
}

/// An error and its causes on one line, without the URL reqwest adds
/// (ours is named by the caller, redacted).
pub fn error_chain(error: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut next: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = next {
        let part = match e.downcast_ref::<reqwest::Error>() {
            Some(r) if r.url().is_some() => "request failed".to_string(),
            _ => e.to_string(),
        };
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
        next = e.source();
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn a_redirect_from_https_to_plain_http_is_refused() {
        let err = check_redirect(&url("https://r.example/a"), &url("http://r.example/a"));
        assert!(err.unwrap_err().to_string().contains("downgrades https"));
        assert!(check_redirect(&url("http://r.example/a"), &url("https://cdn.example/b")).is_ok());
        assert!(check_redirect(&url("https://r.example/a"), &url("file:///etc/passwd")).is_err());
    }

    #[test]
    fn backoff_doubles_from_the_base_and_is_capped() {
        let http = Http::new(
            Duration::from_secs(1),
            10,
            Duration::from_millis(100),
            false,
            AuthStore::default(),
            1 << 20,
        )
        .unwrap();
        assert_eq!(http.backoff(1), Duration::from_millis(100));
        assert_eq!(http.backoff(3), Duration::from_millis(400));
        assert_eq!(http.backoff(40), MAX_BACKOFF);
    }
}
