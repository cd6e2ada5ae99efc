//! Drawing: pure functions from `&State` to a frame.

/// Pane geometry lives with the state (`update` pages with it).
pub use crate::app::layout;
pub mod theme;
pub mod view;

pub use view::view;
