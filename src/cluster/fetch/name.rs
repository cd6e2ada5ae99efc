//! The name a fetched item is saved under when none is given.

use std::path::Path;

use crate::cluster::ClusterClient;

/// The name a fetch saves an item under when none is given: its name as a
/// file name (escaped for disk), else its CID; with the original file's
/// extension when the name has none (`minutes-2024-05` added from
/// `minutes.json` is saved as `minutes-2024-05.json`): from the `filename`
/// its upload kept, else from the type the gateway sees in its bytes.
pub fn suggested_name(
    name: &str,
    cid: &str,
    filename: Option<&str>,
    content_type: Option<&str>,
) -> String {
    let base = Path::new(name)
        .file_name()
        .map(|n| crate::sanitize::for_disk(&n.to_string_lossy()).into_owned())
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .unwrap_or_else(|| cid.to_string());
    if Path::new(&base).extension().is_some() || base == cid {
        return base;
    }
    let ext = filename
        .and_then(|f| Path::new(f).extension())
        .map(|e| crate::sanitize::for_disk(&e.to_string_lossy()).into_owned())
        .or_else(|| content_type.and_then(extension_of).map(String::from));
    match ext {
        Some(e) if !e.is_empty() && !e.contains('/') => format!("{base}.{e}"),
        _ => base,
    }
}

/// The name `cid` is best saved under, asked of the cluster: its pinned
/// name (`name` when given, e.g. an entry inside a folder), the original
/// file name its upload kept, else the type its gateway sees.
pub async fn suggest_name(client: &ClusterClient, cid: &str, name: Option<&str>) -> String {
    let pin = client.allocation(cid).await.ok();
    let filename = pin
        .as_ref()
        .and_then(|p| p.metadata.get(crate::cluster::add::FILENAME_KEY))
        .map(String::from);
    let name = name
        .map(String::from)
        .or_else(|| pin.map(|p| p.name))
        .unwrap_or_default();
    let content_type = client
        .gateway_head(&client.default_gateway(), cid, "")
        .await
        .ok()
        .filter(|h| !h.is_dir)
        .and_then(|h| h.content_type);
    suggested_name(&name, cid, filename.as_deref(), content_type.as_deref())
}

/// A file extension for a content type a gateway names, when it is
/// specific (not plain text, HTML or bytes, which say nothing of the file).
fn extension_of(content_type: &str) -> Option<&'static str> {
    let ct = content_type.split(';').next()?.trim().to_ascii_lowercase();
    Some(match ct.as_str() {
        "application/pdf" => "pdf",
        "application/json" => "json",
        "application/zip" => "zip",
        "application/x-gzip" | "application/gzip" => "gz",
        "application/ogg" | "audio/ogg" => "ogg",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/tiff" => "tif",
        "image/bmp" => "bmp",
        "audio/mpeg" => "mp3",
        "audio/wave" | "audio/wav" | "audio/x-wav" => "wav",
        "audio/flac" => "flac",
        "video/mp4" => "mp4",
        "video/webm" => "webm",
        "text/csv" => "csv",
        _ => return None,
    })
}

#[cfg(test)]
mod name_tests {
    use super::suggested_name;

    #[test]
    fn a_name_without_extension_gets_the_original_files() {
        assert_eq!(
            suggested_name("minutes-2024-05", "Qm", Some("minutes.json"), None),
            "minutes-2024-05.json"
        );
        assert_eq!(
            suggested_name("scan", "Qm", None, Some("image/jpeg")),
            "scan.jpg"
        );
        assert_eq!(
            suggested_name("notes", "Qm", None, Some("text/plain; charset=utf-8")),
            "notes"
        );
        assert_eq!(
            suggested_name("report.pdf", "Qm", Some("x.doc"), None),
            "report.pdf"
        );
        assert_eq!(suggested_name("", "QmX", Some("a.json"), None), "QmX");
        assert_eq!(
            suggested_name("../../etc/passwd", "Qm", None, None),
            "passwd"
        );
    }
}
