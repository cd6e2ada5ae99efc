//! Command-line flags, in both the `ccs` and the `ipfs-cluster-ctl` spellings.

use std::path::PathBuf;

use clap::Parser;

use crate::config::Overrides;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "ccs-tui",
    version = env!("CCS_VERSION_LINE"),
    about = "The operator's console for a community-run IPFS Cluster",
    long_about = "The operator's console for a community-run IPFS Cluster.\n\n\
Reads ~/.ccs/config.yml as ccs does; --host and --basic-auth work as in ipfs-cluster-ctl.\n\
Try it without a cluster: ccs-tui --demo",
    after_help = "Environment: CLUSTER_CREDENTIALS=user:password (as ipfs-cluster-ctl), NO_COLOR."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<crate::commands::Command>,

    /// Run against a simulated community cluster (five peers, a few hundred
    /// items), the console or any subcommand. Each run starts a fresh one:
    /// what one `--demo add` adds, the next `--demo get` does not find
    /// (`ccs-sim --write-config demo.yml` keeps one running; then
    /// `--config demo.yml`).
    #[arg(long, global = true)]
    pub demo: bool,

    /// Machine output: one JSON document (a listing is one array, as
    /// ccs's `--json` is); see --json-lines for a stream.
    #[arg(long, global = true)]
    pub json: bool,

    /// Machine output as a stream: a listing is one JSON object per line
    /// (NDJSON), for `jq -c`, `grep` and pipes that start before it ends.
    #[arg(long, global = true, conflicts_with = "json")]
    pub json_lines: bool,

    /// Output encoding, as ipfs-cluster-ctl spells it (text or json).
    #[arg(long, alias = "enc", value_enum, ignore_case = true, global = true)]
    pub encoding: Option<Encoding>,

    /// Configuration file: ccs's YAML, or ccs v0.4's TOML [default:
    /// ~/.ccs/config.yml, else /etc/tfc/ccs.toml].
    #[arg(long, value_name = "PATH", global = true)]
    pub config: Option<PathBuf>,
    /// ccs v0.4's common.toml, under a TOML configuration [default: beside it].
    #[arg(long, value_name = "PATH", global = true)]
    pub common: Option<PathBuf>,

    /// Cluster peer(s) to talk to: a node name from the config, a host, a URL or a
    /// multiaddr; comma-separated hosts are tried in order (ipfs-cluster-ctl).
    #[arg(long, short = 'l', value_name = "HOST[,HOST…]", global = true)]
    pub host: Option<String>,

    /// Cluster peer to talk to (ccs spelling): a node name from the config or a host.
    #[arg(long, value_name = "NAME", global = true)]
    pub cluster_peername: Option<String>,

    /// HTTP basic auth as user:password (ipfs-cluster-ctl). Prefer
    /// --basic-auth-file or the config file: command lines are visible to others.
    #[arg(long, value_name = "USER:PASS", global = true)]
    pub basic_auth: Option<String>,

    /// A file holding user:password (ccs).
    #[arg(long, value_name = "PATH", global = true)]
    pub basic_auth_file: Option<PathBuf>,

    /// The kubo gateway to fetch from [default: port 8080 of the cluster host].
    #[arg(long, value_name = "URL", global = true)]
    pub gateway: Option<String>,

    /// Use HTTPS for hosts given without a scheme.
    #[arg(long, global = true)]
    pub https: bool,

    /// Accept self-signed TLS certificates.
    #[arg(long, global = true)]
    pub no_check_certificate: bool,

    /// Refuse every action that changes the cluster, in the console and in
    /// every subcommand (the configuration's `cluster.read_only` too).
    #[arg(long, alias = "readonly", global = true)]
    pub read_only: bool,

    /// No colours (NO_COLOR is honoured too).
    #[arg(long)]
    pub no_color: bool,

    /// Capture the mouse (off by default so the terminal's own selection works).
    #[arg(long)]
    pub mouse: bool,

    /// A keymap file overlaying the defaults [default: ~/.ccs/keymap.yml].
    #[arg(long, value_name = "PATH")]
    pub keymap: Option<PathBuf>,

    /// Seconds to wait for an answer (streams: for each piece of it).
    #[arg(
        long,
        short = 't',
        default_value_t = 30,
        value_name = "SECS",
        global = true
    )]
    pub timeout: u64,
}

impl Cli {
    pub fn json(&self) -> bool {
        self.json || self.encoding == Some(Encoding::Json)
    }

    pub fn overrides(&self) -> Overrides {
        Overrides {
            config_path: self.config.clone(),
            common_path: self.common.clone(),
            peername: self.cluster_peername.clone(),
            host: self.host.clone(),
            basic_auth: self.basic_auth.clone(),
            basic_auth_file: self.basic_auth_file.clone(),
            env_credentials: std::env::var("CLUSTER_CREDENTIALS")
                .ok()
                .filter(|s| !s.is_empty()),
            https: self.https,
            gateway: self.gateway.clone(),
        }
    }
}

impl Cli {
    /// Loads the configuration (printing its warnings) and builds the client:
    /// the same for the console and for every subcommand.
    pub fn connect(
        &self,
    ) -> Result<(crate::cluster::ClusterClient, crate::config::Resolved), String> {
        let resolved = crate::config::resolve(&self.overrides()).map_err(|e| e.to_string())?;
        for w in &resolved.warnings {
            eprintln!("{}", crate::sanitize::clean(w));
        }
        let mut cfg = crate::cluster::ClientConfig::new(resolved.hosts.clone());
        cfg.auth = resolved.auth.clone();
        cfg.credential_source = resolved.credential_source.clone();
        cfg.request_timeout = std::time::Duration::from_secs(self.timeout.max(1));
        cfg.idle_timeout = std::time::Duration::from_secs(self.timeout.max(1));
        cfg.insecure_tls = self.no_check_certificate;
        cfg.expected_peers = resolved
            .file
            .nodes
            .iter()
            .filter_map(|(name, spec)| {
                spec.peer_id()
                    .map(|id| crate::cluster::members::ExpectedPeer {
                        name: name.clone(),
                        id: id.to_string(),
                    })
            })
            .collect();
        let client = crate::cluster::ClusterClient::new(cfg).map_err(|e| e.to_string())?;
        Ok((client, resolved))
    }
}

/// `--encoding`: anything else is refused (a script asking for `xml` must
/// not get text it takes for what it asked).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Text,
    Json,
}
