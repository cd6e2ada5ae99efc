//! Inside an item: opening it, moving through its folders, the entries'
//! types and sizes and the selected file's preview, asked for as they come
//! on screen (the screen never waits on the network).

use super::{dialogs, Action, Effect, Mode, Pane, State};
use crate::app::browse::{Browse, BrowseEntry, BrowseSort, Crumb, PreviewState};
use crate::app::msg::PreviewAnswer;
use crate::app::reader::{Reader, ReaderText};
use crate::cluster::dag::Kind;

/// Opens the selected item (pins or replication pane).
pub(super) fn open_item(st: &mut State) -> Vec<Effect> {
    let (cid, name) = match st.focus {
        Pane::Replication => match &st.replication.cid {
            Some(c) => (
                c.to_string(),
                st.replication
                    .info
                    .as_ref()
                    .map(|g| g.name.clone())
                    .unwrap_or_default(),
            ),
            None => return Vec::new(),
        },
        _ => match st.pins.selected_row() {
            Some(r) => (r.cid().to_string(), r.name().to_string()),
            None => return Vec::new(),
        },
    };
    st.browse_generation += 1;
    st.browse = Some(Browse::new(&cid, &name, st.browse_generation));
    vec![Effect::BrowseList {
        generation: st.browse_generation,
        cid,
    }]
}

/// Shows folder `cid` (a new generation: late answers for the last are dropped).
fn show_folder(st: &mut State) -> Vec<Effect> {
    st.browse_generation += 1;
    let generation = st.browse_generation;
    let Some(b) = st.browse.as_mut() else {
        return Vec::new();
    };
    b.generation = generation;
    b.entries.clear();
    b.order.clear();
    b.selected = 0;
    b.offset = 0;
    b.filter.clear();
    b.loading = true;
    b.error = None;
    b.preview = PreviewState::Nothing;
    b.asked.clear();
    vec![Effect::BrowseList {
        generation,
        cid: b.folder().to_string(),
    }]
}

pub(super) fn browse_key(st: &mut State, act: Option<Action>) -> Vec<Effect> {
    let height = st.browse_height;
    let Some(b) = st.browse.as_mut() else {
        return Vec::new();
    };
    let n = b.order.len();
    let moved = |b: &mut Browse, to: i64| {
        b.selected = to.clamp(0, n.saturating_sub(1) as i64) as usize;
        b.scroll(height);
    };
    let cur = b.selected as i64;
    match act {
        Some(Action::Close) => {
            st.browse = None;
            return Vec::new();
        }
        Some(Action::Down) => moved(b, cur + 1),
        Some(Action::Up) => moved(b, cur - 1),
        Some(Action::PageDown) => moved(b, cur + height as i64),
        Some(Action::PageUp) => moved(b, cur - height as i64),
        Some(Action::Top) => moved(b, 0),
        Some(Action::Bottom) => moved(b, n as i64),
        Some(Action::Open) => {
            let Some(e) = b.selected_entry().cloned() else {
                return Vec::new();
            };
            if e.kind == Some(Kind::Dir) {
                b.trail.push(Crumb {
                    name: e.name,
                    cid: e.cid,
                });
                return show_folder(st);
            }
            if e.kind.is_some() {
                // A file (or a link): read whole, over the folder.
                b.generation += 1;
                let generation = b.generation;
                let path = b.ipfs_path(&e);
                st.reader = Some(Reader::new(e.cid.clone(), e.name.clone(), path, generation));
                return vec![Effect::Read {
                    generation,
                    cid: e.cid,
                    name: e.name,
                }];
            }
        }
        Some(Action::Parent) => {
            if b.trail.len() <= 1 {
                st.browse = None;
                return Vec::new();
            }
            b.return_to = b.trail.pop().map(|c| c.cid);
            return show_folder(st);
        }
        Some(Action::Filter) => {
            st.mode = Mode::BrowseFilter(b.filter.clone());
            return Vec::new();
        }
        Some(a @ (Action::SortName | Action::SortSize)) => {
            let key = if a == Action::SortName {
                BrowseSort::Name
            } else {
                BrowseSort::Size
            };
            // Again: the other way round.
            b.descending = b.sort == key && !b.descending;
            b.sort = key;
            b.reorder();
            b.scroll(height);
        }
        Some(Action::Fetch) => {
            let Some(e) = b.selected_entry().cloned() else {
                return Vec::new();
            };
            return dialogs::open_fetch_form(st, &e.cid, &e.name);
        }
        Some(Action::Copy) => {
            let Some(path) = b.selected_entry().map(|e| b.ipfs_path(e)) else {
                return Vec::new();
            };
            return super::copy(st, path);
        }
        _ => return Vec::new(),
    }
    follow(st)
}

