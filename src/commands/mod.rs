//! Scripting subcommands: everything `ccs` does, without the full screen.
//! Output is text by default and JSON with `--json` (nothing else on stdout);
//! progress goes to stderr, only when it is a terminal. Exit codes (each
//! defined, with what it means, in `output`): 0 success, 1 partial (e.g.
//! fewer replicas than the minimum), 2 failure, 3 the command could not run
//! as configured; 141 when stdout's reader is gone (as SIGPIPE).

mod add;
mod audit;
mod browse;
mod capacity;
mod config;
mod drain;
mod edit;
mod ensure_pins;
mod erased;
mod get;
pub mod health;
mod install;
mod ls;
mod output;
mod peers;
mod privacy;
mod rebalance;
mod recover;
mod risk;
mod rm;
mod status;
mod steward;

use std::process::ExitCode;

use clap::Subcommand;

use crate::cluster::ClusterClient;
use crate::config::Resolved;

pub use add::AddArgs;
pub use audit::AuditArgs;
pub use browse::CatArgs;
pub use capacity::CapacityArgs;
pub use config::ConfigArgs;
pub use drain::DrainArgs;
pub use edit::EditArgs;
pub use ensure_pins::EnsurePinsArgs;
pub use erased::ErasedArgs;
pub use get::GetArgs;
pub use install::{CompletionsArgs, ManArgs};
pub use ls::LsArgs;
pub use output::{
    fail, killed_by, remove_at_exit, remove_temporaries, BROKEN_PIPE, CANNOT_RUN, FAIL, OK, PARTIAL,
};
pub use rebalance::RebalanceArgs;
pub use recover::RecoverArgs;
pub use risk::RiskArgs;
pub use rm::RmArgs;
pub use status::StatusArgs;

#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Add a file or folder to the archive (pinned across the cluster).
    Add(AddArgs),
    /// List the pinset (or, with --filter, items by tracker status); with
    /// CID[/path], the entries of a folder inside an item.
    Ls(LsArgs),
    /// Write a file of the archive (CID or CID/path) to stdout, verified block by block.
    Cat(CatArgs),
    /// Check that every peer that should hold an item can serve it, whole and
    /// unchanged (exit 0 all good, 1 missing or unreachable, 2 corrupt, 3 the
    /// audit could not run).
    Audit(AuditArgs),
    /// Replication of items, peer by peer (exit 0 as wanted, 1 fewer pinned
    /// copies than wanted, 2 a pin error or an item not in the pinset).
    Status(StatusArgs),
    /// Fetch an item (file or folder) to disk: atomic and verified.
    Get(GetArgs),
    /// Unpin items from every peer of the cluster; with --erase, remove
    /// their data from every peer's store and check that none serves it.
    Rm(RmArgs),
    /// The removal log: every erase on this cluster and, with --check,
    /// whether any peer stores a logged item again (exit 0 none, 1 a peer
    /// could not be asked, 2 one stores it).
    Erased(ErasedArgs),
    /// Change an item's name, replication, preferred peers or metadata,
    /// keeping the rest (read, merge, write).
    Edit(EditArgs),
    /// What is fragile now (below minimum, a single copy) and what a peer's
    /// failure would cost (exit 0 nothing at risk, 1 something is).
    Risk(RiskArgs),
    /// Put every item on the profile's primary node and the backup node, as
    /// ccs v0.4 does (exit 0 nothing to do, 1 changed, 2 errors, 3 config).
    EnsurePins(EnsurePinsArgs),
    /// Converge every item to ccs v0.4's rule: primary and backup kept, filled
    /// to replication_min by free space less reserve, trimmed above
    /// replication_max, orphans dropped; copies pinned before any is released
    /// (exit 0 nothing to do, 1 changed, 2 errors, 3 config).
    Rebalance(RebalanceArgs),
    /// Move every item off a peer (or the items named), each new copy pinned
    /// before the peer's is released; resumable (exit 0 nothing to move, 1
    /// moved, 2 errors or items that cannot move).
    Drain(DrainArgs),
    /// The member peers (exit 0 every one answers, 1 one is down or missing).
    Peers,
    /// Peers online, pins by status per peer, errors (exit 0 healthy, 1 degraded, 2 error).
    Health,
    /// How full each peer is, the archive's growth by month and org, and
    /// when each peer fills at the last 90 days' rate (exit 0 none within
    /// --within months, 1 one does).
    Capacity(CapacityArgs),
    /// Is the archive private? Every peer's addresses by class (loopback,
    /// private, tailnet, public): a kubo announcing a public address or a
    /// cluster listening publicly is named with the setting that closes it
    /// (exit 0 private, 1 exposed).
    Privacy,
    /// Re-queue items in error (all of them, or the ones named).
    Recover(RecoverArgs),
    /// Show the resolved configuration (secrets masked) and validate it.
    Config(ConfigArgs),
    /// Print the shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the manual page ccs-tui(1) as roff, or write one page per
    /// subcommand into a folder (--dir).
    Man(ManArgs),
}

