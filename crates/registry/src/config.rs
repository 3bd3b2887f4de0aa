//! `formulary.toml`: the registry's settings.
//!
//! `formulary init` writes the file with every default shown as a comment,
//! so an operator sees what is in force without reading the code. The
//! template is built from the same `Default` values the code uses, which
//! keeps the two from drifting apart.

mod duration;
mod intake;

pub use duration::HumanDuration;
pub use intake::{IntakeSettings, TrackSettings};

use std::path::Path;

use formulary_unpack::Limits;
use serde::Deserialize;

use crate::RegistryError;

/// Everything `formulary.toml` can set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Limits applied while unpacking an archive.
    pub limits: Limits,
    /// Network settings for fetching from upstreams.
    pub fetch: FetchSettings,
    /// Composer repositories that `ingest vendor/name[:constraint]` reads.
    pub upstream: Vec<UpstreamConfig>,
    /// How many reviewers a version needs.
    pub policy: PolicySettings,
    /// How `formulary serve` listens and what it allows.
    pub server: ServerSettings,
    /// What `formulary intake` follows and may approve; off when absent.
    pub intake: Option<IntakeSettings>,
}

/// The HTTP server's settings (`formulary serve`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// The address to listen on, `host:port`.
    pub listen: String,
    /// The URL clients reach the server by, used in every URL the server
    /// publishes (metadata, dists, advisories); `http://<listen>` when
    /// unset. Set it when a proxy or another host name stands in front.
    pub base_url: Option<String>,
    /// Whether Composer may read metadata and dists without a token.
    pub anonymous_read: bool,
    /// The largest request body accepted (an uploaded archive), in bytes.
    pub max_body_bytes: u64,
    /// Seconds before a request that has not been answered is given up.
    pub request_timeout_secs: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            listen: "127.0.0.1:8080".to_string(),
            base_url: None,
            anonymous_read: false,
            max_body_bytes: 100 << 20,
            request_timeout_secs: 60,
        }
    }
}

/// The review policy: how many distinct reviewers approve a version.
/// Logged as a `policy` statement before the decisions it governs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicySettings {
    /// Distinct reviewers (never the requester) for an ordinary version.
    pub reviewers: u32,
    /// Distinct reviewers for a version with a finding at or above
    /// `high_risk_severity`.
    pub high_risk_reviewers: u32,
    /// `critical`, `high`, `medium`, `low` or `info`.
    pub high_risk_severity: String,
}

impl Default for PolicySettings {
    fn default() -> Self {
        let body = crate::ledger::default_policy();
        PolicySettings {
            reviewers: body.reviewers,
            high_risk_reviewers: body.high_risk_reviewers,
            high_risk_severity: body.high_risk_severity,
        }
    }
}

impl PolicySettings {
    /// Refuses thresholds of zero and unknown severities.
    pub fn check(&self) -> Result<(), String> {
        if self.reviewers == 0 || self.high_risk_reviewers == 0 {
            return Err(
                "[policy] reviewers and high_risk_reviewers must be at least 1".to_string(),
            );
        }
        if crate::ledger::severity_rank(&self.high_risk_severity).is_none() {
            return Err(format!(
                "[policy] high_risk_severity {:?} is not critical, high, medium, low or info",
                self.high_risk_severity
            ));
        }
        Ok(())
    }

    /// The policy as the statement that logs it.
    pub fn to_body(&self) -> formulary_trust::statement::PolicyBody {
        formulary_trust::statement::PolicyBody {
            reviewers: self.reviewers,
            high_risk_reviewers: self.high_risk_reviewers,
            high_risk_severity: self.high_risk_severity.clone(),
            intake: None,
        }
    }
}

/// How patient the fetcher is with the network.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchSettings {
    /// Seconds before one request gives up.
    pub timeout_secs: u64,
    /// Extra tries for an idempotent request that failed in transit.
    pub retries: u32,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            timeout_secs: 60,
            retries: 3,
        }
    }
}

/// One upstream Composer repository.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamConfig {
    /// The repository URL, as it would appear in a `composer.json`.
    pub url: String,
}

