//! The seed's promise, checked peer by peer: archival data "never leaks
//! into the public IPFS network" because every node sits on a private
//! tailnet. From what the cluster already reports (`/peers`: each cluster
//! peer's swarm addresses and its kubo's `ipfs.addresses`), every address is
//! classed, and a peer that announces a public one is named with what that
//! means and the setting that closes it.
//!
//! What the API cannot show: a kubo that fetches from (or serves to) the
//! public network without announcing a public address, through a NAT or
//! relay; its `Routing.Type` and `Bootstrap` settings. Those are said in
//! the findings' advice, not guessed.

use std::net::IpAddr;

use serde::Serialize;

use super::types::PeerId;

/// What kind of address a multiaddr names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddrClass {
    Loopback,
    /// RFC 1918 (10/8, 172.16/12, 192.168/16) and IPv6 ULA (fc00::/7).
    Private,
    /// Tailscale: 100.64.0.0/10 (CGNAT) and fd7a:115c:a1e0::/48.
    Tailnet,
    LinkLocal,
    /// A name (`/dns4/nas.example/…`): what it resolves to is not known here.
    Dns,
    /// 0.0.0.0 or ::, every interface (a listen address, not an announce).
    Unspecified,
    /// Anything else: reachable from the internet if routed.
    Public,
}

impl AddrClass {
    pub fn label(self) -> &'static str {
        match self {
            AddrClass::Loopback => "loopback",
            AddrClass::Private => "private",
            AddrClass::Tailnet => "tailnet",
            AddrClass::LinkLocal => "link-local",
            AddrClass::Dns => "DNS name",
            AddrClass::Unspecified => "every interface",
            AddrClass::Public => "PUBLIC",
        }
    }
}

/// The host part of a multiaddr (`/ip4/H/…`, `/ip6/H/…`, `/dns*/H/…`):
/// the one reading of multiaddrs for audits, gateways and privacy.
pub fn host_of(multiaddr: &str) -> Option<(&str, &str)> {
    let mut parts = multiaddr.split('/');
    if parts.next() != Some("") {
        return None;
    }
    let proto = parts.next()?;
    let host = parts.next()?;
    matches!(proto, "ip4" | "ip6" | "dns" | "dns4" | "dns6" | "dnsaddr").then_some((proto, host))
}

/// The class of an IP address.
pub fn class_of_ip(ip: IpAddr) -> AddrClass {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            if v4.is_unspecified() {
                AddrClass::Unspecified
            } else if v4.is_loopback() {
                AddrClass::Loopback
            } else if v4.is_link_local() {
                AddrClass::LinkLocal
            } else if o[0] == 100 && (64..128).contains(&o[1]) {
                AddrClass::Tailnet
            } else if v4.is_private() {
                AddrClass::Private
            } else {
                AddrClass::Public
            }
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            if let Some(v4) = v6.to_ipv4_mapped() {
                return class_of_ip(IpAddr::V4(v4));
            }
            if v6.is_unspecified() {
                AddrClass::Unspecified
            } else if v6.is_loopback() {
                AddrClass::Loopback
            } else if s[0] & 0xffc0 == 0xfe80 {
                AddrClass::LinkLocal
            } else if s[0] == 0xfd7a && s[1] == 0x115c && s[2] == 0xa1e0 {
                AddrClass::Tailnet
            } else if s[0] & 0xfe00 == 0xfc00 {
                AddrClass::Private
            } else {
                AddrClass::Public
            }
        }
    }
}

/// A multiaddr's class; `None` when it names no host (`/p2p-circuit`…).
pub fn classify(multiaddr: &str) -> Option<AddrClass> {
    let (proto, host) = host_of(multiaddr)?;
    if proto.starts_with("dns") {
        return Some(AddrClass::Dns);
    }
    host.parse::<IpAddr>().ok().map(class_of_ip)
}

/// One address of a peer, classed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classed {
    pub address: String,
    pub class: AddrClass,
}

/// Something about a peer that breaks the promise, and what closes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub what: String,
    pub means: String,
    pub fix: String,
}

/// One peer's addresses by class, and what they break.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerExposure {
    pub peer_id: String,
    pub name: String,
    /// The cluster peer's own swarm addresses.
    pub cluster: Vec<Classed>,
    /// Its kubo's addresses, as the cluster reports them.
    pub ipfs: Vec<Classed>,
    pub exposed: bool,
    pub findings: Vec<Finding>,
}

fn classed(addrs: &[String]) -> Vec<Classed> {
    let mut v: Vec<Classed> = addrs
        .iter()
        .filter_map(|a| {
            Some(Classed {
                address: a.clone(),
                class: classify(a)?,
            })
        })
        .collect();
    v.sort_by(|a, b| {
        b.class
            .cmp(&a.class)
            .then_with(|| a.address.cmp(&b.address))
    });
    v.dedup();
    v
}

