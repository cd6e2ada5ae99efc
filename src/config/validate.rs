//! What a configuration must satisfy before any command uses it: one list
//! of rules and messages for `config --validate-only`, the console and
//! every subcommand, so a plan never runs on bounds the check refuses.

use super::FileConfig;

/// Every rule the file breaks, in words the operator can act on.
pub fn problems(f: &FileConfig) -> Vec<String> {
    let mut errors = Vec::new();
    let known = |n: &str| f.nodes.contains_key(n);
    for (k, v) in [
        (
            "default_node",
            f.cluster.default_node.as_ref().or(f.default_node.as_ref()),
        ),
        (
            "backup_node",
            f.cluster.backup_node.as_ref().or(f.backup_node.as_ref()),
        ),
    ] {
        if let Some(n) = v {
            if !f.nodes.is_empty() && !known(n) {
                errors.push(format!("{k} {n:?} is not one of nodes"));
            }
        }
    }
    for (org, p) in &f.profiles {
        if let Some(n) = &p.primary {
            if !known(n) {
                errors.push(format!("profile {org}: primary {n:?} is not one of nodes"));
            }
        }
    }
    errors.extend(replication(
        f.cluster.replication_min,
        f.cluster.replication_max,
    ));
    errors
}

/// ccs's bounds: each at least 1, or -1 (everywhere) for both.
fn replication(min: Option<i32>, max: Option<i32>) -> Vec<String> {
    let mut errors = Vec::new();
    for (k, v) in [("replication_min", min), ("replication_max", max)] {
        if let Some(v) = v.filter(|v| *v < 1 && *v != -1) {
            errors.push(format!("cluster.{k} must be at least 1 (or -1), not {v}"));
        }
    }
    match (min, max) {
        (Some(-1), Some(m)) | (Some(m), Some(-1)) if m != -1 => errors.push(
            "cluster.replication_min and replication_max must both be -1 (everywhere) when one is"
                .into(),
        ),
        (Some(lo), Some(hi)) if lo >= 1 && hi >= 1 && hi < lo => errors.push(format!(
            "cluster.replication_max ({hi}) is smaller than replication_min ({lo})"
        )),
        _ => {}
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::replication;

    #[test]
    fn bounds_nobody_can_pin_to_are_refused() {
        assert!(replication(Some(2), Some(3)).is_empty());
        assert!(replication(Some(-1), Some(-1)).is_empty());
        assert!(replication(None, None).is_empty());
        assert_eq!(replication(Some(0), Some(0)).len(), 2);
        assert!(replication(Some(5), Some(2))[0].contains("smaller"));
        assert!(
            replication(Some(-1), None).is_empty(),
            "max from ccs's default"
        );
        assert!(replication(Some(-1), Some(3))[0].contains("both be -1"));
        assert!(replication(Some(-2), Some(3))[0].contains("not -2"));
    }
}
