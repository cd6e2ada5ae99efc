//! Property tests: every parser that meets the network or the user, fed
//! thousands of generated inputs, never panics, and what must hold holds.

use crate::common;

use proptest::prelude::*;

use ccs_tui::app::rows::PinRow;
use ccs_tui::cluster::types::{AddedOutput, GlobalPinInfo, PeerId, Pin};
use ccs_tui::sanitize::clean;

/// JSON-shaped text: keys the daemon sends, with values of every kind.
fn jsonish() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("cid"),
        Just("name"),
        Just("peer_map"),
        Just("allocations"),
        Just("metadata"),
        Just("timestamp"),
        Just("status"),
        Just("replication_factor_min"),
        Just("peername"),
        Just("error"),
        Just("size"),
        Just("bytes"),
        Just("expire_at"),
        Just("id"),
        Just("ipfs"),
    ];
    let value = prop_oneof![
        Just("null".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| format!("{n}")),
        ".{0,40}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("\"2026-11-27T10:20:59.123456789+01:00\"".to_string()),
        Just("\"0001-01-01T00:00:00Z\"".to_string()),
        Just("{\"12D3KooWx\":{\"status\":\"pinned\"}}".to_string()),
        Just("[\"a\",1,null]".to_string()),
    ];
    proptest::collection::vec((key, value), 0..8).prop_map(|kv| {
        let body: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", body.join(","))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn api_types_decode_anything_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = serde_json::from_slice::<Pin>(&bytes);
        let _ = serde_json::from_slice::<GlobalPinInfo>(&bytes);
        let _ = serde_json::from_slice::<PeerId>(&bytes);
        let _ = serde_json::from_slice::<AddedOutput>(&bytes);
        let _ = PinRow::from_json_line(&bytes);
    }

    #[test]
    fn api_types_decode_json_shaped_lines_without_panicking(line in jsonish()) {
        let _ = serde_json::from_str::<Pin>(&line);
        let _ = serde_json::from_str::<GlobalPinInfo>(&line);
        let _ = serde_json::from_str::<PeerId>(&line);
        let _ = serde_json::from_str::<AddedOutput>(&line);
        let fast = PinRow::from_json_line(line.as_bytes());
        // What the fast decoder accepts, serde accepts too.
        if fast.is_ok() {
            prop_assert!(serde_json::from_str::<serde_json::Value>(&line).is_ok());
        }
    }

    #[test]
    fn the_sanitiser_leaves_no_control_character(s in "\\PC{0,20}(\\x1b[\\[\\]P_^]?.{0,10}\\x07?)*\\PC{0,20}") {
        let out = clean(&s);
        prop_assert!(!out.chars().any(|c| c.is_control()), "{out:?}");
    }

    #[test]
    fn host_and_cid_parsers_never_panic(s in ".{0,80}") {
        let _ = ccs_tui::cluster::parse_host(&s, false);
        let _ = ccs_tui::cluster::parse_host(&s, true);
        let _ = ccs_tui::unixfs::parse_cid(&s);
    }

    #[test]
    fn config_files_never_panic(text in "(cluster|nodes|profiles|console|  |: |-|\\n|[a-z_]{1,12}|[0-9]{1,4}|\"|\\{|\\}|\\[|\\]|,){0,60}") {
        let _ = ccs_tui::config::parse(&text, "generated.yml");
    }

    #[test]
    fn a_root_block_bound_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let cid = ccs_tui::unixfs::parse_cid("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o").unwrap();
        let _ = ccs_tui::unixfs::declared_bound(&cid, &bytes);
        prop_assert!(!ccs_tui::unixfs::block_matches(&cid, &bytes), "random bytes matched a CID");
    }

    /// A block matches its own CID, and no longer once a byte changes.
    #[test]
    fn a_block_matches_only_its_own_cid(bytes in proptest::collection::vec(any::<u8>(), 1..2000), at in any::<usize>()) {
        let opts = ccs_tui::unixfs::ImportOptions::new(1, Some(true));
        let cid = ccs_tui::unixfs::cid_of_bytes(&bytes, opts).cid;
        prop_assert!(ccs_tui::unixfs::block_matches(&cid, &bytes));
        let mut other = bytes.clone();
        let i = at % other.len();
        other[i] ^= 0x01;
        prop_assert!(!ccs_tui::unixfs::block_matches(&cid, &other));
    }
}

