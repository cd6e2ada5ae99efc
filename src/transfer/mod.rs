//! Moving items between the disk and the cluster, with the care an archive
//! deserves: atomic writes, verification, cancellation. No UI types here.

pub mod fetch;
