//! `capacity`: how full each peer is, how fast the archive grows and how
//! long the space lasts, from the pinset and the peers' free space (the
//! console's capacity screen, for scripts). Each run also records the
//! peers' free space in the history the console draws.

use super::output::*;
use super::Ctx;
use crate::cluster::capacity::{self, history, Item, Tally};
use crate::cluster::PinTypeFilter;
use crate::format::{count, human_bytes};

/// `ccs-tui capacity`
#[derive(clap::Args, Debug, Clone)]
pub struct CapacityArgs {
    /// Exit 1 when a peer fills within this many months at the last 90
    /// days' rate (or is at its reserve already).
    #[arg(long, default_value_t = 6.0, value_name = "MONTHS", value_parser = months)]
    within: f64,
}

/// `--within`: a number of months, 0 or more (`1.5` too).
fn months(s: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|m| *m >= 0.0 && m.is_finite())
        .ok_or_else(|| format!("{s:?} is not a number of months (e.g. 6 or 1.5)"))
}

pub(super) async fn run(cx: &Ctx, a: &CapacityArgs) -> Result<u8, CmdError> {
    if !(a.within >= 0.0 && a.within.is_finite()) {
        return Err(CmdError::usage("--within", "a number of months, 0 or more"));
    }
    let (fleet, members) = crate::config::fleet_now(&cx.client, &cx.resolved.file).await?;
    let peers = capacity::peers_of(&fleet, &members);
    let now = chrono::Utc::now().timestamp();
    let mut tally = Tally::new(&peers, now);
    let mut s = cx.client.allocations(PinTypeFilter::Pin).await?;
    while let Some(p) = s.next().await {
        let p = p?;
        tally.push(&Item {
            cid: &p.cid,
            name: &p.name,
            size: p.size(),
            created: p.timestamp.0.timestamp(),
            org: p.metadata.get("org").unwrap_or(""),
            allocations: &p.allocations,
        });
    }
    let c = tally.finish();
    record_history(cx, &peers, now).await;
    let filling = c.filling_within(a.within);
    if cx.json {
        let mut v = serde_json::to_value(&c).unwrap_or_default();
        v["within_months"] = serde_json::json!(a.within);
        v["filling"] = serde_json::json!(filling.iter().map(|p| &p.name).collect::<Vec<_>>());
        print_json(&v);
    } else {
        text(&c);
        if !filling.is_empty() {
            let names: Vec<&str> = filling.iter().map(|p| p.name.as_str()).collect();
            tell!(
                "within {} months: {} fill{}",
                a.within,
                names.join(", "),
                if names.len() == 1 { "s" } else { "" }
            );
        }
    }
    Ok(if filling.is_empty() { OK } else { PARTIAL })
}

/// The peers' free space into the history (best effort: a state folder
/// that cannot be written costs the trend, not the answer).
async fn record_history(cx: &Ctx, peers: &[capacity::Peer], now: i64) {
    let Ok(cluster) = crate::cluster::state_files::cluster_key(&cx.client).await else {
        return;
    };
    let samples: Vec<(String, history::Sample)> = peers
        .iter()
        .filter_map(|p| {
            Some((
                p.id.clone(),
                history::Sample {
                    at: now,
                    free: p.free?,
                },
            ))
        })
        .collect();
    if let Err(e) = history::record(&cluster, &samples) {
        tell!("ccs-tui: free-space history not recorded: {e}");
    }
}

fn text(c: &capacity::Capacity) {
    say!(
        "{} items, {}{}",
        count(c.items),
        human_bytes(c.bytes),
        if c.without_size > 0 {
            let names: Vec<String> = c
                .without_size_named
                .iter()
                .take(5)
                .map(|(cid, n)| {
                    crate::sanitize::clean(crate::cluster::types::item_label(n, cid)).into_owned()
                })
                .collect();
            format!(
                " ({} without size metadata, not counted: {}{})",
                count(c.without_size),
                names.join(", "),
                if c.without_size > names.len() {
                    ", …"
                } else {
                    ""
                }
            )
        } else {
            String::new()
        }
    );
    say!("");
    say!(
        "{:<12} {:>9} {:>9} {:>9} {:>9} {:>11}  PROJECTION (monthly rate of the last 90 days)",
        "PEER",
        "ITEMS",
        "USED",
        "FREE",
        "RESERVE",
        "RATE"
    );
    for p in &c.peers {
        say!(
            "{:<12} {:>9} {:>9} {:>9} {:>9} {:>11}  {}",
            crate::sanitize::clean(&p.name),
            count(p.items),
            human_bytes(p.used),
            p.free.map_or("?".into(), human_bytes),
            human_bytes(p.reserve),
            format!("+{}/mo", human_bytes(p.per_month as u64)),
            p.projection.text()
        );
    }
    if c.undated > 0 {
        say!(
            "{} item(s) with no time of their own (before 2000) are in no month",
            count(c.undated)
        );
    }
    say!("Items are dated by their pin time, which a re-pin (rebalance, drain, edit) renews.");
    say!("");
    say!("{:<8} {:>7} {:>9}  BY ORG", "MONTH", "ITEMS", "BYTES");
    for m in &c.months {
        let by: Vec<String> = m
            .by_org
            .iter()
            .take(4)
            .map(|(o, n, b)| {
                format!(
                    "{} {} ({})",
                    if o.is_empty() { "(no org)" } else { o },
                    n,
                    human_bytes(*b)
                )
            })
            .collect();
        say!(
            "{:<8} {:>7} {:>9}  {}",
            m.month,
            count(m.items),
            human_bytes(m.bytes),
            crate::sanitize::clean(&by.join(", "))
        );
    }
}
