//! The shape of `src/` a newcomer relies on (issue 28): its layers (what
//! may reach what, no I/O in drawing), short functions and files, and no
//! import circle between its files. A file reaches another through a `crate::` or
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

/// Most lines a function in `src/` may have (its signature to its closing
/// brace), and a file: beyond these a newcomer reads a part to change it.
const MAX_FN_LINES: usize = 100;
const MAX_FILE_LINES: usize = 650;

/// Every function of `text` with a body: its name, first line (1-based)
/// and length in lines. A body ends at the first `}` alone at the
/// signature's indentation (rustfmt's layout; `cargo fmt` is enforced).
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let sig = regex::Regex::new(
        r"^(\s*)(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)",
    )
    .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(c) = sig.captures(line) else {
            continue;
        };
        let close = format!("{}}}", &c[1]);
        // A declaration without a body (in a trait) ends at its `;`, a
        // function of one line at its `}`.
        let body = lines[i..]
            .iter()
            .map(|l| l.trim_end())
            .find(|l| l.ends_with(';') || l.ends_with('{') || l.ends_with('}'))
            .is_some_and(|l| l.ends_with('{'));
        if !body {
            continue;
        }
        if let Some(k) = lines[i..].iter().position(|l| l.trim_end() == close) {
            out.push((c[2].to_string(), i + 1, k + 1));
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_function_or_file_in_src_is_too_long_to_read_whole() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let (mut long, mut seen) = (Vec::new(), 0);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let shown = f.strip_prefix(&src).unwrap().display().to_string();
        let n = text.lines().count();
        if n > MAX_FILE_LINES {
            long.push(format!("{shown}: {n} lines (file)"));
        }
        for (name, at, len) in functions(&text) {
            seen += 1;
            if len > MAX_FN_LINES {
                long.push(format!("{shown}:{at} {name}: {len} lines"));
            }
        }
    }
    assert!(seen > 1000, "functions were found: {seen}");
    assert!(
        long.is_empty(),
        "over {MAX_FN_LINES} lines a function or {MAX_FILE_LINES} a file:\n  {}",
        long.join("\n  ")
    );
}

/// The measure counts a function whole, and skips a trait's declarations.
#[test]
fn a_function_is_measured_from_its_signature_to_its_brace() {
    let text = "pub trait T {\n    fn declared(&self);\n}\n\nimpl X {\n    fn one(&self) -> u8 { 1 }\n    pub(crate) async fn two(\n        a: u8,\n    ) -> u8 {\n        if a > 0 {\n            1\n        } else {\n            0\n        }\n    }\n}\n";
    assert_eq!(functions(text), vec![("two".to_string(), 7, 9)]);
}

/// The layers a newcomer may rely on: the cluster client, the pinset, the
/// importer and the simulator know nothing of the console or the commands;
/// drawing knows no background work.
#[test]
fn lower_layers_reach_nothing_above_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = modules(&src);
    let above = |m: &Module, upper: &[&str]| upper.contains(&m[0].as_str());
    let rules: [(&str, &[&str]); 5] = [
        ("cluster", &["app", "ui", "sim", "tasks", "commands", "tui"]),
        ("pinset", &["app", "ui", "sim", "tasks", "commands", "tui"]),
        ("unixfs", &["app", "ui", "sim", "tasks", "commands", "tui"]),
        ("sim", &["app", "ui", "tasks", "commands", "tui"]),
        ("ui", &["tasks", "commands", "tui"]),
    ];
    let mut wrong = Vec::new();
    for (m, p) in &files {
        for (layer, upper) in rules {
            if m[0] != layer {
                continue;
            }
            for r in reaches(&files, m, p) {
                if above(&r, upper) {
                    wrong.push(format!("{} reaches {}", m.join("/"), r.join("/")));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Drawing does no I/O: no files, sockets, processes or runtime in `ui/`.
#[test]
fn drawing_does_no_io() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let mut files = Vec::new();
    rust_files(&ui, &mut files);
    assert!(files.len() > 10);
    let io = regex::Regex::new(r"\b(std::fs|std::net|std::process|tokio::|reqwest::|File::open)")
        .unwrap();
    let found: Vec<String> = files
        .iter()
        .filter(|f| io.is_match(&std::fs::read_to_string(f).unwrap()))
        .map(|f| f.display().to_string())
        .collect();
    assert!(found.is_empty(), "I/O in ui/: {found:?}");
}
