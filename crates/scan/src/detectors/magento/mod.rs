//! Magento configuration: the XML and GraphQL files that decide who may
//! call what, which events and classes an extension hooks, what it caches
//! and which hosts it allows (issue 3, family 4).
//!
//! Each Magento file has a fixed place in a module (`etc/webapi.xml`,
//! `etc/frontend/routes.xml`, `view/frontend/layout/*.xml`); [`Kind::of`]
//! recognises it by that place, anywhere in the extension, so packages
//! holding several modules under `src/` work too. Besides findings, these
//! files are where most capabilities come from: REST and GraphQL
//! endpoints, controller routes, observed events, plugins, preferences,
//! cron jobs and allowed hosts.

mod classes;
mod config;
mod csp;
mod di;
mod events;
mod graphql;
mod layout;
mod lexicon;
pub mod rules;
mod session;
mod surface;
mod system;
mod webapi;
mod xml;

pub use rules::RULES;

// Shared with the manifest family, which reads composer.json and
// registration.php with the same helpers.
pub(crate) use classes::blank_comments;
pub(crate) use xml::{shorten, unreadable};

use crate::capability::{Capability, CapabilityKind};
use crate::context;
use crate::detector::{Detector, Extension, Sink};
use crate::file::{FileKind, SourceFile};
use crate::finding::Finding;
use crate::rules::RuleInfo;

/// The Magento configuration detector.
#[derive(Debug, Default, Clone, Copy)]
pub struct MagentoConfig;

impl Detector for MagentoConfig {
    fn name(&self) -> &'static str {
        "magento-config"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    fn check(&self, file: &SourceFile, ext: &dyn Extension, out: &mut Sink) {
        let Some(kind) = Kind::of(&file.path, file.kind) else {
            return;
        };
        let text = file.text();
        let mut report = Report {
            path: &file.path,
            ext,
            out,
        };
        if kind == Kind::GraphqlSchema {
            graphql::check(&text, &mut report);
            return;
        }
        let Some(doc) = xml::parse(&file.path, &text, report.out) else {
            return;
        };
        tracing::debug!(path = %file.path, ?kind, "checking Magento configuration");
        match kind {
            Kind::Webapi => webapi::check(&doc, &mut report),
            Kind::System => system::check(&doc, &mut report),
            Kind::Config => config::check(&doc, &mut report),
            Kind::Events => events::check(&doc, &mut report),
            Kind::Di => di::check(&doc, &mut report),
            Kind::Routes(area) => surface::routes(&doc, area, &mut report),
            Kind::Crontab => surface::crontab(&doc, &mut report),
            Kind::Csp => csp::check(&doc, &mut report),
            Kind::Layout { default } => layout::check(&doc, default, &mut report),
            Kind::OtherConfig | Kind::GraphqlSchema => {}
        }
    }
}

/// Which Magento file a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Webapi,
    GraphqlSchema,
    System,
    Config,
    Events,
    Di,
    /// `etc/<area>/routes.xml`, with the area (`frontend`, `adminhtml`).
    Routes(&'static str),
    Crontab,
    Csp,
    /// `view/frontend|base/layout/*.xml`; `default` for `default.xml`.
    Layout {
        default: bool,
    },
    /// Any other XML under `etc/`: only checked for being well-formed.
    OtherConfig,
}

impl Kind {
    fn of(path: &str, kind: FileKind) -> Option<Kind> {
        let parts: Vec<&str> = path.split('/').collect();
        let (name, dirs) = parts.split_last()?;
        if kind == FileKind::Graphql {
            return (dirs.last() == Some(&"etc")).then_some(Kind::GraphqlSchema);
        }
        if kind != FileKind::Xml || !name.ends_with(".xml") {
            return None;
        }
        if let Some(layout) = Kind::layout(name, dirs) {
            return Some(layout);
        }
        let etc = dirs.iter().rposition(|d| *d == "etc")?;
        let area = match &dirs[etc + 1..] {
            [] => None,
            [area] => Some(*area),
            _ => return Some(Kind::OtherConfig),
        };
        Some(Kind::named(name, area))
    }

    fn named(name: &str, area: Option<&str>) -> Kind {
        match (name, area) {
            ("webapi.xml", None) => Kind::Webapi,
            ("system.xml", Some("adminhtml")) => Kind::System,
            ("config.xml", None) => Kind::Config,
            ("events.xml", _) => Kind::Events,
            ("di.xml", _) => Kind::Di,
            ("routes.xml", Some("frontend")) => Kind::Routes("frontend"),
            ("routes.xml", Some("adminhtml")) => Kind::Routes("adminhtml"),
            ("crontab.xml", None) => Kind::Crontab,
            ("csp_whitelist.xml", _) => Kind::Csp,
            _ => Kind::OtherConfig,
        }
    }

