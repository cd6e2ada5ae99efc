//! The client against the simulator over real loopback HTTP: every endpoint,
//! every fault.

use crate::common;

use std::time::Duration;

use ccs_tui::cluster::types::{PinOptions, TrackerStatus};
use ccs_tui::cluster::{AddOptions, Auth, ClientError, PinTypeFilter};
use ccs_tui::sim::{ErrorFault, Faults};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn a_peer_down_since_before_is_dropped_from_peers_and_reconciled_as_missing() {
    let h = common::demo().await;
    let c = common::client_for(&h);
    // crdt lists only peers with a current heartbeat: pihost is not there.
    let peers = c.peers().await.unwrap().collect().await.unwrap();
    let names: Vec<&str> = peers.iter().map(|p| p.peername.as_str()).collect();
    assert_eq!(peers.len(), 4, "{names:?}");
    assert!(!names.contains(&"pihost"));
    assert!(peers.iter().all(|p| p.error.is_empty()));
    // Its ping alert remains, and members() puts it back as missing.
    let members = c.members().await.unwrap();
    assert_eq!(members.len(), 5);
    let pihost = members.iter().find(|p| p.peername == "pihost").unwrap();
    assert!(
        pihost.error.starts_with("missing: no heartbeat since "),
        "{}",
        pihost.error
    );
    assert!(
        pihost.addresses.is_null(),
        "missing peers have no addresses"
    );
}

#[tokio::test]
async fn id_version_metrics_alerts() {
    let h = common::demo().await;
    let c = common::client_for(&h);
    assert_eq!(c.version().await.unwrap().version, "1.1.6");
    let id = c.id().await.unwrap();
    assert_eq!(id.peername, "nas");
    assert!(id.id.starts_with("12D3KooW"));
    let free = c.metrics("freespace").await.unwrap();
    assert_eq!(free.len(), 4, "offline peer has no valid metric");
    assert!(free.windows(2).all(|w| w[0].peer <= w[1].peer));
    assert!(free.iter().all(|m| m.value.parse::<u64>().is_ok()));
    assert!(c.metrics("nope").await.unwrap().is_empty());
    // pihost's heartbeat stopped before the start: one alert.
    assert_eq!(c.alerts().await.unwrap().len(), 1);
    h.set_peer_offline("meerkat", Some("context deadline exceeded"));
    let alerts = c.alerts().await.unwrap();
    assert_eq!(alerts.len(), 2);
    // Newest first, naming the peer in the value as 1.1.6 does.
    assert_eq!(alerts[0].metric.name, "ping");
    assert!(
        alerts[0].metric.value.contains("\"peer_name\":\"meerkat\""),
        "{}",
        alerts[0].metric.value
    );
}

#[tokio::test]
async fn allocations_stream_the_whole_pinset_in_key_order() {
    let h = common::small(5, 2500).await;
    let c = common::client_for(&h);
    let mut s = c.allocations(PinTypeFilter::All).await.unwrap();
    let mut prev = String::new();
    let mut n = 0;
    while let Some(p) = s.next().await {
        let p = p.unwrap();
        assert!(p.cid > prev);
        prev = p.cid;
        n += 1;
    }
    assert_eq!(n, 2500);
    assert!(!s.is_partial());
    let one = c.allocation(&prev).await.unwrap();
    assert_eq!(one.cid, prev);
    assert_eq!(one.allocations.len(), 3);
}

#[tokio::test]
async fn empty_streams_are_204_and_empty() {
    let h = common::small(3, 0).await;
    let c = common::client_for(&h);
    let v = c
        .allocations(PinTypeFilter::All)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert!(v.is_empty());
    let v = c
        .pins(Some("error"), &[], false)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert!(v.is_empty());
}

#[tokio::test]
async fn trailer_error_after_n_items_is_a_partial_result() {
    let h = common::small(3, 50).await;
    h.set_faults(Faults {
        trailer_error_after: Some(10),
        trailer_error: Some("Status: error in broadcast: context deadline exceeded".into()),
        ..Default::default()
    });
    let c = common::client_for(&h);
    let mut s = c.allocations(PinTypeFilter::All).await.unwrap();
    let mut ok = 0;
    let mut err = None;
    while let Some(item) = s.next().await {
        match item {
            Ok(_) => ok += 1,
            Err(e) => err = Some(e),
        }
    }
    assert_eq!(ok, 10);
    assert!(s.is_partial());
    match err {
        Some(ClientError::Stream { messages, .. }) => {
            assert_eq!(
                messages,
                vec!["Status: error in broadcast: context deadline exceeded"]
            )
        }
        other => panic!("expected a stream error, got {other:?}"),
    }
}

#[tokio::test]
async fn dropped_connection_mid_stream_is_an_error_not_a_short_list() {
    let h = common::small(3, 200).await;
    h.set_faults(Faults {
        drop_after_bytes: Some(5000),
        ..Default::default()
    });
    let c = common::client_for(&h);
    let r = match c.allocations(PinTypeFilter::All).await {
        Ok(s) => s.collect().await.map(|v| v.len()),
        Err(e) => Err(e),
    };
    assert!(r.is_err(), "a cut stream must not look complete: {r:?}");
}

