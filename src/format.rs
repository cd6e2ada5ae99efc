//! How numbers and identifiers are shown to people: one definition each, for
//! the console, the subcommands and the plain overview.

/// Human-readable bytes (1.2 GB), as operators read sizes.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else if v < 10.0 {
        format!("{v:.1} {}", UNITS[u])
    } else {
        format!("{v:.0} {}", UNITS[u])
    }
}

/// `12D3Ko…v6HtGL`: the first and last `keep` characters. Counts characters,
/// not bytes, so text from the network can never split a character.
/// A count with its thousands apart (`1,000,000 items`): at archive sizes
/// the digits are otherwise counted by eye.
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn short_id(id: &str, keep: usize) -> String {
    let n = id.chars().count();
    if n <= keep * 2 + 1 {
        return id.to_string();
    }
    let head: String = id.chars().take(keep).collect();
    let tail: String = id.chars().skip(n - keep).collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_keep_their_thousands_apart() {
        assert_eq!(super::count(0), "0");
        assert_eq!(super::count(999), "999");
        assert_eq!(super::count(1000), "1,000");
        assert_eq!(super::count(2_600_000), "2,600,000");
        assert_eq!(super::count(10_000_000), "10,000,000");
    }

    #[test]
    fn short_id_counts_characters() {
        assert_eq!(short_id("12D3KooWabcdefghijkl", 3), "12D…jkl");
        assert_eq!(short_id("ééééééééééééé", 2), "éé…éé");
        assert_eq!(short_id("short", 6), "short");
    }
}
