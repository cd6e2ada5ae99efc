//! ccs v0.4's configuration: `ccs.toml` deep-merged over an optional
//! `common.toml` (ccs's wins, key by key), by default in `/etc/tfc/`. A user
//! of ccs v0.4 starts ccs-tui with no new file.

use std::path::{Path, PathBuf};

use super::{display_path, ConfigError, FileConfig};

/// Where ccs v0.4 keeps its files (`CCS_TFC_DIR` moves it, for tests).
pub fn system_dir() -> PathBuf {
    std::env::var_os("CCS_TFC_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/etc/tfc"))
}

/// The sections ccs-tui reads; ccs's others (`[org]`, `[postgres]`…) are its own.
const OURS: &[&str] = &[
    "cluster",
    "profiles",
    "nodes",
    "default_node",
    "backup_node",
    "console",
];

/// `over` merged into `base`: tables key by key, anything else replaced.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn read_table(p: &Path) -> Result<toml::Table, ConfigError> {
    let shown = display_path(p);
    let text = std::fs::read_to_string(p).map_err(|e| {
        ConfigError(if e.kind() == std::io::ErrorKind::NotFound {
            format!("{shown}: no such file")
        } else {
            format!("{shown}: cannot read: {e}")
        })
    })?;
    text.parse::<toml::Table>().map_err(|e| {
        let msg = e.message().to_string();
        match e.span() {
            Some(span) => {
                let line = text[..span.start.min(text.len())].lines().count().max(1);
                ConfigError(format!("{shown}: line {line}: {msg}"))
            }
            None => ConfigError(format!("{shown}: {msg}")),
        }
    })
}

/// Loads `ccs.toml` over `common` (default: `common.toml` beside it, if any).
pub fn load(ccs: &Path, common: Option<&Path>) -> Result<FileConfig, ConfigError> {
    let beside = ccs.with_file_name("common.toml");
    let common = match common {
        Some(c) => Some(c.to_path_buf()),
        None => beside.exists().then_some(beside),
    };
    let mut table = match &common {
        Some(c) => read_table(c)?,
        None => toml::Table::new(),
    };
    merge(&mut table, read_table(ccs)?);
    table.retain(|k, _| OURS.contains(&k));
    let shown = display_path(ccs);
    toml::Value::Table(table)
        .try_into::<FileConfig>()
        .map_err(|e| ConfigError(format!("{shown}: {}", e.message())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ccs_v04_files_merge_section_by_section() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("common.toml"),
            "[org]\nname = \"hrdag\"\n[postgres]\nurl = \"x\"\n[cluster]\nreplication_min = 2\nauth_file = \"/etc/tfc/keys/ccs-auth\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("ccs.toml"),
            r#"[cluster]
default_node = "nas"
backup_node = "chll"
replication_min = 3
replication_max = 5
[profiles.hrdag]
primary = "nas"
[nodes.nas]
host = "100.64.0.31"
peer_id = "12D3KooWNAS"
reserved_min_gb = 200
[nodes]
chll = "100.64.0.32"
"#,
        )
        .unwrap();
        let f = load(&dir.path().join("ccs.toml"), None).unwrap();
        assert_eq!(f.cluster.default_node.as_deref(), Some("nas"));
        assert_eq!(f.cluster.backup_node.as_deref(), Some("chll"));
        assert_eq!(f.cluster.replication_min, Some(3), "ccs.toml wins");
        assert_eq!(
            f.cluster.auth_file.as_deref(),
            Some("/etc/tfc/keys/ccs-auth"),
            "common.toml's keys stay"
        );
        assert_eq!(f.profiles["hrdag"].primary.as_deref(), Some("nas"));
        assert_eq!(f.nodes["nas"].peer_id(), Some("12D3KooWNAS"));
        assert_eq!(f.nodes["chll"].host(), "100.64.0.32");
        std::fs::write(dir.path().join("bad.toml"), "[cluster\nx = 1\n").unwrap();
        let e = load(&dir.path().join("bad.toml"), None).unwrap_err();
        assert!(e.to_string().contains("bad.toml: line 1"), "{e}");
    }
}
