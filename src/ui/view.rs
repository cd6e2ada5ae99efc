//! `view(&State, &mut Frame)`: pure drawing, no I/O, no clock.

use chrono::{DateTime, Utc};
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::layout::{areas, usable, MIN_HEIGHT, MIN_WIDTH};
use super::theme::Theme;
use crate::app::dialog::{Confirm, ConfirmAction, Dialog, Form, FormKind};
use crate::app::state::{Freshness, Level};
use crate::app::tasks::{TaskKind, TaskState};
use crate::app::{Mode, Pane, State};
use crate::cluster::types::TrackerStatus;
use crate::format::{human_bytes, short_id};

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
    header(st, f, a.header, th);
    if let Some(r) = a.peers {
        peers(st, f, r, th);
    }
    if let Some(r) = a.pins {
        pins(st, f, r, th);
    }
    if let Some(r) = a.replication {
        replication(st, f, r, th);
    }
    footer(st, f, a.footer, th);
    if st.show_tasks {
        tasks(st, f, area, th);
    }
    match &st.dialog {
        Some(Dialog::Form(form)) => form_dialog(form, f, area, th),
        Some(Dialog::Confirm(c)) => confirm_dialog(c, f, area, th),
        None => {}
    }
    if st.mode == Mode::Help {
        help(st, f, area, th);
    }
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn form_dialog(form: &Form, f: &mut Frame, area: Rect, th: Theme) {
    let title = match form.kind {
        FormKind::Upload => " upload to the archive ",
        FormKind::Fetch => " fetch from the archive ",
    };
    let h = form.fields.len() as u16 * 2 + 5;
    let r = centered(area, 76, h);
    f.render_widget(Clear, r);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(th.focused_border())
        .title(Span::styled(title, th.title()));
    let inner = b.inner(r);
    f.render_widget(b, r);
    let mut lines: Vec<Line> = Vec::new();
    let label_w = 17usize;
    let field_w = (inner.width as usize).saturating_sub(label_w + 1).max(1);
    let mut cursor = None;
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let scroll = field.input.visual_scroll(field_w.saturating_sub(1));
        let shown: String = field.value().chars().skip(scroll).take(field_w).collect();
        let style = if focused {
            th.selected()
        } else {
            Style::default()
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:>w$} ", field.label, w = label_w - 1),
                if focused { th.title() } else { th.dim() },
            ),
            Span::styled(format!("{shown:<field_w$}"), style),
        ]));
        lines.push(Line::from(Span::styled(
            format!("{:w$} {}", "", field.hint, w = label_w - 1),
            th.dim(),
        )));
        if focused {
            let x = inner.x
                + label_w as u16
                + (field.input.visual_cursor().saturating_sub(scroll)) as u16;
            cursor = Some((
                x.min(inner.x + inner.width.saturating_sub(1)),
                inner.y + (i as u16) * 2,
            ));
        }
    }
    if let Some(e) = &form.error {
        lines.push(Line::from(Span::styled(e.clone(), th.bad())));
    } else if let Some(n) = &form.note {
        lines.push(Line::from(Span::styled(n.clone(), th.warn())));
    } else if form.pending {
        lines.push(Line::from(Span::styled("checking…", th.dim())));
    } else {
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        "Enter go · Esc cancel · ↑↓ field · Tab completes the path",
        th.dim(),
    )));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if let Some((x, y)) = cursor {
        f.set_cursor_position((x, y));
    }
}

fn confirm_dialog(c: &Confirm, f: &mut Frame, area: Rect, th: Theme) {
    let (title, mut lines, verb): (&str, Vec<Line>, &str) = match &c.action {
        ConfirmAction::Unpin(items) => {
            let mut l = vec![Line::from(Span::styled(
                if items.len() == 1 {
                    "Unpin this item? It is removed from every peer of the cluster.".to_string()
                } else {
                    format!(
                        "Unpin these {} items? They are removed from every peer of the cluster.",
                        items.len()
                    )
                },
                th.warn(),
            ))];
            for (cid, name, holders) in items.iter().take(6) {
                l.push(Line::from(format!(
                    "  {} · {cid} · held by {holders} peer(s)",
                    if name.is_empty() { "(no name)" } else { name }
                )));
            }
            if items.len() > 6 {
                l.push(Line::from(format!("  … and {} more", items.len() - 6)));
            }
            (" unpin ", l, "Unpin")
        }
        ConfirmAction::RecoverAll(n) => (
            " recover all ",
            vec![Line::from(format!("Re-queue every item in error ({n})?"))],
            "Recover",
        ),
    };
    lines.push(Line::from(""));
    let cancel_style = if c.on_action {
        Style::default()
    } else {
        th.selected()
    };
    let act_style = if c.on_action {
        th.selected().patch(th.bad())
    } else {
        th.bad()
    };
    lines.push(Line::from(vec![
        Span::styled(" Cancel ", cancel_style),
        Span::raw("   "),
        Span::styled(format!(" {verb} "), act_style),
        Span::styled("    y confirms · Esc/n cancels · ←→ moves", th.dim()),
    ]));
    let h = lines.len() as u16 + 2;
    let r = centered(area, 100, h);
    f.render_widget(Clear, r);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(th.bad())
        .title(Span::styled(title, th.bad().add_modifier(Modifier::BOLD)));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(b), r);
}

