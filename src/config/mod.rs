//! Configuration: `~/.ccs/config.yml` as `ccs` users have it, overlaid by the
//! flags of `ccs` (`--cluster-peername`, `--basic-auth-file`) and of
//! `ipfs-cluster-ctl` (`--host`, `--basic-auth`), and `CLUSTER_CREDENTIALS`.
//!
//! Precedence: flags, then the environment, then the file.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

mod credentials;
mod fleet;
mod hosts;
mod toml_files;
pub mod validate;
pub use fleet::{fleet, fleet_now, node_orgs};
pub use hosts::node_gateways;

use crate::cluster::{Auth, Endpoint};

/// A problem that stops us: one line naming the file and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// `nodes.<name>`: a mapping, or (as ccs allows) just the host.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum NodeSpec {
    Host(String),
    Full {
        host: String,
        #[serde(default)]
        peer_id: Option<String>,
        #[serde(default)]
        reserved_min_gb: Option<u64>,
        /// The node's own gateway, when it is not port 8080 of its host.
        #[serde(default)]
        gateway: Option<String>,
        /// The member organisation that runs it (else: the org whose
        /// profile names it primary).
        #[serde(default)]
        org: Option<String>,
        /// Being retired: stewardship never gives it new copies (drain it).
        #[serde(default)]
        retiring: Option<bool>,
    },
}

impl NodeSpec {
    pub fn host(&self) -> &str {
        match self {
            NodeSpec::Host(h) => h,
            NodeSpec::Full { host, .. } => host,
        }
    }
    pub fn peer_id(&self) -> Option<&str> {
        match self {
            NodeSpec::Host(_) => None,
            NodeSpec::Full { peer_id, .. } => peer_id.as_deref(),
        }
    }
    pub fn retiring(&self) -> bool {
        matches!(
            self,
            NodeSpec::Full {
                retiring: Some(true),
                ..
            }
        )
    }

    /// ccs's `reserved_min_gb` (0 unless set).
    pub fn reserved_min_gb(&self) -> u64 {
        match self {
            NodeSpec::Host(_) => 0,
            NodeSpec::Full {
                reserved_min_gb, ..
            } => reserved_min_gb.unwrap_or(0),
        }
    }
    pub fn gateway(&self) -> Option<&str> {
        match self {
            NodeSpec::Host(_) => None,
            NodeSpec::Full { gateway, .. } => gateway.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSection {
    #[serde(default)]
    pub basic_auth_user: Option<String>,
    #[serde(default)]
    pub basic_auth_password: Option<String>,
    #[serde(default)]
    pub default_node: Option<String>,
    #[serde(default)]
    pub backup_node: Option<String>,
    #[serde(default)]
    pub auth_file: Option<String>,
    #[serde(default)]
    pub replication_min: Option<i32>,
    #[serde(default)]
    pub replication_max: Option<i32>,
    /// Refuse every change to the cluster (a shared, look-only account).
    #[serde(default)]
    pub read_only: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Profile {
    #[serde(default)]
    pub primary: Option<String>,
}

/// `console:`: how often the console polls (seconds).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleSection {
    #[serde(default)]
    pub peers_interval: Option<u64>,
    #[serde(default)]
    pub metrics_interval: Option<u64>,
    #[serde(default)]
    pub pinset_interval: Option<u64>,
    #[serde(default)]
    pub status_interval: Option<u64>,
    #[serde(default)]
    pub problems_interval: Option<u64>,
    /// Inside tmux, wrap OSC 52 in tmux's passthrough (for `allow-passthrough
    /// on` setups) instead of relying on `set-clipboard`.
    #[serde(default)]
    pub osc52_passthrough: bool,
}

/// The file as written. Unknown keys are refused so a typo is not ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub cluster: ClusterSection,
    /// Older ccs YAML had these at the top level.
    #[serde(default)]
    pub default_node: Option<String>,
    #[serde(default)]
    pub backup_node: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
    #[serde(default)]
    pub nodes: BTreeMap<String, NodeSpec>,
    #[serde(default)]
    pub console: ConsoleSection,
}

/// What the command line says (both `ccs` and `ipfs-cluster-ctl` spellings).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config_path: Option<PathBuf>,
    /// `--common` (ccs v0.4): the `common.toml` under a TOML configuration.
    pub common_path: Option<PathBuf>,
    /// `--cluster-peername` (ccs): a node name from the file, or a host.
    pub peername: Option<String>,
    /// `--host` (ctl): comma-separated hosts, tried in order.
    pub host: Option<String>,
    /// `--basic-auth user:pass` (ctl).
    pub basic_auth: Option<String>,
    /// `--basic-auth-file` (ccs): a file holding `user:password`.
    pub basic_auth_file: Option<PathBuf>,
    /// `CLUSTER_CREDENTIALS`.
    pub env_credentials: Option<String>,
    pub https: bool,
    /// `--gateway URL`: where to fetch content, instead of port 8080 of the host.
    pub gateway: Option<String>,
}

/// The configuration in force.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub hosts: Vec<Endpoint>,
    pub auth: Auth,
    /// Where the credentials came from (for messages; never the secret).
    pub credential_source: String,
    pub file: FileConfig,
    pub file_path: Option<PathBuf>,
    pub warnings: Vec<String>,
}

