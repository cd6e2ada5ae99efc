//! A simulated IPFS Cluster that speaks the real wire format: the REST API on
//! one listener, a kubo-style gateway on another. It serves the tests, `--demo`
//! and the `ccs-sim` binary.

mod add;
mod api;
pub mod car;
pub mod faults;
mod gateway;
mod jwt;
mod kubo_rpc;
mod pin;
pub mod scenario;
pub mod state;
mod store;
mod stream;
mod wire;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use faults::{ErrorFault, Faults};
pub use jwt::sign as sign_token;
pub use state::{SimState, Timings};

use crate::cluster::gojson;
use crate::cluster::types::{Alert, ApiError, Metric};

/// Shared by every handler.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub state: state::Shared,
    faults: Arc<RwLock<Faults>>,
}

impl Ctx {
    pub fn faults(&self) -> Faults {
        self.faults.read().map(|f| f.clone()).unwrap_or_default()
    }

    pub fn set_faults(&self, f: Faults) {
        if let Ok(mut g) = self.faults.write() {
            *g = f;
        }
    }

    pub(crate) fn store_blocks(&self, blocks: Vec<(cid::Cid, Vec<u8>)>) {
        if blocks.is_empty() {
            return;
        }
        let mut st = self.state.write();
        for (c, b) in blocks {
            st.insert_block(&c, Bytes::from(b));
        }
    }

    /// Pins an item on one peer's kubo outside the cluster (by name or ID).
    pub fn kubo_pin(&self, peer: &str, cid: &str) -> bool {
        let mut st = self.state.write();
        let Some(i) = st.peer_by_name_or_id(peer) else {
            return false;
        };
        st.peers[usize::from(i)].kubo_pins.insert(cid.to_string());
        true
    }

    /// Takes a peer offline (`Some(reason)`) or brings it back; by name or ID.
    /// As with crdt, it is listed with `reason` for `timings.peer_grace`, then
    /// dropped from `/peers` and from every status; a `ping` alert stays.
    pub fn set_peer_offline(&self, peer: &str, reason: Option<String>) -> bool {
        let mut st = self.state.write();
        let Some(i) = st.peer_by_name_or_id(peer) else {
            return false;
        };
        let now = st.now_local();
        let p = &mut st.peers[usize::from(i)];
        let going_down = reason.is_some() && p.offline.is_none();
        p.offline = reason;
        p.offline_since = going_down.then(std::time::Instant::now);
        if going_down {
            let alert = ping_alert(p, now);
            st.alerts.push(alert);
        }
        true
    }

    /// Stops (`true`) or restarts a peer's IPFS daemon.
    pub fn set_ipfs_down(&self, peer: &str, down: bool) -> bool {
        let mut st = self.state.write();
        let Some(i) = st.peer_by_name_or_id(peer) else {
            return false;
        };
        st.peers[usize::from(i)].ipfs_down = down;
        true
    }

    /// What `peer`'s kubo announces besides its tailnet address.
    pub fn set_announces(&self, peer: &str, addrs: Vec<String>) -> bool {
        let mut st = self.state.write();
        let Some(i) = st.peer_by_name_or_id(peer) else {
            return false;
        };
        st.peers[usize::from(i)].announces = addrs;
        true
    }

    /// Makes `peer` report `pin_error` for `cid` until the item is recovered.
    pub fn inject_pin_error(&self, cid: &str, peer: &str, message: &str) -> bool {
        let mut st = self.state.write();
        let Some(i) = st.peer_by_name_or_id(peer) else {
            return false;
        };
        let Some(rec) = st.pins.get_mut(cid) else {
            return false;
        };
        let o = rec.override_mut(i);
        o.error = Some(message.to_string());
        o.attempts = o.attempts.max(1);
        true
    }
}

/// The alert a peer's expired heartbeat raises, as 1.1.6 words it: the
/// metric's value names the peer and its IPFS daemon.
pub(crate) fn ping_alert(
    p: &state::SimPeer,
    triggered_at: crate::cluster::gojson::GoTime,
) -> Alert {
    let ns = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0);
    Alert {
        metric: Metric {
            name: "ping".into(),
            peer: p.id.clone(),
            value: serde_json::json!({"peer_name": p.name, "ipfs_id": p.ipfs_id}).to_string(),
            expire: ns,
            valid: true,
            weight: 0,
            partitionable: false,
            received_at: ns - 4_000_000_000,
        },
        triggered_at,
    }
}

pub(crate) fn json_ok<T: serde::Serialize + ?Sized>(v: &T) -> Response {
    let mut r = (StatusCode::OK, gojson::encode(v)).into_response();
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}

/// An API error answer, small enough to return in a `Result`.
#[derive(Debug)]
pub(crate) struct Fail(pub StatusCode, pub String);

impl Fail {
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Fail(StatusCode::BAD_REQUEST, message.into())
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        json_error(self.0, &self.1)
    }
}

pub(crate) fn json_error(status: StatusCode, message: &str) -> Response {
    let body = gojson::encode(&ApiError {
        code: status.as_u16(),
        message: message.to_string(),
    });
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}

