//! `ccs-tui rebalance`: ccs v0.4's rule (`cluster::steward::rebalance`),
//! its report and exit codes, carried out on the daemon's terms: copies
//! added and pinned before any is released.

use std::collections::{HashMap, HashSet};

use crate::cluster::steward::fleet::BoundsFrom;
use std::io::Write;
use std::time::Duration;

use super::output::*;
use super::steward::{carry_out, fleet, open_journal, plan_named, valid_cids, Events};
use super::Ctx;
use crate::cluster::steward::plan::Item;
use crate::cluster::steward::plan::Kind;
use crate::cluster::steward::{Fleet, Journal, Plan, Planner};

/// `ccs-tui rebalance`
#[derive(clap::Args, Debug, Clone)]
pub struct RebalanceArgs {
    /// Only these items (default: the whole pinset, as ccs does).
    cids: Vec<String>,
    /// Show the plan; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the JSON report to FILE (implies --json), as ccs does.
    #[arg(long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// How long a new copy may take to be pinned, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    wait: u64,
}

/// Up to this many changed items are listed in the text report (as ccs).
const LISTED: usize = 20;

pub(super) async fn run(cx: &Ctx, a: &RebalanceArgs) -> Result<u8, CmdError> {
    valid_cids("rebalance", &a.cids)?;
    let (fleet, _) = fleet(cx).await?;
    if fleet.nodes.is_empty() {
        tell!("ccs-tui: rebalance: no nodes known (nodes.NAME in the configuration, or cluster members)");
        return Ok(CANNOT_RUN);
    }
    let journal = open_journal(cx, &Kind::rebalance(&fleet)).await?;
    let Some(planned) = plan_named(cx, Planner::rebalance(&fleet, &journal), &a.cids).await? else {
        journal.close();
        return Ok(FAIL);
    };
    let json = cx.json || a.output.is_some();
    if !json {
        say!(
            "rebalance [{}] {}",
            if a.dry_run { "DRY RUN" } else { "LIVE" },
            target_text(&fleet)
        );
        say!("");
    }
    let events = if json { Events::Quiet } else { Events::Text };
    let outcome = carry_out_unless_dry(cx, a, events, &planned.plan, journal).await;
    let report = Report::new(a.dry_run, &planned.plan, outcome);
    let summary = planned
        .tally
        .summary(&report.changed, &fleet, &|cid| report.applied(cid));
    if json {
        write_json(a, &fleet, &report, &summary)
    } else {
        print_text(a, &fleet, &report, &summary);
        Ok(report.code())
    }
}

/// What carrying out the plan did: nothing on a dry run, or with no item
/// to move.
#[derive(Default)]
struct Outcome {
    /// CID → why its change failed.
    errors: HashMap<String, String>,
    interrupted: bool,
    /// The items changed.
    done: HashSet<String>,
}

/// Carries out the plan (closing the journal either way), unless this is a
/// dry run or nothing moves.
async fn carry_out_unless_dry(
    cx: &Ctx,
    a: &RebalanceArgs,
    events: Events,
    steward: &Plan,
    journal: Journal,
) -> Outcome {
    if a.dry_run || steward.moving().next().is_none() {
        journal.close();
        return Outcome::default();
    }
    let t = carry_out(cx, events, steward, journal, Duration::from_secs(a.wait)).await;
    Outcome {
        errors: t.failed.into_iter().collect(),
        interrupted: t.interrupted,
        done: t.done_cids.into_iter().collect(),
    }
}

/// What happened (a dry run: what would), item by item: failed, blocked and
/// unreached items count as unchanged. Looked up in sets: a pinset's
/// changes can be a million items.
struct Report<'p> {
    dry_run: bool,
    /// The items the rule looked at.
    checked: usize,
    /// The items the rule would change, movable or not.
    changed: Vec<&'p Item>,
    /// Those of `changed` left as they are (blocked), and the rest.
    skipped: Vec<&'p Item>,
    movable: Vec<&'p Item>,
    blocked: HashSet<&'p str>,
    outcome: Outcome,
}

impl<'p> Report<'p> {
    fn new(dry_run: bool, steward: &'p Plan, outcome: Outcome) -> Self {
        let changed: Vec<&Item> = steward.items.iter().filter(|i| i.changes()).collect();
        let (skipped, movable): (Vec<&Item>, Vec<&Item>) =
            changed.iter().partition(|i| i.blocked.is_some());
        let blocked = skipped.iter().map(|i| i.cid.as_str()).collect();
        Report {
            dry_run,
            checked: steward.checked,
            changed,
            skipped,
            movable,
            blocked,
            outcome,
        }
    }

    /// Whether the item's change happened (or, on a dry run, would).
    fn applied(&self, cid: &str) -> bool {
        (self.dry_run || self.outcome.done.contains(cid)) && !self.blocked.contains(cid)
    }

    /// The items given a copy.
    fn added(&self) -> usize {
        self.movable
            .iter()
            .filter(|i| i.added().next().is_some() && self.applied(&i.cid))
            .count()
    }