impl Resolved {
    /// The configuration says this account only looks.
    pub fn read_only(&self) -> bool {
        self.file.cluster.read_only.unwrap_or(false)
    }

    pub fn user(&self) -> Option<&str> {
        match &self.auth {
            Auth::Basic { user, .. } => Some(user),
            _ => None,
        }
    }
}

pub fn default_path() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".ccs").join("config.yml"))
}

/// Shows a path as the user would type it (`~/.ccs/config.yml`).
pub fn display_path(p: &Path) -> String {
    if let Some(home) = std::env::var_os("HOME") {
        if let Ok(rest) = p.strip_prefix(&home) {
            return format!("~/{}", rest.display());
        }
    }
    p.display().to_string()
}

/// Parses a config file's text; errors carry line and column.
pub fn parse(text: &str, shown: &str) -> Result<FileConfig, ConfigError> {
    if text.trim().is_empty() {
        return Ok(FileConfig::default());
    }
    serde_yaml::from_str::<FileConfig>(text).map_err(|e| {
        let msg = e.to_string();
        // serde_yaml appends " at line L column C"; put the place first.
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        match e.location() {
            Some(loc) => ConfigError(format!(
                "{shown}: line {}, column {}: {msg}",
                loc.line(),
                loc.column()
            )),
            None => ConfigError(format!("{shown}: {msg}")),
        }
    })
}

