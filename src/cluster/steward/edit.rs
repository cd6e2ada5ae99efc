//! Editing an item: its name, replication, peers and metadata, read, merged
//! and written whole (the daemon forgets on a re-pin whatever it is not
//! given again). A change of peers goes through the executor: copies land
//! before any leaves.

use serde::Serialize;

use super::converge::{converge, Patience, Step};
use crate::cluster::types::{Pin, PinOptions};
use crate::cluster::ClusterClient;

/// The fields an edit can change, as the pin holds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Editable {
    pub name: String,
    pub replication_min: i32,
    pub replication_max: i32,
    pub metadata: Vec<(String, String)>,
    pub allocations: Vec<String>,
}

impl Editable {
    pub fn of(p: &Pin) -> Self {
        let mut metadata: Vec<(String, String)> = p
            .metadata
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        metadata.sort();
        Editable {
            name: p.name.clone(),
            replication_min: p.replication_factor_min,
            replication_max: p.replication_factor_max,
            metadata,
            allocations: p.allocations.iter().cloned().collect(),
        }
    }
}

/// `key=value` words (the upload and edit forms); a value with spaces is
/// written `key="two words"` (`\"` inside). A word without `=` or with an
/// empty key is refused.
pub fn parse_metadata_words(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut word = String::new();
        let mut quoted = false;
        let mut was_quoted = false;
        while let Some(c) = chars.next() {
            match c {
                '"' => {
                    quoted = !quoted;
                    was_quoted = true;
                }
                '\\' if quoted && chars.peek() == Some(&'"') => {
                    word.push('"');
                    chars.next();
                }
                c if c.is_whitespace() && !quoted => break,
                c => word.push(c),
            }
        }
        if quoted {
            return Err(format!("metadata {word:?}: a quote is not closed"));
        }
        match word.split_once('=') {
            Some((k, v)) if !k.is_empty() => out.push((k.to_string(), v.to_string())),
            _ if was_quoted => return Err(format!("metadata {word:?}: write key=\"value\"")),
            _ => return Err(format!("metadata {word:?}: write key=value")),
        }
    }
}

