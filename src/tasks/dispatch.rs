//! The one place an effect of `update` is carried out: each is matched
//! here, so a new effect is a variant in `app::msg` and an arm below (and,
//! when it is work of a new kind, a method in a file of this folder).

use std::panic::AssertUnwindSafe;

use super::effects::Effects;
use super::pollers::{Pollers, Watched};
use crate::app::msg::{Effect, IndexJob};
use crate::app::order::compute_index;
use crate::app::Msg;

/// What only the terminal's owner can do; the rest is done here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForTerminal {
    Quit,
    /// Copy with OSC 52, written to the terminal.
    Copy(String),
    /// Give the terminal back to the shell (Ctrl-Z).
    Suspend,
}

impl Effects {
    /// Carries `e` out (in the background when it takes time), or hands it
    /// back when it is the terminal's.
    pub fn run(&self, e: Effect, pollers: &Pollers) -> Option<ForTerminal> {
        match e {
            Effect::Quit => return Some(ForTerminal::Quit),
            Effect::Copy(text) => return Some(ForTerminal::Copy(text)),
            Effect::Suspend => return Some(ForTerminal::Suspend),
            Effect::RefreshNow => pollers.refresh_now(),
            Effect::Freeze(on) => pollers.freeze(on),
            Effect::Watch { visible, selected } => pollers.watch(Watched { visible, selected }),
            Effect::Reindex(job) => self.index(*job),
            Effect::CompletePath(typed) => self.complete_path(typed),
            Effect::Upload(req) => self.upload(req),
            Effect::Fetch {
                id,
                cid,
                dest,
                create_folder,
            } => self.fetch(id, cid, dest, create_folder),
            Effect::CancelTask(id) => self.cancel(id),
            Effect::BrowseList { generation, cid } => self.browse_list(generation, cid),
            Effect::BrowseStat { generation, cids } => self.browse_stat(generation, cids),
            Effect::Preview {
                generation,
                cid,
                name,
            } => self.preview(generation, cid, name),
            Effect::FetchName { cid, name } => self.fetch_name(cid, name),
            Effect::Read {
                generation,
                cid,
                name,
            } => self.read_file(generation, cid, name),
            Effect::Audit { id, sample } => self.audit(id, sample),
            Effect::Unpin(cids) => self.unpin(cids),
            Effect::PrepareErase(cids) => self.prepare_erase(cids),
            Effect::Capacity(rows) => self.capacity(rows),
            Effect::RecordFreeSpace(s) => self.record_free_space(s),
            Effect::Erase { id, items } => self.erase(id, items),
            Effect::Recover(cid) => self.recover(Some(cid)),
            Effect::RecoverAll => self.recover(None),
            Effect::StewardPlan(req) => self.steward_plan(req),
            Effect::Steward { id, plan } => self.steward(id, plan),
            Effect::EditLoad(cid) => self.edit_load(cid),
            Effect::Edit { id, edit } => self.edit(id, edit),
        }
        None
    }

    /// Orders a large pinset on a blocking thread. A panic there still
    /// answers (`IndexFailed`), or no order would be computed again.
    fn index(&self, job: IndexJob) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let generation = job.generation;
            let done = std::panic::catch_unwind(AssertUnwindSafe(|| {
                compute_index(
                    &job.rows,
                    &job.filter,
                    job.sort,
                    &job.repl,
                    job.problems_only,
                )
            }));
            let _ = tx.blocking_send(match done {
                Ok(indexed) => Msg::Index {
                    generation,
                    indexed,
                },
                Err(_) => Msg::IndexFailed { generation },
            });
        });
    }
}
