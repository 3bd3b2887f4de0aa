//! Storefront layout XML: customer data in pages the full-page cache
//! keeps, and `cacheable="false"` where it turns the cache off everywhere.
//!
//! We keep to two precise readings, because "this block might show
//! something personal" on its own would fire on every theme:
//!
//! - A layout file with no `cacheable="false"` anywhere (so its page is
//!   cached) that declares a block rendering session data: a core block
//!   known to do so, a template of the extension that reads the session
//!   itself, or one that calls a method of its block class or view model
//!   that does (see [`super::session`]). The first visitor's data is then
//!   served to the next ones. High.
//! - `cacheable="false"` in `default.xml`, which is merged into every
//!   page and so switches the full-page cache off for the whole store.
//!   Not a leak, but an outage risk and the sign of a block that renders
//!   per-customer data on every page. Low.
//!
//! Layout handles merge across files at run time; we judge each file on
//! its own, except for core pages we know core already marks uncacheable
//! (checkout, the order success page, the cart, the account dashboard).
//! A page made uncacheable by another module's file can still be reported
//! here; the confidence (medium) says so.

use roxmltree::{Document, Node};

use super::rules::LAYOUT_CUSTOMER_DATA_CACHEABLE;
use super::session;
use super::xml;
use super::Report;
use crate::finding::{Confidence, Severity};

/// Core blocks that render the signed-in customer's own data.
const CORE_CUSTOMER_BLOCKS: &[&str] = &[
    "Magento\\Customer\\Block\\Account\\Dashboard\\Info",
    "Magento\\Customer\\Block\\Account\\Dashboard\\Address",
    "Magento\\Customer\\Block\\Form\\Edit",
    "Magento\\Customer\\Block\\Address\\Book",
    "Magento\\Customer\\Block\\Address\\Edit",
    "Magento\\Sales\\Block\\Order\\History",
    "Magento\\Sales\\Block\\Order\\Recent",
    "Magento\\Checkout\\Block\\Onepage\\Success",
];

/// Core pages whose own layout marks a block `cacheable="false"`, so the
/// full-page cache never stores them whatever an extension adds.
const UNCACHED_CORE_HANDLES: &[&str] = &[
    "checkout_index_index",
    "checkout_onepage_success",
    "checkout_cart_index",
    "customer_account_index",
];

/// Checks one storefront layout file.
pub fn check(doc: &Document, default: bool, report: &mut Report) {
    let uncached: Vec<Node> = doc
        .root()
        .descendants()
        .filter(|n| n.is_element() && n.attribute("cacheable").is_some_and(|c| c == "false"))
        .collect();
    if default {
        for node in &uncached {
            site_wide_uncached(doc, *node, report);
        }
    }
    let handle = report
        .path
        .rsplit('/')
        .next()
        .unwrap_or("")
        .trim_end_matches(".xml");
    if !uncached.is_empty() || UNCACHED_CORE_HANDLES.contains(&handle) {
        tracing::debug!(path = report.path, "page is not cached; blocks not judged");
        return;
    }
    for block in xml::descendants(doc.root(), "block") {
        if let Some(reason) = renders_session_data(block, report) {
            cached_customer_block(doc, block, &reason, report);
        }
    }
}

fn site_wide_uncached(doc: &Document, node: Node, report: &mut Report) {
    let name = node.attribute("name").unwrap_or("?");
    let message = format!(
        "Block `{name}` is cacheable=\"false\" in default.xml: the full-page cache is off for \
         every storefront page"
    );
    let evidence = format!("default.xml uncacheable {name}");
    let rule = &LAYOUT_CUSTOMER_DATA_CACHEABLE;
    let finding = xml::finding_at(rule, doc, report.path, node, message, &evidence);
    report.finding(
        finding
            .with_severity(Severity::Low)
            .with_confidence(Confidence::High),
    );
}

fn cached_customer_block(doc: &Document, block: Node, reason: &str, report: &mut Report) {
    let name = block.attribute("name").unwrap_or("?");
    let message = format!(
        "Block `{name}` renders customer data ({reason}) on a page the full-page cache stores \
         and serves to other visitors"
    );
    let evidence = format!("cached customer block {name}");
    let rule = &LAYOUT_CUSTOMER_DATA_CACHEABLE;
    report.finding(xml::finding_at(
        rule,
        doc,
        report.path,
        block,
        message,
        &evidence,
    ));
}

/// Why `block` renders session data, if it does.
fn renders_session_data(block: Node, report: &Report) -> Option<String> {
    let class = xml::class_name(block.attribute("class").unwrap_or(""));
    if CORE_CUSTOMER_BLOCKS.contains(&class) {
        return Some(format!("{class} shows the signed-in customer's records"));
    }
    let template = block
        .attribute("template")
        .and_then(|t| session::template(report, t));
    if let Some((path, code)) = &template {
        if let Some(token) = session::direct_token(code) {
            return Some(format!("{path} uses {token}"));
        }
    }
    let mut candidates: Vec<String> = view_models(block).collect();
    if !class.is_empty() {
        candidates.insert(0, class.to_string());
    }
    candidates.iter().find_map(|c| {
        let used = session::class(report, c)?;
        let Some((path, code)) = &template else {
            // No template of ours to read: the class alone decides.
            return Some(format!("{} uses {}", used.path, used.token));
        };
        let method = used
            .methods
            .iter()
            .find(|m| code.contains(&format!("->{m}(")))?;
        Some(format!(
            "{path} calls {method}(), which reads the session in {}",
            used.path
        ))
    })
}

