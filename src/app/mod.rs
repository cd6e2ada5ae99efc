//! The console's state and its one pure `update`. Nothing here does I/O or
//! imports the UI; effects describe what the event loop must do.

pub mod browse;
pub mod capacity;
pub mod command_line;
pub mod dialog;
pub mod filter;
pub mod keymap;
pub mod layout;
pub mod msg;
pub mod order;
pub mod reader;
pub mod rows;
pub mod state;
pub mod transfers;
pub mod update;

pub use msg::{Effect, Msg};
pub use state::{Mode, Pane, State};
pub use update::update;
