//! The tailnet the cluster lives on, as the operator's own Tailscale sees it
//! (`tailscale status --json`, the documented `ipnstate.Status`): for each
//! cluster peer, whether its machine is online on the tailnet, when it was
//! last seen, and whether the path to it is direct or relayed. So a MISSING
//! peer reads "machine offline on the tailnet since 14:05" or "machine
//! online (direct); the cluster daemon does not answer". Without Tailscale
//! on this machine nothing is shown and nothing fails.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The command that answers (`CCS_TAILSCALE` names another, for tests and
/// for machines where it is not on PATH).
pub fn command() -> String {
    std::env::var("CCS_TAILSCALE")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "tailscale".into())
}

/// One machine of the tailnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    pub host_name: String,
    /// The MagicDNS name's first label (`nas` of `nas.tail1234.ts.net.`).
    pub dns_label: String,
    pub ips: Vec<IpAddr>,
    pub online: bool,
    pub last_seen: Option<DateTime<Utc>>,
    /// `Some(true)` direct, `Some(false)` relayed (DERP), `None` not known
    /// (offline, or no traffic yet).
    pub direct: Option<bool>,
    pub relay: String,
}

impl Machine {
    /// `online (direct)`, `online (relayed via fra)`, `offline since 14:05 UTC`.
    pub fn describe(&self) -> String {
        if self.online {
            match self.direct {
                Some(true) => "online (direct)".into(),
                Some(false) if !self.relay.is_empty() => {
                    format!("online (relayed via {})", self.relay)
                }
                Some(false) => "online (relayed)".into(),
                None => "online".into(),
            }
        } else {
            match self.last_seen {
                Some(t) => format!("offline since {}", t.format("%Y-%m-%d %H:%M UTC")),
                None => "offline".into(),
            }
        }
    }
}

impl Machine {
    /// A peer that does not answer, as its machine's state explains it.
    pub fn explains_down(&self) -> String {
        if self.online {
            format!(
                "machine {}; the cluster daemon does not answer",
                self.describe()
            )
        } else {
            format!("machine {} on the tailnet", self.describe())
        }
    }
}

/// What this machine's Tailscale sees.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tailnet {
    pub machines: Vec<Machine>,
}

impl Tailnet {
    /// The machine of a cluster peer: by an address it announces (its
    /// multiaddrs), else by its name (ccs names nodes by host name).
    pub fn machine_of(&self, name: &str, addresses: &[String]) -> Option<&Machine> {
        let ips: Vec<IpAddr> = addresses
            .iter()
            .filter_map(|a| crate::cluster::exposure::host_of(a))
            .filter_map(|(_, h)| h.parse().ok())
            .collect();
        self.machines
            .iter()
            .find(|m| m.ips.iter().any(|ip| ips.contains(ip)))
            .or_else(|| {
                (!name.is_empty()).then_some(())?;
                self.machines.iter().find(|m| {
                    m.host_name.eq_ignore_ascii_case(name) || m.dns_label.eq_ignore_ascii_case(name)
                })
            })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Status {
    #[serde(default, rename = "Self")]
    me: Option<Peer>,
    #[serde(default)]
    peer: Option<BTreeMap<String, Peer>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Peer {
    #[serde(default)]
    host_name: String,
    #[serde(default, rename = "DNSName")]
    dns_name: String,
    #[serde(default, rename = "TailscaleIPs")]
    tailscale_ips: Option<Vec<String>>,
    #[serde(default)]
    online: bool,
    #[serde(default)]
    last_seen: Option<String>,
    #[serde(default)]
    cur_addr: String,
    #[serde(default)]
    relay: String,
    #[serde(default)]
    active: bool,
}

/// Reads `tailscale status --json` output; fields that differ between
/// versions (missing `Peer` on a lone machine, `LastSeen` zero while online)
/// are tolerated.
pub fn parse(json: &[u8]) -> Result<Tailnet, String> {
    let s: Status =
        serde_json::from_slice(json).map_err(|e| format!("tailscale status --json: {e}"))?;
    let me = s.me.map(|m| {
        // This machine is online if it answers.
        Peer { online: true, ..m }
    });
    let machines = me
        .into_iter()
        .chain(s.peer.unwrap_or_default().into_values())
        .map(|p| {
            let last_seen = p
                .last_seen
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))
                .filter(|t| t.timestamp() > 0);
            let direct = if !p.online {
                None
            } else if !p.cur_addr.is_empty() {
                Some(true)
            } else if p.active && !p.relay.is_empty() {
                Some(false)
            } else {
                None
            };
            Machine {
                dns_label: p.dns_name.split('.').next().unwrap_or("").to_string(),
                host_name: p.host_name,
                ips: p
                    .tailscale_ips
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|ip| ip.parse().ok())
                    .collect(),
                online: p.online,
                last_seen,
                direct,
                relay: p.relay,
            }
        })
        .collect();
    Ok(Tailnet { machines })
}

