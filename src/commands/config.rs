//! `config`: the resolved configuration, secrets masked, validated.

use std::process::ExitCode;

use serde_json::json;

use super::output::*;
use crate::config::{self};

/// `ccs-tui config`
#[derive(clap::Args, Debug, Clone)]
pub struct ConfigArgs {
    #[arg(long)]
    validate_only: bool,
}

pub(super) fn run(inv: &super::Invocation<'_>, a: &ConfigArgs) -> ExitCode {
    let validate_only = a.validate_only;
    let mut errors: Vec<String> = Vec::new();
    let r = config::resolve_unchecked(&inv.overrides);
    let resolved = match r {
        Ok(r) => Some(r),
        Err(e) => {
            errors.push(e.to_string());
            None
        }
    };
    if let Some(r) = &resolved {
        errors.extend(config::validate::problems(&r.file));
    }
    if !validate_only {
        if inv.json {
            let v = match &resolved {
                Some(r) => json!({
                    "config_file": r.file_path.as_ref().map(|p| config::display_path(p)),
                    "hosts": r.hosts.iter().map(|h| h.api.as_str()).collect::<Vec<_>>(),
                    "user": r.user(),
                    "has_password": r.user().is_some(),
                    "credential_source": r.credential_source,
                    "nodes": r.file.nodes.iter().map(|(n, s)| (n.clone(), json!({"host": s.host(), "peer_id": s.peer_id()}))).collect::<serde_json::Map<_, _>>(),
                    "warnings": r.warnings,
                    "errors": errors,
                }),
                None => json!({"errors": errors}),
            };
            print_json(&v);
        } else if let Some(r) = &resolved {
            say!(
                "config file: {}",
                r.file_path
                    .as_ref()
                    .map(|p| config::display_path(p))
                    .unwrap_or_else(|| "(none)".into())
            );
            for (i, h) in r.hosts.iter().enumerate() {
                say!(
                    "{} {} (gateway {})",
                    if i == 0 { "host:    " } else { "failover:" },
                    h.api,
                    h.gateway
                );
            }
            match r.user() {
                Some(u) => say!(
                    "user:     {u} (password ****, from {})",
                    r.credential_source
                ),
                None => say!("user:     (no authentication)"),
            }
            for (n, s) in &r.file.nodes {
                let pid = s
                    .peer_id()
                    .map(|p| p.chars().take(16).collect::<String>())
                    .unwrap_or_else(|| "-".into());
                say!("node {n:<10} {:<28} {pid}", s.host());
            }
        }
    }
    if let Some(r) = &resolved {
        for w in &r.warnings {
            tell!("⚠ {w}");
        }
    }
    for e in &errors {
        tell!("✗ {e}");
    }
    if errors.is_empty() {
        if !inv.json {
            tell!("✓ config is valid");
        }
        ExitCode::from(OK)
    } else {
        ExitCode::from(PARTIAL)
    }
}
