//! Where sensitive and hostile data comes from, as data tables.
//!
//! Reviewers extend these lists; the engine in `calls.rs` reads them.
//! Method names are matched case-insensitively, as PHP does.

use std::borrow::Cow;

use aho_corasick::AhoCorasick;

use super::value::kind;

/// A getter that returns sensitive data.
pub struct Getter {
    pub method: &'static str,
    pub kind: u16,
    pub what: &'static str,
    /// Only on an object we know is a customer, order, address or item:
    /// `getName` of a product is not personal data.
    pub entity_only: bool,
}

const fn g(method: &'static str, kind: u16, what: &'static str) -> Getter {
    Getter {
        method,
        kind,
        what,
        entity_only: false,
    }
}

const fn e(method: &'static str, kind: u16, what: &'static str) -> Getter {
    Getter {
        method,
        kind,
        what,
        entity_only: true,
    }
}

const P: u16 = kind::PHI;
const C: u16 = kind::CARD;

/// Getters of personal and card data on customers, orders, quotes,
/// addresses and payments.
pub const GETTERS: &[Getter] = &[
    g("getEmail", P, "customer email"),
    g("getCustomerEmail", P, "customer email"),
    g("getTelephone", P, "customer telephone"),
    g("getFax", P, "customer fax number"),
    g("getDob", P, "customer date of birth"),
    g("getCustomerDob", P, "customer date of birth"),
    g("getFirstname", P, "customer first name"),
    g("getCustomerFirstname", P, "customer first name"),
    g("getMiddlename", P, "customer middle name"),
    g("getCustomerMiddlename", P, "customer middle name"),
    g("getLastname", P, "customer last name"),
    g("getCustomerLastname", P, "customer last name"),
    g("getCustomerName", P, "customer name"),
    g("getStreet", P, "street address"),
    g("getStreetLine", P, "street address"),
    g("getStreetFull", P, "street address"),
    g("getTaxvat", P, "customer tax number"),
    g("getCustomerTaxvat", P, "customer tax number"),
    g("getGender", P, "customer gender"),
    g("getCustomerGender", P, "customer gender"),
    g("getRemoteIp", P, "customer IP address"),
    g("getCcOwner", P, "card holder name"),
    g("getCcNumber", C, "card number"),
    g("getCcCid", C, "card security code"),
    g("getCcExpMonth", C, "card expiry month"),
    g("getCcExpYear", C, "card expiry year"),
    g(
        "getAdditionalInformation",
        C,
        "payment additional information",
    ),
    g("getAdditionalData", C, "payment additional data"),
    e("getName", P, "name"),
    e("getPostcode", P, "postcode"),
    e("getCity", P, "city"),
    e("getCompany", P, "company"),
    e("getVatId", P, "VAT number"),
    e("getSku", P, "ordered item SKU"),
    e("getProductOptions", P, "ordered item options"),
    e("getCustomAttribute", P, "customer attribute"),
    e("getCustomAttributes", P, "customer attributes"),
    e("getStatusHistories", P, "order comments"),
];

/// Getters that return an object holding personal or card data.
pub const ENTITY_GETTERS: &[Getter] = &[
    g("getOrder", kind::ENTITY, "order"),
    g("getLastRealOrder", kind::ENTITY, "order"),
    g("getCustomer", kind::ENTITY, "customer"),
    g("getCustomerData", kind::ENTITY, "customer"),
    g("getQuote", kind::ENTITY, "quote"),
    g("getBillingAddress", kind::ENTITY, "billing address"),
    g("getShippingAddress", kind::ENTITY, "shipping address"),
    g("getPayment", kind::PAYMENT, "payment"),
    g("readDataArgument", kind::PAYMENT, "payment form data"),
    g("readPaymentModelArgument", kind::PAYMENT, "payment"),
    e("getAddresses", kind::ENTITY, "addresses"),
    e("getItems", kind::ENTITY, "items"),
    e("getAllItems", kind::ENTITY, "items"),
    e("getAllVisibleItems", kind::ENTITY, "items"),
];

