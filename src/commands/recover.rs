//! `recover`: re-queue items in error.

use serde_json::json;

use super::output::*;
use super::Ctx;
use crate::cluster::types::{GlobalPinInfo, RECOVERABLE_FILTER};

/// `ccs-tui recover`
#[derive(clap::Args, Debug, Clone)]
pub struct RecoverArgs {
    cids: Vec<String>,
    /// List what would be recovered; change nothing.
    #[arg(long)]
    pub(super) dry_run: bool,
}

pub(super) async fn run(cx: &Ctx, a: &RecoverArgs) -> Result<u8, CmdError> {
    let (cids, dry_run) = (&a.cids, a.dry_run);
    let targets: Vec<GlobalPinInfo> = if cids.is_empty() {
        cx.client
            .pins(Some(RECOVERABLE_FILTER), &[], false)
            .await?
            .collect()
            .await?
    } else {
        let mut v = Vec::new();
        for c in cids {
            v.push(cx.client.pin_status(c, false).await?);
        }
        v
    };
    let mut code = OK;
    let mut any = false;
    for g in &targets {
        let bad: Vec<String> = g
            .peer_map
            .values()
            .filter(|p| p.status.is_recoverable())
            .map(|p| format!("{}: {}", p.peername, p.error))
            .collect();
        if bad.is_empty() {
            if !cids.is_empty() && !cx.json {
                say!("{} {}: nothing to recover", g.cid, g.name);
            }
            continue;
        }
        any = true;
        if dry_run {
            if cx.json {
                print_item(&json!({"cid": g.cid, "name": g.name, "would_recover": bad}));
            } else {
                say!("would recover {} {} ({})", g.cid, g.name, bad.join("; "));
            }
            continue;
        }
        match cx.client.recover(&g.cid, false).await {
            Ok(after) => {
                if cx.json {
                    print_item(&after);
                } else {
                    say!("recovering {} {} (was: {})", g.cid, g.name, bad.join("; "));
                }
            }
            Err(e) => {
                tell!("ccs-tui: {}: {e}", g.cid);
                code = FAIL;
            }
        }
    }
    if !any && cids.is_empty() && !cx.json {
        say!("nothing to recover: no peer reports an item in error");
    }
    Ok(code)
}
