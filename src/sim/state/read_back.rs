//! A peer (`/id`) and a pin as the API reads them back from the state.

use crate::cluster::gojson::{GoTime, List};
use crate::cluster::types::{IpfsId, PeerId, Pin};

use super::{PinRec, SimPeer, SimState, CLUSTER_VERSION, IPFS_REFUSED, RPC_PROTOCOL};

impl SimState {
    /// `GET /id` for a peer.
    pub fn peer_id_json(&self, idx: usize) -> PeerId {
        let p = &self.peers[idx];
        if let Some(err) = &p.offline {
            return PeerId {
                id: p.id.clone(),
                error: err.clone(),
                ..Default::default()
            };
        }
        // The peerset is who still sends heartbeats.
        let members: Vec<&SimPeer> = (0..self.peers.len())
            .filter(|i| !self.gone(*i))
            .map(|i| &self.peers[i])
            .collect();
        let others: Vec<&SimPeer> = members.iter().copied().filter(|o| o.id != p.id).collect();
        let ipfs = if p.ipfs_down {
            IpfsId {
                id: String::new(),
                addresses: List::null(),
                error: format!("Post \"http://127.0.0.1:5001/api/v0/id\": {IPFS_REFUSED}"),
            }
        } else {
            IpfsId {
                id: p.ipfs_id.clone(),
                addresses: List::from(p.ipfs_addresses()),
                error: String::new(),
            }
        };
        PeerId {
            id: p.id.clone(),
            addresses: List::from(p.addresses()),
            cluster_peers: List::from(members.iter().map(|o| o.id.clone()).collect::<Vec<_>>()),
            cluster_peers_addresses: List::from(
                others
                    .iter()
                    .map(|o| format!("/ip4/{}/tcp/9096/p2p/{}", o.ip, o.id))
                    .collect::<Vec<_>>(),
            ),
            version: CLUSTER_VERSION.into(),
            commit: String::new(),
            rpc_protocol_version: RPC_PROTOCOL.into(),
            error: String::new(),
            ipfs,
            peername: p.name.clone(),
        }
    }

    /// The pin as read back from the state (protobuf round-trip shapes).
    pub fn pin_json(&self, rec: &PinRec) -> Pin {
        Pin {
            replication_factor_min: rec.rmin,
            replication_factor_max: rec.rmax,
            name: rec.name.clone(),
            mode: if rec.mode_direct {
                "direct"
            } else {
                "recursive"
            }
            .into(),
            shard_size: 0,
            user_allocations: List::null(),
            expire_at: if rec.expire_at == 0 {
                GoTime::zero()
            } else {
                self.secs_local(rec.expire_at)
            },
            metadata: rec.metadata_map(),
            pin_update: rec.pin_update.clone(),
            origins: List::empty(),
            cid: rec.cid.clone(),
            pin_type: "pin".into(),
            allocations: self.peer_ids(&rec.allocations),
            max_depth: if rec.mode_direct { 0 } else { -1 },
            reference: None,
            timestamp: self.secs_local(rec.timestamp),
        }
    }
}
