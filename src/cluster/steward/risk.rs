//! What a failure would cost: items below their minimum, single copies,
//! items whose copies all sit with one org, and what one peer's failure
//! would lose.

use serde::Serialize;

/// What a failure would cost, from the pinset, who is up, and who is in
/// trouble with what (the problems list names, per item, the peers without
/// a pinned copy).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Risk {
    /// Items no peer serves now (every holder down, or not pinned there):
    /// the gravest, listed apart from the merely under-replicated.
    pub none_serving: Vec<AtRisk>,
    /// Items with fewer serving copies than their minimum now.
    pub below_min: Vec<AtRisk>,
    /// Items with exactly one serving copy.
    pub single_copy: Vec<AtRisk>,
    /// Items whose serving copies all sit with one org (a community's
    /// copies should not depend on one member organisation), with that org.
    /// Only when the peers belong to two orgs or more.
    pub one_org: Vec<OneOrg>,
    /// If `peer` failed: items that would fall below their minimum, and
    /// items that would have no copy left.
    pub if_failed: Option<IfFailed>,
}

/// An item in one of the lists, with what a script needs to act on it
/// (not a bare CID to look up again).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AtRisk {
    pub cid: String,
    pub name: String,
    /// Serving copies: now, or after the failure for `if_failed`.
    pub serving: usize,
    /// Its replication minimum (1 for an item pinned everywhere: the
    /// daemon asks for a copy on every peer that is up, and a member down
    /// does not put it below anything it was promised).
    pub min: usize,
}

impl AtRisk {
    /// Its name, or its CID when it has none.
    pub fn label(&self) -> &str {
        crate::cluster::types::item_label(&self.name, &self.cid)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OneOrg {
    pub cid: String,
    pub name: String,
    pub org: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IfFailed {
    pub peer: String,
    /// It is down already: the lists above count without it, and its
    /// failure would change nothing more.
    pub already_down: bool,
    pub below_min: Vec<AtRisk>,
    pub lost: Vec<AtRisk>,
}

/// An item as the risk rule needs it.
#[derive(Debug, Clone)]
pub struct RiskItem<'a> {
    pub cid: &'a str,
    pub name: &'a str,
    /// Peer IDs; empty: pinned everywhere.
    pub allocations: Vec<&'a str>,
    pub replication_min: i32,
}

/// The one risk rule, for `ccs-tui risk` and the console's `:risk`: an
/// item's serving copies are its holders (allocations, or every member)
/// that are up and that the problems list does not name for it.
pub fn risk_over<'a>(
    items: impl IntoIterator<Item = RiskItem<'a>>,
    up: &[&str],
    members: &[&str],
    not_pinned: impl Fn(&str, &str) -> bool,
    org_of: &dyn Fn(&str) -> Option<String>,
    fail: Option<&str>,
) -> Risk {
    let mut orgs: Vec<String> = members.iter().filter_map(|m| org_of(m)).collect();
    orgs.sort();
    orgs.dedup();
    let orgs_matter = orgs.len() >= 2;
    let mut r = Risk {
        if_failed: fail.map(|p| IfFailed {
            peer: p.to_string(),
            already_down: !up.contains(&p),
            ..Default::default()
        }),
        ..Default::default()
    };
    for it in items {
        let holders: &[&str] = if it.allocations.is_empty() {
            members
        } else {
            &it.allocations
        };
        let serving: Vec<&str> = holders
            .iter()
            .copied()
            .filter(|p| up.contains(p) && !not_pinned(it.cid, p))
            .collect();
        let min = if it.replication_min < 0 {
            1
        } else {
            it.replication_min as usize
        };
        let at = |serving: usize| AtRisk {
            cid: it.cid.to_string(),
            name: it.name.to_string(),
            serving,
            min,
        };
        if serving.is_empty() {
            r.none_serving.push(at(0));
        }
        if serving.len() < min {
            r.below_min.push(at(serving.len()));
        }
        if serving.len() == 1 {
            r.single_copy.push(at(1));
        }
        if orgs_matter && !serving.is_empty() {
            let of: Vec<Option<String>> = serving.iter().map(|p| org_of(p)).collect();
            if let Some(Some(first)) = of.first() {
                if of.iter().all(|o| o.as_ref() == Some(first)) {
                    r.one_org.push(OneOrg {
                        cid: it.cid.to_string(),
                        name: it.name.to_string(),
                        org: first.clone(),
                    });
                }
            }
        }
        if let (Some(f), Some(peer)) = (r.if_failed.as_mut(), fail) {
            if serving.contains(&peer) {
                match serving.len() - 1 {
                    0 => f.lost.push(at(0)),
                    left if left < min => f.below_min.push(at(left)),
                    _ => {}
                }
            }
        }
    }
    r
}

#[cfg(test)]
mod risk_tests {
    use super::*;
    use crate::cluster::types::Pin;

