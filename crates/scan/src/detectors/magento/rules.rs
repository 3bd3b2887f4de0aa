//! The Magento configuration family's rows of the rule catalogue.
//!
//! Each rule is a named constant so detectors report through it directly
//! (no lookup by string that could fail at run time); [`RULES`] lists them
//! for the catalogue.

use crate::finding::{Confidence, Severity};
use crate::rules::{Family, RuleInfo};

/// A REST route any guest may call.
pub const WEBAPI_ANONYMOUS_ROUTE: RuleInfo = RuleInfo {
    code: "webapi-anonymous-route",
    family: Family::MagentoConfig,
    severity: Severity::Medium,
    confidence: Confidence::High,
    cwe: Some(306),
    summary: "A webapi.xml route is open to anonymous callers",
    help: "`<resource ref=\"anonymous\"/>` lets anyone on the internet call the service method. \
           Check that it returns nothing personal and takes no id a guest could enumerate; \
           otherwise require `self` (with the customer id forced from the session) or an \
           ACL resource.",
};

/// A `self` route that takes a customer or order id from the caller.
pub const WEBAPI_SELF_ROUTE_CUSTOMER_ID: RuleInfo = RuleInfo {
    code: "webapi-self-route-customer-id",
    family: Family::MagentoConfig,
    severity: Severity::High,
    confidence: Confidence::Medium,
    cwe: Some(639),
    summary: "A `self` webapi route takes a customer or order id from the request (IDOR)",
    help: "`ref=\"self\"` only proves the caller is some signed-in customer. An id taken from \
           the URL or body lets them read or change another customer's records. Bind it with \
           `<data><parameter name=\"customerId\" force=\"true\">%customer_id%</parameter></data>` \
           or check ownership in the service.",
};

/// A GraphQL query or mutation whose resolver never asks who is calling.
pub const GRAPHQL_RESOLVER_NO_AUTH: RuleInfo = RuleInfo {
    code: "graphql-resolver-no-auth",
    family: Family::MagentoConfig,
    severity: Severity::High,
    confidence: Confidence::Medium,
    cwe: Some(862),
    summary: "A GraphQL query or mutation's resolver never checks the caller",
    help: "GraphQL has no declarative ACL in Magento: the resolver must read the context \
           (`$context->getUserId()`, `getExtensionAttributes()->getIsCustomer()`) and throw \
           `GraphQlAuthorizationException` for the wrong caller. Without it anyone can call the \
           field, and ids in its arguments expose other customers' data.",
};

/// A secret admin field stored in plain text.
pub const CONFIG_SECRET_NOT_ENCRYPTED: RuleInfo = RuleInfo {
    code: "config-secret-not-encrypted",
    family: Family::MagentoConfig,
    severity: Severity::High,
    confidence: Confidence::Medium,
    cwe: Some(312),
    summary: "A system.xml field holding a secret is stored without encryption",
    help: "Give the field `<backend_model>Magento\\Config\\Model\\Config\\Backend\\Encrypted\
           </backend_model>` (and `type=\"obscure\"`), so the value is encrypted in \
           `core_config_data` and hidden in the admin. Plain values leak through database \
           dumps, backups and `config:show`.",
};

/// A credential shipped as a default in config.xml.
pub const CONFIG_DEFAULT_CREDENTIAL: RuleInfo = RuleInfo {
    code: "config-default-credential",
    family: Family::MagentoConfig,
    severity: Severity::High,
    confidence: Confidence::Medium,
    cwe: Some(798),
    summary: "etc/config.xml ships a credential as a default value",
    help: "A default in config.xml is the same on every store that installs the extension and \
           is readable by anyone with the package. Ship an empty default and let each merchant \
           enter their own value in an Encrypted field.",
};

/// A plain-HTTP endpoint among config.xml defaults.
pub const CONFIG_PLAIN_HTTP_ENDPOINT: RuleInfo = RuleInfo {
    code: "config-plain-http-endpoint",
    family: Family::MagentoConfig,
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    cwe: Some(319),
    summary: "etc/config.xml defaults to an http:// endpoint",
    help: "Whatever the extension sends there crosses the network unencrypted. Use https://, \
           and check what is sent: personal data needs TLS and a BAA with the receiver.",
};

