//! The detector families. Each lives in its own module with its own rule
//! table and tests; [`all`] lists them in the order they run.

pub mod encoded;
pub mod frontend;
pub mod magento;
pub mod manifest;
pub mod php;
pub mod pragmas;
pub mod secrets;

use crate::detector::Detector;

/// Every detector family, ready to run.
pub fn all() -> Vec<Box<dyn Detector>> {
    vec![
        Box::new(frontend::FrontendDetector),
        Box::new(encoded::EncodedDetector),
        Box::new(magento::MagentoConfig),
        Box::new(manifest::Manifest),
        Box::new(php::PhpDetector::new()),
        Box::new(pragmas::Pragmas::new()),
        Box::new(secrets::Secrets),
    ]
}