/// Classes passed to the block as object arguments (view models).
fn view_models<'a>(block: Node<'a, 'a>) -> impl Iterator<Item = String> + 'a {
    xml::children(block, "arguments")
        .flat_map(|args| xml::children(args, "argument"))
        .filter(|arg| {
            arg.attributes()
                .any(|a| a.name() == "type" && a.value() == "object")
        })
        .map(|arg| xml::class_name(&xml::text(arg)).to_string())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check_files, codes_at};
    use crate::finding::Severity;

    const GREETING: &str = "<?php\nnamespace Acme\\Rx\\Block;\n\
        use Magento\\Customer\\Model\\Session;\nclass Greeting {\n\
        public function __construct(private Session $session) {}\n\
        public function getName(): string { return $this->session->getCustomer()->getName(); }\n\
        public function getShopName(): string { return $this->config->getValue('x'); }\n}\n";

    fn page(block: &str) -> String {
        format!(
            "<page>\n<body>\n<referenceContainer name=\"content\">\n{block}\n\
             </referenceContainer>\n</body>\n</page>"
        )
    }

    fn greeting_block(template: &str, extra: &str) -> String {
        page(&format!(
            "<block class=\"Acme\\Rx\\Block\\Greeting\" name=\"rx.greeting\" \
             template=\"Acme_Rx::{template}\"{extra}/>"
        ))
    }

    fn run(layout: &str, xml: &str, template: &str) -> crate::detector::Sink {
        check_files(&[
            (layout, xml),
            ("Block/Greeting.php", GREETING),
            ("view/frontend/templates/hello.phtml", template),
        ])
    }

    const SAYS_NAME: &str = "<p><?= $escaper->escapeHtml($block->getName()) ?></p>";
    const SAYS_SHOP: &str = "<p><?= $escaper->escapeHtml($block->getShopName()) ?></p>";

    #[test]
    fn a_template_printing_session_data_on_a_cached_page_is_high() {
        let xml = greeting_block("hello.phtml", "");
        let out = run("view/frontend/layout/rx_index_index.xml", &xml, SAYS_NAME);
        assert_eq!(codes_at(&out), [("layout-customer-data-cacheable", 4)]);
        assert_eq!(out.findings[0].severity, Severity::High);
    }

    #[test]
    fn the_same_block_on_every_page_through_default_xml_is_high() {
        let xml = greeting_block("hello.phtml", "");
        let out = run("view/frontend/layout/default.xml", &xml, SAYS_NAME);
        assert_eq!(codes_at(&out), [("layout-customer-data-cacheable", 4)]);
        assert_eq!(out.findings[0].severity, Severity::High);
    }

    #[test]
    fn a_session_class_whose_template_prints_nothing_personal_is_safe() {
        let xml = greeting_block("hello.phtml", "");
        let out = run("view/frontend/layout/cms_index_index.xml", &xml, SAYS_SHOP);
        assert!(out.findings.is_empty());
    }

    #[test]
    fn a_template_reading_the_checkout_session_itself_counts() {
        let xml = page(
            "<block class=\"Magento\\Framework\\View\\Element\\Template\" name=\"t\" \
             template=\"Acme_Rx::hello.phtml\"/>",
        );
        let phtml = "<?php $order = $om->get(\\Magento\\Checkout\\Model\\Session::class)\
                     ->getLastRealOrder(); ?>";
        let out = run("view/frontend/layout/rx_thanks_index.xml", &xml, phtml);
        assert_eq!(codes_at(&out), [("layout-customer-data-cacheable", 4)]);
    }

    #[test]
    fn the_block_marked_uncacheable_is_safe() {
        let xml = greeting_block("hello.phtml", " cacheable=\"false\"");
        let out = run("view/frontend/layout/rx_index_index.xml", &xml, SAYS_NAME);
        assert!(out.findings.is_empty());
    }

    #[test]
    fn core_pages_that_are_never_cached_are_safe() {
        let xml = greeting_block("hello.phtml", "");
        let out = run(
            "view/frontend/layout/checkout_index_index.xml",
            &xml,
            SAYS_NAME,
        );
        assert!(out.findings.is_empty());
    }

    #[test]
    fn a_plain_template_block_is_not_a_finding() {
        let xml = page(
            "<block class=\"Magento\\Framework\\View\\Element\\Template\" name=\"t\" \
             template=\"Acme_Rx::hello.phtml\"/>",
        );
        let out = run("view/frontend/layout/rx_index_index.xml", &xml, SAYS_NAME);
        assert!(out.findings.is_empty());
    }

    #[test]
    fn uncacheable_in_default_xml_turns_the_cache_off_everywhere() {
        let xml = page(
            "<block class=\"Acme\\Rx\\Block\\Banner\" name=\"rx.banner\" cacheable=\"false\"/>",
        );
        let out = check_files(&[("view/frontend/layout/default.xml", &xml)]);
        assert_eq!(codes_at(&out), [("layout-customer-data-cacheable", 4)]);
        assert_eq!(out.findings[0].severity, Severity::Low);
    }
}
