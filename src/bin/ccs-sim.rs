#![forbid(unsafe_code)]
//! `ccs-sim`: a simulated IPFS Cluster (REST API + kubo gateway) on loopback.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Instant;

use ccs_tui::sim::{self, Faults};
use clap::Parser;

#[derive(Parser, Debug)]
#[command(
    name = "ccs-sim",
    version,
    about = "A simulated IPFS Cluster that speaks the real wire format",
    long_about = "Serves the IPFS Cluster REST API (v1.1.6 wire format) and a kubo-style \
gateway on loopback. Faults can be changed while it runs: \
PUT /_sim/faults (JSON), POST /_sim/peers/NAME/offline, POST /_sim/peers/NAME/online, \
POST /_sim/pins/CID/error {\"peer\":NAME,\"message\":…}."
)]
struct Args {
    /// Address of the REST API.
    #[arg(long, default_value = "127.0.0.1:9094")]
    listen: SocketAddr,
    /// Address of the kubo-style gateway.
    #[arg(long, default_value = "127.0.0.1:8080")]
    gateway: SocketAddr,
    /// Require HTTP basic auth (user:password), as restapi.basic_auth_credentials.
    #[arg(long, value_name = "USER:PASS")]
    basic_auth: Option<String>,
    /// Number of peers (ignored with --scenario demo).
    #[arg(long, default_value_t = 5)]
    peers: usize,
    /// Number of synthetic pins (ignored with --scenario demo).
    #[arg(long, default_value_t = 0)]
    pins: usize,
    /// A named scenario: `demo` (the community archive).
    #[arg(long)]
    scenario: Option<String>,
    /// Faults to start with, as JSON (see /_sim/faults).
    #[arg(long, value_name = "JSON")]
    faults: Option<String>,
    /// Settle pin operations at once instead of over a few seconds.
    #[arg(long)]
    instant: bool,
    /// Write a ccs-tui configuration naming every peer with its own gateway
    /// (for `ccs-tui --config FILE audit`, `ls`, …).
    #[arg(long, value_name = "FILE")]
    write_config: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let started = Instant::now();
    let mut state = match args.scenario.as_deref() {
        Some("demo") => match sim::scenario::demo() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("ccs-sim: {e}");
                return ExitCode::from(2);
            }
        },
        Some(other) => {
            eprintln!("ccs-sim: unknown scenario {other:?} (known: demo)");
            return ExitCode::from(2);
        }
        None => sim::scenario::synthetic(args.peers, args.pins, 1),
    };
    if let Some(auth) = &args.basic_auth {
        let Some((u, p)) = auth
            .split_once(':')
            .filter(|(u, p)| !u.is_empty() && !p.is_empty())
        else {
            eprintln!("ccs-sim: --basic-auth wants USER:PASSWORD");
            return ExitCode::from(2);
        };
        state.basic_auth = Some((u.to_string(), p.to_string()));
    }
    if args.instant {
        state.timings = sim::Timings::instant();
    }
    let faults = match args.faults.as_deref().map(serde_json::from_str::<Faults>) {
        None => Faults::default(),
        Some(Ok(f)) => f,
        Some(Err(e)) => {
            eprintln!("ccs-sim: --faults is not valid JSON faults: {e}");
            return ExitCode::from(2);
        }
    };
    let (npeers, npins) = (state.peers.len(), state.pins.len());
    let handle = match sim::start(state, args.listen, args.gateway, faults).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!(
                "ccs-sim: cannot listen on {} / {}: {e}",
                args.listen, args.gateway
            );
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "ccs-sim: {npeers} peers, {npins} pins, ready in {:.2?}\n  REST API  {}\n  gateway   {}",
        started.elapsed(),
        handle.api_url(),
        handle.gateway_url()
    );
    for (name, _, addr) in &handle.peer_gateways {
        eprintln!("  {name:<9} its own gateway http://{addr}");
    }
    if let Some(path) = &args.write_config {
        let auth = args.basic_auth.as_deref().and_then(|a| a.split_once(':'));
        // The demo is a ccs v0.4 deployment: its stewardship rules too.
        let yaml = handle.config_yaml(auth, args.scenario.as_deref() == Some("demo"));
        if let Err(e) = std::fs::write(path, yaml) {
            eprintln!("ccs-sim: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
        // It may hold the password: readable by its owner only.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
        eprintln!("  config    {}", path.display());
    }
    wait_for_signal().await;
    eprintln!("ccs-sim: stopping");
    handle.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