/// Asks the local Tailscale; `None` when it is not installed, not running
/// or does not answer within two seconds (nothing to show, nothing failed).
pub async fn status() -> Option<Tailnet> {
    let run = tokio::process::Command::new(command())
        .args(["status", "--json"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(2), run)
        .await
        .ok()?
        .ok()?;
    if !out.status.success() {
        return None;
    }
    parse(&out.stdout).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = r#"{
      "Version": "1.76.1",
      "BackendState": "Running",
      "Self": {"HostName": "laptop", "DNSName": "laptop.tail1234.ts.net.", "TailscaleIPs": ["100.64.0.9"], "Online": false},
      "Peer": {
        "nodekey:a": {"HostName": "nas", "DNSName": "nas.tail1234.ts.net.", "TailscaleIPs": ["100.64.0.31", "fd7a:115c:a1e0::31"], "Online": true, "CurAddr": "192.168.1.20:41641", "Relay": "fra", "Active": true, "LastSeen": "0001-01-01T00:00:00Z"},
        "nodekey:b": {"HostName": "chll", "DNSName": "chll.tail1234.ts.net.", "TailscaleIPs": ["100.64.0.32"], "Online": true, "CurAddr": "", "Relay": "fra", "Active": true},
        "nodekey:c": {"HostName": "pihost", "DNSName": "pihost.tail1234.ts.net.", "TailscaleIPs": ["100.64.0.34"], "Online": false, "LastSeen": "2026-12-07T14:05:00Z"}
      }
    }"#;

    #[test]
    fn machines_are_matched_by_address_then_by_name() {
        let t = parse(STATUS.as_bytes()).unwrap();
        assert_eq!(t.machines.len(), 4);
        let nas = t
            .machine_of("x", &["/ip4/100.64.0.31/tcp/9096/p2p/X".into()])
            .unwrap();
        assert_eq!(nas.host_name, "nas");
        assert_eq!(nas.describe(), "online (direct)");
        let chll = t.machine_of("chll", &[]).unwrap();
        assert_eq!(chll.describe(), "online (relayed via fra)");
        let pi = t.machine_of("pihost", &[]).unwrap();
        assert_eq!(pi.describe(), "offline since 2026-12-07 14:05 UTC");
        assert!(t
            .machine_of("ipfs1", &["/ip4/100.64.0.35/tcp/9096".into()])
            .is_none());
        assert!(t.machine_of("laptop", &[]).unwrap().online, "this machine");
    }

    #[test]
    fn a_lone_machine_and_older_shapes_parse() {
        let t =
            parse(br#"{"Self": {"HostName": "nas", "TailscaleIPs": ["100.64.0.31"]}}"#).unwrap();
        assert_eq!(t.machines.len(), 1);
        let t =
            parse(br#"{"Peer": {"k": {"HostName": "x", "TailscaleIPs": null, "Online": true}}}"#)
                .unwrap();
        assert_eq!(t.machines[0].describe(), "online");
        assert!(parse(b"not json").is_err());
    }
}
