//! Faults the simulator can inject, set at start or while running (the
//! `/_sim/faults` control endpoint or [`super::SimHandle::set_faults`]).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// An error answer for every request whose path starts with `route`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorFault {
    pub route: String,
    pub status: u16,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Extra latency before answering, per path prefix (milliseconds).
    pub latency_ms: Vec<(String, u64)>,
    /// Canned error answers, per path prefix.
    pub errors: Vec<ErrorFault>,
    /// Drop the connection after this many body bytes of any API stream.
    pub drop_after_bytes: Option<u64>,
    /// End streams with an `X-Stream-Error` trailer after this many items.
    pub trailer_error_after: Option<u64>,
    /// Message of that trailer error.
    pub trailer_error: Option<String>,
    /// `/add` answers 200 with no objects and an empty trailer (cluster #2123).
    pub add_empty_200: bool,
    /// The gateway accepts connections but never answers.
    pub gateway_stall: bool,
    /// The gateway flips one byte of every file body it serves.
    pub gateway_corrupt: bool,
    /// The gateway drops the connection after this many body bytes.
    pub gateway_drop_after_bytes: Option<u64>,
    /// What one peer's own gateway does wrong, by peer name: an audit must
    /// find that peer among healthy ones.
    pub peer_gateways: std::collections::BTreeMap<String, PeerGatewayFault>,
    /// Peers whose kubo refuses to collect garbage, by name, with the error
    /// `/ipfs/gc` reports for them.
    pub gc_errors: std::collections::BTreeMap<String, String>,
}

/// A fault of one peer's gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerGatewayFault {
    /// Its copy went bad: every block it serves has one byte flipped.
    Corrupt,
    /// It lost its copy: no block is in its store (412 when asked
    /// only-if-cached, as kubo answers).
    Missing,
}

impl Faults {
    pub fn latency_for(&self, path: &str) -> Option<Duration> {
        self.latency_ms
            .iter()
            .filter(|(p, _)| path.starts_with(p.as_str()))
            .map(|(_, ms)| Duration::from_millis(*ms))
            .max()
    }

    pub fn error_for(&self, path: &str) -> Option<&ErrorFault> {
        self.errors
            .iter()
            .find(|e| path.starts_with(e.route.as_str()))
    }

    pub fn trailer_message(&self) -> String {
        self.trailer_error
            .clone()
            .unwrap_or_else(|| "context deadline exceeded".to_string())
    }
}
