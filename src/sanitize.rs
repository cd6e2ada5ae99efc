//! Strings from the cluster (names, metadata, errors, peer names) come from
//! other members' machines: strip control characters and escape sequences
//! before they can reach the terminal, and show format characters (bidi
//! overrides, invisible marks) as what they are.

use std::borrow::Cow;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Unicode format characters (Cf) that can make a name read as another:
/// U+202E before `txt.exe` makes it read `exe.txt`; U+200B hides a
/// difference between two names. Joiners (U+200C, U+200D) stay: emoji and
/// several scripts are written with them and they reorder nothing.
pub fn is_hidden_format(c: char) -> bool {
    c > '\u{7f}'
        && !matches!(c, '\u{200c}' | '\u{200d}')
        && c.general_category() == GeneralCategory::Format
}

fn needs_cleaning(c: char) -> bool {
    c.is_control() || is_hidden_format(c)
}

/// A format character as the operator reads it: `<U+202E>`.
pub fn escaped(c: char) -> String {
    format!("<U+{:04X}>", c as u32)
}

/// Removes C0/C1 controls and whole ANSI escape sequences; tabs and newlines
/// become spaces so a row stays one row; format characters are shown
/// escaped (`<U+202E>`).
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_cleaning) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // ESC [ … final byte (CSI), ESC ] … BEL/ST (OSC), or ESC + one char.
                match chars.peek() {
                    Some('[') => {
                        chars.next();
                        for n in chars.by_ref() {
                            if ('\u{40}'..='\u{7e}').contains(&n) {
                                break;
                            }
                        }
                    }
                    Some(']') | Some('P') | Some('_') | Some('^') => {
                        chars.next();
                        while let Some(n) = chars.next() {
                            if n == '\u{7}' {
                                break;
                            }
                            if n == '\u{1b}' && chars.peek() == Some(&'\\') {
                                chars.next();
                                break;
                            }
                        }
                    }
                    Some(_) => {
                        chars.next();
                    }
                    None => {}
                }
            }
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c if is_hidden_format(c) => out.push_str(&escaped(c)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A file's bytes on their way to a terminal (`cat` without `--raw`):
/// text passes, every control but newline and tab is shown as `\xNN` and
/// every format character as `<U+…>`, so no byte of an item can move the
/// cursor, clear the screen or retitle the window. A character cut between
/// two chunks is held until the next.
#[derive(Debug, Default)]
pub struct TerminalEscaper {
    carry: Vec<u8>,
}

impl TerminalEscaper {
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        let mut buf = std::mem::take(&mut self.carry);
        buf.extend_from_slice(bytes);
        let mut at = 0;
        while at < buf.len() {
            match std::str::from_utf8(&buf[at..]) {
                Ok(text) => {
                    push_text(text, out);
                    at = buf.len();
                }
                Err(e) => {
                    let good = at + e.valid_up_to();
                    // Checked by from_utf8 up to `good`.
                    push_text(std::str::from_utf8(&buf[at..good]).unwrap_or(""), out);
                    match e.error_len() {
                        Some(n) => {
                            for b in &buf[good..good + n] {
                                out.extend_from_slice(format!("\\x{b:02x}").as_bytes());
                            }
                            at = good + n;
                        }
                        None => {
                            // An unfinished character at the end: wait for the rest.
                            self.carry = buf[good..].to_vec();
                            return;
                        }
                    }
                }
            }
        }
    }

    /// What is left at the end (an unfinished character) is shown escaped.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        for b in std::mem::take(&mut self.carry) {
            out.extend_from_slice(format!("\\x{b:02x}").as_bytes());
        }
    }
}

/// A name as it may be written to disk: every control (newlines and tabs
/// too) as `\xNN`, every format character as `<U+…>`; anything else kept.
pub fn for_disk(name: &str) -> Cow<'_, str> {
    if !name.chars().any(needs_cleaning) {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else if is_hidden_format(c) {
            out.push_str(&escaped(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn push_text(text: &str, out: &mut Vec<u8>) {
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c as u8),
            // Controls are C0 and C1: all below U+00A0.
            c if c.is_control() => out.extend_from_slice(format!("\\x{:02x}", c as u32).as_bytes()),
            c if is_hidden_format(c) => out.extend_from_slice(escaped(c).as_bytes()),
            c => {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{clean, TerminalEscaper};

    #[test]
    fn format_characters_are_shown_not_obeyed() {
        assert_eq!(clean("\u{202e}txt.exe"), "<U+202E>txt.exe");
        for c in [
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{2066}', '\u{2067}', '\u{2068}',
            '\u{2069}', '\u{200e}', '\u{200f}', '\u{061c}', '\u{200b}', '\u{feff}',
        ] {
            let s = format!("a{c}b");
            assert_eq!(clean(&s), format!("a<U+{:04X}>b", c as u32));
        }
        // Joiners write emoji and scripts; they stay.
        assert_eq!(clean("👩\u{200d}🔬 né"), "👩\u{200d}🔬 né");
    }

    #[test]
    fn a_terminal_sees_sequences_as_text_and_a_cut_character_whole() {
        let mut e = TerminalEscaper::default();
        let mut out = Vec::new();
        let evil = "top\u{1b}[2J\u{1b}[?25l\r\u{202e}é\n".as_bytes();
        let (a, b) = evil.split_at(evil.len() - 2); // cuts é in two
        e.feed(a, &mut out);
        e.feed(b, &mut out);
        e.finish(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "top\\x1b[2J\\x1b[?25l\\x0d<U+202E>é\n"
        );
        let mut out = Vec::new();
        e.feed(&[b'a', 0xff, b'b', 0xc3], &mut out);
        e.finish(&mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "a\\xffb\\xc3");
    }

    #[test]
    fn strips_sequences_and_controls() {
        assert_eq!(clean("plain"), "plain");
        assert_eq!(clean("a\u{1b}[31mred\u{1b}[0m"), "ared");
        assert_eq!(clean("x\u{1b}]52;c;ZXZpbA==\u{7}y"), "xy");
        assert_eq!(clean("t\u{1b}]0;title\u{1b}\\z"), "tz");
        assert_eq!(clean("bell\u{7}\u{9b}2J"), "bell2J");
        assert_eq!(clean("two\nlines"), "two lines");
    }
}
