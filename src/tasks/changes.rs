//! One-shot changes to the cluster from a key: unpin (after its
//! confirmation) and recover.

use super::effects::Effects;

use crate::app::Msg;

impl Effects {
    pub fn unpin(&self, cids: Vec<String>) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        tokio::spawn(async move {
            let mut done: Vec<String> = Vec::new();
            let mut errors = Vec::new();
            for c in &cids {
                match client.unpin(c).await {
                    Ok(p) => done.push(
                        crate::sanitize::clean(crate::cluster::types::item_label(&p.name, c))
                            .into_owned(),
                    ),
                    Err(e) => errors.push(e.to_string()),
                }
            }
            // Which items, by name: a count alone says not what went.
            let which = |v: &[String]| match v {
                [one] => format!("'{one}'"),
                many if many.len() <= 3 => format!("{} items: {}", many.len(), many.join(", ")),
                many => format!(
                    "{} items: {}, … and {} more",
                    many.len(),
                    many[..3].join(", "),
                    many.len() - 3
                ),
            };
            let r = if errors.is_empty() {
                Ok(format!("unpinned {}", which(&done)))
            } else {
                Err(format!(
                    "unpinned {} of {}{}: {}",
                    done.len(),
                    cids.len(),
                    if done.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", which(&done))
                    },
                    errors.join("; ")
                ))
            };
            let _ = tx.send(Msg::ActionDone(r)).await;
        });
    }

    pub fn recover(&self, cid: Option<String>) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        tokio::spawn(async move {
            let r = match cid {
                Some(c) => client
                    .recover(&c, false)
                    .await
                    .map(|_| format!("recover requested for {c}"))
                    .map_err(|e| e.to_string()),
                None => match client.recover_all(false).await {
                    Ok(s) => s
                        .collect()
                        .await
                        .map(|v| format!("{} item(s) re-queued", v.len()))
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                },
            };
            let _ = tx.send(Msg::ActionDone(r)).await;
        });
    }
}
