//! Who belongs to the cluster, and who is missing.
//!
//! With crdt consensus, `/peers` lists the peers whose heartbeat (the `ping`
//! metric) is current: a peer that dies is listed with its dial error for a
//! few seconds and then dropped, as if it had never been a member. The real
//! ipfs-cluster 1.1.6 does exactly that (tests/it/faults.rs). What remains of it
//! is a `ping` alert in `/health/alerts` and, where the operator wrote it
//! down, its `peer_id` in the configuration. This module puts the members
//! back together so that nobody reads "2/2 peers up" when one of three died.

use std::collections::HashSet;

use super::types::{Alert, PeerId};

/// How a missing member's `error` begins (text output shows it as is).
const MISSING: &str = "missing: ";

/// Why a member is missing, if `error` says it is.
pub fn missing_reason(error: &str) -> Option<&str> {
    error.strip_prefix(MISSING)
}

/// A peer the configuration says belongs to the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedPeer {
    pub name: String,
    pub id: String,
}

/// The `value` of a ping alert: the peer's name and its kubo's ID.
#[derive(Debug, Default, serde::Deserialize)]
struct PingValue {
    #[serde(default)]
    peer_name: String,
}

/// `/peers` completed with the peers that went missing. A missing peer comes
/// back as a `PeerId` whose `error` says since when, so everything that shows
/// peers treats it as the offline peer it is. A peer whose IPFS daemon does
/// not answer is flagged the same way: the cluster peer is up, but it can
/// neither pin nor serve.
pub fn reconcile(
    mut peers: Vec<PeerId>,
    alerts: &[Alert],
    expected: &[ExpectedPeer],
) -> Vec<PeerId> {
    let name_of = |id: &str| -> Option<String> {
        expected
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.name.clone())
            .or_else(|| {
                alerts
                    .iter()
                    .filter(|a| a.metric.peer == id && a.metric.name == "ping")
                    .find_map(|a| serde_json::from_str::<PingValue>(&a.metric.value).ok())
                    .map(|v| v.peer_name)
                    .filter(|n| !n.is_empty())
            })
    };
    for p in &mut peers {
        // A peer listed with a dial error has no name in the answer.
        if p.peername.is_empty() {
            if let Some(n) = name_of(&p.id) {
                p.peername = n;
            }
        }
        if p.error.is_empty() && !p.ipfs.error.is_empty() {
            p.error = format!("its IPFS daemon does not answer: {}", p.ipfs.error);
        }
    }
    let listed: HashSet<String> = peers.iter().map(|p| p.id.clone()).collect();
    let mut missing: Vec<PeerId> = Vec::new();
    // Alerts come newest first: the first ping alert of a peer is its latest.
    for a in alerts.iter().filter(|a| a.metric.name == "ping") {
        let id = &a.metric.peer;
        if id.is_empty() || listed.contains(id) || missing.iter().any(|m| &m.id == id) {
            continue;
        }
        let since = a.triggered_at.to_rfc3339_secs();
        missing.push(PeerId {
            id: id.clone(),
            peername: name_of(id).unwrap_or_default(),
            error: format!("{MISSING}no heartbeat since {since}"),
            ..Default::default()
        });
    }
    for e in expected {
        if e.id.is_empty() || listed.contains(&e.id) || missing.iter().any(|m| m.id == e.id) {
            continue;
        }
        missing.push(PeerId {
            id: e.id.clone(),
            peername: e.name.clone(),
            error: format!("{MISSING}the configuration names it, the cluster does not list it"),
            ..Default::default()
        });
    }
    peers.extend(missing);
    peers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::gojson::GoTime;
    use crate::cluster::types::Metric;

    fn peer(id: &str, name: &str) -> PeerId {
        PeerId {
            id: id.into(),
            peername: name.into(),
            ..Default::default()
        }
    }

    fn ping_alert(id: &str, name: &str) -> Alert {
        Alert {
            metric: Metric {
                name: "ping".into(),
                peer: id.into(),
                value: format!("{{\"peer_name\":\"{name}\",\"ipfs_id\":\"x\"}}"),
                ..Default::default()
            },
            triggered_at: GoTime::from_unix(1_795_774_868, 0, 0),
        }
    }

    #[test]
    fn a_dropped_peer_comes_back_as_missing_with_its_name() {
        let peers = vec![peer("A", "nas"), peer("B", "chll")];
        let got = reconcile(peers, &[ping_alert("C", "meerkat")], &[]);
        assert_eq!(got.len(), 3);
        assert_eq!(got[2].peername, "meerkat");
        assert!(
            got[2]
                .error
                .starts_with("missing: no heartbeat since 2026-11-27T"),
            "{}",
            got[2].error
        );
    }

    #[test]
    fn a_peer_that_came_back_is_online_despite_its_old_alert() {
        let peers = vec![peer("A", "nas"), peer("C", "meerkat")];
        let got = reconcile(peers, &[ping_alert("C", "meerkat")], &[]);
        assert!(got.iter().all(|p| p.error.is_empty()));
    }

    #[test]
    fn the_configuration_names_members_the_cluster_forgot() {
        let expected = vec![ExpectedPeer {
            name: "pihost".into(),
            id: "D".into(),
        }];
        let got = reconcile(vec![peer("A", "nas")], &[], &expected);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].peername, "pihost");
        assert!(got[1].error.starts_with("missing:"));
    }

    #[test]
    fn a_listed_peer_with_a_dial_error_gets_its_name_and_a_dead_kubo_is_a_problem() {
        let mut dialing = peer("C", "");
        dialing.error = "failed to dial".into();
        let mut no_kubo = peer("B", "chll");
        no_kubo.ipfs.error = "connection refused".into();
        let got = reconcile(vec![dialing, no_kubo], &[ping_alert("C", "meerkat")], &[]);
        assert_eq!(got[0].peername, "meerkat");
        assert_eq!(got[0].error, "failed to dial");
        assert_eq!(
            got[1].error,
            "its IPFS daemon does not answer: connection refused"
        );
    }
}
