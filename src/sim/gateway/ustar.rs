//! `?format=tar`: a folder or file as ustar, as kubo writes it.

use axum::http::HeaderMap;
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use bytes::Bytes;
use cid::Cid;
use tokio::sync::mpsc;

use super::blocks::{decode, leaf_bytes, leaves, Node};
use super::reply::{attachment, body_from, BoxError, IMMUTABLE};
use crate::sim::Ctx;

pub(super) fn serve_tar(ctx: Ctx, root: Cid, mut h: HeaderMap, head: bool) -> Response {
    h.insert(
        "content-type",
        HeaderValue::from_static("application/x-tar"),
    );
    if let Some(v) = attachment(&format!("{root}.tar")) {
        h.insert("content-disposition", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("W/\"{root}.x-tar\"")) {
        h.insert("etag", v);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("cache-control", HeaderValue::from_static(IMMUTABLE));
    // A single file's tar has a known length (kubo sends it); a folder's streams.
    if let Ok(Node::File) = decode(&ctx, &root) {
        let mut list = Vec::new();
        if leaves(&ctx, &root, &mut list).is_ok() {
            let size: u64 = list.iter().map(|(_, l)| l).sum();
            let len = 512 + size.div_ceil(512) * 512 + 1024;
            if let Ok(v) = HeaderValue::from_str(&len.to_string()) {
                h.insert("content-length", v);
            }
        }
    }
    if head {
        let mut r = StatusCode::OK.into_response();
        r.headers_mut().extend(h);
        return r;
    }
    let (tx, rx) = mpsc::channel::<Result<Bytes, BoxError>>(8);
    tokio::spawn(async move {
        if let Err(e) = tar_entry(&ctx, &root, root.to_string(), &tx).await {
            let _ = tx.send(Err(e.into())).await;
            return;
        }
        let _ = tx.send(Ok(Bytes::from(vec![0u8; 1024]))).await;
    });
    let mut r = Response::new(body_from(rx));
    r.headers_mut().extend(h);
    r
}

/// A ustar header as Go's archive/tar writes it for kubo (mtime: now); a
/// path too long for ustar's name and prefix goes in a PAX record first.
pub(super) fn tar_header(
    path: &str,
    kind: tar::EntryType,
    size: u64,
    link: Option<&str>,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut hdr = tar::Header::new_ustar();
    if hdr.set_path(path).is_err() {
        let record = pax_record("path", path);
        let mut pax = tar::Header::new_ustar();
        pax.set_entry_type(tar::EntryType::XHeader);
        pax.set_size(record.len() as u64);
        pax.set_path("PaxHeaders/entry")
            .map_err(|e| e.to_string())?;
        pax.set_mode(0o644);
        pax.set_cksum();
        out.extend_from_slice(pax.as_bytes());
        out.extend_from_slice(&record);
        pad(&mut out);
        let short: String = path
            .chars()
            .rev()
            .take(99)
            .collect::<String>()
            .chars()
            .rev()
            .collect();
        hdr.as_ustar_mut()
            .map(|u| {
                let n = short.len().min(100);
                u.name[..n].copy_from_slice(&short.as_bytes()[..n]);
            })
            .ok_or("tar header")?;
    }
    hdr.set_entry_type(kind);
    hdr.set_size(size);
    hdr.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    hdr.set_mtime(chrono::Utc::now().timestamp().max(0) as u64);
    if let Some(l) = link {
        hdr.set_link_name(l).map_err(|e| e.to_string())?;
    }
    hdr.set_cksum();
    out.extend_from_slice(hdr.as_bytes());
    Ok(out)
}

/// One PAX record: "LEN key=value\n", LEN counting itself.
pub(super) fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while (len.to_string().len() + body.len()) != len {
        len = len.to_string().len() + body.len();
    }
    format!("{len}{body}").into_bytes()
}

pub(super) fn pad(out: &mut Vec<u8>) {
    let rem = out.len() % 512;
    if rem != 0 {
        out.resize(out.len() + 512 - rem, 0);
    }
}

pub(super) async fn tar_entry(
    ctx: &Ctx,
    c: &Cid,
    path: String,
    tx: &mpsc::Sender<Result<Bytes, BoxError>>,
) -> Result<(), String> {
    match decode(ctx, c)? {
        Node::Dir(entries) => {
            let hdr = tar_header(&path, tar::EntryType::Directory, 0, None)?;
            tx.send(Ok(Bytes::from(hdr)))
                .await
                .map_err(|_| "client gone")?;
            for (n, child) in entries {
                Box::pin(tar_entry(ctx, &child, format!("{path}/{n}"), tx)).await?;
            }
        }
        Node::Symlink(target) => {
            let hdr = tar_header(&path, tar::EntryType::Symlink, 0, Some(&target))?;
            tx.send(Ok(Bytes::from(hdr)))
                .await
                .map_err(|_| "client gone")?;
        }
        Node::File => {
            let mut list = Vec::new();
            leaves(ctx, c, &mut list)?;
            let size: u64 = list.iter().map(|(_, l)| l).sum();
            let hdr = tar_header(&path, tar::EntryType::Regular, size, None)?;
            tx.send(Ok(Bytes::from(hdr)))
                .await
                .map_err(|_| "client gone")?;
            for (lc, _) in list {
                let data = leaf_bytes(ctx, &lc).ok_or("block vanished")?;
                tx.send(Ok(data)).await.map_err(|_| "client gone")?;
            }
            let rem = (size % 512) as usize;
            if rem != 0 {
                tx.send(Ok(Bytes::from(vec![0u8; 512 - rem])))
                    .await
                    .map_err(|_| "client gone")?;
            }
        }
    }
    Ok(())
}
