//! The `:` command line: its verbs (each with a description, which help and
//! completion show) and Tab completion for verbs, peer names, sort keys and
//! filter fields. Pure: `update` runs what this parses.

/// What a verb does: `update` matches it exhaustively, so a verb in the
/// table is a verb the console carries out (no string match with a silent
/// fall-through).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Pins,
    Problems,
    Peers,
    Peer,
    Replication,
    Filter,
    Sort,
    Upload,
    Fetch,
    Recover,
    Browse,
    Audit,
    Risk,
    Capacity,
    Edit,
    Rebalance,
    Drain,
    EnsurePins,
    Tasks,
    Refresh,
    Freeze,
    Help,
    Quit,
}

impl Cmd {
    pub const ALL: [Cmd; 23] = [
        Cmd::Pins,
        Cmd::Problems,
        Cmd::Peers,
        Cmd::Peer,
        Cmd::Replication,
        Cmd::Filter,
        Cmd::Sort,
        Cmd::Upload,
        Cmd::Fetch,
        Cmd::Recover,
        Cmd::Browse,
        Cmd::Audit,
        Cmd::Risk,
        Cmd::Capacity,
        Cmd::Edit,
        Cmd::Rebalance,
        Cmd::Drain,
        Cmd::EnsurePins,
        Cmd::Tasks,
        Cmd::Refresh,
        Cmd::Freeze,
        Cmd::Help,
        Cmd::Quit,
    ];
}

/// A verb of the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verb {
    pub cmd: Cmd,
    pub name: &'static str,
    pub args: &'static str,
    pub about: &'static str,
}

pub const VERBS: &[Verb] = &[
    Verb {
        cmd: Cmd::Pins,
        name: "pins",
        args: "",
        about: "every item (leaves the problems view)",
    },
    Verb {
        cmd: Cmd::Problems,
        name: "problems",
        args: "",
        about: "only items not fully replicated",
    },
    Verb {
        cmd: Cmd::Peers,
        name: "peers",
        args: "",
        about: "the peers pane",
    },
    Verb {
        cmd: Cmd::Peer,
        name: "peer",
        args: "NAME",
        about: "a peer's detail (Tab completes the name)",
    },
    Verb {
        cmd: Cmd::Replication,
        name: "replication",
        args: "",
        about: "the replication pane",
    },
    Verb {
        cmd: Cmd::Filter,
        name: "filter",
        args: "TEXT",
        about: "filter the pins, as / does (empty: clear)",
    },
    Verb {
        cmd: Cmd::Sort,
        name: "sort",
        args: "name|created|size|status",
        about: "sort the pins (again: reverse)",
    },
    Verb {
        cmd: Cmd::Upload,
        name: "upload",
        args: "[PATH]",
        about: "upload a file or folder",
    },
    Verb {
        cmd: Cmd::Fetch,
        name: "fetch",
        args: "[CID]",
        about: "fetch an item to disk",
    },
    Verb {
        cmd: Cmd::Recover,
        name: "recover",
        args: "[all]",
        about: "recover the selected item, or every item in error",
    },
    Verb {
        cmd: Cmd::Browse,
        name: "browse",
        args: "",
        about: "look inside the selected item",
    },
    Verb {
        cmd: Cmd::Audit,
        name: "audit",
        args: "[N]",
        about: "check every peer's copies (N: a sample of N items)",
    },
    Verb {
        cmd: Cmd::Risk,
        name: "risk",
        args: "[PEER]",
        about: "what is fragile, and what PEER's failure would cost",
    },
    Verb {
        cmd: Cmd::Capacity,
        name: "capacity",
        args: "",
        about: "how full each peer is, how fast the archive grows, until when",
    },
    Verb {
        cmd: Cmd::Edit,
        name: "edit",
        args: "",
        about: "edit the selected item, its changes shown first",
    },
    Verb {
        cmd: Cmd::Rebalance,
        name: "rebalance",
        args: "",
        about: "converge every item to the configured rule (plan first)",
    },
    Verb {
        cmd: Cmd::Drain,
        name: "drain",
        args: "PEER",
        about: "move every item off PEER, copies first (plan first)",
    },
    Verb {
        cmd: Cmd::EnsurePins,
        name: "ensure-pins",
        args: "ORG",
        about: "the org's primary and the backup on every item (plan first)",
    },
    Verb {
        cmd: Cmd::Tasks,
        name: "tasks",
        args: "",
        about: "transfers and audits",
    },
    Verb {
        cmd: Cmd::Refresh,
        name: "refresh",
        args: "",
        about: "poll everything now",
    },
    Verb {
        cmd: Cmd::Freeze,
        name: "freeze",
        args: "",
        about: "freeze/unfreeze updates",
    },
    Verb {
        cmd: Cmd::Help,
        name: "help",
        args: "",
        about: "keys of the main screen",
    },
    Verb {
        cmd: Cmd::Quit,
        name: "quit",
        args: "",
        about: "quit (also :q)",
    },
];

