//! Hand-written encoders for the two tiny protobuf schemas UnixFS uses (dag-pb's
//! `PBNode`/`PBLink` and UnixFS `Data`), plus a decoder for reading blocks back.
//!
//! A protobuf crate would want generated code for a dozen fields; the byte layout
//! here must match go-merkledag exactly (links before data, empty link names still
//! written, proto2 non-packed `blocksizes`), which is easier to guarantee by hand.

use super::UnixfsError;

pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_bytes_field(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    out.push(tag);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// A dag-pb file leaf (`PBNode{Data: UnixFS{File, data, filesize}}`) written
/// in one pass: the same bytes as building both messages, one copy of the
/// data instead of three (this is the importer's hot path).
pub fn file_leaf_block(data: &[u8]) -> Vec<u8> {
    let mut inner_len = 2 + 1 + varint_size(data.len() as u64);
    if !data.is_empty() {
        inner_len += 1 + varint_size(data.len() as u64) + data.len();
    }
    let mut out = Vec::with_capacity(inner_len + 1 + varint_size(inner_len as u64));
    out.push(0x0a);
    put_varint(&mut out, inner_len as u64);
    out.extend_from_slice(&[0x08, DataType::File as u8]);
    if !data.is_empty() {
        out.push(0x12);
        put_varint(&mut out, data.len() as u64);
        out.extend_from_slice(data);
    }
    out.push(0x18);
    put_varint(&mut out, data.len() as u64);
    out
}

/// The bytes [`file_leaf_block`] writes before and after `len` bytes of data.
pub fn file_leaf_frame(len: usize) -> (Vec<u8>, Vec<u8>) {
    if len == 0 {
        return (file_leaf_block(&[]), Vec::new());
    }
    let inner_len = 2 + 1 + varint_size(len as u64) + 1 + varint_size(len as u64) + len;
    let mut head = Vec::with_capacity(16);
    head.push(0x0a);
    put_varint(&mut head, inner_len as u64);
    head.extend_from_slice(&[0x08, DataType::File as u8, 0x12]);
    put_varint(&mut head, len as u64);
    let mut tail = vec![0x18];
    put_varint(&mut tail, len as u64);
    (head, tail)
}

fn varint_size(v: u64) -> usize {
    let bits = 64 - v.leading_zeros() as usize;
    bits.max(1).div_ceil(7)
}

/// UnixFS `Data.Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataType {
    Raw = 0,
    Directory = 1,
    File = 2,
    Metadata = 3,
    Symlink = 4,
    HamtShard = 5,
}

impl DataType {
    fn from_u64(v: u64) -> Option<Self> {
        Some(match v {
            0 => Self::Raw,
            1 => Self::Directory,
            2 => Self::File,
            3 => Self::Metadata,
            4 => Self::Symlink,
            5 => Self::HamtShard,
            _ => return None,
        })
    }
}

/// The UnixFS `Data` message (the fields kubo's importer writes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnixfsData {
    pub kind: Option<DataType>,
    pub data: Option<Vec<u8>>,
    pub filesize: Option<u64>,
    pub blocksizes: Vec<u64>,
    pub hash_type: Option<u64>,
    pub fanout: Option<u64>,
}

impl UnixfsData {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.as_ref().map_or(0, Vec::len) + 16);
        if let Some(kind) = self.kind {
            out.push(0x08);
            put_varint(&mut out, kind as u64);
        }
        if let Some(data) = &self.data {
            put_bytes_field(&mut out, 0x12, data);
        }
        if let Some(size) = self.filesize {
            out.push(0x18);
            put_varint(&mut out, size);
        }
        for bs in &self.blocksizes {
            out.push(0x20);
            put_varint(&mut out, *bs);
        }
        if let Some(h) = self.hash_type {
            out.push(0x28);
            put_varint(&mut out, h);
        }
        if let Some(f) = self.fanout {
            out.push(0x30);
            put_varint(&mut out, f);
        }
        out
    }

    pub fn decode(buf: &[u8]) -> Result<Self, UnixfsError> {
        let mut d = UnixfsData::default();
        let mut r = Reader { buf, pos: 0 };
        while !r.done() {
            let (field, wire) = r.key()?;
            match (field, wire) {
                (1, 0) => {
                    d.kind = Some(
                        DataType::from_u64(r.varint()?)
                            .ok_or(UnixfsError::Malformed("unknown UnixFS type"))?,
                    )
                }
                (2, 2) => d.data = Some(r.bytes()?.to_vec()),
                (3, 0) => d.filesize = Some(r.varint()?),
                (4, 0) => d.blocksizes.push(r.varint()?),
                (4, 2) => {
                    let packed = r.bytes()?;
                    let mut pr = Reader {
                        buf: packed,
                        pos: 0,
                    };
                    while !pr.done() {
                        d.blocksizes.push(pr.varint()?);
                    }
                }
                (5, 0) => d.hash_type = Some(r.varint()?),
                (6, 0) => d.fanout = Some(r.varint()?),
                _ => r.skip(wire)?,
            }
        }
        Ok(d)
    }
}

/// A dag-pb link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PbLink {
    pub hash: Vec<u8>,
    pub name: String,
    pub tsize: u64,
}