/// Metadata as the form shows it: `key=value`, quoted when it must be.
pub fn metadata_words(meta: &[(String, String)]) -> String {
    meta.iter()
        .map(|(k, v)| {
            if v.is_empty() || v.chars().any(|c| c.is_whitespace() || c == '"') {
                format!("{k}=\"{}\"", v.replace('"', "\\\""))
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `name: a → b`, `metadata: +org=x -old=y`, … one line per change; peers
/// by `name_of`.
pub fn diff(before: &Editable, after: &Editable, name_of: &dyn Fn(&str) -> String) -> Vec<String> {
    let mut out = Vec::new();
    if before.name != after.name {
        out.push(format!("name: {:?} → {:?}", before.name, after.name));
    }
    if (before.replication_min, before.replication_max)
        != (after.replication_min, after.replication_max)
    {
        out.push(format!(
            "replication: min {} max {} → min {} max {}",
            before.replication_min,
            before.replication_max,
            after.replication_min,
            after.replication_max
        ));
    }
    let plus: Vec<String> = after
        .allocations
        .iter()
        .filter(|a| !before.allocations.contains(a))
        .map(|a| format!("+{}", name_of(a)))
        .collect();
    let minus: Vec<String> = before
        .allocations
        .iter()
        .filter(|a| !after.allocations.contains(a))
        .map(|a| format!("-{}", name_of(a)))
        .collect();
    if !plus.is_empty() || !minus.is_empty() {
        out.push(format!(
            "peers: {}",
            plus.into_iter().chain(minus).collect::<Vec<_>>().join(" ")
        ));
    }
    let mut m = Vec::new();
    for (k, v) in &after.metadata {
        match before.metadata.iter().find(|(x, _)| x == k) {
            Some((_, old)) if old == v => {}
            Some((_, old)) => m.push(format!("{k}: {old} → {v}")),
            None => m.push(format!("+{k}={v}")),
        }
    }
    for (k, v) in &before.metadata {
        if !after.metadata.iter().any(|(x, _)| x == k) {
            m.push(format!("-{k}={v}"));
        }
    }
    if !m.is_empty() {
        out.push(format!("metadata: {}", m.join(" ")));
    }
    out
}

/// A confirmed edit of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub cid: String,
    pub before: Editable,
    pub after: Editable,
    /// What changes, one line each, as the confirmation shows it.
    pub changes: Vec<String>,
}

impl Edit {
    /// The edit the form describes; peers by name or ID among `members`
    /// (ID, name). No peers: every peer (replication -1).
    pub fn from_form(
        pin: &Pin,
        members: &[(String, String)],
        name: &str,
        min: &str,
        max: &str,
        peers: &str,
        metadata: &str,
    ) -> Result<Edit, String> {
        let before = Editable::of(pin);
        let int = |what: &str, v: &str| -> Result<i32, String> {
            v.trim()
                .parse()
                .map_err(|_| format!("replication {what}: a number (-1: every peer)"))
        };
        let (min, max) = (int("min", min)?, int("max", max)?);
        if min >= 0 && max >= 0 && min > max {
            return Err(format!("replication min {min} is more than max {max}"));
        }
        crate::cluster::replicas::check_replication(min, max)?;
        let mut allocations = Vec::new();
        for p in peers.split([' ', ',']).filter(|p| !p.is_empty()) {
            let id = members
                .iter()
                .find(|(id, n)| n == p || id == p)
                .map(|(id, _)| id.clone())
                .ok_or_else(|| format!("peers: no member named {p:?}"))?;
            if !allocations.contains(&id) {
                allocations.push(id);
            }
        }
        if min >= 0 && allocations.is_empty() {
            return Err(
                "peers: name the peers to hold it (or replication -1 for every peer)".into(),
            );
        }
        if min < 0 && !allocations.is_empty() {
            return Err("on every peer (replication -1): leave peers empty".into());
        }
        let mut metadata = parse_metadata_words(metadata)?;
        metadata.sort();
        let after = Editable {
            name: name.trim().to_string(),
            replication_min: min,
            replication_max: max,
            metadata,
            allocations,
        };
        let name_of = |id: &str| {
            members
                .iter()
                .find(|(m, _)| m == id)
                .map_or(id.to_string(), |(_, n)| n.clone())
        };
        let changes = diff(&before, &after, &name_of);
        Ok(Edit {
            cid: pin.cid.clone(),
            before,
            after,
            changes,
        })
    }

    fn peers_change(&self) -> bool {
        let (mut a, mut b) = (
            self.before.allocations.clone(),
            self.after.allocations.clone(),
        );
        a.sort();
        b.sort();
        a != b && !b.is_empty() && !a.is_empty()
    }
}

/// Who is up, down or gone now (members and fresh metrics), by the rule
/// every plan uses; and the peers up.
pub async fn peer_classes(client: &ClusterClient) -> Result<(super::Fleet, Vec<String>), String> {
    let members = client.members().await.map_err(|e| e.to_string())?;
    let metrics = client
        .metrics("freespace")
        .await
        .map_err(|e| e.to_string())?;
    let fleet = super::Fleet {
        members: members.iter().map(|m| m.id.clone()).collect(),
        listed: members
            .iter()
            .filter(|m| m.error.is_empty())
            .map(|m| m.id.clone())
            .collect(),
        ..Default::default()
    }
    .with_metrics(&metrics);
    let up = fleet.up();
    Ok((fleet, up))
}

/// Writes `edit` over the pin as it is now: peers that change go through
/// the executor (new copies pinned before any is released), everything
/// else in one re-pin with the whole item given again.
pub async fn apply(
    client: &ClusterClient,
    edit: &Edit,
    patience: Patience,
    on: &mut (dyn FnMut(Step) + Send),
) -> Result<Vec<String>, String> {
    let mut pin = client
        .allocation(&edit.cid)
        .await
        .map_err(|e| e.to_string())?;
    pin.name = edit.after.name.clone();
    pin.metadata = crate::cluster::gojson::Map::from(edit.after.metadata.clone());
    let bounds = (edit.after.replication_min, edit.after.replication_max);
    if edit.peers_change() {
        let (fleet, up) = peer_classes(client).await?;
        // A member down holds a copy a re-pin would make the cluster
        // forget; a peer to add must be up. A gone peer's allocation is
        // simply left out (it holds nothing anyone can reach).
        if let Some(why) = fleet.holder_down(pin.allocations.iter(), None) {
            return Err(why);
        }
        let added: Vec<&String> = edit
            .after
            .allocations
            .iter()
            .filter(|a| !pin.allocations.contains(a))
            .collect();
        if let Some(why) = fleet.cannot_add(added) {
            return Err(why);
        }
        return converge(
            client,
            &pin,
            bounds,
            &edit.after.allocations,
            &up,
            patience,
            on,
        )
        .await
        .map_err(|e| e.to_string());
    }
    let opts = PinOptions {
        name: Some(pin.name.clone()),
        replication_min: Some(bounds.0),
        replication_max: Some(bounds.1),
        user_allocations: edit.after.allocations.clone(),
        metadata: edit.after.metadata.clone(),
        ..Default::default()
    };
    let p = client
        .pin(&edit.cid, &opts)
        .await
        .map_err(|e| e.to_string())?;
    Ok(p.allocations.iter().cloned().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_words_round_trip_with_spaces_and_quotes() {
        let meta = vec![
            ("org".to_string(), "hrdag".to_string()),
            ("title".to_string(), "Oral history \"7\"".to_string()),
            ("empty".to_string(), String::new()),
        ];
        let text = metadata_words(&meta);
        assert_eq!(text, r#"org=hrdag title="Oral history \"7\"" empty="""#);
        assert_eq!(parse_metadata_words(&text).unwrap(), meta);
        assert!(parse_metadata_words("a=1 nokey").is_err());
        assert!(parse_metadata_words(r#"t="open"#).is_err());
        assert_eq!(
            parse_metadata_words("  a=1   b=x=y ").unwrap(),
            [("a".into(), "1".into()), ("b".into(), "x=y".into())]
        );
    }
}
