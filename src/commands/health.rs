//! `health`: peers online, pins in error; the exit code says which.

use serde_json::json;

use super::output::*;
use super::Ctx;
use crate::cluster::types::RECOVERABLE_FILTER;
use crate::cluster::{ClientError, ClusterClient, PinTypeFilter};

pub(super) async fn run(cx: &Ctx) -> Result<u8, CmdError> {
    Ok(report(&cx.client, cx.json).await?)
}

/// Checks the cluster and prints the result (text or JSON); returns the exit
/// code. Also the plain overview `ccs-tui` prints when it has no terminal.
pub async fn report(client: &ClusterClient, as_json: bool) -> Result<u8, ClientError> {
    let list = client.members().await?;
    let online = list.iter().filter(|p| p.error.is_empty()).count();
    let mut total = 0u64;
    let mut s = client.allocations(PinTypeFilter::Pin).await?;
    while let Some(p) = s.next().await {
        p?;
        total += 1;
    }
    let problems = client
        .pins(Some(RECOVERABLE_FILTER), &[], false)
        .await?
        .collect()
        .await?;
    let mut errors = Vec::new();
    for g in &problems {
        for p in g.peer_map.values() {
            if p.status.is_recoverable() {
                errors.push((
                    g.cid.clone(),
                    g.name.clone(),
                    p.peername.clone(),
                    p.error.clone(),
                ));
            }
        }
    }
    let (label, code) = if online < list.len() {
        ("error", FAIL)
    } else if !errors.is_empty() {
        ("degraded", PARTIAL)
    } else {
        ("ok", OK)
    };
    if as_json {
        print_json(&json!({
            "status": label,
            "checked_at": chrono::Utc::now().to_rfc3339(),
            "peers": {
                "total": list.len(), "online": online, "offline": list.len() - online,
                "list": list.iter().map(|p| json!({"name": p.peername, "peer_id": p.id, "online": p.error.is_empty(), "error": p.error})).collect::<Vec<_>>(),
            },
            "pins": {
                "total": total,
                "errors": errors.iter().map(|(c, n, node, e)| json!({"cid": c, "name": n, "node": node, "error": e})).collect::<Vec<_>>(),
            },
        }));
    } else {
        say!("cluster health: {label}");
        say!("peers: {online}/{} online", list.len());
        for p in &list {
            if !p.error.is_empty() {
                say!(
                    "  {} OFFLINE: {}",
                    if p.peername.is_empty() {
                        &p.id
                    } else {
                        &p.peername
                    },
                    p.error
                );
            }
        }
        say!("pins: {total} total");
        if !errors.is_empty() {
            say!("pin errors:");
            for (c, n, node, e) in errors.iter().take(20) {
                say!("  {c} {n} on {node}: {e}");
            }
            if errors.len() > 20 {
                say!("  … and {} more", errors.len() - 20);
            }
        }
    }
    Ok(code)
}
