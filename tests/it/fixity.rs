//! Audits reach the problems (issue 26, third finding): a copy an audit
//! found corrupt marks its item in the console's pins pane and problems,
//! counts in `risk` (the console's and the command's), survives a restart,
//! and is cleared by a later audit that finds the copy good.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ccs_tui::app::{update, Msg, State};
use ccs_tui::sim::faults::PeerGatewayFault;
use common::backend::{unique_bytes, Backend};
use common::cli::{run, Out};

async fn cli(b: &Backend, state: &std::path::Path, rest: &[&str]) -> Out {
    let mut a: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
    a.push("--config".into());
    a.push(b.config_file(state).display().to_string());
    run(a, vec![("XDG_STATE_HOME", state.display().to_string())]).await
}

/// The console's view of `cid` after it loads the pinset and the findings
/// kept in `state` (a console started afresh).
async fn console_row(b: &Backend, state: &std::path::Path, cid: &str) -> (String, bool, usize) {
    let client = Arc::new(b.client());
    // What `Effects::load_fixity` reads at the start, from this state folder.
    let cluster = client.id().await.unwrap().id;
    let file = state
        .join("ccs-tui")
        .join(format!("fixity-{cluster}_findings.jsonl"));
    let findings = ccs_tui::cluster::fixity::load_path(&file).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let mut st = State::new("sim".into(), None, Instant::now());
    // Before the pinset comes, as at a console's start.
    update(&mut st, Msg::Fixity(findings));
    let _pollers = ccs_tui::tasks::pollers::spawn(client, tx, Default::default());
    let deadline = Instant::now() + Duration::from_secs(20);
    while !(st.pins.rows.find(cid).is_some() && st.pins.repl.health.known) {
        let m = tokio::time::timeout_at(deadline.into(), rx.recv())
            .await
            .expect("the console loads")
            .unwrap();
        update(&mut st, m);
    }
    let row = st.pins.rows.find(cid).unwrap();
    let r = st.pins.repl.of(row).unwrap_or_default();
    let risk = ccs_tui::app::update::risk_of(&st, None);
    (r.summary(), r.is_problem(), risk.single_copy.len())
}

#[tokio::test]
async fn a_corrupt_copy_found_by_an_audit_stays_a_problem_until_audited_good() {
    let b = Backend::start_sim().await;
    let h = b.sim().unwrap();
    let state = tempfile::tempdir().unwrap();
    let f = state.path().join("letter.bin");
    std::fs::write(&f, unique_bytes(5000)).unwrap();
    let o = cli(
        &b,
        state.path(),
        &[
            "add",
            f.to_str().unwrap(),
            "--rmin",
            "2",
            "--rmax",
            "2",
            "--json",
        ],
    )
    .await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(o.stdout.trim()).unwrap();
    let cid = v["cid"]
        .as_str()
        .or(v["root_cid"].as_str())
        .unwrap()
        .to_string();
    b.wait_status(&cid, Duration::from_secs(10), |s| {
        s == ccs_tui::cluster::types::TrackerStatus::Pinned
            || s == ccs_tui::cluster::types::TrackerStatus::Remote
    })
    .await;
    let holders = b.held_by(&cid).await;
    assert_eq!(holders.len(), 2, "{holders:?}");
    let bad = holders[0].clone();
    let mut faults = ccs_tui::sim::Faults::default();
    faults
        .peer_gateways
        .insert(bad.clone(), PeerGatewayFault::Corrupt);
    h.set_faults(faults);

    // Before any audit: 2/2, nothing at risk.
    let o = cli(&b, state.path(), &["risk", "--json"]).await;
    let r: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(!r["single_copy"].to_string().contains(&cid), "{r}");

    let o = cli(&b, state.path(), &["audit", &cid]).await;
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);

    // The command's risk counts the corrupt copy out: one serving copy.
    let o = cli(&b, state.path(), &["risk", "--json"]).await;
    let r: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(r["single_copy"].to_string().contains(&cid), "{r}");
    assert!(r["below_min"].to_string().contains(&cid), "{r}");

    // A console started afresh (the findings read from the state folder).
    let (summary, problem, single) = console_row(&b, state.path(), &cid).await;
    assert_eq!(summary, "2/2, 1 corrupt");
    assert!(problem);
    assert!(single >= 1, "the console's risk counts it too");

    // Repaired, audited again: cleared everywhere.
    h.set_faults(Default::default());
    let o = cli(&b, state.path(), &["audit", &cid]).await;
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let o = cli(&b, state.path(), &["risk", "--json"]).await;
    let r: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(!r["single_copy"].to_string().contains(&cid), "{r}");
    let (summary, problem, _) = console_row(&b, state.path(), &cid).await;
    assert_eq!(summary, "2/2 pinned");
    assert!(!problem);
}
