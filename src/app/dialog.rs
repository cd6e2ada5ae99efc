//! Dialogs as data (gitui's way): a form being filled, or a confirmation whose
//! safe choice is focused. `update` turns a confirmed dialog into an effect;
//! nothing that changes the cluster exists before that.

use crossterm::event::{Event, KeyEvent};
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

/// A text field.
#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    pub input: Input,
    pub hint: &'static str,
}

impl Field {
    pub fn new(label: &'static str, value: &str, hint: &'static str) -> Self {
        Self {
            label,
            input: Input::new(value.to_string()),
            hint,
        }
    }
    pub fn value(&self) -> &str {
        self.input.value()
    }
    pub fn key(&mut self, k: KeyEvent) {
        self.input.handle_event(&Event::Key(k));
    }
    pub fn set(&mut self, v: &str) {
        self.input = Input::new(v.to_string());
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKind {
    Upload,
    Fetch,
    /// Editing an item: the pin as read, and the members (ID, name).
    Edit(Box<crate::cluster::types::Pin>, Vec<(String, String)>),
}

/// The edit form's fields.
pub const EDIT_NAME: usize = 0;
pub const EDIT_MIN: usize = 1;
pub const EDIT_MAX: usize = 2;
pub const EDIT_PEERS: usize = 3;
pub const EDIT_META: usize = 4;

/// The fetch form's fields: where first (what an operator decides), then what.
pub const FETCH_DEST: usize = 0;
pub const FETCH_CID: usize = 1;

#[derive(Debug, Clone)]
pub struct Form {
    pub kind: FormKind,
    /// Member peers when the form opened (replication min is checked against it).
    pub members: usize,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Why the form cannot go on (shown in red).
    pub error: Option<String>,
    /// Something to know before going on (e.g. already in the archive).
    pub note: Option<String>,
    /// Set after a note that Enter confirms (upload anyway).
    pub force: bool,
    /// Waiting for the task to accept or refuse.
    pub pending: bool,
}

impl Form {
    pub fn upload(org: Option<&str>, members: usize) -> Self {
        let meta = org.map(|o| format!("org={o}")).unwrap_or_default();
        Form {
            kind: FormKind::Upload,
            members,
            fields: vec![
                Field::new("path", "", "file or folder; Tab completes, ~ works"),
                Field::new("name", "", "default: the basename"),
                Field::new("replication min", "", "default: the cluster's"),
                Field::new("replication max", "", "default: the cluster's"),
                Field::new(
                    "metadata",
                    &meta,
                    "key=value, separated by spaces; size is added",
                ),
            ],
            focus: 0,
            error: None,
            note: None,
            force: false,
            pending: false,
        }
    }

    /// `dest` is shown whole (absolute), so the operator sees where it lands.
    pub fn fetch(cid: &str, dest: &str) -> Self {
        Form {
            kind: FormKind::Fetch,
            members: 0,
            fields: vec![
                Field::new("save as", dest, "a new file or folder (absolute path)"),
                Field::new("CID", cid, "CIDv0 (Qm…) or CIDv1 (bafy…)"),
            ],
            focus: 0,
            error: None,
            note: None,
            force: false,
            pending: false,
        }
    }

    /// The edit form, filled with what the item holds now.
    pub fn edit(pin: crate::cluster::types::Pin, members: Vec<(String, String)>) -> Self {
        let name_of = |id: &str| {
            members
                .iter()
                .find(|(m, _)| m == id)
                .map_or(id.to_string(), |(_, n)| n.clone())
        };
        let peers: Vec<String> = pin.allocations.iter().map(|a| name_of(a)).collect();
        let mut meta: Vec<(String, String)> = pin
            .metadata
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        meta.sort();
        let meta = crate::cluster::steward::edit::metadata_words(&meta);
        Form {
            fields: vec![
                Field::new("name", &pin.name, "the item's name"),
                Field::new(
                    "replication min",
                    &pin.replication_factor_min.to_string(),
                    "-1 with max -1: on every peer",
                ),
                Field::new(
                    "replication max",
                    &pin.replication_factor_max.to_string(),
                    "",
                ),
                Field::new(
                    "peers",
                    &peers.join(" "),
                    "names; new copies are pinned before any peer lets go",
                ),
                Field::new(
                    "metadata",
                    &meta,
                    "key=value, key=\"two words\"; a key left out is removed",
                ),
            ],
            kind: FormKind::Edit(Box::new(pin), members),
            members: 0,
            focus: 0,
            error: None,
            note: None,
            force: false,
            pending: false,
        }
    }

    /// The field that holds a local path, which Tab completes: what an
    /// upload sends, where a fetch writes.
    pub fn path_field(&self) -> Option<usize> {
        match self.kind {
            FormKind::Upload => Some(0),
            FormKind::Fetch => Some(FETCH_DEST),
            FormKind::Edit(..) => None,
        }
    }

    pub fn value(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", Field::value)
    }
}

/// What a confirmation is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmAction {
    /// Unpin these (cid, name, peers holding it).
    Unpin(Vec<(String, String, usize)>),
    /// Recover every item in error.
    RecoverAll(usize),
    /// Carry out a stewardship plan.
    Steward(Box<crate::cluster::steward::Plan>),
    /// Write an edit (its changes, line by line, are shown).
    Edit(Box<crate::cluster::steward::edit::Edit>),
    /// Erase these, read and looked through for shared blocks: what the
    /// collection on every peer will do is said before it runs.
    Erase(Vec<crate::cluster::erase::Prepared>),
}

impl ConfirmAction {
    /// The second choice beside the action, when there is one: an unpin
    /// can be an erase.
    pub fn second(&self) -> Option<&'static str> {
        match self {
            ConfirmAction::Unpin(_) => Some("Erase"),
            _ => None,
        }
    }
}

/// The focused button of a confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Cancel,
    Action,
    /// [`ConfirmAction::second`].
    Second,
}

#[derive(Debug, Clone)]
pub struct Confirm {
    pub action: ConfirmAction,
    /// Cancel is focused unless the user moves to the action.
    pub focus: Button,
    /// The form this confirms, reopened as it was when cancelled (an edit
    /// is not typed again for changing one field).
    pub back: Option<Box<Form>>,
}

impl Confirm {
    /// A question with Cancel focused: the safe answer is the default.
    pub fn asking(action: ConfirmAction) -> Dialog {
        Dialog::Confirm(Confirm {
            action,
            focus: Button::Cancel,
            back: None,
        })
    }
}

#[derive(Debug, Clone)]
pub enum Dialog {
    Form(Form),
    Confirm(Confirm),
}
