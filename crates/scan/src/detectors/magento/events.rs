//! `etc/[area/]events.xml`: observers, and the events that hand them
//! orders, customers and payments.
//!
//! Every observed event is a Hook capability (`event:NAME`). An observer
//! on an event from the sensitive list is a finding of its own: not a
//! fault, but the place a reviewer must read, because the observer gets
//! the order, quote, customer or payment object (or, for predispatch, runs
//! before every controller: where licence-check backdoors sit). Whether
//! the data then leaks is the PHP family's taint question.

use roxmltree::{Document, Node};

use super::rules::OBSERVER_ON_SENSITIVE_EVENT;
use super::xml;
use super::Report;
use crate::capability::CapabilityKind;
use crate::finding::Severity;

/// A sensitive event (a name, or a prefix ending in `*`), what it hands
/// the observer, and how much that weighs.
struct Sensitive {
    pattern: &'static str,
    carries: &'static str,
    severity: Severity,
}

const fn ev(pattern: &'static str, carries: &'static str, severity: Severity) -> Sensitive {
    Sensitive {
        pattern,
        carries,
        severity,
    }
}

const ORDER: &str = "the order with its customer, addresses, items and payment";
const QUOTE: &str = "the quote and order at checkout, with addresses and payment";
const CUSTOMER: &str = "the customer account";
const PAYMENT: &str = "the raw payment form data, card fields included";
const REQUEST: &str = "every request before its controller runs";

/// The events we call sensitive (detections.md §4), plus close siblings.
const SENSITIVE: &[Sensitive] = &[
    ev("controller_action_predispatch*", REQUEST, Severity::Medium),
    ev("payment_method_assign_data*", PAYMENT, Severity::Medium),
    ev("sales_order_payment_*", PAYMENT, Severity::Medium),
    ev("sales_order_place_after", ORDER, Severity::Low),
    ev("sales_order_place_before", ORDER, Severity::Low),
    ev("sales_order_save_after", ORDER, Severity::Low),
    ev("checkout_submit_all_after", QUOTE, Severity::Low),
    ev("checkout_submit_before", QUOTE, Severity::Low),
    ev(
        "checkout_onepage_controller_success_action",
        ORDER,
        Severity::Low,
    ),
    ev(
        "multishipping_checkout_controller_success_action",
        ORDER,
        Severity::Low,
    ),
    ev("sales_model_service_quote_submit_*", QUOTE, Severity::Low),
    ev("customer_login", CUSTOMER, Severity::Low),
    ev("customer_register_success", CUSTOMER, Severity::Low),
    ev("customer_save_after*", CUSTOMER, Severity::Low),
    ev("customer_address_save_after", CUSTOMER, Severity::Low),
];

fn sensitive(event: &str) -> Option<&'static Sensitive> {
    SENSITIVE
        .iter()
        .find(|s| match s.pattern.strip_suffix('*') {
            Some(prefix) => event.starts_with(prefix),
            None => event == s.pattern,
        })
}

/// Checks one events.xml document.
pub fn check(doc: &Document, report: &mut Report) {
    for event in xml::descendants(doc.root(), "event") {
        let name = event.attribute("name").unwrap_or("").to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        report.capability(CapabilityKind::Hook, format!("event:{name}"));
        let Some(info) = sensitive(&name) else {
            continue;
        };
        for observer in xml::children(event, "observer") {
            observer_finding(doc, &name, info, observer, report);
        }
    }
}

fn observer_finding(
    doc: &Document,
    event: &str,
    info: &Sensitive,
    observer: Node,
    report: &mut Report,
) {
    let id = observer.attribute("name").unwrap_or("?");
    let class = xml::class_name(observer.attribute("instance").unwrap_or(""));
    let disabled = observer
        .attribute("disabled")
        .is_some_and(|d| d == "true" || d == "1");
    let message = if disabled {
        format!("Observer `{id}` on `{event}` is turned off; check what the original did")
    } else {
        format!(
            "{class} observes `{event}`, which gives it {}",
            info.carries
        )
    };
    let evidence = format!("{event} {id} {class}");
    let rule = &OBSERVER_ON_SENSITIVE_EVENT;
    let finding = xml::finding_at(rule, doc, report.path, observer, message, &evidence);
    report.finding(finding.with_severity(info.severity));
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check_files, codes_at};
    use crate::finding::Severity;

    fn events(name: &str) -> String {
        format!(
            "<config>\n  <event name=\"{name}\">\n    \
             <observer name=\"acme\" instance=\"Acme\\Rx\\Observer\\Send\"/>\n  </event>\n</config>"
        )
    }

    #[test]
    fn an_order_observer_is_a_low_signal_at_the_observer() {
        let out = check_files(&[("etc/events.xml", &events("sales_order_place_after"))]);
        assert_eq!(codes_at(&out), [("observer-on-sensitive-event", 3)]);
        assert_eq!(out.findings[0].severity, Severity::Low);
        assert_eq!(out.capabilities[0].value, "event:sales_order_place_after");
    }

    #[test]
    fn predispatch_and_payment_data_observers_are_medium() {
        for name in [
            "controller_action_predispatch",
            "payment_method_assign_data_acme",
        ] {
            let out = check_files(&[("etc/frontend/events.xml", &events(name))]);
            assert_eq!(
                codes_at(&out),
                [("observer-on-sensitive-event", 3)],
                "{name}"
            );
            assert_eq!(out.findings[0].severity, Severity::Medium, "{name}");
        }
    }

    #[test]
    fn an_observer_on_an_ordinary_event_is_only_a_hook() {
        let out = check_files(&[("etc/events.xml", &events("catalog_product_save_after"))]);
        assert!(out.findings.is_empty());
        assert_eq!(
            out.capabilities[0].value,
            "event:catalog_product_save_after"
        );
    }

    #[test]
    fn near_names_are_not_sensitive() {
        let out = check_files(&[("etc/events.xml", &events("customer_login_failed"))]);
        assert!(out.findings.is_empty());
    }
}