pub const SORT_KEYS: &[&str] = &["name", "created", "size", "status"];
pub const FILTER_FIELDS: &[&str] = &["status:", "org:", "name:", "cid:", "peer:"];
pub const STATUS_VALUES: &[&str] = &["error", "pinning", "pinned", "problem"];

/// The verbs as a Markdown table (the README's is this text; a test holds
/// it to that).
pub fn markdown() -> String {
    let mut s = String::from("| command | does |\n|---|---|\n");
    for v in VERBS {
        let args = if v.args.is_empty() {
            String::new()
        } else {
            format!(" {}", v.args.replace('|', "\\|"))
        };
        s.push_str(&format!("| `:{}{args}` | {} |\n", v.name, v.about));
    }
    s
}

/// A typed verb: an exact name, `q`, or the start of exactly one verb.
pub fn resolve(word: &str) -> Result<&'static Verb, String> {
    let word = word.trim_start_matches(':');
    let alias = match word {
        "q" | "q!" | "exit" => "quit",
        "h" => "help",
        "repl" | "status" => "replication",
        "all" => "pins",
        w => w,
    };
    if let Some(v) = VERBS.iter().find(|v| v.name == alias) {
        return Ok(v);
    }
    let matches: Vec<&Verb> = VERBS.iter().filter(|v| v.name.starts_with(alias)).collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "unknown command :{word} (Tab completes; :help lists the keys)"
        )),
        many => Err(format!(
            ":{word} could be {}",
            many.iter().map(|v| v.name).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// What Tab makes of a word: the completed text and, when it stays
/// ambiguous, the candidates to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    pub candidates: Vec<String>,
}

/// Completes the last word of `typed` against `candidates`: one match is
/// taken whole (with `after` appended), several are cut to their common
/// start and listed.
pub fn complete_word<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    after: &str,
) -> Completion {
    let start = typed.rfind(' ').map_or(0, |i| i + 1);
    let (head, word) = typed.split_at(start);
    let found: Vec<&str> = candidates
        .into_iter()
        .filter(|c| c.starts_with(word))
        .collect();
    match found.as_slice() {
        [] => Completion {
            text: typed.to_string(),
            candidates: Vec::new(),
        },
        [one] => Completion {
            text: format!("{head}{one}{after}"),
            candidates: Vec::new(),
        },
        many => {
            let first = many[0];
            let common = many.iter().fold(first.len(), |n, c| {
                first
                    .char_indices()
                    .zip(c.chars())
                    .take_while(|((_, a), b)| a == b)
                    .last()
                    .map_or(0, |((i, a), _)| i + a.len_utf8())
                    .min(n)
            });
            Completion {
                text: format!("{head}{}", &first[..common]),
                candidates: many.iter().map(|s| s.to_string()).collect(),
            }
        }
    }
}

/// Names a completion can offer besides verbs: peers and orgs.
#[derive(Debug, Clone, Default)]
pub struct Known<'a> {
    pub peers: &'a [String],
    pub orgs: &'a [String],
}

