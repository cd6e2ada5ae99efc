//! JSON exactly as Go's `encoding/json` writes it, and Go's time format.
//!
//! The simulator must be byte-faithful (field order comes from struct order;
//! this module adds the escaping and the time format), and the client must read
//! what Go writes, including `null` where a list or map is empty.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::ops::{Deref, DerefMut};

use chrono::{DateTime, FixedOffset, Offset, SecondsFormat, Utc};
use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

/// serde_json formatter that escapes like Go: `<`, `>`, `&`, U+2028 and U+2029
/// become `\u003c`-style escapes (HTML-safe encoding is Go's default).
struct GoFormatter;

impl serde_json::ser::Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, ch) in fragment.char_indices() {
            let esc = match ch {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..i])?;
            writer.write_all(esc.as_bytes())?;
            start = i + ch.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// Appends `value` as Go's `json.Encoder.Encode` would: compact, then `\n`.
pub fn encode_into<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, GoFormatter);
    // Our types serialize infallibly (string keys, no non-finite floats).
    if value.serialize(&mut ser).is_ok() {
        out.push(b'\n');
    }
}

pub fn encode<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    encode_into(&mut out, value);
    out
}

/// A Go `time.Time`: RFC3339Nano with trailing zeros trimmed, `Z` for UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoTime(pub DateTime<FixedOffset>);

impl GoTime {
    /// Go's zero time, `0001-01-01T00:00:00Z`.
    pub fn zero() -> Self {
        // 0001-01-01T00:00:00Z, in Unix seconds.
        GoTime(
            DateTime::from_timestamp(-62_135_596_800, 0)
                .unwrap_or_default()
                .fixed_offset(),
        )
    }

    pub fn is_zero(&self) -> bool {
        *self == Self::zero()
    }

    pub fn now_utc() -> Self {
        GoTime(Utc::now().fixed_offset())
    }

    pub fn from_unix(secs: i64, nanos: u32, offset_secs: i32) -> Self {
        let off = FixedOffset::east_opt(offset_secs).unwrap_or(Utc.fix());
        let dt = DateTime::from_timestamp(secs, nanos).unwrap_or_default();
        GoTime(dt.with_timezone(&off))
    }

    pub fn unix(&self) -> i64 {
        self.0.timestamp()
    }
}

impl fmt::Display for GoTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = self.0.format("%Y-%m-%dT%H:%M:%S").to_string();
        let nanos = self.0.timestamp_subsec_nanos();
        let frac = if nanos == 0 {
            String::new()
        } else {
            let s = format!(".{nanos:09}");
            s.trim_end_matches('0').to_string()
        };
        let off = self.0.offset().local_minus_utc();
        if off == 0 {
            write!(f, "{base}{frac}Z")
        } else {
            let sign = if off < 0 { '-' } else { '+' };
            let a = off.abs();
            write!(
                f,
                "{base}{frac}{sign}{:02}:{:02}",
                a / 3600,
                (a % 3600) / 60
            )
        }
    }
}

impl Serialize for GoTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GoTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        match s {
            None => Ok(GoTime::zero()),
            Some(s) => DateTime::parse_from_rfc3339(&s)
                .map(GoTime)
                .map_err(|e| serde::de::Error::custom(format!("bad time {s:?}: {e}"))),
        }
    }
}

impl Default for GoTime {
    fn default() -> Self {
        Self::zero()
    }
}

impl GoTime {
    pub fn to_rfc3339_secs(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

/// A Go slice: `null` and `[]` are both empty to the reader, but the writer
/// (the simulator) must say which one Go would send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List<T> {
    items: Vec<T>,
    null: bool,
}

impl<T> List<T> {
    /// Go's nil slice: `null` on the wire.
    pub fn null() -> Self {
        Self {
            items: Vec::new(),
            null: true,
        }
    }
    /// An empty, non-nil slice: `[]` on the wire.
    pub fn empty() -> Self {
        Self {
            items: Vec::new(),
            null: false,
        }
    }
    pub fn into_vec(self) -> Vec<T> {
        self.items
    }
    pub fn is_null(&self) -> bool {
        self.null
    }
}

impl<T> Default for List<T> {
    fn default() -> Self {
        Self::null()
    }
}

impl<T> From<Vec<T>> for List<T> {
    fn from(items: Vec<T>) -> Self {
        Self { items, null: false }
    }
}

impl<T> Deref for List<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.items
    }
}

impl<T> DerefMut for List<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        self.null = false;
        &mut self.items
    }
}

impl<T: Serialize> Serialize for List<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.null && self.items.is_empty() {
            s.serialize_none()
        } else {
            self.items.serialize(s)
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<Vec<T>>::deserialize(d)? {
            None => Self::null(),
            Some(items) => Self::from(items),
        })
    }
}

/// A Go `map[string]string`: keys sorted, `null` or `{}` when empty.
pub type Map = List<(String, String)>;

/// Serde helpers for [`Map`], which is stored as sorted pairs.
impl List<(String, String)> {
    pub fn from_map(m: BTreeMap<String, String>) -> Self {
        Self::from(m.into_iter().collect::<Vec<_>>())
    }
    pub fn get(&self, key: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// `Map` on the wire is an object, not a list of pairs.
pub mod map_serde {
    use super::*;
    use serde::ser::SerializeMap;

    pub fn serialize<S: Serializer>(m: &Map, s: S) -> Result<S::Ok, S::Error> {
        if m.is_null() && m.is_empty() {
            return s.serialize_none();
        }
        let mut sorted: Vec<&(String, String)> = m.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut map = s.serialize_map(Some(sorted.len()))?;
        for (k, v) in sorted {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Map, D::Error> {
        // Values are strings in ipfs-cluster; tolerate other JSON by stringifying.
        let m = Option::<BTreeMap<String, serde_json::Value>>::deserialize(d)?;
        Ok(match m {
            None => Map::null(),
            Some(m) => Map::from(
                m.into_iter()
                    .map(|(k, v)| {
                        let v = match v {
                            serde_json::Value::String(s) => s,
                            other => other.to_string(),
                        };
                        (k, v)
                    })
                    .collect::<Vec<_>>(),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_escapes_and_newline() {
        let v = serde_json::json!({"m": "a<b>&c\u{2028}é"});
        assert_eq!(
            String::from_utf8(encode(&v)).unwrap(),
            "{\"m\":\"a\\u003cb\\u003e\\u0026c\\u2028é\"}\n"
        );
    }

    #[test]
    fn times_like_go() {
        assert_eq!(GoTime::zero().to_string(), "0001-01-01T00:00:00Z");
        assert_eq!(
            GoTime::from_unix(1778574031, 500_000_000, 0).to_string(),
            "2026-05-12T08:20:31.5Z"
        );
        assert_eq!(
            GoTime::from_unix(1778574030, 0, 7200).to_string(),
            "2026-05-12T10:20:30+02:00"
        );
        let t: GoTime = serde_json::from_str("\"2026-05-12T10:30:00.987654321+02:00\"").unwrap();
        assert_eq!(t.to_string(), "2026-05-12T10:30:00.987654321+02:00");
    }

    #[test]
    fn lists_keep_null_and_empty_apart() {
        let n: List<u8> = serde_json::from_str("null").unwrap();
        assert!(n.is_empty() && n.is_null());
        assert_eq!(serde_json::to_string(&n).unwrap(), "null");
        let e: List<u8> = serde_json::from_str("[]").unwrap();
        assert_eq!(serde_json::to_string(&e).unwrap(), "[]");
    }
}
