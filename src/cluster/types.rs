//! The REST API's types, fields in the order `api/types.go` declares them.
//!
//! Every nullable list or map is a [`List`]/[`Map`] so the simulator can send
//! exactly what Go sends and the client can treat `null` and `[]` alike.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::gojson::{map_serde, GoTime, List, Map};

fn is_empty_str(s: &str) -> bool {
    s.is_empty()
}
fn is_zero(n: &u64) -> bool {
    *n == 0
}
fn list_is_empty<T>(l: &List<T>) -> bool {
    l.is_empty()
}

/// `GET /version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub version: String,
}

/// `ID.ipfs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IpfsId {
    #[serde(skip_serializing_if = "is_empty_str")]
    pub id: String,
    pub addresses: List<String>,
    pub error: String,
}

/// A cluster peer (`GET /id`, each line of `GET /peers`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerId {
    pub id: String,
    pub addresses: List<String>,
    pub cluster_peers: List<String>,
    pub cluster_peers_addresses: List<String>,
    pub version: String,
    pub commit: String,
    pub rpc_protocol_version: String,
    pub error: String,
    pub ipfs: IpfsId,
    pub peername: String,
}

/// A pin as stored in the shared state (`/allocations`, `POST`/`DELETE /pins`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Pin {
    pub replication_factor_min: i32,
    pub replication_factor_max: i32,
    pub name: String,
    pub mode: String,
    pub shard_size: u64,
    pub user_allocations: List<String>,
    pub expire_at: GoTime,
    #[serde(with = "map_serde")]
    pub metadata: Map,
    pub pin_update: Option<String>,
    pub origins: List<String>,
    pub cid: String,
    #[serde(rename = "type")]
    pub pin_type: String,
    pub allocations: List<String>,
    pub max_depth: i32,
    pub reference: Option<String>,
    pub timestamp: GoTime,
}

/// How an item is named to the operator: its name, or its CID when it has
/// none.
pub fn item_label<'a>(name: &'a str, cid: &'a str) -> &'a str {
    if name.is_empty() {
        cid
    } else {
        name
    }
}

impl Pin {
    /// The item's `size` metadata (ccs sets it on add), when it has one.
    pub fn size(&self) -> Option<u64> {
        self.metadata
            .get("size")
            .and_then(|s| s.trim().parse().ok())
    }
}

impl Default for Pin {
    fn default() -> Self {
        Self {
            replication_factor_min: 0,
            replication_factor_max: 0,
            name: String::new(),
            mode: "recursive".into(),
            shard_size: 0,
            user_allocations: List::null(),
            expire_at: GoTime::zero(),
            metadata: Map::null(),
            pin_update: None,
            origins: List::null(),
            cid: String::new(),
            pin_type: "pin".into(),
            allocations: List::null(),
            max_depth: -1,
            reference: None,
            timestamp: GoTime::zero(),
        }
    }
}

/// Per-peer tracker status. Bit values are the ones filters use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrackerStatus {
    Undefined,
    ClusterError,
    PinError,
    UnpinError,
    Pinned,
    Pinning,
    Unpinning,
    Unpinned,
    Remote,
    PinQueued,
    UnpinQueued,
    Sharded,
    UnexpectedlyUnpinned,
}

impl TrackerStatus {
    pub const ALL: [TrackerStatus; 13] = [
        Self::Undefined,
        Self::ClusterError,
        Self::PinError,
        Self::UnpinError,
        Self::Pinned,
        Self::Pinning,
        Self::Unpinning,
        Self::Unpinned,
        Self::Remote,
        Self::PinQueued,
        Self::UnpinQueued,
        Self::Sharded,
        Self::UnexpectedlyUnpinned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Undefined => "undefined",
            Self::ClusterError => "cluster_error",
            Self::PinError => "pin_error",
            Self::UnpinError => "unpin_error",
            Self::Pinned => "pinned",
            Self::Pinning => "pinning",
            Self::Unpinning => "unpinning",
            Self::Unpinned => "unpinned",
            Self::Remote => "remote",
            Self::PinQueued => "pin_queued",
            Self::UnpinQueued => "unpin_queued",
            Self::Sharded => "sharded",
            Self::UnexpectedlyUnpinned => "unexpectedly_unpinned",
        }
    }

    /// The bit used in `filter=` math.
    pub fn bit(self) -> u32 {
        match self {
            Self::Undefined => 0,
            Self::ClusterError => 1 << 1,
            Self::PinError => 1 << 2,
            Self::UnpinError => 1 << 3,
            Self::Pinned => 1 << 4,
            Self::Pinning => 1 << 5,
            Self::Unpinning => 1 << 6,
            Self::Unpinned => 1 << 7,
            Self::Remote => 1 << 8,
            Self::PinQueued => 1 << 9,
            Self::UnpinQueued => 1 << 10,
            Self::Sharded => 1 << 11,
            Self::UnexpectedlyUnpinned => 1 << 12,
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// As `ipfs-cluster-ctl` prints it: `PIN_ERROR`.
    pub fn upper(self) -> String {
        self.as_str().to_ascii_uppercase()
    }

    /// What `recover` re-queues (the daemon's rule).
    pub fn is_recoverable(self) -> bool {
        matches!(
            self,
            Self::PinError | Self::UnpinError | Self::UnexpectedlyUnpinned
        )
    }

    pub fn is_error(self) -> bool {
        matches!(
            self,
            Self::ClusterError | Self::PinError | Self::UnpinError | Self::UnexpectedlyUnpinned
        )
    }
}

impl fmt::Display for TrackerStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TrackerStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TrackerStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        // A status this build does not know reads as undefined rather than
        // failing the whole stream.
        Ok(Self::parse(&s).unwrap_or(Self::Undefined))
    }
}

