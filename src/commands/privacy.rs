//! `privacy`: the seed's promise, checked peer by peer — no member's kubo
//! announces a public address and no cluster swarm listens publicly (exit 0
//! private, 1 exposed, 2 the cluster did not answer).

use super::output::*;
use super::Ctx;
use crate::cluster::exposure::{assess, AddrClass, Classed};

pub(super) async fn run(cx: &Ctx) -> Result<u8, CmdError> {
    let list = cx.client.members().await?;
    let all: Vec<_> = list.iter().map(assess).collect();
    let exposed = all.iter().filter(|e| e.exposed).count();
    if cx.json {
        all.iter().for_each(print_item);
    } else {
        let by_class = |v: &[Classed]| {
            let mut classes: Vec<AddrClass> = v.iter().map(|c| c.class).collect();
            classes.dedup();
            classes
                .iter()
                .map(|k| {
                    let n = v.iter().filter(|c| c.class == *k).count();
                    format!("{n} {}", k.label())
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (e, p) in all.iter().zip(&list) {
            let name = if e.name.is_empty() {
                &e.peer_id
            } else {
                &e.name
            };
            let none = e.cluster.is_empty() && e.ipfs.is_empty();
            let state = match (e.exposed, none) {
                (true, _) => "EXPOSED",
                (false, true) => "unknown",
                (false, false) => "private",
            };
            let unknown = if none {
                if p.error.is_empty() {
                    " (it reports no addresses)"
                } else {
                    " (down: its addresses are not known)"
                }
            } else {
                ""
            };
            say!(
                "{state:<8} {name:<14} cluster: {} · kubo: {}{unknown}",
                or_none(&by_class(&e.cluster)),
                or_none(&by_class(&e.ipfs))
            );
            for f in &e.findings {
                say!("  ✗ {}", f.what);
                say!("    means: {}", f.means);
                say!("    fix:   {}", f.fix);
            }
        }
        let unknown = all
            .iter()
            .filter(|e| e.cluster.is_empty() && e.ipfs.is_empty())
            .count();
        if exposed == 0 && unknown == 0 {
            say!(
                "every peer announces only loopback, private or tailnet addresses: nothing the API shows reaches the public network"
            );
        } else if exposed == 0 {
            say!(
                "no peer that answers is exposed; {unknown} could not be checked (down or silent)"
            );
        } else {
            say!("{exposed} of {} peer(s) exposed", all.len());
        }
    }
    Ok(if exposed > 0 { PARTIAL } else { OK })
}

fn or_none(s: &str) -> &str {
    if s.is_empty() {
        "none"
    } else {
        s
    }
}
