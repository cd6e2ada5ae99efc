//! What a file is, from its first bytes: text (invalid UTF-8 shown as
//! `\xNN`), JSON pretty-printed, a line for images, audio and PDF (type,
//! dimensions or duration where the first blocks tell), hex for the rest.
//! Pure: the bytes come verified from the DAG reader; nothing here does I/O.

use serde_json::Value;

/// The most a preview reads of a file.
pub const PREVIEW_BYTES: u64 = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewKind {
    Text,
    Json,
    /// An image, audio or PDF: what it is, in a line.
    Media(String),
    Hex,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub kind: PreviewKind,
    /// Lines to show, free of control characters.
    pub lines: Vec<String>,
    /// Only the start of the file was read.
    pub truncated: bool,
}

/// Classifies and renders `head`, the first bytes of a file of `size` bytes.
pub fn preview(name: &str, head: &[u8], size: u64) -> Preview {
    let truncated = (head.len() as u64) < size;
    if let Some(what) = media(head, size) {
        let mut lines = vec![what.clone()];
        lines.push(String::new());
        lines.extend(hex_lines(&head[..head.len().min(256)]));
        return Preview {
            kind: PreviewKind::Media(what),
            lines,
            truncated,
        };
    }
    let lower = name.to_ascii_lowercase();
    let looks_json = lower.ends_with(".json")
        || matches!(
            head.iter().find(|b| !b.is_ascii_whitespace()),
            Some(b'{' | b'[')
        );
    if looks_json && !truncated {
        if let Ok(v) = serde_json::from_slice::<Value>(head) {
            let pretty = serde_json::to_string_pretty(&v).unwrap_or_default();
            return Preview {
                kind: PreviewKind::Json,
                lines: pretty.lines().map(clean_line).collect(),
                truncated,
            };
        }
    }
    if is_text(head) {
        return Preview {
            kind: PreviewKind::Text,
            lines: text_lines(head),
            truncated,
        };
    }
    Preview {
        kind: PreviewKind::Hex,
        lines: hex_lines(&head[..head.len().min(4096)]),
        truncated,
    }
}

/// Bytes a reader shows as hex (a file read whole): 32,768 rows.
pub const READER_HEX_BYTES: usize = 256 * 1024;

/// A file read whole (`bytes` of its `size`): as [`preview`], but binary
/// shown over its first [`READER_HEX_BYTES`], and `truncated` whenever less
/// than the whole file is shown.
pub fn read_whole(name: &str, bytes: &[u8], size: u64) -> Preview {
    let mut p = preview(name, bytes, size);
    if p.kind == PreviewKind::Hex {
        let shown = bytes.len().min(READER_HEX_BYTES);
        p.lines = hex_lines(&bytes[..shown]);
        p.truncated = (shown as u64) < size;
    }
    p
}

