#![forbid(unsafe_code)]
//! `ccs-tui`: parse flags, load the configuration, and run.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use std::io::IsTerminal;
use std::sync::Arc;

use ccs_tui::app::keymap::Keymap;
use ccs_tui::app::State;
use ccs_tui::cli::Cli;
use ccs_tui::cluster::{parse_host, ClientConfig, ClusterClient};
use ccs_tui::tasks::pollers::PollConfig;
use ccs_tui::tui::{self, TuiOptions};
use ccs_tui::{config, sim};

/// Removes a folder when it goes out of scope (the demo's state).
struct RemovedAtExit(std::path::PathBuf);

impl Drop for RemovedAtExit {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.command.is_none() && std::io::stdout().is_terminal());
    // A demo's cluster is new each run: its state lives and ends with it.
    let _demo_state = cli.demo.then(|| {
        let dir = std::env::temp_dir().join(format!("ccs-tui-demo-state-{}", std::process::id()));
        ccs_tui::cluster::state_files::use_state_dir(dir.clone());
        RemovedAtExit(dir)
    });
    if let Some(cmd) = &cli.command {
        // `--demo` answers a subcommand too, from the simulated cluster
        // started here (kept alive until the command ends).
        let mut cli = cli.clone();
        // Its configuration too, as the console's demo has it: each node's
        // gateway (for `audit`), the stewardship rules (for `rebalance`).
        let demo_config =
            std::env::temp_dir().join(format!("ccs-tui-demo-{}.yml", std::process::id()));
        let _demo = if cli.demo {
            match demo_sim().await {
                Ok(h) => {
                    cli.host = Some(h.api_url());
                    cli.gateway = Some(h.gateway_url());
                    if std::fs::write(&demo_config, h.config_yaml(None, true)).is_ok() {
                        cli.config = Some(demo_config.clone());
                    }
                    Some(h)
                }
                Err(e) => {
                    eprintln!("ccs-tui: {}", ccs_tui::sanitize::clean(&e));
                    return ExitCode::from(2);
                }
            }
        } else {
            None
        };
        let connect = || cli.connect();
        let inv = ccs_tui::commands::Invocation {
            overrides: cli.overrides(),
            json: cli.json(),
            json_lines: cli.json_lines,
            cli: &<Cli as clap::CommandFactory>::command,
            read_only: cli.read_only,
            connect: &connect,
        };
        let code = ccs_tui::commands::run(&inv, cmd).await;
        if cli.demo {
            let _ = std::fs::remove_file(&demo_config);
        }
        report_peak_memory();
        return code;
    }
    let mut default_org: Option<String> = None;
    let mut read_only_file = false;
    let (client, label, user, console, _sim, nodes, file_config) = if cli.demo {
        match demo_cluster(&cli).await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("ccs-tui: {}", ccs_tui::sanitize::clean(&e.to_string()));
                return ExitCode::from(2);
            }
        }
    } else {
        let (client, resolved) = match cli.connect() {
            Ok(x) => x,
            Err(e) => {
                eprintln!("ccs-tui: {}", ccs_tui::sanitize::clean(&e.to_string()));
                return ExitCode::from(2);
            }
        };
        let label = client.endpoint().label();
        let user = resolved.user().map(String::from);
        read_only_file = resolved.read_only();
        // With one profile (org) in the config, uploads are tagged with it.
        if resolved.file.profiles.len() == 1 {
            default_org = resolved.file.profiles.keys().next().cloned();
        }
        // A node list that does not parse only costs the audit its gateways.
        let nodes = config::node_gateways(&resolved.file, cli.https).unwrap_or_default();
        (
            client,
            label,
            user,
            resolved.file.console.clone(),
            None,
            nodes,
            resolved.file,
        )
    };
    if !std::io::stdout().is_terminal() {
        // No terminal to draw on (a pipe, cron): print the overview instead.
        // It is `health`, in text: one overview, one exit code rule.
        return match ccs_tui::commands::health::report(&client, false).await {
            Ok(code) => ExitCode::from(code),
            Err(e) => {
                eprintln!("ccs-tui: {}", ccs_tui::sanitize::clean(&e.to_string()));
                ExitCode::from(2)
            }
        };
    }
    let keymap = match load_keymap(&cli) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("ccs-tui: {}", ccs_tui::sanitize::clean(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    let mut st = State::new(label, user, std::time::Instant::now());
    st.read_only = cli.read_only || read_only_file;
    st.color = !cli.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    st.keymap = keymap;
    st.default_org = default_org;
    st.node_orgs = config::node_orgs(&file_config);
    st.clipboard = ccs_tui::term::detect_clipboard(console.osc52_passthrough);
    st.cwd = std::env::current_dir().unwrap_or_default();
    st.job_control = ccs_tui::term::job_control();
    let origin = (
        format!("console at {}", st.cluster),
        st.user
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_default(),
    );
    let opts = TuiOptions {
        origin,
        mouse: cli.mouse,
        poll: poll_config(&console),
        nodes,
        config: file_config,
    };
    match tui::run(Arc::new(client), st, opts).await {
        // As a shell reports a process a signal ended: 128 + its number.
        Ok(tui::Exit::Signal(n)) => ExitCode::from(128u8.saturating_add(n)),
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ccs-tui: terminal error: {e}");
            ExitCode::from(2)
        }
    }
}

