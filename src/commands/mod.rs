//! Scripting subcommands: everything `ccs` does, without the full screen.
//! Output is text by default and JSON with `--json` (nothing else on stdout);
//! progress goes to stderr, only when it is a terminal. Exit codes: 0 success,
//! 1 partial (e.g. fewer replicas than the minimum), 2 failure.

mod cmds;

use std::path::PathBuf;

use clap::Subcommand;

pub use cmds::run;

#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Add a file or folder to the archive (pinned across the cluster).
    Add {
        path: PathBuf,
        /// Pin name [default: the basename, as ccs add names it].
        #[arg(long, short = 'n')]
        name: Option<String>,
        #[arg(long, alias = "rmin", value_name = "N", allow_negative_numbers = true)]
        replication_min: Option<i32>,
        #[arg(long, alias = "rmax", value_name = "N", allow_negative_numbers = true)]
        replication_max: Option<i32>,
        /// Metadata key=value (repeat).
        #[arg(long = "metadata", value_name = "K=V")]
        metadata: Vec<String>,
        /// Peer IDs that must hold it (comma-separated).
        #[arg(long, alias = "allocations", value_name = "PEERS")]
        user_allocations: Option<String>,
        /// Wait until at least the minimum number of replicas is pinned.
        #[arg(long, short = 'w')]
        wait: bool,
        /// Give up waiting after this many seconds.
        #[arg(long, default_value_t = 600, value_name = "SECS")]
        wait_timeout: u64,
        /// Write a manifest of every entry's path and CID here (as ccs add).
        #[arg(long, value_name = "FILE")]
        output_json: Option<PathBuf>,
        #[arg(long, default_value_t = 0)]
        cid_version: u8,
        #[arg(long)]
        raw_leaves: Option<bool>,
        #[arg(long, short = 's', value_name = "size-N")]
        chunker: Option<String>,
        /// Include dotfiles.
        #[arg(long, short = 'H')]
        hidden: bool,
        /// Only ingest into the receiving peer's kubo first.
        #[arg(long)]
        local: bool,
        #[arg(long, short = 'W')]
        wrap_with_directory: bool,
        /// Ask for one buffered answer (behind nginx).
        #[arg(long)]
        no_stream: bool,
    },
    /// List the pinset (or, with --filter, items by tracker status).
    Ls {
        /// Tracker statuses, e.g. pin_error,pinning or error,queued.
        #[arg(long)]
        filter: Option<String>,
    },
    /// Replication of items, peer by peer.
    Status {
        /// Items to show [default: every item, streamed as ipfs-cluster-ctl status does].
        cids: Vec<String>,
    },
    /// Fetch an item (file or folder) to disk: atomic and verified.
    Get {
        cid: String,
        /// Where to write it [default: the item's name in the current folder].
        #[arg(long, short = 'o', alias = "dest")]
        output: Option<PathBuf>,
        /// Replace an existing target.
        #[arg(long)]
        force: bool,
    },
    /// Unpin items from every peer of the cluster.
    Rm {
        #[arg(required = true)]
        cids: Vec<String>,
        /// Do not ask (required when not on a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// The member peers.
    Peers,
    /// Peers online, pins by status per peer, errors (exit 0 healthy, 1 degraded, 2 error).
    Health,
    /// Re-queue items in error (all of them, or the ones named).
    Recover {
        cids: Vec<String>,
        /// List what would be recovered; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show the resolved configuration (secrets masked) and validate it.
    Config {
        #[arg(long)]
        validate_only: bool,
    },
}
