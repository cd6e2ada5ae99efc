//! `ls`: the pinset, or items by tracker status.

use super::output::*;
use super::Ctx;
use crate::cluster::PinTypeFilter;

/// `ccs-tui ls`
#[derive(clap::Args, Debug, Clone)]
pub struct LsArgs {
    /// A folder inside the archive, CID[/path]: its entries (verified blocks).
    /// Without it: the pinset.
    target: Option<String>,
    /// Tracker statuses, e.g. pin_error,pinning or error,queued.
    #[arg(long)]
    filter: Option<String>,
}

pub(super) async fn run(cx: &Ctx, a: &LsArgs) -> Result<u8, CmdError> {
    if let Some(t) = &a.target {
        return super::browse::ls(cx, t).await;
    }
    let filter = a.filter.as_deref();
    if let Some(f) = filter {
        check_filter(f)?;
        let mut s = cx.client.pins(Some(f), &[], false).await?;
        while let Some(g) = s.next().await {
            let g = g?;
            if cx.json {
                print_item(&g);
            } else {
                let mut by: Vec<String> = g
                    .peer_map
                    .values()
                    .map(|p| format!("{}:{}", p.peername, p.status.upper()))
                    .collect();
                by.sort();
                say!("{} | {} | {}", g.cid, g.name, by.join(" "));
            }
        }
        return Ok(OK);
    }
    let mut s = cx.client.allocations(PinTypeFilter::Pin).await?;
    while let Some(p) = s.next().await {
        let p = p?;
        if cx.json {
            print_item(&p);
        } else {
            let repl = if p.replication_factor_min == -1 {
                "everywhere".to_string()
            } else {
                format!("{}--{}", p.replication_factor_min, p.replication_factor_max)
            };
            say!(
                "{} | {} | org {} | size {} | Repl. Factor: {} | Added: {}",
                p.cid,
                p.name,
                p.metadata.get("org").unwrap_or("-"),
                p.metadata.get("size").unwrap_or("-"),
                repl,
                p.timestamp.0.format("%Y-%m-%d %H:%M:%S")
            );
        }
    }
    Ok(OK)
}

/// The statuses `--filter` names, checked here: the daemon drops a name it
/// does not know (and refuses only when it knows none), so a typo among
/// good names would narrow the listing silently.
fn check_filter(f: &str) -> Result<(), CmdError> {
    use crate::cluster::types::TrackerStatus;
    let unknown: Vec<&str> = f
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .filter(|p| crate::cluster::types::parse_status_filter(p).is_none())
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let known: Vec<&str> = ["error", "queued"]
        .into_iter()
        .chain(TrackerStatus::ALL.iter().map(|s| s.as_str()))
        .collect();
    Err(CmdError::usage(
        "--filter",
        format!(
            "no status {} (statuses: {})",
            unknown.join(", "),
            known.join(", ")
        ),
    ))
}