/// A running simulator. Dropping it (or calling [`SimHandle::shutdown`]) stops
/// both listeners.
#[derive(Debug)]
pub struct SimHandle {
    pub api_addr: SocketAddr,
    pub gateway_addr: SocketAddr,
    /// Each peer's own gateway (name, peer ID, address), as every member of
    /// a community cluster runs its kubo: what an audit asks peer by peer.
    pub peer_gateways: Vec<(String, String, SocketAddr)>,
    pub ctx: Ctx,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl SimHandle {
    /// A `~/.ccs/config.yml` for this cluster: every peer a node with its
    /// host, peer ID and own gateway; with `ccs_rules`, the demo's ccs v0.4
    /// stewardship (backup, bounds, each org's primary). `ccs-sim
    /// --write-config` writes it; `ccs-tui --demo` runs on it.
    pub fn config_yaml(&self, basic_auth: Option<(&str, &str)>, ccs_rules: bool) -> String {
        let mut yaml = format!(
            "cluster:\n  default_node: {}\n",
            self.peer_gateways.first().map_or("sim", |p| p.0.as_str())
        );
        if let Some((u, p)) = basic_auth {
            yaml.push_str(&format!(
                "  basic_auth_user: {u}\n  basic_auth_password: {p}\n"
            ));
        }
        if ccs_rules {
            yaml.push_str(
                "  backup_node: chll\n  replication_min: 2\n  replication_max: 3\nprofiles:\n  hrdag: {primary: nas}\n  historypin: {primary: chll}\n  tfc: {primary: meerkat}\n  dignidad: {primary: ipfs1}\n",
            );
        }
        yaml.push_str("nodes:\n");
        for (name, id, addr) in &self.peer_gateways {
            yaml.push_str(&format!(
                "  {name}:\n    host: {}\n    peer_id: {id}\n    gateway: http://{addr}\n",
                self.api_url()
            ));
            // ccs's reserve, so the capacity screen has one to mark.
            if ccs_rules {
                yaml.push_str("    reserved_min_gb: 50\n");
            }
        }
        yaml
    }

    pub fn api_url(&self) -> String {
        format!("http://{}", self.api_addr)
    }
    pub fn gateway_url(&self) -> String {
        format!("http://{}", self.gateway_addr)
    }
    pub fn set_faults(&self, f: Faults) {
        self.ctx.set_faults(f)
    }
    pub fn set_peer_offline(&self, peer: &str, reason: Option<&str>) -> bool {
        self.ctx.set_peer_offline(peer, reason.map(String::from))
    }
    pub fn set_ipfs_down(&self, peer: &str, down: bool) -> bool {
        self.ctx.set_ipfs_down(peer, down)
    }
    pub fn set_announces(&self, peer: &str, addrs: Vec<String>) -> bool {
        self.ctx.set_announces(peer, addrs)
    }
    pub fn inject_pin_error(&self, cid: &str, peer: &str, message: &str) -> bool {
        self.ctx.inject_pin_error(cid, peer, message)
    }
    pub fn kubo_pin(&self, peer: &str, cid: &str) -> bool {
        self.ctx.kubo_pin(peer, cid)
    }
    /// Makes the gateway answer 504 for `cid`.
    pub fn mark_unavailable(&self, cid: &str) {
        self.ctx.state.write().unavailable.insert(cid.to_string());
    }
    pub fn state(&self) -> &state::Shared {
        &self.ctx.state
    }
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        // In-flight requests get a moment to finish (a stalled one would never).
        for t in self.tasks.drain(..) {
            let abort = t.abort_handle();
            if tokio::time::timeout(std::time::Duration::from_secs(2), t)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Starts the API and the gateway on the given addresses (port 0 picks one).
pub async fn start(
    state: SimState,
    api: SocketAddr,
    gateway: SocketAddr,
    faults: Faults,
) -> std::io::Result<SimHandle> {
    let api_l = TcpListener::bind(api).await?;
    let gw_l = TcpListener::bind(gateway).await?;
    let ctx = Ctx {
        state: Arc::new(state::lock::RwLock::new(state)),
        faults: Arc::new(RwLock::new(faults)),
    };
    let (stop, rx) = watch::channel(false);
    let api_addr = api_l.local_addr()?;
    let gateway_addr = gw_l.local_addr()?;
    let mut tasks = Vec::new();
    let mut listeners = vec![
        (api_l, api::router(ctx.clone())),
        (gw_l, gateway::router(ctx.clone())),
    ];
    let peers: Vec<(String, String)> = ctx
        .state
        .read()
        .peers
        .iter()
        .map(|p| (p.name.clone(), p.id.clone()))
        .collect();
    let mut peer_gateways = Vec::new();
    for (name, id) in peers {
        let l = TcpListener::bind(SocketAddr::new(gateway.ip(), 0)).await?;
        peer_gateways.push((name.clone(), id, l.local_addr()?));
        listeners.push((l, gateway::router_for(ctx.clone(), Some(name))));
    }
    for (listener, router) in listeners {
        let mut rx = rx.clone();
        tasks.push(tokio::spawn(async move {
            let shutdown = async move {
                while !*rx.borrow() {
                    if rx.changed().await.is_err() {
                        break;
                    }
                }
            };
            if let Err(e) = axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!("simulator listener failed: {e}");
            }
        }));
    }
    Ok(SimHandle {
        api_addr,
        gateway_addr,
        peer_gateways,
        ctx,
        stop,
        tasks,
    })
}
