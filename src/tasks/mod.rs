//! Work that talks to the cluster in the background and reports as `Msg`s.

pub mod effects;
mod erase;
pub mod pollers;
mod steward;
