//! The importer against `fixtures/unixfs-vectors.json` (kubo's own CIDs).

use ccs_tui::unixfs::{cid_of_bytes, import_path, ImportOptions};
use serde_json::Value;

fn vectors() -> Vec<Value> {
    let text = include_str!("fixtures/unixfs-vectors.json");
    serde_json::from_str(text).expect("vectors parse")
}

fn mod251(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + 7) % 251) as u8).collect()
}

fn opts(v: &Value) -> ImportOptions {
    ImportOptions::new(
        v["cid_version"].as_u64().unwrap() as u8,
        Some(v["raw_leaves"].as_bool().unwrap()),
    )
}

#[test]
fn file_vectors_match_kubo() {
    let mut checked = 0;
    for v in vectors().iter().filter(|v| v["kind"] == "file") {
        let data = match v["literal"].as_str() {
            Some(s) => s.as_bytes().to_vec(),
            None => mod251(v["length"].as_u64().unwrap() as usize),
        };
        let got = cid_of_bytes(&data, opts(v));
        assert_eq!(got.cid.to_string(), v["cid"].as_str().unwrap(), "{v}");
        assert_eq!(got.size, v["size"].as_u64().unwrap(), "size of {v}");
        checked += 1;
    }
    assert!(checked >= 20);
}

#[test]
fn folder_vectors_match_kubo() {
    let mut checked = 0;
    for v in vectors().iter().filter(|v| v["kind"] == "dir") {
        let tmp = tempfile::tempdir().unwrap();
        let wrap = v["wrap_with_directory"].as_bool().unwrap_or(false);
        let name = v["name"].as_str().unwrap();
        let base = if wrap {
            tmp.path().to_path_buf()
        } else {
            tmp.path().join(name)
        };
        std::fs::create_dir_all(&base).unwrap();
        for (rel, content) in v["literal"].as_object().unwrap() {
            let p = base.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, content.as_str().unwrap()).unwrap();
        }
        let target = if wrap {
            // `ipfs add -w hello.txt`: the single file, wrapped.
            let (rel, _) = v["literal"].as_object().unwrap().iter().next().unwrap();
            base.join(rel)
        } else {
            base.clone()
        };
        let (entries, root) = import_path(&target, opts(v), false, wrap).unwrap();
        let want: Vec<(String, String, u64)> = v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["name"].as_str().unwrap().to_string(),
                    e["cid"].as_str().unwrap().to_string(),
                    e["size"].as_u64().unwrap(),
                )
            })
            .collect();
        let got: Vec<(String, String, u64)> = entries
            .iter()
            .map(|a| (a.name.clone(), a.cid.to_string(), a.size))
            .collect();
        assert_eq!(got, want, "{}", v["note"]);
        assert_eq!(root.unwrap().cid.to_string(), v["cid"].as_str().unwrap());
        checked += 1;
    }
    assert!(checked >= 5);
}
