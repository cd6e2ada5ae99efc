//! Which peers to talk to, in order (the first that answers is kept): `--host`,
//! then `--cluster-peername`, then the configuration's `default_node` and the
//! other nodes as failover; each with its gateway.

use super::{ConfigError, FileConfig, NodeSpec, Overrides};
use crate::cluster::{parse_host, Endpoint};

pub(super) fn resolve(
    o: &Overrides,
    file: &FileConfig,
    has_file: bool,
    shown_file: &str,
) -> Result<Vec<Endpoint>, ConfigError> {
    // Hosts: --host, then --cluster-peername, then default_node.
    // Each host with the gateway its node names, if any.
    let node_host = |name: &str| -> (String, Option<String>) {
        match file.nodes.get(name) {
            Some(n) => (n.host().to_string(), n.gateway().map(String::from)),
            None => (name.to_string(), None),
        }
    };
    let of_spec = |n: &NodeSpec| (n.host().to_string(), n.gateway().map(String::from));
    let raw: Vec<(String, Option<String>)> = if let Some(h) = &o.host {
        h.split(',').map(|s| node_host(s.trim())).collect()
    } else if let Some(p) = &o.peername {
        vec![node_host(p)]
    } else if let Some(d) = file
        .cluster
        .default_node
        .as_ref()
        .or(file.default_node.as_ref())
    {
        let mut v = vec![node_host(d)];
        // The other nodes are failover candidates, in file order.
        for (name, spec) in &file.nodes {
            if name != d {
                v.push(of_spec(spec));
            }
        }
        v
    } else if !file.nodes.is_empty() {
        file.nodes.values().map(of_spec).collect()
    } else {
        return Err(ConfigError(match has_file {
            true => format!(
                "{shown_file}: no cluster host: set cluster.default_node (or pass --host nas)"
            ),
            false => "no cluster configured: ~/.ccs/config.yml does not exist; pass --host nas (or try --demo)".to_string(),
        }));
    };
    let mut hosts = Vec::new();
    for (h, gateway) in raw.iter().filter(|(h, _)| !h.is_empty()) {
        let mut ep = parse_host(h, o.https).map_err(ConfigError)?;
        if let Some(g) = gateway {
            ep.gateway = gateway_url(g).map_err(|e| ConfigError(format!("{shown_file}: {e}")))?;
        }
        hosts.push(ep);
    }
    if hosts.is_empty() {
        return Err(ConfigError("no cluster host given".into()));
    }
    if let Some(g) = &o.gateway {
        let url = gateway_url(g).map_err(|e| ConfigError(format!("--{e}")))?;
        for h in &mut hosts {
            h.gateway = url.clone();
        }
    }
    Ok(hosts)
}

fn gateway_url(g: &str) -> Result<url::Url, String> {
    url::Url::parse(g)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| format!("gateway {g:?}: not an http(s) URL"))
}

/// Every node's gateway: its `gateway:`, else port 8080 of its host.
pub fn node_gateways(
    file: &FileConfig,
    https: bool,
) -> Result<Vec<crate::cluster::audit::Node>, ConfigError> {
    let mut out = Vec::new();
    for (name, spec) in &file.nodes {
        let gateway = match spec.gateway() {
            Some(g) => gateway_url(g).map_err(|e| ConfigError(format!("nodes.{name}: {e}")))?,
            None => {
                parse_host(spec.host(), https)
                    .map_err(|e| ConfigError(format!("nodes.{name}: {e}")))?
                    .gateway
            }
        };
        out.push(crate::cluster::audit::Node {
            name: name.clone(),
            peer_id: spec.peer_id().map(String::from),
            gateway,
        });
    }
    Ok(out)
}
