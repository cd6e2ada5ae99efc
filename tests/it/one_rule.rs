//! One replication rule (issue 26, second finding): for cluster states
//! with a member down, a member gone, an item pinned everywhere, remote
//! peers and a pin error, the console's rows, `status` (text and JSON) and
//! `risk` give each item the same counts.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ccs_tui::app::{update, State};
use ccs_tui::sim::state::PinRec;
use ccs_tui::sim::{SimState, Timings};
use serde_json::Value;

use common::cli::run;

/// nas, chll up; meerkat down (an alert names it); ghost gone (named by
/// nothing). Items: everywhere; on nas+chll; on nas+meerkat; on nas+ghost;
/// on nas+chll with a pin error on chll.
fn state() -> (SimState, Vec<String>) {
    let names: Vec<String> = ["nas", "chll", "meerkat", "ghost"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut st = SimState::new(&names, 26);
    st.timings = Timings::instant();
    st.peers[3].offline = Some("gone for weeks".into());
    let allocs: [&[u16]; 5] = [&[], &[0, 1], &[0, 2], &[0, 3], &[0, 1]];
    let mut cids = Vec::new();
    for (k, a) in allocs.iter().enumerate() {
        let mut blocks = common::blocks::Blocks::default();
        let root = blocks.leaf(format!("one-rule-{k}").as_bytes());
        for (c, b) in blocks.map {
            st.insert_block(&c, b);
        }
        let cid = root.to_string();
        let (rmin, rmax) = if a.is_empty() { (-1, -1) } else { (2, 2) };
        st.pins.insert(
            cid.clone(),
            PinRec {
                cid: cid.clone(),
                name: format!("item-{k}"),
                metadata: vec![("size".into(), "1000".into())],
                rmin,
                rmax,
                allocations: a.to_vec(),
                user_allocations: Vec::new(),
                mode_direct: false,
                expire_at: 0,
                timestamp: chrono::Utc::now().timestamp() - 100 + k as i64,
                started: Instant::now(),
                available: true,
                overrides: Vec::new(),
                pin_update: None,
            },
        );
        cids.push(cid);
    }
    (st, cids)
}

#[tokio::test]
async fn the_console_status_and_risk_count_each_item_alike() {
    let (st, cids) = state();
    let h = common::start(st).await;
    h.set_peer_offline("meerkat", Some("dial backoff"));
    assert!(h.inject_pin_error(&cids[4], "chll", "failed to pin: disk quota exceeded"));
    let args = |rest: &[&str]| {
        let mut v: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
        v.extend([
            "--host".into(),
            h.api_url(),
            "--gateway".into(),
            h.gateway_url(),
        ]);
        v
    };
    // Past the grace in which crdt still lists meerkat with its error.
    tokio::time::sleep(Duration::from_millis(50)).await;

    // status, JSON and text: the counts and the summary line.
    let mut by_status = Vec::new();
    for c in &cids {
        let o = run(args(&["status", c, "--json"]), vec![]).await;
        let v: Value =
            serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", o.stdout));
        let r = &v["replication"];
        let text = run(args(&["status", c]), vec![]).await.stdout;
        let summary = r["summary"].as_str().unwrap().to_string();
        assert!(text.contains(&format!("    = {summary}\n")), "{text}");
        by_status.push((
            r["pinned"].as_u64().unwrap(),
            r["wanted"].as_u64().unwrap(),
            summary,
        ));
    }
    assert_eq!(
        by_status[0].2, "2/3, 1 down",
        "everywhere, meerkat down: {by_status:?}"
    );
    assert_eq!(by_status[1].2, "2/2 pinned");
    assert_eq!(by_status[2].2, "1/2, 1 down");
    assert_eq!(
        by_status[3].2, "1/2 pinned",
        "ghost's copy is not there to count"
    );
    assert_eq!(by_status[4].2, "1/2, 1 error");

    // The console, loaded as an operator opens it.
    let client = Arc::new(common::client_for(&h));
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let mut st = State::new("sim".into(), None, Instant::now());
    let _p = ccs_tui::tasks::pollers::spawn(client, tx, Default::default());
    let deadline = Instant::now() + Duration::from_secs(20);
    // Loaded: the members (meerkat down by its alert), the pinset and the
    // problems list.
    while !(st.pins.repl.health.known
        && st.peers.rows.len() == 3
        && cids.iter().all(|c| st.pins.rows.find(c).is_some()))
    {
        match tokio::time::timeout_at(deadline.into(), rx.recv()).await {
            Ok(Some(m)) => {
                update(&mut st, m);
            }
            other => panic!("the console did not load: {other:?}"),
        }
    }
    // Each item's own status, as inspecting it asks.
    for c in &cids {
        let g = common::client_for(&h).pin_status(c, false).await.unwrap();
        update(&mut st, ccs_tui::app::Msg::Statuses(vec![g]));
    }
    for (c, (pinned, wanted, summary)) in cids.iter().zip(&by_status) {
        let row = st.pins.rows.find(c).unwrap();
        let r = st.pins.repl.of(row).unwrap();
        assert_eq!(
            (u64::from(r.pinned), u64::from(r.allocated), r.summary()),
            (*pinned, *wanted, summary.clone()),
            "{c}"
        );
    }

    // risk: serving copies are the same pinned copies.
    let o = run(args(&["risk", "--json"]), vec![]).await;
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    for (c, (pinned, _, _)) in cids.iter().zip(&by_status) {
        for list in ["below_min", "single_copy", "none_serving"] {
            for a in v[list].as_array().unwrap() {
                if a["cid"] == c.as_str() {
                    assert_eq!(a["serving"].as_u64().unwrap(), *pinned, "{list}: {a}");
                }
            }
        }
    }
    let single: Vec<&str> = v["single_copy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["cid"].as_str().unwrap())
        .collect();
    for (c, (pinned, _, _)) in cids.iter().zip(&by_status) {
        assert_eq!(single.contains(&c.as_str()), *pinned == 1, "{c}: {v}");
    }
}