/// `filter=` for the items `recover` would re-queue.
pub const RECOVERABLE_FILTER: &str = "pin_error,unpin_error,unexpectedly_unpinned";

/// `filter=` for everything not (yet) fully pinned, without the statuses that
/// make every peer run a full `ipfs pin ls` (pinned, remote).
pub const PROBLEM_FILTER: &str = "pin_error,unpin_error,unexpectedly_unpinned,pinning,queued";

/// Parses a `filter=` value as the daemon does: names and the aliases `error`
/// and `queued`; unknown names are dropped; all-unknown is an error (`None`).
pub fn parse_status_filter(s: &str) -> Option<u32> {
    let mut bits = 0;
    let mut any = false;
    for part in s.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        any = true;
        bits |= match part {
            "error" => {
                TrackerStatus::ClusterError.bit()
                    | TrackerStatus::PinError.bit()
                    | TrackerStatus::UnpinError.bit()
            }
            "queued" => TrackerStatus::PinQueued.bit() | TrackerStatus::UnpinQueued.bit(),
            other => TrackerStatus::parse(other).map_or(0, TrackerStatus::bit),
        };
    }
    if !any {
        return Some(0);
    }
    (bits != 0).then_some(bits)
}

/// The daemon's match rule: an empty filter, or an undefined status, or a shared bit.
pub fn status_matches(filter: u32, st: TrackerStatus) -> bool {
    filter == 0 || st == TrackerStatus::Undefined || st.bit() & filter != 0
}

/// `peer_map` values of a [`GlobalPinInfo`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PinInfoShort {
    pub peername: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub ipfs_peer_id: String,
    #[serde(skip_serializing_if = "list_is_empty")]
    pub ipfs_peer_addresses: List<String>,
    pub status: TrackerStatus,
    pub timestamp: GoTime,
    pub error: String,
    pub attempt_count: u32,
    pub priority_pin: bool,
}

impl Default for PinInfoShort {
    fn default() -> Self {
        Self {
            peername: String::new(),
            ipfs_peer_id: String::new(),
            ipfs_peer_addresses: List::null(),
            status: TrackerStatus::Undefined,
            timestamp: GoTime::zero(),
            error: String::new(),
            attempt_count: 0,
            priority_pin: false,
        }
    }
}

/// Replication state of one item across the cluster (`/pins`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GlobalPinInfo {
    pub cid: String,
    pub name: String,
    pub allocations: List<String>,
    pub origins: List<String>,
    pub created: GoTime,
    #[serde(with = "map_serde")]
    pub metadata: Map,
    /// Keyed by cluster peer ID; sorted, as Go sorts map keys.
    pub peer_map: std::collections::BTreeMap<String, PinInfoShort>,
}

impl GlobalPinInfo {
    /// Count of peers in each status, for "2/3 pinned"-style summaries.
    pub fn count(&self, st: TrackerStatus) -> usize {
        self.peer_map.values().filter(|p| p.status == st).count()
    }
}

/// One line of `/add` output.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AddedOutput {
    pub name: String,
    pub cid: Option<String>,
    #[serde(skip_serializing_if = "is_zero")]
    pub bytes: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub size: u64,
    #[serde(skip_serializing_if = "list_is_empty")]
    pub allocations: List<String>,
}

/// A monitor metric (`/monitor/metrics/{name}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Metric {
    pub name: String,
    pub peer: String,
    pub value: String,
    pub expire: i64,
    pub valid: bool,
    pub weight: i64,
    pub partitionable: bool,
    pub received_at: i64,
}

/// `/health/alerts` entries: a metric plus when it triggered (Go embeds
/// `Metric`, so its fields come first, inline).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    #[serde(flatten)]
    pub metric: Metric,
    #[serde(default)]
    pub triggered_at: GoTime,
}

