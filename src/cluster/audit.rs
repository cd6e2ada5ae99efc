//! Fixity audit: does each peer that should hold an item hold it, whole and
//! unchanged? Each peer is asked through its own gateway, only for what it
//! has (`only-if-cached`, so it cannot borrow from its neighbours), and every
//! block is checked against its CID. Nothing in ccs, ipfs-cluster-ctl or the
//! web UI does this: a pin status says a peer *claims* a copy.

use std::collections::HashSet;
use std::sync::Arc;

use cid::Cid;
use futures_util::StreamExt;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use url::Url;

use super::dag::{self, BlockError, Dag};
use super::types::Pin;
use super::ClusterClient;

/// A node as the configuration names it: its peer ID when given, and the
/// gateway of its kubo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub peer_id: Option<String>,
    pub gateway: Url,
}

/// The members that can be asked: each node matched to its member, by
/// peer ID or else by name.
pub fn holders(nodes: &[Node], members: &[(String, String)]) -> Vec<Holder> {
    nodes
        .iter()
        .filter_map(|n| {
            let id = n.peer_id.clone().or_else(|| {
                members
                    .iter()
                    .find(|(_, name)| *name == n.name)
                    .map(|(id, _)| id.clone())
            })?;
            let name = members
                .iter()
                .find(|(m, _)| *m == id)
                .map(|(_, name)| name.clone())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| n.name.clone());
            Some(Holder {
                name,
                peer_id: id,
                gateway: n.gateway.clone(),
                guessed: None,
            })
        })
        .collect()
}

/// `299 ok, 1 corrupt`: a peer's items by outcome.
pub fn counts_text(counts: &std::collections::BTreeMap<Outcome, usize>) -> String {
    counts
        .iter()
        .map(|(o, n)| format!("{n} {}", o.label()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Per peer, items by outcome: `nas: 300 ok; chll: 299 ok, 1 corrupt`.
pub fn summary(all: &[Check]) -> Vec<(String, std::collections::BTreeMap<Outcome, usize>, u64)> {
    let mut by: std::collections::BTreeMap<
        String,
        (std::collections::BTreeMap<Outcome, usize>, u64),
    > = Default::default();
    for c in all {
        let e = by.entry(c.who().to_string()).or_default();
        *e.0.entry(c.outcome).or_default() += 1;
        e.1 += c.blocks;
    }
    by.into_iter().map(|(p, (m, b))| (p, m, b)).collect()
}

/// A peer that can be asked, and the gateway of its kubo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub name: String,
    pub peer_id: String,
    pub gateway: Url,
    /// How the gateway was found when the configuration does not name it,
    /// said beside any failure so the operator knows what to set.
    pub guessed: Option<String>,
}

/// Who can be asked: the members, each one's gateway as [`holders_for`]
/// finds it, and the peer that answers the API (from `/id`).
pub struct Reach {
    pub members: Vec<crate::cluster::types::PeerId>,
    pub holders: Vec<Holder>,
    pub answering: Option<String>,
}

pub async fn reach(client: &ClusterClient, nodes: &[Node]) -> Result<Reach, super::ClientError> {
    let members = client.members().await?;
    let answering = client.id().await.ok().map(|p| p.id);
    let holders = holders_for(
        nodes,
        &members,
        answering.as_deref(),
        &client.default_gateway(),
    );
    Ok(Reach {
        members,
        holders,
        answering,
    })
}

/// Every member that can be asked, each through its kubo's gateway: the
/// configuration's node for it (by peer ID, else by name); else, for the
/// peer that answers the API (`answering`, from `/id`), the gateway the
/// client already uses; else ccs's own rule, port 8080 at the peer's address
/// (its cluster multiaddrs, as `/peers` lists them). The seed's minimal
/// configuration names no nodes, and an audit still reaches every peer.
pub fn holders_for(
    nodes: &[Node],
    members: &[crate::cluster::types::PeerId],
    answering: Option<&str>,
    client_gateway: &Url,
) -> Vec<Holder> {
    let pairs: Vec<(String, String)> = members
        .iter()
        .map(|p| (p.id.clone(), p.peername.clone()))
        .collect();
    let mut out = holders(nodes, &pairs);
    for m in members {
        if out.iter().any(|h| h.peer_id == m.id) {
            continue;
        }
        let name = if m.peername.is_empty() {
            m.id.clone()
        } else {
            m.peername.clone()
        };
        let (gateway, how) = if answering == Some(m.id.as_str()) {
            (
                client_gateway.clone(),
                "the gateway this client uses: it answers the API".to_string(),
            )
        } else if let Some(u) = address_gateway(&m.addresses) {
            (u, "ccs's port 8080 at the address it announces".to_string())
        } else {
            continue;
        };
        out.push(Holder {
            guessed: Some(format!(
                "gateway {gateway} ({how}; nodes.{name}.gateway in the configuration sets it)"
            )),
            name,
            peer_id: m.id.clone(),
            gateway,
        });
    }
    out
}

/// `http://ADDR:8080/` from a peer's multiaddrs: the first routable one,
/// else a loopback one; never an unspecified or link-local address.
pub fn address_gateway(addrs: &[String]) -> Option<Url> {
    use super::exposure::{classify, host_of, AddrClass};
    let mut loopback = None;
    for a in addrs {
        let (Some((proto, host)), Some(class)) = (host_of(a), classify(a)) else {
            continue;
        };
        if matches!(class, AddrClass::Unspecified | AddrClass::LinkLocal) {
            continue;
        }
        let host = if proto == "ip6" {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        let Ok(u) = Url::parse(&format!("http://{host}:8080/")) else {
            continue;
        };
        if class != AddrClass::Loopback && host != "localhost" {
            return Some(u);
        }
        loopback.get_or_insert(u);
    }
    loopback
}

/// What one peer's copy of one item is. Ordered by gravity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    /// The peer could not be asked (down, no gateway known, failing).
    Unreachable,
    /// The peer does not have (all of) it.
    Missing,
    /// The peer has it and it is not what the CID names.
    Corrupt,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Unreachable => "unreachable",
            Outcome::Missing => "missing",
            Outcome::Corrupt => "corrupt",
        }
    }
}