    /// The risk report over the pinset as the API gives it. `up` and `members`
    /// are peer IDs; `not_pinned` the problems list's peers per item.
    fn risk(
        pins: &[Pin],
        up: &[String],
        members: &[String],
        not_pinned: &std::collections::HashMap<String, Vec<String>>,
        org_of: &dyn Fn(&str) -> Option<String>,
        fail: Option<&str>,
    ) -> Risk {
        let up: Vec<&str> = up.iter().map(String::as_str).collect();
        let members: Vec<&str> = members.iter().map(String::as_str).collect();
        risk_over(
            pins.iter().map(|p| RiskItem {
                cid: &p.cid,
                name: &p.name,
                allocations: p.allocations.iter().map(String::as_str).collect(),
                replication_min: p.replication_factor_min,
            }),
            &up,
            &members,
            |cid, peer| {
                not_pinned
                    .get(cid)
                    .is_some_and(|v| v.iter().any(|x| x == peer))
            },
            org_of,
            fail,
        )
    }
    use crate::cluster::gojson::List;

    fn pin(cid: &str, allocs: &[&str], min: i32) -> Pin {
        Pin {
            cid: cid.into(),
            allocations: List::from(allocs.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            replication_factor_min: min,
            replication_factor_max: min.max(3),
            ..Default::default()
        }
    }

    #[test]
    fn what_a_failure_would_cost() {
        let members: Vec<String> = ["nas", "chll", "meerkat", "pihost"]
            .map(String::from)
            .to_vec();
        let up: Vec<String> = ["nas", "chll", "meerkat"].map(String::from).to_vec();
        let mut trouble = std::collections::HashMap::new();
        trouble.insert("c".to_string(), vec!["chll".to_string()]);
        let pins = vec![
            pin("a", &["nas", "chll", "meerkat"], 2),
            pin("b", &["nas", "pihost"], 2),   // pihost down: 1 of 2
            pin("c", &["nas", "chll"], 2),     // chll in error: 1 of 2
            pin("d", &["meerkat", "chll"], 2), // fine, not on nas
            pin("e", &[], -1),                 // everywhere: 3 of 4
        ];
        let org_of = |p: &str| match p {
            "nas" | "chll" => Some("hrdag".to_string()),
            "meerkat" => Some("orgB".to_string()),
            _ => None,
        };
        let r = risk(&pins, &up, &members, &trouble, &org_of, Some("nas"));
        let cids = |v: &[AtRisk]| v.iter().map(|a| a.cid.clone()).collect::<Vec<_>>();
        assert_eq!(
            cids(&r.below_min),
            ["b", "c"],
            "everywhere (e) is not below anything with 3 of 4 (issue 32)"
        );
        assert_eq!(cids(&r.single_copy), ["b", "c"]);
        assert!(r.none_serving.is_empty(), "every item has a copy up");
        let f = r.if_failed.unwrap();
        assert!(!f.already_down);
        assert_eq!(cids(&f.lost), ["b", "c"], "nas holds their only copy");
        assert!(
            f.below_min.is_empty(),
            "a keeps 2 of min 2; e keeps 2 copies, pinned everywhere"
        );
        // b and c serve from nas alone; a spans both orgs; d too; e's
        // copies are on nas, chll (hrdag) and meerkat (orgB).
        let one: Vec<(&str, &str)> = r
            .one_org
            .iter()
            .map(|o| (o.cid.as_str(), o.org.as_str()))
            .collect();
        assert_eq!(one, [("b", "hrdag"), ("c", "hrdag")]);
        // Its one holder down: no serving copy at all, said apart.
        let alone = vec![pin("z", &["pihost"], 1)];
        let r = risk(&alone, &up, &members, &trouble, &org_of, None);
        assert_eq!(cids(&r.none_serving), ["z"]);
        assert_eq!(cids(&r.below_min), ["z"]);
        let single_org = |_: &str| Some("hrdag".to_string());
        let r = risk(&pins, &up, &members, &trouble, &single_org, None);
        assert!(r.one_org.is_empty(), "one org in all: nothing to say");
    }
}
