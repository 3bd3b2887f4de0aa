//! transport scenarios.
