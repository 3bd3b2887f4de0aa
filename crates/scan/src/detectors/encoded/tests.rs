//! Scenarios for encoded files, long blobs and PHP where it does not
//! belong.

use super::EncodedDetector;
use crate::detector::{Detector, Extension, Sink};
use crate::file::SourceFile;
use crate::finding::{Finding, Severity};

struct NoFiles;

impl Extension for NoFiles {
    fn paths(&self) -> &[String] {
        &[]
    }

    fn read(&self, _: &str) -> Option<Vec<u8>> {
        None
    }
}

fn scan(path: &str, bytes: &[u8]) -> Vec<Finding> {
    let mut sink = Sink::default();
    EncodedDetector.check(&SourceFile::new(path, bytes.to_vec()), &NoFiles, &mut sink);
    sink.findings
}

fn hits(findings: &[Finding]) -> Vec<(&str, u32, Severity)> {
    findings
        .iter()
        .map(|f| (f.code.as_str(), f.location.line, f.severity))
        .collect()
}

/// Deterministic noise in an alphabet, so blobs look random.
fn noise(alphabet: &[u8], len: usize) -> String {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            char::from(alphabet[(state >> 33) as usize % alphabet.len()])
        })
        .collect()
}

const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#[test]
fn an_ioncube_file_cannot_be_reviewed() {
    let payload: Vec<String> = (0..6).map(|_| noise(BASE64, 76)).collect();
    let file = format!(
        "<?php //0048e\nif (!extension_loaded('ionCube Loader')) {{ exit('needs the loader'); }}\n\
         return _il_exec();\n?>\n{}\n",
        payload.join("\n")
    );
    let findings = scan("Model/Rate.php", file.as_bytes());
    assert_eq!(
        hits(&findings),
        [("malware-encoded-file", 1, Severity::High)]
    );
    assert!(findings[0].message.contains("ionCube"));
}

#[test]
fn sourceguardian_and_zend_guard_stubs_are_recognised() {
    let sg = format!(
        "<?php\nif (!function_exists('sg_load')) {{ exit(); }}\nreturn sg_load('{}');\n",
        noise(b"0123456789ABCDEF", 1200)
    );
    assert_eq!(
        hits(&scan("Model/A.php", sg.as_bytes())),
        [("malware-encoded-file", 1, Severity::High)]
    );
    let zend = b"<?php @Zend;\n4123;\n/* binary follows */\n";
    assert_eq!(
        hits(&scan("Model/B.php", zend)),
        [("malware-encoded-file", 1, Severity::High)]
    );
}

#[test]
fn a_helper_that_only_asks_for_the_loader_is_plain_php() {
    let php = "<?php\nclass LicenseNotice {\n    public function ok(): bool {\n        \
               return extension_loaded('ionCube Loader') && function_exists('sg_load');\n    }\n}\n";
    assert_eq!(hits(&scan("Block/LicenseNotice.php", php.as_bytes())), []);
}

#[test]
fn a_long_random_literal_is_a_blob() {
    let php = format!("<?php\n\n$profile = '{}';\n", noise(BASE64, 1500));
    assert_eq!(
        hits(&scan("Model/Profiles.php", php.as_bytes())),
        [("malware-encoded-blob", 3, Severity::Medium)]
    );
    let js = format!("var k = \"{}\";\n", noise(b"0123456789abcdef", 1200));
    let findings = scan("view/frontend/web/js/k.js", js.as_bytes());
    assert_eq!(
        hits(&findings),
        [("malware-encoded-blob", 1, Severity::Medium)]
    );
    assert!(findings[0].snippet.ends_with("(1200 chars)"));
}

#[test]
fn inlined_images_padding_and_short_literals_are_not_blobs() {
    let css = format!(
        ".icon {{ background: url(data:image/png;base64,{}); }}\n",
        noise(BASE64, 3000)
    );
    assert_eq!(
        hits(&scan("view/frontend/web/css/icons.css", css.as_bytes())),
        []
    );
    let padding = format!("<?php\n$x = '{}';\n", "A".repeat(2000));
    assert_eq!(hits(&scan("Model/X.php", padding.as_bytes())), []);
    let short = format!("<?php\n$x = '{}';\n", noise(BASE64, 900));
    assert_eq!(hits(&scan("Model/Y.php", short.as_bytes())), []);
    let markdown = format!("{}\n", noise(BASE64, 3000));
    assert_eq!(hits(&scan("README.md", markdown.as_bytes())), []);
}

#[test]
fn a_script_inlined_as_a_data_uri_is_still_a_blob() {
    let html = format!(
        "<script src=\"data:text/javascript;base64,{}\"></script>\n",
        noise(BASE64, 1600)
    );
    assert_eq!(
        hits(&scan("view/frontend/web/template/x.html", html.as_bytes())).len(),
        1
    );
}

#[test]
fn php_after_an_image_header_is_a_web_shell() {
    let mut gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00".to_vec();
    gif.extend_from_slice(b"\n<?php system($_GET['c']); ?>");
    assert_eq!(
        hits(&scan("view/frontend/web/images/loader.gif", &gif)),
        [("malware-php-in-media", 2, Severity::Critical)]
    );
    let css = b"body { color: red; }\n<?= $x ?>\n";
    assert_eq!(
        hits(&scan("view/frontend/web/css/a.css", css)),
        [("malware-php-in-media", 2, Severity::Critical)]
    );
}

#[test]
fn chance_bytes_and_clean_images_are_not_php() {
    let png = b"\x89PNG\r\n\x1a\n\x00\x00<?=\x00\x17\x9f\x00".to_vec();
    assert_eq!(hits(&scan("view/frontend/web/images/a.png", &png)), []);
    let svg = b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>";
    assert_eq!(hits(&scan("view/frontend/web/images/a.svg", svg)), []);
}

#[test]
fn php_under_a_web_folder_is_published() {
    let php = b"<?php echo 1;\n";
    assert_eq!(
        hits(&scan("view/frontend/web/js/helper.php", php)),
        [("malware-php-in-media", 1, Severity::High)]
    );
    assert_eq!(hits(&scan("view/frontend/templates/helper.phtml", php)), []);
    assert_eq!(hits(&scan("Model/Web/Helper.php", php)), []);
}

#[test]
fn shipped_server_configuration_is_graded_by_what_it_does() {
    let handler = b"AddHandler application/x-httpd-php .jpg\n";
    assert_eq!(
        hits(&scan("view/frontend/web/images/.htaccess", handler)),
        [("malware-php-in-media", 1, Severity::Critical)]
    );
    let deny = b"# keep out\nOrder deny,allow\nDeny from all\n";
    assert_eq!(
        hits(&scan("Files/.htaccess", deny)),
        [("malware-php-in-media", 1, Severity::Low)]
    );
    let ini = b"; tuning\nauto_prepend_file = /tmp/x.php\n";
    assert_eq!(
        hits(&scan(".user.ini", ini)),
        [("malware-php-in-media", 1, Severity::Critical)]
    );
    let rewrite = b"RewriteEngine On\nRewriteRule ^x$ y [L]\n";
    assert_eq!(
        hits(&scan("pub/.htaccess", rewrite)),
        [("malware-php-in-media", 1, Severity::High)]
    );
}
