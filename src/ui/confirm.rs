//! Overlay: a confirmation, Cancel focused.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::theme::Theme;
use super::widgets::{centered, ellipsize, wrap_words};
use crate::app::dialog::{Button, Confirm, ConfirmAction};
use crate::cluster::steward::edit::Edit;
use crate::format::short_id;

/// Rows of a plan shown before the buttons; the rest is counted.
const PLAN_ROWS: usize = 8;

/// What a stewardship plan will do: how much, item by item (from → to),
/// and what cannot move and why.
fn plan_lines(plan: &crate::cluster::steward::Plan, inner: usize, th: Theme) -> Vec<Line<'static>> {
    let moving: Vec<_> = plan.moving().collect();
    let blocked: Vec<_> = plan.blocked().collect();
    let (bytes, unknown) = plan.bytes_to_copy();
    let mut l = vec![Line::from(Span::styled(
        format!(
            "{}: {} of {} items change, {} to copy{}.",
            plan.kind.title(),
            moving.len(),
            plan.checked,
            crate::format::human_bytes(bytes),
            if unknown > 0 {
                format!(" (+{unknown} of unknown size)")
            } else {
                String::new()
            }
        ),
        th.warn(),
    ))];
    for i in moving.iter().take(PLAN_ROWS) {
        let change = plan.change_text(i);
        let change = if change.is_empty() {
            "settle its bounds".to_string()
        } else {
            change
        };
        let head = ellipsize(
            &format!("  {}", i.label()),
            inner.saturating_sub(change.len() + 3),
        );
        l.push(Line::from(vec![
            Span::raw(format!("{head}  ")),
            Span::styled(change, th.title()),
        ]));
    }
    if moving.len() > PLAN_ROWS {
        l.push(Line::from(format!(
            "  … and {} more",
            moving.len() - PLAN_ROWS
        )));
    }
    if !blocked.is_empty() {
        let why = blocked[0].blocked.clone().unwrap_or_default();
        // Whole, on as many lines as it takes: the reason is what the
        // operator must read before saying yes.
        let text = format!("  {} stay as they are: {why}", blocked.len());
        for part in wrap_words(&text, inner, "    ") {
            l.push(Line::from(Span::styled(part, th.bad())));
        }
    }
    l.push(Line::from(Span::styled(
        "  Copies are added and pinned before any is released; c in the tasks view stops between items.",
        th.dim(),
    )));
    l
}

/// What an erase will do, said before it runs: the collection on every
/// peer frees everything unpinned there; the blocks other items share stay.
fn erase_lines(
    items: &[crate::cluster::erase::Prepared],
    inner: usize,
    th: Theme,
) -> Vec<Line<'static>> {
    let mut l = vec![Line::from(Span::styled(
        if items.len() == 1 {
            "Erase this item from every peer's store?".to_string()
        } else {
            format!("Erase these {} items from every peer's store?", items.len())
        },
        th.warn(),
    ))];
    for p in items.iter().take(4) {
        let name = crate::cluster::types::item_label(&p.name, &p.cid).to_string();
        l.push(Line::from(ellipsize(
            &format!(
                "  {} · {} · {} block(s)",
                crate::sanitize::clean(&name),
                short_id(&p.cid, 6),
                p.blocks.blocks.len(),
            ),
            inner,
        )));
        if !p.shares.items.is_empty() {
            for part in wrap_words(
                &format!("    {}: those stay.", p.shares.text()),
                inner,
                "    ",
            ) {
                l.push(Line::from(Span::styled(part, th.warn())));
            }
        }
    }
    if items.len() > 4 {
        l.push(Line::from(format!("  … and {} more", items.len() - 4)));
    }
    let first = items.first().map(|p| p.warning()).unwrap_or_default();
    // The collection's reach, whole: it is what the operator says yes to.
    for w in first.iter().take(1) {
        for part in wrap_words(&format!("  {w}"), inner, "    ") {
            l.push(Line::from(Span::styled(part, th.bad())));
        }
    }
    for part in wrap_words(
        "  Then every peer is asked for each block; a peer down is reported pending (ccs-tui erased --check --collect).",
        inner,
        "    ",
    ) {
        l.push(Line::from(Span::styled(part, th.dim())));
    }
    l
}

/// Items of an unpin or erase shown by name; the rest are counted.
const UNPIN_ROWS: usize = 6;

pub(super) fn draw(c: &Confirm, read_only: bool, f: &mut Frame, area: Rect, th: Theme) {
    let w = area.width.saturating_sub(2).min(100);
    // Item lines are cut, not wrapped: the buttons must always fit.
    let inner = w.saturating_sub(2) as usize;
    let (title, mut lines, verb) = question(&c.action, inner, th);
    lines.push(Line::from(""));
    lines.push(buttons(c, verb, read_only, th));
    let h: u16 = lines
        .iter()
        .map(|l| (l.width().max(1).div_ceil(inner.max(1))) as u16)
        .sum::<u16>()
        + 2;
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(th.bad())
        .title(Span::styled(title, th.bad().add_modifier(Modifier::BOLD)));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(b), r);
}

