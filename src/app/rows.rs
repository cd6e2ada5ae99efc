//! Compact rows the panes show, built once from API types (and sanitized then).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::cluster::types::{GlobalPinInfo, PeerId, TrackerStatus};
use crate::pinset::Row;
use crate::sanitize::clean;

/// A member peer as the peers pane shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeerRow {
    pub id: String,
    pub name: String,
    pub version: String,
    /// Its cluster swarm addresses, and its IPFS daemon's ID and addresses.
    pub addresses: Vec<String>,
    pub ipfs_id: String,
    pub ipfs_addresses: Vec<String>,
    /// Why the peer does not answer; empty when online.
    pub error: String,
    pub free_space: Option<u64>,
    pub pinned: usize,
    pub errors: usize,
}

impl PeerRow {
    pub fn from_api(p: &PeerId) -> Self {
        Self {
            id: clean(&p.id).into_owned(),
            name: clean(&p.peername).into_owned(),
            version: clean(&p.version).into_owned(),
            addresses: p.addresses.iter().map(|a| clean(a).into_owned()).collect(),
            ipfs_id: clean(&p.ipfs.id).into_owned(),
            ipfs_addresses: p
                .ipfs
                .addresses
                .iter()
                .map(|a| clean(a).into_owned())
                .collect(),
            error: clean(&p.error).into_owned(),
            free_space: None,
            pinned: 0,
            errors: 0,
        }
    }
    pub fn online(&self) -> bool {
        self.error.is_empty()
    }

    /// Its addresses as the API gives them (for the privacy rule).
    pub fn as_api(&self) -> PeerId {
        let mut p = PeerId {
            id: self.id.clone(),
            peername: self.name.clone(),
            addresses: self.addresses.clone().into(),
            ..Default::default()
        };
        p.ipfs.addresses = self.ipfs_addresses.clone().into();
        p
    }

    /// Whether it announces a public address (its kubo, or its cluster
    /// swarm): the archive's privacy broken (see `cluster::exposure`).
    pub fn exposed(&self) -> bool {
        use crate::cluster::exposure::{classify, AddrClass};
        self.addresses
            .iter()
            .chain(&self.ipfs_addresses)
            .any(|a| classify(a) == Some(AddrClass::Public))
    }

    /// Whether the operator means this peer by `name`: its name (any case),
    /// or the start of its ID (four characters at least).
    pub fn answers_to(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name) || (name.len() >= 4 && self.id.starts_with(name))
    }
}

/// The pinset's own row, owned (kept with the pinset, which makes them).
pub use crate::pinset::PinRow;

pub use crate::cluster::replicas::{Health, Repl};

/// Statuses seen, by CID.
pub type Observed = HashMap<Box<str>, Repl, foldhash::fast::RandomState>;

/// Each item's replication: what status polls observed, else what the
/// pinset and the members imply. The one rule for rows, problems, filters,
/// sorting and the header's count.
#[derive(Debug, Clone, Default)]
pub struct ReplBook {
    pub observed: Observed,
    /// Peers the problems list names for each item it lists (any status
    /// but pinned): who does not hold a pinned copy.
    pub unpinned_at: HashMap<Box<str>, Vec<Box<str>>>,
    pub health: Health,
    /// What audits found (kept in the state folder across restarts).
    pub fixity: std::sync::Arc<crate::cluster::fixity::Findings>,
}

impl ReplBook {
    /// Marks what audits found on `cid`'s copies.
    fn damage(&self, cid: &str, r: &mut Repl) {
        use crate::cluster::audit::Outcome;
        let f = self.fixity.of(cid);
        r.corrupt = f.iter().filter(|x| x.outcome == Outcome::Corrupt).count() as u16;
        r.missing = f.iter().filter(|x| x.outcome == Outcome::Missing).count() as u16;
    }