/// Text unless it holds NULs or many control bytes; invalid UTF-8 is fine
/// (shown escaped): archives hold Latin-1 notes too.
fn is_text(b: &[u8]) -> bool {
    if b.contains(&0) {
        return false;
    }
    let control = b
        .iter()
        .filter(|&&c| c < 0x20 && !matches!(c, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    control * 20 <= b.len().max(20)
}

/// Lines of text: valid UTF-8 as is, each invalid byte as `\xNN`, control
/// characters made visible (a file must not drive the terminal).
fn text_lines(b: &[u8]) -> Vec<String> {
    let mut s = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        s.push_str(chunk.valid());
        for byte in chunk.invalid() {
            s.push_str(&format!("\\x{byte:02X}"));
        }
    }
    s.lines().map(clean_line).collect()
}

/// A line as a preview shows it: controls as U+FFFD, format characters
/// (bidi overrides…) escaped as the sanitiser shows them everywhere.
fn clean_line(l: &str) -> String {
    let mut out = String::with_capacity(l.len());
    for c in l.trim_end_matches('\r').chars() {
        match c {
            '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c if crate::sanitize::is_hidden_format(c) => out.push_str(&crate::sanitize::escaped(c)),
            c => out.push(c),
        }
    }
    out
}

/// Eight bytes a line: it fits a preview pane at 80 columns.
fn hex_lines(b: &[u8]) -> Vec<String> {
    b.chunks(8)
        .enumerate()
        .map(|(i, row)| {
            let hex: Vec<String> = row.iter().map(|x| format!("{x:02x}")).collect();
            let ascii: String = row
                .iter()
                .map(|&x| {
                    if x.is_ascii_graphic() || x == b' ' {
                        x as char
                    } else {
                        '.'
                    }
                })
                .collect();
            format!("{:08x}  {:<23}  {ascii}", i * 8, hex.join(" "))
        })
        .collect()
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?) as u32)
}
fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn le16(b: &[u8], at: usize) -> Option<u32> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?) as u32)
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn duration(secs: f64) -> String {
    let s = secs.round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Images, audio and PDF, from their headers.
fn media(b: &[u8], size: u64) -> Option<String> {
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        let (w, h) = (be32(b, 16)?, be32(b, 20)?);
        return Some(format!("PNG image, {w} × {h}"));
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        return Some(format!("GIF image, {} × {}", le16(b, 6)?, le16(b, 8)?));
    }
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(match jpeg_size(b) {
            Some((w, h)) => format!("JPEG image, {w} × {h}"),
            None => "JPEG image".into(),
        });
    }
    if b.len() >= 30 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        let dims = match &b[12..16] {
            b"VP8X" => Some((
                1 + (le32(b, 24)? & 0xFF_FFFF),
                1 + (le32(b, 27)? & 0xFF_FFFF),
            )),
            b"VP8 " => Some((le16(b, 26)? & 0x3FFF, le16(b, 28)? & 0x3FFF)),
            b"VP8L" => {
                let v = le32(b, 21)?;
                Some((1 + (v & 0x3FFF), 1 + ((v >> 14) & 0x3FFF)))
            }
            _ => None,
        };
        return Some(match dims {
            Some((w, h)) => format!("WebP image, {w} × {h}"),
            None => "WebP image".into(),
        });
    }
    if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") {
        return Some(match tiff_size(b) {
            Some((w, h)) => format!("TIFF image, {w} × {h}"),
            None => "TIFF image".into(),
        });
    }
    if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WAVE" {
        return Some(wav(b).unwrap_or_else(|| "WAV audio".into()));
    }
    if b.starts_with(b"fLaC") {
        // STREAMINFO: sample rate (20 bits) and total samples (36 bits).
        let x = b.get(18..26)?;
        let rate = (u32::from(x[0]) << 12) | (u32::from(x[1]) << 4) | (u32::from(x[2]) >> 4);
        let channels = ((x[2] >> 1) & 0x7) + 1;
        let total = (u64::from(x[3] & 0x0F) << 32) | u64::from(be32(x, 4)?);
        return Some(if rate > 0 && total > 0 {
            format!(
                "FLAC audio, {channels} channel(s), {rate} Hz, {}",
                duration(total as f64 / rate as f64)
            )
        } else {
            "FLAC audio".into()
        });
    }
    if b.starts_with(b"OggS") {
        return Some("Ogg audio (Vorbis or Opus)".into());
    }
    if b.starts_with(b"ID3") || mp3_frame(b, 0).is_some() {
        return Some(mp3(b, size));
    }
    if b.starts_with(b"%PDF-") {
        let v: String = b[5..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == b'.')
            .map(|&c| c as char)
            .collect();
        return Some(format!("PDF document, version {v}"));
    }
    None
}

fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 9 < b.len() {
        if b[i] != 0xFF {
            i += 1;
            continue;
        }
        let marker = b[i + 1];
        if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
            return Some((be16(b, i + 7)?, be16(b, i + 5)?));
        }
        if marker == 0xD8 || marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            i += 2;
            continue;
        }
        i += 2 + be16(b, i + 2)? as usize;
    }
    None
}

fn tiff_size(b: &[u8]) -> Option<(u32, u32)> {
    let le = b.starts_with(b"II");
    let u16_at = |at: usize| if le { le16(b, at) } else { be16(b, at) };
    let u32_at = |at: usize| if le { le32(b, at) } else { be32(b, at) };
    let ifd = u32_at(4)? as usize;
    let n = u16_at(ifd)? as usize;
    let (mut w, mut h) = (None, None);
    for k in 0..n.min(64) {
        let e = ifd + 2 + k * 12;
        let tag = u16_at(e)?;
        let kind = u16_at(e + 2)?;
        let v = if kind == 3 {
            u16_at(e + 8)?
        } else {
            u32_at(e + 8)?
        };
        match tag {
            256 => w = Some(v),
            257 => h = Some(v),
            _ => {}
        }
    }
    Some((w?, h?))
}

