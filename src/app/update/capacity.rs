//! The capacity screen: opening it (its figures worked out off the UI
//! task), its keys, the figures and the free-space history as they come,
//! and the free-space samples the history keeps.

use super::{Action, Effect, State};

/// Opens the capacity screen; its figures are worked out off the UI task.
pub(super) fn open_capacity(st: &mut State) -> Vec<Effect> {
    let history = st.capacity.take().map(|c| c.history).unwrap_or_default();
    st.capacity = Some(crate::app::capacity::CapacityView {
        history,
        ..Default::default()
    });
    vec![Effect::Capacity(st.pins.rows.clone())]
}

pub(super) fn capacity_key(st: &mut State, act: Option<Action>) -> Vec<Effect> {
    match act {
        Some(Action::Close) => {
            st.capacity = None;
            Vec::new()
        }
        Some(Action::Units) => {
            if let Some(c) = st.capacity.as_mut() {
                c.items = !c.items;
            }
            Vec::new()
        }
        Some(Action::Refresh) => open_capacity(st),
        _ => Vec::new(),
    }
}

/// The peers' free space: shown in the peers pane, and every ten minutes
/// put in the history the capacity screen draws.
pub(super) fn on_freespace(
    st: &mut State,
    metrics: Vec<crate::cluster::types::Metric>,
) -> Vec<Effect> {
    for m in &metrics {
        if let Some(p) = st.peers.rows.iter_mut().find(|p| p.id == m.peer) {
            p.free_space = m.value.parse().ok();
        }
    }
    let due = st.free_sampled.is_none_or(|t| {
        st.now.saturating_duration_since(t).as_secs()
            >= crate::cluster::capacity::history::EVERY_SECS as u64
    });
    let samples: Vec<(String, u64)> = metrics
        .iter()
        .filter(|m| m.valid)
        .filter_map(|m| Some((m.peer.clone(), m.value.parse().ok()?)))
        .collect();
    if due && !samples.is_empty() {
        st.free_sampled = Some(st.now);
        return vec![Effect::RecordFreeSpace(samples)];
    }
    Vec::new()
}

type Figures = Result<
    Box<(
        crate::cluster::capacity::Capacity,
        crate::cluster::capacity::history::History,
    )>,
    String,
>;

pub(super) fn on_figures(st: &mut State, r: Figures) -> Vec<Effect> {
    if let Some(c) = st.capacity.as_mut() {
        match r {
            Ok(b) => {
                let (figures, history) = *b;
                c.figures = Some(Box::new(figures));
                c.history = history;
                c.error = None;
            }
            Err(e) => c.error = Some(e),
        }
    }
    Vec::new()
}

pub(super) fn on_history(
    st: &mut State,
    h: crate::cluster::capacity::history::History,
) -> Vec<Effect> {
    if let Some(c) = st.capacity.as_mut() {
        c.history = h;
    }
    Vec::new()
}
