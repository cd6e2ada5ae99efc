//! Local paths as the operator types them: `~`, and Tab completion.

use super::effects::Effects;
use std::path::PathBuf;

use crate::app::Msg;

/// Completes `typed` against the file system: the longest common prefix of
/// the matching names, with `/` after a single folder; and the names that
/// matched (folders with a `/`), to list when there are several.
pub fn complete(typed: &str) -> (String, Vec<String>) {
    let (dir_part, prefix) = match typed.rfind('/') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None => ("", typed),
    };
    let dir = if dir_part.is_empty() {
        PathBuf::from(".")
    } else {
        expand_tilde(dir_part)
    };
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return (typed.to_string(), Vec::new());
    };
    let mut names: Vec<(String, bool)> = rd
        .filter_map(Result::ok)
        .map(|e| {
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            (e.file_name().to_string_lossy().into_owned(), is_dir)
        })
        .filter(|(n, _)| n.starts_with(prefix) && (prefix.starts_with('.') || !n.starts_with('.')))
        .collect();
    names.sort();
    let listed: Vec<String> = names
        .iter()
        .map(|(n, d)| format!("{n}{}", if *d { "/" } else { "" }))
        .collect();
    match names.len() {
        0 => (typed.to_string(), listed),
        1 => (format!("{dir_part}{}", listed[0]), listed),
        _ => {
            let first = &names[0].0;
            let common = names.iter().fold(first.len(), |acc, (n, _)| {
                first
                    .chars()
                    .zip(n.chars())
                    .take_while(|(a, b)| a == b)
                    .count()
                    .min(acc)
            });
            let c: String = first.chars().take(common).collect();
            (format!("{dir_part}{c}"), listed)
        }
    }
}

/// `~` and `~/x` as the shell expands them.
pub fn expand_tilde(p: &str) -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match (p, home) {
        ("~", Some(h)) => h,
        (p, Some(h)) if p.starts_with("~/") => h.join(&p[2..]),
        (p, _) => PathBuf::from(p),
    }
}

impl Effects {
    pub fn complete_path(&self, typed: String) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let (completed, candidates) = complete(&typed);
            let _ = tx.blocking_send(Msg::Completion {
                typed,
                completed,
                candidates,
            });
        });
    }
}
