//! Reading inside items for the console: a folder's entries, their types
//! and sizes, a file's preview or whole text, the name a fetch is saved as.

use super::effects::Effects;

use crate::app::msg::PreviewAnswer;
use crate::app::Msg;
use crate::cluster::dag::BlockError;
use crate::sanitize::clean;
use futures_util::StreamExt;

impl Effects {
    /// Lists a folder, a batch per HAMT shard as it arrives.
    pub fn browse_list(&self, generation: u64, cid: String) {
        let (dag, tx) = (self.dag(), self.tx.clone());
        tokio::spawn(async move {
            let Ok(c) = crate::unixfs::parse_cid(&cid) else {
                return;
            };
            let batch = |es: &[crate::cluster::dag::Entry]| {
                let entries = es
                    .iter()
                    .map(|e| (clean(&e.name).into_owned(), e.cid.to_string(), e.tsize))
                    .collect();
                let _ = tx.try_send(Msg::BrowseEntries {
                    generation,
                    entries,
                    done: false,
                    error: None,
                    root_file: false,
                });
            };
            let r = dag.list_with(&c, batch).await;
            let (entries, error, root_file) = match r {
                Ok(_) => (Vec::new(), None, false),
                // A file item: listed alone, so it is previewed and fetched
                // as any entry is.
                Err(BlockError::NotA { .. }) => match dag.stat(&c).await {
                    Ok(st) => (vec![(cid.clone(), cid.clone(), st.size)], None, true),
                    Err(e) => (Vec::new(), Some(e.to_string()), false),
                },
                Err(e) => (Vec::new(), Some(e.to_string()), false),
            };
            let _ = tx
                .send(Msg::BrowseEntries {
                    generation,
                    entries,
                    done: true,
                    error,
                    root_file,
                })
                .await;
        });
    }

    /// Types and sizes entries from their root blocks, a few at a time.
    pub fn browse_stat(&self, generation: u64, cids: Vec<String>) {
        let (dag, tx) = (self.dag(), self.tx.clone());
        tokio::spawn(async move {
            let dag = &dag;
            let mut s = futures_util::stream::iter(cids)
                .map(|cid| async move {
                    let r = match crate::unixfs::parse_cid(&cid) {
                        Ok(c) => dag
                            .stat(&c)
                            .await
                            .map(|st| (st.kind, st.size))
                            .map_err(|e| e.to_string()),
                        Err(e) => Err(e),
                    };
                    (cid, r)
                })
                .buffered(8);
            let mut stats = Vec::new();
            while let Some(x) = s.next().await {
                stats.push(x);
                if stats.len() >= 8 {
                    let _ = tx
                        .send(Msg::BrowseStats {
                            generation,
                            stats: std::mem::take(&mut stats),
                        })
                        .await;
                }
            }
            let _ = tx.send(Msg::BrowseStats { generation, stats }).await;
        });
    }

    /// The file name a fetch of `cid` is saved under: its name with the
    /// original file's extension (see [`crate::cluster::fetch::suggested_name`]).
    pub fn fetch_name(&self, cid: String, name: String) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        tokio::spawn(async move {
            let file = crate::cluster::fetch::suggest_name(&client, &cid, Some(&name)).await;
            let _ = tx.send(Msg::FetchNamed { cid, file }).await;
        });
    }

    /// Reads a file whole (verified, up to the reader's cap) for the reader.
    pub fn read_file(&self, generation: u64, cid: String, name: String) {
        let (dag, tx) = (self.dag(), self.tx.clone());
        tokio::spawn(async move {
            let result = async {
                let c = crate::unixfs::parse_cid(&cid)?;
                let size = match dag.node(&c).await.map_err(|e| e.to_string())? {
                    crate::cluster::dag::Node::File { size, .. } => size,
                    _ => return Err("not a file".to_string()),
                };
                let mut bytes = Vec::new();
                dag.read(
                    &c,
                    Some(crate::app::reader::READ_BYTES),
                    &mut |b: &[u8]| {
                        bytes.extend_from_slice(b);
                        Ok(())
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
                // Rendering a large file is work: off the runtime's threads.
                let p = tokio::task::spawn_blocking(move || {
                    crate::preview::read_whole(&name, &bytes, size)
                })
                .await
                .map_err(|e| e.to_string())?;
                Ok((p, size))
            }
            .await;
            let _ = tx.send(Msg::ReaderText { generation, result }).await;
        });
    }

    /// Reads the start of a file (verified) and says what it is.
    pub fn preview(&self, generation: u64, cid: String, name: String) {
        let (dag, tx) = (self.dag(), self.tx.clone());
        tokio::spawn(async move {
            let result = async {
                let c = crate::unixfs::parse_cid(&cid)?;
                let node = dag.node(&c).await.map_err(|e| e.to_string())?;
                let size = match node {
                    crate::cluster::dag::Node::Dir { .. } => return Ok(PreviewAnswer::Folder),
                    crate::cluster::dag::Node::Symlink(t) => return Ok(PreviewAnswer::Symlink(t)),
                    crate::cluster::dag::Node::File { size, .. } => size,
                };
                let mut head = Vec::new();
                dag.read(
                    &c,
                    Some(crate::preview::PREVIEW_BYTES),
                    &mut |b: &[u8]| {
                        head.extend_from_slice(b);
                        Ok(())
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
                Ok(PreviewAnswer::File(crate::preview::preview(
                    &name, &head, size,
                )))
            }
            .await;
            let _ = tx
                .send(Msg::Preview {
                    generation,
                    cid,
                    result,
                })
                .await;
        });
    }
}
