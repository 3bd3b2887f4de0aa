//! `approve | reject | revoke` through a server (`--server`).
//!
//! The server drafts the decision statement from its stored record, we sign
//! it here with the reviewer's key (which never leaves this machine), and
//! the server records the signed envelope like any other statement.
//!
//! Because the server writes what we sign, we read the draft first and
//! sign only a decision on exactly the package, version, verdict, base and
//! note that were asked, by this key, with no automatic-approval rule. A
//! compromised server, or anyone between us, must not be able to collect a
//! reviewer's signature on some other version or verdict. The archive
//! digests in the draft are the server's word; they are the ones
//! `review show` lists for the version.

use std::process::ExitCode;

use anyhow::{bail, Context as _};
use formulary_registry::DecisionRequest;
use formulary_trust::statement::{Body, DecisionBody, Statement, STATEMENT_TYPE};

use crate::commands::decide::{self, Asked, Outcome};
use crate::remote::Client;

/// Drafts on the server, checks, signs here, records on the server.
pub fn run(client: &Client, asked: Asked, json: bool) -> anyhow::Result<ExitCode> {
    let key = asked.key()?;
    let signer = key.key_id();
    let draft = client.decision_template(&asked.request, &signer)?;
    check_draft(&draft, &asked.request, &signer)
        .context("refusing to sign the statement the server drafted")?;
    let shown = client.review_view(&asked.request.package, &asked.request.version)?;
    check_shown(&draft, &shown).context("refusing to sign the statement the server drafted")?;
    let reply = client
        .record(&draft.sign(&key))
        .with_context(|| asked.refused())?;
    let status = reply
        .version
        .context("the server's answer names no version")?;
    let view = client.review_view(&asked.request.package, &asked.request.version)?;
    let outcome = Outcome {
        index: reply.log_index,
        verdict: asked.request.verdict,
        status,
        key: &key,
        requires: view.requires.clone(),
        base: decide::recorded_base(&view, reply.log_index),
    };
    decide::print(&outcome, json)
}

/// The draft must name the archive `review show` shows for the version:
/// the same digests and findings. (A server that lies consistently in both
/// answers is not caught here; TLS and a pinned registry key are the
/// defence against that.)
fn check_shown(draft: &Statement, shown: &formulary_registry::ReviewView) -> anyhow::Result<()> {
    let Body::Decision(body) = &draft.body else {
        bail!("it is not a decision");
    };
    let s = &body.subject;
    let pairs = [
        ("sha256", &s.sha256, &shown.sha256),
        ("sha1", &s.sha1, &shown.sha1),
        ("tree hash", &s.tree_hash, &shown.tree_hash),
    ];
    for (field, drafted, listed) in pairs {
        if drafted != listed {
            bail!("it names {field} {drafted}, but review show lists {listed}");
        }
    }
    Ok(())
}

/// Whether `draft` is a decision on exactly what `request` asks, to be
/// signed by `signer`; the error says what differs.
pub fn check_draft(
    draft: &Statement,
    request: &DecisionRequest,
    signer: &str,
) -> anyhow::Result<()> {
    if draft.statement_type != STATEMENT_TYPE {
        bail!(
            "it is a {:?} statement, not {STATEMENT_TYPE:?}",
            draft.statement_type
        );
    }
    if draft.signer != signer {
        bail!("it names signer {}, not your key {signer}", draft.signer);
    }
    let Body::Decision(body) = &draft.body else {
        bail!("it is a {} statement, not a decision", draft.kind());
    };
    check_subject(body, request)?;
    check_terms(body, request)
}

/// The package and version are the ones asked for.
fn check_subject(body: &DecisionBody, request: &DecisionRequest) -> anyhow::Result<()> {
    let subject = &body.subject;
    if subject.package != request.package {
        bail!(
            "it is about package {}, not {}",
            subject.package,
            request.package
        );
    }
    let asked = formulary_composer::version::normalize(&request.version)
        .with_context(|| format!("{:?} is not a version", request.version))?;
    if subject.version_normalized != asked {
        bail!(
            "it is about version {} ({}), not {} ({asked})",
            subject.version,
            subject.version_normalized,
            request.version
        );
    }
    Ok(())
}

