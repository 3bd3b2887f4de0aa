//! One intake run: from the tracked packages to approvals, queued
//! versions and refusals.
//!
//! Each tracked package is handled on its own; one that cannot be listed
//! or fetched is noted in the report and the run goes on. Within a
//! package, versions go oldest first, so a patch approved in this run is
//! the base the next one is diffed against.

use formulary_composer::{Constraint, PackageName};
use formulary_fetch::{FetchError, Fetched, Fetcher, Listed};
use formulary_store::VersionRecord;
use formulary_trust::statement::{Body, DecisionBody, Statement, Verdict};
use formulary_trust::SigningKey;

use super::evaluate::{self, Candidate, DeltaFacts};
use super::plan::{plan, Step};
use super::report::{IntakeEntry, IntakeError, IntakeReport, Outcome};
use super::webhook::{self, Announced};
use crate::config::{IntakeSettings, TrackSettings};
use crate::ledger::PATCH_FAST_TRACK;
use crate::record::status_of;
use crate::{Registry, RegistryError};

/// How to run intake.
#[derive(Clone, Copy, Debug, Default)]
pub struct IntakeOptions {
    /// Fetch and evaluate, but write nothing: no ingest, no decision, no
    /// webhook.
    pub dry_run: bool,
}

impl Registry {
    /// Runs intake once over every `[[intake.track]]` entry.
    ///
    /// Errors only when intake cannot start (no `[intake]`, an unusable
    /// key, no fetcher); a package that fails is in the report's errors.
    pub fn intake(&self, options: IntakeOptions) -> Result<IntakeReport, RegistryError> {
        let settings = self.config.intake.as_ref().ok_or(RegistryError::NoIntake {
            path: self.dir.config_file(),
        })?;
        let key = self.intake_key(settings)?;
        let fetcher = self.fetcher(false)?;
        let mut run = Run {
            registry: self,
            settings,
            key: &key,
            fetcher: &fetcher,
            dry_run: options.dry_run,
            report: IntakeReport {
                dry_run: options.dry_run,
                rule: PATCH_FAST_TRACK.to_string(),
                ..IntakeReport::default()
            },
        };
        for track in &settings.track {
            run.track(track);
        }
        run.announce()?;
        Ok(run.report)
    }
}

/// The state of one run.
struct Run<'a> {
    registry: &'a Registry,
    settings: &'a IntakeSettings,
    key: &'a SigningKey,
    fetcher: &'a Fetcher,
    dry_run: bool,
    report: IntakeReport,
}

