//! `etc/adminhtml/system.xml`: admin configuration fields that hold
//! secrets but are saved in plain text.
//!
//! A field is secret when its type says so (`obscure`, `password`) or its
//! id ends in a credential word (`api_key`, `client_secret`,
//! `access_token`). It is safe when its backend model encrypts: Magento's
//! `…\Config\Backend\Encrypted`, or a vendor class named `…Encrypted` that
//! extends it. Choice lists (`select`, `multiselect`) hold no secret.

use roxmltree::{Document, Node};

use super::classes;
use super::lexicon;
use super::rules::CONFIG_SECRET_NOT_ENCRYPTED;
use super::xml;
use super::Report;
use crate::finding::Severity;

/// Field types that can hold free text.
const TEXT_TYPES: &[&str] = &["", "text", "textarea", "obscure", "password"];

/// Checks one system.xml document.
pub fn check(doc: &Document, report: &mut Report) {
    for field in xml::descendants(doc.root(), "field") {
        // `<depends><field id="x">1</field></depends>` names another field.
        if field
            .parent_element()
            .is_some_and(|p| p.tag_name().name() == "depends")
        {
            continue;
        }
        check_field(doc, field, report);
    }
}

fn check_field(doc: &Document, field: Node, report: &mut Report) {
    let id = field.attribute("id").unwrap_or("");
    let kind = field.attribute("type").unwrap_or("").to_ascii_lowercase();
    if !TEXT_TYPES.contains(&kind.as_str()) {
        return;
    }
    let masked = kind == "obscure" || kind == "password";
    if !masked && !lexicon::is_credential_name(id) {
        return;
    }
    if encrypts(field, report) {
        tracing::debug!(id, "secret field has an encrypting backend model");
        return;
    }
    let path = config_path(field);
    let (severity, why) = if masked {
        (Severity::High, format!("is a `{kind}` field"))
    } else if is_licence_key(id) {
        // A vendor licence key opens the vendor's service, not the store's
        // data or money: worth encrypting, but low.
        (Severity::Low, "holds a licence key".to_string())
    } else {
        (Severity::Medium, "is named like a credential".to_string())
    };
    let message = format!(
        "Admin field `{path}` {why} but has no Encrypted backend model, so its value is \
         stored in plain text in core_config_data"
    );
    let evidence = format!("field {path}");
    let rule = &CONFIG_SECRET_NOT_ENCRYPTED;
    let finding = xml::finding_at(rule, doc, report.path, field, message, &evidence);
    report.finding(finding.with_severity(severity));
}

fn is_licence_key(id: &str) -> bool {
    let words = lexicon::words(id);
    words.iter().any(|w| w == "license" || w == "licence")
        && words.last().is_some_and(|w| w == "key")
}

/// Whether the field's backend model encrypts: Magento's `Encrypted`, a
/// class named `…Encrypted`, or a class of the extension that extends
/// `Encrypted` or calls the encryptor (Mollie's `SaveApiKey` does).
fn encrypts(field: Node, report: &Report) -> bool {
    let Some(model) = xml::child(field, "backend_model") else {
        return false;
    };
    let class = xml::text(model);
    let class = xml::class_name(&class);
    if class
        .rsplit('\\')
        .next()
        .is_some_and(|c| c.ends_with("Encrypted"))
    {
        return true;
    }
    classes::find(report.ext, report.path, class).is_some_and(|source| {
        let code = source.code.replace(char::is_whitespace, "");
        code.contains("extendsEncrypted")
            || code.contains("extends\\Magento\\Config\\Model\\Config\\Backend\\Encrypted")
            || code.contains("->encrypt(")
    })
}

/// The config path the field saves to: its `<config_path>` when given,
/// else `section/group[/group…]/field` from the ids around it.
fn config_path(field: Node) -> String {
    if let Some(explicit) = xml::child(field, "config_path") {
        return xml::text(explicit);
    }
    let mut ids: Vec<&str> = field
        .ancestors()
        .filter(|n| matches!(n.tag_name().name(), "section" | "group" | "field"))
        .filter_map(|n| n.attribute("id"))
        .collect();
    ids.reverse();
    ids.join("/")
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check_files, codes_at};
    use crate::finding::Severity;

    fn system(fields: &str) -> String {
        format!(
            "<config>\n<system>\n<section id=\"payment\">\n<group id=\"acme\">\n{fields}\n\
             </group>\n</section>\n</system>\n</config>"
        )
    }

    #[test]
    fn an_obscure_field_without_encryption_is_high() {
        let xml = system("<field id=\"merchant_secret\" type=\"obscure\"><label>S</label></field>");
        let out = check_files(&[("etc/adminhtml/system.xml", &xml)]);
        assert_eq!(codes_at(&out), [("config-secret-not-encrypted", 5)]);
        assert_eq!(out.findings[0].severity, Severity::High);
        assert!(out.findings[0]
            .message
            .contains("payment/acme/merchant_secret"));
    }

    #[test]
    fn a_text_field_named_like_a_key_is_medium() {
        let xml = system("<field id=\"merchant_key\" type=\"text\"/>");
        let out = check_files(&[("etc/adminhtml/system.xml", &xml)]);
        assert_eq!(codes_at(&out), [("config-secret-not-encrypted", 5)]);
        assert_eq!(out.findings[0].severity, Severity::Medium);
    }

    #[test]
    fn a_plain_licence_key_is_low() {
        let xml = system("<field id=\"license_key\" type=\"text\"/>");
        let out = check_files(&[("etc/adminhtml/system.xml", &xml)]);
        assert_eq!(codes_at(&out), [("config-secret-not-encrypted", 5)]);
        assert_eq!(out.findings[0].severity, Severity::Low);
    }

    #[test]
    fn an_encrypted_field_is_not_a_finding() {
        let xml = system(
            "<field id=\"api_key\" type=\"obscure\">\n<backend_model>\
             Magento\\Config\\Model\\Config\\Backend\\Encrypted</backend_model>\n</field>",
        );
        let out = check_files(&[("etc/adminhtml/system.xml", &xml)]);
        assert!(out.findings.is_empty());
    }

    #[test]
    fn a_vendor_backend_model_extending_encrypted_is_not_a_finding() {
        let xml = system(
            "<field id=\"api_key\" type=\"obscure\">\n<backend_model>\
             Acme\\Pay\\Model\\Backend\\SaveKey</backend_model>\n</field>",
        );
        let model = "<?php\nnamespace Acme\\Pay\\Model\\Backend;\n\
                     use Magento\\Config\\Model\\Config\\Backend\\Encrypted;\n\
                     class SaveKey extends Encrypted {}\n";
        let out = check_files(&[
            ("etc/adminhtml/system.xml", &xml),
            ("Model/Backend/SaveKey.php", model),
        ]);
        assert!(out.findings.is_empty());
    }

    #[test]
    fn look_alike_names_and_choice_lists_are_not_findings() {
        let xml = system(
            "<field id=\"public_key\" type=\"text\"/>\n\
             <field id=\"token_lifetime\" type=\"text\"/>\n\
             <field id=\"token\" type=\"select\"/>\n\
             <depends><field id=\"api_key\">1</field></depends>",
        );
        let out = check_files(&[("etc/adminhtml/system.xml", &xml)]);
        assert!(out.findings.is_empty());
    }
}
