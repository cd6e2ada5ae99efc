//! The soak run, in one command: `cargo bench --bench soak [-- MINUTES]`
//! (default 60). The console's own pollers and `update` hold a pinset while
//! ccs-sim churns it (an item added and one removed every second); RSS is
//! sampled every 10 s. Memory must stay flat: after a warm-up (the first
//! quarter of the run: the first listings, the allocator settling), the
//! last quarter may not sit above the first by more than 10 % + 2 MiB, and
//! the slope is printed in MiB per hour.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ccs_tui::app::{update, Msg, State};
use ccs_tui::cluster::types::PinOptions;
use ccs_tui::cluster::{parse_host, ClientConfig, ClusterClient};
use ccs_tui::tasks::pollers;

mod common;

/// An identity CID: a new item with nothing to fetch.
fn item(i: u64) -> String {
    let data = format!("soak item {i}");
    let mh = multihash::Multihash::<64>::wrap(0x00, data.as_bytes()).unwrap();
    cid::Cid::new_v1(0x55, mh).to_string()
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("benchmark: run it with cargo bench --bench soak [-- MINUTES]");
        return;
    }
    let minutes: f64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(60.0);
    let sim = common::sim(&["--pins", "20000", "--peers", "10"]);
    let api = sim.api.clone();
    let client = Arc::new(
        ClusterClient::new(ClientConfig::new(vec![parse_host(&api, false).unwrap()])).unwrap(),
    );
    // Pollers faster than a console's defaults: more churn seen per hour.
    let cfg = pollers::PollConfig {
        pinset: Duration::from_secs(5),
        problems: Duration::from_secs(5),
        status: Duration::from_secs(2),
        ..Default::default()
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let p = pollers::spawn(client.clone(), tx, cfg);
    let churn = {
        let c = client.clone();
        tokio::spawn(async move {
            let mut i = 0u64;
            loop {
                let opts = PinOptions {
                    name: Some(format!("soak-{i}")),
                    replication_min: Some(2),
                    replication_max: Some(3),
                    metadata: vec![("org".into(), "soak".into())],
                    ..Default::default()
                };
                let _ = c.pin(&item(i), &opts).await;
                if i >= 100 {
                    let _ = c.unpin(&item(i - 100)).await;
                }
                i += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };
    let mut st = State::new("soak".into(), None, Instant::now());
    st.pins_height = 50;
    let end = Instant::now() + Duration::from_secs_f64(minutes * 60.0);
    let mut next_sample = Instant::now() + Duration::from_secs(10);
    let mut samples: Vec<(f64, f64)> = Vec::new();
    let started = Instant::now();
    println!("soak: {minutes} min, 20,000 pins on 10 peers, one item in and one out every second");
    while Instant::now() < end {
        match tokio::time::timeout(Duration::from_millis(200), rx.recv()).await {
            Ok(Some(m)) => {
                for e in update(&mut st, m) {
                    if let ccs_tui::app::Effect::Watch { visible, selected } = e {
                        p.watch(pollers::Watched { visible, selected });
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {}
        }
        update(&mut st, Msg::Tick(Instant::now()));
        if Instant::now() >= next_sample {
            next_sample += Duration::from_secs(10);
            let m = started.elapsed().as_secs_f64() / 60.0;
            let r = common::status_mib("VmRSS:");
            samples.push((m, r));
            println!("  {m:6.1} min  {r:7.1} MiB  {} rows", st.pins.rows.len());
        }
    }
    churn.abort();
    drop(p);
    let warm: Vec<(f64, f64)> = samples
        .iter()
        .copied()
        .filter(|(m, _)| *m >= minutes / 4.0)
        .collect();
    let q = (warm.len() / 4).max(1);
    let avg = |s: &[(f64, f64)]| s.iter().map(|x| x.1).sum::<f64>() / s.len().max(1) as f64;
    let first = avg(&warm[..q.min(warm.len())]);
    let last = avg(&warm[warm.len().saturating_sub(q)..]);
    let max = samples.iter().map(|x| x.1).fold(0.0, f64::max);
    // Least squares over the warm part, in MiB per hour.
    let n = warm.len().max(1) as f64;
    let (mx, my) = (
        warm.iter().map(|x| x.0).sum::<f64>() / n,
        warm.iter().map(|x| x.1).sum::<f64>() / n,
    );
    let (sxy, sxx) = warm.iter().fold((0.0, 0.0), |(a, b), (x, y)| {
        (a + (x - mx) * (y - my), b + (x - mx) * (x - mx))
    });
    let slope = if sxx > 0.0 { sxy / sxx * 60.0 } else { 0.0 };
    let ok = last <= first * 1.10 + 2.0;
    println!("\n| measure | goal | measured | |\n|---|---|---|---|");
    println!(
        "| console RSS over {minutes} min against a churning cluster | flat after warm-up (last quarter ≤ first + 10 % + 2 MiB) | {first:.1} → {last:.1} MiB, {slope:+.1} MiB/h (max {max:.1}) | {} |",
        if ok { "ok" } else { "MISSED" }
    );
}
