//! Streaming file import: fixed-size chunks, kubo's balanced layout.

use super::pb::{DataType, PbLink, PbNode, UnixfsData};
use super::{put_pb, BlockSink, ImportOptions, NodeRef, MAX_LINKS};

#[derive(Clone)]
struct Child {
    node: NodeRef,
    /// Bytes of file content below this child (its `blocksizes` entry).
    file_size: u64,
}

/// Builds one file's DAG as its bytes arrive; memory stays at one chunk plus one
/// pending link list per tree level, whatever the file's size.
///
/// kubo's balanced builder puts every leaf at the same depth: the tree for N
/// leaves is the left-full 174-ary tree of depth ceil(log174 N). Keeping one
/// list of pending children per level and flushing a level when it holds 174
/// gives the same shape without knowing N in advance.
pub struct FileBuilder<'s> {
    opts: ImportOptions,
    sink: &'s mut dyn BlockSink,
    chunk: Vec<u8>,
    levels: Vec<Vec<Child>>,
    leaves: u64,
    total: u64,
}

impl<'s> FileBuilder<'s> {
    pub fn new(opts: ImportOptions, sink: &'s mut dyn BlockSink) -> Self {
        Self {
            chunk: Vec::with_capacity(opts.chunk_size),
            opts,
            sink,
            levels: vec![Vec::new()],
            leaves: 0,
            total: 0,
        }
    }

    /// Bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.total
    }

    pub fn write(&mut self, mut data: &[u8]) {
        self.total += data.len() as u64;
        while !data.is_empty() {
            let room = self.opts.chunk_size - self.chunk.len();
            let take = room.min(data.len());
            self.chunk.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.chunk.len() == self.opts.chunk_size {
                self.flush_leaf();
            }
        }
    }

    fn flush_leaf(&mut self) {
        let chunk = std::mem::replace(&mut self.chunk, Vec::with_capacity(self.opts.chunk_size));
        let leaf = self.make_leaf(&chunk);
        self.leaves += 1;
        self.push(0, leaf);
    }

    fn make_leaf(&mut self, data: &[u8]) -> Child {
        let file_size = data.len() as u64;
        if self.opts.raw_leaves {
            let cid = self.opts.raw_cid(data);
            self.sink.put(&cid, data.to_vec());
            return Child {
                node: NodeRef {
                    cid,
                    size: file_size,
                },
                file_size,
            };
        }
        // An empty file has no Data field at all (kubo passes nil).
        let block = super::pb::file_leaf_block(data);
        let cid = self.opts.pb_cid(&block);
        let size = block.len() as u64;
        self.sink.put(&cid, block);
        Child {
            node: NodeRef { cid, size },
            file_size,
        }
    }

    fn push(&mut self, level: usize, child: Child) {
        if self.levels.len() <= level {
            self.levels.push(Vec::new());
        }
        if self.levels[level].len() == MAX_LINKS {
            let full = std::mem::take(&mut self.levels[level]);
            let parent = self.make_internal(full);
            self.push(level + 1, parent);
        }
        self.levels[level].push(child);
    }

    fn make_internal(&mut self, children: Vec<Child>) -> Child {
        let file_size: u64 = children.iter().map(|c| c.file_size).sum();
        let unixfs = UnixfsData {
            kind: Some(DataType::File),
            data: None,
            filesize: Some(file_size),
            blocksizes: children.iter().map(|c| c.file_size).collect(),
            ..Default::default()
        };
        let node = PbNode {
            links: children
                .iter()
                .map(|c| PbLink {
                    hash: c.node.cid.to_bytes(),
                    name: String::new(),
                    tsize: c.node.size,
                })
                .collect(),
            data: Some(unixfs.encode()),
        };
        Child {
            node: put_pb(&self.opts, self.sink, &node),
            file_size,
        }
    }

    /// Finishes the file and returns its root.
    pub fn finish(mut self) -> NodeRef {
        if !self.chunk.is_empty() || self.leaves == 0 {
            let data = std::mem::take(&mut self.chunk);
            let leaf = self.make_leaf(&data);
            self.leaves += 1;
            self.push(0, leaf);
        }
        let mut level = 0;
        loop {
            let top = self.levels.len() - 1;
            if level == top && self.levels[level].len() == 1 {
                if let Some(root) = self.levels[level].pop() {
                    return root.node;
                }
            }
            if !self.levels[level].is_empty() {
                let children = std::mem::take(&mut self.levels[level]);
                let parent = self.make_internal(children);
                self.push(level + 1, parent);
            }
            level += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{cid_of_bytes, ImportOptions, NullSink};
    use super::*;

    fn mod251(len: usize) -> Vec<u8> {
        (0..len).map(|i| ((i * 31 + 7) % 251) as u8).collect()
    }

    #[test]
    fn known_small_files() {
        let v0 = ImportOptions::default();
        assert_eq!(
            cid_of_bytes(b"hello world\n", v0).cid.to_string(),
            "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
        );
        let e = cid_of_bytes(b"", v0);
        assert_eq!(
            e.cid.to_string(),
            "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
        );
        assert_eq!(e.size, 6);
    }

    #[test]
    fn streaming_in_odd_pieces_gives_the_same_root() {
        let data = mod251(600_000);
        let whole = cid_of_bytes(&data, ImportOptions::default());
        let mut sink = NullSink;
        let mut b = FileBuilder::new(ImportOptions::default(), &mut sink);
        for piece in data.chunks(7777) {
            b.write(piece);
        }
        assert_eq!(b.finish(), whole);
    }
}