impl Run<'_> {
    /// One `[[intake.track]]` entry: a name, or every name of a vendor.
    fn track(&mut self, track: &TrackSettings) {
        let constraint = match track.constraint() {
            Ok(c) => c,
            Err(e) => return self.error(&track.package, e),
        };
        let names = match track.pattern_vendor() {
            Some(vendor) => self.fetcher.list_names(vendor).map_err(RegistryError::from),
            None => PackageName::parse(&track.package)
                .map(|n| vec![n])
                .map_err(RegistryError::from),
        };
        let names = match names {
            Ok(names) => names,
            Err(e) => return self.error(&track.package, e.to_string()),
        };
        tracing::debug!(track = %track.package, names = names.len(), "following");
        for name in names {
            if let Err(e) = self.package(&name, &constraint) {
                self.error(name.as_str(), e.to_string());
            }
        }
    }

    /// Every version of one package in range.
    fn package(
        &mut self,
        name: &PackageName,
        constraint: &Constraint,
    ) -> Result<(), RegistryError> {
        let listed = self.fetcher.list_versions(name)?;
        let stored = self.registry.store.versions_of(name)?;
        for step in plan(listed, constraint, stored, &self.key.key_id()) {
            let label = step_label(&step);
            match self.step(step) {
                Ok(entry) => self.report.entries.push(entry),
                Err(e) => self.error(&label, e.to_string()),
            }
        }
        Ok(())
    }

    fn step(&mut self, step: Step) -> Result<IntakeEntry, RegistryError> {
        match step {
            Step::New(listed) => self.new_version(&listed),
            Step::Recheck(listed, record) => self.evaluate(&listed, &record),
            Step::Waiting(listed, record) => Ok(waiting(&listed, &record)),
            Step::Unchanged(listed) => Ok(entry(&listed, Outcome::Unchanged, Vec::new())),
            Step::Changed(listed, record) => Ok(changed(&listed, &record)),
        }
    }

    /// A version the store does not hold: fetch, take in, evaluate.
    fn new_version(&mut self, listed: &Listed) -> Result<IntakeEntry, RegistryError> {
        let fetched = match self.fetcher.fetch_listed(listed) {
            Ok(fetched) => fetched,
            Err(FetchError::ChecksumMismatch {
                expected, actual, ..
            }) => {
                let reason = format!(
                    "the archive does not match the upstream's shasum (listed sha1 {expected}, \
                     downloaded {actual}); not taken in"
                );
                tracing::warn!(package = %listed.name, version = listed.version.pretty(), %reason, "refused");
                return Ok(entry(listed, Outcome::Refused, vec![reason]));
            }
            Err(e) => return Err(e.into()),
        };
        if self.dry_run {
            return self.dry_run_new(listed, &fetched);
        }
        let now = (self.registry.clock)();
        match self.registry.ingest_fetched(&fetched, now, Some(self.key)) {
            Ok(_) => {}
            Err(e) if refuses_archive(&e) => {
                let reason = format!("ingest refused the archive: {e}");
                return Ok(entry(listed, Outcome::Refused, vec![reason]));
            }
            Err(e) => return Err(e),
        }
        let record = self
            .registry
            .version_record(listed.name.as_str(), listed.version.pretty())?;
        self.evaluate(listed, &record)
    }

    /// `--dry-run` of a new version: everything an ingest checks, the
    /// diff and the rule, with nothing stored.
    fn dry_run_new(
        &mut self,
        listed: &Listed,
        fetched: &Fetched,
    ) -> Result<IntakeEntry, RegistryError> {
        let now = (self.registry.clock)();
        let (record, _) = match self.registry.prepare(fetched, now) {
            Ok(prepared) => prepared,
            Err(e) if refuses_archive(&e) => {
                let reason = format!("ingest would refuse the archive: {e}");
                return Ok(entry(listed, Outcome::Refused, vec![reason]));
            }
            Err(e) => return Err(e),
        };
        let nearest = self
            .registry
            .intake_delta_unstored(&record, &fetched.bytes)?;
        self.conclude(listed, &record, nearest)
    }

    /// A stored version: diff it against the nearest approved version
    /// and check the rule.
    fn evaluate(
        &mut self,
        listed: &Listed,
        record: &VersionRecord,
    ) -> Result<IntakeEntry, RegistryError> {
        let nearest = self.registry.intake_delta(record)?;
        self.conclude(listed, record, nearest)
    }

    /// Checks the rule and, when it holds, approves (or, in a dry run,
    /// says it would).
    fn conclude(
        &mut self,
        listed: &Listed,
        record: &VersionRecord,
        nearest: Option<(VersionRecord, DeltaFacts)>,
    ) -> Result<IntakeEntry, RegistryError> {
        let block = &self.settings.block_severity;
        let (base, facts) = nearest.unzip();
        let candidate = Candidate {
            package: &listed.name,
            version: &listed.version,
            base: base.as_ref(),
            released: listed.released,
            delta: facts.as_ref(),
        };
        let now = (self.registry.clock)();
        let failures = evaluate::failures(self.settings, &candidate, now);
        let mut out = entry(listed, Outcome::Queued, failures);
        out.base = base.as_ref().map(|b| b.version.clone());
        out.verdict = facts.as_ref().map(|f| f.verdict.clone());
        if !out.reasons.is_empty() {
            tracing::debug!(package = %listed.name, version = listed.version.pretty(), reasons = ?out.reasons, %block, "queued for a reviewer");
            return Ok(out);
        }
        let grounds = evaluate::grounds(self.settings, &candidate);
        if self.dry_run {
            out.outcome = Outcome::Approved;
            out.reasons = grounds;
            return Ok(out);
        }
        let Some(base) = base else {
            return Ok(out);
        };
        match self.approve(record, &base, &grounds) {
            Ok(index) => {
                out.outcome = Outcome::Approved;
                out.reasons = grounds;
                out.approval_index = Some(index);
            }
            Err(RegistryError::Refused(refusal)) => {
                out.reasons = vec![format!("the judge refused the intake approval: {refusal}")];
            }
            Err(e) => return Err(e),
        }
        Ok(out)
    }

    /// Signs and records the intake approval; returns its log index.
    fn approve(
        &self,
        record: &VersionRecord,
        base: &VersionRecord,
        grounds: &[String],
    ) -> Result<u64, RegistryError> {
        let body = Body::Decision(DecisionBody {
            registry: self.registry.origin(),
            subject: status_of(record).subject,
            verdict: Verdict::Approve,
            base_version: Some(base.version.clone()),
            findings_digest: record.findings_digest.clone(),
            note: Some(format!("automatic: {}", grounds.join("; "))),
            policy_rule: Some(PATCH_FAST_TRACK.to_string()),
        });
        let key = self.key;
        let statement = Statement::new(&key.key_id(), &self.registry.now_rfc3339(), body);
        let recorded = self.registry.record(&statement.sign(key))?;
        tracing::debug!(subject = %record.subject(), base = %base.version, index = recorded.index, "approved under the intake rule");
        Ok(recorded.index)
    }

    /// Posts each queued version not announced with the same reasons
    /// before, and keeps the record of what was announced.
    fn announce(&mut self) -> Result<(), RegistryError> {
        let Some(url) = self.settings.webhook.as_deref() else {
            return Ok(());
        };
        if self.dry_run {
            return Ok(());
        }
        let path = self.registry.dir.intake_announced();
        let before = Announced::load(&path);
        let origin = self.registry.origin();
        let mut announced = Vec::new();
        let mut warnings = Vec::new();
        for e in self
            .report
            .entries
            .iter()
            .filter(|e| e.outcome == Outcome::Queued)
        {
            if before.already(e) {
                announced.push(e);
                continue;
            }
            match webhook::post(url, &webhook::announcement(&origin, e)) {
                Ok(()) => announced.push(e),
                Err(why) => warnings.push(why),
            }
        }
        Announced::save(&path, &announced)?;
        for why in &warnings {
            tracing::warn!(%why, "webhook failed; the version is announced again next run");
        }
        self.report.warnings.extend(warnings);
        Ok(())
    }

    fn error(&mut self, package: &str, error: impl ToString) {
        let error = error.to_string();
        tracing::warn!(%package, %error, "intake could not handle it");
        self.report.errors.push(IntakeError {
            package: package.to_string(),
            error,
        });
    }
}