#[cfg(unix)]
fn loose_permissions(p: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(p).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn loose_permissions(_p: &Path) -> Option<u32> {
    None
}

fn permission_warning(p: &Path) -> Option<String> {
    loose_permissions(p).map(|mode| {
        let shown = display_path(p);
        format!(
            "WARNING: {shown} holds a password and is readable by others (mode {mode:04o}); run: chmod 600 {shown}"
        )
    })
}

fn split_credentials(s: &str, source: &str) -> Result<(String, String), ConfigError> {
    let s = s.trim();
    match s.split_once(':') {
        Some((u, p)) if !u.is_empty() && !p.is_empty() => Ok((u.to_string(), p.to_string())),
        _ => Err(ConfigError(format!(
            "{source}: credentials must be user:password"
        ))),
    }
}

/// Loads the file (if any), applies the overrides and checks the result
/// against [`validate::problems`]: no command runs on a configuration that
/// `config --validate-only` refuses, and each says why in its words.
pub fn resolve(o: &Overrides) -> Result<Resolved, ConfigError> {
    let r = resolve_unchecked(o)?;
    let problems = validate::problems(&r.file);
    if problems.is_empty() {
        return Ok(r);
    }
    let shown = r
        .file_path
        .as_deref()
        .map(display_path)
        .unwrap_or_else(|| "the configuration".into());
    Err(ConfigError(format!(
        "{shown}: {} (ccs-tui config --validate-only lists every problem)",
        problems.join("; ")
    )))
}

/// Loads the file (if any) and applies the overrides, unchecked: for
/// `config`, which shows what it found beside what is wrong with it.
pub fn resolve_unchecked(o: &Overrides) -> Result<Resolved, ConfigError> {
    let explicit = o.config_path.is_some();
    let mut path = o.config_path.clone().or_else(default_path);
    // No ~/.ccs/config.yml: ccs v0.4's files, where it keeps them.
    if !explicit && !path.as_ref().is_some_and(|p| p.exists()) {
        let system = toml_files::system_dir().join("ccs.toml");
        if system.exists() {
            path = Some(system);
        }
    }
    let mut warnings = Vec::new();
    let is_toml = path
        .as_ref()
        .is_some_and(|p| p.extension().is_some_and(|e| e == "toml"));
    let (file, file_path) = match &path {
        Some(p) if is_toml => (
            toml_files::load(p, o.common_path.as_deref())?,
            Some(p.clone()),
        ),
        Some(p) => {
            let shown = display_path(p);
            match std::fs::read_to_string(p) {
                Ok(text) => (parse(&text, &shown)?, Some(p.clone())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                    (FileConfig::default(), None)
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(ConfigError(format!("{shown}: no such file")))
                }
                Err(e) => return Err(ConfigError(format!("{shown}: cannot read: {e}"))),
            }
        }
        None => (FileConfig::default(), None),
    };
    let shown_file = file_path
        .as_deref()
        .map(display_path)
        .unwrap_or_else(|| "~/.ccs/config.yml".to_string());

    let (mut auth, mut credential_source) =
        credentials::resolve(o, &file, file_path.as_deref(), &shown_file, &mut warnings)?;
    let mut hosts = hosts::resolve(o, &file, file_path.is_some(), &shown_file)?;
    // `--host http://user:pass@nas:9094`: the credentials are taken out of the
    // URL (so no message, log or `config` output can show the password) and
    // used when nothing else gave any.
    for h in &mut hosts {
        for url in [&mut h.api, &mut h.gateway] {
            let user = url.username().to_string();
            let password = url.password().map(String::from);
            if user.is_empty() && password.is_none() {
                continue;
            }
            if matches!(auth, Auth::None) {
                auth = Auth::Basic {
                    user: percent_encoding::percent_decode_str(&user)
                        .decode_utf8_lossy()
                        .into_owned(),
                    password: percent_encoding::percent_decode_str(
                        password.as_deref().unwrap_or(""),
                    )
                    .decode_utf8_lossy()
                    .into_owned(),
                };
                credential_source = if o.host.is_some() {
                    "the URL given with --host".into()
                } else {
                    format!("a host URL in {shown_file}")
                };
            }
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
    }
    for (name, spec) in &file.nodes {
        if spec.peer_id().is_none() && matches!(spec, NodeSpec::Full { .. }) {
            warnings.push(format!("{shown_file}: node {name} has no peer_id"));
        }
    }
    Ok(Resolved {
        hosts,
        auth,
        credential_source,
        file,
        file_path,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::parse_host;

    fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let _ = mode;
        p
    }

    const CCS: &str = "cluster:\n  basic_auth_user: admin\n  basic_auth_password: s3cret\n  default_node: nas\nnodes:\n  nas:\n    host: 100.64.0.31\n    peer_id: 12D3KooWabc\n  chll: 100.64.0.32\n";

    #[test]
    fn ccs_yaml_with_nodes_and_failover() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "config.yml", CCS, 0o600);
        let r = resolve(&Overrides {
            config_path: Some(p),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(r.hosts[0].api.as_str(), "http://100.64.0.31:9094/");
        assert_eq!(r.hosts[1].api.as_str(), "http://100.64.0.32:9094/");
        assert_eq!(r.user(), Some("admin"));
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn flags_win_over_the_file() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "config.yml", CCS, 0o600);
        let r = resolve(&Overrides {
            config_path: Some(p.clone()),
            peername: Some("chll".into()),
            basic_auth: Some("ops:pw".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(r.hosts.len(), 1);
        assert_eq!(r.hosts[0].label(), "100.64.0.32:9094");
        assert_eq!(r.user(), Some("ops"));
        let r = resolve(&Overrides {
            config_path: Some(p),
            host: Some("/dns4/meerkat/tcp/9094,nas".into()),
            env_credentials: Some("env:pw".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(r.hosts[0].label(), "meerkat:9094");
        assert_eq!(r.hosts[1].label(), "100.64.0.31:9094");
        assert_eq!(r.credential_source, "CLUSTER_CREDENTIALS");
    }

    #[test]
    fn malformed_yaml_names_file_line_and_column() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            "config.yml",
            "cluster:\n  basic_auth_user: [\n",
            0o600,
        );
        let e = resolve(&Overrides {
            config_path: Some(p.clone()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.0.contains("config.yml: line "), "{e}");
        assert!(!e.0.contains('\n'), "one line: {e}");
        let p = write(
            d.path(),
            "typo.yml",
            "cluster:\n  basic_auth_usr: admin\n",
            0o600,
        );
        let e = resolve(&Overrides {
            config_path: Some(p),
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.0.contains("unknown field `basic_auth_usr`"), "{e}");
        assert!(e.0.contains("line 2"), "{e}");
    }

    #[test]
    fn the_shipped_example_parses() {
        let f = parse(include_str!("../../assets/config.example.yml"), "example").unwrap();
        assert_eq!(f.cluster.default_node.as_deref(), Some("nas"));
        assert_eq!(f.nodes.len(), 5);
        for n in f.nodes.values() {
            parse_host(n.host(), false).unwrap();
        }
    }

    #[test]
    fn missing_files() {
        let e = resolve(&Overrides {
            config_path: Some("/nonexistent/ccs.yml".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.0, "/nonexistent/ccs.yml: no such file");
    }

    #[cfg(unix)]
    #[test]
    fn loose_password_files_warn_like_ssh() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "config.yml", CCS, 0o644);
        let r = resolve(&Overrides {
            config_path: Some(p),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].contains("mode 0644") && r.warnings[0].contains("chmod 600"));
        let f = write(d.path(), "auth", "admin:pw\n", 0o640);
        let r = resolve(&Overrides {
            host: Some("nas".into()),
            basic_auth_file: Some(f),
            config_path: Some(d.path().join("config.yml")),
            ..Default::default()
        })
        .unwrap();
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("auth holds a password")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn half_credentials_are_an_error() {
        let e = parse("cluster:\n  basic_auth_user: admin\n", "c.yml").map(|_| ());
        assert!(e.is_ok());
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            "c.yml",
            "cluster:\n  basic_auth_user: admin\n  default_node: nas\n",
            0o600,
        );
        let e = resolve(&Overrides {
            config_path: Some(p),
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.0.contains("basic_auth_password is missing"), "{e}");
    }
}