/// `POST /ipfs/gc`: what each peer's kubo collected (`GlobalRepoGC`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GlobalRepoGc {
    /// By cluster peer ID (a Go map: any order).
    pub peer_map: std::collections::BTreeMap<String, RepoGc>,
}

/// One peer's collection: the blocks removed, or why it could not run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RepoGc {
    pub peer: String,
    pub peername: String,
    pub keys: List<RepoGcKey>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub error: String,
}

/// One block removed (`key`), or an error kubo met on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RepoGcKey {
    pub key: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub error: String,
}

/// A collection's answer as the client keeps it: per peer, how many blocks
/// were removed and the first errors, never the list itself (a large store
/// collects millions of blocks).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RepoGcSummary {
    pub peer_map: std::collections::BTreeMap<String, RepoGcPeer>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RepoGcPeer {
    pub peer: String,
    pub peername: String,
    pub keys: KeyTally,
    pub error: String,
}

/// `keys`, counted as they are read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyTally {
    /// Blocks removed.
    pub removed: usize,
    /// Entries that carry an error instead of a key, and the first of them.
    pub errors: usize,
    pub first_errors: Vec<String>,
}

impl<'de> Deserialize<'de> for KeyTally {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = KeyTally;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of collected keys, or null")
            }
            fn visit_unit<E>(self) -> Result<KeyTally, E> {
                Ok(KeyTally::default())
            }
            fn visit_none<E>(self) -> Result<KeyTally, E> {
                Ok(KeyTally::default())
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<KeyTally, A::Error> {
                let mut t = KeyTally::default();
                while let Some(k) = seq.next_element::<RepoGcKey>()? {
                    if k.key.is_some() {
                        t.removed += 1;
                    } else if !k.error.is_empty() {
                        t.errors += 1;
                        if t.first_errors.len() < 3 {
                            t.first_errors.push(k.error);
                        }
                    }
                }
                Ok(t)
            }
        }
        d.deserialize_any(V)
    }
}

/// `{"code":…,"message":…}` error bodies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiError {
    pub code: u16,
    pub message: String,
}

/// `POST /token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    pub token: String,
}

/// PinOptions as sent in the query string (`PinOptions.ToQuery`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PinOptions {
    pub name: Option<String>,
    pub replication_min: Option<i32>,
    pub replication_max: Option<i32>,
    pub user_allocations: Vec<String>,
    pub mode: Option<String>,
    pub expire_at: Option<String>,
    pub metadata: Vec<(String, String)>,
    pub pin_update: Option<String>,
}

impl PinOptions {
    pub fn to_query(&self) -> Vec<(String, String)> {
        let mut q = Vec::new();
        if let Some(n) = &self.name {
            q.push(("name".into(), n.clone()));
        }
        if let Some(m) = &self.mode {
            q.push(("mode".into(), m.clone()));
        }
        if let Some(v) = self.replication_min {
            q.push(("replication-min".into(), v.to_string()));
        }
        if let Some(v) = self.replication_max {
            q.push(("replication-max".into(), v.to_string()));
        }
        if !self.user_allocations.is_empty() {
            q.push(("user-allocations".into(), self.user_allocations.join(",")));
        }
        if let Some(e) = &self.expire_at {
            q.push(("expire-at".into(), e.clone()));
        }
        if let Some(p) = &self.pin_update {
            q.push(("pin-update".into(), p.clone()));
        }
        for (k, v) in &self.metadata {
            q.push((format!("meta-{k}"), v.clone()));
        }
        q
    }
}

#[cfg(test)]
mod repo_gc_tests {
    use super::RepoGcSummary;

    /// The answer's shape (fixture from the daemon's API), counted: the
    /// keys are never held, an entry with an error is counted apart.
    #[test]
    fn a_collection_is_counted_not_kept() {
        let text = r#"{"peer_map":{"12D3KooWGHTKzeT4KaLGLrbKKyT8zKrBPXAUBRzCAN6ZMDMo4M6M":{"peer":"12D3KooWGHTKzeT4KaLGLrbKKyT8zKrBPXAUBRzCAN6ZMDMo4M6M","peername":"cluster0","keys":[{"key":"QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq"},{"key":null,"error":"some gc error"}]},"p2":{"peer":"p2","peername":"x","keys":null,"error":"dial backoff"}}}"#;
        let s: RepoGcSummary = serde_json::from_str(text).unwrap();
        let a = &s.peer_map["12D3KooWGHTKzeT4KaLGLrbKKyT8zKrBPXAUBRzCAN6ZMDMo4M6M"];
        assert_eq!((a.keys.removed, a.keys.errors), (1, 1));
        assert_eq!(a.keys.first_errors, ["some gc error"]);
        assert_eq!(s.peer_map["p2"].error, "dial backoff");
        assert_eq!(s.peer_map["p2"].keys.removed, 0);
    }
}
