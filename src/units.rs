//! Human-friendly units for configuration: byte sizes (`"64MiB"`) and durations (`"30s"`).
//!
//! Both accept either a plain integer (bytes / seconds) or a string with a unit, and both
//! serialize back to the string form so `uploadd check-config` prints what a person would write.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Error for a value that is not a valid size or duration.
#[derive(Debug, thiserror::Error)]
#[error("invalid {kind} {value:?}: {reason}")]
pub struct UnitError {
    kind: &'static str,
    value: String,
    reason: &'static str,
}

/// A number of bytes, written in config as `1048576`, `"512KiB"`, `"64MiB"`, `"2GB"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize(pub u64);

impl ByteSize {
    pub const fn kib(n: u64) -> Self {
        ByteSize(n * 1024)
    }
    pub const fn mib(n: u64) -> Self {
        ByteSize(n * 1024 * 1024)
    }
    pub const fn gib(n: u64) -> Self {
        ByteSize(n * 1024 * 1024 * 1024)
    }
    pub fn bytes(self) -> u64 {
        self.0
    }
}

impl FromStr for ByteSize {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| UnitError { kind: "byte size", value: s.to_owned(), reason };
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit() && c != '_').unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let num: u64 =
            num.replace('_', "").parse().map_err(|_| err("expected a number followed by an optional unit"))?;
        let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" => 1_000,
            "kib" => 1 << 10,
            "m" | "mb" => 1_000_000,
            "mib" => 1 << 20,
            "g" | "gb" => 1_000_000_000,
            "gib" => 1 << 30,
            "t" | "tb" => 1_000_000_000_000,
            "tib" => 1 << 40,
            _ => {
                return Err(err("unknown unit (use B, KB, KiB, MB, MiB, GB, GiB, TB, TiB)"));
            }
        };
        num.checked_mul(mult).map(ByteSize).ok_or_else(|| err("too large"))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(u64, &str); 4] = [(1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
        for (size, name) in UNITS {
            if self.0 >= size && self.0.is_multiple_of(size) {
                return write!(f, "{}{}", self.0 / size, name);
            }
        }
        write!(f, "{}B", self.0)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(u64),
            Str(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(n) => Ok(ByteSize(n)),
            Raw::Str(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// A duration, written in config as seconds (`30`) or with a unit: `"250ms"`, `"30s"`, `"5m"`, `"24h"`, `"7d"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    pub const fn secs(n: u64) -> Self {
        HumanDuration(Duration::from_secs(n))
    }
    pub const fn millis(n: u64) -> Self {
        HumanDuration(Duration::from_millis(n))
    }
    pub fn get(self) -> Duration {
        self.0
    }
}

impl FromStr for HumanDuration {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| UnitError { kind: "duration", value: s.to_owned(), reason };
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let num: u64 = num.parse().map_err(|_| err("expected a number followed by an optional unit"))?;
        let ms: u64 = match unit.trim() {
            "ms" => 1,
            "" | "s" => 1_000,
            "m" | "min" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(err("unknown unit (use ms, s, m, h, d)")),
        };
        num.checked_mul(ms).map(|ms| HumanDuration(Duration::from_millis(ms))).ok_or_else(|| err("too large"))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        const UNITS: [(u128, &str); 4] = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1_000, "s")];
        for (size, name) in UNITS {
            if ms >= size && ms.is_multiple_of(size) {
                return write!(f, "{}{}", ms / size, name);
            }
        }
        write!(f, "{ms}ms")
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(u64),
            Str(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(n) => Ok(HumanDuration::secs(n)),
            Raw::Str(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// Milliseconds since the Unix epoch: the one timestamp representation used in the database and queue.
pub fn now_ms() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}

/// Formats a millisecond timestamp as RFC 3339 UTC (`2026-11-23T15:07:19.123Z`), for humans and JSON.
pub fn format_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z", sod / 3600, (sod % 3600) / 60, sod % 60)
}

/// Zero-width characters, bidirectional embeddings, overrides and isolates, and the BOM: they
/// print as nothing but change how the text around them reads.
pub fn is_invisible_mark(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// `s` made safe to print on a terminal or in a log line: control characters (C0 — newlines
/// and escapes included —, DEL and C1) and invisible marks ([`is_invisible_mark`]) become
/// `\u{..}`, and at most `max_chars` characters
/// of the input are kept (`…` marks a cut). Input-derived text goes through this before it
/// reaches an operator's screen.
pub fn printable(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars * 2));
    for (i, c) in s.chars().enumerate() {
        if i == max_chars {
            out.push('…');
            break;
        }
        if c.is_control() || is_invisible_mark(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_text_cannot_drive_a_terminal() {
        assert_eq!(printable("ok name", 80), "ok name");
        assert_eq!(printable("a\u{1b}[31mred\nb\r\u{7}\u{9b}", 80), "a\\u{1b}[31mred\\u{a}b\\u{d}\\u{7}\\u{9b}");
        assert_eq!(printable("abcdef", 3), "abc…");
        assert_eq!(printable("incoming/a\u{202e}gpj.exe", 80), "incoming/a\\u{202e}gpj.exe");
    }

    #[test]
    fn byte_sizes_parse_and_print() {
        assert_eq!("64MiB".parse::<ByteSize>().unwrap(), ByteSize::mib(64));
        assert_eq!("2 GB".parse::<ByteSize>().unwrap(), ByteSize(2_000_000_000));
        assert_eq!("1_024".parse::<ByteSize>().unwrap(), ByteSize(1024));
        assert!("12 parsecs".parse::<ByteSize>().is_err());
        assert!("".parse::<ByteSize>().is_err());
        assert!("99999999999999TiB".parse::<ByteSize>().is_err());
        assert_eq!(ByteSize::mib(64).to_string(), "64MiB");
        assert_eq!(ByteSize(1500).to_string(), "1500B");
    }

    #[test]
    fn durations_parse_and_print() {
        assert_eq!("250ms".parse::<HumanDuration>().unwrap(), HumanDuration::millis(250));
        assert_eq!("24h".parse::<HumanDuration>().unwrap(), HumanDuration::secs(86_400));
        assert_eq!("90".parse::<HumanDuration>().unwrap(), HumanDuration::secs(90));
        assert!("soon".parse::<HumanDuration>().is_err());
        assert_eq!(HumanDuration::secs(90).to_string(), "90s");
        assert_eq!(HumanDuration::secs(7200).to_string(), "2h");
    }

    #[test]
    fn formats_timestamps() {
        assert_eq!(format_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_ms(1_795_446_439_123), "2026-11-23T15:07:19.123Z");
    }
}