fn tasks(st: &State, f: &mut Frame, area: Rect, th: Theme) {
    let h = (st.tasks.len() as u16 * 2 + 3).max(5).min(area.height);
    let r = centered(area, area.width.saturating_sub(6).min(100), h);
    f.render_widget(Clear, r);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(th.focused_border())
        .title(Span::styled(
            " transfers (c cancels · d dismisses · Esc closes) ",
            th.title(),
        ));
    let inner = b.inner(r);
    f.render_widget(b, r);
    if st.tasks.is_empty() {
        f.render_widget(
            Paragraph::new(Span::styled(
                "No transfers yet: a uploads, o fetches.",
                th.dim(),
            )),
            inner,
        );
        return;
    }
    let mut lines = Vec::new();
    let bar_w = 20usize;
    for (i, t) in st.tasks.iter().enumerate() {
        let kind = match t.kind {
            TaskKind::Upload => "upload",
            TaskKind::Fetch => "fetch ",
        };
        let filled = (t.ratio() * bar_w as f64).round() as usize;
        let bar = format!(
            "[{}{}]",
            "#".repeat(filled),
            " ".repeat(bar_w - filled.min(bar_w))
        );
        let (state, style) = match &t.state {
            TaskState::Running => ("running".to_string(), th.warn()),
            TaskState::Done(m) => (m.clone(), th.ok()),
            TaskState::Failed(e) => (e.clone(), th.bad()),
            TaskState::Cancelled => ("cancelled".to_string(), th.dim()),
        };
        let mut l = Line::from(vec![
            Span::raw(format!("{kind} {} ", t.what)),
            Span::styled(bar, style),
            Span::raw(format!(" {}", t.progress_text(st.now))),
        ]);
        if i == st.tasks_selected {
            l = l.style(th.selected());
        }
        lines.push(l);
        lines.push(Line::from(Span::styled(format!("  {state}"), style)));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn header(st: &State, f: &mut Frame, r: Rect, th: Theme) {
    let online = st.online_peers();
    let errors = st.pins.repl.values().filter(|x| x.errors > 0).count();
    let mut spans = vec![
        Span::styled(" ccs-tui ", th.title()),
        Span::raw(format!("cluster {}", st.cluster)),
    ];
    if let Some(u) = &st.user {
        spans.push(Span::raw(format!(" as {u}")));
    }
    spans.push(Span::styled(" │ ", th.dim()));
    let peer_style = if online < st.peers.rows.len() {
        th.warn()
    } else {
        th.ok()
    };
    spans.push(Span::styled(
        format!("{online}/{} peers up", st.peers.rows.len()),
        peer_style,
    ));
    spans.push(Span::styled(" │ ", th.dim()));
    spans.push(Span::raw(format!("{} items", st.pins.rows.len())));
    if errors > 0 {
        spans.push(Span::styled(" │ ", th.dim()));
        spans.push(Span::styled(format!("{errors} in error"), th.bad()));
    }
    if st.read_only {
        spans.push(Span::styled(" │ read-only", th.warn()));
    }
    if st.frozen {
        spans.push(Span::styled(
            " │ FROZEN",
            th.warn().add_modifier(Modifier::BOLD),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), r);
}

fn block<'a>(st: &State, pane: Pane, title: String, fresh: &Freshness, th: Theme) -> Block<'a> {
    let focused = st.focus == pane;
    let n = match pane {
        Pane::Peers => 1,
        Pane::Pins => 2,
        Pane::Replication => 3,
    };
    let age = fresh.describe(st.now);
    let age_style = if fresh.error.is_some() {
        th.bad()
    } else {
        th.dim()
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            th.focused_border()
        } else {
            th.border()
        })
        .title(Line::from(vec![
            Span::styled(format!(" {n} "), th.dim()),
            Span::styled(
                title,
                if focused {
                    th.title()
                } else {
                    Style::default()
                },
            ),
            Span::raw(" "),
        ]))
        .title_bottom(
            Line::from(Span::styled(format!(" {age} "), age_style)).alignment(Alignment::Right),
        )
}

fn peers(st: &State, f: &mut Frame, r: Rect, th: Theme) {
    let b = block(
        st,
        Pane::Peers,
        format!("peers ({})", st.peers.rows.len()),
        &st.peers.fresh,
        th,
    );
    let wide = r.width >= 100;
    let header = Row::new(if wide {
        vec![
            "NAME", "PEER ID", "VERSION", "STATE", "FREE", "PINNED", "ERRORS",
        ]
    } else {
        vec!["NAME", "PEER ID", "STATE", "FREE", "PINNED", "ERR"]
    })
    .style(th.header());
    let rows = st.peers.rows.iter().enumerate().map(|(i, p)| {
        let state = if p.online() {
            Span::styled("online", th.ok())
        } else if let Some(why) = p.error.strip_prefix("missing: ") {
            // Dropped from the cluster's peer list (see cluster::members).
            Span::styled(format!("MISSING: {why}"), th.bad())
        } else {
            Span::styled(format!("OFFLINE: {}", p.error), th.bad())
        };
        let name = if p.name.is_empty() {
            "?".to_string()
        } else {
            p.name.clone()
        };
        let mut cells = vec![Cell::from(name), Cell::from(short_id(&p.id, 6))];
        if wide {
            cells.push(Cell::from(p.version.clone()));
        }
        cells.push(Cell::from(state));
        cells.push(Cell::from(
            p.free_space
                .filter(|_| p.online())
                .map(human_bytes)
                .unwrap_or_else(|| "-".into()),
        ));
        cells.push(Cell::from(if p.online() {
            p.pinned.to_string()
        } else {
            "?".into()
        }));
        cells.push(Cell::from(Span::styled(
            p.errors.to_string(),
            if p.errors > 0 {
                th.bad()
            } else {
                Style::default()
            },
        )));
        let row = Row::new(cells);
        if st.focus == Pane::Peers && i == st.peers.selected {
            row.style(th.selected())
        } else {
            row
        }
    });
    let widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Length(10),
            Constraint::Length(13),
            Constraint::Length(8),
            Constraint::Min(12),
            Constraint::Length(8),
            Constraint::Length(7),
            Constraint::Length(6),
        ]
    } else {
        vec![
            Constraint::Length(9),
            Constraint::Length(13),
            Constraint::Min(8),
            Constraint::Length(8),
            Constraint::Length(6),
            Constraint::Length(3),
        ]
    };
    f.render_widget(Table::new(rows, widths).header(header).block(b), r);
}

