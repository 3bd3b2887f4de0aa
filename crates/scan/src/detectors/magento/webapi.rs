//! `etc/webapi.xml`: REST routes, who may call them, and which ids they
//! take from the caller.
//!
//! Every route is an Endpoint capability (`GET /V1/rx/:id`). Two shapes
//! are findings: routes open to anonymous callers, and `self` routes
//! (any signed-in customer) that take a customer or order id from the
//! request instead of forcing it from the session, the classic IDOR.

use roxmltree::{Document, Node};

use super::classes;
use super::lexicon;
use super::rules::{WEBAPI_ANONYMOUS_ROUTE, WEBAPI_SELF_ROUTE_CUSTOMER_ID};
use super::xml;
use super::Report;
use crate::capability::CapabilityKind;
use crate::detector::Extension;
use crate::finding::Severity;

/// One `<route>` element, read.
struct Route<'a, 'i> {
    node: Node<'a, 'i>,
    method: String,
    url: String,
    service: String,
    service_method: String,
    resources: Vec<String>,
    forced: Vec<String>,
}

impl<'a, 'i> Route<'a, 'i> {
    fn read(node: Node<'a, 'i>) -> Route<'a, 'i> {
        let service = xml::child(node, "service");
        let attr = |name| {
            service
                .and_then(|n| n.attribute(name))
                .unwrap_or("")
                .to_string()
        };
        let resources = xml::child(node, "resources")
            .map(|r| xml::children(r, "resource").filter_map(|n| n.attribute("ref")))
            .into_iter()
            .flatten()
            .map(str::to_string)
            .collect();
        let forced = xml::child(node, "data")
            .map(|d| xml::children(d, "parameter"))
            .into_iter()
            .flatten()
            .filter(|p| {
                p.attribute("force")
                    .is_some_and(|f| f == "true" || f == "1")
            })
            .filter_map(|p| p.attribute("name"))
            .map(str::to_string)
            .collect();
        Route {
            node,
            method: node.attribute("method").unwrap_or("").to_ascii_uppercase(),
            url: node.attribute("url").unwrap_or("").to_string(),
            service: xml::class_name(&attr("class")).to_string(),
            service_method: attr("method"),
            resources,
            forced,
        }
    }

    fn endpoint(&self) -> String {
        format!("{} {}", self.method, self.url)
    }

    fn has_resource(&self, name: &str) -> bool {
        self.resources.iter().any(|r| r == name)
    }

    /// `:placeholders` in the URL.
    fn url_params(&self) -> Vec<String> {
        self.url
            .split('/')
            .filter_map(|seg| seg.strip_prefix(':'))
            .map(str::to_string)
            .collect()
    }
}

/// Checks one webapi.xml document.
pub fn check(doc: &Document, report: &mut Report) {
    for node in xml::descendants(doc.root(), "route") {
        let route = Route::read(node);
        report.capability(CapabilityKind::Endpoint, route.endpoint());
        if route.has_resource("anonymous") {
            anonymous(doc, &route, report);
        } else if route.has_resource("self") {
            self_route(doc, &route, report);
        }
    }
}

/// The parameters a caller supplies: URL placeholders, plus the service
/// method's parameters when its interface is in the extension.
fn caller_params(route: &Route, path: &str, ext: &dyn Extension) -> Vec<String> {
    let mut params = route.url_params();
    if let Some(class) = classes::find(ext, path, &route.service) {
        for p in classes::method_params(&class.code, &route.service_method) {
            if !params.contains(&p) {
                params.push(p);
            }
        }
    }
    params.retain(|p| !route.forced.contains(p));
    params
}

fn anonymous(doc: &Document, route: &Route, report: &mut Report) {
    let params = caller_params(route, report.path, report.ext);
    // The short class name, not the namespace: a vendor called `Rx` or a
    // module called `CustomerSupport` says nothing about this route.
    let short = route.service.rsplit('\\').next().unwrap_or("");
    let hint = lexicon::personal_hint([short, &route.service_method, &route.url]);
    let id = params.iter().find(|p| lexicon::is_id_name(p));
    let (severity, why) = match (&hint, id) {
        (Some(word), _) => (Severity::High, format!("; it serves {word} data")),
        (None, Some(id)) => (Severity::High, format!("; it takes `{id}` from the caller")),
        (None, None) => (Severity::Medium, String::new()),
    };
    let message = format!(
        "{} ({}::{}) can be called by anyone, without signing in{why}",
        route.endpoint(),
        route.service,
        route.service_method
    );
    let evidence = format!("anonymous {}", route.endpoint());
    let finding = xml::finding_at(
        &WEBAPI_ANONYMOUS_ROUTE,
        doc,
        report.path,
        route.node,
        message,
        &evidence,
    );
    report.finding(finding.with_severity(severity));
}

