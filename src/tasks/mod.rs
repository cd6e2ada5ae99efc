//! Work that talks to the cluster in the background and reports as `Msg`s.

pub mod effects;
pub mod pollers;
mod steward;
