//! `peers`: the members, with the ones the cluster dropped.

use super::output::*;
use super::Ctx;

pub(super) async fn run(cx: &Ctx) -> Result<u8, CmdError> {
    let list = cx.client.members().await?;
    if cx.json {
        list.iter().for_each(print_item);
    } else {
        for p in &list {
            if p.error.is_empty() {
                say!(
                    "{} | {} | Sees {} other peers",
                    p.id,
                    p.peername,
                    p.cluster_peers.len().saturating_sub(1)
                );
            } else if p.peername.is_empty() {
                say!("{} | ERROR: {}", p.id, p.error);
            } else {
                say!("{} | {} | ERROR: {}", p.id, p.peername, p.error);
            }
        }
    }
    Ok(if list.iter().any(|p| !p.error.is_empty()) {
        PARTIAL
    } else {
        OK
    })
}