fn self_route(doc: &Document, route: &Route, report: &mut Report) {
    let params = caller_params(route, report.path, report.ext);
    let Some(id) = params.iter().find(|p| lexicon::is_personal_id_name(p)) else {
        return;
    };
    let message = format!(
        "{} is open to any signed-in customer and takes `{id}` from the request, not from \
         the session: one customer can ask for another's records",
        route.endpoint()
    );
    let evidence = format!("self {} {id}", route.endpoint());
    let rule = &WEBAPI_SELF_ROUTE_CUSTOMER_ID;
    report.finding(xml::finding_at(
        rule,
        doc,
        report.path,
        route.node,
        message,
        &evidence,
    ));
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check_files, codes_at};
    use crate::finding::Severity;

    fn route(url: &str, method: &str, resource: &str, extra: &str) -> String {
        format!(
            "<routes>\n  <route url=\"{url}\" method=\"GET\">\n    \
             <service class=\"Acme\\Rx\\Api\\LookupInterface\" method=\"{method}\"/>\n    \
             <resources><resource ref=\"{resource}\"/></resources>{extra}\n  </route>\n</routes>"
        )
    }

    #[test]
    fn an_anonymous_order_lookup_by_id_is_high() {
        let xml = route("/V1/order-status/:incrementId", "getOrder", "anonymous", "");
        let out = check_files(&[("etc/webapi.xml", &xml)]);
        assert_eq!(codes_at(&out), [("webapi-anonymous-route", 2)]);
        assert_eq!(out.findings[0].severity, Severity::High);
        assert!(out
            .capabilities
            .iter()
            .any(|c| c.value == "GET /V1/order-status/:incrementId"));
    }

    #[test]
    fn an_anonymous_route_without_personal_data_is_medium() {
        let xml = route("/V1/stores/hours", "getHours", "anonymous", "");
        let out = check_files(&[("etc/webapi.xml", &xml)]);
        assert_eq!(codes_at(&out), [("webapi-anonymous-route", 2)]);
        assert_eq!(out.findings[0].severity, Severity::Medium);
    }

    #[test]
    fn an_acl_protected_route_is_only_a_capability() {
        let xml = route("/V1/orders/:orderId", "getOrder", "Acme_Rx::lookup", "");
        let out = check_files(&[("etc/webapi.xml", &xml)]);
        assert!(out.findings.is_empty());
        assert_eq!(out.capabilities.len(), 1);
    }

    #[test]
    fn a_self_route_with_a_customer_id_in_the_url_is_an_idor() {
        let xml = route("/V1/customers/:customerId/rx", "getList", "self", "");
        let out = check_files(&[("etc/webapi.xml", &xml)]);
        assert_eq!(codes_at(&out), [("webapi-self-route-customer-id", 2)]);
    }

    #[test]
    fn a_self_route_with_the_id_forced_from_the_session_is_safe() {
        let forced = "<data><parameter name=\"customerId\" force=\"true\">%customer_id%\
                      </parameter></data>";
        let xml = route("/V1/customers/me/rx", "getList", "self", forced);
        let out = check_files(&[("etc/webapi.xml", &xml)]);
        assert!(out.findings.is_empty());
    }

    #[test]
    fn a_self_route_whose_service_takes_an_order_id_in_the_body_is_an_idor() {
        let xml = route("/V1/rx/refill", "refill", "self", "");
        let api = "<?php interface LookupInterface {\n  public function refill(int $orderId);\n}";
        let out = check_files(&[("etc/webapi.xml", &xml), ("Api/LookupInterface.php", api)]);
        assert_eq!(codes_at(&out), [("webapi-self-route-customer-id", 2)]);
    }

    #[test]
    fn a_default_that_is_not_forced_does_not_bind_the_id() {
        let unforced = "<data><parameter name=\"customerId\">%customer_id%</parameter></data>";
        let xml = route("/V1/customers/:customerId/rx", "getList", "self", unforced);
        let out = check_files(&[("etc/webapi.xml", &xml)]);
        assert_eq!(codes_at(&out), [("webapi-self-route-customer-id", 2)]);
    }
}
