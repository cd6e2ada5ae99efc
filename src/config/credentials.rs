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
        let line = credentials_line(f, "--basic-auth-file")?;
        if let Some(w) = permission_warning(f) {
            warnings.push(w);
        }
        let (u, p) = split_credentials(&line, &shown)?;
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
        let line = credentials_line(&p, &format!("{shown_file}: cluster.auth_file"))?;
        if let Some(w) = permission_warning(&p) {
            warnings.push(w);
        }
        let (u, pw) = split_credentials(&line, &shown)?;
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

/// A credentials file holds one `user:password` line, in a regular file of
/// at most [`MAX_CREDENTIALS_FILE`] bytes. Anything else is refused without
/// a word of what it holds: `/etc/shadow` named by mistake must not become
/// a password sent to the cluster, nor `/dev/zero` a read without end.
pub(super) fn credentials_line(path: &Path, what: &str) -> Result<String, ConfigError> {
    use std::io::Read;
    let shown = display_path(path);
    let refuse = |why: &str| {
        ConfigError(format!(
            "{what} {shown}: {why}; it must be a file holding one user:password line"
        ))
    };
    let meta = std::fs::metadata(path).map_err(|e| refuse(&format!("cannot read it: {e}")))?;
    if !meta.is_file() {
        return Err(refuse("not a regular file"));
    }
    if meta.len() > MAX_CREDENTIALS_FILE {
        return Err(refuse("larger than 64 KiB"));
    }
    let f = std::fs::File::open(path).map_err(|e| refuse(&format!("cannot read it: {e}")))?;
    let mut bytes = Vec::new();
    f.take(MAX_CREDENTIALS_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| refuse(&format!("cannot read it: {e}")))?;
    if bytes.len() as u64 > MAX_CREDENTIALS_FILE {
        return Err(refuse("larger than 64 KiB"));
    }
    let text = String::from_utf8(bytes).map_err(|_| refuse("not text"))?;
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    match lines.as_slice() {
        [one] if one.contains(':') => Ok(one.trim_end_matches('\r').to_string()),
        [_] => Err(refuse("its line is not user:password")),
        [] => Err(refuse("it is empty")),
        many => Err(refuse(&format!("it holds {} lines", many.len()))),
    }
}

/// The largest credentials file read.
pub const MAX_CREDENTIALS_FILE: u64 = 64 * 1024;

#[cfg(test)]
mod tests {
    use super::credentials_line;

    #[test]
    fn only_a_small_file_of_one_user_password_line_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("auth");
        std::fs::write(&f, "admin:secret\n").unwrap();
        assert_eq!(credentials_line(&f, "auth_file").unwrap(), "admin:secret");
        let shadow = "root:$6$abc$hash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n";
        std::fs::write(&f, shadow).unwrap();
        let e = credentials_line(&f, "auth_file").unwrap_err().to_string();
        assert!(e.contains("it holds 2 lines"), "{e}");
        assert!(
            !e.contains("root") && !e.contains("$6$"),
            "never its contents: {e}"
        );
        let e = credentials_line(std::path::Path::new("/dev/zero"), "auth_file")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a regular file"), "{e}");
        std::fs::write(&f, vec![b'a'; 70_000]).unwrap();
        let e = credentials_line(&f, "auth_file").unwrap_err().to_string();
        assert!(e.contains("larger than 64 KiB"), "{e}");
        std::fs::write(&f, "just-a-token\n").unwrap();
        assert!(credentials_line(&f, "auth_file").is_err());
    }
}
