//! The root composer.json: what Composer and Magento's installer will run
//! or copy because this package is installed, what it pulls in, and
//! under which licence.

use serde_json::{Map, Value};

use super::json_pos::Positions;
use super::rules::{
    COMPOSER_AUTOLOAD_FILES, COMPOSER_BIN, COMPOSER_NO_LICENSE, COMPOSER_PLUGIN, COMPOSER_SCRIPTS,
    COMPOSER_UNBOUNDED_REQUIREMENT, MAGENTO_DEPLOY_MAP,
};
use crate::capability::{Capability, CapabilityKind};
use crate::context;
use crate::detector::Sink;
use crate::detectors::magento::{shorten, unreadable};
use crate::finding::{Finding, Location, Severity};
use crate::rules::RuleInfo;

/// One composer.json being checked.
struct Manifest<'a> {
    path: &'a str,
    text: &'a str,
    json: Map<String, Value>,
    positions: Positions,
    out: &'a mut Sink,
}

/// Checks the root composer.json at `path`.
pub fn check(path: &str, text: &str, out: &mut Sink) {
    let json = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => map,
        Ok(_) => {
            out.finding(unreadable(
                Location::file(path),
                "composer.json is not a JSON object",
            ));
            return;
        }
        Err(err) => {
            let at = Location {
                path: path.to_string(),
                line: err.line() as u32,
                column: err.column() as u32,
            };
            out.finding(unreadable(at, &format!("invalid JSON: {err}")));
            return;
        }
    };
    let mut manifest = Manifest {
        path,
        text,
        json,
        positions: Positions::of(text),
        out,
    };
    manifest.package_type();
    manifest.deploy_map();
    manifest.scripts();
    manifest.autoload_files();
    manifest.requirements();
    manifest.license();
    manifest.bin();
}