/// One peer's copy of one item, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub peer: String,
    pub peer_id: String,
    pub cid: String,
    pub name: String,
    pub outcome: Outcome,
    /// Blocks verified.
    pub blocks: u64,
    /// What went wrong, naming the block and the gateway.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

impl Check {
    /// The peer, by name when known.
    pub fn who(&self) -> &str {
        if self.peer.is_empty() {
            &self.peer_id
        } else {
            &self.peer
        }
    }
}

/// How much of each item to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Every block.
    Full,
    /// One random path from the root to a leaf: a spot check.
    Sample,
}

/// The peers that should hold an item with `allocations`: those, or
/// (pinned everywhere) every holder; with those the configuration does not
/// name.
pub fn holders_of<'a>(
    allocations: &[String],
    holders: &'a [Holder],
    members: &[(String, String)],
) -> Vec<Result<&'a Holder, (String, String)>> {
    let ids: Vec<String> = if allocations.is_empty() {
        members.iter().map(|(id, _)| id.clone()).collect()
    } else {
        allocations.to_vec()
    };
    ids.into_iter()
        .map(|id| {
            holders.iter().find(|h| h.peer_id == id).ok_or_else(|| {
                let name = members
                    .iter()
                    .find(|(m, _)| *m == id)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default();
                (id, name)
            })
        })
        .collect()
}

/// Checks one item on one peer. Each distinct block is asked for once: an
/// item of four blocks, each linking the one before twenty times, is four
/// requests, not the 8,421 a walk of its links would make.
pub async fn check(dag: &Dag, root: &Cid, depth: Depth, seed: u64) -> (Outcome, u64, String) {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    let mut blocks = 0u64;
    let mut seen = dag::Seen::default();
    seen.first(root);
    let mut todo = vec![*root];
    while let Some(c) = todo.pop() {
        let node = match dag.node(&c).await {
            Ok(n) => n,
            Err(e) => return (outcome_of(&e), blocks, e.to_string()),
        };
        blocks += 1;
        let mut next = node.links();
        match depth {
            Depth::Full => {
                // Depth first, in order: a peer missing a file's tail is
                // found as surely as one missing its root.
                next.retain(|c| seen.first(c));
                next.reverse();
                todo.extend(next);
            }
            Depth::Sample => {
                // One path down; a block met before would only loop back.
                if let Some(c) = next.choose(&mut rng).filter(|c| seen.first(c)) {
                    todo.push(*c);
                }
            }
        }
    }
    (Outcome::Ok, blocks, String::new())
}

