//! The catalogue rows of the secrets family: one per code, with the
//! severity, confidence and help a reviewer sees.
//!
//! How each code is *found* lives in `rules.toml` next to this file; a test
//! keeps the two in step (every pattern names a code listed here, and every
//! code here is either found by a pattern or by a path rule).

use crate::finding::{Confidence, Severity};
use crate::rules::{Family, RuleInfo};

// Short names keep each row on a line: confidence reads Sure / Likely / Guess.
use Confidence::{High as Sure, Low as Guess, Medium as Likely};
use Severity::{High, Low, Medium};

/// CWE-798: use of hard-coded credentials.
const HARD_CODED: Option<u32> = Some(798);

/// What to do with any live credential found in a package: the key is
/// public the moment the package is, so it must be revoked, not deleted.
const REVOKE: &str = "Treat the credential as leaked: whoever downloaded the package has it. \
    Ask the vendor to revoke and rotate it, and to read it from configuration \
    (an encrypted system.xml field or env.php) instead of shipping it.";

const fn rule(
    code: &'static str,
    severity: Severity,
    confidence: Confidence,
    summary: &'static str,
) -> RuleInfo {
    RuleInfo {
        code,
        family: Family::Secrets,
        severity,
        confidence,
        cwe: HARD_CODED,
        summary,
        help: REVOKE,
    }
}

const fn with_help(info: RuleInfo, help: &'static str) -> RuleInfo {
    RuleInfo { help, ..info }
}

