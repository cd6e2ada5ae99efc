//! Hand-rolled encoders for the one hot stream, `/allocations`: a million
//! pins must stream at file-serving speed, which building a `Pin` and running
//! serde for each line does not reach. The output is byte-identical to
//! `gojson::encode(&state.pin_json(rec))`, which a test checks.

use super::state::{PinRec, SimState};

/// Bytes that need a look: JSON specials, HTML specials, controls, and 0xE2
/// (the first byte of U+2028 and U+2029).
const fn needs_look() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'&' as usize] = true;
    t[0xE2] = true;
    t
}
static LOOK: [bool; 256] = needs_look();

/// Appends `s` as a JSON string, escaped as Go escapes it.
pub fn go_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    // Most strings (CIDs, peer IDs, plain names) need no escape: a branch-free
    // pass the compiler vectorises, then one copy.
    let special = bytes.iter().fold(false, |acc, &b| {
        acc | (b < 0x20)
            | (b == b'"')
            | (b == b'\\')
            | (b == b'<')
            | (b == b'>')
            | (b == b'&')
            | (b == 0xE2)
    });
    if special {
        push_escaped(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

/// `bytes` with every byte Go escapes escaped, as Go escapes it.
fn push_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !LOOK[usize::from(b)] {
            i += 1;
            continue;
        }
        let (esc, len): (&[u8], usize) = match b {
            b'"' => (b"\\\"", 1),
            b'\\' => (b"\\\\", 1),
            b'\n' => (b"\\n", 1),
            b'\r' => (b"\\r", 1),
            b'\t' => (b"\\t", 1),
            // Go 1.22+ writes these two by name, as serde_json does.
            0x08 => (b"\\b", 1),
            0x0c => (b"\\f", 1),
            b'<' => (b"\\u003c", 1),
            b'>' => (b"\\u003e", 1),
            b'&' => (b"\\u0026", 1),
            0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA8) => {
                (b"\\u2028", 3)
            }
            0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA9) => {
                (b"\\u2029", 3)
            }
            0xE2 => {
                i += 1;
                continue;
            }
            c => {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(format!("\\u{c:04x}").as_bytes());
                i += 1;
                start = i;
                continue;
            }
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(esc);
        i += len;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
}

fn push_int(out: &mut Vec<u8>, v: i64) {
    let mut buf = itoa_buf(v);
    out.append(&mut buf);
}

fn itoa_buf(v: i64) -> Vec<u8> {
    v.to_string().into_bytes()
}

fn push2(out: &mut Vec<u8>, v: u32) {
    out.push(b'0' + (v / 10) as u8);
    out.push(b'0' + (v % 10) as u8);
}

/// RFC3339 with whole seconds and the given offset (what the state returns).
pub fn push_time_secs(out: &mut Vec<u8>, secs: i64, offset: i32) {
    let local = secs + i64::from(offset);
    let days = local.div_euclid(86_400);
    let sod = local.rem_euclid(86_400) as u32;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let mut y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    if m <= 2 {
        y += 1;
    }
    out.push(b'"');
    let ys = format!("{y:04}");
    out.extend_from_slice(ys.as_bytes());
    out.push(b'-');
    push2(out, m);
    out.push(b'-');
    push2(out, d);
    out.push(b'T');
    push2(out, sod / 3600);
    out.push(b':');
    push2(out, (sod % 3600) / 60);
    out.push(b':');
    push2(out, sod % 60);
    if offset == 0 {
        out.push(b'Z');
    } else {
        out.push(if offset < 0 { b'-' } else { b'+' });
        let a = offset.unsigned_abs();
        push2(out, a / 3600);
        out.push(b':');
        push2(out, (a % 3600) / 60);
    }
    out.push(b'"');
}

impl SimState {
    /// Every peer ID as a JSON string, for [`SimState::write_pin_line`].
    pub fn quoted_peer_ids(&self) -> Vec<Vec<u8>> {
        self.peers
            .iter()
            .map(|p| {
                let mut v = Vec::with_capacity(p.id.len() + 2);
                go_str(&mut v, &p.id);
                v
            })
            .collect()
    }

