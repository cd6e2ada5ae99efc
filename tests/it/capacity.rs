//! Capacity (issue 31): the command's figures held to sums worked out here
//! from `/allocations` and `/monitor/metrics/freespace`, the console's held
//! to the command's, and the free-space history kept across runs.

use crate::common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ccs_tui::app::{update, Msg, State};
use ccs_tui::cluster::PinTypeFilter;
use serde_json::Value;

use common::cli::run;

async fn demo() -> ccs_tui::sim::SimHandle {
    let mut st = ccs_tui::sim::scenario::demo().unwrap();
    st.timings = ccs_tui::sim::Timings::instant();
    common::start(st).await
}

async fn capacity(
    h: &ccs_tui::sim::SimHandle,
    state: &std::path::Path,
    rest: &[&str],
) -> common::cli::Out {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yml");
    std::fs::write(&config, h.config_yaml(None, true)).unwrap();
    let mut a: Vec<String> = vec![
        "capacity".into(),
        "--config".into(),
        config.display().to_string(),
    ];
    a.extend(rest.iter().map(|s| s.to_string()));
    run(a, vec![("XDG_STATE_HOME", state.display().to_string())]).await
}

#[tokio::test]
async fn the_figures_are_the_sums_of_the_allocations_and_the_free_space() {
    let h = demo().await;
    let state = tempfile::tempdir().unwrap();
    let o = capacity(&h, state.path(), &["--json"]).await;
    // meerkat is nearly full: it fills within six months.
    assert_eq!(o.code, 1, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["filling"], serde_json::json!(["meerkat"]), "{}", o.stdout);

    // The same sums, worked out here from what the cluster says.
    let c = common::client_for(&h);
    let pins = c
        .allocations(PinTypeFilter::Pin)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let members = c.members().await.unwrap();
    let metrics = c.metrics("freespace").await.unwrap();
    let mut used: BTreeMap<String, u64> = BTreeMap::new();
    let mut months: BTreeMap<String, u64> = BTreeMap::new();
    let mut orgs: BTreeMap<String, u64> = BTreeMap::new();
    for p in &pins {
        let size: u64 = p
            .metadata
            .get("size")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let holders: Vec<&str> = if p.allocations.is_empty() {
            members.iter().map(|m| m.id.as_str()).collect()
        } else {
            p.allocations.iter().map(String::as_str).collect()
        };
        for id in holders {
            *used.entry(id.to_string()).or_default() += size;
        }
        *months
            .entry(
                p.timestamp
                    .0
                    .with_timezone(&chrono::Utc)
                    .format("%Y-%m")
                    .to_string(),
            )
            .or_default() += size;
        *orgs
            .entry(p.metadata.get("org").unwrap_or("").to_string())
            .or_default() += size;
    }
    assert_eq!(v["items"].as_u64().unwrap() as usize, pins.len());
    for p in v["peers"].as_array().unwrap() {
        let id = p["id"].as_str().unwrap();
        assert_eq!(
            p["used"].as_u64().unwrap(),
            used.get(id).copied().unwrap_or(0),
            "{p}"
        );
        let free = metrics
            .iter()
            .find(|m| m.peer == id && m.valid)
            .map(|m| m.value.parse::<u64>().unwrap());
        assert_eq!(p["free"].as_u64(), free, "{p}");
    }
    for m in v["months"].as_array().unwrap() {
        let month = m["month"].as_str().unwrap();
        assert_eq!(
            m["bytes"].as_u64().unwrap(),
            months.get(month).copied().unwrap_or(0),
            "{month}"
        );
    }
    for o in v["orgs"].as_array().unwrap() {
        let org = o["org"].as_str().unwrap();
        assert_eq!(o["bytes"].as_u64().unwrap(), orgs[org], "{org}");
    }
    // The demo's two years: 25 months, one org growing fast.
    assert!(v["months"].as_array().unwrap().len() >= 24);
    let fastest = v["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|o| o["recent_bytes"].as_u64())
        .unwrap();
    assert_eq!(fastest["org"], "tfc", "{}", v["orgs"]);

    // Looser threshold, no peer fills: exit 0; the history kept a sample.
    let o = capacity(&h, state.path(), &["--within", "1"]).await;
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("full in about"), "{}", o.stdout);
    let kept = std::fs::read_dir(state.path().join("ccs-tui"))
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with("freespace-"));
    assert!(kept, "the free-space history is kept");
}

/// The console works the figures out from its loaded pinset, off the UI
/// task: the same figures as the command's.
#[tokio::test]
async fn the_console_shows_the_commands_figures() {
    let h = demo().await;
    let state = tempfile::tempdir().unwrap();
    let o = capacity(&h, state.path(), &["--json"]).await;
    let v: Value = serde_json::from_str(&o.stdout).unwrap();

    let client = Arc::new(common::client_for(&h));
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let items = common::demo_items();
    let rows = {
        let mut st = State::new("sim".into(), None, Instant::now());
        let _pollers =
            ccs_tui::tasks::pollers::spawn(client.clone(), tx.clone(), Default::default());
        let deadline = Instant::now() + Duration::from_secs(20);
        while st.pins.rows.len() < items {
            let m = tokio::time::timeout_at(deadline.into(), rx.recv())
                .await
                .expect("the pinset loads")
                .unwrap();
            update(&mut st, m);
        }
        st.pins.rows.clone()
    };
    let file = ccs_tui::config::parse(&h.config_yaml(None, true), "test").unwrap();
    let effects = ccs_tui::tasks::effects::Effects::new(client, tx).with_config(file);
    effects.capacity(rows);
    let figures = loop {
        match tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
            Ok(Some(Msg::CapacityReady(r))) => break r.expect("figures").0,
            Ok(Some(_)) => continue,
            other => panic!("{other:?}"),
        }
    };
    let console = serde_json::to_value(&figures).unwrap();
    for k in ["items", "bytes", "months", "orgs"] {
        assert_eq!(console[k], v[k], "{k}");
    }
    for (a, b) in console["peers"]
        .as_array()
        .unwrap()
        .iter()
        .zip(v["peers"].as_array().unwrap())
    {
        for k in ["id", "used", "free", "reserve", "recent", "items"] {
            assert_eq!(a[k], b[k], "{k}");
        }
    }
}
