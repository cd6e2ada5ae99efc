//! Where an item is fetched from: the gateway of every peer that pins it.
//! Every block is checked against its CID, so any holder will do; using
//! them all spreads the load and lets a fetch outlive one of them.

use url::Url;

use crate::cluster::audit::{holders, Node};
use crate::cluster::gateway::host_label;
use crate::cluster::types::TrackerStatus;
use crate::cluster::{ClientError, ClusterClient};

/// One gateway a fetch may read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The peer's name, else the gateway's host:port.
    pub name: String,
    pub gateway: Url,
}

impl Source {
    pub fn of_gateway(gateway: Url) -> Self {
        Source {
            name: host_label(&gateway),
            gateway,
        }
    }
}

/// The gateways of the peers that pin `cid`, as the configuration names
/// them (`nodes.NAME.gateway`, else port 8080 of the node's host; never an
/// address guessed from what a peer announces). `from` keeps one peer, by
/// name or ID. When no configured peer pins it, the gateway beside the
/// answering peer when its store holds it (else an error that says so).
pub async fn sources(
    client: &ClusterClient,
    nodes: &[Node],
    cid: &str,
    from: Option<&str>,
) -> Result<Vec<Source>, ClientError> {
    let pinned: Vec<(String, String)> = match client.pin_status(cid, false).await {
        Ok(st) => st
            .peer_map
            .iter()
            .filter(|(_, p)| p.status == TrackerStatus::Pinned)
            .map(|(id, p)| (id.clone(), p.peername.clone()))
            .collect(),
        Err(_) => Vec::new(),
    };
    let mut out: Vec<Source> = Vec::new();
    let pins = |id: &str| pinned.iter().any(|(p, _)| p == id);
    for h in holders(nodes, &pinned)
        .into_iter()
        .filter(|h| pins(&h.peer_id))
    {
        if !out.iter().any(|s| s.gateway == h.gateway) {
            out.push(Source {
                name: h.name,
                gateway: h.gateway,
            });
        }
    }
    if let Some(want) = from {
        let by_id = pinned
            .iter()
            .find(|(id, name)| id == want || name == want)
            .map(|(_, name)| name.clone());
        let name = by_id.unwrap_or_else(|| want.to_string());
        out.retain(|s| s.name == name);
        if out.is_empty() {
            let held: Vec<&str> = pinned.iter().map(|(_, n)| n.as_str()).collect();
            let known = nodes.iter().any(|n| n.name == name);
            return Err(ClientError::Io {
                path: format!("--from {want}"),
                message: match (known, held.is_empty()) {
                    (false, _) => {
                        let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
                        format!(
                            "no peer of that name or ID has a gateway here (known: {})",
                            names.join(", ")
                        )
                    }
                    (true, true) => format!("no peer pins {cid}"),
                    (true, false) => {
                        format!("it does not pin {cid} (pinned on {})", held.join(", "))
                    }
                },
            });
        }
        return Ok(out);
    }
    if out.is_empty() {
        // Nobody pins it: the gateway beside the answering peer, if its
        // store holds it (a file or folder inside a pinned item does);
        // asked plainly, kubo would look for it for 30 s and time out.
        let gw = client.default_gateway();
        if let Ok(false) = client.gateway_holds(&gw, cid).await {
            return Err(ClientError::Io {
                path: cid.to_string(),
                message: format!(
                    "no peer pins it, and the gateway at {} does not hold it: is it in the pinset? ccs-tui status {cid}",
                    host_label(&gw)
                ),
            });
        }
        out.push(Source::of_gateway(gw));
    }
    Ok(out)
}
