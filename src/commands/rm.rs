//! `rm`: unpin items, after a confirmation on a terminal.

use std::io::IsTerminal;

use super::output::*;
use super::Ctx;
use crate::cluster::ClientError;
use crate::unixfs::{self};

/// `ccs-tui rm`
#[derive(clap::Args, Debug, Clone)]
pub struct RmArgs {
    #[arg(required = true)]
    cids: Vec<String>,
    /// Do not ask (required when not on a terminal).
    #[arg(long, short = 'y')]
    yes: bool,
}

pub(super) async fn run(cx: &Ctx, a: &RmArgs) -> Result<u8, CmdError> {
    let (cids, yes) = (&a.cids, a.yes);
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !yes && !interactive {
        tell!("ccs-tui: refusing to unpin without --yes when not on a terminal");
        return Ok(FAIL);
    }
    // Every argument is checked before anything is unpinned: a typo in the
    // second CID must not leave the first one gone and the command "failed".
    for c in cids {
        if let Err(e) = unixfs::parse_cid(c) {
            return Err(CmdError::usage(c.as_str(), format!("not a valid CID: {e}")));
        }
    }
    let mut code = OK;
    for c in cids {
        if !yes {
            let name = match cx.client.allocation(c).await {
                Ok(p) => p.name,
                Err(ClientError::Api { status: 404, .. }) => {
                    tell!("ccs-tui: {c} is not in the pinset");
                    code = FAIL;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            if !confirm(&format!(
                "Unpin '{name}' ({c}) from every peer of the cluster?"
            )) {
                tell!("kept {c}");
                continue;
            }
        }
        match cx.client.unpin(c).await {
            Ok(p) => {
                if cx.json {
                    print_item(&p);
                } else {
                    say!("unpinned {} {}", p.cid, p.name);
                }
            }
            Err(ClientError::Api { status: 404, .. }) => {
                tell!("ccs-tui: {c} is not in the pinset");
                code = FAIL;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(code)
}
