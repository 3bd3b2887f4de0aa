//! The catalogue rows of the PHP checks (families 2, 3 and 6 in PHP).

use crate::finding::{Confidence, Severity};
use crate::rules::{Family, RuleInfo};

const fn rule(
    code: &'static str,
    family: Family,
    severity: Severity,
    confidence: Confidence,
    cwe: Option<u32>,
    summary: &'static str,
    help: &'static str,
) -> RuleInfo {
    RuleInfo {
        code,
        family,
        severity,
        confidence,
        cwe,
        summary,
        help,
    }
}

use Confidence::{High as SURE, Medium as LIKELY};
use Family::{Malware, PhiFlow, Transport};
use Severity::{Critical, High, Medium};

pub const PHI_TO_LOG: RuleInfo = rule(
    "phi-to-log",
    PhiFlow,
    High,
    SURE,
    Some(532),
    "Personal or health data is written to a log",
    "Logs are copied to support tickets, log services and backups that were never \
     meant to hold patient data. Log an order or customer id instead, or mask the value.",
);
pub const PHI_TO_HTTP: RuleInfo = rule(
    "phi-to-http",
    PhiFlow,
    High,
    SURE,
    Some(359),
    "Personal or health data is sent to another host",
    "Each host that receives patient data needs a business associate agreement. \
     Check the host against the approved list; a hashed email or phone number sent \
     to an ad platform is still an identifier and is reported at medium severity.",
);
pub const PHI_TO_FILE: RuleInfo = rule(
    "phi-to-file",
    PhiFlow,
    High,
    SURE,
    Some(538),
    "Personal or health data is written to a file another party can read",
    "Files under pub/ are served to anyone who guesses the URL. Keep exports in var/ \
     with random names, or stream them to the admin who asked for them.",
);
pub const PHI_TO_COOKIE: RuleInfo = rule(
    "phi-to-cookie",
    PhiFlow,
    High,
    SURE,
    Some(315),
    "Personal or health data is stored in a cookie",
    "Cookies travel with every request and stay on shared computers. Store an \
     opaque id in the cookie and keep the data on the server.",
);
pub const PHI_TO_CACHE: RuleInfo = rule(
    "phi-to-cache",
    PhiFlow,
    Medium,
    SURE,
    Some(524),
    "Personal or health data is written to Magento's cache",
    "Cache back ends (Redis, files) are not encrypted, are shared between stores \
     and are flushed and copied without care. Cache ids, not records.",
);
pub const CARD_DATA_TO_LOG: RuleInfo = rule(
    "card-data-to-log",
    PhiFlow,
    Critical,
    SURE,
    Some(532),
    "Card numbers or security codes are written to a log",
    "PCI DSS forbids storing the security code at all and the full number in clear. \
     Remove the logging, or log the last four digits only; rotate and purge the logs \
     already written.",
);
pub const CARD_DATA_TO_HTTP: RuleInfo = rule(
    "card-data-to-http",
    PhiFlow,
    Critical,
    SURE,
    Some(201),
    "Card data is sent to a host that is not the payment gateway",
    "Outside a payment gateway command, card data leaving the store is how server-side \
     skimmers work. Find out who the host is before anything else.",
);
pub const CARD_DATA_TO_FILE: RuleInfo = rule(
    "card-data-to-file",
    PhiFlow,
    Critical,
    SURE,
    Some(312),
    "Card data is written to a file",
    "Card numbers and security codes must never be stored in clear. Files under \
     pub/media disguised as images are a known way to steal them.",
);
pub const CARD_DATA_PERSISTED: RuleInfo = rule(
    "card-data-persisted",
    PhiFlow,
    Critical,
    LIKELY,
    Some(312),
    "Card data is stored with the order or in the database",
    "Payment additional information is saved in clear with the order. Store a \
     gateway token and the last four digits, never the number or the security code.",
);

