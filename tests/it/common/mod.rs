//! Shared helpers: a simulator on loopback and a client pointed at it.

use std::net::SocketAddr;

use ccs_tui::cluster::{parse_host, Auth, ClientConfig, ClusterClient};
use ccs_tui::sim::{self, Faults, SimHandle, SimState, Timings};

pub mod backend;
pub mod blocks;
pub mod cli;
pub mod console;
pub mod proxy;
pub mod rawhttp;

pub fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

pub async fn start(state: SimState) -> SimHandle {
    sim::start(state, any_port(), any_port(), Faults::default())
        .await
        .expect("simulator starts")
}

/// The demo scenario with pin operations that settle at once.
pub async fn demo() -> SimHandle {
    let mut st = sim::scenario::demo().unwrap();
    // Settle at once, but keep the demo's "still pinning" item pinning.
    st.timings = Timings {
        fail_after: std::time::Duration::from_secs(24 * 3600),
        ..Timings::instant()
    };
    start(st).await
}

pub async fn small(peers: usize, pins: usize) -> SimHandle {
    let mut st = sim::scenario::synthetic(peers, pins, 7);
    st.timings = Timings::instant();
    start(st).await
}

pub fn client_for(h: &SimHandle) -> ClusterClient {
    client_with(h, Auth::None)
}

pub fn client_with(h: &SimHandle, auth: Auth) -> ClusterClient {
    client_via(h, auth, &h.gateway_url())
}

/// A client of `h`'s API that fetches through `gateway` (a proxy, say).
pub fn client_via(h: &SimHandle, auth: Auth, gateway: &str) -> ClusterClient {
    let mut ep = parse_host(&h.api_url(), false).unwrap();
    ep.gateway = url::Url::parse(gateway).unwrap();
    let mut cfg = ClientConfig::new(vec![ep]);
    cfg.auth = auth;
    cfg.idle_timeout = std::time::Duration::from_secs(3);
    cfg.request_timeout = std::time::Duration::from_secs(5);
    ClusterClient::new(cfg).unwrap()
}

/// The CID an upload of `path` gets, computed here with kubo's importer.
pub fn local_cid(
    path: &std::path::Path,
    opts: ccs_tui::unixfs::ImportOptions,
    hidden: bool,
    wrap: bool,
) -> String {
    ccs_tui::unixfs::import_path(path, opts, hidden, wrap)
        .expect("the path imports")
        .1
        .expect("it has a root")
        .cid
        .to_string()
}

/// The same with kubo's defaults (CIDv0, 256 KiB chunks).
pub fn default_cid(path: &std::path::Path) -> String {
    local_cid(
        path,
        ccs_tui::unixfs::ImportOptions::new(0, None),
        false,
        false,
    )
}

/// How many items the demo archive holds (its collections and its history).
pub fn demo_items() -> usize {
    ccs_tui::sim::scenario::demo()
        .expect("the demo scenario builds")
        .pins
        .len()
}
