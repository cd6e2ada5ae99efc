//! Where the credentials come from, in order: `--basic-auth`, then
//! `--basic-auth-file`, then `CLUSTER_CREDENTIALS`, then the configuration's
//! `auth_file`, then its user and password.

use std::path::{Path, PathBuf};

use super::{
    display_path, permission_warning, split_credentials, ConfigError, FileConfig, Overrides,
};
use crate::cluster::Auth;

/// The credentials and the words that say where they came from (for the 401
/// message); warns about files others can read.
pub(super) fn resolve(
    o: &Overrides,
    file: &FileConfig,
    file_path: Option<&Path>,
    shown_file: &str,
    warnings: &mut Vec<String>,
) -> Result<(Auth, String), ConfigError> {
    // Credentials: flag, then file flag, then environment, then config file.
    Ok(if let Some(b) = &o.basic_auth {
        let (u, p) = split_credentials(b, "--basic-auth")?;
        (
            Auth::Basic {
                user: u,
                password: p,
            },
            "--basic-auth".to_string(),
        )
    } else if let Some(f) = o.basic_auth_file.as_ref().or(None) {
        let shown = display_path(f);
        let text = std::fs::read_to_string(f)
            .map_err(|e| ConfigError(format!("{shown}: cannot read the password file: {e}")))?;
        if let Some(w) = permission_warning(f) {
            warnings.push(w);
        }
        let (u, p) = split_credentials(text.lines().next().unwrap_or(""), &shown)?;
        (
            Auth::Basic {
                user: u,
                password: p,
            },
            shown,
        )
    } else if let Some(c) = &o.env_credentials {
        let (u, p) = split_credentials(c, "CLUSTER_CREDENTIALS")?;
        (
            Auth::Basic {
                user: u,
                password: p,
            },
            "CLUSTER_CREDENTIALS".to_string(),
        )
    } else if let Some(af) = &file.cluster.auth_file {
        let p = PathBuf::from(af);
        let shown = display_path(&p);
        let text = std::fs::read_to_string(&p)
            .map_err(|e| ConfigError(format!("{shown_file}: cluster.auth_file {shown}: {e}")))?;
        if let Some(w) = permission_warning(&p) {
            warnings.push(w);
        }
        let (u, pw) = split_credentials(text.lines().next().unwrap_or(""), &shown)?;
        (
            Auth::Basic {
                user: u,
                password: pw,
            },
            shown,
        )
    } else {
        match (&file.cluster.basic_auth_user, &file.cluster.basic_auth_password) {
            (Some(u), Some(p)) if !u.is_empty() && !p.is_empty() => {
                if let Some(fp) = &file_path {
                    if let Some(w) = permission_warning(fp) {
                        warnings.push(w);
                    }
                }
                (
                    Auth::Basic {
                        user: u.clone(),
                        password: p.clone(),
                    },
                    shown_file.to_string(),
                )
            }
            (Some(_), None) | (Some(_), Some(_)) => {
                return Err(ConfigError(format!(
                    "{shown_file}: cluster.basic_auth_user is set but cluster.basic_auth_password is missing or empty"
                )))
            }
            (None, Some(_)) => {
                return Err(ConfigError(format!(
                    "{shown_file}: cluster.basic_auth_password is set but cluster.basic_auth_user is missing"
                )))
            }
            (None, None) => (Auth::None, shown_file.to_string()),
        }
    })
}