impl Command {
    /// Whether its JSON is a list (one array with `--json`, an object per
    /// line with `--json-lines`) rather than one object.
    pub fn lists(&self) -> bool {
        match self {
            Command::Ls(_)
            | Command::Peers
            | Command::Privacy
            | Command::Audit(_)
            | Command::Rm(_)
            | Command::Erased(_) => true,
            Command::Status(a) => a.lists(),
            Command::Drain(_) | Command::EnsurePins(_) | Command::Recover(_) => true,
            _ => false,
        }
    }

    /// What the command would change in the cluster, if anything.
    pub fn mutation(&self) -> Option<&'static str> {
        match self {
            Command::Add(_) => Some("add to the archive"),
            Command::Rm(_) => Some("unpin"),
            Command::Erased(a) if a.collect => Some("collect garbage"),
            Command::Edit(a) if !a.dry_run => Some("edit an item"),
            Command::EnsurePins(a) if !a.dry_run => Some("re-pin items"),
            Command::Rebalance(a) if !a.dry_run => Some("rebalance"),
            Command::Drain(a) if !a.dry_run => Some("drain a peer"),
            Command::Recover(a) if !a.dry_run => Some("recover"),
            _ => None,
        }
    }
}

/// What a command runs with.
struct Ctx {
    client: std::sync::Arc<ClusterClient>,
    resolved: Resolved,
    json: bool,
}

/// What a command takes from the command line, without knowing its parser.
pub struct Invocation<'a> {
    pub overrides: crate::config::Overrides,
    pub json: bool,
    /// `--json-lines`: listings as one object per line, not one array.
    pub json_lines: bool,
    /// `--read-only` (the configuration may say so too).
    pub read_only: bool,
    /// The whole command line's definition (for completions and manual
    /// pages; given by the binary, which owns the parser).
    pub cli: &'a dyn Fn() -> clap::Command,
    /// Loads the configuration and builds the client (only when needed).
    pub connect: &'a dyn Fn() -> Result<(ClusterClient, Resolved), String>,
}

pub async fn run(inv: &Invocation<'_>, cmd: &Command) -> ExitCode {
    // The one command that must work without a reachable cluster.
    if let Command::Config(a) = cmd {
        return config::run(inv, a);
    }
    // The package's own files: nothing to connect to.
    match cmd {
        Command::Completions(a) => return install::completions((inv.cli)(), a),
        Command::Man(a) => return install::man((inv.cli)(), a),
        _ => {}
    }
    let (client, resolved) = match (inv.connect)() {
        Ok(x) => x,
        Err(e) => return output::fail(e),
    };
    if let Some(refusal) = read_only_refusal(inv, &resolved, cmd) {
        return output::fail(refusal);
    }
    let cx = Ctx {
        client: std::sync::Arc::new(client),
        resolved,
        json: inv.json || inv.json_lines,
    };
    output::set_json_lines(inv.json_lines);
    if cmd.lists() {
        output::listing();
    }
    let r: Result<u8, output::CmdError> = match cmd {
        Command::Add(a) => add::run(&cx, a).await,
        Command::Ls(a) => ls::run(&cx, a).await,
        Command::Cat(a) => browse::cat(&cx, a).await,
        Command::Audit(a) => audit::run(&cx, a).await,
        Command::Status(a) => status::run(&cx, a).await,
        Command::Get(a) => get::run(&cx, a).await,
        Command::Rm(a) => rm::run(&cx, a).await,
        Command::Erased(a) => erased::run(&cx, a).await,
        Command::Edit(a) => edit::run(&cx, a).await,
        Command::EnsurePins(a) => ensure_pins::run(&cx, a).await,
        Command::Risk(a) => risk::run(&cx, a).await,
        Command::Rebalance(a) => rebalance::run(&cx, a).await,
        Command::Drain(a) => drain::run(&cx, a).await,
        Command::Peers => peers::run(&cx).await,
        Command::Health => health::run(&cx).await,
        Command::Capacity(a) => capacity::run(&cx, a).await,
        Command::Privacy => privacy::run(&cx).await,
        Command::Recover(a) => recover::run(&cx, a).await,
        Command::Config(a) => return config::run(inv, a),
        Command::Completions(a) => return install::completions((inv.cli)(), a),
        Command::Man(a) => return install::man((inv.cli)(), a),
    };
    output::finish_items(cx.json);
    match r {
        Ok(code) => ExitCode::from(code),
        Err(e) => output::fail(e),
    }
}

/// Why the command may not run, if it would change the cluster from a
/// look-only account: the one place such an account is held to it.
fn read_only_refusal(inv: &Invocation<'_>, resolved: &Resolved, cmd: &Command) -> Option<String> {
    let verb = cmd.mutation()?;
    let why = if inv.read_only {
        "--read-only"
    } else if resolved.read_only() {
        "the configuration's cluster.read_only"
    } else {
        return None;
    };
    Some(format!("read-only ({why}): refusing to {verb}"))
}
