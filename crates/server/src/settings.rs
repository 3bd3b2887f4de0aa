//! What the server needs to know before it listens: formulary.toml's
//! `[server]` section with the command line's overrides applied.

use std::time::Duration;

use formulary_registry::ServerSettings;

/// The server's settings, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen, `host:port`; port 0 picks a free one.
    pub listen: String,
    /// The URL clients use, without a trailing `/`; `None` means
    /// `http://` plus the address the server bound.
    pub base_url: Option<String>,
    /// Whether reads need no token.
    pub anonymous_read: bool,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long one request may take before it is answered with 408.
    pub request_timeout: Duration,
    /// Run `formulary intake` this often in the server (`--intake-every`);
    /// `None` runs none.
    pub intake_every: Option<Duration>,
}

impl Settings {
    /// The settings from formulary.toml.
    pub fn from_config(config: &ServerSettings) -> Result<Settings, String> {
        let max_body_bytes = usize::try_from(config.max_body_bytes)
            .map_err(|_| "[server] max_body_bytes is too large for this machine".to_string())?;
        if config.request_timeout_secs == 0 {
            return Err("[server] request_timeout_secs must be at least 1".to_string());
        }
        let settings = Settings {
            listen: config.listen.clone(),
            base_url: None,
            anonymous_read: config.anonymous_read,
            max_body_bytes,
            request_timeout: Duration::from_secs(config.request_timeout_secs),
            intake_every: None,
        };
        match &config.base_url {
            Some(url) => settings.with_base_url(url),
            None => Ok(settings),
        }
    }

    /// The same settings, listening on `listen`.
    pub fn with_listen(mut self, listen: &str) -> Settings {
        self.listen = listen.to_string();
        self
    }

    /// The same settings, running intake every `period` (at least one
    /// second: a run lists every tracked package upstream).
    pub fn with_intake_every(mut self, period: Duration) -> Result<Settings, String> {
        if period < Duration::from_secs(1) {
            return Err("--intake-every must be at least 1s".to_string());
        }
        self.intake_every = Some(period);
        Ok(self)
    }

    /// The same settings, publishing URLs under `url` (http or https,
    /// with no query or fragment).
    pub fn with_base_url(mut self, url: &str) -> Result<Settings, String> {
        let trimmed = url.trim_end_matches('/');
        let parsed =
            url::Url::parse(trimmed).map_err(|e| format!("base URL {url:?} is not a URL ({e})"))?;
        let plain = parsed.query().is_none() && parsed.fragment().is_none();
        if !matches!(parsed.scheme(), "http" | "https") || !plain || !parsed.has_host() {
            return Err(format!(
                "base URL {url:?} must be http:// or https://, with a host and no query"
            ));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("base URL must not carry credentials".to_string());
        }
        self.base_url = Some(trimmed.to_string());
        Ok(self)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_check_out() {
        let settings = Settings::from_config(&ServerSettings::default()).unwrap();
        assert_eq!(settings.listen, "127.0.0.1:8080");
        assert!(!settings.anonymous_read);
        assert_eq!(settings.base_url, None);
    }

    #[test]
    fn a_base_url_loses_its_trailing_slash_and_must_be_plain_http() {
        let settings = Settings::from_config(&ServerSettings::default()).unwrap();
        let with = settings.clone().with_base_url("https://repo.example/c/a/");
        assert_eq!(
            with.unwrap().base_url.as_deref(),
            Some("https://repo.example/c/a")
        );
        for bad in [
            "ftp://repo.example",
            "repo.example",
            "https://u:p@repo.example",
            "https://repo.example/?x=1",
        ] {
            assert!(settings.clone().with_base_url(bad).is_err(), "{bad}");
        }
    }
}
