//! Contract tasks (ES-7 launch core, ES-8 signing, ES-9 lists and actions, ES-18 deadlines; seed
//! 004 §2.5.1): a member launches already-rendered documents with their signing spots to
//! parties (persons and enterprises) in an order; each party signs in turn with an SMS code, the
//! server stamps its seal at its spots and makes a PAdES B-T signature under the party's own
//! certificate (the person's cloud certificate, the enterprise's certificate), stored as a new
//! revision in the transaction that moves the task; the last signature adds `/DSS` and a
//! document timestamp (B-LTA). Launching spends the enterprise's contract quota (a ledger).
//!
//! - [`launch`]: checks and writes a task; [`quota`]: the ledger;
//! - [`signing`]: the SMS intent and the signature; [`batch_sign`]: many tasks under one code,
//!   signed by a job; [`progress`]: what a stored signature
//!   moves (the next group, completion); [`pades`]: keys, stamps, TSA, revocation;
//! - [`actions`]: refuse, withdraw, remind; [`deadline`]: the job voiding expired tasks;
//! - [`view`]: one task as its reader may see it; [`lists`]: the six lists;
//! - [`public_page`]: the public page a page QR code opens; [`page_image`]: that page as PNG;
//! - [`events`]: the append-only, hash-chained log; [`hooks`]: its events announced to webhooks;
//! - [`evidence`]: each completed document's evidence package, made once by a job.

pub mod actions;
pub mod batch_sign;
pub mod deadline;
pub(crate) mod errors;
pub mod events;
pub mod evidence;
pub mod hooks;
pub mod launch;
pub mod lists;
pub mod pades;
pub mod page_image;
pub mod progress;
pub mod public_page;
pub mod quota;
pub mod signing;
pub mod view;

use serde::{Deserialize, Serialize};

pub use actions::{refuse, remind, withdraw};
pub use batch_sign::{BATCH_SIGN, BatchSign};
pub use deadline::{EXPIRE, ExpireTasks, SCHEDULE, expire_due};
pub use evidence::{BUILD_EVIDENCE, BuildEvidence, evidence_zip};
pub use launch::{
    LaunchDocument, LaunchInput, LaunchParty, RidingPages, RidingSeal, TemplateDocument,
    TemplateLaunchInput, launch, launch_from_templates,
};
pub use lists::{ListQuery, TaskList, TaskListItem, list};
pub use signing::{SignInput, send_code, sign};
pub use view::{TaskView, document_pdf, show};

/// Where a party stamps: the templates' signing spot (`contracts::templates` makes them). The box
/// is in points on the page as displayed, origin at its top-left, y downward.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SigningSpot {
    pub id: String,
    /// The party's role key.
    pub role: String,
    /// `company` | `contract` | `date` | `legal_rep` (enterprise roles), `name_seal` |
    /// `handwriting` | `sign_date` (person roles).
    pub kind: String,
    /// 1-based.
    pub page: u32,
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// Kinds of spot for enterprise and person roles.
pub const ENTERPRISE_SPOTS: [&str; 4] = ["company", "contract", "date", "legal_rep"];
pub const PERSON_SPOTS: [&str; 3] = ["name_seal", "handwriting", "sign_date"];

/// How the parties take turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OrderKind {
    /// Every party at once.
    Unordered,
    /// One party after another, in the order given.
    Serial,
    /// Groups in series (by `group`), the parties of a group in parallel.
    Groups,
}

impl OrderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unordered => "unordered",
            Self::Serial => "serial",
            Self::Groups => "groups",
        }
    }
}

/// A page of a document as displayed, in points.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageSize {
    pub width: f32,
    pub height: f32,
}

/// Task states and void reasons as stored.
pub mod state {
    pub const LAUNCHED: &str = "launched";
    pub const COMPLETED: &str = "completed";
    pub const VOID: &str = "void";
    pub const EXPIRED: &str = "expired";
    pub const WITHDRAWN: &str = "withdrawn";
    pub const REFUSED: &str = "refused";
}

/// Party states as stored.
pub mod party_state {
    pub const WAITING: &str = "waiting";
    pub const TO_SIGN: &str = "to_sign";
    pub const SIGNED: &str = "signed";
    pub const REFUSED: &str = "refused";
}