/// Tab on the command line: the verb, then its argument.
pub fn complete_command(typed: &str, known: &Known) -> Completion {
    let peer_names = known.peers;
    match typed.split_once(' ') {
        None => complete_word(typed, VERBS.iter().map(|v| v.name), " "),
        Some((verb, _)) => match resolve(verb).map(|v| v.name) {
            Ok("peer" | "risk" | "drain") => {
                complete_word(typed, peer_names.iter().map(String::as_str), "")
            }
            Ok("sort") => complete_word(typed, SORT_KEYS.iter().copied(), ""),
            Ok("recover") => complete_word(typed, ["all"], ""),
            Ok("filter") => complete_filter(typed, known),
            Ok("ensure-pins") => complete_word(typed, known.orgs.iter().map(String::as_str), ""),
            _ => Completion {
                text: typed.to_string(),
                candidates: Vec::new(),
            },
        },
    }
}

/// Tab in a filter: field names, then `status:` values, peer names and orgs.
pub fn complete_filter(typed: &str, known: &Known) -> Completion {
    let start = typed.rfind(' ').map_or(0, |i| i + 1);
    let word = &typed[start..];
    let word = word.strip_prefix('!').unwrap_or(word);
    if word.starts_with("status:") {
        let c: Vec<String> = STATUS_VALUES
            .iter()
            .map(|s| format!("status:{s}"))
            .collect();
        return complete_prefixed(typed, &c);
    }
    if word.starts_with("peer:") {
        let c: Vec<String> = known.peers.iter().map(|s| format!("peer:{s}")).collect();
        return complete_prefixed(typed, &c);
    }
    if word.starts_with("org:") {
        let c: Vec<String> = known.orgs.iter().map(|s| format!("org:{s}")).collect();
        return complete_prefixed(typed, &c);
    }
    complete_prefixed(
        typed,
        &FILTER_FIELDS
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    )
}

fn complete_prefixed(typed: &str, candidates: &[String]) -> Completion {
    // `!` before the first word stays where it is.
    let start = typed.rfind(' ').map_or(0, |i| i + 1);
    let bang = typed[start..].starts_with('!');
    let (head, rest) = typed.split_at(start + usize::from(bang));
    let mut c = complete_word(rest, candidates.iter().map(String::as_str), "");
    c.text = format!("{head}{}", c.text);
    c
}

#[cfg(test)]
mod tests {
    /// Each command the console carries out has exactly one verb, so Tab,
    /// help and the README offer it, and no verb lacks a command.
    #[test]
    fn every_command_has_one_verb() {
        for c in super::Cmd::ALL {
            let n = super::VERBS.iter().filter(|v| v.cmd == c).count();
            assert_eq!(n, 1, "{c:?}");
        }
        assert_eq!(super::VERBS.len(), super::Cmd::ALL.len());
    }

    use super::*;

    #[test]
    fn verbs_resolve_by_unique_prefix() {
        assert_eq!(resolve("pro").unwrap().name, "problems");
        assert_eq!(resolve("peer").unwrap().name, "peer", "exact beats prefix");
        assert_eq!(resolve("q").unwrap().name, "quit");
        assert!(resolve("p")
            .unwrap_err()
            .contains("pins, problems, peers, peer"));
        assert!(resolve("zzz").unwrap_err().contains("unknown command"));
    }

    #[test]
    fn tab_completes_verbs_and_arguments() {
        let names = vec!["nas".to_string(), "chll".to_string(), "meerkat".to_string()];
        let orgs = vec!["dignidad".to_string(), "hrdag".to_string()];
        let peers = Known {
            peers: &names,
            orgs: &orgs,
        };
        assert_eq!(complete_command("pro", &peers).text, "problems ");
        let c = complete_command("p", &peers);
        assert_eq!(c.text, "p");
        assert_eq!(c.candidates, ["pins", "problems", "peers", "peer"]);
        assert_eq!(complete_command("pe", &peers).text, "peer");
        assert_eq!(complete_command("peer me", &peers).text, "peer meerkat");
        assert_eq!(complete_command("sort si", &peers).text, "sort size");
        assert_eq!(complete_command("filter st", &peers).text, "filter status:");
        assert_eq!(complete_filter("!status:er", &peers).text, "!status:error");
        assert_eq!(complete_filter("x peer:c", &peers).text, "x peer:chll");
        assert_eq!(complete_filter("org:d", &peers).text, "org:dignidad");
        assert_eq!(
            complete_filter("org:", &peers).candidates,
            ["org:dignidad", "org:hrdag"]
        );
    }
}