fn fmt_time(unix: i64) -> String {
    DateTime::<Utc>::from_timestamp(unix, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn pins(st: &State, f: &mut Frame, r: Rect, th: Theme) {
    let p = &st.pins;
    let mut title = if p.problems_only {
        format!("problems ({}/{})", p.index.len(), p.rows.len())
    } else if p.filter.is_empty() {
        format!("pins ({})", p.rows.len())
    } else {
        format!("pins ({}/{})", p.index.len(), p.rows.len())
    };
    title.push_str(&format!(
        " · {} {}",
        p.sort.key.label(),
        if p.sort.descending { "↓" } else { "↑" }
    ));
    if !p.filter.is_empty() {
        title.push_str(&format!(" · /{}", p.filter.raw));
    }
    if p.index_pending.is_some() {
        title.push_str(" · sorting…");
    }
    if !p.marked.is_empty() {
        title.push_str(&format!(" · {} marked", p.marked.len()));
    }
    let b = block(st, Pane::Pins, title, &p.fresh, th);
    let inner_w = r.width.saturating_sub(2);
    let wide = inner_w >= 100;
    let cid_w: u16 = if wide { 46 } else { 15 };
    let header = Row::new(if wide {
        vec!["", "NAME", "CID", "REPLICATION", "ORG", "SIZE", "CREATED"]
    } else {
        vec!["", "NAME", "CID", "REPLICATION", "SIZE"]
    })
    .style(th.header());
    let h = r.height.saturating_sub(3) as usize;
    let end = (p.offset + h).min(p.index.len());
    let start = p.offset.min(end);
    let online = st.online_peers();
    // Only the visible window becomes ratatui rows: a million-item pinset
    // costs the same to draw as a ten-item one.
    let rows = p.index[start..end]
        .iter()
        .enumerate()
        .filter_map(|(k, &i)| {
            let row = p.rows.get(i as usize)?;
            let repl = p.repl.get(&row.cid);
            let (text, style) = match repl {
                Some(rp) => (
                    rp.summary(),
                    if rp.errors > 0 {
                        th.bad()
                    } else if rp.is_problem() {
                        th.warn()
                    } else {
                        th.ok()
                    },
                ),
                None => (format!("?/{}", row.wanted(online)), th.dim()),
            };
            let mark = if p.marked.contains(&row.cid) {
                "●"
            } else {
                " "
            };
            let cid = if wide {
                row.cid.to_string()
            } else {
                short_id(&row.cid, 6)
            };
            let size = row.size.map(human_bytes).unwrap_or_default();
            let mut cells = vec![
                Cell::from(mark),
                Cell::from(row.name.to_string()),
                Cell::from(cid),
                Cell::from(Span::styled(text, style)),
            ];
            if wide {
                cells.push(Cell::from(row.org.to_string()));
                cells.push(Cell::from(size));
                cells.push(Cell::from(fmt_time(row.created)));
            } else {
                cells.push(Cell::from(size));
            }
            let r = Row::new(cells);
            Some(if st.focus == Pane::Pins && start + k == p.selected {
                r.style(th.selected())
            } else if p.marked.contains(&row.cid) {
                r.style(Style::default().add_modifier(Modifier::BOLD))
            } else {
                r
            })
        });
    let widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Length(1),
            Constraint::Min(16),
            Constraint::Length(cid_w),
            Constraint::Length(20),
            Constraint::Length(10),
            Constraint::Length(8),
            Constraint::Length(16),
        ]
    } else {
        vec![
            Constraint::Length(1),
            Constraint::Min(10),
            Constraint::Length(cid_w),
            Constraint::Length(17),
            Constraint::Length(7),
        ]
    };
    let mut table = Table::new(rows, widths).header(header).block(b);
    if p.rows.is_empty() {
        let msg = if p.fresh.error.is_some() {
            "no data yet"
        } else if p.fresh.fetched.is_some() {
            "the pinset is empty"
        } else {
            "loading the pinset…"
        };
        table = table.footer(Row::new(vec![Cell::from(""), Cell::from(msg)]).style(th.dim()));
    } else if p.index.is_empty() {
        table = table
            .footer(Row::new(vec![Cell::from(""), Cell::from("no item matches")]).style(th.dim()));
    }
    f.render_widget(table, r);
}

