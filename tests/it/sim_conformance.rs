//! The simulator's answers against the fixtures in `tests/fixtures/` (copied
//! from the research folder): same fields, same order, same nulls, same status
//! codes and messages. Values (IDs, times) differ; shapes may not.

use crate::common;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The skeleton of a JSON value: key order, types, and null-vs-empty.
fn shape(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "bool".into(),
        Value::Number(_) => "num".into(),
        Value::String(_) => "str".into(),
        Value::Array(a) => match a.first() {
            None => "[]".into(),
            Some(x) => format!("[{}]", shape(x)),
        },
        Value::Object(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, v)| match (k.as_str(), v) {
                    // Maps with free keys: only null vs {} vs non-empty matters.
                    ("metadata" | "peer_map", Value::Object(o)) => {
                        format!("{k}:{}", if o.is_empty() { "{}" } else { "{map}" })
                    }
                    _ => format!("{k}:{}", shape(v)),
                })
                .collect();
            format!("{{{}}}", inner.join(","))
        }
    }
}

/// Like `shape`, but maps with arbitrary keys (peer IDs) keep only their values' shapes.
/// The shapes of a status's `peer_map` entries, keys sorted. The derived
/// fixtures carry `ipfs_peer_addresses` and put `priority_pin` elsewhere; the
/// real 1.1.6 daemon leaves the addresses out and its key order is checked
/// against its recording (tests/differential.rs), and the real daemon wins.
fn shape_peer_map(v: &Value) -> Vec<String> {
    v["peer_map"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| {
            let mut keys: Vec<(String, Value)> = p
                .as_object()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            keys.retain(|(k, _)| k != "ipfs_peer_addresses");
            keys.sort_by(|a, b| a.0.cmp(&b.0));
            shape(&Value::Object(keys.into_iter().collect()))
        })
        .collect()
}

fn first_line(text: &str) -> Value {
    serde_json::from_str(text.lines().next().unwrap()).unwrap()
}

async fn get(url: &str) -> reqwest::Response {
    reqwest::get(url).await.unwrap()
}

fn go_json_body(b: &[u8]) {
    // Go's encoder: compact, one trailing newline.
    assert_eq!(b.last(), Some(&b'\n'), "{}", String::from_utf8_lossy(b));
    assert!(!b[..b.len() - 1].contains(&b'\n'));
    assert!(!String::from_utf8_lossy(b).contains(": "), "compact JSON");
}

#[tokio::test]
async fn version_is_byte_exact() {
    let h = common::demo().await;
    let r = get(&format!("{}/version", h.api_url())).await;
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.headers()["vary"], "Origin");
    assert_eq!(
        r.text().await.unwrap(),
        fixture("cluster-version.derived.json")
    );
}

#[tokio::test]
async fn id_and_peers_shapes() {
    let h = common::demo().await;
    let body = get(&format!("{}/id", h.api_url()))
        .await
        .bytes()
        .await
        .unwrap();
    go_json_body(&body);
    let id: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        shape(&id),
        shape(&first_line(&fixture("cluster-id.derived.json")))
    );
    // A peer that just died is listed with its dial error until crdt drops it.
    h.state().write().timings.peer_grace = std::time::Duration::from_secs(60);
    h.set_peer_offline("chll", Some("dial backoff"));
    let text = get(&format!("{}/peers", h.api_url()))
        .await
        .text()
        .await
        .unwrap();
    let fx = fixture("cluster-peers.derived.ndjson");
    let (online, offline): (Vec<Value>, Vec<Value>) = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .partition(|v| v["error"] == "");
    let fx_lines: Vec<Value> = fx
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(shape(&online[0]), shape(&fx_lines[0]));
    assert_eq!(shape(&offline[0]), shape(&fx_lines[1]));
}