/// An observer on an event that carries orders, customers or payments.
pub const OBSERVER_ON_SENSITIVE_EVENT: RuleInfo = RuleInfo {
    code: "observer-on-sensitive-event",
    family: Family::MagentoConfig,
    severity: Severity::Low,
    confidence: Confidence::High,
    cwe: None,
    summary: "An observer listens to an event that carries order, customer or payment data",
    help: "The observer receives the order, quote, customer or payment object, or runs before \
           every controller. That is where skimmers and leaky trackers sit: read its \
           `execute()` and follow the data to logs, HTTP calls, mail and files.",
};

/// A plugin on a class that handles payment, order, customer or security data.
pub const PLUGIN_ON_SENSITIVE_CLASS: RuleInfo = RuleInfo {
    code: "plugin-on-sensitive-class",
    family: Family::MagentoConfig,
    severity: Severity::Medium,
    confidence: Confidence::High,
    cwe: None,
    summary: "A di.xml plugin wraps a payment, order, customer or security class",
    help: "A plugin sees (and an `around` plugin can change) every argument and return value \
           of the methods it wraps. Read its before/around/after methods and what they do \
           with the data.",
};

/// A preference that replaces a sensitive core class.
pub const PREFERENCE_ON_SENSITIVE_CLASS: RuleInfo = RuleInfo {
    code: "preference-on-sensitive-class",
    family: Family::MagentoConfig,
    severity: Severity::High,
    confidence: Confidence::High,
    cwe: None,
    summary: "A di.xml preference replaces a payment, order, customer or security class",
    help: "A preference swaps the core implementation for the vendor's everywhere in the \
           store. Replacing the encryptor, a payment method or the customer repository hands \
           the vendor every secret or record that passes through it: diff the replacement \
           against the core class.",
};

/// Customer data rendered where the full-page cache can serve it to others.
pub const LAYOUT_CUSTOMER_DATA_CACHEABLE: RuleInfo = RuleInfo {
    code: "layout-customer-data-cacheable",
    family: Family::MagentoConfig,
    severity: Severity::High,
    confidence: Confidence::Medium,
    cwe: Some(524),
    summary: "A layout renders customer data in a page the full-page cache stores",
    help: "Blocks on a cacheable page are rendered once and served from the full-page cache \
           to the next visitors. Load personal data through customer sections (private \
           content) instead. `cacheable=\"false\"` in default.xml is not the fix: it turns the \
           cache off for every page of the store.",
};

/// A third-party host added to the Content Security Policy.
pub const CSP_THIRD_PARTY_HOST: RuleInfo = RuleInfo {
    code: "csp-third-party-host",
    family: Family::MagentoConfig,
    severity: Severity::Medium,
    confidence: Confidence::High,
    cwe: Some(829),
    summary: "csp_whitelist.xml allows scripts, connections, images or forms to a host",
    help: "Every host in script-src, connect-src, img-src or form-action is a place the \
           storefront may load code from or send data to, on checkout too. Check each host \
           belongs to a vendor the store has a contract (and a BAA) with; wildcards and IP \
           addresses allow far more than the extension needs.",
};

/// The family's catalogue rows.
pub const RULES: &[RuleInfo] = &[
    WEBAPI_ANONYMOUS_ROUTE,
    WEBAPI_SELF_ROUTE_CUSTOMER_ID,
    GRAPHQL_RESOLVER_NO_AUTH,
    CONFIG_SECRET_NOT_ENCRYPTED,
    CONFIG_DEFAULT_CREDENTIAL,
    CONFIG_PLAIN_HTTP_ENDPOINT,
    OBSERVER_ON_SENSITIVE_EVENT,
    PLUGIN_ON_SENSITIVE_CLASS,
    PREFERENCE_ON_SENSITIVE_CLASS,
    LAYOUT_CUSTOMER_DATA_CACHEABLE,
    CSP_THIRD_PARTY_HOST,
];