impl Manifest<'_> {
    fn report(&mut self, rule: &RuleInfo, at: &[&str], message: String, evidence: &str) -> Finding {
        let offset = self.positions.offset(at).unwrap_or(0);
        let location = Location::at_offset(self.path, self.text, offset);
        let line = self.text[offset..].lines().next().unwrap_or("").trim();
        let finding = Finding::new(rule, location, message, shorten(line, 160), evidence);
        context::adjust(finding, self.path)
    }

    fn push(&mut self, finding: Finding) {
        self.out.finding(finding);
    }

    fn capability(&mut self, value: String) {
        let capability = Capability::new(CapabilityKind::InstallTime, value, self.path);
        self.out.capability(capability);
    }

    fn str_at(&self, pointer: &str) -> Option<&str> {
        self.pointer(pointer).and_then(Value::as_str)
    }

    fn pointer(&self, pointer: &str) -> Option<&Value> {
        let mut parts = pointer.trim_start_matches('/').split('/');
        let first = self.json.get(parts.next()?)?;
        parts.try_fold(first, |value, key| value.get(key))
    }

    fn package_type(&mut self) {
        match self.str_at("/type") {
            Some("composer-plugin") => {
                let class = self
                    .str_at("/extra/class")
                    .unwrap_or("(no extra.class)")
                    .to_string();
                let message = format!(
                    "The package is a Composer plugin ({class}): it runs inside Composer on \
                     every install and update"
                );
                let finding = self.report(&COMPOSER_PLUGIN, &["type"], message, "composer-plugin");
                self.push(finding);
                self.capability("composer-plugin".to_string());
            }
            Some("magento2-component") => {
                let message = "The package is a `magento2-component`: Magento's installer \
                               copies its files into the project root"
                    .to_string();
                let evidence = "type magento2-component";
                let finding = self.report(&MAGENTO_DEPLOY_MAP, &["type"], message, evidence);
                self.push(finding);
            }
            _ => {}
        }
    }

    fn deploy_map(&mut self) {
        let Some(Value::Array(map)) = self.pointer("/extra/map") else {
            return;
        };
        if map.is_empty() {
            return;
        }
        let targets: Vec<String> = map
            .iter()
            .filter_map(|pair| pair.get(1).and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        let message = format!(
            "extra.map copies files outside vendor/ on install, to: {}",
            shorten(&targets.join(", "), 200)
        );
        let evidence = format!("extra.map {}", targets.join(" "));
        let finding = self.report(&MAGENTO_DEPLOY_MAP, &["extra", "map"], message, &evidence);
        self.push(finding);
    }

    /// One finding at the `scripts` key (the reviewer reads the block as a
    /// whole), and one capability per event.
    fn scripts(&mut self) {
        let Some(Value::Object(scripts)) = self.json.get("scripts").cloned() else {
            return;
        };
        if scripts.is_empty() {
            return;
        }
        let mut lines = Vec::new();
        for (event, commands) in &scripts {
            let commands = match commands {
                Value::Array(items) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("; "),
                other => other.as_str().unwrap_or_default().to_string(),
            };
            lines.push(format!("{event}: {commands}"));
        }
        let message = format!(
            "Composer scripts declared: {}",
            shorten(&lines.join(" | "), 240)
        );
        let evidence = format!("scripts {}", lines.join(" | "));
        let finding = self.report(&COMPOSER_SCRIPTS, &["scripts"], message, &evidence);
        self.push(finding);
        for event in scripts.keys() {
            self.capability(format!("scripts:{event}"));
        }
    }

    fn autoload_files(&mut self) {
        let Some(Value::Array(files)) = self.pointer("/autoload/files").cloned() else {
            return;
        };
        for (index, file) in files.iter().enumerate() {
            let Some(file) = file.as_str() else { continue };
            let file = file.trim_start_matches("./");
            if file == "registration.php" || file.ends_with("/registration.php") {
                continue;
            }
            let message =
                format!("autoload.files includes {file}: it runs on every request and CLI command");
            let at = ["autoload", "files", &index.to_string()];
            let evidence = format!("autoload.files {file}");
            let finding = self.report(&COMPOSER_AUTOLOAD_FILES, &at, message, &evidence);
            self.push(finding);
            self.capability(format!("autoload.files:{file}"));
        }
    }

    fn requirements(&mut self) {
        let Some(Value::Object(require)) = self.json.get("require").cloned() else {
            return;
        };
        for (package, constraint) in require {
            let Some(constraint) = constraint.as_str() else {
                continue;
            };
            if is_platform(&package) {
                continue;
            }
            let Some((why, severity)) = unbounded(constraint) else {
                continue;
            };
            // Magento's own packages are pinned by the store's root
            // composer.json; an open floor on them widens nothing.
            if severity == Severity::Low && package.starts_with("magento/") {
                continue;
            }
            let message = format!("`{package}` is required as \"{constraint}\": {why}");
            let evidence = format!("require {package} {constraint}");
            let rule = &COMPOSER_UNBOUNDED_REQUIREMENT;
            let finding = self.report(rule, &["require", &package], message, &evidence);
            self.push(finding.with_severity(severity));
        }
    }

    fn license(&mut self) {
        let declared = match self.json.get("license") {
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(Value::Array(items)) => items
                .iter()
                .any(|i| i.as_str().is_some_and(|s| !s.is_empty())),
            _ => false,
        };
        if declared {
            return;
        }
        let message = "composer.json declares no licence".to_string();
        let finding = Finding::new(
            &COMPOSER_NO_LICENSE,
            Location::file(self.path),
            message,
            "",
            "no license",
        );
        self.push(finding);
    }

    fn bin(&mut self) {
        let bins: Vec<String> = match self.json.get("bin") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => return,
        };
        for (index, bin) in bins.iter().enumerate() {
            let message = format!("`{bin}` is installed as a command in vendor/bin");
            let at: Vec<String> = match self.json.get("bin") {
                Some(Value::Array(_)) => vec!["bin".into(), index.to_string()],
                _ => vec!["bin".into()],
            };
            let at: Vec<&str> = at.iter().map(String::as_str).collect();
            let finding = self.report(&COMPOSER_BIN, &at, message, &format!("bin {bin}"));
            self.push(finding);
        }
    }
}

/// Platform packages (PHP, extensions, Composer's own APIs) are not code
/// anyone publishes, so open ranges on them are the norm.
fn is_platform(package: &str) -> bool {
    matches!(
        package,
        "php" | "php-64bit" | "hhvm" | "composer" | "composer-plugin-api"
    ) || package == "composer-runtime-api"
        || package.starts_with("ext-")
        || package.starts_with("lib-")
}

