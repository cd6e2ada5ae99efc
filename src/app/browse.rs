//! Browsing inside an item: the folders entered, their entries (listed as
//! their blocks arrive, typed and sized lazily), the order shown, and the
//! preview of the selected file. Pure state; the reading is the effects'.

use crate::cluster::dag::Kind;
use crate::preview::Preview;

/// A folder entered, root first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crumb {
    pub name: String,
    pub cid: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowseEntry {
    pub name: String,
    pub cid: String,
    /// The link's cumulative size (known at once).
    pub tsize: u64,
    /// From the entry's own root block, once read.
    pub kind: Option<Kind>,
    pub size: Option<u64>,
    /// Why its block could not be read (missing, corrupt…).
    pub error: Option<String>,
}

impl BrowseEntry {
    pub fn is_dir(&self) -> bool {
        self.kind == Some(Kind::Dir)
    }
    /// The size to show and sort by: the file's own once known.
    pub fn shown_size(&self) -> u64 {
        self.size.unwrap_or(self.tsize)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BrowseSort {
    #[default]
    Name,
    /// Biggest first.
    Size,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PreviewState {
    #[default]
    Nothing,
    Loading(String),
    Ready {
        cid: String,
        preview: Preview,
    },
    /// A folder: what it holds is a step away (Enter).
    Folder(String),
    Failed {
        cid: String,
        error: String,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Browse {
    /// The archive item (its CID and name).
    pub item: String,
    pub item_name: String,
    /// The item's root first, then each folder entered.
    pub trail: Vec<Crumb>,
    pub entries: Vec<BrowseEntry>,
    /// Indexes into `entries` as shown: filtered, sorted.
    pub order: Vec<usize>,
    pub filter: String,
    pub sort: BrowseSort,
    pub selected: usize,
    pub offset: usize,
    /// Entries still arriving (a sharded folder's shards).
    pub loading: bool,
    pub error: Option<String>,
    /// Changes with each folder shown: late answers for another are dropped.
    pub generation: u64,
    pub preview: PreviewState,
    /// Entries whose type and size were asked for (each once).
    pub asked: std::collections::HashSet<String>,
    /// Going up: the folder just left, to select again once listed.
    pub return_to: Option<String>,
    /// The item is a single file (listed alone).
    pub root_file: bool,
    /// The sort reversed (`N`/`Z` again).
    pub descending: bool,
}

impl Browse {
    pub fn new(item: &str, name: &str, generation: u64) -> Self {
        Browse {
            item: item.to_string(),
            item_name: name.to_string(),
            trail: vec![Crumb {
                name: if name.is_empty() {
                    item.to_string()
                } else {
                    name.to_string()
                },
                cid: item.to_string(),
            }],
            loading: true,
            generation,
            ..Default::default()
        }
    }

    pub fn folder(&self) -> &str {
        self.trail
            .last()
            .map_or(self.item.as_str(), |c| c.cid.as_str())
    }

    /// The path inside the item of the folder shown (`scans/2026`).
    pub fn path(&self) -> String {
        self.trail
            .iter()
            .skip(1)
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join("/")
    }

    pub fn selected_entry(&self) -> Option<&BrowseEntry> {
        self.order
            .get(self.selected)
            .and_then(|i| self.entries.get(*i))
    }

    /// `/ipfs/ITEM/path/entry`: what `y` copies and `cat` takes.
    pub fn ipfs_path(&self, e: &BrowseEntry) -> String {
        if self.root_file {
            return format!("/ipfs/{}", self.item);
        }
        let p = self.path();
        if p.is_empty() {
            format!("/ipfs/{}/{}", self.item, e.name)
        } else {
            format!("/ipfs/{}/{p}/{}", self.item, e.name)
        }
    }

    /// Recomputes the order shown, keeping the selected entry when it stays.
    pub fn reorder(&mut self) {
        let keep = self.selected_entry().map(|e| e.cid.clone());
        let needle = self.filter.to_lowercase();
        let mut order: Vec<usize> = (0..self.entries.len())
            .filter(|&i| needle.is_empty() || self.entries[i].name.to_lowercase().contains(&needle))
            .collect();
        let e = &self.entries;
        match self.sort {
            BrowseSort::Name => order.sort_by(|&a, &b| e[a].name.cmp(&e[b].name)),
            BrowseSort::Size => order.sort_by(|&a, &b| {
                e[b].shown_size()
                    .cmp(&e[a].shown_size())
                    .then_with(|| e[a].name.cmp(&e[b].name))
            }),
        }
        if self.descending {
            order.reverse();
        }
        self.order = order;
        self.selected = keep
            .and_then(|c| self.order.iter().position(|&i| self.entries[i].cid == c))
            .unwrap_or(0)
            .min(self.order.len().saturating_sub(1));
    }

    /// Keeps the selection within `height` rows of the offset.
    pub fn scroll(&mut self, height: usize) {
        self.offset =
            super::layout::keep_in_view(self.selected, self.offset, height, self.order.len());
    }

    /// CIDs of the entries on screen not yet typed and sized, nor asked.
    pub fn unknown_visible(&self, height: usize) -> Vec<String> {
        self.order
            .iter()
            .skip(self.offset)
            .take(height.max(1))
            .filter_map(|&i| self.entries.get(i))
            .filter(|e| e.kind.is_none() && e.error.is_none() && !self.asked.contains(&e.cid))
            .map(|e| e.cid.clone())
            .collect()
    }
}