fn replication(st: &State, f: &mut Frame, r: Rect, th: Theme) {
    let rs = &st.replication;
    let b = block(st, Pane::Replication, "replication".into(), &rs.fresh, th);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let Some(cid) = &rs.cid else {
        f.render_widget(
            Paragraph::new(Span::styled("Select an item and press Enter.", th.dim())),
            inner,
        );
        return;
    };
    let row = st.pins.rows.iter().find(|x| &x.cid == cid);
    let mut lines: Vec<Line> = Vec::new();
    let name = rs
        .info
        .as_ref()
        .map(|g| g.name.clone())
        .or_else(|| row.map(|x| x.name.to_string()))
        .unwrap_or_default();
    lines.push(Line::from(vec![Span::styled(
        if name.is_empty() {
            "(no name)".to_string()
        } else {
            name
        },
        th.title(),
    )]));
    lines.push(Line::from(Span::raw(cid.to_string())));
    if let Some(x) = row {
        let factors = if x.rmin == -1 && x.rmax == -1 {
            "replication: everywhere".to_string()
        } else {
            format!("replication: min {} max {}", x.rmin, x.rmax)
        };
        let mut meta = factors;
        if !x.org.is_empty() {
            meta.push_str(&format!(" · org {}", x.org));
        }
        if let Some(s) = x.size {
            meta.push_str(&format!(" · {}", human_bytes(s)));
        }
        lines.push(Line::from(Span::styled(meta, th.dim())));
    }
    if let Some(g) = &rs.info {
        let others: Vec<String> = g
            .metadata
            .iter()
            .filter(|(k, _)| k != "org" && k != "size")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !others.is_empty() {
            lines.push(Line::from(Span::styled(others.join(" "), th.dim())));
        }
    }
    // Wrapped: a CIDv1 is wider than a narrow pane, and it must read whole.
    let w = inner.width.max(1) as usize;
    let head_h: u16 = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(w) as u16)
        .sum();
    let [top, table_area] = ratatui::layout::Layout::vertical([
        Constraint::Length(head_h.min(inner.height)),
        Constraint::Min(0),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
    let Some(g) = &rs.info else {
        return;
    };
    let mut entries: Vec<_> = g.peer_map.iter().collect();
    // Trouble first, then by name: what an operator looks for.
    entries.sort_by_key(|(id, p)| {
        (
            !p.status.is_error(),
            p.status == TrackerStatus::Remote,
            p.peername.clone(),
            (*id).clone(),
        )
    });
    let mut lines: Vec<Line> = vec![Line::from(Span::styled(
        format!("{:<9} {:<13} {:<11} {}", "PEER", "STATUS", "SINCE", "TRY"),
        th.header(),
    ))];
    for (i, (id, p)) in entries.iter().enumerate() {
        let label = if p.peername.is_empty() {
            short_id(id, 3)
        } else {
            p.peername.clone()
        };
        let when = p.timestamp.0.format("%m-%d %H:%M").to_string();
        let tries = if p.attempt_count > 0 {
            p.attempt_count.to_string()
        } else {
            String::new()
        };
        let selected = st.focus == Pane::Replication && i == rs.selected;
        let mut line = Line::from(vec![
            Span::raw(format!("{:<9.9} ", label)),
            Span::styled(format!("{:<13} ", p.status.upper()), th.status(p.status)),
            Span::raw(format!("{when:<11} {tries}")),
        ]);
        if selected {
            line = line.style(th.selected());
        }
        lines.push(line);
        if !p.error.is_empty() {
            // The error on its own line: it is the part an operator must read.
            lines.push(Line::from(Span::styled(
                format!("  └ {}", p.error),
                th.bad(),
            )));
        }
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), table_area);
}

