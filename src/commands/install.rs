//! The package's own files: shell completions and manual pages, from the
//! same command-line definition that parses the flags, and the console's
//! keys from the same keymap that feeds `?` and the README.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap_complete::Shell;

use super::output::{fail, BROKEN_PIPE, OK};

/// `ccs-tui completions`
#[derive(clap::Args, Debug, Clone)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    shell: Shell,
}

/// `ccs-tui man`
#[derive(clap::Args, Debug, Clone)]
pub struct ManArgs {
    /// Write ccs-tui.1 and one ccs-tui-SUBCOMMAND.1 per subcommand here,
    /// instead of printing ccs-tui(1).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

pub(super) fn completions(cli: clap::Command, a: &CompletionsArgs) -> ExitCode {
    let mut cli = cli;
    // Into memory first: clap_complete panics when its writer fails (a
    // closed pipe, `| head`).
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cli, "ccs-tui", &mut buf);
    if a.shell == Shell::Bash {
        // clap_complete 4.6 names a hyphenated binary's subcommands two ways
        // in its bash script (`ccs__tui__subcmd__add` where it sets them,
        // `ccs__subcmd__tui__subcmd__add` where it matches them), so no
        // subcommand's flags would complete: one spelling for both.
        buf = String::from_utf8_lossy(&buf)
            .replace("ccs__subcmd__tui", "ccs__tui")
            .into_bytes();
    }
    print_bytes(&buf, "completions")
}

/// `bytes` to stdout; a reader gone (`| head`) ends quietly, as SIGPIPE.
fn print_bytes(bytes: &[u8], what: &str) -> ExitCode {
    let mut o = std::io::stdout().lock();
    match o.write_all(bytes).and_then(|()| o.flush()) {
        Ok(()) => ExitCode::from(OK),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(BROKEN_PIPE),
        Err(e) => fail(format!("{what}: {e}")),
    }
}

/// ccs-tui(1): clap's page, then the console's keys.
fn main_page(cli: &clap::Command) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cli.clone()).render(&mut buf)?;
    buf.extend_from_slice(crate::app::keymap::Keymap::default().roff().as_bytes());
    buf.extend_from_slice(
        b".SH FILES\n.TP\n\\fI~/.ccs/config.yml\\fR\nccs's configuration (else \\fI/etc/tfc/ccs.toml\\fR, ccs v0.4's).\n\
.TP\n\\fI~/.local/state/ccs\\-tui/\\fR\njournals of audits, drains and rebalances (0700).\n",
    );
    Ok(buf)
}

pub(super) fn man(cli: clap::Command, a: &ManArgs) -> ExitCode {
    let cli = cli.version(env!("CCS_VERSION_LINE"));
    let Some(dir) = &a.dir else {
        return match main_page(&cli) {
            Ok(b) => print_bytes(&b, "man"),
            Err(e) => fail(format!("man: {e}")),
        };
    };
    let write = || -> std::io::Result<usize> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("ccs-tui.1"), main_page(&cli)?)?;
        let mut n = 1;
        for sub in cli.get_subcommands() {
            let name = format!("ccs-tui-{}", sub.get_name());
            let mut buf = Vec::new();
            clap_mangen::Man::new(sub.clone().name(name.clone())).render(&mut buf)?;
            std::fs::write(dir.join(format!("{name}.1")), buf)?;
            n += 1;
        }
        Ok(n)
    };
    match write() {
        Ok(n) => {
            eprintln!("ccs-tui: {n} manual pages written to {}", dir.display());
            ExitCode::from(OK)
        }
        Err(e) => fail(format!("man: {}: {e}", dir.display())),
    }
}