/// A peer's exposure, from its `/peers` entry.
pub fn assess(p: &PeerId) -> PeerExposure {
    let cluster = classed(&p.addresses);
    let ipfs = classed(&p.ipfs.addresses);
    let public = |v: &[Classed]| {
        v.iter()
            .filter(|c| c.class == AddrClass::Public)
            .map(|c| c.address.clone())
            .collect::<Vec<_>>()
    };
    let mut findings = Vec::new();
    let ipfs_public = public(&ipfs);
    if !ipfs_public.is_empty() {
        findings.push(Finding {
            what: format!("its kubo announces a public address: {}", ipfs_public.join(", ")),
            means: "peers of the public IPFS network can dial it and ask it for any block it holds, the archive's included".into(),
            fix: "in kubo's config: Addresses.Announce (or NoAnnounce) with only tailnet addresses, Addresses.Swarm on the tailnet interface, Swarm.AddrFilters for the rest, Routing.Type \"none\" and an empty Bootstrap; then restart kubo".into(),
        });
    }
    let cluster_public = public(&cluster);
    if !cluster_public.is_empty() {
        findings.push(Finding {
            what: format!(
                "its cluster swarm listens on a public address: {}",
                cluster_public.join(", ")
            ),
            means: "the cluster's RPC is reachable from the internet (the cluster secret still guards it)".into(),
            fix: "in service.json: cluster.listen_multiaddress on the tailnet address (/ip4/100.x.y.z/tcp/9096), then restart ipfs-cluster-service".into(),
        });
    }
    PeerExposure {
        peer_id: p.id.clone(),
        name: p.peername.clone(),
        exposed: !findings.is_empty(),
        cluster,
        ipfs,
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_of_address() {
        let c = |a: &str| classify(a);
        assert_eq!(c("/ip4/127.0.0.1/tcp/9096"), Some(AddrClass::Loopback));
        assert_eq!(c("/ip6/::1/tcp/9096"), Some(AddrClass::Loopback));
        assert_eq!(c("/ip4/10.0.0.5/tcp/4001"), Some(AddrClass::Private));
        assert_eq!(c("/ip4/172.20.1.1/tcp/4001"), Some(AddrClass::Private));
        assert_eq!(
            c("/ip4/192.168.1.10/udp/4001/quic-v1"),
            Some(AddrClass::Private)
        );
        assert_eq!(c("/ip6/fd12:3456::1/tcp/4001"), Some(AddrClass::Private));
        assert_eq!(
            c("/ip4/100.64.0.31/tcp/9096/p2p/X"),
            Some(AddrClass::Tailnet)
        );
        assert_eq!(c("/ip4/100.127.255.1/tcp/9096"), Some(AddrClass::Tailnet));
        assert_eq!(c("/ip4/100.128.0.1/tcp/9096"), Some(AddrClass::Public));
        assert_eq!(
            c("/ip6/fd7a:115c:a1e0::1/tcp/4001"),
            Some(AddrClass::Tailnet)
        );
        assert_eq!(c("/ip4/169.254.3.4/tcp/4001"), Some(AddrClass::LinkLocal));
        assert_eq!(c("/ip6/fe80::1/tcp/4001"), Some(AddrClass::LinkLocal));
        assert_eq!(
            c("/dns4/nas.tail1234.ts.net/tcp/4001"),
            Some(AddrClass::Dns)
        );
        assert_eq!(c("/ip4/0.0.0.0/tcp/4001"), Some(AddrClass::Unspecified));
        assert_eq!(c("/ip4/203.0.113.7/tcp/4001"), Some(AddrClass::Public));
        assert_eq!(c("/ip6/2001:db8::7/tcp/4001"), Some(AddrClass::Public));
        assert_eq!(c("/p2p-circuit/p2p/X"), None);
        assert_eq!(c("garbage"), None);
    }

    #[test]
    fn a_public_kubo_address_is_a_finding_with_its_fix() {
        let mut p = PeerId {
            id: "12D3KooWX".into(),
            peername: "meerkat".into(),
            ..Default::default()
        };
        p.addresses = vec!["/ip4/100.64.0.33/tcp/9096".to_string()].into();
        p.ipfs.addresses = vec![
            "/ip4/100.64.0.33/tcp/4001".to_string(),
            "/ip4/203.0.113.7/tcp/4001".to_string(),
        ]
        .into();
        let e = assess(&p);
        assert!(e.exposed);
        assert_eq!(e.findings.len(), 1);
        assert!(e.findings[0].what.contains("203.0.113.7"));
        assert!(e.findings[0].fix.contains("Addresses.Announce"));
        assert_eq!(e.ipfs[0].class, AddrClass::Public, "the gravest first");
        p.ipfs.addresses = vec!["/ip4/100.64.0.33/tcp/4001".to_string()].into();
        assert!(!assess(&p).exposed);
    }
}
