//! The real binary, run as a user runs it: arguments, environment, no stdin.

/// Sends SIGTERM to `child`, as a user's `kill` or a service manager does.
pub fn terminate(child: &std::process::Child) {
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -TERM {}", child.id());
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub async fn run(args: Vec<String>, env: Vec<(&'static str, String)>) -> Out {
    tokio::task::spawn_blocking(move || {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_ccs-tui"));
        c.args(&args)
            .env("HOME", std::env::temp_dir().join("ccs-tui-no-home"))
            .env_remove("CLUSTER_CREDENTIALS")
            .stdin(std::process::Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

/// The binary's stdout, byte for byte (a pipe).
pub async fn run_bytes(args: Vec<String>) -> Vec<u8> {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_ccs-tui"))
            .args(&args)
            .env("HOME", std::env::temp_dir().join("ccs-tui-no-home"))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
            .stdout
    })
    .await
    .unwrap()
}
