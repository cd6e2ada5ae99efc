//! `peers`: the members, with the ones the cluster dropped.

use super::output::*;
use super::Ctx;

pub(super) async fn run(cx: &Ctx) -> Result<u8, CmdError> {
    let list = cx.client.members().await?;
    // With Tailscale here, what it sees of each peer's machine.
    let tailnet = if cx.json {
        None
    } else {
        crate::tailnet::status().await
    };
    let machine = |p: &crate::cluster::types::PeerId| {
        let t = tailnet.as_ref()?;
        let addrs: Vec<String> = p.addresses.iter().cloned().collect();
        t.machine_of(&p.peername, &addrs)
    };
    if cx.json {
        list.iter().for_each(print_item);
    } else {
        for p in &list {
            let why = machine(p).map(|m| {
                if p.error.is_empty() {
                    format!(" | tailnet: machine {}", m.describe())
                } else {
                    format!(" | {}", m.explains_down())
                }
            });
            let why = why.unwrap_or_default();
            if p.error.is_empty() {
                say!(
                    "{} | {} | Sees {} other peers{why}",
                    p.id,
                    p.peername,
                    p.cluster_peers.len().saturating_sub(1)
                );
            } else if p.peername.is_empty() {
                say!("{} | ERROR: {}{why}", p.id, p.error);
            } else {
                say!("{} | {} | ERROR: {}{why}", p.id, p.peername, p.error);
            }
        }
    }
    Ok(if list.iter().any(|p| !p.error.is_empty()) {
        PARTIAL
    } else {
        OK
    })
}
