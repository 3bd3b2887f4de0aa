//! The frontend family's catalogue rows.

use crate::finding::{Confidence, Severity};
use crate::rules::{Family, RuleInfo};

pub const RULE_STORAGE_TOKEN: &RuleInfo = &RULES[0];
pub const RULE_STORAGE_PHI: &RuleInfo = &RULES[1];
pub const RULE_TRACKING: &RuleInfo = &RULES[2];
pub const RULE_TRACKING_DATA: &RuleInfo = &RULES[3];
pub const RULE_MIXIN: &RuleInfo = &RULES[4];
pub const RULE_SKIMMER: &RuleInfo = &RULES[5];
pub const RULE_WEBSOCKET: &RuleInfo = &RULES[6];
pub const RULE_LOOKALIKE: &RuleInfo = &RULES[7];

/// Every rule the frontend detector reports.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        code: "js-storage-token",
        family: Family::Frontend,
        severity: Severity::High,
        confidence: Confidence::High,
        cwe: Some(922),
        summary: "Browser code stores a session token or credential in localStorage, \
                  sessionStorage or a script-set cookie",
        help: "Any script on the origin can read web storage, so one XSS or one compromised \
               tag steals the token, and it outlives logout on shared devices. Keep session \
               credentials in HttpOnly, Secure cookies set by the server.",
    },
    RuleInfo {
        code: "js-storage-phi",
        family: Family::Frontend,
        severity: Severity::High,
        confidence: Confidence::High,
        cwe: Some(922),
        summary: "Browser code stores personal or health data (name, email, date of birth, \
                  prescriptions…) in web storage",
        help: "Web storage is readable by every script on the page and stays on the device \
               after logout; on a pharmacy or clinic site that is PHI left on shared \
               computers. Fetch the data when it is shown and keep it in memory; UI \
               preferences are fine to store.",
    },
    RuleInfo {
        code: "tracking-pixel",
        family: Family::Frontend,
        severity: Severity::Low,
        confidence: Confidence::High,
        cwe: Some(359),
        summary: "An advertising or analytics tag (Meta, Google, TikTok, Hotjar, LinkedIn, \
                  Pinterest, Snap, Bing, Clarity); high on checkout, account or patient pages",
        help: "HHS treats tracking tags on pages about a patient's care, account or checkout \
               as disclosures to the vendor (bulletin of 2022-12-01, updated 2024-03-18). \
               Confirm which pages load the tag and that a business associate agreement \
               covers the vendor, or remove it from those pages.",
    },
    RuleInfo {
        code: "tracking-pixel-with-customer-data",
        family: Family::Frontend,
        severity: Severity::High,
        confidence: Confidence::Medium,
        cwe: Some(359),
        summary: "A tracking tag call sends customer data (email, phone, name, advanced \
                  matching keys) to the vendor",
        help: "Identifiers sent to an ad platform tie a person to the page they visited, \
               hashed or not. Remove the customer data from the payload, or stop the tag on \
               pages that reveal health information.",
    },
    RuleInfo {
        code: "requirejs-checkout-mixin",
        family: Family::Frontend,
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        cwe: Some(829),
        summary: "requirejs-config.js wraps, replaces or preloads a checkout or payment \
                  component; high when that code makes network calls",
        help: "Mixins and map entries on Magento_Checkout or Magento_Payment see order and \
               card data as it is entered: the usual place to plant a skimmer. Read the \
               mixin, and check where any network call in it sends data.",
    },
    RuleInfo {
        code: "malware-js-skimmer",
        family: Family::Malware,
        severity: Severity::Critical,
        confidence: Confidence::Medium,
        cwe: Some(506),
        summary: "Script reads card fields (or whole forms on checkout) and sends data to a \
                  host that is not the store, the module's gateway or a payment provider",
        help: "This is the shape of a Magecart skimmer. Do not approve; compare with the \
               vendor's previous version and the vendor's official package, and treat any \
               store that ran it as breached.",
    },
    RuleInfo {
        code: "malware-websocket-exfiltration",
        family: Family::Malware,
        severity: Severity::High,
        confidence: Confidence::Medium,
        cwe: Some(506),
        summary: "A WebSocket or WebRTC data channel to a literal host carries data read from \
                  the page",
        help: "Skimmers use WebSockets and WebRTC data channels because Content Security \
               Policy rarely covers them. Find out what the channel sends and why a Magento \
               extension needs it.",
    },
    RuleInfo {
        code: "malware-lookalike-host",
        family: Family::Malware,
        severity: Severity::High,
        confidence: Confidence::Medium,
        cwe: Some(506),
        summary: "A host imitates a CDN, analytics, payment or Magento host (typo, other \
                  top-level domain, brand plus 'cdn'/'analytics'), possibly hidden in escapes \
                  or char codes",
        help: "Skimmer operators register names like these so the page source looks normal. \
               Resolve who owns the host; an encoded look-alike is almost never innocent.",
    },
];
