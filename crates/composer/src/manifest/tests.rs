//! Scenarios for reading `composer.json`.

use super::*;

const MAGENTO_MODULE: &str = r#"{
    "name": "acme/module-payments",
    "description": "Card payments for Magento 2",
    "type": "magento2-module",
    "version": "2.4.6-p3",
    "license": "OSL-3.0",
    "require": {"php": "~8.1.0||~8.2.0", "magento/framework": "103.0.*"},
    "require-dev": [],
    "autoload": {
        "files": ["registration.php"],
        "psr-4": {"Acme\\Payments\\": ""},
        "psr-0": {"Acme_": ["lib/", "legacy/"]},
        "classmap": ["Legacy/"],
        "exclude-from-classmap": "Test/"
    },
    "scripts": {"post-install-cmd": "echo hi", "test": ["phpunit", "phpcs"]},
    "extra": {"map": [["*", "Acme/Payments"]]},
    "dist": {"type": "zip", "url": "https://repo.example/acme.zip", "shasum": ""},
    "source": {"type": "git", "url": "https://git.example/acme.git", "reference": "abc"},
    "minimum-stability": "stable"
}"#;

fn parse(json: &str) -> Result<ComposerJson, ManifestError> {
    ComposerJson::from_slice(json.as_bytes())
}

fn nested(depth: usize) -> String {
    let open = "{\"a\":".repeat(depth - 1);
    format!(
        r#"{{"name":"a/b","extra":{open}1{}}}"#,
        "}".repeat(depth - 1)
    )
}

#[test]
fn a_magento_module_manifest_is_read_in_full() {
    let m = parse(MAGENTO_MODULE).unwrap();
    assert_eq!(m.name.as_str(), "acme/module-payments");
    assert_eq!(m.package_type(), "magento2-module");
    assert_eq!(m.version.as_deref(), Some("2.4.6-p3"));
    assert_eq!(m.license, ["OSL-3.0"]);
    assert_eq!(m.require["magento/framework"], "103.0.*");
    assert!(m.require_dev.is_empty());
    assert_eq!(m.autoload.files, ["registration.php"]);
    assert_eq!(m.autoload.psr4["Acme\\Payments\\"], [""]);
    assert_eq!(m.autoload.psr0["Acme_"], ["lib/", "legacy/"]);
    assert_eq!(m.autoload.exclude_from_classmap, ["Test/"]);
    assert_eq!(m.scripts["post-install-cmd"], ["echo hi"]);
    assert_eq!(m.scripts["test"], ["phpunit", "phpcs"]);
    assert_eq!(m.extra["map"][0][1], "Acme/Payments");
    assert_eq!(m.dist.as_ref().map(|d| d.r#type.as_str()), Some("zip"));
    assert_eq!(
        m.source.as_ref().and_then(|s| s.reference.as_deref()),
        Some("abc")
    );
    assert_eq!(m.other["minimum-stability"], "stable");
}

#[test]
fn a_manifest_without_type_is_a_library() {
    let m = parse(r#"{"name":"a/b","license":["MIT","GPL-2.0"]}"#).unwrap();
    assert_eq!(m.package_type(), "library");
    assert_eq!(m.license, ["MIT", "GPL-2.0"]);
}

#[test]
fn unknown_keys_survive_a_round_trip() {
    let m = parse(MAGENTO_MODULE).unwrap();
    let again = ComposerJson::from_slice(&serde_json::to_vec(&m).unwrap()).unwrap();
    assert_eq!(m, again);
}

#[test]
fn json_nested_past_the_limit_is_refused_before_parsing() {
    assert!(parse(&nested(MAX_JSON_DEPTH)).is_ok());
    let err = parse(&nested(MAX_JSON_DEPTH + 1)).unwrap_err();
    assert!(
        matches!(err, ManifestError::TooDeep { limit: 64, .. }),
        "{err}"
    );
    // A hostile document far past serde's own limit is still refused cheaply.
    let hostile = "[".repeat(1_000_000);
    assert!(matches!(
        parse(&hostile),
        Err(ManifestError::TooDeep { .. })
    ));
}

#[test]
fn brackets_inside_strings_do_not_count_as_nesting() {
    let deep_text = format!(
        r#"{{"name":"a/b","description":"{}\"{}"}}"#,
        "[".repeat(100),
        "{"
    );
    assert!(parse(&deep_text).is_ok());
}

#[test]
fn a_caller_may_choose_a_tighter_depth() {
    let err = ComposerJson::from_slice_with_depth(nested(5).as_bytes(), 4).unwrap_err();
    assert!(err.to_string().contains("more than 4 levels"), "{err}");
}

#[test]
fn a_missing_or_invalid_name_is_refused() {
    assert!(matches!(
        parse(r#"{"type":"library"}"#),
        Err(ManifestError::MissingName)
    ));
    assert!(matches!(
        parse(r#"{"name":7}"#),
        Err(ManifestError::MissingName)
    ));
    let err = parse(r#"{"name":"Acme/Module"}"#).unwrap_err();
    assert!(err.to_string().contains("acme/module"), "{err}");
    assert!(matches!(
        parse(r#"{"name":"../etc"}"#),
        Err(ManifestError::InvalidName(_))
    ));
}

#[test]
fn an_invalid_version_is_refused_when_present() {
    let err = parse(r#"{"name":"a/b","version":"v.1.0.1"}"#).unwrap_err();
    assert!(matches!(err, ManifestError::InvalidVersion(_)));
    assert!(err.to_string().contains("v.1.0.1"));
    assert!(parse(r#"{"name":"a/b","version":"1.0 as 2.0"}"#).is_err());
}

#[test]
fn broken_json_names_the_file() {
    let err = parse("{\"name\": ").unwrap_err();
    assert!(
        err.to_string().starts_with("composer.json: invalid JSON"),
        "{err}"
    );
}

#[test]
fn a_list_where_a_map_belongs_is_refused_unless_empty() {
    assert!(parse(r#"{"name":"a/b","require":[]}"#).is_ok());
    assert!(parse(r#"{"name":"a/b","autoload":[]}"#).is_ok());
    assert!(parse(r#"{"name":"a/b","require":["x"]}"#).is_err());
}