/// Why a constraint lets unreviewed versions in, and how much that weighs.
fn unbounded(constraint: &str) -> Option<(&'static str, Severity)> {
    let constraint = constraint.trim();
    if constraint.is_empty() || constraint == "*" {
        return Some(("any version may be installed", Severity::Medium));
    }
    for alternative in constraint.split('|').filter(|a| !a.trim().is_empty()) {
        let terms: Vec<&str> = alternative
            .split([' ', ','])
            .filter(|t| !t.is_empty())
            .collect();
        let dev = terms
            .iter()
            .any(|t| t.starts_with("dev-") || t.ends_with("-dev") || t.contains("@dev"));
        if dev {
            return Some((
                "a development branch, whatever it holds when installed",
                Severity::Medium,
            ));
        }
        if terms.contains(&"*") {
            return Some(("any version may be installed", Severity::Medium));
        }
        let floor = terms.iter().any(|t| t.starts_with('>'));
        let ceiling = terms.iter().any(|t| t.starts_with('<'));
        if floor && !ceiling {
            return Some(("the range has no upper bound", Severity::Low));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Sink {
        let mut out = Sink::default();
        check("composer.json", text, &mut out);
        out
    }

    fn codes_at(out: &Sink) -> Vec<(&str, u32)> {
        out.findings
            .iter()
            .map(|f| (f.code.as_str(), f.location.line))
            .collect()
    }

    const CLEAN: &str = "{\n  \"name\": \"acme/rx\",\n  \"type\": \"magento2-module\",\n  \
        \"license\": \"MIT\",\n  \"require\": {\"php\": \">=8.1\", \"magento/framework\": \"^103.0\"},\n  \
        \"autoload\": {\"files\": [\"registration.php\"], \"psr-4\": {\"Acme\\\\Rx\\\\\": \"\"}}\n}";

    #[test]
    fn a_plain_magento_module_manifest_has_no_findings() {
        let out = run(CLEAN);
        assert!(out.findings.is_empty(), "{:?}", codes_at(&out));
        assert!(out.capabilities.is_empty());
    }

    #[test]
    fn a_composer_plugin_is_high_at_its_type() {
        let out = run("{\n  \"name\": \"a/b\",\n  \"license\": \"MIT\",\n  \"type\": \"composer-plugin\",\n  \
                       \"extra\": {\"class\": \"A\\\\Plugin\"}\n}");
        assert_eq!(codes_at(&out), [("composer-plugin", 4)]);
        assert_eq!(out.capabilities[0].value, "composer-plugin");
    }

    #[test]
    fn scripts_are_one_finding_at_the_key_and_a_capability_per_event() {
        let out = run("{\n  \"license\": \"MIT\",\n  \"scripts\": {\n    \"post-install-cmd\": \"php x.php\",\n    \
                       \"post-update-cmd\": [\"php y.php\"]\n  }\n}");
        assert_eq!(codes_at(&out), [("composer-scripts", 3)]);
        let values: Vec<&str> = out.capabilities.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(
            values,
            ["scripts:post-install-cmd", "scripts:post-update-cmd"]
        );
    }

    #[test]
    fn autoload_files_other_than_registration_are_high() {
        let out = run("{\n  \"license\": \"MIT\",\n  \"autoload\": {\"files\": [\n    \"registration.php\",\n    \
                       \"./lib/boot.php\"\n  ]}\n}");
        assert_eq!(codes_at(&out), [("composer-autoload-files", 5)]);
        assert_eq!(out.capabilities[0].value, "autoload.files:lib/boot.php");
    }

    #[test]
    fn wildcard_and_branch_requirements_are_unbounded_but_carets_are_not() {
        let out = run("{\n  \"license\": \"MIT\",\n  \"require\": {\n    \"a/any\": \"*\",\n    \
                       \"a/branch\": \"dev-main\",\n    \"a/open\": \">=2.0\",\n    \"a/ok\": \"^1.2 || ~2.0\",\n    \
                       \"ext-curl\": \"*\",\n    \"magento/framework\": \">=103.0\"\n  }\n}");
        assert_eq!(
            codes_at(&out),
            [
                ("composer-unbounded-requirement", 4),
                ("composer-unbounded-requirement", 5),
                ("composer-unbounded-requirement", 6),
            ]
        );
        assert_eq!(out.findings[2].severity, Severity::Low);
    }

    #[test]
    fn a_missing_licence_is_low_but_proprietary_is_a_licence() {
        let out = run("{\"name\": \"a/b\"}");
        assert_eq!(codes_at(&out), [("composer-no-license", 1)]);
        assert!(run("{\"license\": \"proprietary\"}").findings.is_empty());
    }

    #[test]
    fn a_deploy_map_and_bin_entries_are_reported() {
        let out = run("{\n  \"license\": \"MIT\",\n  \"bin\": [\"bin/tool\"],\n  \
                       \"extra\": {\n    \"map\": [[\"pub/x.php\", \"pub/x.php\"]]\n  }\n}");
        assert_eq!(
            codes_at(&out),
            [("magento-deploy-map", 5), ("composer-bin", 3)]
        );
    }

    #[test]
    fn broken_json_is_unreadable_where_it_breaks() {
        let out = run("{\n  \"name\": \"a/b\",\n  \"license\" \"MIT\"\n}");
        assert_eq!(codes_at(&out), [("file-unreadable", 3)]);
    }
}
