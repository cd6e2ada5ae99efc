//! What every kind of background work shares: the client, the channel back
//! to `update`, the tasks' cancel tokens, and what the configuration says.
//! The work itself is in a file of its own each (browse, audit, transfer,
//! changes, paths, steward, erase, capacity), reached through `dispatch`;
//! results come back as `Msg`s.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use crate::app::Msg;
use crate::cluster::dag::Dag;
use crate::cluster::ClusterClient;

/// The cancel tokens of the tasks running, by task ID.
pub(super) type Cancels = Arc<Mutex<HashMap<u64, tokio_util::sync::CancellationToken>>>;

pub struct Effects {
    pub(super) client: Arc<ClusterClient>,
    pub(super) tx: mpsc::Sender<Msg>,
    pub(super) cancels: Cancels,
    /// The nodes and their gateways, for audits (from the configuration).
    pub(super) nodes: Vec<crate::cluster::audit::Node>,
    /// Which configuration and user the console runs as (for the removal
    /// log).
    pub(super) origin: Arc<(String, String)>,
    /// The configuration's stewardship rules (nodes, reserves, backup,
    /// primaries, replication), for rebalance and drain.
    pub(super) config: Arc<crate::config::FileConfig>,
}

impl Effects {
    pub fn new(client: Arc<ClusterClient>, tx: mpsc::Sender<Msg>) -> Self {
        Self {
            client,
            tx,
            cancels: Arc::new(Mutex::new(HashMap::new())),
            nodes: Vec::new(),
            config: Arc::default(),
            origin: Arc::default(),
        }
    }

    /// Which configuration and user the console runs as.
    pub fn with_origin(mut self, config: String, user: String) -> Self {
        self.origin = Arc::new((config, user));
        self
    }

    /// What a spawned task needs of this.
    pub(super) fn clone_for_task(&self) -> Effects {
        Effects {
            client: self.client.clone(),
            tx: self.tx.clone(),
            cancels: self.cancels.clone(),
            nodes: self.nodes.clone(),
            config: self.config.clone(),
            origin: self.origin.clone(),
        }
    }

    /// The stewardship rules of the configuration.
    pub fn with_config(mut self, config: crate::config::FileConfig) -> Self {
        self.config = Arc::new(config);
        self
    }

    /// The nodes an audit asks, each through its own gateway.
    pub fn with_nodes(mut self, nodes: Vec<crate::cluster::audit::Node>) -> Self {
        self.nodes = nodes;
        self
    }

    /// The default gateway, then every node's: any verified copy will do.
    pub(super) fn dag(&self) -> Dag {
        Dag::new(self.client.clone(), self.client.default_gateway())
            .with_fallbacks(self.nodes.iter().map(|n| n.gateway.clone()))
    }
}