    /// New findings: each item they name (or named) gets its marks again
    /// (one pass over the rows for those no status was seen of).
    pub fn set_fixity(
        &mut self,
        findings: crate::cluster::fixity::Findings,
        rows: &crate::pinset::Pinset,
    ) {
        let before: Vec<String> = self.fixity.by_cid.keys().cloned().collect();
        self.fixity = std::sync::Arc::new(findings);
        let named: std::collections::HashSet<String> =
            self.fixity.by_cid.keys().cloned().chain(before).collect();
        let unseen = named
            .iter()
            .filter(|c| !self.observed.contains_key(c.as_str()))
            .count();
        let mut derived: HashMap<String, Repl> = HashMap::new();
        if unseen > 0 {
            for r in rows.iter() {
                if named.contains(r.cid()) && !self.observed.contains_key(r.cid()) {
                    derived.insert(
                        r.cid().to_string(),
                        Repl::derived_of(r.allocations(), &self.health),
                    );
                    if derived.len() == unseen {
                        break;
                    }
                }
            }
        }
        for cid in named {
            let Some(mut r) = self
                .observed
                .get(cid.as_str())
                .copied()
                .or_else(|| derived.get(&cid).copied())
            else {
                continue;
            };
            self.damage(&cid, &mut r);
            self.observed.insert(cid.into_boxed_str(), r);
        }
    }

    pub fn of(&self, row: Row<'_>) -> Option<Repl> {
        if let Some(r) = self.observed.get(row.cid()) {
            return Some(*r);
        }
        self.of_unobserved(row.allocations())
    }

    /// What an item no status has been seen of is known to be, from its
    /// allocations: the same for every row sharing them.
    pub fn of_unobserved(&self, allocations: &[Arc<str>]) -> Option<Repl> {
        let d = Repl::derived_of(allocations, &self.health);
        (self.health.known || d.is_problem()).then_some(d)
    }

    /// Items some peer reports in error (what recover all would re-queue).
    pub fn in_error(&self) -> usize {
        self.observed.values().filter(|r| r.errors > 0).count()
    }

    pub fn is_problem(&self, row: Row<'_>) -> bool {
        self.of(row).is_some_and(|r| r.is_problem())
    }

    pub fn observe(&mut self, g: &GlobalPinInfo) {
        let mut r = Repl::from_info(g, &self.health);
        self.damage(&g.cid, &mut r);
        self.observed.insert(g.cid.clone().into_boxed_str(), r);
    }

    /// An entry of the problems list, which names only the peers in trouble.
    pub fn observe_partial(&mut self, g: &GlobalPinInfo) {
        let mut r = Repl::from_partial(g, &self.health);
        self.damage(&g.cid, &mut r);
        self.observed.insert(g.cid.clone().into_boxed_str(), r);
    }
}

/// One line of the replication pane: a peer's copy of the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerLine {
    pub id: String,
    pub name: String,
    /// `None`: the peer is down and the status no longer lists it.
    pub status: Option<TrackerStatus>,
    pub since: Option<crate::cluster::gojson::GoTime>,
    pub attempts: i64,
    pub error: String,
    /// The item is allocated to it (or pinned everywhere).
    pub allocated: bool,
    /// More than one: the line stands for this many peers that neither
    /// should nor do hold the item (`remote`), folded into one.
    pub peers: usize,
}

/// The replication pane's lines, in the order an operator reads them: peers
/// that should hold the item first (trouble first, then by name), then the
/// others, `remote` last. Allocated peers that are down and dropped from the
/// status are listed too: a copy that cannot be served is news.
pub fn peer_lines(
    g: &GlobalPinInfo,
    health: &Health,
    names: &HashMap<String, String>,
) -> Vec<PeerLine> {
    let allocated = |id: &str| g.allocations.is_empty() || g.allocations.iter().any(|a| a == id);
    let mut v: Vec<PeerLine> = g
        .peer_map
        .iter()
        .map(|(id, p)| PeerLine {
            id: id.clone(),
            name: if p.peername.is_empty() {
                names.get(id).cloned().unwrap_or_default()
            } else {
                p.peername.clone()
            },
            status: Some(p.status),
            since: Some(p.timestamp),
            attempts: p.attempt_count as i64,
            error: p.error.clone(),
            allocated: allocated(id),
            peers: 1,
        })
        .collect();
    for id in &health.down {
        if allocated(id) && !g.peer_map.contains_key(&**id) {
            v.push(PeerLine {
                id: id.to_string(),
                name: names.get(&**id).cloned().unwrap_or_default(),
                status: None,
                since: None,
                attempts: 0,
                error: String::new(),
                allocated: true,
                peers: 1,
            });
        }
    }
    v.sort_by(|a, b| {
        let key = |l: &PeerLine| {
            let remote = l.status == Some(TrackerStatus::Remote);
            let trouble = l
                .status
                .is_none_or(|s| s.is_error() || s != TrackerStatus::Pinned);
            (remote, !l.allocated, !trouble)
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.id.cmp(&b.id))
    });
    // On fifty peers an item is `remote` on forty-seven: one line says so
    // instead of a screenful that hides nothing.
    let elsewhere = |l: &PeerLine| l.status == Some(TrackerStatus::Remote) && !l.allocated;
    let n = v.iter().filter(|l| elsewhere(l)).count();
    if n > FOLD_REMOTE {
        v.retain(|l| !elsewhere(l));
        v.push(PeerLine {
            id: String::new(),
            name: String::new(),
            status: Some(TrackerStatus::Remote),
            since: None,
            attempts: 0,
            error: String::new(),
            allocated: false,
            peers: n,
        });
    }
    v
}