/// Classes whose instances hold personal data (parameters typed with them
/// are entities), and whether it is card data.
pub const ENTITY_TYPES: &[(&str, u16, &str)] = &[
    (
        "Magento\\Customer\\Api\\Data\\CustomerInterface",
        kind::ENTITY,
        "customer",
    ),
    (
        "Magento\\Customer\\Model\\Customer",
        kind::ENTITY,
        "customer",
    ),
    (
        "Magento\\Customer\\Api\\Data\\AddressInterface",
        kind::ENTITY,
        "address",
    ),
    ("Magento\\Customer\\Model\\Address", kind::ENTITY, "address"),
    (
        "Magento\\Sales\\Api\\Data\\OrderInterface",
        kind::ENTITY,
        "order",
    ),
    ("Magento\\Sales\\Model\\Order", kind::ENTITY, "order"),
    (
        "Magento\\Sales\\Api\\Data\\OrderAddressInterface",
        kind::ENTITY,
        "order address",
    ),
    (
        "Magento\\Sales\\Model\\Order\\Address",
        kind::ENTITY,
        "order address",
    ),
    (
        "Magento\\Sales\\Api\\Data\\OrderItemInterface",
        kind::ENTITY,
        "order item",
    ),
    (
        "Magento\\Sales\\Model\\Order\\Item",
        kind::ENTITY,
        "order item",
    ),
    (
        "Magento\\Quote\\Api\\Data\\CartInterface",
        kind::ENTITY,
        "quote",
    ),
    ("Magento\\Quote\\Model\\Quote", kind::ENTITY, "quote"),
    (
        "Magento\\Quote\\Api\\Data\\AddressInterface",
        kind::ENTITY,
        "quote address",
    ),
    (
        "Magento\\Quote\\Model\\Quote\\Address",
        kind::ENTITY,
        "quote address",
    ),
    (
        "Magento\\Quote\\Model\\Quote\\Item",
        kind::ENTITY,
        "quote item",
    ),
    (
        "Magento\\Payment\\Model\\InfoInterface",
        kind::PAYMENT,
        "payment",
    ),
    (
        "Magento\\Sales\\Api\\Data\\OrderPaymentInterface",
        kind::PAYMENT,
        "payment",
    ),
    (
        "Magento\\Sales\\Model\\Order\\Payment",
        kind::PAYMENT,
        "payment",
    ),
    (
        "Magento\\Quote\\Api\\Data\\PaymentInterface",
        kind::PAYMENT,
        "payment",
    ),
    (
        "Magento\\Quote\\Model\\Quote\\Payment",
        kind::PAYMENT,
        "payment",
    ),
];

/// Repositories whose `get`, `getById` and `getList` return entities.
pub const ENTITY_REPOSITORIES: &[&str] = &[
    "Magento\\Customer\\Api\\CustomerRepositoryInterface",
    "Magento\\Customer\\Api\\AddressRepositoryInterface",
    "Magento\\Sales\\Api\\OrderRepositoryInterface",
    "Magento\\Sales\\Api\\OrderAddressRepositoryInterface",
    "Magento\\Quote\\Api\\CartRepositoryInterface",
];

/// Request accessors; with no argument they return the whole request.
pub const REQUEST_GETTERS: &[&str] = &[
    "getParam",
    "getParams",
    "getPost",
    "getPostValue",
    "getQuery",
    "getQueryValue",
    "getContent",
    "getCookie",
    "getFiles",
    "getUserParam",
];

/// Superglobals an attacker fills.
pub const SUPERGLOBALS: &[&str] = &["_GET", "_POST", "_REQUEST", "_COOKIE", "_FILES"];

/// Decoders: their output is hidden from a reader of the source.
pub const DECODERS: &[&str] = &[
    "base64_decode",
    "gzinflate",
    "gzuncompress",
    "gzdecode",
    "zlib_decode",
    "bzdecompress",
    "str_rot13",
    "convert_uudecode",
    "hex2bin",
];

/// One-way hashes: personal data stays an identifier.
pub const HASH_FUNCTIONS: &[&str] = &[
    "hash",
    "md5",
    "sha1",
    "crc32",
    "hash_hmac",
    "password_hash",
    "crypt",
];

/// Functions and methods whose result holds no trace of their input:
/// counts, tests, lengths, and encryption.
pub const CLEAN_FUNCTIONS: &[&str] = &[
    "count",
    "sizeof",
    "strlen",
    "mb_strlen",
    "in_array",
    "array_key_exists",
    "array_search",
    "hash_equals",
    "preg_match",
    "preg_match_all",
    "strpos",
    "stripos",
    "strrpos",
    "str_contains",
    "str_starts_with",
    "str_ends_with",
    "strcmp",
    "strcasecmp",
    "version_compare",
    "function_exists",
    "method_exists",
    "class_exists",
    "file_exists",
    "is_dir",
    "is_file",
    "is_readable",
    "is_writable",
    "gettype",
    "get_class",
    "spl_object_hash",
    "spl_object_id",
    "time",
    "microtime",
    "uniqid",
    "random_bytes",
    "random_int",
    "mt_rand",
    "rand",
    "openssl_encrypt",
    "sodium_crypto_secretbox",
    "sodium_crypto_box_seal",
    "escapeshellarg",
    "escapeshellcmd",
    "intdiv",
];