/// The browse filter as it is typed.
pub(super) fn set_browse_filter(st: &mut State, text: &str) -> Vec<Effect> {
    let height = st.browse_height;
    if let Some(b) = st.browse.as_mut() {
        b.filter = text.to_string();
        b.reorder();
        b.scroll(height);
    }
    follow(st)
}

/// After any change: type and size the entries now on screen, and preview
/// the selected one, each asked once.
pub(super) fn follow(st: &mut State) -> Vec<Effect> {
    let height = st.browse_height;
    let Some(b) = st.browse.as_mut() else {
        return Vec::new();
    };
    let mut fx = Vec::new();
    let unknown = b.unknown_visible(height);
    if !unknown.is_empty() {
        b.asked.extend(unknown.iter().cloned());
        fx.push(Effect::BrowseStat {
            generation: b.generation,
            cids: unknown,
        });
    }
    if let Some(e) = b.selected_entry() {
        let shown = match &b.preview {
            PreviewState::Loading(c) | PreviewState::Folder(c) => Some(c),
            PreviewState::Ready { cid, .. } | PreviewState::Failed { cid, .. } => Some(cid),
            PreviewState::Nothing => None,
        };
        if shown != Some(&e.cid) {
            let (cid, name) = (e.cid.clone(), e.name.clone());
            if e.kind == Some(Kind::Dir) {
                b.preview = PreviewState::Folder(cid);
            } else {
                b.preview = PreviewState::Loading(cid.clone());
                fx.push(Effect::Preview {
                    generation: b.generation,
                    cid,
                    name,
                });
            }
        }
    }
    fx
}

pub(super) fn on_entries(
    st: &mut State,
    generation: u64,
    entries: Vec<(String, String, u64)>,
    done: bool,
    error: Option<String>,
    root_file: bool,
) -> Vec<Effect> {
    let height = st.browse_height;
    let Some(b) = st.browse.as_mut().filter(|b| b.generation == generation) else {
        return Vec::new();
    };
    let entries = if root_file {
        b.root_file = true;
        // The item itself, under its name.
        let name = if b.item_name.is_empty() {
            b.item.clone()
        } else {
            b.item_name.clone()
        };
        entries
            .into_iter()
            .map(|(_, cid, size)| (name.clone(), cid, size))
            .collect()
    } else {
        entries
    };
    b.entries
        .extend(entries.into_iter().map(|(name, cid, tsize)| BrowseEntry {
            name,
            cid,
            tsize,
            kind: None,
            size: None,
            error: None,
        }));
    if done {
        b.loading = false;
    }
    if error.is_some() {
        b.error = error;
        b.loading = false;
    }
    b.reorder();
    // Back up from a folder: land on it again.
    if let Some(c) = b.return_to.clone() {
        if let Some(pos) = b.order.iter().position(|&i| b.entries[i].cid == c) {
            b.selected = pos;
            b.return_to = None;
        }
    }
    b.scroll(height);
    follow(st)
}