    /// The items that released a copy.
    fn removed(&self) -> usize {
        self.movable
            .iter()
            .filter(|i| i.removed().next().is_some() && self.applied(&i.cid))
            .count()
    }

    fn code(&self) -> u8 {
        if !self.outcome.errors.is_empty() || self.outcome.interrupted {
            FAIL
        } else if self.movable.is_empty() {
            OK
        } else {
            PARTIAL
        }
    }
}

/// The JSON report, to `--output` or stdout; the run's exit code, or FAIL
/// when stdout would not take the report.
fn write_json(
    a: &RebalanceArgs,
    fleet: &Fleet,
    report: &Report,
    summary: &[(String, usize, usize)],
) -> Result<u8, CmdError> {
    let head = json_head(fleet, report);
    let node_summary: serde_json::Map<String, serde_json::Value> = summary
        .iter()
        .map(|(n, b, a)| (n.clone(), serde_json::json!({"before": b, "after": a})))
        .collect();
    // As ccs lists them: the items that change, under its keys; one at a
    // time into the output, as a million of them are.
    let actions = || {
        report
            .changed
            .iter()
            .map(|i| json_action(i, &report.outcome.errors))
    };
    let write = |w: &mut dyn Write| write_report(w, &head, actions(), &node_summary);
    match &a.output {
        Some(path) => {
            write_atomic_with(path, write)?;
            tell!("Rebalance report written to: {}", path.display());
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            if let Err(e) = write(&mut out).and_then(|()| out.flush()) {
                // A closed pipe (`| head`) is not the report's fault.
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    tell!("ccs-tui: rebalance: writing the report: {e}");
                    return Ok(FAIL);
                }
            }
        }
    }
    Ok(report.code())
}

/// The JSON report's fields before its actions (ccs's keys and order).
fn json_head(fleet: &Fleet, report: &Report) -> serde_json::Value {
    let (rmin, rmax) = fleet.replication;
    serde_json::json!({
        "checked_at": chrono::Utc::now().to_rfc3339(),
        "total_pins": report.checked,
        "already_correct": report.checked - report.changed.len(),
        "added_replicas": report.added(),
        "removed_replicas": report.removed(),
        "left_as_they_are": report.skipped.len(),
        "errors": report.outcome.errors.len(),
        "dry_run": report.dry_run,
        "interrupted": report.outcome.interrupted,
        "replication_min": rmin,
        "replication_max": rmax,
        "bounds_from": fleet.bounds_from,
    })
}

/// One changed item as ccs reports it.
fn json_action(i: &Item, errors: &HashMap<String, String>) -> serde_json::Value {
    // An item left as it is changes nothing: no action a script could
    // count, no peers to add or remove.
    let left = i.blocked.is_some();
    let none: Vec<&String> = Vec::new();
    let mut v = serde_json::json!({
        "cid": i.cid,
        "name": i.name,
        "action": if left { "left_as_it_is" } else { action_name(i) },
        "current_allocations": i.current,
        "new_allocations": if left { &i.current } else { &i.target },
        "added_peers": if left { none.clone() } else { i.added().collect::<Vec<_>>() },
        "removed_peers": if left { none } else { i.removed().collect::<Vec<_>>() },
        "size": i.size,
    });
    if let Some(e) = errors.get(&i.cid) {
        v["error"] = serde_json::Value::String(e.clone());
    }
    if let Some(why) = &i.blocked {
        v["left_as_it_is"] = serde_json::Value::String(why.clone());
    }
    v
}

/// The text report: the counts, each node before and after, the first
/// items changed.
fn print_text(
    a: &RebalanceArgs,
    fleet: &Fleet,
    report: &Report,
    summary: &[(String, usize, usize)],
) {
    print_results(report);
    say!("");
    print_node_summary(summary);
    if !report.changed.is_empty() {
        say!("");
        print_actions(a, fleet, report);
    }
    if report.outcome.interrupted {
        say!("");
        say!("Interrupted: run `ccs-tui rebalance` again to finish (items already changed are settled from the journal).");
    }
}

fn print_results(report: &Report) {
    let (verb_add, verb_rm) = if report.dry_run {
        ("would add replicas", "would remove replicas")
    } else {
        ("added replicas", "removed replicas")
    };
    say!("Results:");
    say!("  total pins:       {}", report.checked);
    // Every item is one of: already correct, to change, left as it is.
    say!(
        "  already correct:  {}",
        report.checked - report.changed.len()
    );
    say!("  to change:        {}", report.movable.len());
    say!("  {verb_add}:  {}", report.added());
    say!("  {verb_rm}: {}", report.removed());
    if !report.skipped.is_empty() {
        say!(
            "  left as they are: {} (pinned on every peer, or a peer holding them is down)",
            report.skipped.len()
        );
    }
    if !report.outcome.errors.is_empty() {
        say!("  errors:           {}", report.outcome.errors.len());
    }
}

