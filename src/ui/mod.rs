//! Drawing: pure functions from `&State` to a frame.

pub mod layout;
pub mod theme;
pub mod view;

pub use view::view;
