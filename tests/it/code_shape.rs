//! The shape of `src/` a newcomer relies on (issue 28): no import circle
//! between its files. A file reaches another through a `crate::` or
//! `super::` path (tests included: a test's needs are a file's needs too);
//! two files that reach each other, directly or around a ring, fail here
//! with the ring named.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

/// Every `.rs` file under `src/` by its module path (`mod.rs`, `lib.rs`
/// and `main.rs` stand for their folder); `src/bin` is left out.
fn modules(src: &Path) -> BTreeMap<Module, PathBuf> {
    let mut out = BTreeMap::new();
    let mut todo = vec![src.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).unwrap().filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = p.strip_prefix(src).unwrap().with_extension("");
            let mut m: Module = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(m.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                m.pop();
            }
            if m.first().is_some_and(|f| f == "bin") || m.is_empty() {
                continue;
            }
            out.insert(m, p);
        }
    }
    out
}

/// The longest prefix of `parts` that is a file.
fn resolve(files: &BTreeMap<Module, PathBuf>, parts: &[String]) -> Option<Module> {
    (1..=parts.len())
        .rev()
        .map(|k| parts[..k].to_vec())
        .find(|m| files.contains_key(m))
}

/// The files `m` reaches.
fn reaches(files: &BTreeMap<Module, PathBuf>, m: &Module, path: &Path) -> BTreeSet<Module> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = regex::Regex::new(r"//[^\n]*")
        .unwrap()
        .replace_all(&text, "");
    let base = |root: &str| -> Vec<String> {
        if root == "crate" {
            Vec::new()
        } else {
            m[..m.len() - 1].to_vec()
        }
    };
    let mut out = BTreeSet::new();
    let path_re = regex::Regex::new(r"\b(crate|super)((?:::\w+)+)").unwrap();
    for c in path_re.captures_iter(&text) {
        let mut parts = base(&c[1]);
        parts.extend(c[2].trim_matches(':').split("::").map(String::from));
        out.extend(resolve(files, &parts));
    }
    let group_re = regex::Regex::new(r"(?s)\buse\s+(crate|super)::\{([^;]*)\};").unwrap();
    let split_re = regex::Regex::new(r"[,{}\s]+").unwrap();
    for c in group_re.captures_iter(&text) {
        for item in split_re.split(&c[2]) {
            let mut parts = base(&c[1]);
            parts.extend(
                item.split("::")
                    .filter(|x| !x.is_empty() && *x != "self")
                    .map(String::from),
            );
            out.extend(resolve(files, &parts));
        }
    }
    out.remove(m);
    out
}

/// Groups of two or more files that reach each other (Tarjan).
fn circles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct T<'a> {
        g: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on: BTreeSet<&'a Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a Module) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.g.get(v).into_iter().flatten() {
            let Some((w, _)) = t.g.get_key_value(w) else {
                continue;
            };
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g: graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn no_file_in_src_reaches_back_to_itself() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = modules(&src);
    assert!(files.len() > 50, "src/ was read: {} files", files.len());
    let graph: BTreeMap<Module, BTreeSet<Module>> = files
        .iter()
        .map(|(m, p)| (m.clone(), reaches(&files, m, p)))
        .collect();
    let found: Vec<String> = circles(&graph)
        .iter()
        .map(|c| {
            c.iter()
                .map(|m| m.join("/"))
                .collect::<Vec<_>>()
                .join(" <-> ")
        })
        .collect();
    assert!(
        found.is_empty(),
        "import circles:\n  {}",
        found.join("\n  ")
    );
}

/// The check finds a circle when there is one (it cannot pass by seeing
/// nothing).
#[test]
fn a_circle_is_found_when_there_is_one() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("app")).unwrap();
    std::fs::write(src.join("lib.rs"), "pub mod app;\n").unwrap();
    std::fs::write(src.join("app/mod.rs"), "mod a;\nmod b;\n").unwrap();
    std::fs::write(src.join("app/a.rs"), "use super::b::B;\npub struct A;\n").unwrap();
    std::fs::write(src.join("app/b.rs"), "pub struct B(crate::app::a::A);\n").unwrap();
    let files = modules(src);
    let graph: BTreeMap<Module, BTreeSet<Module>> = files
        .iter()
        .map(|(m, p)| (m.clone(), reaches(&files, m, p)))
        .collect();
    let c = circles(&graph);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(
        c[0],
        vec![
            vec!["app".to_string(), "a".to_string()],
            vec!["app".to_string(), "b".to_string()]
        ]
    );
}
