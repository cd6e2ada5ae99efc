//! The console at archive scale: `cargo bench --bench console_scale [-- PINS PEERS]`.
//!
//! Starts `ccs-sim --pins 1000000 --peers 50` as a separate process, runs the
//! console's real pollers and `update` (no terminal) against it, and prints:
//! time to first rows, time to the whole pinset, resident memory of the
//! console holding it, filter and sort latency over all rows, and the time to
//! render the pins pane at 200x60.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ccs_tui::app::filter::{compute_index, Filter, Sort, SortKey};
use ccs_tui::app::{update, Msg, State};
use ccs_tui::cluster::{parse_host, ClientConfig, ClusterClient};
use ccs_tui::tasks::pollers::{self, PollConfig};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` does not, and a
    // million-pin run has no place in the test suite.
    if !std::env::args().any(|a| a == "--bench") {
        println!("benchmark: run it with cargo bench");
        return;
    }
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let pins: usize = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let peers: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let gw_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut sim = Command::new(env!("CARGO_BIN_EXE_ccs-sim"))
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--gateway",
            &format!("127.0.0.1:{gw_port}"),
            "--pins",
            &pins.to_string(),
            "--peers",
            &peers.to_string(),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("ccs-sim runs");
    let mut lines = BufReader::new(sim.stderr.take().unwrap()).lines();
    for l in lines.by_ref() {
        let l = l.unwrap();
        if l.contains("ready") {
            println!("{l}");
            break;
        }
    }
    let rss0 = rss_mib();
    let ep = parse_host(&format!("http://127.0.0.1:{port}"), false).unwrap();
    let mut cfg = ClientConfig::new(vec![ep]);
    cfg.request_timeout = Duration::from_secs(60);
    let client = Arc::new(ClusterClient::new(cfg).unwrap());
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let poll = PollConfig {
        pinset: Duration::from_secs(3600),
        ..Default::default()
    };
    let started = Instant::now();
    let _p = pollers::spawn(client, tx, poll);
    let mut st = State::new("bench".into(), None, Instant::now());
    st.pins_height = 54;
    let mut first = None;
    let mut reindex_gen = None;
    loop {
        let Some(m) = rx.recv().await else { break };
        let chunk = matches!(m, Msg::PinsetChunk { .. });
        let done = matches!(m, Msg::PinsetChunk { done: true, .. });
        for e in update(&mut st, m) {
            if let ccs_tui::app::Effect::Reindex { generation } = e {
                reindex_gen = Some(generation);
            }
        }
        if chunk && first.is_none() && !st.pins.index.is_empty() {
            first = Some(started.elapsed());
        }
        if done {
            break;
        }
    }
    let loaded = started.elapsed();
    // The sort the loop would run off the UI task.
    let t = Instant::now();
    let idx = compute_index(
        &st.pins.rows,
        &st.pins.filter,
        st.pins.sort,
        &st.pins.repl,
        false,
    );
    let sort_time = t.elapsed();
    if let Some(g) = reindex_gen {
        update(
            &mut st,
            Msg::Index {
                generation: g,
                index: idx,
            },
        );
    }
    let rss = rss_mib();
    println!(
        "first rows on screen: {:.0} ms",
        first.unwrap_or_default().as_secs_f64() * 1000.0
    );
    println!(
        "whole pinset ({} rows): {:.2} s",
        st.pins.rows.len(),
        loaded.as_secs_f64()
    );
    println!("console resident memory: {rss:.0} MiB (before loading: {rss0:.0} MiB)");
    println!(
        "sort by created over all rows: {:.0} ms",
        sort_time.as_secs_f64() * 1000.0
    );
    for q in ["item-012345", "hrdag", "status:error", "!tfc"] {
        let f = Filter::parse(q).unwrap();
        let t = Instant::now();
        let n = compute_index(
            &st.pins.rows,
            &f,
            Sort {
                key: SortKey::Cid,
                descending: false,
            },
            &st.pins.repl,
            false,
        )
        .len();
        println!(
            "filter {q:>12}: {:>7} rows in {:.0} ms",
            n,
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let t = Instant::now();
    let frames = 200;
    for _ in 0..frames {
        term.draw(|f| ccs_tui::ui::view(&st, f)).unwrap();
    }
    println!(
        "render the whole screen at 200x60 with {} rows: {:.2} ms/frame",
        st.pins.rows.len(),
        t.elapsed().as_secs_f64() * 1000.0 / frames as f64
    );
    let _ = sim.kill();
    let _ = sim.wait();
}
