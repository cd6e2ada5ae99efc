//! `view(&State, &mut Frame)`: pure drawing, no I/O, no clock. Each pane
//! and overlay draws itself from its own file; this puts them together.

use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::layout::{areas, usable, MIN_HEIGHT, MIN_WIDTH};
use super::theme::Theme;
use super::{
    browse, capacity, confirm, footer, form, header, help, peer, peers, pins, reader, replication,
    risk, tasks,
};
use crate::app::dialog::Dialog;
use crate::app::State;

pub fn view(st: &State, f: &mut Frame) {
    let area = f.area();
    let th = Theme { color: st.color };
    if !usable(area) {
        let msg = format!(
            "terminal too small: {}x{} (ccs-tui needs {MIN_WIDTH}x{MIN_HEIGHT})",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let a = areas(area, st);
    header::draw(st, f, a.header, th);
    if let Some(b) = &st.browse {
        browse::draw(st, b, f, area, th);
        if let Some(r) = &st.reader {
            reader::draw(r, f, area, th);
        }
    } else {
        if let Some(r) = a.peers {
            peers::draw(st, f, r, th);
        }
        if let Some(r) = a.pins {
            pins::draw(st, f, r, th);
        }
        if let Some(r) = a.replication {
            replication::draw(st, f, r, th);
        }
    }
    footer::draw(st, f, a.footer, th);
    footer::draw_candidates(st, f, a.footer, th);
    if st.show_tasks {
        tasks::draw(st, f, area, th);
    }
    if let Some(d) = &st.peer_detail {
        peer::draw(st, d, f, area, th);
    }
    if let Some(r) = &st.risk {
        risk::draw(st, r, f, area, th);
    }
    if let Some(c) = &st.capacity {
        capacity::draw(st, c, f, area, th);
    }
    match &st.dialog {
        Some(Dialog::Form(form)) => form::draw(form, f, area, th),
        Some(Dialog::Confirm(c)) => confirm::draw(c, st.read_only, f, area, th),
        None => {}
    }
    if let Some(h) = &st.help {
        help::draw(st, h, f, area, th);
    }
}
