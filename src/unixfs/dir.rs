//! Folders: a single dag-pb node, or a HAMT once it grows past kubo's threshold.

use super::pb::{DataType, PbLink, PbNode, UnixfsData};
use super::{hamt, put_pb, BlockSink, DirEntryLink, ImportOptions, NodeRef, UnixfsError};

/// Collects a folder's entries and writes its node(s) when finished.
#[derive(Debug, Default)]
pub struct DirBuilder {
    entries: Vec<DirEntryLink>,
}

impl DirBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, name: impl Into<String>, node: NodeRef) {
        self.entries.push(DirEntryLink {
            name: name.into(),
            node,
        });
    }

    /// boxo's legacy size estimate (`SizeEstimationLinks`, kubo's default):
    /// the sum of link name lengths and CID byte lengths.
    fn estimated_size(&self) -> usize {
        self.entries
            .iter()
            .map(|e| e.name.len() + e.node.cid.encoded_len())
            .sum()
    }

    pub fn finish(
        mut self,
        opts: &ImportOptions,
        sink: &mut dyn BlockSink,
    ) -> Result<NodeRef, UnixfsError> {
        // boxo switches to a HAMT when the estimate is strictly greater.
        if self.estimated_size() > opts.sharding_threshold {
            return hamt::build(self.entries, opts, sink);
        }
        // go-merkledag keeps links sorted bytewise by name when encoding.
        self.entries
            .sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        let node = PbNode {
            links: self
                .entries
                .iter()
                .map(|e| PbLink {
                    hash: e.node.cid.to_bytes(),
                    name: e.name.clone(),
                    tsize: e.node.size,
                })
                .collect(),
            data: Some(
                UnixfsData {
                    kind: Some(DataType::Directory),
                    ..Default::default()
                }
                .encode(),
            ),
        };
        Ok(put_pb(opts, sink, &node))
    }
}

/// A symlink node, as kubo writes it (type Symlink, target in Data).
pub(crate) fn symlink_node(
    target: &str,
    opts: &ImportOptions,
    sink: &mut dyn BlockSink,
) -> NodeRef {
    let node = PbNode {
        links: Vec::new(),
        data: Some(
            UnixfsData {
                kind: Some(DataType::Symlink),
                data: Some(target.as_bytes().to_vec()),
                ..Default::default()
            }
            .encode(),
        ),
    };
    put_pb(opts, sink, &node)
}