fn wav(b: &[u8]) -> Option<String> {
    let mut i = 12;
    let (mut channels, mut rate, mut byte_rate) = (0, 0, 0);
    while i + 8 <= b.len() {
        let id = &b[i..i + 4];
        let len = le32(b, i + 4)? as usize;
        if id == b"fmt " {
            channels = le16(b, i + 10)?;
            rate = le32(b, i + 12)?;
            byte_rate = le32(b, i + 16)?;
        } else if id == b"data" && byte_rate > 0 {
            return Some(format!(
                "WAV audio, {channels} channel(s), {rate} Hz, {}",
                duration(len as f64 / byte_rate as f64)
            ));
        }
        i += 8 + len + (len & 1);
    }
    None
}

/// An MPEG audio frame header at `at`: (bitrate kbit/s, sample rate).
fn mp3_frame(b: &[u8], at: usize) -> Option<(u32, u32)> {
    let h = be32(b, at)?;
    if h >> 21 != 0x7FF {
        return None;
    }
    let version = (h >> 19) & 3; // 3: MPEG-1
    let layer = (h >> 17) & 3; // 1: layer III
    let br = (h >> 12) & 0xF;
    let sr = (h >> 10) & 3;
    if layer != 1 || br == 0 || br == 15 || sr == 3 || version == 1 {
        return None;
    }
    const V1: [u32; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    const V2: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    let rates = [
        [11025, 12000, 8000],
        [0, 0, 0],
        [22050, 24000, 16000],
        [44100, 48000, 32000],
    ];
    let bitrate = if version == 3 { V1 } else { V2 }[br as usize];
    Some((bitrate, rates[version as usize][sr as usize]))
}

/// MP3: skip an ID3v2 tag, find the first frame; the duration assumes a
/// constant bit rate (what the first frame says), so it is an estimate.
fn mp3(b: &[u8], size: u64) -> String {
    let mut at = 0usize;
    if b.starts_with(b"ID3") && b.len() >= 10 {
        let syncsafe = |x: &[u8]| {
            x.iter()
                .fold(0usize, |a, &c| (a << 7) | (c & 0x7F) as usize)
        };
        at = 10 + syncsafe(&b[6..10]);
    }
    let end = b.len().saturating_sub(4);
    let frame = (at..end.max(at)).find_map(|i| mp3_frame(b, i).map(|f| (i, f)));
    match frame {
        Some((i, (kbps, rate))) if kbps > 0 => {
            let audio = size.saturating_sub(i as u64) as f64;
            format!(
                "MP3 audio, {kbps} kbit/s, {rate} Hz, about {}",
                duration(audio * 8.0 / (kbps as f64 * 1000.0))
            )
        }
        _ => "MP3 audio".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_json_and_hex() {
        let p = preview("notes.txt", "line one\nline two\n".as_bytes(), 18);
        assert_eq!(p.kind, PreviewKind::Text);
        assert_eq!(p.lines, ["line one", "line two"]);
        let p = preview("latin1.txt", b"caf\xe9 \x1b[31mred", 14);
        assert_eq!(p.kind, PreviewKind::Text);
        assert_eq!(
            p.lines,
            ["caf\\xE9 \u{FFFD}[31mred"],
            "escapes never reach the terminal"
        );
        let p = preview("data.json", br#"{"a":[1,2],"b":"x"}"#, 19);
        assert_eq!(p.kind, PreviewKind::Json);
        assert_eq!(p.lines[0], "{");
        assert_eq!(p.lines[1], "  \"a\": [");
        // Cut short, JSON cannot be parsed: shown as text.
        assert_eq!(
            preview("big.json", b"{\"a\":", 1000).kind,
            PreviewKind::Text
        );
        let p = preview("blob.bin", &[0u8, 1, 2, 255, 0x41], 5);
        assert_eq!(p.kind, PreviewKind::Hex);
        assert!(
            p.lines[0].starts_with("00000000  00 01 02 ff 41"),
            "{:?}",
            p.lines
        );
        assert!(p.lines[0].ends_with(".....A") || p.lines[0].ends_with("....A"));
    }

    #[test]
    fn media_from_their_headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(640u32.to_be_bytes());
        png.extend(480u32.to_be_bytes());
        assert_eq!(
            preview("a.png", &png, 5000).kind,
            PreviewKind::Media("PNG image, 640 × 480".into())
        );
        let mut gif = b"GIF89a".to_vec();
        gif.extend(320u16.to_le_bytes());
        gif.extend(200u16.to_le_bytes());
        assert!(
            matches!(preview("a.gif", &gif, 900).kind, PreviewKind::Media(m) if m == "GIF image, 320 × 200")
        );
        // JPEG: SOI, an APP0 segment, then SOF0 with height 1080, width 1920.
        let mut jpg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0];
        jpg.extend([0xFF, 0xC0, 0, 17, 8, 0x04, 0x38, 0x07, 0x80, 3, 0, 0]);
        assert!(
            matches!(preview("a.jpg", &jpg, 9999).kind, PreviewKind::Media(m) if m == "JPEG image, 1920 × 1080")
        );
        // TIFF, little-endian: one IFD with width 2480 and length 3508 (A4 at 300 dpi).
        let mut tif = b"II*\0".to_vec();
        tif.extend(8u32.to_le_bytes());
        tif.extend(2u16.to_le_bytes());
        for (tag, v) in [(256u16, 2480u32), (257, 3508)] {
            tif.extend(tag.to_le_bytes());
            tif.extend(4u16.to_le_bytes());
            tif.extend(1u32.to_le_bytes());
            tif.extend(v.to_le_bytes());
        }
        assert!(
            matches!(preview("p.tif", &tif, 1 << 20).kind, PreviewKind::Media(m) if m == "TIFF image, 2480 × 3508")
        );
        // WAV: 16-bit stereo 44.1 kHz, 10 s of data.
        let byte_rate = 44_100u32 * 4;
        let mut wav = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        wav.extend(16u32.to_le_bytes());
        wav.extend(1u16.to_le_bytes());
        wav.extend(2u16.to_le_bytes());
        wav.extend(44_100u32.to_le_bytes());
        wav.extend(byte_rate.to_le_bytes());
        wav.extend(4u16.to_le_bytes());
        wav.extend(16u16.to_le_bytes());
        wav.extend(b"data");
        wav.extend((byte_rate * 10).to_le_bytes());
        assert!(
            matches!(preview("a.wav", &wav, 1 << 22).kind, PreviewKind::Media(m) if m == "WAV audio, 2 channel(s), 44100 Hz, 0:10")
        );
        // MP3: an MPEG-1 layer III frame at 128 kbit/s, 44.1 kHz; 1.6 MB is about 1:40.
        let mut mp3 = vec![0xFF, 0xFB, 0x90, 0x00];
        mp3.extend(vec![0u8; 400]);
        assert!(
            matches!(preview("oral-history.mp3", &mp3, 1_600_000).kind, PreviewKind::Media(m) if m == "MP3 audio, 128 kbit/s, 44100 Hz, about 1:40")
        );
        assert!(
            matches!(preview("x.pdf", b"%PDF-1.7\n%\xe2\xe3", 3000).kind, PreviewKind::Media(m) if m == "PDF document, version 1.7")
        );
    }
}

#[cfg(test)]
mod reader_tests {
    use super::*;

    #[test]
    fn a_binary_file_read_whole_says_how_much_is_shown() {
        let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 7) as u8).collect();
        let p = read_whole("archive.dar", &bytes, bytes.len() as u64);
        assert_eq!(p.kind, PreviewKind::Hex);
        assert_eq!(p.lines.len(), READER_HEX_BYTES / 8);
        assert!(p.truncated);
        let small = read_whole("x.bin", &bytes[..5000], 5000);
        assert_eq!(small.lines.len(), 625, "all of it, not the preview's 4 KiB");
        assert!(!small.truncated);
    }

    #[test]
    fn a_previewed_text_shows_format_characters_escaped() {
        let p = preview("notes.txt", "read \u{202e}txt.exe\r\n".as_bytes(), 15);
        assert_eq!(p.lines, ["read <U+202E>txt.exe"]);
    }
}
