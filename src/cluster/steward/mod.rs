//! Stewardship: where the copies of the archive live. Plans (pure: the
//! pinset, the fleet, a rule) and the executor that carries a plan out on
//! the daemon's terms, never with fewer copies than an item had.

pub mod converge;
pub mod drain;
pub mod edit;
pub mod ensure;
pub mod fleet;
pub mod journal;
pub mod plan;
pub mod planner;
pub mod rebalance;
pub mod risk;
pub mod run;

pub use converge::{converge, settled, ConvergeError, Patience, Step};
pub use drain::{plan_drain, Blocked, DrainMove};
pub use ensure::{ensure_item, Ensure};
pub use fleet::{Fleet, Node};
pub use journal::Journal;
pub use plan::Plan;
pub use planner::{Planned, Planner};
pub use rebalance::{plan_item, Action, Move, NodeTally};
pub use risk::{risk_over, IfFailed, Risk, RiskItem};
pub use run::{execute, Event, Tally};
