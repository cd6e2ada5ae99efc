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
use ccs_tui::commands::{fail, killed_by, Command, FAIL, OK};
use ccs_tui::tasks::pollers::PollConfig;
use ccs_tui::tui::{self, TuiOptions};
use ccs_tui::{config, sim};

/// Removes a folder when it goes out of scope (the demo's state).
/// Removes the run's own files and folders when dropped (the end of main).
struct RemovedAtExit;

impl Drop for RemovedAtExit {
    fn drop(&mut self) {
        ccs_tui::commands::remove_temporaries();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.command.is_none() && std::io::stdout().is_terminal());
    // A demo's cluster is new each run: its state lives and ends with it.
    let _temporaries = RemovedAtExit;
    if cli.demo {
        let dir = std::env::temp_dir().join(format!("ccs-tui-demo-state-{}", std::process::id()));
        ccs_tui::cluster::state_files::use_state_dir(dir.clone());
        ccs_tui::commands::remove_at_exit(dir);
    }
    match &cli.command {
        Some(cmd) => run_command(&cli, cmd).await,
        None => run_console(&cli).await,
    }
}

/// `ccs-tui COMMAND`: one scripting subcommand.
async fn run_command(cli: &Cli, cmd: &Command) -> ExitCode {
    // `--demo` answers a subcommand too, from the simulated cluster
    // started here (kept alive until the command ends).
    let mut cli = cli.clone();
    // Its configuration too, as the console's demo has it: each node's
    // gateway (for `audit`), the stewardship rules (for `rebalance`).
    let demo_config = std::env::temp_dir().join(format!("ccs-tui-demo-{}.yml", std::process::id()));
    let _demo = if cli.demo {
        match demo_sim().await {
            Ok(h) => {
                cli.host = Some(h.api_url());
                cli.gateway = Some(h.gateway_url());
                if std::fs::write(&demo_config, h.config_yaml(None, true)).is_ok() {
                    ccs_tui::commands::remove_at_exit(demo_config.clone());
                    cli.config = Some(demo_config.clone());
                }
                Some(h)
            }
            Err(e) => return fail(e),
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
    report_peak_memory();
    code
}

/// `ccs-tui`: the console, or without a terminal the overview.
async fn run_console(cli: &Cli) -> ExitCode {
    let opened = if cli.demo {
        demo_cluster(cli).await
    } else {
        configured_cluster(cli)
    };
    let opened = match opened {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    if !std::io::stdout().is_terminal() {
        // No terminal to draw on (a pipe, cron): print the overview instead.
        // It is `health`, in text: one overview, one exit code rule.
        return match ccs_tui::commands::health::report(&opened.client, false).await {
            Ok(code) => ExitCode::from(code),
            Err(e) => fail(e),
        };
    }
    let keymap = match load_keymap(cli) {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let st = console_state(cli, &opened, keymap);
    let origin = origin(&st);
    let Opened {
        client,
        console,
        nodes,
        file,
        sim: _sim,
        ..
    } = opened;
    let opts = TuiOptions {
        origin,
        mouse: cli.mouse,
        poll: poll_config(&console),
        nodes,
        config: file,
    };
    match tui::run(Arc::new(client), st, opts).await {
        // As a shell reports a process a signal ended.
        Ok(tui::Exit::Signal(n)) => ExitCode::from(killed_by(n)),
        Ok(_) => ExitCode::from(OK),
        Err(e) => {
            eprintln!("ccs-tui: terminal error: {e}");
            ExitCode::from(FAIL)
        }
    }
}

/// Which configuration and user the console runs as (for the removal log).
fn origin(st: &State) -> (String, String) {
    (
        format!("console at {}", st.cluster),
        st.user
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_default(),
    )
}

/// The console's state as it opens on `opened`.
fn console_state(cli: &Cli, opened: &Opened, keymap: Keymap) -> State {
    let mut st = State::new(
        opened.label.clone(),
        opened.user.clone(),
        std::time::Instant::now(),
    );
    st.read_only = cli.read_only || opened.read_only;
    st.color = !cli.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    st.keymap = keymap;
    st.default_org = opened.default_org.clone();
    st.node_orgs = config::node_orgs(&opened.file);
    st.clipboard = ccs_tui::term::detect_clipboard(opened.console.osc52_passthrough);
    st.cwd = std::env::current_dir().unwrap_or_default();
    st.job_control = ccs_tui::term::job_control();
    st
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

/// The cluster the console opens on: the demo's, or the configuration's.
struct Opened {
    client: ClusterClient,
    /// The cluster as the header names it.
    label: String,
    user: Option<String>,
    console: config::ConsoleSection,
    /// The demo's simulated cluster, alive as long as the console.
    sim: Option<sim::SimHandle>,
    /// Each node with its gateway (for the audit).
    nodes: Vec<ccs_tui::cluster::audit::Node>,
    file: config::FileConfig,
    /// With one profile (org) in the configuration, uploads are tagged with it.
    default_org: Option<String>,
    /// The configuration's cluster.read_only.
    read_only: bool,
}

/// The cluster the configuration (and flags) name.
fn configured_cluster(cli: &Cli) -> Result<Opened, String> {
    let (client, resolved) = cli.connect()?;
    let label = client.endpoint().label();
    let user = resolved.user().map(String::from);
    let read_only = resolved.read_only();
    let default_org = if resolved.file.profiles.len() == 1 {
        resolved.file.profiles.keys().next().cloned()
    } else {
        None
    };
    // A node list that does not parse only costs the audit its gateways.
    let nodes = config::node_gateways(&resolved.file, cli.https).unwrap_or_default();
    Ok(Opened {
        client,
        label,
        user,
        console: resolved.file.console.clone(),
        sim: None,
        nodes,
        file: resolved.file,
        default_org,
        read_only,
    })
}

/// The simulated community cluster, started in this process on loopback.
async fn demo_sim() -> Result<sim::SimHandle, String> {
    let state = sim::scenario::demo()?;
    let any: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
    sim::start(state, any, any, sim::Faults::default())
        .await
        .map_err(|e| format!("cannot start the demo cluster: {e}"))
}

/// Starts the simulated community cluster in this process and a client for it.
async fn demo_cluster(cli: &Cli) -> Result<Opened, String> {
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
    Ok(Opened {
        client,
        label: "demo (simulated)".into(),
        user: None,
        console,
        sim: Some(handle),
        nodes,
        file,
        default_org: None,
        read_only: false,
    })
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