fn footer(st: &State, f: &mut Frame, r: Rect, th: Theme) {
    let line = match &st.mode {
        Mode::Filter(t) => Line::from(vec![
            Span::styled("/", th.title()),
            Span::raw(t.clone()),
            Span::raw("█"),
        ]),
        Mode::Command(t) => Line::from(vec![
            Span::styled(":", th.title()),
            Span::raw(t.clone()),
            Span::raw("█"),
        ]),
        _ => {
            if let Some(fl) = &st.flash {
                let style = match fl.level {
                    Level::Info => th.ok(),
                    Level::Error => th.bad(),
                };
                Line::from(Span::styled(fl.text.clone(), style))
            } else {
                keys_line(st, th)
            }
        }
    };
    f.render_widget(Paragraph::new(line), r);
}

fn keys_line(st: &State, th: Theme) -> Line<'static> {
    use crate::app::keymap::Action as A;
    let actions: &[A] = match st.focus {
        Pane::Peers => &[
            A::Help,
            A::NextPane,
            A::Copy,
            A::Refresh,
            A::Freeze,
            A::Quit,
        ],
        Pane::Pins => &[
            A::Help,
            A::Filter,
            A::Inspect,
            A::Mark,
            A::Problems,
            A::Copy,
            A::NextPane,
            A::Quit,
        ],
        Pane::Replication => &[A::Help, A::Back, A::Copy, A::Refresh, A::Quit],
    };
    let mut spans = Vec::new();
    for a in actions {
        if let Some(k) = st.keymap.key_for(*a) {
            spans.push(Span::styled(format!("<{k}>"), th.title()));
            spans.push(Span::raw(format!(" {}  ", a.short())));
        }
    }
    Line::from(spans)
}

fn help(st: &State, f: &mut Frame, area: Rect, th: Theme) {
    let rows = st.keymap.help_rows();
    let w = area.width.saturating_sub(4).min(70);
    let h = (rows.len() as u16 + 4).min(area.height.saturating_sub(2));
    let r = Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    };
    f.render_widget(Clear, r);
    let table = Table::new(
        rows.into_iter()
            .map(|(k, d)| Row::new(vec![Cell::from(Span::styled(k, th.title())), Cell::from(d)])),
        [Constraint::Length(22), Constraint::Min(10)],
    )
    .block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(th.focused_border())
            .title(Span::styled(" keys (Esc closes) ", th.title())),
    );
    f.render_widget(table, r);
}
