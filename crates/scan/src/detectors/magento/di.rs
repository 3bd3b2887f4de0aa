//! `etc/[area/]di.xml`: plugins and preferences, and the core classes whose
//! data they get to see or replace.
//!
//! Every plugin target and every preferred interface is a Hook capability
//! (`plugin:CLASS`, `preference:IFACE`). Plugins and preferences on a
//! class from the sensitive list are findings. The list has three tiers:
//! security (encryption, sessions, authentication, tokens, the front
//! controller, the customer account and repository), payment, and data
//! (orders, quotes, checkout, customers). Security and payment weigh high;
//! a plugin on a data class is medium, the usual way extensions add to
//! orders, and the place a reviewer reads.

use roxmltree::{Document, Node};

use super::rules::{PLUGIN_ON_SENSITIVE_CLASS, PREFERENCE_ON_SENSITIVE_CLASS};
use super::xml;
use super::Report;
use crate::capability::CapabilityKind;
use crate::finding::Severity;

/// How much a class's data weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    Security,
    Payment,
    Data,
}

impl Tier {
    fn severity(self) -> Severity {
        match self {
            Tier::Security | Tier::Payment => Severity::High,
            Tier::Data => Severity::Medium,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Tier::Security => "a security component",
            Tier::Payment => "payment handling",
            Tier::Data => "order, quote or customer data",
        }
    }
}

/// Class-name prefixes and their tier; the first match wins, so the
/// narrower security and payment prefixes come before the data ones.
const SENSITIVE: &[(&str, Tier)] = &[
    ("Magento\\Framework\\Encryption\\", Tier::Security),
    ("Magento\\Framework\\App\\FrontController", Tier::Security),
    (
        "Magento\\Framework\\App\\Request\\CsrfValidator",
        Tier::Security,
    ),
    ("Magento\\Framework\\Session\\", Tier::Security),
    ("Magento\\Framework\\Authorization", Tier::Security),
    ("Magento\\Backend\\Model\\Auth", Tier::Security),
    ("Magento\\Backend\\App\\AbstractAction", Tier::Security),
    ("Magento\\User\\", Tier::Security),
    ("Magento\\Integration\\", Tier::Security),
    ("Magento\\JwtUserToken\\", Tier::Security),
    ("Magento\\Webapi\\Controller\\", Tier::Security),
    ("Magento\\Customer\\Model\\Session", Tier::Security),
    ("Magento\\Customer\\Model\\Authentication", Tier::Security),
    (
        "Magento\\Customer\\Model\\AccountManagement",
        Tier::Security,
    ),
    (
        "Magento\\Customer\\Api\\AccountManagementInterface",
        Tier::Security,
    ),
    (
        "Magento\\Customer\\Api\\CustomerRepositoryInterface",
        Tier::Security,
    ),
    (
        "Magento\\Customer\\Model\\ResourceModel\\CustomerRepository",
        Tier::Security,
    ),
    ("Magento\\Payment\\", Tier::Payment),
    ("Magento\\Vault\\", Tier::Payment),
    ("Magento\\Paypal\\", Tier::Payment),
    ("Magento\\Braintree\\", Tier::Payment),
    ("PayPal\\Braintree\\", Tier::Payment),
    ("Magento\\PaymentServicesPaypal\\", Tier::Payment),
    ("Magento\\Sales\\Model\\Order\\Payment", Tier::Payment),
    (
        "Magento\\Sales\\Api\\Data\\OrderPaymentInterface",
        Tier::Payment,
    ),
    ("Magento\\Quote\\Model\\Quote\\Payment", Tier::Payment),
    ("Magento\\Quote\\Api\\Data\\PaymentInterface", Tier::Payment),
    (
        "Magento\\Quote\\Api\\PaymentMethodManagementInterface",
        Tier::Payment,
    ),
    (
        "Magento\\Checkout\\Api\\PaymentInformationManagementInterface",
        Tier::Payment,
    ),
    (
        "Magento\\Checkout\\Api\\GuestPaymentInformationManagementInterface",
        Tier::Payment,
    ),
    (
        "Magento\\Checkout\\Model\\PaymentInformationManagement",
        Tier::Payment,
    ),
    (
        "Magento\\Checkout\\Model\\GuestPaymentInformationManagement",
        Tier::Payment,
    ),
    ("Magento\\Sales\\", Tier::Data),
    ("Magento\\Quote\\", Tier::Data),
    ("Magento\\Checkout\\", Tier::Data),
    ("Magento\\Customer\\", Tier::Data),
    ("Magento\\Multishipping\\", Tier::Data),
    ("Magento\\InstantPurchase\\", Tier::Data),
];

fn tier(class: &str) -> Option<Tier> {
    SENSITIVE
        .iter()
        .find(|(prefix, _)| class.starts_with(prefix))
        .map(|(_, tier)| *tier)
}

