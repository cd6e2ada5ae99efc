//! The version line says which commit a binary was built from (when built
//! from git) and which daemons it was tested against.

fn main() {
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=7", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let dirty = commit.is_some()
        && std::process::Command::new("git")
            .args(["status", "--porcelain", "--untracked-files=no"])
            .output()
            .ok()
            .is_some_and(|o| !o.stdout.is_empty());
    let tested = "ipfs-cluster 1.1.6, kubo 0.42";
    let line = match commit {
        Some(c) => format!(
            "{} ({c}{}; {tested})",
            env!("CARGO_PKG_VERSION"),
            if dirty { "+changes" } else { "" }
        ),
        None => format!("{} ({tested})", env!("CARGO_PKG_VERSION")),
    };
    println!("cargo:rustc-env=CCS_VERSION_LINE={line}");
    // A new commit (or a checkout) changes the line.
    for p in [".git/HEAD", ".git/index"] {
        if std::path::Path::new(p).exists() {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