#[tokio::test]
async fn allocations_and_pins_shapes() {
    let h = common::demo().await;
    let r = get(&format!("{}/allocations", h.api_url())).await;
    assert_eq!(r.headers()["trailer"], "X-Stream-Error");
    let text = r.text().await.unwrap();
    let line = first_line(&text);
    assert_eq!(
        shape(&line),
        shape(&first_line(&fixture("cluster-allocations.derived.ndjson")))
    );
    let cid = line["cid"].as_str().unwrap().to_string();
    let one: Value = get(&format!("{}/allocations/{cid}", h.api_url()))
        .await
        .text()
        .await
        .map(|t| serde_json::from_str::<Value>(&t).unwrap())
        .unwrap();
    assert_eq!(
        shape(&one),
        shape(&first_line(&fixture("cluster-allocation-get.derived.json")))
    );
    assert!(
        !one["timestamp"].as_str().unwrap().contains('.'),
        "state timestamps are whole seconds"
    );

    let st: Value = get(&format!("{}/pins/{cid}", h.api_url()))
        .await
        .text()
        .await
        .map(|t| serde_json::from_str::<Value>(&t).unwrap())
        .unwrap();
    let fx = first_line(&fixture("cluster-pin-status.derived.json"));
    // Top level identical in shape; every peer entry is one of the fixture's shapes.
    let top = |v: &Value| {
        let mut v = v.clone();
        v["peer_map"] = Value::Null;
        shape(&v)
    };
    assert_eq!(top(&st), top(&fx));
    let mut fx_shapes = shape_peer_map(&fx);
    // The cluster_error entry of a peer that is down is in the global fixture.
    for l in fixture("cluster-pins-global.derived.ndjson").lines() {
        fx_shapes.extend(shape_peer_map(&serde_json::from_str(l).unwrap()));
    }
    for s in shape_peer_map(&st) {
        assert!(fx_shapes.contains(&s), "{s} not in {fx_shapes:?}");
    }
}

#[tokio::test]
async fn unknown_cid_status_is_200_all_unpinned() {
    let h = common::demo().await;
    let cid = "bafyreiay3jpjk74dkckv2r74eyvf3lfnxujefay2rtuluintasq2zlapv4";
    let r = get(&format!("{}/pins/{cid}", h.api_url())).await;
    assert_eq!(r.status(), 200);
    let v: Value = r
        .text()
        .await
        .map(|t| serde_json::from_str::<Value>(&t).unwrap())
        .unwrap();
    let fx = first_line(&fixture("cluster-pin-status-notinpinset.derived.json"));
    let top = |v: &Value| {
        let mut v = v.clone();
        v["peer_map"] = Value::Null;
        shape(&v)
    };
    assert_eq!(top(&v), top(&fx));
    let fx_shapes = shape_peer_map(&fx);
    let online: Vec<Value> = v["peer_map"]
        .as_object()
        .unwrap()
        .values()
        .filter(|p| p["status"] == "unpinned")
        .cloned()
        .collect();
    let online = shape_peer_map(&serde_json::json!({
        "peer_map": online.into_iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect::<serde_json::Map<_, _>>()
    }));
    assert_eq!(online.len(), 4);
    assert!(fx_shapes.contains(&online[0]));
}

