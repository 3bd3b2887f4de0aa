//! Browser storage: tokens and personal data, not preferences.

use super::*;

#[test]
fn the_patient_portal_fixture_stores_its_token_and_the_patient_name() {
    let findings = scan_fixture("patient-portal-localstorage");
    let js = "view/frontend/web/js/portal-session.js";
    let mut found: Vec<(&str, &str, u32)> = findings
        .iter()
        .map(|f| (f.code.as_str(), f.location.path.as_str(), f.location.line))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [("js-storage-phi", js, 43), ("js-storage-token", js, 42)]
    );
}

#[test]
fn a_token_under_a_named_key_is_found_at_its_line() {
    let js = "var TOKEN_KEY = 'portal_token';\n\
              function save(r) {\n\
                  window.localStorage.setItem(TOKEN_KEY, r.token);\n\
              }\n";
    let findings = scan_one("view/frontend/web/js/a.js", js);
    assert_eq!(hits(&findings), [("js-storage-token", 3)]);
    assert_eq!(grade(&findings[0]), (Severity::High, Confidence::High));
    assert!(findings[0].message.contains("'portal_token'"));
}

#[test]
fn property_writes_and_script_cookies_count_as_storage() {
    let js = "localStorage.authToken = t;\n\
              sessionStorage['jwt'] = t;\n\
              document.cookie = 'access_token=' + t + '; path=/';\n";
    let findings = scan_one("view/frontend/web/js/a.js", js);
    assert_eq!(
        hits(&findings),
        [
            ("js-storage-token", 1),
            ("js-storage-token", 2),
            ("js-storage-token", 3)
        ]
    );
}

#[test]
fn personal_data_is_found_by_key_by_value_and_through_an_alias() {
    let js = "var store = window.sessionStorage;\n\
              store.setItem('cached', JSON.stringify(customer));\n\
              localStorage.setItem('c', JSON.stringify(customerData.get('customer')()));\n\
              sessionStorage.setItem('e', quote.guestEmail);\n\
              localStorage.setItem('patient_dob', value);\n";
    let findings = scan_one("view/frontend/web/js/a.js", js);
    let expected = [2, 3, 4, 5].map(|l| ("js-storage-phi", l));
    assert_eq!(hits(&findings), expected);
    let by_key = findings
        .iter()
        .find(|f| f.location.line == 5)
        .expect("line 5");
    assert_eq!(by_key.confidence, Confidence::High);
}

#[test]
fn ui_preferences_in_local_storage_are_not_findings() {
    let js = "localStorage.setItem('theme', 'dark');\n\
              localStorage.setItem('grid-mode', mode);\n\
              localStorage.setItem('cookie-notice-dismissed', '1');\n\
              localStorage.setItem('patient_portal_preferences', JSON.stringify(preferences));\n\
              localStorage.setItem('session_started', Date.now());\n\
              localStorage.setItem('product_name', product.name);\n\
              var token = localStorage.getItem('portal_token');\n";
    assert_eq!(hits(&scan_one("view/frontend/web/js/a.js", js)), []);
}

#[test]
fn script_blocks_of_templates_keep_their_lines() {
    let phtml = "<?php /** @var $block */ ?>\n\
                 <div>\n\
                 <?= $block->getChildHtml() ?>\n\
                 </div>\n\
                 <script>\n\
                 var url = '<?= $block->getUrl('x') ?>';\n\
                 sessionStorage.setItem('bearer', data.access_token);\n\
                 </script>\n";
    let findings = scan_one("view/frontend/templates/a.phtml", phtml);
    assert_eq!(hits(&findings), [("js-storage-token", 7)]);
    assert_eq!(findings[0].location.column, 1);
}

#[test]
fn broken_javascript_still_yields_its_readable_statements() {
    let js = "localStorage.setItem('auth_token', t);\nfunction ( {{ oops\n";
    assert_eq!(
        hits(&scan_one("view/frontend/web/js/a.js", js)),
        [("js-storage-token", 1)]
    );
}

#[test]
fn minified_code_is_read_and_reused_names_are_not_trusted() {
    let js = "!function(){var a='theme';localStorage.setItem(a,b)}();\
              !function(){var a='auth';localStorage.setItem(a,c)}();";
    // `a` is bound to two values, so its key is unknown; its name says nothing.
    assert_eq!(hits(&scan_one("view/frontend/web/js/m.min.js", js)), []);
    let js = "!function(e){localStorage.setItem(\"customer_email\",e.email)}(x);";
    assert_eq!(
        hits(&scan_one("view/frontend/web/js/m.min.js", js)),
        [("js-storage-phi", 1)]
    );
}
