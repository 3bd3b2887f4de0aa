//! The manifest family's rows of the rule catalogue: composer.json and the
//! code Composer or Magento runs just because the package is installed.

use crate::finding::{Confidence, Severity};
use crate::rules::{Family, RuleInfo};

/// The package is a Composer plugin.
pub const COMPOSER_PLUGIN: RuleInfo = RuleInfo {
    code: "composer-plugin",
    family: Family::Manifest,
    severity: Severity::High,
    confidence: Confidence::High,
    cwe: Some(829),
    summary: "The package is a Composer plugin: its code runs inside Composer",
    help: "A `composer-plugin` runs during every `composer install` and `update`, on developer \
           laptops and CI, before any review of the store. Composer 2.2+ asks the project to \
           list it in `allow-plugins`; read `extra.class` and everything it loads before \
           allowing it.",
};

/// The package declares Composer scripts.
pub const COMPOSER_SCRIPTS: RuleInfo = RuleInfo {
    code: "composer-scripts",
    family: Family::Manifest,
    severity: Severity::Medium,
    confidence: Confidence::High,
    cwe: Some(829),
    summary: "composer.json declares scripts",
    help: "Composer runs only the root project's scripts, not a dependency's, but they run \
           under `create-project` and show what the vendor meant to execute. Read each \
           command.",
};

/// `autoload.files` loads code on every request, or registration.php does
/// more than register.
pub const COMPOSER_AUTOLOAD_FILES: RuleInfo = RuleInfo {
    code: "composer-autoload-files",
    family: Family::Manifest,
    severity: Severity::High,
    confidence: Confidence::High,
    cwe: Some(829),
    summary: "Code runs on every request through autoload.files or registration.php",
    help: "Files in `autoload.files` are included by Composer's autoloader on every web \
           request and CLI command, before Magento starts. A Magento module needs only \
           `registration.php` there, and that file needs only \
           `ComponentRegistrar::register(...)`. Anything else deserves a line-by-line read.",
};

/// A dependency with no version bound or a moving branch.
pub const COMPOSER_UNBOUNDED_REQUIREMENT: RuleInfo = RuleInfo {
    code: "composer-unbounded-requirement",
    family: Family::Manifest,
    severity: Severity::Medium,
    confidence: Confidence::High,
    cwe: Some(1357),
    summary: "A requirement accepts any version or a development branch",
    help: "`*`, `dev-…` branches and open `>=` ranges let whatever is published next be \
           installed with this package, reviewed or not. Ask the vendor for a bounded \
           constraint (`^1.4`).",
};

/// No licence declared.
pub const COMPOSER_NO_LICENSE: RuleInfo = RuleInfo {
    code: "composer-no-license",
    family: Family::Manifest,
    severity: Severity::Low,
    confidence: Confidence::High,
    cwe: None,
    summary: "composer.json declares no licence",
    help: "Without a `license` the terms of use are unknown; legal review needs them \
           before the package is approved. `proprietary` is a valid answer.",
};

/// Files deployed outside `vendor/` by Magento's installer.
pub const MAGENTO_DEPLOY_MAP: RuleInfo = RuleInfo {
    code: "magento-deploy-map",
    family: Family::Manifest,
    severity: Severity::High,
    confidence: Confidence::High,
    cwe: None,
    summary: "The package copies files outside vendor/ when installed",
    help: "`extra.map` and the `magento2-component` type make Magento's Composer installer \
           copy files into the project (the web root, `pub/`, `app/etc`). Check every target: \
           files there are served or loaded outside any module's control.",
};

/// Executables put in `vendor/bin`.
pub const COMPOSER_BIN: RuleInfo = RuleInfo {
    code: "composer-bin",
    family: Family::Manifest,
    severity: Severity::Medium,
    confidence: Confidence::High,
    cwe: None,
    summary: "composer.json installs executables into vendor/bin",
    help: "`bin` entries become commands in `vendor/bin` that deploy scripts and developers \
           may run. Read each one; a Magento module rarely needs any.",
};

/// The family's catalogue rows.
pub const RULES: &[RuleInfo] = &[
    COMPOSER_PLUGIN,
    COMPOSER_SCRIPTS,
    COMPOSER_AUTOLOAD_FILES,
    COMPOSER_UNBOUNDED_REQUIREMENT,
    COMPOSER_NO_LICENSE,
    MAGENTO_DEPLOY_MAP,
    COMPOSER_BIN,
];