pub(super) fn on_stats(
    st: &mut State,
    generation: u64,
    stats: Vec<crate::app::msg::EntryStat>,
) -> Vec<Effect> {
    let Some(b) = st.browse.as_mut().filter(|b| b.generation == generation) else {
        return Vec::new();
    };
    for (cid, r) in stats {
        for e in b.entries.iter_mut().filter(|e| e.cid == cid) {
            match &r {
                Ok((kind, size)) => {
                    e.kind = Some(*kind);
                    e.size = Some(*size);
                }
                Err(why) => e.error = Some(why.clone()),
            }
        }
    }
    if b.sort == BrowseSort::Size {
        b.reorder();
    }
    // A selected entry found to be a folder previews as one.
    if let (Some(e), PreviewState::Loading(c)) = (b.selected_entry(), &b.preview) {
        if e.is_dir() && *c == e.cid {
            b.preview = PreviewState::Folder(e.cid.clone());
        }
    }
    follow(st)
}

pub(super) fn on_preview(
    st: &mut State,
    generation: u64,
    cid: String,
    result: Result<PreviewAnswer, String>,
) -> Vec<Effect> {
    let Some(b) = st.browse.as_mut().filter(|b| b.generation == generation) else {
        return Vec::new();
    };
    if !matches!(&b.preview, PreviewState::Loading(c) if *c == cid) {
        return Vec::new();
    }
    b.preview = match result {
        Ok(PreviewAnswer::File(p)) => PreviewState::Ready { cid, preview: p },
        Ok(PreviewAnswer::Folder) => PreviewState::Folder(cid),
        Ok(PreviewAnswer::Symlink(t)) => PreviewState::Ready {
            cid,
            preview: crate::preview::Preview {
                kind: crate::preview::PreviewKind::Media(format!("symlink → {t}")),
                lines: vec![format!("symlink → {}", crate::sanitize::clean(&t))],
                truncated: false,
            },
        },
        Err(error) => PreviewState::Failed { cid, error },
    };
    Vec::new()
}

/// Keys while a file is read whole.
pub(super) fn reader_key(st: &mut State, act: Option<Action>) -> Vec<Effect> {
    let (width, height) = reader_size(st);
    let Some(r) = st.reader.as_mut() else {
        return Vec::new();
    };
    match act {
        Some(Action::Close) => st.reader = None,
        Some(Action::Down) => r.down(1, width, height),
        Some(Action::Up) => r.up(1, width),
        Some(Action::PageDown) => r.down(height.saturating_sub(1).max(1), width, height),
        Some(Action::PageUp) => r.up(height.saturating_sub(1).max(1), width),
        Some(Action::Top) => r.top(),
        Some(Action::Bottom) => r.bottom(width, height),
        Some(Action::Wrap) => r.toggle_wrap(),
        Some(Action::Left) => r.left(8),
        Some(Action::Right) => r.right(8),
        Some(Action::Fetch) => {
            let (cid, name) = (r.cid.clone(), r.name.clone());
            return dialogs::open_fetch_form(st, &cid, &name);
        }
        Some(Action::Copy) => {
            let path = r.path.clone();
            return super::copy(st, path);
        }
        _ => {}
    }
    Vec::new()
}

/// The reader's text area: the screen less its border, header and footer.
pub fn reader_size(st: &State) -> (usize, usize) {
    let area = st.screen.unwrap_or_default();
    (
        usize::from(area.width.saturating_sub(2)).max(1),
        usize::from(area.height.saturating_sub(4)).max(1),
    )
}

pub(super) fn on_reader_text(
    st: &mut State,
    generation: u64,
    result: Result<(crate::preview::Preview, u64), String>,
) {
    let Some(r) = st.reader.as_mut().filter(|r| r.generation == generation) else {
        return;
    };
    r.text = match result {
        Ok((preview, size)) => ReaderText::Ready { preview, size },
        Err(e) => ReaderText::Failed(e),
    };
}
