//! What a folder fetch has unpacked so far, against its caps: the entries
//! and bytes of every part, whichever gateway brought it and whichever
//! run (a resumed fetch starts from what the earlier one kept).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::format::count;

/// Entries and bytes, held against `--max-entries` and the byte cap.
pub struct Tally {
    entries: AtomicU64,
    bytes: AtomicU64,
    max_entries: u64,
    /// Bytes the files may hold in all (the operator's cap, the disk's
    /// room), set once what an earlier run left is known.
    max_bytes: OnceLock<(u64, String)>,
    cid_text: String,
}

impl Tally {
    pub fn new(cid_text: String, max_entries: u64) -> Self {
        Tally {
            entries: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            max_entries,
            max_bytes: OnceLock::new(),
            cid_text,
        }
    }

    /// The most the files may hold, and why (the first cap set holds).
    pub fn cap_bytes(&self, cap: Option<(u64, String)>) {
        if let Some(c) = cap {
            let _ = self.max_bytes.set(c);
        }
    }

    /// `n` more files, folders and links; why not when past the cap.
    pub fn entries(&self, n: u64) -> Result<(), String> {
        let now = self.entries.fetch_add(n, Ordering::Relaxed) + n;
        if now > self.max_entries {
            return Err(format!(
                "{} holds more than {} files and folders (--max-entries); stopped, nothing kept",
                self.cid_text,
                count(self.max_entries as usize)
            ));
        }
        Ok(())
    }

    /// `n` more bytes of file data; why not when past the cap.
    pub fn bytes(&self, n: u64) -> Result<(), String> {
        let now = self.bytes.fetch_add(n, Ordering::Relaxed) + n;
        match self.max_bytes.get() {
            Some((max, why)) if now > *max => Err(why.clone()),
            _ => Ok(()),
        }
    }

    /// Bytes of file data so far.
    pub fn written(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Bytes a part that failed had written: it comes again.
    pub fn take_back(&self, bytes: u64, entries: u64) {
        self.bytes.fetch_sub(bytes, Ordering::Relaxed);
        self.entries.fetch_sub(entries, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caps_hold_over_every_part() {
        let t = Tally::new("QmX".into(), 3);
        t.cap_bytes(Some((10, "too big".into())));
        assert!(t.entries(2).is_ok());
        assert!(t.entries(1).is_ok());
        assert!(t.entries(1).unwrap_err().contains("--max-entries"));
        assert!(t.bytes(6).is_ok());
        assert_eq!(t.bytes(5).unwrap_err(), "too big");
        t.take_back(5, 1);
        assert_eq!(t.written(), 6);
        assert!(t.bytes(4).is_ok());
    }
}
