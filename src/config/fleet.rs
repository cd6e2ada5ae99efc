//! The fleet a stewardship plan works over, from the configuration as ccs
//! v0.4 has it and the cluster's members.

use super::FileConfig;
use crate::cluster::steward::fleet::BoundsFrom;
use crate::cluster::steward::{Fleet, Node};
use crate::cluster::types::PeerId;

/// ccs's defaults for `replication_min` / `replication_max`.
const REPLICATION: (usize, usize) = (3, 5);

/// The configured nodes, each with its `peer_id`, else the member of its
/// name (a node neither names is left out, as ccs leaves out nodes without
/// a peer ID). A configuration that names no nodes at all gives every
/// member, with no reserve: otherwise every allocation would count as an
/// orphan.
/// The fleet as the cluster stands now: its members (listed, or missing by
/// an alert) with their fresh free space, and the configuration's rules.
pub async fn fleet_now(
    client: &crate::cluster::ClusterClient,
    file: &FileConfig,
) -> Result<(Fleet, Vec<PeerId>), crate::cluster::ClientError> {
    let members = client.members().await?;
    let metrics = client.metrics("freespace").await?;
    Ok((fleet(file, &members).with_metrics(&metrics), members))
}

pub fn fleet(file: &FileConfig, members: &[PeerId]) -> Fleet {
    let id_of = |name: &str| -> Option<String> {
        file.nodes
            .get(name)
            .and_then(|n| n.peer_id().map(String::from))
            .or_else(|| {
                members
                    .iter()
                    .find(|m| m.peername == name)
                    .map(|m| m.id.clone())
            })
    };
    let nodes: Vec<Node> = if file.nodes.is_empty() {
        members
            .iter()
            .map(|m| Node::new(&m.peername, &m.id, 0))
            .collect()
    } else {
        file.nodes
            .iter()
            .filter_map(|(name, spec)| Some(Node::new(name, &id_of(name)?, spec.reserved_min_gb())))
            .collect()
    };
    let backup = file
        .cluster
        .backup_node
        .as_deref()
        .or(file.backup_node.as_deref())
        .and_then(id_of);
    let primaries = file
        .profiles
        .iter()
        .filter_map(|(org, p)| Some((org.clone(), id_of(p.primary.as_deref()?)?)))
        .collect();
    let count = |v: Option<i32>, d: usize| v.and_then(|v| usize::try_from(v).ok()).unwrap_or(d);
    Fleet {
        nodes,
        free: Default::default(),
        backup,
        primaries,
        replication: (
            count(file.cluster.replication_min, REPLICATION.0),
            count(file.cluster.replication_max, REPLICATION.1),
        ),
        members: members.iter().map(|m| m.id.clone()).collect(),
        listed: members
            .iter()
            .filter(|m| m.error.is_empty())
            .map(|m| m.id.clone())
            .collect(),
        bounds_from: if file.cluster.replication_min.is_some()
            || file.cluster.replication_max.is_some()
        {
            BoundsFrom::Configuration
        } else {
            BoundsFrom::ItemsOwn
        },
    }
}

/// Which org runs each node (by node name): `nodes.N.org`, else the one
/// profile naming it primary. A node primary for several orgs, or for none
/// (the shared backup), has no org of its own.
pub fn node_orgs(file: &FileConfig) -> Vec<(String, String)> {
    use super::NodeSpec;
    let mut out = Vec::new();
    let names = file
        .nodes
        .keys()
        .chain(file.profiles.values().filter_map(|p| p.primary.as_ref()));
    let mut seen: Vec<&String> = Vec::new();
    for name in names {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        if let Some(NodeSpec::Full { org: Some(o), .. }) = file.nodes.get(name) {
            out.push((name.clone(), o.clone()));
            continue;
        }
        let of: Vec<&String> = file
            .profiles
            .iter()
            .filter(|(_, p)| p.primary.as_ref() == Some(name))
            .map(|(o, _)| o)
            .collect();
        if let [one] = of.as_slice() {
            out.push((name.clone(), (*one).clone()));
        }
    }
    out
}