    fn layout(name: &str, dirs: &[&str]) -> Option<Kind> {
        let [.., view, area, layout] = dirs else {
            return None;
        };
        let storefront = matches!(*area, "frontend" | "base");
        (*view == "view" && *layout == "layout" && storefront).then_some(Kind::Layout {
            default: name == "default.xml",
        })
    }
}

/// What a check needs while it looks at one file: the file's path, the
/// whole extension, and where to put results.
struct Report<'r> {
    path: &'r str,
    ext: &'r dyn Extension,
    out: &'r mut Sink,
}

impl Report<'_> {
    /// Reports a finding after the context rules (test folders lower the
    /// confidence).
    fn finding(&mut self, finding: Finding) {
        let finding = context::adjust(finding, self.path);
        self.out.finding(finding);
    }

    /// Reports a capability. Files under test folders are never loaded by
    /// Magento, so what they declare is not something the extension can do.
    fn capability(&mut self, kind: CapabilityKind, value: impl Into<String>) {
        if context::is_test_path(self.path) {
            return;
        }
        self.out.capability(Capability::new(kind, value, self.path));
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Runs the detector over a few in-memory files, for scenario tests.

    use super::MagentoConfig;
    use crate::detector::{Detector, Extension, Sink};
    use crate::file::SourceFile;

    /// A few files held in memory.
    pub struct Files {
        files: Vec<(String, Vec<u8>)>,
        paths: Vec<String>,
    }

    impl Files {
        /// An extension of `(path, text)` pairs.
        pub fn new(files: &[(&str, &str)]) -> Files {
            let mut files: Vec<(String, Vec<u8>)> = files
                .iter()
                .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
                .collect();
            files.sort();
            let paths = files.iter().map(|(p, _)| p.clone()).collect();
            Files { files, paths }
        }
    }

    impl Extension for Files {
        fn paths(&self) -> &[String] {
            &self.paths
        }
        fn read(&self, path: &str) -> Option<Vec<u8>> {
            self.files
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, b)| b.clone())
        }
    }

    /// Checks every file of `files` and returns what was reported.
    pub fn check_files(files: &[(&str, &str)]) -> Sink {
        let ext = Files::new(files);
        let mut out = Sink::default();
        for (path, bytes) in &ext.files {
            let file = SourceFile::new(path.clone(), bytes.clone());
            MagentoConfig.check(&file, &ext, &mut out);
        }
        out
    }

    /// `(code, line)` of every finding, in order.
    pub fn codes_at(out: &Sink) -> Vec<(&str, u32)> {
        out.findings
            .iter()
            .map(|f| (f.code.as_str(), f.location.line))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{check_files, codes_at};
    use super::Kind;
    use crate::file::FileKind;

    #[test]
    fn files_are_recognised_by_their_place_in_a_module() {
        let xml = |p| Kind::of(p, FileKind::Xml);
        assert_eq!(xml("etc/webapi.xml"), Some(Kind::Webapi));
        assert_eq!(xml("src/Rx/etc/frontend/di.xml"), Some(Kind::Di));
        assert_eq!(
            xml("etc/frontend/routes.xml"),
            Some(Kind::Routes("frontend"))
        );
        assert_eq!(xml("etc/adminhtml/system.xml"), Some(Kind::System));
        assert_eq!(xml("etc/module.xml"), Some(Kind::OtherConfig));
        assert_eq!(
            xml("view/frontend/layout/default.xml"),
            Some(Kind::Layout { default: true })
        );
        assert_eq!(xml("view/adminhtml/layout/x.xml"), None);
        assert_eq!(xml("phpunit.xml"), None);
        assert_eq!(
            Kind::of("etc/schema.graphqls", FileKind::Graphql),
            Some(Kind::GraphqlSchema)
        );
    }

    #[test]
    fn a_malformed_config_file_is_unreadable_and_the_next_file_is_still_checked() {
        let broken = "<config>\n  <event name=\"x\">\n</config>";
        let good = "<config><type name=\"Magento\\Framework\\Encryption\\Encryptor\">\
                    <plugin name=\"p\" type=\"Acme\\P\"/></type></config>";
        let out = check_files(&[("etc/events.xml", broken), ("etc/di.xml", good)]);
        assert_eq!(
            codes_at(&out),
            [("plugin-on-sensitive-class", 1), ("file-unreadable", 3)]
        );
    }

    #[test]
    fn findings_under_test_folders_lose_confidence_and_add_no_capability() {
        let xml = "<config><event name=\"customer_login\">\
                   <observer name=\"o\" instance=\"Acme\\O\"/></event></config>";
        let out = check_files(&[("Test/Fixture/etc/events.xml", xml)]);
        assert_eq!(
            out.findings[0].confidence,
            crate::finding::Confidence::Medium
        );
        assert!(out.capabilities.is_empty());
    }
}
