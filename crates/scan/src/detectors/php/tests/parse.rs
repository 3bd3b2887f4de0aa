//! Parsing and names: broken files, aliases, templates, hostile nesting.

use crate::capability::CapabilityKind;

use super::{capabilities, found, pairs, scan, the};

#[test]
fn a_file_that_does_not_parse_is_unreadable_and_what_parsed_is_still_checked() {
    let code = r#"<?php
eval($_GET['c']);
function broken( {
"#;
    let sink = scan("Helper/Broken.php", code);
    let unreadable = the(&sink, "file-unreadable");
    assert_eq!(unreadable.location.line, 3);
    assert!(
        unreadable.message.contains("does not parse"),
        "{}",
        unreadable.message
    );
    assert_eq!(the(&sink, "malware-request-to-eval").location.line, 2);
}

#[test]
fn imported_and_aliased_names_resolve_to_the_class() {
    let code = r#"<?php
namespace Vendor\Sync;

use Magento\Framework\HTTP\Client\Curl as HttpClient;
use Psr\Log as Log;

class Push
{
    public function __construct(private HttpClient $client, private Log\LoggerInterface $log) {}

    public function run(\Magento\Sales\Api\Data\OrderInterface $order): void
    {
        $this->client->post('https://erp.partner.test/orders', ['email' => $order->getCustomerEmail()]);
        $this->log->notice($order->getCustomerEmail());
    }
}
"#;
    assert_eq!(
        found("Model/Push.php", code),
        pairs(&[("phi-to-http", 13), ("phi-to-log", 14)])
    );
}

#[test]
fn a_receiver_of_an_unrelated_class_is_not_a_sink_whatever_its_name() {
    let code = r#"<?php
namespace Vendor\Blog;

class Render
{
    public function __construct(private \Vendor\Blog\Model\PostRepository $logger) {}

    public function run(\Magento\Customer\Api\Data\CustomerInterface $customer): void
    {
        $this->logger->info($customer->getEmail());
    }
}
"#;
    assert_eq!(found("Block/Render.php", code), pairs(&[]));
}

#[test]
fn templates_with_inline_html_parse_and_are_checked() {
    let code = r#"<?php /** @var \Magento\Framework\View\Element\Template $block */ ?>
<div class="greeting">
    <?= $block->escapeHtml($block->getCustomerName()) ?>
</div>
<?php if ($block->getData('debug')): ?>
    <?php eval($block->getRequest()->getParam('x')); ?>
<?php endif; ?>
"#;
    assert_eq!(
        found("view/frontend/templates/greeting.phtml", code),
        pairs(&[("malware-request-to-eval", 6)])
    );
}

#[test]
fn hosts_of_url_literals_are_capabilities_but_namespaces_and_loopback_are_not() {
    let code = r#"<?php
const DOCS = 'See https://docs.vendor.test/guide and http://mirror.vendor.test:8080/x';
$xsi = 'http://www.w3.org/2001/XMLSchema-instance';
$local = 'http://localhost/health';
$template = 'https://%s/api';
"#;
    let sink = scan("Model/Urls.php", code);
    assert_eq!(
        capabilities(&sink, CapabilityKind::Host),
        ["docs.vendor.test", "mirror.vendor.test"]
    );
}

#[test]
fn a_monolog_handler_declares_where_it_writes() {
    let code = r#"<?php
class Handler extends \Magento\Framework\Logger\Handler\Base
{
    protected $fileName = '/var/log/directcard.log';
}
"#;
    let sink = scan("Logger/Handler.php", code);
    assert_eq!(
        capabilities(&sink, CapabilityKind::FileWrite),
        ["var/log/directcard.log"]
    );
}

#[test]
fn a_ten_thousand_link_concatenation_is_analysed_without_running_out_of_stack() {
    let chain = vec!["chr(97)"; 10_000].join(" . ");
    let code = format!("<?php\n$code = {chain};\neval($code);\n");
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || found("Model/Packed.php", &code));
    let result = worker.expect("thread").join().expect("no stack overflow");
    assert_eq!(result, pairs(&[("malware-eval-decoded", 3)]));
}

#[test]
fn nesting_past_the_parsers_limit_is_unreadable_not_a_crash() {
    let code = format!("<?php\n$a = {}1{};\n", "(".repeat(3000), ")".repeat(3000));
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || found("Model/Deep.php", &code));
    let result = worker.expect("thread").join().expect("no stack overflow");
    assert_eq!(result, pairs(&[("file-unreadable", 2)]));
}

#[test]
fn non_ascii_names_do_not_break_the_checks() {
    let code = "<?php\nclass Ünïcode { public function getÄrzt() { return $this->getΩ(); } }\n$x = \"\u{00e9}\";\n";
    assert_eq!(found("Model/Unicode.php", code), pairs(&[]));
}

#[test]
fn short_but_deeply_bracketed_code_fits_a_workers_stack() {
    for (open, close) in [("(", ")"), ("[", "]"), ("f(", ")")] {
        let code = format!("<?php\n$a = {}1{};\n", open.repeat(500), close.repeat(500));
        let worker = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || found("Model/Deep.php", &code));
        let result = worker.expect("thread").join().expect("no stack overflow");
        assert!(
            result.iter().all(|(code, _)| code == "file-unreadable"),
            "{result:?}"
        );
    }
}
