//! The Composer manifest and install-time code (issue 3, family 7): what
//! runs, or is copied, just because the package was installed.
//!
//! - The root `composer.json`: plugin type, scripts, `autoload.files`,
//!   deploy maps, `bin`, requirements without bounds, the licence.
//! - Every `registration.php`: loaded on each request, it must only
//!   register the component.
//! - Setup patches and install/upgrade scripts: InstallTime capabilities
//!   (`setup-patch:Setup/Patch/Data/AddX.php`), so a diff shows new code
//!   that runs at `setup:upgrade`. What that code does is the PHP family's
//!   to judge (with severity raised by [`crate::context`]).

mod composer;
mod json_pos;
mod registration;
pub mod rules;

pub use rules::RULES;

use crate::capability::{Capability, CapabilityKind};
use crate::context;
use crate::detector::{Detector, Extension, Sink};
use crate::file::{FileKind, SourceFile};
use crate::rules::RuleInfo;

/// The manifest and install-time detector.
#[derive(Debug, Default, Clone, Copy)]
pub struct Manifest;

impl Detector for Manifest {
    fn name(&self) -> &'static str {
        "manifest"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    fn check(&self, file: &SourceFile, ext: &dyn Extension, out: &mut Sink) {
        let path = file.path.as_str();
        let name = path.rsplit('/').next().unwrap_or(path);
        if name == "composer.json" && is_root_manifest(path, ext.paths()) {
            composer::check(path, &file.text(), out);
        } else if name == "registration.php" && file.kind == FileKind::Php {
            registration::check(path, &file.text(), out);
        }
        if file.kind == FileKind::Php && is_setup_script(path) && !context::is_test_path(path) {
            let value = format!("setup-patch:{path}");
            out.capability(Capability::new(CapabilityKind::InstallTime, value, path));
        }
    }
}

/// Whether `path` is the package's own composer.json: the one at the root,
/// or, when the root has none (an archive with one top folder), the
/// shallowest one outside test and vendor folders.
fn is_root_manifest(path: &str, paths: &[String]) -> bool {
    if path == "composer.json" {
        return true;
    }
    if paths.iter().any(|p| p == "composer.json") {
        return false;
    }
    let depth = |p: &str| p.matches('/').count();
    let eligible = |p: &&String| {
        p.rsplit('/').next() == Some("composer.json")
            && !context::is_test_path(p)
            && !p.split('/').any(|d| d == "vendor")
    };
    let shallowest = paths.iter().filter(eligible).map(|p| depth(p)).min();
    shallowest == Some(depth(path))
        && paths
            .iter()
            .filter(eligible)
            .filter(|p| depth(p) == depth(path))
            .count()
            == 1
}

/// Setup patches and the legacy install, upgrade, recurring and uninstall
/// scripts, which `bin/magento setup:upgrade` runs.
fn is_setup_script(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let Some((name, dirs)) = parts.split_last() else {
        return false;
    };
    let Some(setup) = dirs.iter().rposition(|d| *d == "Setup") else {
        return false;
    };
    if dirs.get(setup + 1) == Some(&"Patch") {
        return true;
    }
    let stem = name.trim_end_matches(".php");
    dirs.len() == setup + 1
        && ["Install", "Upgrade", "Recurring", "Uninstall"]
            .iter()
            .any(|w| stem.starts_with(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detectors::magento::testing::Files;

    fn check(files: &[(&str, &str)]) -> Sink {
        let ext = Files::new(files);
        let mut out = Sink::default();
        for (path, text) in files {
            let file = SourceFile::new(*path, text.as_bytes().to_vec());
            Manifest.check(&file, &ext, &mut out);
        }
        out
    }

    #[test]
    fn only_the_root_composer_json_is_the_manifest() {
        let out = check(&[
            ("composer.json", "{\"license\": \"MIT\"}"),
            ("Test/fixture/composer.json", "{}"),
        ]);
        assert!(out.findings.is_empty());
        let nested = [
            "pkg/composer.json".to_string(),
            "pkg/src/composer.json".to_string(),
        ];
        assert!(is_root_manifest("pkg/composer.json", &nested));
        assert!(!is_root_manifest("pkg/src/composer.json", &nested));
    }

    #[test]
    fn setup_patches_and_install_scripts_are_install_time_capabilities() {
        let out = check(&[
            (
                "Setup/Patch/Data/AddRxAttribute.php",
                "<?php class AddRxAttribute {}",
            ),
            ("Setup/InstallSchema.php", "<?php class InstallSchema {}"),
            ("Setup/Helper.php", "<?php class Helper {}"),
            ("Model/Installer.php", "<?php class Installer {}"),
        ]);
        let values: Vec<&str> = out.capabilities.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(
            values,
            [
                "setup-patch:Setup/Patch/Data/AddRxAttribute.php",
                "setup-patch:Setup/InstallSchema.php"
            ]
        );
    }

    #[test]
    fn a_registration_file_anywhere_is_checked() {
        let out = check(&[(
            "src/Rx/registration.php",
            "<?php\nfile_put_contents('/tmp/x', 1);\n",
        )]);
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].location.line, 2);
    }
}
