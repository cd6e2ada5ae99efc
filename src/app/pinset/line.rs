//! One `/allocations` line, down to the fields the console keeps. The
//! cluster's own lines go through `scan`, a reader of the plain JSON it
//! writes; any line `scan` does not take whole (escapes, odd numbers,
//! another shape) is read by sonic-rs through serde, which also says what
//! is wrong with a bad one.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::scan;

/// What a row is made of; its peer IDs are in the key the decoder was given,
/// each followed by a space.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Fields<'a> {
    pub cid: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub org: Cow<'a, str>,
    /// As the metadata has it (a decimal string).
    pub size: Option<Cow<'a, str>>,
    /// Unix seconds (0: none, or not a date).
    pub created: i64,
    pub rmin: i32,
    pub rmax: i32,
}

/// Decodes `line`, its peer IDs into `key`.
pub fn decode<'a>(line: &'a [u8], key: &mut String) -> Result<Fields<'a>, String> {
    key.clear();
    match scan::line(line, key) {
        Some(f) => Ok(f),
        None => by_serde(line, key),
    }
}

/// Deeper nesting is refused before sonic-rs sees it: sonic-rs skips an
/// ignored value by recursing with no limit, and a line of a hundred
/// thousand `[` would overflow the decoding thread's stack and abort the
/// console. A pin nests three levels; 32 leaves room for metadata to grow
/// and keeps the recursion small even in a debug build.
const MAX_DEPTH: usize = 32;

/// Whether `line` nests arrays and objects deeper than `max` (brackets in
/// strings not counted).
fn too_deep(line: &[u8], max: usize) -> bool {
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    for &c in line {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The line read through serde: any JSON, and a message for what is wrong.
pub(super) fn by_serde<'a>(line: &'a [u8], key: &mut String) -> Result<Fields<'a>, String> {
    key.clear();
    if too_deep(line, MAX_DEPTH) {
        return Err(format!("nested deeper than {MAX_DEPTH} levels"));
    }
    let mut de = sonic_rs::Deserializer::from_slice(line);
    let f = LineSeed(key)
        .deserialize(&mut de)
        .and_then(|f| de.end().map(|()| f));
    f.map_err(|e| e.to_string())
}

/// A pin's `timestamp` in Unix seconds; 0 if it is not an RFC 3339 date.
pub fn created(t: &str) -> i64 {
    utc(t.as_bytes())
        .unwrap_or_else(|| chrono::DateTime::parse_from_rfc3339(t).map_or(0, |d| d.timestamp()))
}

/// The form Go writes a UTC time in, `2026-11-26T05:29:12Z` with or without
/// a fraction, read by hand (chrono's general parser was 3% of a load);
/// anything else, `None`, for chrono to read.
fn utc(t: &[u8]) -> Option<i64> {
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        t.get(r)?.iter().try_fold(0i64, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let at = |i: usize, c: u8| t.get(i) == Some(&c);
    if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let rest = t.get(19..)?;
    let zone = match rest.split_first()? {
        (b'.', frac) => {
            let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            (1..=9).contains(&digits).then_some(&frac[digits..])?
        }
        _ => rest,
    };
    // A leap second, an offset, a day the month has not: chrono decides.
    if zone != b"Z" || h > 23 || mi > 59 || s > 59 || !(1..=12).contains(&mo) {
        return None;
    }
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if d < 1 || d > month_days[(mo - 1) as usize] {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A string that borrows from the line unless it had escapes.
#[derive(Deserialize)]
struct Str<'a>(#[serde(borrow)] Cow<'a, str>);

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Cid,
    Name,
    ReplicationFactorMin,
    ReplicationFactorMax,
    Metadata,
    Allocations,
    Timestamp,
    #[serde(other)]
    Other,
}

#[derive(Deserialize, Default)]
struct Meta<'a> {
    #[serde(borrow, default)]
    org: Option<Str<'a>>,
    #[serde(borrow, default)]
    size: Option<Str<'a>>,
}

struct LineSeed<'k>(&'k mut String);

