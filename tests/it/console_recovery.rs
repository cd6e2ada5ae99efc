//! The pollers and `update` together against a simulator that goes down
//! mid-session and comes back: the panes say so, keep the last good data,
//! and recover on their own.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ccs_tui::app::{update, Msg, State};
use ccs_tui::sim::{self, Faults, Timings};
use ccs_tui::tasks::pollers::{self, PollConfig};
use tokio::sync::mpsc;

fn fast() -> PollConfig {
    PollConfig {
        peers: Duration::from_millis(200),
        metrics: Duration::from_millis(500),
        pinset: Duration::from_millis(500),
        status: Duration::from_millis(200),
        problems: Duration::from_millis(300),
        max_backoff: Duration::from_millis(800),
    }
}

async fn pump_until(
    st: &mut State,
    rx: &mut mpsc::Receiver<Msg>,
    what: &str,
    done: impl Fn(&State) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(st) {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "timed out waiting for {what}: {:?} / {:?}",
            st.peers.fresh,
            st.pins.fresh
        );
        if let Ok(Some(m)) = tokio::time::timeout(left, rx.recv()).await {
            update(st, m);
            update(st, Msg::Tick(Instant::now()));
        }
    }
}

#[tokio::test]
async fn cluster_down_then_back() {
    let mut state = sim::scenario::demo().unwrap();
    state.timings = Timings::instant();
    let h = sim::start(
        state,
        common::any_port(),
        common::any_port(),
        Faults::default(),
    )
    .await
    .unwrap();
    let (api, gw) = (h.api_addr, h.gateway_addr);
    let client = Arc::new(common::client_for(&h));
    let (tx, mut rx) = mpsc::channel(256);
    let _pollers = pollers::spawn(client, tx, fast());
    let mut st = State::new(api.to_string(), None, Instant::now());
    let items = common::demo_items();
    pump_until(&mut st, &mut rx, "first data", |s| {
        s.peers.rows.len() == 5 && s.pins.rows.len() == items
    })
    .await;

    h.shutdown().await;
    pump_until(&mut st, &mut rx, "the outage to show", |s| {
        s.peers
            .fresh
            .error
            .as_deref()
            .is_some_and(|e| e.contains("cannot reach"))
            && s.pins.fresh.error.is_some()
    })
    .await;
    let said = st.peers.fresh.describe(Instant::now());
    assert!(
        said.starts_with(&format!("cannot reach {api}: connection refused")),
        "{said}"
    );
    assert!(said.contains("retrying in"), "{said}");
    assert_eq!(st.peers.rows.len(), 5, "the last good peers stay on screen");
    assert_eq!(
        st.pins.rows.len(),
        items,
        "the last good pinset stays on screen"
    );

    // Back on the same address.
    let mut state = sim::scenario::demo().unwrap();
    state.timings = Timings::instant();
    let _h2 = sim::start(state, api, gw, Faults::default()).await.unwrap();
    pump_until(&mut st, &mut rx, "recovery", |s| {
        s.peers.fresh.error.is_none()
            && s.pins.fresh.error.is_none()
            && s.peers.fresh.fetched.is_some()
    })
    .await;
    assert_eq!(st.peers.fresh.describe(Instant::now()), "live");
}

#[tokio::test]
async fn a_hanging_cluster_never_blocks_the_state() {
    // Every answer is slower than the client's timeout: pollers report
    // timeouts; the state (and so the keys) keeps working meanwhile.
    let mut state = sim::scenario::synthetic(3, 10, 1);
    state.timings = Timings::instant();
    let h = sim::start(
        state,
        common::any_port(),
        common::any_port(),
        Faults {
            latency_ms: vec![("/".into(), 60_000)],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let client = Arc::new(common::client_for(&h));
    let (tx, mut rx) = mpsc::channel(256);
    let _pollers = pollers::spawn(client, tx, fast());
    let mut st = State::new(h.api_addr.to_string(), None, Instant::now());
    pump_until(&mut st, &mut rx, "a timeout to be reported", |s| {
        s.peers
            .fresh
            .error
            .as_deref()
            .is_some_and(|e| e.contains("did not answer in time") || e.contains("went quiet"))
    })
    .await;
}