#[tokio::test]
async fn status_unknown_cid_is_all_unpinned_and_allocation_is_404() {
    let h = common::demo().await;
    let c = common::client_for(&h);
    let cid = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";
    let gi = c.pin_status(cid, false).await.unwrap();
    // The four peers crdt lists; pihost, long down, is in no status.
    assert_eq!(gi.peer_map.len(), 4);
    assert!(gi
        .peer_map
        .values()
        .all(|p| p.status == TrackerStatus::Unpinned));
    match c.allocation(cid).await {
        Err(ClientError::Api {
            status: 404,
            message,
            ..
        }) => assert_eq!(message, "pin is not part of the pinset"),
        other => panic!("{other:?}"),
    }
    match c.pin_status("notacid", false).await {
        Err(ClientError::Api {
            status: 400,
            message,
            ..
        }) => assert!(message.starts_with("error decoding Cid")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn demo_has_errors_pinning_and_remote() {
    let h = common::demo().await;
    let c = common::client_for(&h);
    let errs = c
        .pins(Some("error"), &[], false)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    // Two items in pin_error; the offline peer's cluster_error rides along.
    let pin_errors: Vec<_> = errs
        .iter()
        .filter(|g| {
            g.peer_map
                .values()
                .any(|p| p.status == TrackerStatus::PinError)
        })
        .collect();
    assert_eq!(pin_errors.len(), 2, "{errs:#?}");
    let pinning = c
        .pins(Some("pinning,pin_queued"), &[], false)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(pinning.len(), 1);
    let all = c
        .allocations(PinTypeFilter::Pin)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert!(all.len() >= 300);
    let first = &all[0];
    assert!(first.metadata.get("org").is_some() && first.metadata.get("size").is_some());
    let gi = c
        .pins(None, std::slice::from_ref(&first.cid), false)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(gi.len(), 1);
    assert!(gi[0]
        .peer_map
        .values()
        .any(|p| p.status == TrackerStatus::Remote));
}

#[tokio::test]
async fn pin_unpin_recover_cycle() {
    let h = common::demo().await;
    let c = common::client_for(&h);
    let empty_dir = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn";
    let pin = c
        .pin(
            empty_dir,
            &PinOptions {
                name: Some("empty".into()),
                replication_min: Some(2),
                replication_max: Some(3),
                metadata: vec![("org".into(), "hrdag".into())],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(pin.name, "empty");
    assert_eq!(pin.allocations.len(), 3);
    assert_eq!(pin.metadata.get("org"), Some("hrdag"));
    let st = c.pin_status(empty_dir, false).await.unwrap();
    assert_eq!(st.count(TrackerStatus::Pinned), 3, "{st:#?}");
    // Not enough peers: the daemon's message, counting the three copies it
    // has (two more needed, one online peer left).
    let err = c
        .pin(
            empty_dir,
            &PinOptions {
                replication_min: Some(5),
                replication_max: Some(5),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(
            "not enough peers to allocate CID. Needed at least: 2. Wanted at most: 2. Available candidates: 1."
        ),
        "{err}"
    );
    // Unknown content: stays pinning, then pin_error once peers give up.
    h.state().write().timings.fail_after = Duration::ZERO;
    let nobody = "QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq";
    c.pin(nobody, &PinOptions::default()).await.unwrap();
    let st = c.pin_status(nobody, false).await.unwrap();
    assert!(st.count(TrackerStatus::PinError) >= 2, "{st:#?}");
    let rec = c.recover(nobody, false).await.unwrap();
    assert!(rec.peer_map.values().any(|p| p.attempt_count >= 1));
    let removed = c.unpin(empty_dir).await.unwrap();
    assert_eq!(removed.cid, empty_dir);
    match c.unpin(empty_dir).await {
        Err(ClientError::Api { status: 404, .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn recover_all_streams_only_requeued_items() {
    let h = common::demo().await;
    let c = common::client_for(&h);
    let rec = c.recover_all(false).await.unwrap().collect().await.unwrap();
    assert_eq!(rec.len(), 2);
}

#[tokio::test]
async fn auth_basic_bearer_and_the_401_message() {
    let mut st = ccs_tui::sim::scenario::synthetic(3, 3, 1);
    st.basic_auth = Some(("admin".into(), "secret".into()));
    let h = common::start(st).await;
    let good = common::client_with(
        &h,
        Auth::Basic {
            user: "admin".into(),
            password: "secret".into(),
        },
    );
    assert_eq!(
        good.peers().await.unwrap().collect().await.unwrap().len(),
        3
    );
    let bad = common::client_with(
        &h,
        Auth::Basic {
            user: "admin".into(),
            password: "wrong".into(),
        },
    );
    let e = bad.version().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "the cluster at {} refused user admin: check the password in ~/.ccs/config.yml",
            h.api_addr
        )
    );
    let none = common::client_for(&h);
    assert!(none
        .version()
        .await
        .unwrap_err()
        .to_string()
        .contains("wants a login"));
    let token = ccs_tui::sim::sign_token("admin", "secret");
    let bearer = common::client_with(&h, Auth::Bearer(token));
    assert_eq!(bearer.version().await.unwrap().version, "1.1.6");
    let forged = common::client_with(&h, Auth::Bearer(ccs_tui::sim::sign_token("admin", "guess")));
    assert!(matches!(
        forged.version().await,
        Err(ClientError::Unauthorized { .. })
    ));
}

#[tokio::test]
async fn error_and_latency_faults() {
    let h = common::small(3, 3).await;
    let c = common::client_for(&h);
    h.set_faults(Faults {
        errors: vec![ErrorFault {
            route: "/peers".into(),
            status: 500,
            message: "boom".into(),
        }],
        latency_ms: vec![("/version".into(), 6000)],
        ..Default::default()
    });
    match c.peers().await {
        Err(ClientError::Api {
            status: 500,
            message,
            ..
        }) => assert_eq!(message, "boom"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("expected an error"),
    }
    // Slower than the 5 s request timeout: a timeout, not a hang.
    assert!(matches!(
        c.version().await,
        Err(ClientError::Timeout { .. })
    ));
}

#[tokio::test]
async fn failover_to_the_next_host() {
    let h = common::small(3, 3).await;
    let dead = ccs_tui::cluster::parse_host("127.0.0.1:9", false).unwrap();
    let live = ccs_tui::cluster::parse_host(&h.api_url(), false).unwrap();
    let c =
        ccs_tui::cluster::ClusterClient::new(ccs_tui::cluster::ClientConfig::new(vec![dead, live]))
            .unwrap();
    assert_eq!(c.version().await.unwrap().version, "1.1.6");
    assert_eq!(c.endpoint().label(), h.api_addr.to_string());
}

#[tokio::test]
async fn unreachable_cluster_says_so() {
    let dead = ccs_tui::cluster::parse_host("127.0.0.1:9", false).unwrap();
    let c = ccs_tui::cluster::ClusterClient::new(ccs_tui::cluster::ClientConfig::new(vec![dead]))
        .unwrap();
    let e = c.version().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot reach 127.0.0.1:9: connection refused"
    );
}

fn tree(dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("docs/sub")).unwrap();
    std::fs::write(dir.join("docs/a.txt"), "a\n").unwrap();
    std::fs::write(dir.join("docs/b.txt"), "b\n").unwrap();
    std::fs::write(dir.join("docs/sub/c.txt"), "c\n").unwrap();
    std::fs::write(dir.join("docs/.hidden"), "secret\n").unwrap();
}

#[tokio::test]
async fn add_a_folder_gives_kubo_cids_and_the_gateway_returns_the_bytes() {
    let h = common::demo().await;
    let c = common::client_for(&h);
    let tmp = tempfile::tempdir().unwrap();
    tree(tmp.path());
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let p2 = progress.clone();
    let r = c
        .add(
            &tmp.path().join("docs"),
            &AddOptions {
                pin: PinOptions {
                    name: Some("docs".into()),
                    ..Default::default()
                },
                ..Default::default()
            },
            Some(std::sync::Arc::new(move |sent, _| {
                p2.store(sent, std::sync::atomic::Ordering::SeqCst)
            })),
            CancellationToken::new(),
        )
        .await
        .unwrap();
    let names: Vec<&str> = r.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "docs/a.txt",
            "docs/b.txt",
            "docs/sub/c.txt",
            "docs/sub",
            "docs"
        ]
    );
    assert_eq!(
        r.root.cid.as_deref(),
        Some("QmWgWsT9pjwWGuiU9i8Z4LZ8Ba9tJjMq4jWGTzydqWJo5m")
    );
    assert_eq!(r.root.size, 224);
    assert_eq!(progress.load(std::sync::atomic::Ordering::SeqCst), 6);
    let gw = c.default_gateway();
    let head = c
        .gateway_head(&gw, "QmWgWsT9pjwWGuiU9i8Z4LZ8Ba9tJjMq4jWGTzydqWJo5m", "")
        .await
        .unwrap();
    assert!(head.is_dir);
    let mut s = c
        .gateway_get(
            &gw,
            "QmWgWsT9pjwWGuiU9i8Z4LZ8Ba9tJjMq4jWGTzydqWJo5m",
            "sub/c.txt",
            false,
        )
        .await
        .unwrap();
    let mut got = Vec::new();
    while let Some(b) = s.next().await {
        got.extend_from_slice(&b.unwrap());
    }
    assert_eq!(got, b"c\n");
    // The tar holds every file.
    let mut s = c
        .gateway_get(
            &gw,
            "QmWgWsT9pjwWGuiU9i8Z4LZ8Ba9tJjMq4jWGTzydqWJo5m",
            "",
            true,
        )
        .await
        .unwrap();
    let mut tarball = Vec::new();
    while let Some(b) = s.next().await {
        tarball.extend_from_slice(&b.unwrap());
    }
    let mut ar = tar::Archive::new(tarball.as_slice());
    let mut files = Vec::new();
    for e in ar.entries().unwrap() {
        let e = e.unwrap();
        files.push(e.path().unwrap().display().to_string());
    }
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("docs/sub/c.txt") || f.ends_with("/sub/c.txt")),
        "{files:?}"
    );
    // The pin exists, with its name.
    let pin = c
        .allocation("QmWgWsT9pjwWGuiU9i8Z4LZ8Ba9tJjMq4jWGTzydqWJo5m")
        .await
        .unwrap();
    assert_eq!(pin.name, "docs");
}

#[tokio::test]
async fn add_options_cid_v1_hidden_wrap_and_buffered() {
    let h = common::demo().await;
    let c = common::client_for(&h);
    let tmp = tempfile::tempdir().unwrap();
    tree(tmp.path());
    let r = c
        .add(
            &tmp.path().join("docs"),
            &AddOptions {
                cid_version: 1,
                ..Default::default()
            },
            None,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        r.root.cid.as_deref(),
        Some("bafybeidkqjkto3exvvnbalb7h6uozfqgszhckcwnbiwpyuufssfd7o5t4m")
    );
    let r = c
        .add(
            &tmp.path().join("docs"),
            &AddOptions {
                hidden: true,
                stream_channels: false,
                ..Default::default()
            },
            None,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    assert!(r.entries.iter().any(|e| e.name == "docs/.hidden"));
    std::fs::write(tmp.path().join("hello.txt"), "hello world\n").unwrap();
    let r = c
        .add(
            &tmp.path().join("hello.txt"),
            &AddOptions {
                wrap_with_directory: true,
                ..Default::default()
            },
            None,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        r.root.cid.as_deref(),
        Some("QmfLiVjH2vujCVP2e75zyzBYmpcjktmDeU1YBz6Ct8BBsc")
    );
    assert_eq!(r.root.name, "");
}

#[tokio::test]
async fn add_200_and_nothing_is_a_failure() {
    let h = common::demo().await;
    h.set_faults(Faults {
        add_empty_200: true,
        ..Default::default()
    });
    let c = common::client_for(&h);
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("x.txt");
    std::fs::write(&f, "x").unwrap();
    let e = c
        .add(&f, &AddOptions::default(), None, CancellationToken::new())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("added nothing"), "{e}");
    // Bad replication factors trigger the same daemon bug without any fault.
    h.set_faults(Faults::default());
    let e = c
        .add(
            &f,
            &AddOptions {
                pin: PinOptions {
                    replication_min: Some(3),
                    replication_max: Some(1),
                    ..Default::default()
                },
                ..Default::default()
            },
            None,
            CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("added nothing"), "{e}");
}

#[tokio::test]
async fn add_missing_path_fails_before_sending() {
    let h = common::demo().await;
    let c = common::client_for(&h);
    let e = c
        .add(
            std::path::Path::new("/nonexistent/x"),
            &AddOptions::default(),
            None,
            CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no such file or folder"), "{e}");
}

#[tokio::test]
async fn cancelled_add_pins_nothing() {
    let h = common::demo().await;
    let c = common::client_for(&h);
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("big.bin");
    std::fs::write(&f, vec![7u8; 8 * 1024 * 1024]).unwrap();
    let before = c
        .allocations(PinTypeFilter::All)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap()
        .len();
    let token = CancellationToken::new();
    let t2 = token.clone();
    let r = c
        .add(
            &f,
            &AddOptions::default(),
            Some(std::sync::Arc::new(move |sent, _| {
                if sent > 1024 * 1024 {
                    t2.cancel();
                }
            })),
            token,
        )
        .await;
    assert!(matches!(r, Err(ClientError::Cancelled)));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = c
        .allocations(PinTypeFilter::All)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap()
        .len();
    assert_eq!(before, after);
}

#[tokio::test]
async fn gateway_errors_and_stall() {
    let h = common::demo().await;
    let c = common::client_for(&h);
    let gw = c.default_gateway();
    match c.gateway_head(&gw, "notacid", "").await {
        Err(ClientError::Api { status: 400, .. }) => {}
        other => panic!("{other:?}"),
    }
    match c
        .gateway_head(&gw, "QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq", "")
        .await
    {
        Err(ClientError::Api { status: 404, .. }) => {}
        other => panic!("{other:?}"),
    }
    h.mark_unavailable("QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq");
    match c
        .gateway_head(&gw, "QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq", "")
        .await
    {
        Err(ClientError::Api { status: 504, .. }) => {}
        other => panic!("{other:?}"),
    }
    h.set_faults(Faults {
        gateway_stall: true,
        ..Default::default()
    });
    let t = std::time::Instant::now();
    let r = c
        .gateway_head(&gw, "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn", "")
        .await;
    assert!(matches!(r, Err(ClientError::Timeout { .. })), "{r:?}");
    assert!(t.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn control_endpoint_sets_faults_and_peers_over_http() {
    let h = common::small(3, 5).await;
    let c = common::client_for(&h);
    let http = reqwest::Client::new();
    let r = http
        .put(format!("{}/_sim/faults", h.api_url()))
        .body(r#"{"errors":[{"route":"/version","status":503,"message":"maintenance"}]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    match c.version().await {
        Err(ClientError::Api {
            status: 503,
            message,
            ..
        }) => assert_eq!(message, "maintenance"),
        other => panic!("{other:?}"),
    }
    let r = http
        .post(format!("{}/_sim/peers/chll/offline", h.api_url()))
        .body("dial backoff")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // Dropped at once (no grace in this simulator), reconciled as missing.
    let peers = c.members().await.unwrap();
    assert_eq!(
        peers
            .iter()
            .filter(|p| p.peername == "chll" && p.error.starts_with("missing:"))
            .count(),
        1,
        "{peers:#?}"
    );
    let cid = c
        .allocations(PinTypeFilter::All)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap()[0]
        .cid
        .clone();
    // Dropped from the peerset, chll is in no status at all (crdt).
    let st = c.pin_status(&cid, false).await.unwrap();
    assert!(
        st.peer_map.values().all(|p| p.peername != "chll"),
        "{st:#?}"
    );
    http.post(format!("{}/_sim/peers/chll/online", h.api_url()))
        .send()
        .await
        .unwrap();
    let r = http
        .post(format!("{}/_sim/pins/{cid}/error", h.api_url()))
        .body(r#"{"peer":"nas","message":"disk quota exceeded"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let st = c.pin_status(&cid, false).await.unwrap();
    let nas = st.peer_map.values().find(|p| p.peername == "nas").unwrap();
    assert_eq!(
        (nas.status, nas.error.as_str()),
        (TrackerStatus::PinError, "disk quota exceeded")
    );
    // Local status: only the contacted peer.
    let local = c.pin_status(&cid, true).await.unwrap();
    assert_eq!(local.peer_map.len(), 1);
    let local_all = c
        .pins(None, &[], true)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert!(local_all.iter().all(|g| g.peer_map.len() == 1));
    // Recover clears the injected error.
    c.recover(&cid, false).await.unwrap();
    let st = c.pin_status(&cid, false).await.unwrap();
    assert_eq!(st.count(TrackerStatus::PinError), 0);
}

/// As 1.1.6 answers (recorded: `unpin-status`): once the item leaves the
/// pinset, `GET /pins/{cid}` says `unpinned` for every peer at once, while
/// the peers' kubos are still unpinning it and still store it.
#[tokio::test]
async fn an_unpinned_item_reads_unpinned_everywhere_at_once_though_kubos_still_hold_it() {
    let mut st = ccs_tui::sim::scenario::synthetic(3, 3, 1);
    st.timings = ccs_tui::sim::Timings {
        unpin: Duration::from_secs(30),
        ..ccs_tui::sim::Timings::instant()
    };
    let h = common::start(st).await;
    let c = common::client_for(&h);
    let cid = c
        .allocations(PinTypeFilter::All)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap()[0]
        .cid
        .clone();
    c.unpin(&cid).await.unwrap();
    let st = c.pin_status(&cid, false).await.unwrap();
    assert_eq!(
        st.count(TrackerStatus::Unpinned),
        st.peer_map.len(),
        "{st:#?}"
    );
    let root = ccs_tui::unixfs::parse_cid(&cid).unwrap();
    let stored = {
        let s = h.state().read();
        let now = std::time::Instant::now();
        (0..3u16).all(|p| !s.blocks.contains_key(&root.to_bytes()) || s.stored_at(p, &root, now))
    };
    assert!(stored, "still stored while unpinning");
    assert!(
        c.allocation(&cid).await.is_err(),
        "gone from the pinset at once"
    );
}

/// The same tests on ccs-sim (default) and on the real cluster
/// (`CCS_BACKEND=real`, run by `scripts/real-cluster test`).
mod both {
    use std::time::Duration;

    use ccs_tui::cluster::types::{PinOptions, TrackerStatus};
    use ccs_tui::cluster::{AddOptions, Auth, ClientError, PinTypeFilter};
    use ccs_tui::unixfs::ImportOptions;
    use tokio_util::sync::CancellationToken;

    use super::common::backend::{unique_bytes, unique_text, Backend, PEERS};

    const SETTLE: Duration = Duration::from_secs(60);

    #[tokio::test]
    async fn identity_peers_metrics_and_alerts() {
        let b = Backend::start().await;
        let c = b.client();
        assert_eq!(c.version().await.unwrap().version, "1.1.6");
        let id = c.id().await.unwrap();
        assert_eq!(id.peername, "nas");
        assert!(id.id.starts_with("12D3KooW"), "{}", id.id);
        let peers = c.peers().await.unwrap().collect().await.unwrap();
        let mut names: Vec<&str> = peers.iter().map(|p| p.peername.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["chll", "meerkat", "nas"]);
        assert!(peers.iter().all(|p| p.error.is_empty()), "{peers:#?}");
        assert!(peers.iter().all(|p| p.version == "1.1.6"));
        let free = c.metrics("freespace").await.unwrap();
        assert_eq!(free.len(), PEERS.len(), "{free:#?}");
        assert!(free.iter().all(|m| m.value.parse::<u64>().is_ok()));
        assert!(c.metrics("no-such-metric").await.unwrap().is_empty());
        assert!(c.alerts().await.unwrap().is_empty());
    }

    async fn add_file(b: &Backend, path: &std::path::Path, opts: &AddOptions) -> String {
        b.client()
            .add(path, opts, None, CancellationToken::new())
            .await
            .unwrap()
            .root
            .cid
            .expect("the root has a CID")
    }

    #[tokio::test]
    async fn add_a_file_pin_everywhere_fetch_unpin() {
        let b = Backend::start().await;
        let c = b.client();
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("scan.bin");
        let bytes = unique_bytes(700 * 1024);
        std::fs::write(&path, &bytes).unwrap();
        let opts = AddOptions {
            pin: PinOptions {
                name: Some("scan.bin".into()),
                metadata: vec![("org".into(), "hrdag".into())],
                ..Default::default()
            },
            ..Default::default()
        };
        let cid = add_file(&b, &path, &opts).await;
        assert_eq!(cid, super::common::default_cid(&path), "kubo's CID");
        b.wait_pinned(&cid, SETTLE).await;
        let pin = c.allocation(&cid).await.unwrap();
        assert_eq!(pin.name, "scan.bin");
        assert_eq!(pin.metadata.get("org"), Some("hrdag"));
        let listed = c
            .pins(None, std::slice::from_ref(&cid), false)
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].count(TrackerStatus::Pinned), PEERS.len());
        let pinned = c
            .allocations(PinTypeFilter::Pin)
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        assert!(pinned.iter().any(|p| p.cid == cid));
        // Every peer's gateway serves it.
        for p in &b.peers {
            let gw = url::Url::parse(&p.gateway).unwrap();
            let mut s = c.gateway_get(&gw, &cid, "", false).await.unwrap();
            let mut got = Vec::new();
            while let Some(chunk) = s.next().await {
                got.extend_from_slice(&chunk.unwrap());
            }
            assert!(got == bytes, "{}: {} bytes back", p.name, got.len());
        }
        let removed = c.unpin(&cid).await.unwrap();
        assert_eq!(removed.cid, cid);
        match c.allocation(&cid).await {
            Err(ClientError::Api {
                status: 404,
                message,
                ..
            }) => assert_eq!(message, "pin is not part of the pinset"),
            other => panic!("{other:?}"),
        }
        match c.unpin(&cid).await {
            Err(ClientError::Api { status: 404, .. }) => {}
            other => panic!("{other:?}"),
        }
        b.wait_status(&cid, SETTLE, |s| s == TrackerStatus::Unpinned)
            .await;
    }

    #[tokio::test]
    async fn add_a_folder_with_each_option_gives_the_local_cids() {
        let b = Backend::start().await;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("commit_2026");
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("index.html"), unique_text("<p>index")).unwrap();
        std::fs::write(dir.join("data.json"), unique_text("{\"n\":")).unwrap();
        std::fs::write(dir.join("sub/scan.tif"), unique_bytes(300_000)).unwrap();
        std::fs::write(dir.join(".hidden"), unique_text("hidden")).unwrap();
        let cases: [(u8, Option<bool>, bool, bool, bool); 5] = [
            (0, None, false, false, true),
            (1, None, false, false, true),
            (0, Some(true), false, false, true),
            (0, None, true, true, true),
            (0, None, false, false, false),
        ];
        for (cid_version, raw_leaves, wrap, hidden, stream) in cases {
            let opts = AddOptions {
                cid_version,
                raw_leaves,
                wrap_with_directory: wrap,
                hidden,
                stream_channels: stream,
                ..Default::default()
            };
            let r = b
                .client()
                .add(&dir, &opts, None, CancellationToken::new())
                .await
                .unwrap();
            let local = super::common::local_cid(
                &dir,
                ImportOptions::new(cid_version, raw_leaves),
                hidden,
                wrap,
            );
            let case = format!(
                "v{cid_version} raw {raw_leaves:?} wrap {wrap} hidden {hidden} stream {stream}"
            );
            let root = r.root.cid.clone().expect("the root has a CID");
            assert_eq!(root, local, "{case}");
            let names: Vec<&str> = r.entries.iter().map(|e| e.name.as_str()).collect();
            assert_eq!(
                names.contains(&"commit_2026/.hidden"),
                hidden,
                "{case}: {names:?}"
            );
            b.client().unpin(&root).await.unwrap();
        }
    }

    #[tokio::test]
    async fn replication_bounds_and_allocations() {
        let b = Backend::start().await;
        let c = b.client();
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("two.txt");
        std::fs::write(&path, unique_text("two copies")).unwrap();
        let opts = AddOptions {
            pin: PinOptions {
                name: Some("two".into()),
                replication_min: Some(2),
                replication_max: Some(2),
                ..Default::default()
            },
            ..Default::default()
        };
        let cid = add_file(&b, &path, &opts).await;
        let pin = c.allocation(&cid).await.unwrap();
        assert_eq!(pin.allocations.len(), 2, "{pin:#?}");
        assert_eq!(
            (pin.replication_factor_min, pin.replication_factor_max),
            (2, 2)
        );
        b.wait_status(&cid, SETTLE, |s| {
            matches!(s, TrackerStatus::Pinned | TrackerStatus::Remote)
        })
        .await;
        let st = c.pin_status(&cid, false).await.unwrap();
        assert_eq!(st.count(TrackerStatus::Pinned), 2, "{st:#?}");
        assert_eq!(st.count(TrackerStatus::Remote), 1, "{st:#?}");
        let err = c
            .pin(
                &cid,
                &PinOptions {
                    replication_min: Some(5),
                    replication_max: Some(5),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        // The two peers holding it count: three more are needed, one is left.
        assert!(
            err.to_string().contains(
                "not enough peers to allocate CID. Needed at least: 3. Wanted at most: 3. Available candidates: 1."
            ),
            "{err}"
        );
        c.unpin(&cid).await.unwrap();
    }

    /// A re-pin as the real daemon (1.1.6) treats it: allocations that are
    /// valid and within the bounds stay (user allocations only fill what is
    /// needed); above the maximum some are dropped; and the name and metadata
    /// not given again are forgotten (so any edit must read-merge-write).
    #[tokio::test]
    async fn a_re_pin_keeps_valid_allocations_and_forgets_what_it_is_not_given() {
        let b = Backend::start().await;
        let c = b.client();
        let ids = b.peer_ids().await;
        let id = |n: &str| ids[n].clone();
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("moved.txt");
        std::fs::write(&path, unique_text("re-pinned")).unwrap();
        let opts = AddOptions {
            pin: PinOptions {
                name: Some("moved.txt".into()),
                replication_min: Some(1),
                replication_max: Some(1),
                user_allocations: vec![id("nas")],
                metadata: vec![("org".into(), "hrdag".into())],
                ..Default::default()
            },
            ..Default::default()
        };
        let cid = add_file(&b, &path, &opts).await;
        let allocs = |p: &ccs_tui::cluster::types::Pin| {
            let mut v: Vec<String> = p.allocations.iter().cloned().collect();
            v.sort();
            v
        };
        let sorted = |names: &[&str]| {
            let mut v: Vec<String> = names.iter().map(|n| id(n)).collect();
            v.sort();
            v
        };
        let repin = |users: &[&str], n: i32| PinOptions {
            replication_min: Some(n),
            replication_max: Some(n),
            user_allocations: users.iter().map(|u| id(u)).collect(),
            ..Default::default()
        };
        assert_eq!(allocs(&c.allocation(&cid).await.unwrap()), sorted(&["nas"]));
        // Another peer, same count: nothing moves; name and metadata are gone.
        c.pin(&cid, &repin(&["chll"], 1)).await.unwrap();
        let p = c.allocation(&cid).await.unwrap();
        assert_eq!(allocs(&p), sorted(&["nas"]));
        assert_eq!(p.name, "");
        assert!(p.metadata.is_empty(), "{:?}", p.metadata);
        // One more needed: filled from the user allocations.
        c.pin(&cid, &repin(&["nas", "chll"], 2)).await.unwrap();
        assert_eq!(
            allocs(&c.allocation(&cid).await.unwrap()),
            sorted(&["nas", "chll"])
        );
        // Both valid and within bounds: asking for others moves nothing.
        c.pin(&cid, &repin(&["chll", "meerkat"], 2)).await.unwrap();
        assert_eq!(
            allocs(&c.allocation(&cid).await.unwrap()),
            sorted(&["nas", "chll"])
        );
        // Above the maximum: the daemon drops some (which is its choice).
        c.pin(&cid, &repin(&[], 1)).await.unwrap();
        let left = allocs(&c.allocation(&cid).await.unwrap());
        assert_eq!(left.len(), 1);
        assert!(sorted(&["nas", "chll"]).contains(&left[0]));
        c.unpin(&cid).await.unwrap();
    }

    #[tokio::test]
    async fn errors_the_product_handles() {
        let b = Backend::start().await;
        let c = b.client();
        match c.pin_status("notacid", false).await {
            Err(ClientError::Api {
                status: 400,
                message,
                ..
            }) => assert!(message.starts_with("error decoding Cid"), "{message}"),
            other => panic!("{other:?}"),
        }
        // A CID nobody pinned: every peer says unpinned; no allocation.
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("never.txt");
        std::fs::write(&path, unique_text("never added")).unwrap();
        let never = super::common::default_cid(&path);
        let gi = c.pin_status(&never, false).await.unwrap();
        assert_eq!(gi.count(TrackerStatus::Unpinned), PEERS.len(), "{gi:#?}");
        assert!(matches!(
            c.allocation(&never).await,
            Err(ClientError::Api { status: 404, .. })
        ));
        let wrong = b.client_at(
            0,
            Auth::Basic {
                user: b.user.clone(),
                password: "wrong".into(),
            },
        );
        let e = wrong.version().await.unwrap_err();
        assert!(matches!(e, ClientError::Unauthorized { .. }), "{e:?}");
        assert!(e.to_string().contains("refused user admin"), "{e}");
        let none = b.client_at(0, Auth::None);
        let e = none.version().await.unwrap_err();
        assert!(e.to_string().contains("wants a login"), "{e}");
        // With `cids`, the daemon ignores `filter`: the item comes back unpinned.
        let listed = c
            .pins(Some("pin_error"), std::slice::from_ref(&never), false)
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        assert_eq!(listed.len(), 1, "{listed:#?}");
        assert_eq!(listed[0].count(TrackerStatus::Unpinned), PEERS.len());
    }

    #[tokio::test]
    async fn recover_a_pinned_item_changes_nothing() {
        let b = Backend::start().await;
        let c = b.client();
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("ok.txt");
        std::fs::write(&path, unique_text("recover me")).unwrap();
        let cid = add_file(&b, &path, &AddOptions::default()).await;
        b.wait_pinned(&cid, SETTLE).await;
        let rec = c.recover(&cid, false).await.unwrap();
        assert_eq!(rec.cid, cid);
        assert_eq!(rec.count(TrackerStatus::Pinned), PEERS.len(), "{rec:#?}");
        c.unpin(&cid).await.unwrap();
    }
}

/// A fake cluster API that answers `/peers` with a chunked body `write` makes.
async fn hostile_api(
    write: impl Fn(tokio::net::TcpStream) -> futures_util::future::BoxFuture<'static, ()>
        + Send
        + Sync
        + 'static,
) -> String {
    use tokio::io::AsyncWriteExt;
    let write = std::sync::Arc::new(write);
    common::rawhttp::fake_server(move |_, mut s| {
        let write = write.clone();
        Box::pin(async move {
            let _ = s.write_all(common::rawhttp::CHUNKED_HEAD).await;
            write(s).await;
        })
    })
    .await
}

use common::rawhttp::chunk;

fn client_at(url: &str, idle: Duration) -> ccs_tui::cluster::ClusterClient {
    let ep = ccs_tui::cluster::parse_host(url, false).unwrap();
    let mut cfg = ccs_tui::cluster::ClientConfig::new(vec![ep]);
    cfg.idle_timeout = idle;
    cfg.request_timeout = Duration::from_secs(5);
    ccs_tui::cluster::ClusterClient::new(cfg).unwrap()
}

#[tokio::test]
async fn a_line_that_never_ends_is_cut_at_the_cap() {
    use tokio::io::AsyncWriteExt;
    let url = hostile_api(|mut s| {
        Box::pin(async move {
            let block = vec![b'x'; 1 << 20];
            for _ in 0..40 {
                if s.write_all(&chunk(&block)).await.is_err() {
                    return;
                }
            }
        })
    })
    .await;
    let c = client_at(&url, Duration::from_secs(20));
    let e = c.peers().await.unwrap().collect().await.unwrap_err();
    assert!(e.to_string().contains("a line longer than 16 MiB"), "{e}");
}

#[tokio::test]
async fn a_line_trickled_byte_by_byte_times_out() {
    use tokio::io::AsyncWriteExt;
    let url = hostile_api(|mut s| {
        Box::pin(async move {
            for _ in 0..100 {
                if s.write_all(&chunk(b"{")).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    })
    .await;
    let c = client_at(&url, Duration::from_secs(1));
    let e = c.peers().await.unwrap().collect().await.unwrap_err();
    assert!(matches!(e, ClientError::Timeout { .. }), "{e:?}");
    assert!(e.to_string().contains("no complete line within 1 s"), "{e}");
}

#[tokio::test]
async fn a_long_line_in_many_small_chunks_decodes() {
    use tokio::io::AsyncWriteExt;
    // An 8 MB peer name, sent 4 KiB at a time: each byte is scanned once.
    let name = "n".repeat(8 << 20);
    let line = format!("{{\"id\":\"12D3KooWx\",\"peername\":\"{name}\"}}\n");
    let url = hostile_api(move |mut s| {
        let line = line.clone();
        Box::pin(async move {
            for piece in line.as_bytes().chunks(4096) {
                if s.write_all(&chunk(piece)).await.is_err() {
                    return;
                }
            }
            let _ = s.write_all(b"0\r\n\r\n").await;
        })
    })
    .await;
    let c = client_at(&url, Duration::from_secs(20));
    let peers = c.peers().await.unwrap().collect().await.unwrap();
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0].peername.len(), 8 << 20);
}

#[tokio::test]
async fn a_file_that_grows_while_it_is_uploaded_is_not_left_pinned() {
    let h = common::small(3, 0).await;
    let c = common::client_for(&h);
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("growing.log");
    std::fs::write(&f, vec![b'a'; 8_000_000]).unwrap();
    let f2 = f.clone();
    let grown = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let g2 = grown.clone();
    let progress: ccs_tui::cluster::add::Progress = std::sync::Arc::new(move |sent, _| {
        if sent > 0 && !g2.swap(true, std::sync::atomic::Ordering::SeqCst) {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new().append(true).open(&f2).unwrap();
            file.write_all(b"one more line\n").unwrap();
        }
    });
    let r = c
        .add(
            &f,
            &AddOptions::default(),
            Some(progress),
            CancellationToken::new(),
        )
        .await;
    match r {
        Err(ClientError::Io { path, message }) => {
            assert!(path.ends_with("growing.log"), "{path}");
            assert!(
                message.contains("changed while it was uploaded"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    let pins = c
        .allocations(PinTypeFilter::All)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert!(pins.is_empty(), "left pinned: {pins:?}");
}
