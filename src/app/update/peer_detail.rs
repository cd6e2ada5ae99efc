//! The detail of one peer: its keys (opening it is in `view.rs`, since the
//! main screen and `:peer` open it too).

use super::view::{open_peer, set_filter_strict};
use super::{Action, Effect, Pane, State};

pub(super) fn peer_key(st: &mut State, act: Option<Action>) -> Vec<Effect> {
    let Some(id) = st.peer_detail.as_ref().map(|d| d.id.clone()) else {
        return Vec::new();
    };
    match act {
        Some(Action::Close) => st.peer_detail = None,
        Some(Action::PeerItems) => {
            let Some(p) = st.peers.rows.iter().find(|p| p.id == id) else {
                return Vec::new();
            };
            let term = if p.name.is_empty() || p.name.contains(' ') {
                format!("peer:{}", p.id)
            } else {
                format!("peer:{}", p.name)
            };
            st.peer_detail = None;
            st.focus = Pane::Pins;
            return set_filter_strict(st, &term);
        }
        Some(Action::Copy) => return super::copy(st, id),
        Some(a @ (Action::Down | Action::Up)) => {
            let n = st.peers.rows.len();
            if n > 0 {
                st.peers.selected = if a == Action::Down {
                    (st.peers.selected + 1).min(n - 1)
                } else {
                    st.peers.selected.saturating_sub(1)
                };
                return open_peer(st);
            }
        }
        _ => {}
    }
    Vec::new()
}
