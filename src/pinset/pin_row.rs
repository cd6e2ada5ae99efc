//! One item of the pinset as an owned value: what a row of the column
//! store gives back, and what tests and the simulator build rows from.

use std::sync::Arc;

use crate::cluster::types::Pin;
use crate::sanitize::clean;

/// One item of the pinset. Kept small: a million of these must fit easily.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinRow {
    pub cid: Box<str>,
    pub name: Box<str>,
    /// Interned: a few orgs are shared by a million rows.
    pub org: Arc<str>,
    pub size: Option<u64>,
    /// Unix seconds.
    pub created: i64,
    pub rmin: i32,
    pub rmax: i32,
    /// Peer IDs the item is allocated to (empty: everywhere). The list
    /// itself is interned: a million items share a few thousand peer sets.
    pub allocations: Arc<[Arc<str>]>,
}

impl PinRow {
    /// Decodes one `/allocations` line (the console's own decoder).
    pub fn from_json_line(line: &[u8]) -> Result<Self, String> {
        let mut t = super::Pinset::default();
        t.push_json_line(line)?;
        t.get(0)
            .map(|r| r.to_owned())
            .ok_or_else(|| "no row".to_string())
    }

    pub fn from_pin(p: &Pin) -> Self {
        let name = clean(&p.name).into_owned();
        let org = p.metadata.get("org").map(clean).unwrap_or_default();
        Self {
            cid: p.cid.clone().into_boxed_str(),
            size: p.size(),
            created: p.timestamp.unix(),
            rmin: p.replication_factor_min,
            rmax: p.replication_factor_max,
            allocations: p
                .allocations
                .iter()
                .map(|a| Arc::from(a.as_str()))
                .collect(),
            name: name.into_boxed_str(),
            org: Arc::from(&*org),
        }
    }

    /// How many peers should hold it (for "2/3 pinned").
    pub fn wanted(&self, online_peers: usize) -> usize {
        crate::cluster::replicas::wanted(self.allocations.len(), online_peers)
    }
}