/// An entry with no base, verdict or approval yet.
fn entry(listed: &Listed, outcome: Outcome, reasons: Vec<String>) -> IntakeEntry {
    IntakeEntry {
        package: listed.name.to_string(),
        version: listed.version.pretty().to_string(),
        outcome,
        base: None,
        reasons,
        verdict: None,
        approval_index: None,
    }
}

fn waiting(listed: &Listed, record: &VersionRecord) -> IntakeEntry {
    let why = if record.decisions.is_empty() {
        "pending review; intake did not take it in, so a reviewer decides"
    } else {
        "pending review; a reviewer has begun deciding on it"
    };
    entry(listed, Outcome::Queued, vec![why.to_string()])
}

/// The upstream lists other bytes under a version already stored. We
/// change nothing: the stored archive is what was reviewed (or waits to
/// be), and the new bytes are a new artifact that no version number may
/// carry here.
fn changed(listed: &Listed, record: &VersionRecord) -> IntakeEntry {
    let listed_sum = listed.shasum.as_deref().unwrap_or("?");
    tracing::warn!(
        package = %listed.name,
        version = listed.version.pretty(),
        stored_sha1 = %record.sha1,
        upstream_shasum = %listed_sum,
        state = %record.state,
        "upstream bytes changed under the same version: refused"
    );
    let reason = format!(
        "upstream bytes changed under the same version: stored sha1 {} ({}), upstream now \
         lists {listed_sum}; nothing taken in, ask the vendor why",
        record.sha1, record.state
    );
    entry(listed, Outcome::Refused, vec![reason])
}

fn step_label(step: &Step) -> String {
    let listed = match step {
        Step::New(l)
        | Step::Recheck(l, _)
        | Step::Waiting(l, _)
        | Step::Unchanged(l)
        | Step::Changed(l, _) => l,
    };
    format!("{} {}", listed.name, listed.version.pretty())
}

/// Errors that say the archive itself is unacceptable (as opposed to the
/// registry failing): those refuse the version, the others stop it.
fn refuses_archive(error: &RegistryError) -> bool {
    matches!(
        error,
        RegistryError::Unpack(_)
            | RegistryError::NoVersion { .. }
            | RegistryError::VersionMismatch { .. }
            | RegistryError::NameMismatch { .. }
            | RegistryError::Version(_)
            | RegistryError::Conflict { .. }
            | RegistryError::OddVersion { .. }
            | RegistryError::Name(_)
    )
}
