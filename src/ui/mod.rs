//! Drawing: pure functions from `&State` to a frame.

mod browse;
mod capacity;
mod confirm;
mod footer;
mod form;
mod header;
mod help;
mod peer;
mod peers;
mod pins;
mod reader;
mod replication;
mod risk;
mod tasks;
pub mod theme;
pub mod view;
mod widgets;

/// Pane geometry lives with the state (`update` pages with it).
pub use crate::app::layout;
pub use view::view;
