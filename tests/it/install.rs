//! Installed as Rust command-line tools are (issue 29): the version line,
//! shell completions that a real bash completes with, manual pages that
//! man renders, with the console's keys from the keymap.

use crate::common::cli::run;

#[tokio::test]
async fn the_version_names_the_commit_and_the_daemons_tested_against() {
    let o = run(vec!["--version".into()], vec![]).await;
    assert_eq!(o.code, 0);
    let re = regex::Regex::new(
        r"^ccs-tui \d+\.\d+\.\d+ \((?:[0-9a-f]{7}(?:\+changes)?; )?ipfs-cluster 1\.1\.6, kubo 0\.42\)\n$",
    )
    .unwrap();
    assert!(re.is_match(&o.stdout), "{:?}", o.stdout);
}

/// `ccs-tui dr<Tab>` and `ccs-tui add --rep<Tab>` in a real bash.
#[tokio::test]
async fn bash_completes_subcommands_and_their_flags() {
    let o = run(vec!["completions".into(), "bash".into()], vec![]).await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("ccs-tui.bash");
    std::fs::write(&script, &o.stdout).unwrap();
    let complete = |words: &[&str]| {
        let words_q: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let cword = words.len() - 1;
        let prog = format!(
            "source '{}'; COMP_WORDS=({}); COMP_CWORD={cword}; COMP_LINE='{}'; COMP_POINT=${{#COMP_LINE}}; _ccs__tui ccs-tui '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display(),
            words_q.join(" "),
            words.join(" "),
            words[cword],
            words[cword - 1],
        );
        let out = std::process::Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &prog])
            .output()
            .expect("bash runs");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(complete(&["ccs-tui", "dr"]), ["drain"]);
    assert_eq!(
        complete(&["ccs-tui", "add", "--rep"]),
        ["--replication-min", "--replication-max"]
    );
    assert!(complete(&["ccs-tui", "pri"]).contains(&"privacy".to_string()));
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let o = run(vec!["completions".into(), shell.into()], vec![]).await;
        assert_eq!(o.code, 0, "{shell}: {}", o.stderr);
        assert!(o.stdout.contains("drain"), "{shell}");
    }
}

/// ccs-tui(1) renders, names every subcommand and the console's keys; the
/// package's folder of pages has one per subcommand, each rendering.
#[tokio::test]
async fn the_manual_pages_render_with_every_subcommand_and_the_keys() {
    let o = run(vec!["man".into()], vec![]).await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("ccs-tui.1");
    std::fs::write(&page, &o.stdout).unwrap();
    let render = |p: &std::path::Path| {
        let out = std::process::Command::new("groff")
            .args(["-man", "-Tutf8", "-P-c"])
            .arg(p)
            .output()
            .expect("groff renders manual pages");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // grotty's overstrikes (`N\bN` for bold) out, hyphens as typed.
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        regex::Regex::new(".\x08")
            .unwrap()
            .replace_all(&text, "")
            .replace(['\u{2010}', '\u{2212}'], "-")
    };
    let text = render(&page);
    let subcommands = [
        "add",
        "ls",
        "cat",
        "audit",
        "status",
        "get",
        "rm",
        "edit",
        "risk",
        "ensure-pins",
        "rebalance",
        "drain",
        "peers",
        "health",
        "privacy",
        "recover",
        "config",
        "completions",
        "man",
    ];
    for s in subcommands {
        assert!(text.contains(&format!("ccs-tui-{s}(1)")), "{s}:\n{text}");
    }
    assert!(text.contains("CONSOLE KEYS"), "{text}");
    for screen in ccs_tui::app::keymap::Screen::ALL {
        assert!(text.contains(screen.title()), "{}:\n{text}", screen.title());
    }
    assert!(text.contains("wrap long lines"), "the reader's keys too");
    let dir = tmp.path().join("man1");
    let o = run(
        vec!["man".into(), "--dir".into(), dir.display().to_string()],
        vec![],
    )
    .await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    for s in subcommands {
        let p = dir.join(format!("ccs-tui-{s}.1"));
        assert!(render(&p).contains(&format!("ccs-tui-{s}")), "{s}");
    }
}