#[tokio::test]
async fn post_pin_echo_is_the_in_memory_object() {
    let h = common::demo().await;
    let c = reqwest::Client::new();
    let r = c
        .post(format!(
            "{}/pins/QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn?replication-min=-1&replication-max=-1",
            h.api_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r
        .text()
        .await
        .map(|t| serde_json::from_str::<Value>(&t).unwrap())
        .unwrap();
    assert_eq!(
        shape(&v),
        shape(&first_line(&fixture("cluster-pin-post.derived.json")))
    );
    assert_eq!(v["metadata"], serde_json::json!({}));
    assert_eq!(v["allocations"], serde_json::json!([]));
}

async fn body_of(r: reqwest::Response) -> (u16, String) {
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn error_bodies_are_byte_exact() {
    let h = common::demo().await;
    let u = h.api_url();
    let c = reqwest::Client::new();
    assert_eq!(
        body_of(get(&format!("{u}/pins?filter=bogus")).await).await,
        (400, fixture("cluster-error-400-filter.derived.json"))
    );
    assert_eq!(
        body_of(
            c.post(format!("{u}/add"))
                .header("content-type", "text/plain")
                .body("x")
                .send()
                .await
                .unwrap()
        )
        .await,
        (400, fixture("cluster-error-400-multipart.derived.json"))
    );
    assert_eq!(
        body_of(
            get(&format!(
                "{u}/allocations/QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq"
            ))
            .await
        )
        .await,
        (404, fixture("cluster-error-404-notinpinset.derived.json"))
    );
    assert_eq!(
        body_of(get(&format!("{u}/no/such/route")).await).await,
        (404, fixture("cluster-error-404-route.derived.json"))
    );
    // Known path, wrong method: the real daemon answers 404 "not found"
    // (tests/fixtures/real-cluster, exchange 405-method), not an empty 405.
    let (code, body) = body_of(
        get(&format!(
            "{u}/pins/ipfs/QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq"
        ))
        .await,
    )
    .await;
    assert_eq!(
        (code, body.as_str()),
        (404, "{\"code\":404,\"message\":\"not found\"}\n")
    );
    // GET /pins/recover hits /pins/{cid} in the daemon: a bad CID.
    let (code, body) = body_of(get(&format!("{u}/pins/recover")).await).await;
    assert_eq!(code, 400);
    assert!(body.starts_with("{\"code\":400,\"message\":\"error decoding Cid"));
    // Allocation failure: the daemon's message, as a 500.
    let (code, body) = body_of(
        c.post(format!("{u}/pins/QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq?replication-min=5&replication-max=5"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(code, 500);
    assert_eq!(
        body,
        "{\"code\":500,\"message\":\"not enough peers to allocate CID. Needed at least: 5. Wanted at most: 5. Available candidates: 4. See logs for more info.\"}\n"
    );
    let (code, body) = body_of(
        c.post(format!(
            "{u}/pins/QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq?replication-min=x"
        ))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (code, body.as_str()),
        (
            400,
            "{\"code\":400,\"message\":\"parameter replication-min invalid\"}\n"
        )
    );
    let (code, body) = body_of(c.post(format!("{u}/pins/QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq?replication-min=3&replication-max=2")).send().await.unwrap()).await;
    assert_eq!(code, 500);
    assert!(body.contains("cluster.replication_factor_min is larger than max"));
}

#[tokio::test]
async fn auth_variants_and_token() {
    let mut st = ccs_tui::sim::scenario::synthetic(2, 1, 1);
    st.basic_auth = Some(("validUserName".into(), "validUserPassword".into()));
    let h = common::start(st).await;
    let u = h.api_url();
    let c = reqwest::Client::new();
    let r = c.get(format!("{u}/version")).send().await.unwrap();
    let www: Vec<String> = r
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert_eq!(
        www,
        [
            "Bearer realm=\"Restricted IPFS Cluster API\"",
            "Basic realm=\"Restricted IPFS Cluster API\""
        ]
    );
    assert_eq!(
        body_of(r).await,
        (401, fixture("cluster-error-401.derived.json"))
    );
    let r = c
        .get(format!("{u}/version"))
        .basic_auth("validUserName", Some("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["www-authenticate"],
        "Basic realm=\"Restricted IPFS Cluster API\""
    );
    assert_eq!(
        body_of(r).await.1,
        "{\"code\":401,\"message\":\"unauthorized: access denied\"}\n"
    );
    let r = c
        .get(format!("{u}/version"))
        .bearer_auth("x.y.z")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["www-authenticate"],
        "Bearer realm=\"Restricted IPFS Cluster API\", error=\"invalid_token\""
    );
    assert_eq!(
        body_of(r).await.1,
        "{\"code\":401,\"message\":\"unauthorized: invalid token\"}\n"
    );
    // /health needs no auth.
    assert_eq!(get(&format!("{u}/health")).await.status(), 204);
    // The token is the daemon's, byte for byte (same user and password).
    let r = c
        .post(format!("{u}/token"))
        .basic_auth("validUserName", Some("validUserPassword"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.text().await.unwrap(),
        fixture("cluster-token.derived.json")
    );
}

#[tokio::test]
async fn trailing_slash_redirects_keep_the_query() {
    let h = common::demo().await;
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = c
        .get(format!("{}/pins/?filter=error", h.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 307);
    assert_eq!(r.headers()["location"], "/pins?filter=error");
}

#[tokio::test]
async fn empty_stream_is_204_with_the_trailer_header() {
    let h = common::small(3, 0).await;
    let r = get(&format!("{}/pins?filter=error", h.api_url())).await;
    assert_eq!(r.status(), 204);
    // The daemon also sends `Trailer: X-Stream-Error` here; hyper drops that
    // header on a body-less answer (README, known differences).
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.text().await.unwrap(), "");
}

/// Raw HTTP: the chunked body ends with the `X-Stream-Error` trailer.
#[tokio::test]
async fn stream_trailer_on_the_wire() {
    let h = common::small(3, 2).await;
    let mut s = tokio::net::TcpStream::connect(h.api_addr).await.unwrap();
    s.write_all(
        b"GET /allocations HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("transfer-encoding: chunked\r\n"));
    assert!(text.ends_with("0\r\nx-stream-error: \r\n\r\n"), "{text}");
}

#[tokio::test]
async fn add_outputs_match_the_fixtures_shapes() {
    let h = common::demo().await;
    let c = reqwest::Client::new();
    let body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"testFolder\"\r\nContent-Type: application/x-directory\r\n\r\n\r\n\
--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"testFolder%2Fabc.txt\"\r\nContent-Type: application/octet-stream\r\n\r\nabc\n\r\n\
--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"testFolder%2Fsub%2Fhello+world.txt\"\r\nContent-Type: application/octet-stream\r\n\r\nhello\n\r\n--b--\r\n";
    let r = c
        .post(format!(
            "{}/add?replication-min=2&replication-max=2",
            h.api_url()
        ))
        .header("content-type", "multipart/form-data; boundary=b")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-chunked-output"], "1");
    assert_eq!(r.headers()["trailer"], "X-Stream-Error");
    let text = r.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<&str> = lines.iter().map(|l| l["name"].as_str().unwrap()).collect();
    // '+' unescapes to a space; files, then folders bottom-up, root last.
    assert_eq!(
        names,
        [
            "testFolder/abc.txt",
            "testFolder/sub/hello world.txt",
            "testFolder/sub",
            "testFolder"
        ]
    );
    let fx = first_line(&fixture("cluster-add-dir.derived.ndjson"));
    for l in &lines {
        assert_eq!(shape(l), shape(&fx));
    }
    // Buffered mode: one array.
    let r = c
        .post(format!("{}/add?stream-channels=false", h.api_url()))
        .header("content-type", "multipart/form-data; boundary=b")
        .body("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\nxyz\r\n--b--\r\n")
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(text.starts_with("[{") && text.ends_with("}]\n"), "{text}");
    // Progress objects: name "", cid null, bytes.
    let data = vec![b'z'; 600_000];
    let mut body = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n".to_vec();
    body.extend_from_slice(&data);
    body.extend_from_slice(b"\r\n--b--\r\n");
    let text = c
        .post(format!("{}/add?progress=true", h.api_url()))
        .header("content-type", "multipart/form-data; boundary=b")
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let fx: Vec<Value> = fixture("cluster-add-progress.derived.ndjson")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(shape(&lines[0]), shape(&fx[0]));
    assert_eq!(lines.iter().rev().nth(1).unwrap()["bytes"], 600_000);
    assert_eq!(shape(lines.last().unwrap()), shape(fx.last().unwrap()));
    // Bad boolean: the daemon's 400.
    let (code, body) = body_of(
        c.post(format!("{}/add?wrap-with-directory=maybe", h.api_url()))
            .header("content-type", "multipart/form-data; boundary=b")
            .body("--b--\r\n")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (code, body.as_str()),
        (
            400,
            "{\"code\":400,\"message\":\"parameter wrap-with-directory invalid\"}\n"
        )
    );
}

#[tokio::test]
async fn metrics_and_alerts_shapes() {
    let h = common::demo().await;
    let v: Value = get(&format!("{}/monitor/metrics/freespace", h.api_url()))
        .await
        .text()
        .await
        .map(|t| serde_json::from_str::<Value>(&t).unwrap())
        .unwrap();
    let fx: Value =
        serde_json::from_str(&fixture("cluster-metrics-freespace.derived.json")).unwrap();
    assert_eq!(shape(&v[0]), shape(&fx[0]));
    let v: Value = get(&format!("{}/monitor/metrics/ping", h.api_url()))
        .await
        .text()
        .await
        .map(|t| serde_json::from_str::<Value>(&t).unwrap())
        .unwrap();
    let fx: Value = serde_json::from_str(&fixture("cluster-metrics-ping.derived.json")).unwrap();
    assert_eq!(shape(&v[0]), shape(&fx[0]));
    let inner: Value = serde_json::from_str(v[0]["value"].as_str().unwrap()).unwrap();
    let fx_inner: Value = serde_json::from_str(fx[0]["value"].as_str().unwrap()).unwrap();
    assert_eq!(shape(&inner), shape(&fx_inner));
    // The demo's pihost is long down; a cluster with every peer up has none.
    let all_up = common::small(3, 3).await;
    assert_eq!(
        get(&format!("{}/health/alerts", all_up.api_url()))
            .await
            .text()
            .await
            .unwrap(),
        fixture("cluster-alerts-empty.derived.json")
    );
    h.set_peer_offline("chll", Some("context deadline exceeded"));
    let v: Value = get(&format!("{}/health/alerts", h.api_url()))
        .await
        .text()
        .await
        .map(|t| serde_json::from_str::<Value>(&t).unwrap())
        .unwrap();
    let fx: Value = serde_json::from_str(&fixture("cluster-alerts.derived.json")).unwrap();
    assert_eq!(shape(&v[0]), shape(&fx[0]));
}

#[tokio::test]
async fn gateway_headers_match_kubo() {
    let h = common::demo().await;
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = c
        .post(format!("{}/add", h.api_url()))
        .header("content-type", "multipart/form-data; boundary=b")
        .body("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"hello\"\r\nContent-Type: application/octet-stream\r\n\r\nhello world\n\r\n--b--\r\n")
        .send()
        .await
        .unwrap();
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"));
    let r = get(&format!(
        "{}/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o",
        h.gateway_url()
    ))
    .await;
    let fx = fixture("cluster-kubo-gateway-get.derived.http");
    let resp = fx.split("\r\n\r\n").nth(1).unwrap();
    for line in resp.lines().skip(1) {
        let Some((k, v)) = line.split_once(": ") else {
            continue;
        };
        if k == "Date" {
            continue;
        }
        assert_eq!(
            r.headers()[k.to_lowercase().as_str()],
            v.trim_end_matches('\r'),
            "{k}"
        );
    }
    assert_eq!(r.text().await.unwrap(), "hello world\n");
    // Range.
    let r = reqwest::Client::new()
        .get(format!(
            "{}/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o",
            h.gateway_url()
        ))
        .header("range", "bytes=6-")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["content-range"], "bytes 6-11/12");
    assert_eq!(r.text().await.unwrap(), "world\n");
    // A folder without the trailing slash redirects; with it, lists.
    let folder = {
        let st = h.state().read();
        st.pins
            .values()
            .find(|p| p.name.starts_with("commit_"))
            .unwrap()
            .cid
            .clone()
    };
    let r = c
        .get(format!("{}/ipfs/{folder}", h.gateway_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 301);
    assert_eq!(r.headers()["location"], format!("/ipfs/{folder}/"));
    let r = c
        .get(format!("{}/ipfs/{folder}/", h.gateway_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("manifest.json"));
    assert_eq!(
        get(&format!("{}/ipfs/nonsense", h.gateway_url()))
            .await
            .status(),
        400
    );
}

/// Free space moves as copies land and leave: the `freespace` metric of a
/// peer drops by an item's size when it takes a copy, and comes back when
/// it lets the copy go.
#[tokio::test]
async fn free_space_moves_with_the_copies() {
    use ccs_tui::cluster::types::PinOptions;
    let names: Vec<String> = ["nas", "chll", "meerkat"].map(String::from).to_vec();
    let mut st = ccs_tui::sim::SimState::new(&names, 5);
    st.timings = ccs_tui::sim::Timings::instant();
    let h = common::start(st).await;
    let c = common::client_for(&h);
    let ids: Vec<String> = h
        .ctx
        .state
        .read()
        .peers
        .iter()
        .map(|p| p.id.clone())
        .collect();
    let free = || async {
        let m = c.metrics("freespace").await.unwrap();
        ids.iter()
            .map(|id| {
                m.iter()
                    .find(|x| x.peer == *id)
                    .unwrap()
                    .value
                    .parse::<u64>()
                    .unwrap()
            })
            .collect::<Vec<u64>>()
    };
    let before = free().await;
    let cid = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";
    let opts = |peer: &str| PinOptions {
        replication_min: Some(1),
        replication_max: Some(1),
        user_allocations: vec![peer.to_string()],
        metadata: vec![("size".into(), "5000000000".into())],
        ..Default::default()
    };
    let p = c.pin(cid, &opts(&ids[1])).await.unwrap();
    assert_eq!(p.allocations.iter().collect::<Vec<_>>(), [&ids[1]]);
    let after = free().await;
    assert_eq!(after[1], before[1] - 5_000_000_000, "chll took the copy");
    assert_eq!((after[0], after[2]), (before[0], before[2]));
    c.unpin(cid).await.unwrap();
    assert_eq!(free().await, before, "the copy left");
}
