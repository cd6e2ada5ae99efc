//! Where an item goes (the balanced allocator) and what it takes there.

use rand::seq::SliceRandom;

use super::{PinRec, SimState};

impl SimState {
    /// Chooses allocations as the balanced allocator does: by free space.
    /// The daemon's `allocate()`: peers already holding the item count
    /// towards the bounds; user allocations come first, then the peers with
    /// most free space. Unchanged when the current copies are within bounds.
    pub fn allocate(
        &self,
        rmin: i32,
        rmax: i32,
        user: &[String],
        force_local: bool,
        current: &[u16],
    ) -> Result<Vec<u16>, String> {
        if rmin < 0 && rmax < 0 {
            return Ok(Vec::new());
        }
        let online = |i: &u16| self.peers[usize::from(*i)].offline.is_none();
        let current_valid: Vec<u16> = current.iter().copied().filter(online).collect();
        let order = self.allocation_order(user, force_local, current);
        let n_current = current_valid.len() as i64;
        let needed = i64::from(rmin) - n_current;
        let wanted = i64::from(rmax) - n_current;
        if wanted < 0 {
            // The daemon keeps the first of its current peers in Go map
            // order: which ones go is anybody's guess (seen on 1.1.6).
            let keep = usize::try_from(n_current + wanted).unwrap_or(0);
            let mut kept = current_valid;
            kept.shuffle(&mut rand::thread_rng());
            kept.truncate(keep);
            return Ok(kept);
        }
        if needed <= 0 {
            return Ok(current.to_vec());
        }
        let available = order.len();
        if (available as i64) < needed {
            return Err(format!(
                "not enough peers to allocate CID. Needed at least: {needed}. Wanted at most: {wanted}. Available candidates: {available}. See logs for more info."
            ));
        }
        let take = usize::try_from(wanted).unwrap_or(usize::MAX).min(available);
        let mut chosen = current_valid;
        chosen.extend(order.into_iter().take(take));
        Ok(chosen)
    }

    /// The peers an item may newly go to, in the order the allocator takes
    /// them: the user's (or, forced local, the answering peer), then the
    /// others; each group by most free space. Peers down or already holding
    /// it are left out.
    fn allocation_order(&self, user: &[String], force_local: bool, current: &[u16]) -> Vec<u16> {
        let online = |i: &u16| self.peers[usize::from(*i)].offline.is_none();
        let mut priority: Vec<u16> = Vec::new();
        for u in user {
            if let Some(i) = self.peer_by_name_or_id(u) {
                if online(&i) && !current.contains(&i) && !priority.contains(&i) {
                    priority.push(i);
                }
            }
        }
        if force_local && user.is_empty() && online(&0) && !current.contains(&0) {
            priority.push(0);
        }
        let by_space = |v: &mut Vec<u16>| {
            v.sort_by(|a, b| {
                self.peers[usize::from(*b)]
                    .free_now()
                    .cmp(&self.peers[usize::from(*a)].free_now())
            })
        };
        let mut candidates: Vec<u16> = (0..self.peers.len() as u16)
            .filter(|i| online(i) && !current.contains(i) && !priority.contains(i))
            .collect();
        by_space(&mut priority);
        by_space(&mut candidates);
        priority.extend(candidates);
        priority
    }

    /// Moves an item's size onto (`sign` 1) or off (-1) the peers holding it.
    pub fn account(&mut self, rec: &PinRec, sign: i64) {
        let size = self.item_size(rec) as i64 * sign;
        let holders: Vec<u16> = if rec.allocations.is_empty() {
            (0..self.peers.len() as u16).collect()
        } else {
            rec.allocations.clone()
        };
        for p in holders {
            if let Some(peer) = self.peers.get_mut(usize::from(p)) {
                peer.used = peer.used.saturating_add(size);
            }
        }
    }

    /// What an item takes on a peer: its `size` metadata, else what its root
    /// block declares.
    pub fn item_size(&self, rec: &PinRec) -> u64 {
        if let Some(s) = rec
            .metadata
            .iter()
            .find(|(k, _)| k == "size")
            .and_then(|(_, v)| v.parse().ok())
        {
            return s;
        }
        let Ok(c) = crate::unixfs::parse_cid(&rec.cid) else {
            return 0;
        };
        self.blocks
            .get(&c.to_bytes())
            .and_then(|root| crate::unixfs::declared_bound(&c, root))
            .unwrap_or(0)
    }
}
