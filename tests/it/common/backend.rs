//! One cluster for the tests that run on both backends: ccs-sim by default, the
//! real ipfs-cluster 1.1.6 (started by `scripts/real-cluster up`) when
//! `CCS_BACKEND=real`. Both have the same shape: three peers `nas`, `chll`,
//! `meerkat`, basic auth, replication everywhere by default.
//!
//! The real cluster is shared by every test of a run, so a test on both
//! backends uses content of its own (`unique_bytes`) and never asserts on the
//! whole pinset.

use std::time::{Duration, Instant};

use ccs_tui::cluster::types::TrackerStatus;
use ccs_tui::cluster::{parse_host, Auth, ClientConfig, ClusterClient};
use ccs_tui::sim::{self, SimHandle, SimState, Timings};
use rand::RngCore;

pub const PEERS: [&str; 3] = ["nas", "chll", "meerkat"];
const SIM_USER: &str = "admin";
const SIM_PASSWORD: &str = "ccs-real-secret";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sim,
    Real,
}

/// Where one peer answers.
#[derive(Debug, Clone)]
pub struct PeerAccess {
    pub name: String,
    pub api: String,
    pub gateway: String,
    /// Its kubo's RPC API (the simulator serves `pin/ls` on the gateway port).
    pub rpc: String,
}

pub struct Backend {
    pub kind: Kind,
    pub peers: Vec<PeerAccess>,
    pub user: String,
    pub password: String,
    sim: Option<SimHandle>,
}

/// Which backend this run asks for. Anything but `sim` or `real` is a mistake
/// the run must not hide.
pub fn kind() -> Kind {
    match std::env::var("CCS_BACKEND").as_deref() {
        Err(_) | Ok("") | Ok("sim") => Kind::Sim,
        Ok("real") => Kind::Real,
        Ok(other) => panic!("CCS_BACKEND={other:?}: expected `sim` or `real`"),
    }
}

/// The simulator shaped as `scripts/real-cluster up` shapes the real cluster.
pub fn sim_trio() -> SimState {
    let names: Vec<String> = PEERS.iter().map(|s| s.to_string()).collect();
    let mut st = SimState::new(&names, 11);
    // As in the real cluster's namespace: every peer announces loopback,
    // so nothing derived from an address dials off this machine.
    for p in &mut st.peers {
        p.ip = "127.0.0.1".into();
    }
    st.basic_auth = Some((SIM_USER.into(), SIM_PASSWORD.into()));
    // scripts/real-cluster pings every 2 s: a dead peer is dropped within ~4 s.
    st.timings = Timings {
        peer_grace: std::time::Duration::from_secs(4),
        ..Timings::default()
    };
    st
}

impl Backend {
    pub async fn start() -> Backend {
        match kind() {
            Kind::Sim => Backend::start_sim().await,
            Kind::Real => Backend::real(),
        }
    }

    /// The simulator, whatever the run's backend (the differential check
    /// needs both side by side).
    pub async fn start_sim() -> Backend {
        let h = sim::start(
            sim_trio(),
            super::any_port(),
            super::any_port(),
            Default::default(),
        )
        .await
        .expect("simulator starts");
        // Each peer with its own gateway, as each member runs its kubo.
        let peers = PEERS
            .iter()
            .map(|n| {
                let gateway = h
                    .peer_gateways
                    .iter()
                    .find(|(name, _, _)| name == n)
                    .map_or_else(|| h.gateway_url(), |(_, _, a)| format!("http://{a}"));
                PeerAccess {
                    name: n.to_string(),
                    api: h.api_url(),
                    rpc: gateway.clone(),
                    gateway,
                }
            })
            .collect();
        Backend {
            kind: Kind::Sim,
            peers,
            user: SIM_USER.into(),
            password: SIM_PASSWORD.into(),
            sim: Some(h),
        }
    }

    fn real() -> Backend {
        let var = |k: String| {
            std::env::var(&k).unwrap_or_else(|_| {
                panic!(
                    "CCS_BACKEND=real but {k} is unset: run the tests through \
                     `scripts/real-cluster exec` after `scripts/real-cluster up`"
                )
            })
        };
        let peers = PEERS
            .iter()
            .map(|n| {
                let up = n.to_uppercase();
                PeerAccess {
                    name: n.to_string(),
                    api: var(format!("CCS_REAL_{up}_API")),
                    gateway: var(format!("CCS_REAL_{up}_GATEWAY")),
                    rpc: var(format!("CCS_REAL_{up}_RPC")),
                }
            })
            .collect();
        Backend {
            kind: Kind::Real,
            peers,
            user: var("CCS_REAL_USER".into()),
            password: var("CCS_REAL_PASSWORD".into()),
            sim: None,
        }
    }

