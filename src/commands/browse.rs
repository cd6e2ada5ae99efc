//! `ls CID[/path]` and `cat CID/path`: inside an item, from verified blocks.

use std::io::{IsTerminal, Write};

use futures_util::StreamExt;
use serde::Serialize;

use super::output::*;
use super::Ctx;
use crate::cluster::dag::{BlockError, Dag, Kind, ReadError};
use crate::format::human_bytes;

/// `ccs-tui cat`
#[derive(clap::Args, Debug, Clone)]
pub struct CatArgs {
    /// The file: CID, or CID/path inside a folder item.
    target: String,
    /// Write the bytes to a terminal as they are. Without it a terminal
    /// sees control characters and escape sequences as text (`\x1b[2J`),
    /// so a file cannot clear the screen or hide the cursor; a pipe or a
    /// file always gets the bytes exactly.
    #[arg(long)]
    raw: bool,
}

/// `CID/a/b` → the CID and the path inside it.
pub(super) fn split_target(t: &str) -> Result<(cid::Cid, String), CmdError> {
    let t = t.trim().trim_start_matches("/ipfs/");
    let (c, path) = t.split_once('/').unwrap_or((t, ""));
    let cid = crate::unixfs::parse_cid(c)
        .map_err(|e| CmdError::usage(c, format!("not a valid CID: {e}")))?;
    Ok((cid, path.trim_matches('/').to_string()))
}

/// The default gateway, then each configured node's: a missing, down or
/// corrupt copy at one is read from another (every block verified).
fn dag(cx: &Ctx) -> Dag {
    let nodes = crate::config::node_gateways(&cx.resolved.file, false).unwrap_or_default();
    Dag::new(cx.client.clone(), cx.client.default_gateway())
        .with_fallbacks(nodes.into_iter().map(|n| n.gateway))
}

fn block_error(e: BlockError) -> CmdError {
    CmdError::Block(e)
}

#[derive(Serialize)]
struct Listed<'a> {
    name: &'a str,
    cid: String,
    #[serde(rename = "type")]
    kind: &'static str,
    size: u64,
}

pub(super) async fn ls(cx: &Ctx, target: &str) -> Result<u8, CmdError> {
    let (root, path) = split_target(target)?;
    let dag = dag(cx);
    let at = dag.resolve(&root, &path).await.map_err(block_error)?;
    let entries = match dag.list(&at).await {
        Ok(e) => e,
        // A file: list it alone, as `ls` does.
        Err(BlockError::NotA { .. }) => {
            let st = dag.stat(&at).await.map_err(block_error)?;
            let name = path.rsplit('/').next().filter(|n| !n.is_empty());
            vec![crate::cluster::dag::Entry {
                name: name.unwrap_or(&at.to_string()).to_string(),
                cid: at,
                tsize: st.size,
            }]
        }
        Err(e) => return Err(block_error(e)),
    };
    // Each entry's type and size from its own root block, a few at a time,
    // each distinct block asked once (a folder may name one file 40,000
    // times); entries are printed in order as their answers come.
    let mut first_seen = std::collections::HashSet::new();
    let unique: Vec<cid::Cid> = entries
        .iter()
        .map(|e| e.cid)
        .filter(|c| first_seen.insert(*c))
        .collect();
    let mut stats = futures_util::stream::iter(unique)
        .map(|c| {
            let dag = &dag;
            async move { (c, dag.stat(&c).await) }
        })
        .buffered(8);
    let mut known = std::collections::HashMap::new();
    let mut next = entries.iter().peekable();
    while let Some((c, st)) = stats.next().await {
        known.insert(c, st.map_err(block_error)?);
        while let Some(e) = next.next_if(|e| known.contains_key(&e.cid)) {
            print_entry(cx, e, &known[&e.cid]);
        }
    }
    Ok(OK)
}

fn print_entry(cx: &Ctx, e: &crate::cluster::dag::Entry, st: &crate::cluster::dag::Stat) {
    let kind = match st.kind {
        Kind::File => "file",
        Kind::Dir => "dir",
        Kind::Symlink => "symlink",
    };
    if cx.json {
        print_item(&Listed {
            name: &e.name,
            cid: e.cid.to_string(),
            kind,
            size: st.size,
        });
    } else {
        let slash = if st.kind == Kind::Dir { "/" } else { "" };
        say!("{} {:>9} {}{slash}", e.cid, human_bytes(st.size), e.name);
    }
}

pub(super) async fn cat(cx: &Ctx, a: &CatArgs) -> Result<u8, CmdError> {
    let (root, path) = split_target(&a.target)?;
    let dag = dag(cx);
    let at = dag.resolve(&root, &path).await.map_err(block_error)?;
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout());
    let mut escaper =
        (!a.raw && std::io::stdout().is_terminal()).then(crate::sanitize::TerminalEscaper::default);
    let mut shown = Vec::new();
    let mut write = |b: &[u8]| match escaper.as_mut() {
        Some(e) => {
            shown.clear();
            e.feed(b, &mut shown);
            out.write_all(&shown)
        }
        None => out.write_all(b),
    };
    let read = dag.read(&at, None, &mut write).await;
    if let (Some(e), Ok(_)) = (escaper.as_mut(), &read) {
        shown.clear();
        e.finish(&mut shown);
        let _ = out.write_all(&shown);
    }
    match read {
        Ok(_) => {}
        Err(ReadError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            std::process::exit(BROKEN_PIPE.into())
        }
        Err(ReadError::Output(e)) => return Err(CmdError::usage("stdout", e.to_string())),
        Err(ReadError::Block(BlockError::NotA { .. })) => {
            return Err(CmdError::usage(
                &a.target,
                "a folder, not a file (ccs-tui ls lists it)",
            ))
        }
        Err(ReadError::Block(e)) => return Err(block_error(e)),
    }
    if let Err(e) = out.flush() {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(BROKEN_PIPE.into())
        }
        return Err(CmdError::usage("stdout", e.to_string()));
    }
    Ok(OK)
}