/// Functions that serialize a whole object or array into text.
pub const DUMP_FUNCTIONS: &[&str] = &["print_r", "var_export", "json_encode", "serialize"];

/// Methods that dump a whole entity.
pub const DUMP_METHODS: &[&str] = &[
    "getData",
    "toArray",
    "toJson",
    "debug",
    "convertToArray",
    "getOrigData",
    "__toArray",
];

/// The default PHI lexicon: attribute, key and parameter names that hold
/// health data. Reviewers can pass their own (`PhpDetector::with_phi_terms`).
/// Generic words of the wider lexicon (condition, clinic, appointment)
/// are left out: in shop code they name far more than health data.
pub const PHI_TERMS: &[&str] = &[
    "dob",
    "birth",
    "birthdate",
    "birthday",
    "diagnosis",
    "diagnoses",
    "prescription",
    "prescriptions",
    "prescriber",
    "rx",
    "medication",
    "medications",
    "dosage",
    "allergy",
    "allergies",
    "patient",
    "mrn",
    "npi",
    "icd",
    "cpt",
    "insurance",
    "insurer",
    "member_id",
    "policy_number",
    "ssn",
    "pregnancy",
    "treatment",
    "physician",
    "lab_result",
    "lab_results",
    "medical",
    "symptom",
    "symptoms",
];

/// Keys of personal data in request parameters and `getData()`.
pub const IDENTITY_KEYS: &[&str] = &[
    "email",
    "telephone",
    "phone",
    "firstname",
    "first_name",
    "lastname",
    "last_name",
    "middlename",
    "street",
    "postcode",
    "taxvat",
    "gender",
];

/// Keys of card data. They match as the last words of a key:
/// `payment_cc_number` is one, `cvc_result` (a gateway's verdict) and
/// `cc_number_enc` (encrypted) are not.
pub const CARD_KEYS: &[&str] = &[
    "cc_number",
    "cc_cid",
    "cc_exp_month",
    "cc_exp_year",
    "card_number",
    "cvv",
    "cvv2",
    "cvc",
    "pan",
    "security_code",
];

/// Namespaces and class-name words of objects that may carry personal
/// data, so that their getters are trusted without knowing the class.
const PERSONAL_NAMESPACES: &[&str] = &[
    "Magento\\Customer\\",
    "Magento\\Sales\\",
    "Magento\\Quote\\",
    "Magento\\Payment\\",
    "Magento\\Checkout\\",
    "Magento\\Vault\\",
    "Magento\\Framework\\Event",
    "Magento\\Framework\\DataObject",
];
const PERSONAL_WORDS: &[&str] = &[
    "Customer", "Order", "Quote", "Address", "Payment", "Cart", "Patient", "Billing", "Shipping",
];

/// Whether an object of class `ty` may hold personal data.
pub fn may_hold_personal_data(ty: &str) -> bool {
    let short = ty.rsplit('\\').next().unwrap_or(ty);
    PERSONAL_NAMESPACES.iter().any(|n| ty.starts_with(n))
        || PERSONAL_WORDS.iter().any(|w| short.contains(w))
}

/// A key or name in snake case: `ccNumber` → `cc_number`,
/// `KEY_ADDITIONAL_DATA` → `key_additional_data`.
pub fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        });
    }
    out
}

/// Whether the snake-case `key` contains `term` as whole words.
pub fn has_term(key: &str, term: &str) -> bool {
    let bytes = key.as_bytes();
    let mut from = 0;
    while let Some(i) = key.get(from..).and_then(|rest| rest.find(term)) {
        let (at, end) = (from + i, from + i + term.len());
        let left = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let right = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
        if left && right {
            return true;
        }
        from = at + 1;
    }
    false
}