fn poll_config(c: &config::ConsoleSection) -> PollConfig {
    let d = PollConfig::default();
    let secs = |v: Option<u64>, def: Duration| v.map_or(def, |s| Duration::from_secs(s.max(1)));
    PollConfig {
        peers: secs(c.peers_interval, d.peers),
        metrics: secs(c.metrics_interval, d.metrics),
        pinset: secs(c.pinset_interval, d.pinset),
        status: secs(c.status_interval, d.status),
        problems: secs(c.problems_interval, d.problems),
        max_backoff: d.max_backoff,
    }
}

fn load_keymap(cli: &Cli) -> Result<Keymap, String> {
    let path = cli.keymap.clone().or_else(|| {
        config::default_path()
            .and_then(|p| p.parent().map(|d| d.join("keymap.yml")))
            .filter(|p| p.exists())
    });
    match path {
        None => Ok(Keymap::default()),
        Some(p) => {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| format!("{}: {e}", config::display_path(&p)))?;
            Keymap::default()
                .overlay(&text)
                .map_err(|e| format!("{}: {e}", config::display_path(&p)))
        }
    }
}

type Started = (
    ClusterClient,
    String,
    Option<String>,
    config::ConsoleSection,
    Option<sim::SimHandle>,
    Vec<ccs_tui::cluster::audit::Node>,
    config::FileConfig,
);

/// The simulated community cluster, started in this process on loopback.
async fn demo_sim() -> Result<sim::SimHandle, String> {
    let state = sim::scenario::demo()?;
    let any: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
    sim::start(state, any, any, sim::Faults::default())
        .await
        .map_err(|e| format!("cannot start the demo cluster: {e}"))
}

/// Starts the simulated community cluster in this process and a client for it.
async fn demo_cluster(cli: &Cli) -> Result<Started, String> {
    let handle = demo_sim().await?;
    let mut ep = parse_host(&handle.api_url(), false)?;
    if let Ok(g) = url::Url::parse(&handle.gateway_url()) {
        ep.gateway = g;
    }
    let mut cfg = ClientConfig::new(vec![ep]);
    cfg.request_timeout = Duration::from_secs(cli.timeout.max(1));
    let client = ClusterClient::new(cfg).map_err(|e| e.to_string())?;
    let console = config::ConsoleSection {
        // The demo is small and local: keep it lively.
        pinset_interval: Some(10),
        problems_interval: Some(5),
        ..Default::default()
    };
    // The demo's own configuration, as `ccs-sim --write-config` writes it:
    // every member's own gateway (for audits), the stewardship rules (a
    // rebalance plans to the items' own 2..3 copies).
    let file = config::parse(&handle.config_yaml(None, true), "demo").map_err(|e| e.to_string())?;
    let nodes = config::node_gateways(&file, false).map_err(|e| e.to_string())?;
    Ok((
        client,
        "demo (simulated)".into(),
        None,
        console,
        Some(handle),
        nodes,
        file,
    ))
}

/// Logs (`CCS_LOG=debug`) go to stderr, except while the console owns the
/// terminal: then to `CCS_LOG_FILE` (default: ccs-tui.log in the temporary
/// folder), so no log line is drawn over the screen.
fn init_logging(console: bool) {
    let filter = tracing_subscriber::EnvFilter::from_env("CCS_LOG");
    if console && std::env::var_os("CCS_LOG").is_some() {
        let path = std::env::var_os("CCS_LOG_FILE")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::env::temp_dir().join("ccs-tui.log"));
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
        {
            Ok(file) => {
                tracing_subscriber::fmt()
                    .with_env_filter(filter)
                    .with_ansi(false)
                    .with_writer(std::sync::Mutex::new(file))
                    .init();
                return;
            }
            Err(e) => {
                eprintln!(
                    "ccs-tui: cannot log to {}: {e}; logging is off",
                    path.display()
                );
                return;
            }
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// For the benchmark suite: `CCS_TUI_PEAK_RSS=1` prints this process's peak
/// resident memory to stderr at exit (Linux).
fn report_peak_memory() {
    if std::env::var_os("CCS_TUI_PEAK_RSS").is_none() {
        return;
    }
    if let Ok(s) = std::fs::read_to_string("/proc/self/status") {
        if let Some(l) = s.lines().find(|l| l.starts_with("VmHWM:")) {
            eprintln!(
                "peak-rss-kib {}",
                l.split_whitespace().nth(1).unwrap_or("0")
            );
        }
    }
}
