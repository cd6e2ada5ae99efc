//! Uploads and fetches of a large file: `cargo bench --bench transfers [-- GIB]`.
//!
//! Runs `ccs-sim` as its own process, then, in the same run: uploads a file of
//! GIB gibibytes (default 2) through the client and through `curl -F`, fetches
//! it back through the client (verified) and through `curl -o`, and prints the
//! throughput ratios and this process's peak resident memory, which must stay
//! flat whatever the file's size.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use ccs_tui::cluster::{parse_host, AddOptions, ClientConfig, ClusterClient};
use ccs_tui::transfer::fetch::{fetch, Verified};
use tokio_util::sync::CancellationToken;

fn status_kib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .unwrap_or(0.0)
}

fn mib(kib: f64) -> f64 {
    kib / 1024.0
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("benchmark: run it with cargo bench");
        return;
    }
    let gib: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(2);
    let size = gib << 30;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let gw = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut sim = Command::new(env!("CARGO_BIN_EXE_ccs-sim"))
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--gateway",
            &format!("127.0.0.1:{gw}"),
            "--instant",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("ccs-sim runs");
    let mut lines = BufReader::new(sim.stderr.take().unwrap()).lines();
    for l in lines.by_ref() {
        if l.unwrap().contains("ready") {
            break;
        }
    }
    let tmp =
        tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| "/tmp".into())).unwrap();
    let path = tmp.path().join("big.bin");
    {
        // Varied bytes (a repeating 1 MiB pattern), written in pieces.
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let block: Vec<u8> = (0..(1u32 << 20))
            .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
            .collect();
        for _ in 0..(size >> 20) {
            f.write_all(&block).unwrap();
        }
    }
    println!("file: {gib} GiB");
    let mut ep = parse_host(&format!("http://127.0.0.1:{port}"), false).unwrap();
    ep.gateway = url::Url::parse(&format!("http://127.0.0.1:{gw}")).unwrap();
    let client = Arc::new(ClusterClient::new(ClientConfig::new(vec![ep])).unwrap());
    let rss_before = status_kib("VmRSS:");

    let t = Instant::now();
    let r = client
        .add(
            &path,
            &AddOptions::default(),
            None,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    let up = t.elapsed().as_secs_f64();
    let cid = r.root.cid.clone().unwrap();
    let hwm_up = status_kib("VmHWM:");

    let t = Instant::now();
    let ok = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-F",
            &format!("file=@{}", path.display()),
            &format!("http://127.0.0.1:{port}/add"),
        ])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let curl_up = t.elapsed().as_secs_f64();

    let out = tmp.path().join("back.bin");
    let t = Instant::now();
    let rep = fetch(
        &client,
        &client.default_gateway(),
        &cid,
        &out,
        false,
        None,
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let down = t.elapsed().as_secs_f64();
    assert_eq!(rep.verified, Verified::Match);
    let hwm_down = status_kib("VmHWM:");
    let _ = std::fs::remove_file(&out);
    // curl writes to a file on the same disk too (and syncs it), so the
    // comparison is of the transfers, not of /dev/null.
    let curl_out = tmp.path().join("curl.bin");
    let t = Instant::now();
    let _ = Command::new("curl")
        .args([
            "-s",
            "-o",
            &curl_out.display().to_string(),
            &format!("http://127.0.0.1:{gw}/ipfs/{cid}"),
        ])
        .status();
    let _ = std::fs::File::open(&curl_out).and_then(|f| f.sync_all());
    let curl_down = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&curl_out);

    let g = (size as f64) / 1e6;
    println!(
        "upload:  client {:.0} MB/s, curl -F {:.0} MB/s, ratio {:.2}{}",
        g / up,
        g / curl_up,
        curl_up / up,
        if ok { "" } else { " (curl failed)" }
    );
    println!(
        "fetch:   client {:.0} MB/s (with CID verification), curl -o FILE {:.0} MB/s, ratio {:.2}",
        g / down,
        g / curl_down,
        curl_down / down
    );
    println!(
        "client memory: {:.0} MiB before, peak {:.0} MiB after the upload, {:.0} MiB after the fetch",
        mib(rss_before),
        mib(hwm_up),
        mib(hwm_down)
    );
    let _ = sim.kill();
    let _ = sim.wait();
}
