//! The members as a poll reports them: names kept across polls, the down
//! ones first, the cursor on its peer, the filter's peer names resolved.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{on_health, recount_peers, reindex, Effect, State};
use crate::app::rows::PeerRow;

pub(super) fn on_peers(st: &mut State, rows: Vec<PeerRow>, every: Duration) -> Vec<Effect> {
    st.peers.fresh.interval = every;
    let old: BTreeMap<String, (Option<u64>, usize)> = st
        .peers
        .rows
        .iter()
        .map(|p| (p.id.clone(), (p.free_space, p.pinned)))
        .collect();
    let names: BTreeMap<String, String> = st
        .peers
        .rows
        .iter()
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    let selected = st.peers.rows.get(st.peers.selected).map(|p| p.id.clone());
    st.peers.rows = rows;
    for p in &mut st.peers.rows {
        if p.name.is_empty() {
            p.name = names.get(&p.id).cloned().unwrap_or_default();
        }
        if let Some((fs, pinned)) = old.get(&p.id) {
            p.free_space = *fs;
            p.pinned = *pinned;
        }
        p.errors = st.pins.peer_errors.get(&p.id).copied().unwrap_or(0);
    }
    // Peers that are down first: on fifty peers the one that died
    // would be below the pane's edge. Then by name, then ID: the
    // daemon lists its peers in no fixed order, and a pane that
    // reorders itself every poll cannot be read. The cursor stays
    // on its peer.
    st.peers.rows.sort_by(|a, b| {
        a.online()
            .cmp(&b.online())
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.id.cmp(&b.id))
    });
    if let Some(i) = selected.and_then(|id| st.peers.rows.iter().position(|p| p.id == id)) {
        st.peers.selected = i;
    }
    st.peers.selected = st.peers.selected.min(st.peers.rows.len().saturating_sub(1));
    st.peers.fresh.ok(st.now);
    recount_peers(st);
    let mut fx = on_health(st);
    if st.pins.filter.has_peer_terms() {
        // Names learned since the filter was typed.
        let mut f = st.pins.filter.clone();
        if f.resolve_peers(&st.peers.rows).is_ok() && f != st.pins.filter {
            st.pins.filter = f;
            fx.extend(reindex(st));
        }
    }
    fx
}