fn print_node_summary(summary: &[(String, usize, usize)]) {
    say!(
        "  {:<14}{:>8}{:>8}{:>8}",
        "node",
        "before",
        "after",
        "change"
    );
    for (name, before, after) in summary {
        let change = *after as i64 - *before as i64;
        let shown = match change {
            0 => "-".to_string(),
            c if c > 0 => format!("+{c}"),
            c => c.to_string(),
        };
        say!("  {name:<14}{before:>8}{after:>8}{shown:>8}");
    }
}

/// The first [`LISTED`] items changed, each with what happened to it.
fn print_actions(a: &RebalanceArgs, fleet: &Fleet, report: &Report) {
    if report.skipped.is_empty() {
        say!("actions ({}):", report.changed.len());
    } else {
        say!(
            "actions ({} to change, {} left as they are):",
            report.movable.len(),
            report.skipped.len()
        );
    }
    for i in report.changed.iter().take(LISTED) {
        print_action(a, fleet, report, i);
    }
    if report.changed.len() > LISTED {
        say!(
            "  … and {} more (--json lists them all)",
            report.changed.len() - LISTED
        );
    }
}

fn print_action(a: &RebalanceArgs, fleet: &Fleet, report: &Report, i: &Item) {
    let plus = i.added().map(|p| format!("+{}", fleet.name_of(p)));
    let minus = i.removed().map(|p| format!("-{}", fleet.name_of(p)));
    let size = i
        .size
        .map(|s| format!(" ({})", crate::format::human_bytes(s)))
        .unwrap_or_default();
    // An item left as it is has no peers to add or remove.
    let (label, peers) = if i.blocked.is_some() {
        ("left as it is", String::new())
    } else {
        (
            action_name(i),
            plus.chain(minus).collect::<Vec<_>>().join(" "),
        )
    };
    say!("  {}  {}{size}  [{label}] {peers}", ccs_cut(&i.cid), i.name,);
    if let Some(why) = &i.blocked {
        say!("      {why}");
    } else if let Some(e) = report.outcome.errors.get(&i.cid) {
        say!("      FAILED: {e}");
    } else if !a.dry_run && !report.applied(&i.cid) {
        say!("      not reached (interrupted)");
    }
}

/// The report's target, and where its bounds come from.
fn target_text(fleet: &Fleet) -> String {
    let (rmin, rmax) = fleet.replication;
    match fleet.bounds_from {
        BoundsFrom::Configuration => format!(
            "target={rmin}-{rmax} (cluster.replication_min/max of the configuration; an item set higher keeps its own)"
        ),
        BoundsFrom::ItemsOwn => "target=each item's own bounds (the configuration sets no cluster.replication_min/max; ccs would use its default 3-5)".to_string(),
    }
}

/// ccs's name for what happens to an item that changes.
fn action_name(i: &Item) -> &'static str {
    if i.added().next().is_some() {
        "add_replicas"
    } else {
        "remove_replicas"
    }
}

/// The JSON report, its actions written one by one between the head's
/// fields and the node summary (ccs's key order).
fn write_report(
    w: &mut dyn Write,
    head: &serde_json::Value,
    actions: impl Iterator<Item = serde_json::Value>,
    node_summary: &serde_json::Map<String, serde_json::Value>,
) -> std::io::Result<()> {
    let head = head.to_string();
    let open = head.strip_suffix('}').unwrap_or("{");
    write!(w, "{open},\"actions\":[")?;
    for (k, a) in actions.enumerate() {
        if k > 0 {
            w.write_all(b",")?;
        }
        serde_json::to_writer(&mut *w, &a)?;
    }
    w.write_all(b"],\"node_summary\":")?;
    serde_json::to_writer(&mut *w, node_summary)?;
    w.write_all(b"}\n")
}

/// A CID as ccs lists it: 20 characters and "...".
fn ccs_cut(cid: &str) -> String {
    if cid.chars().count() > 20 {
        format!("{}...", cid.chars().take(20).collect::<String>())
    } else {
        cid.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_is_one_json_document_in_ccs_key_order() {
        let head = serde_json::json!({"total_pins": 2, "dry_run": true});
        let summary: serde_json::Map<String, serde_json::Value> = [(
            "nas".to_string(),
            serde_json::json!({"before": 1, "after": 2}),
        )]
        .into_iter()
        .collect();
        for n in [0, 1, 3] {
            let mut out = Vec::new();
            let actions = (0..n).map(|k| serde_json::json!({ "cid": format!("Qm{k}") }));
            write_report(&mut out, &head, actions, &summary).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
            let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["total_pins", "dry_run", "actions", "node_summary"]);
            assert_eq!(v["actions"].as_array().unwrap().len(), n);
            assert_eq!(v["node_summary"]["nas"]["after"], 2);
            assert!(out.ends_with(b"}\n"));
        }
    }

    #[test]
    fn a_report_that_fails_to_write_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        let e = write_atomic_with(&path, |w| {
            w.write_all(b"{\"half\":")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(e.is_err());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no report, no temporary"
        );
        write_atomic_with(&path, |w| w.write_all(b"{}\n")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}\n");
    }
}
