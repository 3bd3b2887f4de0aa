//! Family 6 in PHP: TLS, plain HTTP, database connections, sessions.

use super::{found, pairs, scan, the};

#[test]
fn curl_options_that_turn_tls_checks_off_are_reported_and_safe_values_are_not() {
    let code = r#"<?php
$ch = curl_init('https://api.partner.test/v1');
curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, false);
curl_setopt($ch, CURLOPT_SSL_VERIFYHOST, 0);
curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, true);
curl_setopt($ch, CURLOPT_SSL_VERIFYHOST, 2);
$verify = false;
curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, $verify);
curl_setopt_array($ch, [CURLOPT_TIMEOUT => 5, CURLOPT_SSL_VERIFYPEER => 0]);
"#;
    assert_eq!(
        found("Model/Client.php", code),
        pairs(&[
            ("tls-verification-disabled", 3),
            ("tls-verification-disabled", 4),
            ("tls-verification-disabled", 8),
            ("tls-verification-disabled", 9),
        ])
    );
}

#[test]
fn guzzle_verify_false_and_stream_contexts_without_peer_checks_are_reported() {
    let code = r#"<?php
use GuzzleHttp\Client;

$client = new Client(['base_uri' => 'https://api.partner.test/', 'verify' => false]);
$safe = new Client(['base_uri' => 'https://api.partner.test/', 'verify' => true]);
$context = stream_context_create(['ssl' => ['verify_peer' => false, 'allow_self_signed' => true]]);
$form = ['verify' => false];
"#;
    assert_eq!(
        found("Model/Client.php", code),
        pairs(&[
            ("tls-verification-disabled", 4),
            ("tls-verification-disabled", 6),
            ("tls-verification-disabled", 6),
        ])
    );
}

#[test]
fn an_unrelated_verify_key_without_guzzle_is_not_a_tls_setting() {
    let code = r#"<?php
$form = ['verify' => false, 'label' => 'Verify address'];
"#;
    assert_eq!(found("Model/Form.php", code), pairs(&[]));
}

#[test]
fn magentos_curl_client_with_verification_off_is_reported() {
    let code = r#"<?php
class Sync
{
    public function __construct(private \Magento\Framework\HTTP\Client\Curl $curl) {}

    public function run(): void
    {
        $this->curl->setOption(CURLOPT_SSL_VERIFYPEER, false);
        $this->curl->setOptions([CURLOPT_SSL_VERIFYHOST => false]);
        $this->curl->get('https://api.partner.test/v1/sync');
    }
}
"#;
    assert_eq!(
        found("Model/Sync.php", code),
        pairs(&[
            ("tls-verification-disabled", 8),
            ("tls-verification-disabled", 9)
        ])
    );
}

#[test]
fn a_plain_http_url_reaching_a_client_is_reported_at_the_literal() {
    let code = r#"<?php
class Calendar
{
    private const ENDPOINT = 'http://calendar.partner.test/api';
    private const LOCAL = 'http://127.0.0.1:8080/health';
    private const SCHEMA = 'http://www.w3.org/2001/XMLSchema-instance';

    public function __construct(private \Magento\Framework\HTTP\Client\Curl $curl) {}

    public function run(): void
    {
        $this->curl->post(self::ENDPOINT, []);
        $this->curl->get(self::LOCAL);
        $this->curl->get('https://calendar.partner.test/api');
    }
}
"#;
    let sink = scan("Model/Calendar.php", code);
    let finding = the(&sink, "plain-http-endpoint");
    assert_eq!(finding.location.line, 4);
    assert!(
        finding.message.contains("calendar.partner.test"),
        "{}",
        finding.message
    );
    let mut hosts = super::capabilities(&sink, crate::capability::CapabilityKind::Host);
    hosts.sort();
    assert_eq!(hosts, ["calendar.partner.test"]);
}

#[test]
fn a_database_password_in_code_is_reported_redacted_and_tls_is_checked() {
    let code = r#"<?php
$remote = new \PDO('mysql:host=reports.partner.test;dbname=r', 'sync', 'q8Vt3nLw5Rz2Xe7K');
$local = new PDO('mysql:host=localhost;dbname=r', 'sync', 'q8Vt3nLw5Rz2Xe7K');
$safe = new PDO($dsn, $user, $password, [PDO::MYSQL_ATTR_SSL_CA => '/etc/ssl/ca.pem']);
$tls = new PDO('mysql:host=reports.partner.test', $user, $password, [PDO::MYSQL_ATTR_SSL_CA => '/ca.pem']);
$link = mysqli_connect('db.partner.test', 'sync', 'hunter2hunter2');
"#;
    assert_eq!(
        found("Model/Db.php", code),
        pairs(&[
            ("db-connection-without-tls", 2),
            ("db-connection-without-tls", 6),
            ("db-credentials-in-code", 2),
            ("db-credentials-in-code", 3),
            ("db-credentials-in-code", 6),
        ])
    );
    let sink = scan("Model/Db.php", code);
    for finding in sink
        .findings
        .iter()
        .filter(|f| f.code == "db-credentials-in-code")
    {
        assert!(
            !finding.snippet.contains("q8Vt3nLw5Rz2Xe7K"),
            "{}",
            finding.snippet
        );
        assert!(
            !finding.snippet.contains("hunter2hunter2"),
            "{}",
            finding.snippet
        );
    }
}

#[test]
fn a_session_id_from_the_request_is_fixation_and_regenerating_it_is_not() {
    let code = r#"<?php
class Sso
{
    public function __construct(
        private \Magento\Framework\App\RequestInterface $request,
        private \Magento\Customer\Model\Session $session
    ) {}

    public function execute()
    {
        session_id($this->request->getParam('sid'));
        $this->session->setSessionId($_COOKIE['app_sid']);
        $this->session->regenerateId();
        session_id();
    }
}
"#;
    assert_eq!(
        found("Controller/Sso.php", code),
        pairs(&[("session-fixation", 11), ("session-fixation", 12)])
    );
}