fn outcome_of(e: &BlockError) -> Outcome {
    match e {
        BlockError::Corrupt { .. } => Outcome::Corrupt,
        BlockError::Missing { .. } => Outcome::Missing,
        BlockError::Unreachable { .. } => Outcome::Unreachable,
        // A verified block this reader cannot follow is still the archive's:
        // what could be checked was fine.
        BlockError::Malformed { .. }
        | BlockError::NoSuchPath { .. }
        | BlockError::NotA { .. }
        | BlockError::Limit { .. } => Outcome::Ok,
    }
}

/// An audit run: the items, the holders, how deep.
pub struct Audit {
    pub client: Arc<ClusterClient>,
    pub holders: Vec<Holder>,
    /// Member peers (ID, name), for items pinned everywhere and for names.
    pub members: Vec<(String, String)>,
    pub depth: Depth,
    /// Only this peer (name or ID).
    pub peer: Option<String>,
    pub seed: u64,
}

impl Audit {
    /// Checks `pins`, each on every peer that should hold it, a few items
    /// at a time; `on_item` hears each item's checks as it completes.
    pub async fn run(&self, pins: Vec<Target>, mut on_item: impl FnMut(Vec<Check>)) {
        let mut s = futures_util::stream::iter(pins.into_iter().enumerate())
            .map(|(i, pin)| async move { self.item(&pin, i as u64).await })
            .buffer_unordered(4);
        while let Some(checks) = s.next().await {
            on_item(checks);
        }
    }

    async fn item(&self, pin: &Target, i: u64) -> Vec<Check> {
        let Ok(root) = crate::unixfs::parse_cid(&pin.cid) else {
            return Vec::new();
        };
        let wanted = holders_of(&pin.allocations, &self.holders, &self.members);
        let jobs = wanted.into_iter().filter(|h| match (&self.peer, h) {
            (None, _) => true,
            (Some(p), Ok(h)) => h.name == *p || h.peer_id == *p,
            (Some(p), Err((id, name))) => name == p || id == p,
        });
        let seed = self.seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let checks = jobs.map(|h| async move {
            match h {
                Ok(h) => {
                    let mut dag = Dag::new(self.client.clone(), h.gateway.clone());
                    dag.only_if_cached = true;
                    let (outcome, blocks, detail) = check(&dag, &root, self.depth, seed).await;
                    // Name the peer, not only its gateway's address.
                    let label = dag.gateway_label();
                    let mut detail = detail.replacen(&label, &format!("{} ({label})", h.name), 1);
                    if let (false, Some(how)) = (detail.is_empty(), &h.guessed) {
                        detail = format!("{detail}; {how}");
                    }
                    Check {
                        peer: h.name.clone(),
                        peer_id: h.peer_id.clone(),
                        cid: pin.cid.clone(),
                        name: pin.name.clone(),
                        outcome,
                        blocks,
                        detail,
                    }
                }
                Err((id, name)) => Check {
                    peer: name,
                    peer_id: id,
                    cid: pin.cid.clone(),
                    name: pin.name.clone(),
                    outcome: Outcome::Unreachable,
                    blocks: 0,
                    detail: "no gateway known for this peer (it announces no address): give nodes.NAME.gateway in the configuration".into(),
                },
            }
        });
        futures_util::future::join_all(checks).await
    }
}

/// What an audit needs of an item. A whole pin is a kilobyte and more;
/// this is about a tenth, its allocation set shared with the items that
/// have the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub cid: String,
    pub name: String,
    pub allocations: Arc<[String]>,
}

/// The items to audit, gathered as the pinset streams in: every one
/// (compact), or `sample` of them at random, kept in a reservoir: the
/// memory of the sample alone, however long the pinset.
pub struct Targets {
    sample: Option<usize>,
    rng: rand::rngs::SmallRng,
    seen: u64,
    items: Vec<Target>,
    sets: HashSet<Arc<[String]>>,
}

impl Targets {
    pub fn new(sample: Option<usize>, seed: u64) -> Self {
        Targets {
            sample,
            rng: rand::rngs::SmallRng::seed_from_u64(seed),
            seen: 0,
            items: Vec::new(),
            sets: HashSet::new(),
        }
    }