/// What is asked: the box's title, the lines saying what the action will
/// do, and the action's button.
fn question(
    action: &ConfirmAction,
    inner: usize,
    th: Theme,
) -> (&'static str, Vec<Line<'static>>, &'static str) {
    match action {
        ConfirmAction::Unpin(items) => (" unpin ", unpin_lines(items, inner, th), "Unpin"),
        ConfirmAction::Erase(items) => (" erase ", erase_lines(items, inner, th), "Erase"),
        ConfirmAction::RecoverAll(n) => (
            " recover all ",
            vec![Line::from(format!("Re-queue every item in error ({n})?"))],
            "Recover",
        ),
        ConfirmAction::Steward(plan) => (" plan ", plan_lines(plan, inner, th), "Go"),
        ConfirmAction::Edit(e) => (" edit ", edit_lines(e, inner, th), "Write"),
    }
}

/// What an unpin removes, item by item with who holds it, and that the
/// data stays stored until collected.
fn unpin_lines(items: &[(String, String, usize)], inner: usize, th: Theme) -> Vec<Line<'static>> {
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
    for (cid, name, holders) in items.iter().take(UNPIN_ROWS) {
        let name = if name.is_empty() { "(no name)" } else { name };
        // The last copy in the archive is said loudest.
        let (held, style) = match holders {
            0 => ("no pinned copy".to_string(), th.warn()),
            1 => ("THE ONLY PINNED COPY".to_string(), th.bad()),
            n => (format!("held by {n} peers"), Style::default()),
        };
        let head = ellipsize(
            &format!("  {name} · {}", short_id(cid, 6)),
            inner.saturating_sub(held.len() + 3),
        );
        l.push(Line::from(vec![
            Span::raw(format!("{head} · ")),
            Span::styled(held, style),
        ]));
    }
    if items.len() > UNPIN_ROWS {
        l.push(Line::from(format!(
            "  … and {} more",
            items.len() - UNPIN_ROWS
        )));
    }
    for part in wrap_words(
        "Unpinned data stays stored and served by the peers until each collects garbage. Erase also collects on every peer and checks that none still stores it.",
        inner,
        "",
    ) {
        l.push(Line::from(Span::styled(part, th.dim())));
    }
    l
}

/// An edit's changes, line by line.
fn edit_lines(e: &Edit, inner: usize, th: Theme) -> Vec<Line<'static>> {
    let name = if e.before.name.is_empty() {
        e.cid.as_str()
    } else {
        e.before.name.as_str()
    };
    let mut l = vec![Line::from(Span::styled(
        ellipsize(&format!("Change {name}?"), inner),
        th.warn(),
    ))];
    for c in &e.changes {
        l.push(Line::from(ellipsize(&format!("  {c}"), inner)));
    }
    if e.before.allocations != e.after.allocations && !e.after.allocations.is_empty() {
        l.push(Line::from(Span::styled(
            "  New copies are pinned before any peer lets go of its copy.",
            th.dim(),
        )));
    }
    l
}

/// The buttons, the focused one reversed, and the keys that press them.
fn buttons(c: &Confirm, verb: &str, read_only: bool, th: Theme) -> Line<'static> {
    // Read-only shows a plan (it only reads) with nothing to confirm.
    if read_only && matches!(c.action, ConfirmAction::Steward(_)) {
        return Line::from(vec![
            Span::styled(" Close ", th.selected()),
            Span::styled(
                "    read-only: shown, not carried out · Esc closes",
                th.dim(),
            ),
        ]);
    }
    let cancel_style = if c.focus == Button::Cancel {
        th.selected()
    } else {
        Style::default()
    };
    let focused = |b: Button| {
        if c.focus == b {
            th.selected().patch(th.bad())
        } else {
            th.bad()
        }
    };
    let mut b = vec![
        Span::styled(" Cancel ", cancel_style),
        Span::raw("   "),
        Span::styled(format!(" {verb} "), focused(Button::Action)),
    ];
    match c.action.second() {
        Some(second) => {
            b.push(Span::raw("   "));
            b.push(Span::styled(format!(" {second} "), focused(Button::Second)));
            b.push(Span::styled(
                format!(
                    "    y {} · e {} · Esc/n cancels · ←→ moves",
                    verb.to_lowercase(),
                    second.to_lowercase()
                ),
                th.dim(),
            ));
        }
        None => b.push(Span::styled(
            "    y confirms · Esc/n cancels · ←→ moves",
            th.dim(),
        )),
    }
    Line::from(b)
}
