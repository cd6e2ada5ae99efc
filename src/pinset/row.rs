//! One row of the table, borrowed: its slot and the text it points into.

use std::fmt;
use std::sync::Arc;

use super::{PinRow, Pinset, Slot, NO_SIZE};

/// One row of a `Pinset`, borrowed.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    pub(super) set: &'a Pinset,
    pub(super) slot: &'a Slot,
}

impl<'a> Row<'a> {
    pub fn cid(&self) -> &'a str {
        self.set.text.cid(self.slot.at, self.slot.cid_len())
    }
    pub fn name(&self) -> &'a str {
        self.set.text.name(self.slot.at, self.slot.name_len())
    }
    pub fn org(&self) -> &'a str {
        &self.set.orgs[self.slot.org as usize]
    }
    /// Peer IDs it is allocated to (empty: everywhere).
    pub fn allocations(&self) -> &'a [Arc<str>] {
        &self.set.sets[self.slot.set as usize]
    }
    /// The shared org's number in `Pinset::org_table`.
    pub fn org_id(&self) -> u32 {
        self.slot.org
    }
    /// The shared allocation set, for counting per set rather than per row.
    pub fn set_id(&self) -> u32 {
        self.slot.set
    }
    pub fn size(&self) -> Option<u64> {
        (self.slot.size != NO_SIZE).then_some(self.slot.size)
    }
    /// Unix seconds.
    pub fn created(&self) -> i64 {
        self.slot.created
    }
    pub fn rmin(&self) -> i32 {
        self.slot.rmin.into()
    }
    pub fn rmax(&self) -> i32 {
        self.slot.rmax.into()
    }
    /// How many peers should hold it (for "2/3 pinned").
    pub fn wanted(&self, online_peers: usize) -> usize {
        crate::cluster::replicas::wanted(self.allocations().len(), online_peers)
    }
    pub fn to_owned(&self) -> PinRow {
        PinRow {
            cid: self.cid().into(),
            name: self.name().into(),
            org: self.set.orgs[self.slot.org as usize].clone(),
            size: self.size(),
            created: self.created(),
            rmin: self.rmin(),
            rmax: self.rmax(),
            allocations: self.set.sets[self.slot.set as usize].clone(),
        }
    }
}

impl PartialEq for Row<'_> {
    fn eq(&self, o: &Self) -> bool {
        self.cid() == o.cid()
            && self.name() == o.name()
            && self.org() == o.org()
            && self.size() == o.size()
            && self.created() == o.created()
            && self.rmin() == o.rmin()
            && self.rmax() == o.rmax()
            && self.allocations() == o.allocations()
    }
}

impl fmt::Debug for Row<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_owned(), f)
    }
}