    /// One `/allocations` line for `rec`, appended to `out`; `ids` comes from
    /// [`SimState::quoted_peer_ids`].
    pub fn write_pin_line(&self, rec: &PinRec, ids: &[Vec<u8>], out: &mut Vec<u8>) {
        let off = self.tz.local_minus_utc();
        out.extend_from_slice(b"{\"replication_factor_min\":");
        push_int(out, i64::from(rec.rmin));
        out.extend_from_slice(b",\"replication_factor_max\":");
        push_int(out, i64::from(rec.rmax));
        out.extend_from_slice(b",\"name\":");
        go_str(out, &rec.name);
        out.extend_from_slice(if rec.mode_direct {
            b",\"mode\":\"direct\",\"shard_size\":0,\"user_allocations\":null,\"expire_at\":"
        } else {
            b",\"mode\":\"recursive\",\"shard_size\":0,\"user_allocations\":null,\"expire_at\":"
        });
        if rec.expire_at == 0 {
            out.extend_from_slice(b"\"0001-01-01T00:00:00Z\"");
        } else {
            push_time_secs(out, rec.expire_at, off);
        }
        out.extend_from_slice(b",\"metadata\":");
        push_metadata(out, &rec.metadata);
        out.extend_from_slice(b",\"pin_update\":");
        match &rec.pin_update {
            Some(from) => go_str(out, from),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"origins\":[],\"cid\":");
        go_str(out, &rec.cid);
        out.extend_from_slice(b",\"type\":\"pin\",\"allocations\":[");
        for (i, p) in rec.allocations.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&ids[usize::from(*p)]);
        }
        out.extend_from_slice(if rec.mode_direct {
            b"],\"max_depth\":0,\"reference\":null,\"timestamp\":"
        } else {
            b"],\"max_depth\":-1,\"reference\":null,\"timestamp\":"
        });
        push_time_secs(out, rec.timestamp, off);
        out.extend_from_slice(b"}\n");
    }
}

/// Metadata as Go writes a `map[string]string`: `null` when empty, keys
/// sorted.
fn push_metadata(out: &mut Vec<u8>, metadata: &[(String, String)]) {
    if metadata.is_empty() {
        out.extend_from_slice(b"null");
    } else {
        // Go sorts map keys; records keep metadata sorted already.
        let sorted = metadata.windows(2).all(|w| w[0].0 <= w[1].0);
        let mut owned: Vec<&(String, String)> = Vec::new();
        if !sorted {
            owned = metadata.iter().collect();
            owned.sort_by(|a, b| a.0.cmp(&b.0));
        }
        let kv: Box<dyn Iterator<Item = &(String, String)>> = if sorted {
            Box::new(metadata.iter())
        } else {
            Box::new(owned.into_iter())
        };
        out.push(b'{');
        for (i, (k, v)) in kv.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            go_str(out, k);
            out.push(b':');
            go_str(out, v);
        }
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use crate::cluster::gojson;
    use chrono::FixedOffset;

    #[test]
    fn identical_to_the_serde_path() {
        let mut st = crate::sim::scenario::synthetic(5, 50, 3);
        for (i, tz) in [0, 7200, -5 * 3600 - 1800].into_iter().enumerate() {
            st.tz = FixedOffset::east_opt(tz).unwrap();
            let keys: Vec<String> = st.pins.keys().cloned().collect();
            for (j, k) in keys.iter().enumerate() {
                {
                    let rec = st.pins.get_mut(k).unwrap();
                    if j % 3 == 0 {
                        rec.name = format!("a<b>&c \"q\" \\ é\u{2028}\u{1}\u{8}{i}");
                        rec.metadata.push(("zz".into(), "<&>".into()));
                        rec.mode_direct = true;
                        rec.expire_at = 1_900_000_000 + j as i64;
                    }
                    if j % 5 == 0 {
                        rec.metadata.clear();
                        rec.allocations.clear();
                        rec.timestamp = -86_400 * 365 * 30;
                    }
                }
                let rec = &st.pins[k];
                let mut fast = Vec::new();
                st.write_pin_line(rec, &st.quoted_peer_ids(), &mut fast);
                let slow = gojson::encode(&st.pin_json(rec));
                assert_eq!(
                    String::from_utf8(fast).unwrap(),
                    String::from_utf8(slow).unwrap()
                );
            }
        }
    }
}