    pub fn push(&mut self, p: &Pin) {
        let k = self.seen;
        self.seen += 1;
        let at = match self.sample {
            Some(n) if self.items.len() >= n => {
                // Algorithm R: the k-th item replaces one of the n with
                // probability n/(k+1).
                let j = self.rng.gen_range(0..=k);
                match usize::try_from(j).ok().filter(|j| *j < n) {
                    Some(j) => Some(j),
                    None => return,
                }
            }
            _ => None,
        };
        let set = match self.sets.get(&p.allocations[..]) {
            Some(s) => s.clone(),
            None => {
                let s: Arc<[String]> = p.allocations.to_vec().into();
                self.sets.insert(s.clone());
                s
            }
        };
        let t = Target {
            cid: p.cid.clone(),
            name: p.name.clone(),
            allocations: set,
        };
        match at {
            Some(j) => self.items[j] = t,
            None => self.items.push(t),
        }
    }

    /// The items, in a random order when sampled.
    pub fn finish(mut self) -> Vec<Target> {
        if self.sample.is_some() {
            self.items.shuffle(&mut self.rng);
        }
        self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::gojson::List;

    fn pin(k: usize) -> Pin {
        Pin {
            cid: format!("Qm{k:06}"),
            name: format!("item-{k}"),
            allocations: List::from(vec![format!("peer-{}", k % 3), "peer-x".to_string()]),
            ..Default::default()
        }
    }

    #[test]
    fn every_item_is_kept_compact_with_its_allocation_set_shared() {
        let mut t = Targets::new(None, 7);
        for k in 0..30 {
            t.push(&pin(k));
        }
        let items = t.finish();
        assert_eq!(items.len(), 30);
        assert_eq!(items[4].cid, "Qm000004", "in pinset order");
        assert!(Arc::ptr_eq(&items[1].allocations, &items[4].allocations));
        assert_eq!(&items[1].allocations[..], ["peer-1", "peer-x"]);
    }

    /// A sample is `n` distinct items, and every item has its chance: over
    /// many seeds each is picked about n/N of the time.
    #[test]
    fn a_sample_is_drawn_from_the_whole_stream() {
        let (n, total, runs) = (5, 50, 4000);
        let mut picked = vec![0u32; total];
        for seed in 0..runs {
            let mut t = Targets::new(Some(n), seed);
            for k in 0..total {
                t.push(&pin(k));
            }
            let items = t.finish();
            let mut cids: Vec<&str> = items.iter().map(|i| i.cid.as_str()).collect();
            cids.sort_unstable();
            cids.dedup();
            assert_eq!(cids.len(), n);
            for i in &items {
                picked[i.cid[2..].parse::<usize>().unwrap()] += 1;
            }
        }
        // Expected 400 each; a fair draw stays well within 300..500.
        let expect = (runs as usize * n / total) as u32;
        for (k, c) in picked.iter().enumerate() {
            assert!(c.abs_diff(expect) < 100, "item {k}: {c} of {expect}");
        }
        let mut few = Targets::new(Some(10), 1);
        for k in 0..3 {
            few.push(&pin(k));
        }
        assert_eq!(few.finish().len(), 3, "fewer items than the sample: all");
    }
}

#[cfg(test)]
mod gateway_tests {
    use super::address_gateway;

    #[test]
    fn a_peers_gateway_is_port_8080_at_its_routable_address() {
        let g = |a: &[&str]| {
            address_gateway(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .map(|u| u.to_string())
        };
        assert_eq!(
            g(&[
                "/ip4/127.0.0.1/tcp/9096/p2p/X",
                "/ip4/100.64.0.31/tcp/9096/p2p/X"
            ]),
            Some("http://100.64.0.31:8080/".into())
        );
        assert_eq!(
            g(&["/ip4/127.0.0.1/tcp/9096"]),
            Some("http://127.0.0.1:8080/".into())
        );
        assert_eq!(
            g(&["/ip6/fd7a:115c:a1e0::1/tcp/9096"]),
            Some("http://[fd7a:115c:a1e0::1]:8080/".into())
        );
        assert_eq!(
            g(&["/dns4/nas.tailnet.ts.net/tcp/9096"]),
            Some("http://nas.tailnet.ts.net:8080/".into())
        );
        assert_eq!(
            g(&["/ip4/0.0.0.0/tcp/9096", "/ip4/169.254.1.1/tcp/9096"]),
            None
        );
        assert_eq!(g(&[]), None);
    }
}