    pub fn is_real(&self) -> bool {
        self.kind == Kind::Real
    }

    /// The simulator, for the few steps only it can take (faults).
    pub fn sim(&self) -> Option<&SimHandle> {
        self.sim.as_ref()
    }

    pub fn api(&self) -> &str {
        &self.peers[0].api
    }

    pub fn gateway(&self) -> &str {
        &self.peers[0].gateway
    }

    pub fn auth(&self) -> Auth {
        Auth::Basic {
            user: self.user.clone(),
            password: self.password.clone(),
        }
    }

    pub fn credentials(&self) -> String {
        format!("{}:{}", self.user, self.password)
    }

    pub fn client(&self) -> ClusterClient {
        self.client_at(0, self.auth())
    }

    pub fn client_at(&self, peer: usize, auth: Auth) -> ClusterClient {
        let p = &self.peers[peer];
        let mut ep = parse_host(&p.api, false).expect("API URL parses");
        ep.gateway = url::Url::parse(&p.gateway).expect("gateway URL parses");
        let mut cfg = ClientConfig::new(vec![ep]);
        cfg.auth = auth;
        cfg.idle_timeout = Duration::from_secs(20);
        cfg.request_timeout = Duration::from_secs(30);
        ClusterClient::new(cfg).expect("client builds")
    }

    /// A ccs configuration naming every peer with its own gateway (as a
    /// community's config does): what `audit` asks, peer by peer.
    pub fn config_file(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let mut yaml = format!(
            "cluster:\n  default_node: {}\n  basic_auth_user: {}\n  basic_auth_password: {}\nnodes:\n",
            self.peers[0].name, self.user, self.password
        );
        for p in &self.peers {
            yaml.push_str(&format!(
                "  {}:\n    host: {}\n    gateway: {}\n",
                p.name, p.api, p.gateway
            ));
        }
        let path = dir.join("ccs-config.yml");
        std::fs::write(&path, yaml).expect("config written");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
        path
    }

    /// `--host … --gateway … --basic-auth …` for the binary.
    pub fn cli_args(&self) -> Vec<String> {
        vec![
            "--host".into(),
            self.api().into(),
            "--gateway".into(),
            self.gateway().into(),
            "--basic-auth".into(),
            self.credentials(),
        ]
    }

    /// Adds `path` (a file or a folder) through the binary (`add --json`
    /// with `flags`): its CID, once the add answered.
    pub async fn add(&self, path: &std::path::Path, flags: &[&str]) -> String {
        let mut a = vec![
            "add".to_string(),
            path.display().to_string(),
            "--json".into(),
        ];
        a.extend(flags.iter().map(|s| s.to_string()));
        a.extend(self.cli_args());
        let o = super::cli::run(a, vec![]).await;
        assert_eq!(o.code, 0, "{}", o.stderr);
        let v: serde_json::Value = serde_json::from_str(o.stdout.trim()).unwrap();
        v["cid"]
            .as_str()
            .or(v["root_cid"].as_str())
            .unwrap()
            .to_string()
    }