pub const EVAL_DECODED: RuleInfo = rule(
    "malware-eval-decoded",
    Malware,
    High,
    SURE,
    Some(95),
    "Decoded or assembled data is executed as code",
    "eval over base64, gzinflate, str_rot13 or chr() chains hides what runs. Decode \
     the payload by hand in a sandbox; treat the extension as compromised until explained.",
);
pub const REQUEST_TO_EVAL: RuleInfo = rule(
    "malware-request-to-eval",
    Malware,
    Critical,
    SURE,
    Some(95),
    "Request input reaches eval, assert, create_function or a /e pattern",
    "Anyone who can reach this code can run PHP on the server. This is a backdoor \
     unless proven otherwise; do not approve.",
);
pub const REQUEST_TO_EXEC: RuleInfo = rule(
    "malware-request-to-exec",
    Malware,
    Critical,
    SURE,
    Some(78),
    "Request input reaches a shell command or include",
    "system, exec, shell_exec, passthru, popen, proc_open and include with request \
     data let a visitor run commands or code. Do not approve.",
);
pub const DECODE_CHAIN: RuleInfo = rule(
    "malware-decode-chain",
    Malware,
    Medium,
    LIKELY,
    Some(506),
    "Data is decoded several times over",
    "Nested base64, gzinflate and str_rot13 calls are how PHP malware hides its \
     payload. Decode it and read what comes out.",
);
pub const REMOTE_CODE: RuleInfo = rule(
    "malware-remote-code",
    Malware,
    Critical,
    SURE,
    Some(494),
    "Code fetched from another host is executed or saved as PHP",
    "Whoever controls that host, or its DNS, runs code in the store at will. Ship \
     code in the package, where it can be reviewed.",
);
pub const CALL_HOME_EXEC: RuleInfo = rule(
    "malware-call-home-exec",
    Malware,
    Critical,
    SURE,
    Some(494),
    "A licence or update check executes what the vendor's server answers",
    "This is the shape of the FishPig and 2025 licence-check backdoors: the answer \
     of a call home is run as code or as a command. Do not approve.",
);
pub const DYNAMIC_CALL: RuleInfo = rule(
    "malware-dynamic-call",
    Malware,
    High,
    LIKELY,
    Some(470),
    "A function is called through a name that comes from input or is hidden",
    "A variable function whose name comes from the request, a decoder, or spells \
     system or eval lets the caller choose what runs.",
);
pub const PREG_REPLACE_EVAL: RuleInfo = rule(
    "malware-preg-replace-eval",
    Malware,
    High,
    SURE,
    Some(95),
    "preg_replace uses the /e modifier",
    "The /e modifier evaluates the replacement as PHP. It was removed in PHP 7, so \
     modern code has no reason to carry it; old backdoors do.",
);
pub const CREATE_FUNCTION: RuleInfo = rule(
    "malware-create-function",
    Malware,
    High,
    SURE,
    Some(95),
    "create_function compiles a string into code",
    "create_function is eval by another name and was removed in PHP 8. Replace it \
     with a closure; over request data it is a backdoor.",
);
pub const EVAL_DYNAMIC: RuleInfo = rule(
    "malware-eval-dynamic",
    Malware,
    Medium,
    LIKELY,
    Some(95),
    "eval runs a string built at run time",
    "Magento never needs eval. Find where the string comes from; if any part can be \
     set by a visitor, an admin or a remote host, it is a way in.",
);

pub const TLS_VERIFICATION_DISABLED: RuleInfo = rule(
    "tls-verification-disabled",
    Transport,
    High,
    SURE,
    Some(295),
    "Certificate verification is turned off for an outbound connection",
    "With verification off, anyone on the network path can read and change the \
     traffic, patient data included. Remove the option; install the CA if a private \
     one is needed.",
);
pub const PLAIN_HTTP_ENDPOINT: RuleInfo = rule(
    "plain-http-endpoint",
    Transport,
    Medium,
    SURE,
    Some(319),
    "An HTTP client is pointed at a plain http:// URL",
    "Requests and answers cross the network unencrypted. Use the https:// endpoint.",
);
pub const DB_CREDENTIALS_IN_CODE: RuleInfo = rule(
    "db-credentials-in-code",
    Transport,
    High,
    SURE,
    Some(798),
    "A database password is written in the code",
    "The password ships to every store that installs the module and cannot be \
     rotated without a release. Read it from app/etc/env.php.",
);
pub const DB_WITHOUT_TLS: RuleInfo = rule(
    "db-connection-without-tls",
    Transport,
    Medium,
    LIKELY,
    Some(319),
    "A connection to a remote database does not ask for TLS",
    "Queries and results, patient data included, cross the network in clear. Pass \
     the PDO::MYSQL_ATTR_SSL_* options or an sslmode that verifies.",
);
pub const SESSION_FIXATION: RuleInfo = rule(
    "session-fixation",
    Transport,
    High,
    SURE,
    Some(384),
    "The session id is taken from request input",
    "An attacker sends a victim a link with a session id they know, and is signed \
     in as the victim once the victim logs in. Regenerate the id at login instead.",
);

/// Every rule the PHP checks report.
pub const RULES: &[RuleInfo] = &[
    PHI_TO_LOG,
    PHI_TO_HTTP,
    PHI_TO_FILE,
    PHI_TO_COOKIE,
    PHI_TO_CACHE,
    CARD_DATA_TO_LOG,
    CARD_DATA_TO_HTTP,
    CARD_DATA_TO_FILE,
    CARD_DATA_PERSISTED,
    EVAL_DECODED,
    REQUEST_TO_EVAL,
    REQUEST_TO_EXEC,
    DECODE_CHAIN,
    REMOTE_CODE,
    CALL_HOME_EXEC,
    DYNAMIC_CALL,
    PREG_REPLACE_EVAL,
    CREATE_FUNCTION,
    EVAL_DYNAMIC,
    TLS_VERIFICATION_DISABLED,
    PLAIN_HTTP_ENDPOINT,
    DB_CREDENTIALS_IN_CODE,
    DB_WITHOUT_TLS,
    SESSION_FIXATION,
];