/// The verdict, base, note and rule are the ones asked for.
fn check_terms(body: &DecisionBody, request: &DecisionRequest) -> anyhow::Result<()> {
    if body.verdict != request.verdict {
        bail!("its verdict is {}, not {}", body.verdict, request.verdict);
    }
    // The registry writes the base as stored (`1.0.0` for `v1.0`); the
    // same version in another spelling is what was asked for.
    let normalized = |v: &Option<String>| {
        v.as_deref()
            .map(|v| formulary_composer::version::normalize(v).unwrap_or_else(|_| v.to_string()))
    };
    if normalized(&body.base_version) != normalized(&request.base_version) {
        bail!(
            "its base version is {:?}, not {:?}",
            body.base_version,
            request.base_version
        );
    }
    if body.note != request.note {
        bail!("its note is {:?}, not {:?}", body.note, request.note);
    }
    if let Some(rule) = &body.policy_rule {
        bail!("it claims the automatic-approval rule {rule:?}; a reviewer never signs one");
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use formulary_trust::statement::{KeyRevokeBody, Subject, Verdict};

    const SIGNER: &str = "0123456789abcdef0123456789abcdef";

    fn request() -> DecisionRequest {
        DecisionRequest {
            package: "acme/shipping".to_string(),
            version: "1.2".to_string(),
            verdict: Verdict::Approve,
            base_version: Some("1.1.0".to_string()),
            note: Some("read every file".to_string()),
        }
    }

    /// The draft an honest server makes for `request()`.
    fn honest() -> Statement {
        let body = DecisionBody {
            registry: "formulary/0123".to_string(),
            subject: Subject {
                package: "acme/shipping".to_string(),
                version: "1.2.0".to_string(),
                version_normalized: "1.2.0.0".to_string(),
                sha256: "a".repeat(64),
                sha1: "b".repeat(40),
                tree_hash: "c".repeat(64),
            },
            verdict: Verdict::Approve,
            base_version: Some("1.1.0".to_string()),
            findings_digest: "d".repeat(64),
            note: Some("read every file".to_string()),
            policy_rule: None,
        };
        Statement::new(SIGNER, "2025-01-01T00:00:00Z", Body::Decision(body))
    }

    /// The draft with its decision body changed by `edit`.
    fn tampered(edit: impl FnOnce(&mut DecisionBody)) -> Statement {
        let mut draft = honest();
        if let Body::Decision(body) = &mut draft.body {
            edit(body);
        }
        draft
    }

    fn refusal(draft: &Statement) -> String {
        check_draft(draft, &request(), SIGNER)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn an_honest_draft_is_signed_whatever_spelling_of_the_version_was_asked() {
        check_draft(&honest(), &request(), SIGNER).unwrap();
    }

    #[test]
    fn a_draft_naming_another_version_is_refused() {
        let draft = tampered(|b| {
            b.subject.version = "1.3.0".to_string();
            b.subject.version_normalized = "1.3.0.0".to_string();
        });
        assert!(
            refusal(&draft).contains("version 1.3.0"),
            "{}",
            refusal(&draft)
        );
    }

    #[test]
    fn a_draft_naming_another_package_is_refused() {
        let draft = tampered(|b| b.subject.package = "acme/payments".to_string());
        assert!(refusal(&draft).contains("acme/payments"));
    }

    #[test]
    fn a_draft_with_another_verdict_is_refused() {
        let draft = tampered(|b| b.verdict = Verdict::Revoke);
        assert!(refusal(&draft).contains("verdict is revoke, not approve"));
    }

    #[test]
    fn a_draft_with_another_note_or_base_is_refused() {
        let draft = tampered(|b| b.note = Some("LGTM".to_string()));
        assert!(refusal(&draft).contains("note"));
        let draft = tampered(|b| b.base_version = None);
        assert!(refusal(&draft).contains("base version"));
    }

    #[test]
    fn a_draft_claiming_an_automatic_approval_rule_is_refused() {
        let draft = tampered(|b| b.policy_rule = Some("trusted-vendor".to_string()));
        assert!(refusal(&draft).contains("automatic-approval rule"));
    }

    #[test]
    fn a_draft_for_another_signer_is_refused() {
        let mut draft = honest();
        draft.signer = "f".repeat(32);
        assert!(refusal(&draft).contains("not your key"));
    }

    #[test]
    fn a_draft_that_is_not_a_decision_is_refused() {
        let body = Body::KeyRevoke(KeyRevokeBody {
            key_id: "e".repeat(32),
            reason: None,
        });
        let draft = Statement::new(SIGNER, "2025-01-01T00:00:00Z", body);
        assert!(refusal(&draft).contains("key-revoke statement, not a decision"));
    }

    #[test]
    fn a_draft_of_another_statement_format_is_refused() {
        let mut draft = honest();
        draft.statement_type = "https://example.com/other".to_string();
        assert!(refusal(&draft).contains("https://example.com/other"));
    }
}
