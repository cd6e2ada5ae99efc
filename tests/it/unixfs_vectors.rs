//! The importer against `fixtures/unixfs-vectors.json` (kubo's own CIDs).

use ccs_tui::unixfs::{cid_of_bytes, import_path, ImportOptions};
use serde_json::Value;

fn vectors() -> Vec<Value> {
    let text = include_str!("../fixtures/unixfs-vectors.json");
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

/// kubo's own sharding test (test/sharness/t0260-sharding.sh): 2000 files
/// `fileN` holding "N\n", added with sharding forced off, then on (threshold 1B).
#[test]
fn kubo_sharding_vectors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("testdata");
    std::fs::create_dir(&dir).unwrap();
    for i in 1..=2000 {
        std::fs::write(dir.join(format!("file{i}")), format!("{i}\n")).unwrap();
    }
    let (_, root) = import_path(&dir, ImportOptions::default(), false, false).unwrap();
    assert_eq!(
        root.unwrap().cid.to_string(),
        "QmavrTrQG4VhoJmantURAYuw3bowq3E2WcvP36NRQDAC1N"
    );
    let sharded = ImportOptions {
        sharding_threshold: 1,
        ..ImportOptions::default()
    };
    let (entries, root) = import_path(&dir, sharded, false, false).unwrap();
    assert_eq!(
        root.unwrap().cid.to_string(),
        "QmSCJD1KYLhVVHqBK3YyXuoEqHt7vggyJhzoFYbT8v1XYL"
    );
    let f100 = entries
        .iter()
        .find(|e| e.name == "testdata/file100")
        .unwrap();
    assert_eq!(
        f100.cid.to_string(),
        "QmZ3RfWk1u5LEGYLHA633B5TNJy3Du27K6Fny9wcxpowGS"
    );
    let v1 = ImportOptions {
        sharding_threshold: 1,
        ..ImportOptions::new(1, None)
    };
    let (_, root) = import_path(&dir, v1, false, false).unwrap();
    assert_eq!(
        root.unwrap().cid.to_string(),
        "bafybeibiemewfzzdyhq2l74wrd6qj2oz42usjlktgnlqv4yfawgouaqn4u"
    );
}

/// With the default threshold, a folder big enough shards on its own.
#[test]
fn large_folders_shard_at_the_default_threshold() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("big");
    std::fs::create_dir(&dir).unwrap();
    // 7000 entries x (name + 34-byte CID) > 256 KiB.
    for i in 0..7000 {
        std::fs::write(dir.join(format!("scan-{i:05}.tif")), format!("{i}")).unwrap();
    }
    let (_, root) = import_path(&dir, ImportOptions::default(), false, false).unwrap();
    let forced = ImportOptions {
        sharding_threshold: 1,
        ..ImportOptions::default()
    };
    let (_, forced_root) = import_path(&dir, forced, false, false).unwrap();
    assert_eq!(
        root.unwrap().cid,
        forced_root.unwrap().cid,
        "sharded like a forced HAMT"
    );
}
