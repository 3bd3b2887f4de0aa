//! Words in names: how we tell a session token or a patient's name from a
//! UI preference.
//!
//! Storage keys, property chains and payload keys are split into lowercase
//! words (`patientPortal_TOKEN` → `patient`, `portal`, `token`) and the
//! words are compared with small lexicons. We classify words rather than
//! match substrings so that `tokenizer`, `author` or `emailing-opt-in`
//! do not pass for `token`, `auth` or `email` by accident.

/// Splits `text` into lowercase words at punctuation, digits-to-letters
/// and camelCase boundaries.
pub fn split(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in text.chars() {
        if !c.is_ascii_alphanumeric() {
            push(&mut words, &mut current);
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower {
            push(&mut words, &mut current);
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    push(&mut words, &mut current);
    words
}

fn push(words: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

fn has(words: &[String], word: &str) -> bool {
    words.iter().any(|w| w == word)
}

fn has_any(words: &[String], list: &[&str]) -> bool {
    words.iter().any(|w| list.contains(&w.as_str()))
}

/// Words that name a credential by themselves.
const TOKEN_WORDS: &[&str] = &[
    "token",
    "jwt",
    "bearer",
    "auth",
    "oauth",
    "authorization",
    "authtoken",
    "accesstoken",
    "refreshtoken",
    "apikey",
    "secret",
    "password",
    "passwd",
    "credential",
    "credentials",
    "sessid",
    "sessionid",
    "sid",
];

/// The credential word in `words`, if they name one (`session` counts
/// alone or with `id`/`key`/`token`, never in `session_started`).
pub fn token_term(words: &[String]) -> Option<String> {
    if words.len() == 2 && has(words, "form") && has(words, "key") {
        // Magento's CSRF form key is public by design.
        return None;
    }
    if let Some(w) = words.iter().find(|w| TOKEN_WORDS.contains(&w.as_str())) {
        return Some(w.clone());
    }
    if has(words, "api") && has(words, "key") {
        return Some("api key".into());
    }
    if has(words, "session") && (words.len() == 1 || has_any(words, &["id", "key", "cookie"])) {
        return Some("session".into());
    }
    None
}

/// Words that name personal or health data by themselves.
const PHI_WORDS: &[&str] = &[
    "email",
    "telephone",
    "phone",
    "dob",
    "birth",
    "birthday",
    "birthdate",
    "diagnosis",
    "diagnoses",
    "prescription",
    "prescriptions",
    "rx",
    "medication",
    "medications",
    "dosage",
    "allergy",
    "allergies",
    "mrn",
    "npi",
    "icd",
    "ssn",
    "insurance",
    "pregnancy",
    "treatment",
    "physician",
    "appointment",
    "appointments",
    "street",
    "postcode",
    "zipcode",
    "firstname",
    "lastname",
    "fullname",
    "gender",
    "taxvat",
];

/// Words that, next to `name`, make it a person's name.
const PERSON_WORDS: &[&str] = &[
    "patient", "customer", "user", "member", "first", "last", "full", "given", "family", "middle",
    "contact", "person", "holder",
];

/// Whole records about a person: `customer`, `patient_info`.
const SUBJECT_WORDS: &[&str] = &["patient", "customer"];
const RECORD_WORDS: &[&str] = &[
    "data", "info", "profile", "details", "record", "records", "obj", "object", "json",
];

/// The personal-data word in `words`, if they name personal data.
pub fn phi_term(words: &[String]) -> Option<String> {
    if let Some(w) = words.iter().find(|w| PHI_WORDS.contains(&w.as_str())) {
        return Some(w.clone());
    }
    if has(words, "address") && !has(words, "ip") {
        return Some("address".into());
    }
    if has(words, "name") && has_any(words, PERSON_WORDS) {
        return Some("name".into());
    }
    if has(words, "lab") && has_any(words, &["result", "results"]) {
        return Some("lab result".into());
    }
    if has(words, "member") && has(words, "id") {
        return Some("member id".into());
    }
    if has(words, "policy") && has(words, "number") {
        return Some("policy number".into());
    }
    let record = words
        .iter()
        .all(|w| SUBJECT_WORDS.contains(&w.as_str()) || RECORD_WORDS.contains(&w.as_str()));
    if record && has_any(words, SUBJECT_WORDS) {
        return words
            .iter()
            .find(|w| SUBJECT_WORDS.contains(&w.as_str()))
            .cloned();
    }
    None
}

/// The short keys of advertising "advanced matching" payloads (`em` for
/// email, `ph` for phone, `fn`/`ln` for names, `db` for birth date).
pub const MATCHING_KEYS: &[&str] = &["em", "ph", "fn", "ln", "db", "zp"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_case_and_punctuation() {
        assert_eq!(
            split("patientPortal_TOKEN-key"),
            ["patient", "portal", "token", "key"]
        );
        assert_eq!(
            split("response.patientName"),
            ["response", "patient", "name"]
        );
    }

    #[test]
    fn tokens_are_words_not_substrings() {
        assert_eq!(
            token_term(&split("patient_portal_token")).as_deref(),
            Some("token")
        );
        assert_eq!(token_term(&split("accessToken")).as_deref(), Some("token"));
        assert_eq!(token_term(&split("session")).as_deref(), Some("session"));
        assert_eq!(token_term(&split("tokenizer-loaded")), None);
        assert_eq!(token_term(&split("author")), None);
        assert_eq!(token_term(&split("session_started")), None);
        assert_eq!(token_term(&split("form_key")), None);
    }

    #[test]
    fn personal_data_needs_a_person_or_a_data_word() {
        assert_eq!(
            phi_term(&split("patient_portal_patient_name")).as_deref(),
            Some("name")
        );
        assert_eq!(phi_term(&split("guestEmail")).as_deref(), Some("email"));
        assert_eq!(
            phi_term(&split("customer_info")).as_deref(),
            Some("customer")
        );
        assert_eq!(phi_term(&split("patient_portal_preferences")), None);
        assert_eq!(phi_term(&split("product_name")), None);
        assert_eq!(phi_term(&split("remote_ip_address")), None);
        assert_eq!(phi_term(&split("grid-mode")), None);
    }
}
