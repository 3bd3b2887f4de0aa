//! The detector families. Each lives in its own module with its own rule
//! table and tests; [`all`] lists them in the order they run.

use crate::detector::Detector;

/// Every detector family, ready to run.
pub fn all() -> Vec<Box<dyn Detector>> {
    Vec::new()
}
