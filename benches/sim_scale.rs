//! Simulator at archive scale: `cargo bench --bench sim_scale [-- PINS PEERS]`.
//!
//! Prints how long `--pins 1000000 --peers 50` takes to be ready, and the rate
//! at which `/allocations` streams on loopback against a static file of the
//! same bytes served by a minimal server (read + write, no framework), both
//! fetched by curl in the same run. It also decodes the stream with the
//! client, as the console will.

use std::net::SocketAddr;
use std::process::Command;
use std::time::Instant;

use ccs_tui::cluster::{parse_host, ClientConfig, ClusterClient, PinTypeFilter};
use ccs_tui::sim;

fn curl(url: &str, out: &str) -> Option<(u64, f64)> {
    let o = Command::new("curl")
        .args([
            "-s",
            "-o",
            out,
            "-w",
            "%{size_download} %{time_total} %{time_starttransfer}",
            url,
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    let mut it = text.split_whitespace();
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

/// A minimal static file server: one thread, `std::io::copy` (sendfile on
/// Linux). As fast as serving a file gets, which makes the ratio strict.
fn static_server(path: std::path::PathBuf) -> SocketAddr {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut req = [0u8; 4096];
            let _ = s.read(&mut req);
            let Ok(mut f) = std::fs::File::open(&path) else {
                continue;
            };
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
            );
            let _ = s.write_all(head.as_bytes());
            let _ = std::io::copy(&mut f, &mut s);
        }
    });
    addr
}

fn best(runs: &[f64]) -> f64 {
    runs.iter().cloned().fold(f64::INFINITY, f64::min)
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
    let t = Instant::now();
    let state = sim::scenario::synthetic(peers, pins, 1);
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let h = sim::start(state, any, any, sim::Faults::default())
        .await
        .unwrap();
    let ready = t.elapsed().as_secs_f64();
    println!("simulator: {pins} pins, {peers} peers, ready in {ready:.2} s");

    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("allocations.ndjson");
    let url = format!("{}/allocations", h.api_url());
    let file_s = file.to_string_lossy().to_string();
    let mut sim_runs = Vec::new();
    let mut bytes = 0;
    for _ in 0..3 {
        let Some((b, secs)) = curl(&url, &file_s) else {
            println!("curl not found: skipping the rate comparison");
            return;
        };
        bytes = b;
        sim_runs.push(secs);
    }
    let addr = static_server(file.clone());
    let static_url = format!("http://{addr}/allocations.ndjson");
    let mut static_runs = Vec::new();
    for _ in 0..3 {
        if let Some((_, secs)) = curl(&static_url, "/dev/null") {
            static_runs.push(secs);
        }
    }
    let (s, f) = (best(&sim_runs), best(&static_runs));
    let mb = bytes as f64 / 1e6;
    println!(
        "/allocations:  {mb:.0} MB in {s:.2} s = {:.0} MB/s (best of 3, curl)",
        mb / s
    );
    println!(
        "static file:   {mb:.0} MB in {f:.2} s = {:.0} MB/s (same bytes, minimal server)",
        mb / f
    );
    println!("ratio (simulator rate / static file rate): {:.2}", f / s);

    let mut ep = parse_host(&h.api_url(), false).unwrap();
    ep.gateway = url::Url::parse(&h.gateway_url()).unwrap();
    let c = ClusterClient::new(ClientConfig::new(vec![ep])).unwrap();
    let t = Instant::now();
    let mut stream = c.allocations(PinTypeFilter::All).await.unwrap();
    let mut first = None;
    let mut n = 0u64;
    while let Some(p) = stream.next().await {
        p.unwrap();
        n += 1;
        if first.is_none() {
            first = Some(t.elapsed());
        }
    }
    let all = t.elapsed().as_secs_f64();
    println!(
        "client decode: {n} pins in {all:.2} s ({:.0} pins/s), first row after {:.1} ms",
        n as f64 / all,
        first.map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    );
}