/// Checks one di.xml document.
pub fn check(doc: &Document, report: &mut Report) {
    for node in doc.root().descendants().filter(|n| n.is_element()) {
        match node.tag_name().name() {
            "plugin" => plugin(doc, node, report),
            "preference" => preference(doc, node, report),
            _ => {}
        }
    }
}

fn plugin(doc: &Document, node: Node, report: &mut Report) {
    let Some(target) = node
        .parent_element()
        .filter(|p| p.tag_name().name() == "type")
    else {
        return;
    };
    let target = xml::class_name(target.attribute("name").unwrap_or(""));
    if target.is_empty() {
        return;
    }
    report.capability(CapabilityKind::Hook, format!("plugin:{target}"));
    let Some(tier) = tier(target) else { return };
    let name = node.attribute("name").unwrap_or("?");
    let class = xml::class_name(node.attribute("type").unwrap_or(""));
    let disabled = node
        .attribute("disabled")
        .is_some_and(|d| d == "true" || d == "1");
    let message = if disabled {
        format!(
            "Plugin `{name}` on {target} ({}) is turned off",
            tier.what()
        )
    } else {
        format!(
            "{class} is a plugin on {target} ({}): it sees its arguments and results",
            tier.what()
        )
    };
    let evidence = format!("plugin {target} {name} {class}");
    let rule = &PLUGIN_ON_SENSITIVE_CLASS;
    let finding = xml::finding_at(rule, doc, report.path, node, message, &evidence);
    report.finding(finding.with_severity(tier.severity()));
}

fn preference(doc: &Document, node: Node, report: &mut Report) {
    let iface = xml::class_name(node.attribute("for").unwrap_or(""));
    if iface.is_empty() {
        return;
    }
    report.capability(CapabilityKind::Hook, format!("preference:{iface}"));
    let Some(tier) = tier(iface) else { return };
    let class = xml::class_name(node.attribute("type").unwrap_or(""));
    let message = format!(
        "{class} replaces {iface} ({}) for the whole store",
        tier.what()
    );
    let evidence = format!("preference {iface} {class}");
    let rule = &PREFERENCE_ON_SENSITIVE_CLASS;
    let finding = xml::finding_at(rule, doc, report.path, node, message, &evidence);
    report.finding(finding.with_severity(tier.severity()));
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check_files, codes_at};
    use crate::finding::Severity;

    fn di(body: &str) -> String {
        format!("<config>\n{body}\n</config>")
    }

    #[test]
    fn a_plugin_on_the_encryptor_is_high() {
        let xml = di(
            "<type name=\"Magento\\Framework\\Encryption\\Encryptor\">\n\
                      <plugin name=\"p\" type=\"Acme\\Plugin\\Enc\"/>\n</type>",
        );
        let out = check_files(&[("etc/di.xml", &xml)]);
        assert_eq!(codes_at(&out), [("plugin-on-sensitive-class", 3)]);
        assert_eq!(out.findings[0].severity, Severity::High);
        assert_eq!(
            out.capabilities[0].value,
            "plugin:Magento\\Framework\\Encryption\\Encryptor"
        );
    }

    #[test]
    fn a_plugin_on_an_order_class_is_medium() {
        let xml = di("<type name=\"\\Magento\\Sales\\Model\\Order\">\n\
                      <plugin name=\"p\" type=\"Acme\\Plugin\\Order\"/>\n</type>");
        let out = check_files(&[("etc/frontend/di.xml", &xml)]);
        assert_eq!(codes_at(&out), [("plugin-on-sensitive-class", 3)]);
        assert_eq!(out.findings[0].severity, Severity::Medium);
    }

    #[test]
    fn a_preference_for_the_customer_repository_is_high() {
        let xml = di(
            "<preference for=\"Magento\\Customer\\Api\\CustomerRepositoryInterface\" \
                      type=\"Acme\\Repo\"/>",
        );
        let out = check_files(&[("etc/di.xml", &xml)]);
        assert_eq!(codes_at(&out), [("preference-on-sensitive-class", 2)]);
        assert_eq!(out.findings[0].severity, Severity::High);
    }

    #[test]
    fn the_extensions_own_classes_and_catalog_classes_are_only_hooks() {
        let xml = di(
            "<preference for=\"Acme\\Rx\\Api\\OrderLookupInterface\" type=\"Acme\\L\"/>\n\
                      <type name=\"Magento\\Catalog\\Model\\Product\">\n\
                      <plugin name=\"p\" type=\"Acme\\P\"/>\n</type>\n\
                      <type name=\"Acme\\Rx\\Model\\Client\"><arguments/></type>",
        );
        let out = check_files(&[("etc/di.xml", &xml)]);
        assert!(out.findings.is_empty());
        assert_eq!(out.capabilities.len(), 2);
    }
}
