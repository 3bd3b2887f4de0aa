//! Declarations that are capabilities only: controller routes
//! (`etc/frontend|adminhtml/routes.xml`) and cron jobs (`etc/crontab.xml`).
//!
//! Neither is wrong in itself; a reviewer needs to see a new storefront
//! URL or a new scheduled job in the diff of two versions.

use roxmltree::Document;

use super::xml;
use super::Report;
use crate::capability::CapabilityKind;

/// Controller routes: `frontend:booking`, `adminhtml:rx_admin`.
pub fn routes(doc: &Document, area: &str, report: &mut Report) {
    for route in xml::descendants(doc.root(), "route") {
        let name = route
            .attribute("frontName")
            .or_else(|| route.attribute("id"));
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            report.capability(CapabilityKind::Endpoint, format!("{area}:{name}"));
        }
    }
}

/// Cron jobs: `cron:acme_usage_report`.
pub fn crontab(doc: &Document, report: &mut Report) {
    for job in xml::descendants(doc.root(), "job") {
        if let Some(name) = job.attribute("name").filter(|n| !n.is_empty()) {
            report.capability(CapabilityKind::InstallTime, format!("cron:{name}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::check_files;
    use crate::capability::CapabilityKind;

    #[test]
    fn routes_and_cron_jobs_are_capabilities() {
        let routes =
            "<config><router id=\"standard\"><route id=\"pp\" frontName=\"patient-portal\">\
                      <module name=\"A_B\"/></route></router></config>";
        let cron = "<config><group id=\"default\"><job name=\"acme_report\" instance=\"A\" \
                    method=\"execute\"><schedule>0 3 * * *</schedule></job></group></config>";
        let out = check_files(&[
            ("etc/frontend/routes.xml", routes),
            ("etc/crontab.xml", cron),
        ]);
        assert!(out.findings.is_empty());
        let caps: Vec<_> = out
            .capabilities
            .iter()
            .map(|c| (c.kind, c.value.as_str()))
            .collect();
        assert_eq!(
            caps,
            [
                (CapabilityKind::InstallTime, "cron:acme_report"),
                (CapabilityKind::Endpoint, "frontend:patient-portal"),
            ]
        );
    }
}
