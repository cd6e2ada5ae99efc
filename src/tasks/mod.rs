//! Work that talks to the cluster in the background and reports as `Msg`s.

mod capacity;
pub mod effects;
mod erase;
pub mod pollers;
mod steward;
