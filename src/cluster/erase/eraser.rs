//! The eraser: one cluster, its members and their gateways, and how long
//! to wait for them; and the stages an erase reports as it goes.

use std::sync::Arc;
use std::time::Duration;

use crate::cluster::audit::Holder;
use crate::cluster::types::PeerId;
use crate::cluster::ClusterClient;

/// Runs erases and checks against one cluster.
pub struct Eraser {
    pub client: Arc<ClusterClient>,
    /// Every member with the gateway of its kubo.
    pub holders: Vec<Holder>,
    pub members: Vec<PeerId>,
    /// How long to wait for every peer to let go of the pin.
    pub wait: Duration,
    /// How long to keep collecting again where blocks remain that nothing
    /// explains (a kubo still unpinning), before reporting them.
    pub settle: Duration,
}

/// How an erase is going, for a progress line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    Unpinning,
    Collecting,
    Verifying { done: usize, total: usize },
}

impl Stage {
    pub fn text(&self) -> String {
        match self {
            Stage::Unpinning => "unpinning, waiting for every peer to let go".into(),
            Stage::Collecting => "collecting garbage on every peer".into(),
            Stage::Verifying { done, total } => format!("asking the peers: {done}/{total}"),
        }
    }
}