/// Every code the secrets family reports.
#[rustfmt::skip] // a table: one row per code reads better than rustfmt's columns
pub const RULES: &[RuleInfo] = &[
    // Cloud providers.
    rule("secret-aws-access-key", High, Sure, "An AWS access key id is hard-coded"),
    rule("secret-aws-secret-key", High, Likely, "An AWS secret access key is hard-coded"),
    rule("secret-google-api-key", Medium, Sure, "A Google API key is hard-coded"),
    rule("secret-google-oauth-secret", High, Sure, "A Google OAuth client secret is hard-coded"),
    rule("secret-google-oauth-token", Medium, Sure, "A Google OAuth access token is hard-coded"),
    rule("secret-gcp-service-account", High, Sure,
        "A Google Cloud service-account private key is shipped"),
    rule("secret-azure-storage-key", High, Likely, "An Azure storage account key is hard-coded"),
    rule("secret-azure-connection-string", High, Sure,
        "An Azure connection string with its account key is hard-coded"),
    rule("secret-azure-sas-token", High, Likely, "An Azure shared access signature is hard-coded"),
    rule("secret-azure-client-secret", High, Likely,
        "A Microsoft Entra ID client secret is hard-coded"),
    rule("secret-heroku-key", High, Likely, "A Heroku API key is hard-coded"),
    rule("secret-digitalocean-token", High, Sure, "A DigitalOcean token is hard-coded"),
    rule("secret-fastly-api-token", High, Likely, "A Fastly API token is hard-coded"),
    // Payments.
    rule("secret-stripe-secret-key", High, Sure, "A Stripe live secret key is hard-coded"),
    rule("secret-stripe-restricted-key", High, Sure, "A Stripe live restricted key is hard-coded"),
    rule("secret-stripe-webhook-secret", High, Sure,
        "A Stripe webhook signing secret is hard-coded"),
    rule("secret-braintree-access-token", High, Sure,
        "A Braintree production access token is hard-coded"),
    rule("secret-braintree-private-key", High, Likely, "A Braintree private key is hard-coded"),
    rule("secret-paypal-client-secret", High, Likely, "A PayPal REST client secret is hard-coded"),
    rule("secret-paypal-api-signature", High, Likely,
        "A PayPal NVP/SOAP API signature is hard-coded"),
    rule("secret-adyen-api-key", High, Likely, "An Adyen API key is hard-coded"),
    rule("secret-adyen-hmac-key", High, Likely, "An Adyen notification HMAC key is hard-coded"),
    rule("secret-authorize-net-key", High, Likely,
        "An Authorize.net transaction or signature key is hard-coded"),
    rule("secret-square-token", High, Likely, "A Square access token is hard-coded"),
    rule("secret-square-oauth-secret", High, Sure,
        "A Square OAuth application secret is hard-coded"),
    rule("secret-mollie-api-key", High, Likely, "A Mollie live API key is hard-coded"),
    // Messaging and marketing.
    rule("secret-twilio-api-key", High, Likely, "A Twilio API key is hard-coded"),
    rule("secret-twilio-auth-token", High, Likely, "A Twilio auth token is hard-coded"),
    with_help(
        rule("secret-twilio-sid", Low, Likely, "A Twilio account SID is hard-coded"),
        "An account SID alone is an identifier, not a credential, but it names the \
         account a token elsewhere unlocks. Look for the matching auth token or API key.",
    ),
    rule("secret-sendgrid-api-key", High, Sure, "A SendGrid API key is hard-coded"),
    rule("secret-mailgun-api-key", High, Likely, "A Mailgun API key is hard-coded"),
    rule("secret-mailchimp-api-key", High, Likely, "A Mailchimp API key is hard-coded"),
    rule("secret-slack-token", High, Sure, "A Slack token is hard-coded"),
    rule("secret-slack-webhook", High, Sure, "A Slack incoming-webhook URL is hard-coded"),
    rule("secret-discord-webhook", High, Sure, "A Discord webhook URL is hard-coded"),
    rule("secret-teams-webhook", High, Likely,
        "A Microsoft Teams incoming-webhook URL is hard-coded"),
    rule("secret-telegram-bot-token", High, Likely, "A Telegram bot token is hard-coded"),
    rule("secret-klaviyo-private-key", High, Likely, "A Klaviyo private API key is hard-coded"),
    rule("secret-hubspot-key", High, Likely, "A HubSpot access token or API key is hard-coded"),
    rule("secret-facebook-token", High, Likely, "A Facebook (Meta) access token is hard-coded"),
    rule("secret-facebook-app-secret", High, Likely, "A Facebook (Meta) app secret is hard-coded"),
    rule("secret-algolia-admin-key", High, Likely,
        "An Algolia admin or write API key is hard-coded"),
    // Code hosting, packages and developer services.
    rule("secret-github-token", High, Sure, "A GitHub token is hard-coded"),
    rule("secret-gitlab-token", High, Sure, "A GitLab token is hard-coded"),
    rule("secret-npm-token", High, Sure, "An npm access token is hard-coded"),
    rule("secret-pypi-token", High, Sure, "A PyPI upload token is hard-coded"),
    rule("secret-docker-hub-token", High, Sure, "A Docker Hub access token is hard-coded"),
    rule("secret-packagist-token", High, Sure, "A Private Packagist token is hard-coded"),
    rule("secret-shopify-token", High, Sure,
        "A Shopify access token or shared secret is hard-coded"),
    rule("secret-openai-key", High, Sure, "An OpenAI API key is hard-coded"),
    rule("secret-anthropic-key", High, Sure, "An Anthropic API key is hard-coded"),
    rule("secret-newrelic-key", High, Likely,
        "A New Relic API, insert or license key is hard-coded"),
    rule("secret-datadog-api-key", High, Likely, "A Datadog API or application key is hard-coded"),
    rule("secret-sentry-token", High, Sure, "A Sentry auth token is hard-coded"),
    rule("secret-mapbox-secret-token", High, Sure, "A Mapbox secret token is hard-coded"),
    rule("secret-shippo-token", High, Sure, "A Shippo live API token is hard-coded"),
    rule("secret-easypost-key", High, Sure, "An EasyPost production API key is hard-coded"),
    rule("secret-recaptcha-secret", Medium, Likely, "A reCAPTCHA secret key is hard-coded"),
    // Magento itself.
    rule("secret-marketplace-keys", High, Sure,
        "Adobe Commerce Marketplace access keys are shipped"),
    rule("secret-magento-crypt-key", High, Likely,
        "A Magento crypt key (app/etc/env.php `crypt/key`) is shipped"),
    with_help(
        rule("secret-env-php-shipped", High, Sure,
            "An environment file (app/etc/env.php or .env) is shipped"),
        "An environment file holds one store's database password, crypt key and \
         service credentials; it never belongs in an extension. Ask the vendor to \
         remove it and rotate every credential it holds.",
    ),
    rule("secret-auth-json-shipped", High, Sure,
        "A Composer auth.json with credentials is shipped"),
    // Shapes that are not one vendor's.
    rule("secret-private-key", High, Sure, "A private key (PEM or OpenSSH block) is shipped"),
    with_help(
        rule("secret-jwt", Medium, Likely, "A signed JSON Web Token is hard-coded"),
        "A token signed by a real issuer grants whatever its claims say until it \
         expires (often never, in shipped code). Decode it to see the issuer and \
         expiry; ask the vendor to fetch tokens at run time instead.",
    ),
    rule("secret-bearer-token", High, Likely,
        "A bearer token is hard-coded in an Authorization header"),
    rule("secret-basic-auth", High, Likely,
        "HTTP Basic credentials are hard-coded in an Authorization header"),
    rule("secret-url-credentials", High, Likely, "A URL carries a user name and password"),
    rule("secret-dsn-password", High, Likely,
        "A database or service connection string carries a password"),
    with_help(
        rule("secret-generic-assignment", Medium, Guess,
            "A high-entropy literal is assigned to a secret-looking name"),
        "A heuristic: a random-looking literal is assigned to a name such as api_key, \
         secret or password. Check whether it is a live credential (then treat it as \
         leaked and ask for rotation) or an identifier, hash or sample value.",
    ),
];
