//! One `/allocations` line, down to the fields the console keeps. The
//! cluster's own lines go through `scan`, a reader of the plain JSON it
//! writes; any line `scan` does not take whole (escapes, odd numbers,
//! another shape) is read by sonic-rs through serde, which also says what
//! is wrong with a bad one.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::fields::{created, Fields};
use super::scan;

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

/// The scanner against serde: on every line the scan takes, the same
/// fields and key; what it does not take whole is left to serde.
#[cfg(test)]
mod scan_agrees_with_serde {
    use super::{by_serde, scan};

    const REAL: &str = include_str!("../../tests/fixtures/cluster-allocations.derived.ndjson");

    fn lines() -> Vec<String> {
        let mut v: Vec<String> = REAL.lines().map(String::from).collect();
        v.push(r#"{"replication_factor_min":2,"replication_factor_max":3,"name":"item-0835372","mode":"recursive","shard_size":0,"user_allocations":null,"expire_at":"0001-01-01T00:00:00Z","metadata":{"org":"hrdag","size":"311868"},"pin_update":null,"origins":[],"cid":"QmNLejKA5U2GXTc4i5f8qbj5qnLBLvEuzC8nibn2v4m6if","type":"pin","allocations":["12D3KooWKLvh5hFwiEGatA4LT8GbF74FvcrCvoZnE8sEGZMCVWc4","12D3KooWPGzVp39oF4FNnhZzHjimDenJrVuFykuf2PKkFZVST3WF"],"max_depth":-1,"reference":null,"timestamp":"2026-11-26T05:29:12Z"}"#.into());
        // Not ASCII: the line is checked as UTF-8 (a mutation may break a
        // character in two).
        v.push(r#"{"cid":"QmNLejKA5U2GXTc4i5f8qbj5qnLBLvEuzC8nibn2v4m6if","name":"Zürich — Ἀθῆναι ✓","metadata":{"org":"fête","size":"7"},"allocations":["12D3KooWKLvh5hFwiEGatA4LT8GbF74FvcrCvoZnE8sEGZMCVWc4"],"timestamp":"2026-11-26T05:29:12.123456789Z"}"#.into());
        v.push(r#" { "cid" : "Qm1" , "name" : null , "metadata" : { "org" : null , "x" : [ 1 , { "y" : [ ] } , true , false , -1 ] } , "allocations" : null } "#.into());
        v
    }

    /// On every line it takes, the scan agrees with serde, key included.
    fn agrees(line: &[u8]) -> bool {
        let (mut a, mut b) = (String::new(), String::new());
        let Some(fast) = scan::line(line, &mut a) else {
            return false;
        };
        let slow = by_serde(line, &mut b);
        assert_eq!(
            slow.as_ref(),
            Ok(&fast),
            "{}",
            String::from_utf8_lossy(line)
        );
        assert_eq!(a, b, "{}", String::from_utf8_lossy(line));
        true
    }

    #[test]
    fn the_clusters_lines_are_read_as_serde_reads_them() {
        for l in lines() {
            assert!(agrees(l.as_bytes()), "not taken: {l}");
        }
        let mut key = String::new();
        let f = scan::line(REAL.lines().next().unwrap_or("").as_bytes(), &mut key).unwrap();
        assert_eq!((f.name.as_ref(), f.rmin, f.rmax), ("website", 2, 3));
        assert_eq!(key.split_terminator(' ').count(), 2);
    }

    #[test]
    fn what_it_does_not_read_whole_is_left_to_serde() {
        for l in [
            r#"{"cid":"Q\u006d1"}"#,
            r#"{"cid":"Qm1","replication_factor_min":1.0}"#,
            r#"{"cid":"Qm1","x":1e3}"#,
            r#"{"cid":"Qm1","cid":"Qm2"}"#,
            r#"{"cid":"Qm1","metadata":{"org":"a","org":"b"}}"#,
            r#"{"cid":"Qm1","allocations":["a b"]}"#,
            r#"{"cid":"Qm1","x":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}"#,
            r#"{"cid":"Qm1","x":12345678901234567890}"#,
            r#"{"cid":"Qm1"} x"#,
            r#"{"cid":"Qm1",}"#,
            r#"{"cid":"Qm1","x":[1,]}"#,
            r#"{"cid":"Qm1","x":01}"#,
            r#"{"cid":"Qm1","replication_factor_min":-0}"#,
            "{\"cid\":\"Qm\t1\"}",
            r#"{"name":"x"}"#,
            r#"{}"#,
            r#"[]"#,
            r#"{"cid":"Qm1","replication_factor_min":9999999999}"#,
            r#"{"cid":"Qm1","metadata":["a","b"]}"#,
        ] {
            let mut key = String::new();
            assert!(scan::line(l.as_bytes(), &mut key).is_none(), "taken: {l}");
        }
        assert!(scan::line(b"{\"cid\":\"Qm\xff\"}", &mut String::new()).is_none());
    }

    /// Lines broken at random: whatever the scan still takes, serde reads
    /// the same.
    #[test]
    fn broken_lines_it_takes_agree_with_serde() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let alphabet = b"{}[]:,\"\\ -0123456789.eEtrufalsn x\x01\xc3\xa9\xff";
        let base = lines();
        let (mut taken, mut total) = (0, 0);
        for _ in 0..20_000 {
            let mut l = base[next(base.len())].clone().into_bytes();
            for _ in 0..1 + next(3) {
                let at = next(l.len() + 1);
                match next(3) {
                    0 if at < l.len() => {
                        l.remove(at);
                    }
                    1 => l.insert(at, alphabet[next(alphabet.len())]),
                    _ if at < l.len() => l[at] = alphabet[next(alphabet.len())],
                    _ => {}
                }
            }
            total += 1;
            taken += usize::from(agrees(&l));
        }
        // Enough of them still taken for the comparison to mean something.
        assert!(taken > total / 10, "{taken} of {total}");
    }
}
