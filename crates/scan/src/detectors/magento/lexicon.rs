//! Words that make a name sensitive: personal and health data, and
//! credentials.
//!
//! Magento names are camelCase (`getByIncrementId`), snake_case
//! (`api_key`) or namespaced (`Api\OrderLookupInterface`); we split them
//! into lowercase words and compare words, never raw substrings, so that
//! `keyword` is not `key` and `prescriber` is not `rx`.

/// Splits an identifier into lowercase words at `_`, `-`, `\`, `/`, `.`,
/// `:`, spaces and lower-to-upper case changes.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            flush(&mut out, &mut current);
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower {
            flush(&mut out, &mut current);
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    flush(&mut out, &mut current);
    out
}

fn flush(out: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        out.push(std::mem::take(current));
    }
}

/// Words for data about a person: customers, orders and their addresses,
/// payments, and the PHI lexicon of detections.md §5.4.
const PERSONAL: &[&str] = &[
    "customer",
    "order",
    "address",
    "patient",
    "prescription",
    "rx",
    "diagnosis",
    "medication",
    "dosage",
    "allergy",
    "insurance",
    "appointment",
    "dob",
    "birth",
    "ssn",
    "mrn",
    "npi",
    "icd",
    "treatment",
    "physician",
    "clinic",
    "health",
    "medical",
    "email",
    "telephone",
    "phone",
    "pregnancy",
];

/// Records that belong to one customer although their names say nothing
/// personal (`paymentMethods` is a public list, `cartId` is not).
const RECORDS: &[&str] = &[
    "quote",
    "cart",
    "payment",
    "invoice",
    "shipment",
    "creditmemo",
];

/// Whether `word` is `lexeme`, its plural, or (for longer lexemes) a
/// longer word built on it (`prescriptions`, `customers`).
fn word_is(word: &str, lexeme: &str) -> bool {
    word == lexeme
        || word.strip_suffix('s') == Some(lexeme)
        || word.strip_suffix("es") == Some(lexeme)
        || (lexeme.len() >= 5 && word.starts_with(lexeme))
}

/// The first personal-data word among `names`, if any.
pub fn personal_hint<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<String> {
    names
        .into_iter()
        .flat_map(words)
        .find(|w| PERSONAL.iter().any(|lexeme| word_is(w, lexeme)))
}

/// Whether a parameter name is an entity id (`id`, `orderId`,
/// `customer_id`, `incrementId`).
pub fn is_id_name(name: &str) -> bool {
    words(name).last().is_some_and(|w| w == "id" || w == "ids")
}

/// Whether a parameter name is the id of a personal record
/// (`customerId`, `order_id`, `addressId`, `cartId`).
pub fn is_personal_id_name(name: &str) -> bool {
    let record = || {
        words(name)
            .iter()
            .any(|w| RECORDS.iter().any(|r| word_is(w, r)))
    };
    is_id_name(name) && (personal_hint([name]).is_some() || record())
}

/// Last words that name a credential.
const CREDENTIAL: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "secret",
    "token",
    "key",
    "apikey",
    "credential",
    "credentials",
    "signature",
];

/// Words before `key` or `token` that make it public or not a secret at
/// all (`public_key`, `site_key` of reCAPTCHA, `cache_key`).
const NOT_SECRET_BEFORE: &[&str] = &[
    "public",
    "publishable",
    "site",
    "cache",
    "sort",
    "lookup",
    "idempotency",
    "type",
    "csrf",
];

/// Whether a config field or path segment (`api_key`, `clientSecret`,
/// `access_token`) names a credential. Only the last word counts, so
/// `token_lifetime` and `password_reset_enabled` do not.
pub fn is_credential_name(name: &str) -> bool {
    let words = words(name);
    let Some((last, before)) = words.split_last() else {
        return false;
    };
    if !CREDENTIAL.contains(&last.as_str()) {
        return false;
    }
    !before
        .iter()
        .any(|w| NOT_SECRET_BEFORE.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_words() {
        assert_eq!(words("getByIncrementId"), ["get", "by", "increment", "id"]);
        assert_eq!(
            words("Api\\OrderLookupInterface"),
            ["api", "order", "lookup", "interface"]
        );
        assert_eq!(words("client_secret"), ["client", "secret"]);
        assert_eq!(words("HTTPClient"), ["httpclient"]);
    }

    #[test]
    fn personal_words_match_whole_words_and_plurals() {
        assert_eq!(
            personal_hint(["myPrescriptions"]).as_deref(),
            Some("prescriptions")
        );
        assert_eq!(
            personal_hint(["OrderLookupInterface"]).as_deref(),
            Some("order")
        );
        assert_eq!(personal_hint(["addresses"]).as_deref(), Some("addresses"));
        assert_eq!(personal_hint(["storeLocator", "getList"]), None);
        assert_eq!(personal_hint(["prescriber"]), None);
        assert_eq!(personal_hint(["border"]), None);
    }

    #[test]
    fn ids_are_the_last_word() {
        assert!(is_id_name("incrementId"));
        assert!(is_id_name("id"));
        assert!(is_personal_id_name("customer_id"));
        assert!(is_personal_id_name("cartId"));
        assert_eq!(personal_hint(["molliePaymentMethods"]), None);
        assert!(!is_personal_id_name("storeId"));
        assert!(!is_id_name("idle"));
    }

    #[test]
    fn credential_names_end_in_a_credential_word() {
        for yes in [
            "api_key",
            "password",
            "clientSecret",
            "access_token",
            "license_key",
        ] {
            assert!(is_credential_name(yes), "{yes}");
        }
        for no in [
            "public_key",
            "site_key",
            "token_lifetime",
            "keywords",
            "debug",
            "cache_key",
        ] {
            assert!(!is_credential_name(no), "{no}");
        }
    }
}
