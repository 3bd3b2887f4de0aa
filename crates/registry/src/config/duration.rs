//! Durations as people write them in settings and flags: `90s`, `15m`,
//! `72h`, `3d`, `1w`, or several together (`1d12h`, `1d 12h`).
//!
//! The grammar is humantime's. We add one rule on top: a bare number is
//! refused (humantime refuses it too, and a test keeps it so), so that
//! `3` never means three seconds to one reader and three days to
//! another.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// A duration read from text such as `3d` or `72h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    /// Parses `3d`, `72h`, `1d12h` and the like (humantime's units).
    pub fn parse(text: &str) -> Result<HumanDuration, String> {
        humantime::parse_duration(text.trim())
            .map(HumanDuration)
            .map_err(|_| {
                format!("{text:?} is not a duration: write it like 90s, 15m, 72h, 3d or 1w")
            })
    }

    /// Whole seconds.
    pub fn as_secs(self) -> u64 {
        self.0.as_secs()
    }
}

impl fmt::Display for HumanDuration {
    /// The largest unit that divides the duration: `3d`, `36h`, `90s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.as_secs();
        for (unit, size) in [('w', 7 * 86_400), ('d', 86_400), ('h', 3600), ('m', 60)] {
            if secs > 0 && secs.checked_rem(size) == Some(0) {
                return write!(f, "{}{unit}", secs / size);
            }
        }
        write!(f, "{secs}s")
    }
}

impl std::str::FromStr for HumanDuration {
    type Err = String;

    fn from_str(text: &str) -> Result<HumanDuration, String> {
        HumanDuration::parse(text)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        HumanDuration::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn secs(text: &str) -> u64 {
        HumanDuration::parse(text).unwrap().as_secs()
    }

    #[test]
    fn the_usual_units_read_as_seconds() {
        assert_eq!(secs("90s"), 90);
        assert_eq!(secs("15m"), 900);
        assert_eq!(secs("72h"), secs("3d"));
        assert_eq!(secs("1w"), 7 * 86_400);
        assert_eq!(secs("1d12h"), 36 * 3600);
        assert_eq!(secs("0s"), 0);
    }

    #[test]
    fn a_bare_number_or_an_unknown_unit_is_refused() {
        for text in ["3", "", "d", "5 fortnights", "-1d"] {
            assert!(HumanDuration::parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn it_prints_in_the_largest_whole_unit() {
        assert_eq!(HumanDuration::parse("72h").unwrap().to_string(), "3d");
        assert_eq!(HumanDuration::parse("36h").unwrap().to_string(), "36h");
        assert_eq!(HumanDuration::parse("0s").unwrap().to_string(), "0s");
    }
}