    /// Adds a file of unique text named `name` in `dir` through the binary
    /// (`add` with `flags`), and waits until `copies` peers pin it.
    pub async fn add_file(
        &self,
        dir: &std::path::Path,
        name: &str,
        flags: &[&str],
        copies: usize,
    ) -> String {
        let f = dir.join(name);
        std::fs::write(&f, unique_text(name)).unwrap();
        let cid = self.add(&f, flags).await;
        for _ in 0..600 {
            let st = self.client().pin_status(&cid, false).await.unwrap();
            let pinned = st
                .peer_map
                .values()
                .filter(|p| p.status == TrackerStatus::Pinned)
                .count();
            if pinned >= copies {
                return cid;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{cid} not pinned on {copies} peers");
    }

    /// Waits until every peer reports `pinned` for `cid`, and says how long it took.
    pub async fn wait_pinned(&self, cid: &str, within: Duration) -> Duration {
        self.wait_status(cid, within, |s| s == TrackerStatus::Pinned)
            .await
    }

    /// Member peer IDs by name.
    pub async fn peer_ids(&self) -> std::collections::HashMap<String, String> {
        self.client()
            .members()
            .await
            .expect("the cluster lists its peers")
            .into_iter()
            .map(|p| (p.peername, p.id))
            .collect()
    }

    /// Until every member reports fresh free space: the daemon allocates
    /// only to those (a kubo an earlier test restarted reports again first).
    pub async fn fresh_metrics(&self) {
        let c = self.client();
        let n = self.peer_ids().await.len();
        eventually(
            "every peer reports its free space",
            Duration::from_secs(60),
            || async {
                let m = c.metrics("freespace").await.map_err(|e| e.to_string())?;
                let fresh = m.iter().filter(|x| x.valid).count();
                if fresh >= n {
                    Ok(())
                } else {
                    Err(format!("{fresh} of {n} fresh"))
                }
            },
        )
        .await;
    }

    /// The peers whose IPFS daemon holds a recursive pin of `cid` (kubo's
    /// `pin/ls`): the copies that exist, whatever the cluster reports while
    /// it re-queues pins.
    pub async fn held_by(&self, cid: &str) -> Vec<String> {
        let http = reqwest::Client::new();
        let mut out = Vec::new();
        for p in &self.peers {
            let r = http
                .post(format!("{}/api/v0/pin/ls?arg={cid}&type=recursive", p.rpc))
                .send()
                .await
                .expect("kubo RPC answers");
            if r.status().is_success() {
                out.push(p.name.clone());
            }
        }
        out
    }

    /// Waits until every peer reports a status that `done` accepts.
    pub async fn wait_status(
        &self,
        cid: &str,
        within: Duration,
        done: impl Fn(TrackerStatus) -> bool,
    ) -> Duration {
        let c = self.client();
        let t0 = Instant::now();
        loop {
            let last = c.pin_status(cid, false).await;
            if let Ok(gi) = &last {
                if gi.peer_map.len() == PEERS.len() && gi.peer_map.values().all(|p| done(p.status))
                {
                    return t0.elapsed();
                }
            }
            if t0.elapsed() > within {
                panic!("{cid}: not settled within {within:?}: {last:#?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Faults both backends can be put in: on the simulator through its control
/// calls, on the real cluster by stopping and starting the daemons with
/// `scripts/real-cluster`.
impl Backend {
    /// Stops a cluster peer (SIGTERM on the real one).
    pub async fn stop_peer(&self, name: &str) {
        match &self.sim {
            Some(h) => {
                h.set_peer_offline(
                    name,
                    Some("failed to dial: all dials failed: connect: connection refused"),
                );
            }
            None => script(&["stop-peer", name]).await,
        }
    }

    pub async fn start_peer(&self, name: &str) {
        match &self.sim {
            Some(h) => {
                h.set_peer_offline(name, None);
            }
            None => script(&["start-peer", name]).await,
        }
    }

    /// Stops a peer's IPFS daemon; its cluster peer stays up.
    pub async fn stop_ipfs(&self, name: &str) {
        match &self.sim {
            Some(h) => {
                h.set_ipfs_down(name, true);
            }
            None => script(&["stop-ipfs", name]).await,
        }
    }

    pub async fn start_ipfs(&self, name: &str) {
        match &self.sim {
            Some(h) => {
                h.set_ipfs_down(name, false);
            }
            None => script(&["start-ipfs", name]).await,
        }
    }
}

async fn script(args: &[&str]) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/real-cluster");
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let out = tokio::process::Command::new(path)
        .args(&args)
        .output()
        .await
        .expect("scripts/real-cluster runs");
    assert!(
        out.status.success(),
        "scripts/real-cluster {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Polls `probe` every 200 ms until it returns `Some`, or fails the test.
pub async fn eventually<T, F, Fut>(what: &str, within: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let t0 = Instant::now();
    loop {
        match probe().await {
            Ok(v) => return v,
            Err(last) if t0.elapsed() > within => {
                panic!("{what}: not within {within:?}; last: {last}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Content no other test (nor an earlier run on the same real cluster) has.
pub fn unique_bytes(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rand::thread_rng().fill_bytes(&mut v);
    v
}

/// A small text file of its own, with a recognisable prefix.
pub fn unique_text(what: &str) -> String {
    let mut n = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut n);
    format!("{what} {}\n", u64::from_le_bytes(n))
}