impl<'de> DeserializeSeed<'de> for LineSeed<'_> {
    type Value = Fields<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Fields<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LineSeed<'_> {
    type Value = Fields<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a pin object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
        let key = self.0;
        let mut cid: Option<Str> = None;
        let mut name: Option<Str> = None;
        let (mut rmin, mut rmax) = (0, 0);
        let mut meta = Meta::default();
        let mut created = 0;
        while let Some(f) = map.next_key::<Field>()? {
            match f {
                Field::Cid => cid = Some(map.next_value()?),
                Field::Name => name = map.next_value()?,
                Field::ReplicationFactorMin => rmin = map.next_value()?,
                Field::ReplicationFactorMax => rmax = map.next_value()?,
                Field::Metadata => meta = map.next_value::<Option<Meta>>()?.unwrap_or_default(),
                Field::Allocations => {
                    key.clear();
                    map.next_value_seed(Joined(key))?;
                }
                Field::Timestamp => {
                    let t: Option<Str> = map.next_value()?;
                    created = t.map_or(0, |t| self::created(&t.0));
                }
                Field::Other => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        let cid = cid.ok_or_else(|| de::Error::missing_field("cid"))?;
        Ok(Fields {
            cid: cid.0,
            name: name.map(|n| n.0).unwrap_or_default(),
            org: meta.org.map(|o| o.0).unwrap_or_default(),
            size: meta.size.map(|s| s.0),
            created,
            rmin,
            rmax,
        })
    }
}

/// A list of peer IDs (or null), each followed by a space.
struct Joined<'k>(&'k mut String);

impl<'de> DeserializeSeed<'de> for Joined<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for Joined<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of peer IDs")
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(Str(id)) = seq.next_element()? {
            // A space would split an ID in two: no peer ID has one.
            if id.contains(' ') {
                return Err(de::Error::custom("a peer ID with a space"));
            }
            self.0.push_str(&id);
            self.0.push(' ');
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-read form agrees with chrono on every day of four centuries
    /// (leap years, the year 0001 the cluster writes for "never"), with
    /// fractions, and leaves to chrono what it does not read.
    #[test]
    fn utc_times_are_read_as_chrono_reads_them() {
        use chrono::Datelike;
        let chrono = |t: &str| chrono::DateTime::parse_from_rfc3339(t).map_or(0, |d| d.timestamp());
        let mut day = chrono::NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
        let mut n = 0u32;
        while day.year() < 2500 {
            if day.year() > 1 && day.year() < 1800 {
                day = chrono::NaiveDate::from_ymd_opt(1800, 1, 1).unwrap();
            }
            n = n.wrapping_mul(2_654_435_761).wrapping_add(1);
            let (h, m, s) = (n % 24, n / 24 % 60, n / 1440 % 60);
            for t in [
                format!("{day}T{h:02}:{m:02}:{s:02}Z"),
                format!("{day}T{h:02}:{m:02}:{s:02}.{:09}Z", n % 1_000_000_000),
                format!("{day}T{h:02}:{m:02}:{s:02}.5Z"),
            ] {
                assert_eq!(utc(t.as_bytes()), Some(chrono(&t)), "{t}");
                assert_eq!(created(&t), chrono(&t), "{t}");
            }
            day = day.succ_opt().unwrap();
        }
        for t in [
            "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-26T24:00:00Z",
            "2026-11-26T05:29:60Z",
            "2026-11-26T05:29:12+02:00",
            "2026-11-26T05:29:12.Z",
            "2026-11-26T05:29:12.1234567890Z",
            "2026-11-26t05:29:12z",
            "2026-11-26T05:29:12",
            "+2026-11-26T05:29:12Z",
            "2026-1-26T05:29:12Z",
            "",
            "not a date",
        ] {
            assert_eq!(utc(t.as_bytes()), None, "{t}");
            assert_eq!(created(t), chrono(t), "{t}");
        }
    }

    #[test]
    fn a_line_nested_past_the_limit_is_refused_not_overflowed() {
        let deep = format!(r#"{{"cid":"a","x":{}"#, "[".repeat(100_000));
        let err = decode(deep.as_bytes(), &mut String::new()).unwrap_err();
        assert!(err.contains("deeper than 32"), "{err}");
        let ok = format!(
            r#"{{"cid":"a","x":{}{},"name":"[[[[\"["}}"#,
            "[".repeat(30),
            "]".repeat(30)
        );
        let f = decode(ok.as_bytes(), &mut String::new()).unwrap();
        assert_eq!((f.cid.as_ref(), f.name.as_ref()), ("a", "[[[[\"["));
    }
}