/// A TOML error as one line that points at the setting: `line 7
/// (max_entries = "many"): invalid type: …`.
fn located(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim_end_matches('\n').replace('\n', "; ");
    let Some(span) = error.span() else {
        return message;
    };
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let number = text[..line_start].matches('\n').count() + 1;
    let line = text[line_start..].lines().next().unwrap_or("").trim();
    format!("line {number} ({line}): {message}")
}

impl Config {
    /// Reads and checks `formulary.toml`.
    pub fn load(path: &Path) -> Result<Config, RegistryError> {
        let text = std::fs::read_to_string(path).map_err(|source| RegistryError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let config: Config = toml::from_str(&text).map_err(|e| RegistryError::Config {
            path: path.to_path_buf(),
            reason: located(&text, &e),
        })?;
        config.check().map_err(|reason| RegistryError::Config {
            path: path.to_path_buf(),
            reason,
        })?;
        Ok(config)
    }

    /// The checks beyond the file's shape: thresholds, severities, the
    /// `[intake]` table.
    pub fn check(&self) -> Result<(), String> {
        let intake = self.intake.as_ref().map_or(Ok(()), IntakeSettings::check);
        self.policy.check().and(intake)
    }

    /// The policy as the statement that logs it: `[policy]`, with the
    /// intake rule from `[intake]` when that table is present.
    pub fn policy_body(&self) -> formulary_trust::statement::PolicyBody {
        let mut body = self.policy.to_body();
        body.intake = self.intake.as_ref().map(IntakeSettings::rule);
        body
    }

    /// The text `formulary init` writes: every default, commented out.
    pub fn template() -> String {
        let limits = Limits::default();
        let fetch = FetchSettings::default();
        let policy = PolicySettings::default();
        let server = ServerSettings::default();
        let intake = IntakeSettings::default();
        format!(
            "# formulary.toml: settings for this registry.\n\
             # Every setting shows its default, commented out; uncomment a\n\
             # line to change it.\n\
             \n\
             # Unpacking refuses archives past these limits. The defaults fit\n\
             # the largest public Magento extensions (about 5,000 files and\n\
             # 100 MB) with room to spare.\n\
             [limits]\n\
             # max_archive_bytes = {}\n\
             # max_entries = {}\n\
             # max_total_bytes = {}\n\
             # max_file_bytes = {}\n\
             # max_ratio = {}\n\
             # max_json_depth = {}\n\
             \n\
             [fetch]\n\
             # timeout_secs = {}\n\
             # retries = {}\n\
             \n\
             # Composer repositories that `formulary ingest vendor/name` reads,\n\
             # in order. Credentials come from auth.json in this folder, then\n\
             # COMPOSER_HOME's auth.json, and the COMPOSER_AUTH variable.\n\
             # [[upstream]]\n\
             # url = \"https://repo.magento.com\"\n\
             \n\
             # Review policy, logged as a signed statement before the decisions\n\
             # it governs. Reviewers count once per person (key name), and the\n\
             # key that requested an ingest can never approve it.\n\
             [policy]\n\
             # reviewers = {}\n\
             # high_risk_reviewers = {}\n\
             # high_risk_severity = \"{}\"\n\
             \n\
             # `formulary serve`. base_url is the address clients use to reach\n\
             # the server, written into every URL it publishes; it defaults to\n\
             # http://<listen>. Anonymous reads let Composer in without a token.\n\
             [server]\n\
             # listen = \"{}\"\n\
             # base_url = \"https://formulary.example.com\"\n\
             # anonymous_read = {}\n\
             # max_body_bytes = {}\n\
             # request_timeout_secs = {}\n\
             \n\
             # `formulary intake` (and `formulary serve --intake-every`):\n\
             # follow upstream packages, take in their new versions, and\n\
             # approve a patch release on its own, signed by the intake key,\n\
             # when it is a patch of an approved version, is older than\n\
             # min_release_age, adds no finding at or above block_severity and\n\
             # no capability, and comes from a trusted vendor. Everything else\n\
             # waits for a reviewer. The rule is logged with the policy.\n\
             # [intake]\n\
             # key = \"{}\"\n\
             # min_release_age = \"{}\"\n\
             # block_severity = \"{}\"\n\
             # trusted_vendors = [\"magento\"]\n\
             # webhook = \"https://hooks.example.com/formulary\"\n\
             # [[intake.track]]\n\
             # package = \"magento/*\"\n\
             # constraint = \"~2.4.6\"\n",
            limits.max_archive_bytes,
            limits.max_entries,
            limits.max_total_bytes,
            limits.max_file_bytes,
            limits.max_ratio,
            limits.max_json_depth,
            fetch.timeout_secs,
            fetch.retries,
            policy.reviewers,
            policy.high_risk_reviewers,
            policy.high_risk_severity,
            server.listen,
            server.anonymous_read,
            server.max_body_bytes,
            server.request_timeout_secs,
            intake.key.display(),
            intake.min_release_age,
            intake.block_severity,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_parses_to_the_defaults() {
        let config: Config = toml::from_str(&Config::template()).expect("parses");
        assert_eq!(config.fetch.timeout_secs, 60);
        assert!(config.upstream.is_empty());
        assert_eq!(config.server, ServerSettings::default());
    }

    #[test]
    fn uncommented_server_lines_parse_to_the_defaults() {
        let server: String = Config::template()
            .split("[server]\n")
            .nth(1)
            .and_then(|rest| rest.split("\n\n").next())
            .expect("a [server] section")
            .lines()
            .filter(|l| !l.contains("base_url"))
            .map(|l| l.trim_start_matches("# "))
            .collect::<Vec<_>>()
            .join("\n");
        let config: Config = toml::from_str(&format!("[server]\n{server}\n")).expect("parses");
        assert_eq!(config.server, ServerSettings::default());
    }

    #[test]
    fn uncommented_template_lines_parse_to_the_same_values() {
        let uncommented: String = Config::template()
            .lines()
            .filter(|l| l.starts_with("# ") && l.contains(" = "))
            .filter(|l| !l.contains("url"))
            .map(|l| l.trim_start_matches("# "))
            .collect::<Vec<_>>()
            .join("\n");
        let grouped = format!(
            "[limits]\n{}\n",
            uncommented.lines().take(6).collect::<Vec<_>>().join("\n")
        );
        let limits: Config = toml::from_str(&grouped).expect("parses");
        assert_eq!(limits.limits, Limits::default());
    }

    #[test]
    fn the_uncommented_intake_example_parses_and_logs_its_rule() {
        let intake: String = Config::template()
            .split("# [intake]\n")
            .nth(1)
            .expect("an [intake] example")
            .lines()
            .map(|l| l.trim_start_matches("# "))
            .collect::<Vec<_>>()
            .join("\n");
        let config: Config = toml::from_str(&format!("[intake]\n{intake}\n")).expect("parses");
        let intake = config.intake.clone().expect("an [intake] table");
        assert_eq!(
            intake.min_release_age,
            IntakeSettings::default().min_release_age
        );
        assert_eq!(intake.track.len(), 1);
        intake.check().expect("the example checks out");
        let rule = config.policy_body().intake.expect("the rule is logged");
        assert_eq!(rule.trusted_vendors, ["magento"]);
        assert_eq!(Config::default().policy_body().intake, None);
    }

    #[test]
    fn a_bad_intake_table_names_formulary_toml() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("formulary.toml");
        std::fs::write(&path, "[intake]\nblock_severity = \"loud\"\n").expect("write");
        let err = Config::load(&path).expect_err("refused").to_string();
        assert!(
            err.contains("formulary.toml") && err.contains("loud"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_setting_is_refused() {
        let err = toml::from_str::<Config>("[limits]\nmax_entires = 3\n");
        assert!(err.is_err());
    }

    #[test]
    fn a_wrongly_typed_setting_is_named_with_its_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("formulary.toml");
        let text = "[limits]\nmax_entries = 10\nmax_total_bytes = \"lots\"\n";
        std::fs::write(&path, text).expect("write");
        let err = Config::load(&path).expect_err("refused").to_string();
        assert!(err.contains("line 3 (max_total_bytes = \"lots\")"), "{err}");
        assert!(!err.contains('\n'), "one line: {err}");
    }
}
