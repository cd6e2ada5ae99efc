//! Each peer's free space over time, sampled while the console runs (and
//! by `ccs-tui capacity`) and kept in the state folder, so a restart does
//! not lose the trend. Bounded: a sample every 10 minutes at most, the
//! latest 2,016 per peer (two weeks of them); read line by line, what does
//! not parse reported and left out, as the other journals are.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::cluster::state_files::{self, StateError};

/// Samples closer than this to the peer's last are not kept.
pub const EVERY_SECS: i64 = 600;
/// Samples kept per peer.
pub const KEEP: usize = 2016;

/// One peer's free space at one time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// Unix seconds.
    pub at: i64,
    pub free: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Line {
    peer: String,
    at: i64,
    free: u64,
}

/// Samples by peer ID, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub by_peer: BTreeMap<String, Vec<Sample>>,
    /// Lines left out, said.
    pub warnings: Vec<String>,
}

impl History {
    /// The samples of `peer`, oldest first.
    pub fn of(&self, peer: &str) -> &[Sample] {
        self.by_peer.get(peer).map_or(&[], Vec::as_slice)
    }

    /// Adds what is due (10 minutes after the peer's last), keeping the
    /// latest [`KEEP`]; the samples added.
    pub fn add(&mut self, samples: &[(String, Sample)]) -> Vec<(String, Sample)> {
        let mut added = Vec::new();
        for (peer, s) in samples {
            let v = self.by_peer.entry(peer.clone()).or_default();
            if v.last().is_some_and(|l| s.at - l.at < EVERY_SECS) {
                continue;
            }
            v.push(*s);
            if v.len() > KEEP {
                let cut = v.len() - KEEP;
                v.drain(..cut);
            }
            added.push((peer.clone(), *s));
        }
        added
    }

    fn lines(&self) -> usize {
        self.by_peer.values().map(Vec::len).sum()
    }

    fn parse(text: &str, file: &str) -> History {
        let mut h = History::default();
        for (i, l) in text.lines().enumerate() {
            if l.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Line>(l) {
                Ok(x) => {
                    h.add(&[(
                        x.peer,
                        Sample {
                            at: x.at,
                            free: x.free,
                        },
                    )]);
                }
                Err(e) => h.warnings.push(format!(
                    "{file}:{}: not a sample of ours ({e}); left out",
                    i + 1
                )),
            }
        }
        h
    }
}

pub fn path(cluster: &str) -> Option<PathBuf> {
    state_files::path("freespace", cluster, "history")
}

/// The history of `cluster` (empty when there is none).
pub fn load(cluster: &str) -> Result<History, StateError> {
    let Some(p) = path(cluster) else {
        return Ok(History::default());
    };
    Ok(match state_files::read(&p)? {
        Some(text) => History::parse(&text, &p.display().to_string()),
        None => History::default(),
    })
}

/// Records what is due of `samples`; the history as it now stands. The file
/// is rewritten whole when it holds twice what is kept.
pub fn record(cluster: &str, samples: &[(String, Sample)]) -> Result<History, StateError> {
    let mut h = load(cluster)?;
    let Some(p) = path(cluster) else {
        return Ok(h);
    };
    let file_lines = state_files::read(&p)?.map_or(0, |t| t.lines().count());
    let added = h.add(samples);
    if file_lines + added.len() > 2 * h.lines().max(KEEP) {
        let mut text = String::new();
        for (peer, v) in &h.by_peer {
            for s in v {
                text.push_str(&line(peer, s));
            }
        }
        state_files::replace(&p, &text)?;
    } else if !added.is_empty() {
        let mut f = state_files::append(&p)?;
        let text: String = added.iter().map(|(peer, s)| line(peer, s)).collect();
        f.write_all(text.as_bytes())
            .map_err(|e| StateError::Io(p.clone(), e))?;
    }
    Ok(h)
}

fn line(peer: &str, s: &Sample) -> String {
    let l = Line {
        peer: peer.to_string(),
        at: s.at,
        free: s.free,
    };
    format!("{}\n", serde_json::to_string(&l).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_kept_every_ten_minutes_and_bounded() {
        let mut h = History::default();
        let s = |at: i64| {
            (
                "p".to_string(),
                Sample {
                    at,
                    free: at as u64,
                },
            )
        };
        assert_eq!(
            h.add(&[s(0), s(60), s(600)]).len(),
            2,
            "one within 10 minutes is skipped"
        );
        for i in 2..(KEEP as i64 + 10) {
            h.add(&[s(i * EVERY_SECS)]);
        }
        assert_eq!(h.of("p").len(), KEEP);
        assert_eq!(h.of("p").last().unwrap().at, (KEEP as i64 + 9) * EVERY_SECS);
        let parsed = History::parse("{\"peer\":\"p\",\"at\":5,\"free\":9}\nnot json\n", "f");
        assert_eq!(parsed.of("p"), &[Sample { at: 5, free: 9 }]);
        assert_eq!(parsed.warnings.len(), 1);
    }
}