/// A dag-pb node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PbNode {
    pub links: Vec<PbLink>,
    pub data: Option<Vec<u8>>,
}

impl PbNode {
    /// Encodes as go-merkledag does: links first (already in the order the caller
    /// wants, which for directories is bytewise by name), then data.
    pub fn encode(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(self.data.as_ref().map_or(0, Vec::len) + self.links.len() * 48 + 8);
        let mut link_buf = Vec::with_capacity(64);
        for link in &self.links {
            link_buf.clear();
            put_bytes_field(&mut link_buf, 0x0a, &link.hash);
            put_bytes_field(&mut link_buf, 0x12, link.name.as_bytes());
            link_buf.push(0x18);
            put_varint(&mut link_buf, link.tsize);
            put_bytes_field(&mut out, 0x12, &link_buf);
        }
        if let Some(data) = &self.data {
            put_bytes_field(&mut out, 0x0a, data);
        }
        out
    }

    pub fn decode(buf: &[u8]) -> Result<Self, UnixfsError> {
        let mut node = PbNode::default();
        let mut r = Reader { buf, pos: 0 };
        while !r.done() {
            let (field, wire) = r.key()?;
            match (field, wire) {
                (1, 2) => node.data = Some(r.bytes()?.to_vec()),
                (2, 2) => {
                    let lb = r.bytes()?;
                    let mut lr = Reader { buf: lb, pos: 0 };
                    let mut link = PbLink {
                        hash: Vec::new(),
                        name: String::new(),
                        tsize: 0,
                    };
                    while !lr.done() {
                        let (f, w) = lr.key()?;
                        match (f, w) {
                            (1, 2) => link.hash = lr.bytes()?.to_vec(),
                            (2, 2) => {
                                link.name = String::from_utf8(lr.bytes()?.to_vec())
                                    .map_err(|_| UnixfsError::Malformed("link name is not UTF-8"))?
                            }
                            (3, 0) => link.tsize = lr.varint()?,
                            _ => lr.skip(w)?,
                        }
                    }
                    node.links.push(link);
                }
                _ => r.skip(wire)?,
            }
        }
        Ok(node)
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }
    fn varint(&mut self) -> Result<u64, UnixfsError> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = *self
                .buf
                .get(self.pos)
                .ok_or(UnixfsError::Malformed("truncated varint"))?;
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(UnixfsError::Malformed("varint too long"))
    }
    fn key(&mut self) -> Result<(u64, u8), UnixfsError> {
        let k = self.varint()?;
        Ok((k >> 3, (k & 7) as u8))
    }
    fn bytes(&mut self) -> Result<&'a [u8], UnixfsError> {
        let len = usize::try_from(self.varint()?).map_err(|_| UnixfsError::Malformed("length"))?;
        let end = self
            .pos
            .checked_add(len)
            .filter(|e| *e <= self.buf.len())
            .ok_or(UnixfsError::Malformed("truncated field"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn skip(&mut self, wire: u8) -> Result<(), UnixfsError> {
        match wire {
            0 => self.varint().map(|_| ()),
            1 => self.advance(8),
            2 => self.bytes().map(|_| ()),
            5 => self.advance(4),
            _ => Err(UnixfsError::Malformed("unknown wire type")),
        }
    }
    fn advance(&mut self, n: usize) -> Result<(), UnixfsError> {
        if self.pos + n > self.buf.len() {
            return Err(UnixfsError::Malformed("truncated field"));
        }
        self.pos += n;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_leaf_matches_the_two_messages() {
        for len in [0usize, 1, 127, 128, 300, 262_144] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let slow = PbNode {
                links: Vec::new(),
                data: Some(
                    UnixfsData {
                        kind: Some(DataType::File),
                        data: (!data.is_empty()).then(|| data.clone()),
                        filesize: Some(len as u64),
                        ..Default::default()
                    }
                    .encode(),
                ),
            }
            .encode();
            assert_eq!(file_leaf_block(&data), slow, "{len}");
        }
    }

    #[test]
    fn node_roundtrip() {
        let n = PbNode {
            links: vec![PbLink {
                hash: vec![0x12, 0x20, 1, 2],
                name: String::new(),
                tsize: 262158,
            }],
            data: Some(
                UnixfsData {
                    kind: Some(DataType::File),
                    filesize: Some(5),
                    blocksizes: vec![262144, 1],
                    ..Default::default()
                }
                .encode(),
            ),
        };
        let back = PbNode::decode(&n.encode()).unwrap();
        assert_eq!(back, n);
        let d = UnixfsData::decode(back.data.as_deref().unwrap()).unwrap();
        assert_eq!(d.blocksizes, vec![262144, 1]);
    }

    #[test]
    fn a_leafs_frame_is_the_leaf_block_around_its_data() {
        for n in [0usize, 1, 127, 128, 16_383, 16_384, 262_144, 1 << 20] {
            let data = vec![7u8; n];
            let (head, tail) = super::file_leaf_frame(n);
            let framed = [head, data.clone(), tail].concat();
            assert_eq!(framed, super::file_leaf_block(&data), "{n} bytes");
        }
    }
}
