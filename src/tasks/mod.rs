//! Work that talks to the cluster in the background and reports as `Msg`s.

mod audit;
mod browse;
mod capacity;
mod changes;
pub mod dispatch;
pub mod effects;
mod erase;
pub mod paths;
pub mod pollers;
mod steward;
mod task;
mod transfer;
