//! Hosts: finding them in text and URLs, and telling a look-alike
//! (`jquery-cdn.top`, `google-anaiytics.com`) from the real thing.
//!
//! A look-alike is a host whose registrable name is within a small edit
//! distance of a well-known CDN, analytics, payment or Magento host
//! without being it, or one that wraps a known brand in service words
//! (`magento-analytics`, `cdn-jquery`). Skimmer operators register such
//! names so that a glance at the page source finds nothing odd.

use regex::Regex;
use std::sync::LazyLock;

static URL_HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:(?-u:\b)(?:https?|wss?):\\?/\\?/|[\x22'(=]\s*//)",
        r"([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)"
    ))
    .expect("url-host pattern")
});

/// Hosts of the URLs in `text` (`https://h/…`, `wss://h`, `"//h/…"`),
/// lowercased, each with the byte offset of the host.
pub fn url_hosts(text: &str) -> Vec<(usize, String)> {
    URL_HOST
        .captures_iter(text)
        .filter_map(|c| c.get(1))
        .filter(|m| has_tld(m.as_str()))
        .map(|m| (m.start(), m.as_str().to_ascii_lowercase()))
        .collect()
}

/// The host of a URL-shaped string, or of a bare host name
/// (`cdn.example.com`) when `bare` allows it.
pub fn host_of(value: &str, bare: bool) -> Option<String> {
    let trimmed = value.trim();
    if let Some((_, host)) = url_hosts(&format!("\"{trimmed}")).into_iter().next() {
        let rest = trimmed
            .split("//")
            .nth(1)
            .unwrap_or_default()
            .to_ascii_lowercase();
        if rest.starts_with(&host) && trimmed.find("//").is_some_and(|i| i <= 6) {
            return Some(host);
        }
    }
    let bare_ok = bare
        && trimmed.contains('.')
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && has_tld(trimmed);
    bare_ok.then(|| trimmed.to_ascii_lowercase())
}

/// File extensions that look like top-level domains in `jquery.min.js`.
const NOT_TLDS: &[&str] = &[
    "js", "css", "html", "htm", "php", "phtml", "json", "xml", "png", "jpg", "gif", "svg", "map",
    "txt", "min", "less", "md",
];

fn has_tld(host: &str) -> bool {
    let tld = host
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    (2..=24).contains(&tld.len())
        && tld.bytes().all(|b| b.is_ascii_alphabetic())
        && !NOT_TLDS.contains(&tld.as_str())
}

/// The registrable part of a host, as (name, suffix): `cdn.jquery.com`
/// gives (`jquery`, `com`), `shop.example.co.uk` gives (`example`, `co.uk`).
pub fn registrable(host: &str) -> (&str, String) {
    let labels: Vec<&str> = host.split('.').collect();
    let n = labels.len();
    let second_level = ["co", "com", "net", "org", "gov", "ac", "edu"];
    if n >= 3 && labels[n - 1].len() == 2 && second_level.contains(&labels[n - 2]) {
        return (
            labels[n - 3],
            format!("{}.{}", labels[n - 2], labels[n - 1]),
        );
    }
    if n >= 2 {
        return (labels[n - 2], labels[n - 1].to_string());
    }
    (host, String::new())
}

