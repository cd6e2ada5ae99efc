#![forbid(unsafe_code)]
//! `ccs-tui`: parse flags, load the configuration, and run.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use ccs_tui::cli::Cli;
use ccs_tui::cluster::types::TrackerStatus;
use ccs_tui::cluster::{parse_host, ClientConfig, ClientError, ClusterClient, PinTypeFilter};
use ccs_tui::{config, sim};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("CCS_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if cli.demo {
        return demo(&cli).await;
    }
    let resolved = match config::resolve(&cli.overrides()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ccs-tui: {e}");
            return ExitCode::from(2);
        }
    };
    for w in &resolved.warnings {
        eprintln!("{w}");
    }
    let mut cfg = ClientConfig::new(resolved.hosts.clone());
    cfg.auth = resolved.auth.clone();
    cfg.credential_source = resolved.credential_source.clone();
    cfg.request_timeout = Duration::from_secs(cli.timeout.max(1));
    cfg.idle_timeout = Duration::from_secs(cli.timeout.max(1));
    cfg.insecure_tls = cli.no_check_certificate;
    let client = match ClusterClient::new(cfg) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ccs-tui: {e}");
            return ExitCode::from(2);
        }
    };
    match summary(&client).await {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ccs-tui: {e}");
            ExitCode::from(2)
        }
    }
}

/// Starts the simulated community cluster in-process and talks to it.
async fn demo(cli: &Cli) -> ExitCode {
    let state = match sim::scenario::demo() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ccs-tui: {e}");
            return ExitCode::from(2);
        }
    };
    let any: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
    let handle = match sim::start(state, any, any, sim::Faults::default()).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("ccs-tui: cannot start the demo cluster: {e}");
            return ExitCode::from(2);
        }
    };
    let mut ep = match parse_host(&handle.api_url(), false) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("ccs-tui: {e}");
            return ExitCode::from(2);
        }
    };
    if let Ok(g) = url::Url::parse(&handle.gateway_url()) {
        ep.gateway = g;
    }
    let mut cfg = ClientConfig::new(vec![ep]);
    cfg.request_timeout = Duration::from_secs(cli.timeout.max(1));
    let client = match ClusterClient::new(cfg) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ccs-tui: {e}");
            return ExitCode::from(2);
        }
    };
    println!("Demo community cluster (simulated, in this process)");
    println!("  REST API  {}", handle.api_url());
    println!("  gateway   {}\n", handle.gateway_url());
    match summary(&client).await {
        Ok(t) => print!("{t}"),
        Err(e) => {
            eprintln!("ccs-tui: {e}");
            return ExitCode::from(2);
        }
    }
    println!(
        "\nThe full-screen console is being built; meanwhile the demo cluster answers\n\
         curl and ipfs-cluster-ctl (--host {}) until you press Ctrl-C.",
        handle.api_url()
    );
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    ExitCode::SUCCESS
}

/// A plain-text overview: peers, pinset size, problems.
async fn summary(client: &ClusterClient) -> Result<String, ClientError> {
    use std::fmt::Write;
    let mut out = String::new();
    let peers = client.peers().await?.collect().await?;
    let online = peers.iter().filter(|p| p.error.is_empty()).count();
    let _ = writeln!(
        out,
        "cluster at {}: {online}/{} peers online",
        client.endpoint(),
        peers.len()
    );
    for p in &peers {
        if p.error.is_empty() {
            let _ = writeln!(out, "  {:<10} {}  {}", p.peername, short(&p.id), p.version);
        } else {
            let _ = writeln!(
                out,
                "  {:<10} {}  OFFLINE: {}",
                p.peername,
                short(&p.id),
                p.error
            );
        }
    }
    let mut pins = client.allocations(PinTypeFilter::Pin).await?;
    let mut n = 0u64;
    while let Some(p) = pins.next().await {
        p?;
        n += 1;
    }
    let _ = writeln!(out, "pinset: {n} items");
    let problems = client
        .pins(Some("error,queued,pinning"), &[], false)
        .await?
        .collect()
        .await?;
    let errors = problems
        .iter()
        .filter(|g| {
            g.peer_map
                .values()
                .any(|p| p.status == TrackerStatus::PinError)
        })
        .count();
    let busy = problems
        .iter()
        .filter(|g| {
            g.peer_map
                .values()
                .any(|p| matches!(p.status, TrackerStatus::Pinning | TrackerStatus::PinQueued))
        })
        .count();
    let _ = writeln!(out, "problems: {errors} in error, {busy} still pinning");
    Ok(out)
}

fn short(id: &str) -> String {
    let n = id.len();
    if n > 12 {
        format!("{}…{}", &id[..6], &id[n - 6..])
    } else {
        id.to_string()
    }
}
