//! A row's fields as one `/allocations` line gives them, and a pin's time
//! as the cluster writes it: what both readers of a line (`scan`, and
//! serde in `line`) produce.

use std::borrow::Cow;

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
}