/// Whether `host` is `domain` or one of its subdomains.
pub fn under(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// Well-known hosts that skimmers imitate, by registrable domain.
const WELL_KNOWN: &[&str] = &[
    "jquery.com",
    "jquery.org",
    "jqueryui.com",
    "googleapis.com",
    "google-analytics.com",
    "googletagmanager.com",
    "google.com",
    "gstatic.com",
    "googleadservices.com",
    "googlesyndication.com",
    "doubleclick.net",
    "cloudflare.com",
    "jsdelivr.net",
    "unpkg.com",
    "bootstrapcdn.com",
    "fontawesome.com",
    "facebook.net",
    "facebook.com",
    "fbcdn.net",
    "magento.com",
    "magento.cloud",
    "magentocommerce.com",
    "adobe.com",
    "adobedtm.com",
    "paypal.com",
    "paypalobjects.com",
    "braintreegateway.com",
    "stripe.com",
    "stripe.network",
    "adyen.com",
    "authorize.net",
    "klarna.com",
    "hotjar.com",
    "amazonaws.com",
    "cloudfront.net",
    "akamaihd.net",
    "typekit.net",
    "gravatar.com",
    "recaptcha.net",
    "tiktok.com",
    "licdn.com",
    "linkedin.com",
    "pinterest.com",
    "pinimg.com",
    "bing.com",
    "clarity.ms",
    "snapchat.com",
    "sc-static.net",
    "newrelic.com",
    "nr-data.net",
    "sentry.io",
    "cookiebot.com",
    "onetrust.com",
    "cookielaw.org",
    "youtube.com",
    "vimeo.com",
    "twitter.com",
];

/// Brand names an imitator wraps in service words.
const BRANDS: &[&str] = &[
    "jquery",
    "googleapis",
    "googleanalytics",
    "googletagmanager",
    "gstatic",
    "jsdelivr",
    "cloudflare",
    "bootstrapcdn",
    "magento",
    "paypal",
    "braintree",
    "stripe",
    "adyen",
    "facebook",
    "fbcdn",
    "doubleclick",
    "hotjar",
];

/// Words that make a brand look like a CDN or a tag service.
const SERVICE_WORDS: &[&str] = &[
    "cdn",
    "cdns",
    "analytics",
    "analytic",
    "static",
    "js",
    "jsapi",
    "api",
    "apis",
    "stat",
    "stats",
    "track",
    "tracking",
    "tag",
    "tags",
    "pixel",
    "min",
    "assets",
    "content",
    "lib",
    "libs",
    "code",
    "metrics",
    "counter",
    "script",
    "scripts",
    "sync",
    "loader",
    "widget",
];

/// Brands whose owners use many top-level domains legitimately.
const MANY_TLDS: &[&str] = &["google", "facebook", "bing", "amazonaws", "paypal"];

/// Why `host` looks like a well-known host it is not, if it does.
pub fn lookalike(host: &str) -> Option<String> {
    if WELL_KNOWN.iter().any(|d| under(host, d)) || host.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    let (name, suffix) = registrable(host);
    let squashed = name.replace('-', "");
    if let Some(known) = WELL_KNOWN.iter().find(|d| registrable(d).0 == name) {
        let legit = MANY_TLDS.contains(&name) || !is_public_suffix(&suffix);
        return (!legit).then(|| format!("{known} under another top-level domain"));
    }
    for known in WELL_KNOWN {
        let (known_name, _) = registrable(known);
        let limit = match known_name.len() {
            0..=4 => 0,
            5..=7 => 1,
            _ => 2,
        };
        let distance = edit_distance(name, known_name);
        if distance <= limit || squashed == known_name.replace('-', "") {
            return Some(format!("one or two letters away from {known}"));
        }
    }
    let brand = BRANDS.iter().find(|b| squashed.contains(*b))?;
    let words: Vec<&str> = name.split('-').collect();
    let rest = squashed.replacen(brand, "", 1);
    let service = SERVICE_WORDS
        .iter()
        .any(|w| words.contains(w) || rest == *w);
    service.then(|| format!("wraps the {brand} brand in a service name"))
}

/// Generic top-level domains seen on look-alike hosts; with every
/// two-letter country code, these are the suffixes a swap is judged on.
/// Made-up suffixes in tests and docs (`magento.url`, `shop.demo`,
/// `.test`) are not look-alikes of anything.
const GENERIC_TLDS: &[&str] = &[
    "com", "net", "org", "info", "biz", "top", "xyz", "online", "site", "club", "pw", "app",
    "live", "shop", "store", "cloud", "tech", "space", "website", "icu", "pro", "link", "click",
];

fn is_public_suffix(suffix: &str) -> bool {
    let tld = suffix.rsplit('.').next().unwrap_or(suffix);
    let country = tld.len() == 2 && tld.bytes().all(|b| b.is_ascii_lowercase());
    GENERIC_TLDS.contains(&tld) || country
}

/// Hosts of payment providers whose scripts legitimately take card data.
const PAYMENT_PROVIDERS: &[&str] = &[
    "stripe.com",
    "stripe.network",
    "braintreegateway.com",
    "braintree-api.com",
    "paypal.com",
    "paypalobjects.com",
    "adyen.com",
    "adyenpayments.com",
    "authorize.net",
    "squareup.com",
    "squareupsandbox.com",
    "checkout.com",
    "worldpay.com",
    "cybersource.com",
    "klarna.com",
    "klarnaservices.com",
    "mollie.com",
    "opayo.co.uk",
    "sagepay.com",
    "payments-amazon.com",
    "amazonpay.com",
    "affirm.com",
    "afterpay.com",
    "globalpay.com",
    "realexpayments.com",
];

/// Whether `host` belongs to a known payment provider.
pub fn is_payment_provider(host: &str) -> bool {
    PAYMENT_PROVIDERS.iter().any(|d| under(host, d))
}

/// Optimal-string-alignment distance (a swap of neighbours counts once).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_hosts_are_found_with_offsets() {
        let text = r#"fetch('https://Api.Example.com/x'); s.src = "//cdn.test/a.js";"#;
        let hosts: Vec<String> = url_hosts(text).into_iter().map(|(_, h)| h).collect();
        assert_eq!(hosts, ["api.example.com", "cdn.test"]);
        assert_eq!(
            host_of("wss://ws.evil.top:443/s", false).as_deref(),
            Some("ws.evil.top")
        );
        assert_eq!(
            host_of("jquery-cdn.top", true).as_deref(),
            Some("jquery-cdn.top")
        );
        assert_eq!(host_of("jquery.min.js", true), None);
        assert_eq!(host_of("/checkout/cart", true), None);
    }

    #[test]
    fn lookalikes_are_near_or_wrap_a_brand() {
        assert!(lookalike("google-anaiytics.com").is_some());
        assert!(lookalike("jquery-cdn.top").is_some());
        assert!(lookalike("magento-analytics.com").is_some());
        assert!(lookalike("jquerry.com").is_some());
        assert!(lookalike("googletagmanager.cc").is_some());
        assert!(lookalike("google-anaiytics.test").is_some());
    }

    #[test]
    fn real_and_unrelated_hosts_are_not_lookalikes() {
        for host in [
            "code.jquery.com",
            "www.google-analytics.com",
            "connect.facebook.net",
            "www.google.de",
            "calendar.example-booking.test",
            "api.stripe.test",
            "code.jquery.test",
            "www.magento.demo",
            "magento.url",
            "magento-extension-vendor.com",
            "fonts.googleapis.com",
            "10.0.0.1",
        ] {
            assert_eq!(lookalike(host), None, "{host}");
        }
    }

    #[test]
    fn payment_providers_include_subdomains_only() {
        assert!(is_payment_provider("js.stripe.com"));
        assert!(!is_payment_provider("stripe.com.evil.top"));
        assert!(!is_payment_provider("notstripe.com"));
    }
}
