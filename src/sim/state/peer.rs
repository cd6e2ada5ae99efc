//! A cluster peer and its kubo: who it is, where it listens, what it
//! stores outside the pinset.

use std::collections::BTreeSet;
use std::time::Instant;

use rand::Rng;

#[derive(Debug, Clone)]
pub struct SimPeer {
    pub id: String,
    pub name: String,
    pub ipfs_id: String,
    pub ip: String,
    pub free_space: u64,
    /// Why the peer does not answer, when it is offline.
    pub offline: Option<String>,
    /// When it went offline; `None` for a peer offline since before the start.
    pub offline_since: Option<Instant>,
    /// Its IPFS daemon is stopped: the cluster peer is up but cannot pin.
    pub ipfs_down: bool,
    /// Bytes its copies took since the start (negative: it released more
    /// than it took); the free space it reports moves with them.
    pub used: i64,
    /// Addresses its kubo announces besides its own tailnet one (a public
    /// address: a member who broke the archive's privacy).
    pub announces: Vec<String>,
    /// Items (root CIDs) its kubo still stores without a cluster pin: unpinned
    /// and not yet collected, or fetched for someone through its gateway.
    pub cached: BTreeSet<String>,
    /// Items its kubo pins outside the cluster (`ipfs pin add` on the node):
    /// garbage collection keeps them.
    pub kubo_pins: BTreeSet<String>,
}

impl SimPeer {
    /// The `freespace` metric: what the disk had, less the copies it took.
    pub fn free_now(&self) -> u64 {
        u64::try_from((self.free_space as i64).saturating_sub(self.used)).unwrap_or(0)
    }
}

impl SimPeer {
    pub fn addresses(&self) -> Vec<String> {
        vec![
            format!("/ip4/{}/tcp/9096/p2p/{}", self.ip, self.id),
            format!("/ip4/{}/udp/9096/quic-v1/p2p/{}", self.ip, self.id),
        ]
    }
    pub fn ipfs_addresses(&self) -> Vec<String> {
        let mut v = vec![format!("/ip4/{}/tcp/4001/p2p/{}", self.ip, self.ipfs_id)];
        v.extend(
            self.announces
                .iter()
                .map(|a| format!("{a}/p2p/{}", self.ipfs_id)),
        );
        v
    }
}

/// A deterministic libp2p ed25519 peer ID (`12D3KooW…`).
pub fn ed25519_peer_id(rng: &mut impl Rng) -> String {
    let mut bytes = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
    let key: [u8; 32] = rng.gen();
    bytes.extend_from_slice(&key);
    bs58::encode(bytes).into_string()
}

/// A deterministic RSA-style peer ID (`Qm…`), as older kubo nodes have.
pub fn rsa_peer_id(rng: &mut impl Rng) -> String {
    let mut bytes = vec![0x12, 0x20];
    let digest: [u8; 32] = rng.gen();
    bytes.extend_from_slice(&digest);
    bs58::encode(bytes).into_string()
}