/// Up to this many `remote` peers are listed one by one.
const FOLD_REMOTE: usize = 3;

/// Counts per peer ID, for the peers pane's pinned/error columns.
pub fn per_peer_counts(infos: &[GlobalPinInfo]) -> BTreeMap<String, (usize, usize)> {
    let mut m: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for g in infos {
        for (id, p) in &g.peer_map {
            let e = m.entry(id.clone()).or_default();
            if p.status == TrackerStatus::Pinned {
                e.0 += 1;
            }
            if p.status.is_error() && p.status != TrackerStatus::ClusterError {
                e.1 += 1;
            }
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::types::Pin;

    /// An item on 3 of `peers` peers, `remote` on the others.
    fn on_three_of(peers: usize) -> GlobalPinInfo {
        use crate::cluster::types::PinInfoShort;
        let ids: Vec<String> = (0..peers).map(|k| format!("12D3KooW{k:02}")).collect();
        let mut g = GlobalPinInfo {
            cid: "QmItem".into(),
            allocations: ids[..3].to_vec().into(),
            ..Default::default()
        };
        for (k, id) in ids.iter().enumerate() {
            let status = match k {
                0 => TrackerStatus::PinError,
                1 | 2 => TrackerStatus::Pinned,
                _ => TrackerStatus::Remote,
            };
            let p = PinInfoShort {
                peername: format!("peer-{k:02}"),
                status,
                ..Default::default()
            };
            g.peer_map.insert(id.clone(), p);
        }
        g
    }

    #[test]
    fn many_remote_peers_are_one_line_and_a_few_are_listed() {
        let lines = peer_lines(&on_three_of(50), &Health::default(), &HashMap::new());
        let names: Vec<&str> = lines.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            ["peer-00", "peer-01", "peer-02", ""],
            "trouble first"
        );
        assert_eq!(
            (lines[3].peers, lines[3].status),
            (47, Some(TrackerStatus::Remote))
        );
        let few = peer_lines(&on_three_of(6), &Health::default(), &HashMap::new());
        assert_eq!(few.len(), 6);
        assert!(few.iter().all(|l| l.peers == 1));
    }

    #[test]
    fn the_fast_line_decoder_agrees_with_the_full_one() {
        let st = crate::sim::scenario::demo().unwrap();
        let ids = st.quoted_peer_ids();
        for rec in st.pins.values().take(50) {
            let mut line = Vec::new();
            st.write_pin_line(rec, &ids, &mut line);
            let full: Pin = serde_json::from_slice(&line).unwrap();
            let fast = PinRow::from_json_line(&line).unwrap();
            assert_eq!(fast, PinRow::from_pin(&full));
        }
        let odd = br#"{"cid":"Qm1","name":"a\u003cb\u001b[31m","metadata":null,"allocations":null,"timestamp":"0001-01-01T00:00:00Z"}"#;
        let r = PinRow::from_json_line(odd).unwrap();
        assert_eq!(&*r.name, "a<b");
        assert!(PinRow::from_json_line(b"{\"name\":1}").is_err());
    }
}