/// Serves `body` as one chunked `/peers` answer, cut at `cuts`.
fn serve_chunked(rt: &tokio::runtime::Runtime, body: Vec<u8>, cuts: Vec<usize>) -> String {
    use tokio::io::AsyncWriteExt;
    let mut points: Vec<usize> = cuts.into_iter().map(|c| c % (body.len() + 1)).collect();
    points.sort_unstable();
    points.push(body.len());
    rt.block_on(common::rawhttp::fake_server(move |_, mut s| {
        let (body, points) = (body.clone(), points.clone());
        Box::pin(async move {
            let _ = s.write_all(common::rawhttp::CHUNKED_HEAD).await;
            let mut at = 0;
            for p in points.into_iter().filter(|p| *p > 0) {
                if p > at {
                    let _ = s.write_all(&common::rawhttp::chunk(&body[at..p])).await;
                    let _ = s.flush().await;
                    at = p;
                }
            }
            let _ = s.write_all(b"0\r\n\r\n").await;
        })
    }))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// However the bytes are cut into chunks, the same items come out, in
    /// order: blank lines skipped, the last line read with or without its
    /// newline.
    #[test]
    fn the_ndjson_decoder_does_not_care_where_chunks_end(
        names in proptest::collection::vec("[a-z\\u{e9}\\u{1f600}]{0,30}", 0..20),
        cuts in proptest::collection::vec(any::<usize>(), 0..30),
        blanks in any::<u32>(),
        last_newline in any::<bool>(),
    ) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let mut body = Vec::new();
        for (i, n) in names.iter().enumerate() {
            if blanks & (1 << i) != 0 {
                body.extend_from_slice(b" \t\r\n");
            }
            body.extend_from_slice(serde_json::json!({"id": format!("12D3KooW{i}"), "peername": n}).to_string().as_bytes());
            body.push(b'\n');
        }
        if !last_newline {
            body.pop();
        }
        let url = serve_chunked(&rt, body, cuts);
        let got = rt.block_on(async {
            let ep = ccs_tui::cluster::parse_host(&url, false).unwrap();
            let c = ccs_tui::cluster::ClusterClient::new(ccs_tui::cluster::ClientConfig::new(vec![ep])).unwrap();
            c.peers().await.unwrap().collect().await
        });
        let got: Vec<String> = got.unwrap().into_iter().map(|p| p.peername).collect();
        prop_assert_eq!(got, names);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The simulator's `/add` answers any multipart body (well-formed or not)
    /// with an answer, never a dropped connection from a panicking handler.
    #[test]
    fn the_simulators_multipart_parser_answers_anything(
        parts in proptest::collection::vec(("[a-z./%]{0,20}", proptest::collection::vec(any::<u8>(), 0..200), any::<bool>()), 0..4),
        noise in proptest::collection::vec(any::<u8>(), 0..200),
        broken in any::<bool>(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let mut st = ccs_tui::sim::scenario::synthetic(3, 0, 1);
            st.timings = ccs_tui::sim::Timings::instant();
            let any = "127.0.0.1:0".parse().unwrap();
            let h = ccs_tui::sim::start(st, any, any, Default::default()).await.unwrap();
            let b = "prop-boundary";
            let mut body = Vec::new();
            for (name, content, dir) in &parts {
                body.extend_from_slice(format!("--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n").as_bytes());
                body.extend_from_slice(if *dir { b"Content-Type: application/x-directory\r\n\r\n" } else { b"Content-Type: application/octet-stream\r\n\r\n" });
                body.extend_from_slice(content);
                body.extend_from_slice(b"\r\n");
            }
            if broken {
                body.extend_from_slice(&noise);
            } else {
                body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
            }
            let r = reqwest::Client::new()
                .post(format!("{}/add", h.api_url()))
                .header("Content-Type", format!("multipart/form-data; boundary={b}"))
                .body(body)
                .send()
                .await;
            let r = r.expect("an answer, not a dropped connection");
            assert!(matches!(r.status().as_u16(), 200 | 400 | 500), "{}", r.status());
            // Streamed answers end (with or without a trailer error).
            let _ = r.bytes().await;
        });
    }
}
