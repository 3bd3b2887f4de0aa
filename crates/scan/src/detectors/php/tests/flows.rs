//! flows scenarios.