/// The key and name vocabulary: card keys, the PHI lexicon and identity
/// keys, with an Aho-Corasick prefilter so that the common case (a name
/// holding none of them) costs one scan and no allocation.
#[derive(Debug, Clone)]
pub struct Lexicon {
    /// Term (snake case), kind bit, and the word used in messages.
    entries: Vec<(String, u16, &'static str)>,
    /// Each term twice: as written and without underscores (`memberId`).
    prefilter: Option<AhoCorasick>,
}

impl Lexicon {
    /// The vocabulary with `phi_terms` as the health lexicon.
    pub fn new(phi_terms: &[Cow<'static, str>]) -> Lexicon {
        let mut entries: Vec<(String, u16, &'static str)> = Vec::new();
        entries.extend(
            CARD_KEYS
                .iter()
                .map(|t| (t.to_string(), kind::CARD, "card data")),
        );
        entries.extend(
            phi_terms
                .iter()
                .map(|t| (snake(t), kind::PHI, "health data")),
        );
        entries.extend(
            IDENTITY_KEYS
                .iter()
                .map(|t| (t.to_string(), kind::PHI, "personal data")),
        );
        let patterns: Vec<String> = entries
            .iter()
            .flat_map(|(t, _, _)| [t.clone(), t.replace('_', "")])
            .collect();
        let prefilter = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&patterns)
            .ok();
        Lexicon { entries, prefilter }
    }

    /// What a data key or name holds: card, health or identity data (in
    /// that order of precedence), with a phrase for messages.
    pub fn kind_of(&self, name: &str) -> Option<(u16, String)> {
        if name.is_empty() || name.len() > 64 {
            return None;
        }
        if self.prefilter.as_ref().is_some_and(|p| !p.is_match(name)) {
            return None;
        }
        let key = snake(name);
        self.entries
            .iter()
            .find(|(term, bits, _)| match *bits {
                kind::CARD => key == *term || key.ends_with(&format!("_{term}")),
                _ => has_term(&key, term),
            })
            .map(|(_, bits, label)| (*bits, format!("{label} '{key}'")))
    }

    /// Whether a name holds health data by the lexicon.
    pub fn is_phi(&self, name: &str) -> bool {
        self.kind_of(name)
            .is_some_and(|(_, what)| what.starts_with("health"))
    }
}

/// Whether `hay` contains `needle` (lowercase), ignoring ASCII case,
/// without allocating.
pub fn contains_ic(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// `name` in lowercase, in `buf`, when it fits (builtin names do).
pub fn lowercase<'b>(name: &str, buf: &'b mut [u8; 48]) -> &'b str {
    let bytes = name.as_bytes();
    if bytes.len() > buf.len() {
        return "";
    }
    for (slot, b) in buf.iter_mut().zip(bytes) {
        *slot = b.to_ascii_lowercase();
    }
    std::str::from_utf8(&buf[..bytes.len()]).unwrap_or("")
}

/// A table entry by method name, ignoring case.
pub fn getter<'t>(table: &'t [Getter], method: &str) -> Option<&'t Getter> {
    table.iter().find(|g| g.method.eq_ignore_ascii_case(method))
}

/// Whether `name` is in `list`, ignoring case.
pub fn listed(list: &[&str], name: &str) -> bool {
    list.iter().any(|n| n.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        let terms: Vec<Cow<'static, str>> = PHI_TERMS.iter().map(|t| Cow::Borrowed(*t)).collect();
        Lexicon::new(&terms)
    }

    fn key_kind(key: &str, lexicon: &Lexicon) -> Option<(u16, String)> {
        lexicon.kind_of(key)
    }

    #[test]
    fn keys_are_read_as_words_whatever_their_case() {
        assert_eq!(snake("ccNumber"), "cc_number");
        assert_eq!(snake("KEY_ADDITIONAL_DATA"), "key_additional_data");
        assert_eq!(
            key_kind("patientName", &lexicon()).map(|k| k.0),
            Some(kind::PHI)
        );
        assert_eq!(
            key_kind("date_of_birth", &lexicon()).map(|k| k.0),
            Some(kind::PHI)
        );
        assert_eq!(
            key_kind("cc_cid", &lexicon()).map(|k| k.0),
            Some(kind::CARD)
        );
        assert_eq!(
            key_kind("card_cvc", &lexicon()).map(|k| k.0),
            Some(kind::CARD)
        );
        assert_eq!(key_kind("cvcResult", &lexicon()), None);
        assert_eq!(key_kind("cc_number_enc", &lexicon()), None);
    }

    #[test]
    fn words_inside_other_words_do_not_count() {
        assert_eq!(key_kind("panel_id", &lexicon()), None);
        assert_eq!(key_kind("rxjs_loader", &lexicon()), None);
        assert_eq!(key_kind("product_name", &lexicon()), None);
        assert!(!lexicon().is_phi("rebirthEvent"));
        assert!(lexicon().is_phi("memberId") && lexicon().is_phi("PatientName"));
    }
}
