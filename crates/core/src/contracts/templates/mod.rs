//! Contract templates (ES-11, seed 004 §2.6): private to an enterprise, bound to one business
//! type, made from a PDF or a Word file, with party roles, fields placed on the pages and signing
//! spots. Versions: a published version never changes; editing a published template makes a new
//! draft, publishing it supersedes the old one, and contracts keep the version they launched
//! from. Filling draws values into their boxes without ever adding a page ([`fill`]).
//!
//! Parts: [`model`] (the JSON shapes and their checks), [`source`] (upload, LibreOffice),
//! [`store`] (the tables and who may act), [`values`] (checking and normalising values),
//! [`fill`] (drawing into the PDF), [`custom_fields`] (§2.6.2).

pub mod custom_fields;
pub mod edit;
pub(crate) mod errors;
pub mod fill;
pub mod model;
pub mod source;
pub mod store;
pub mod values;

pub use custom_fields::{FieldDef, STANDARD_FIELDS};
pub use edit::{create, publish, save_draft};
pub use fill::{FillOptions, Filled, PreparedTemplate, fill};
pub use model::{
    DateFormat, FieldKind, FontChoice, Layout, LayoutError, PageSize, PartyRole, Placement,
    RoleKind, SigningSpot, SpotKind, TemplateField,
};
pub use source::FileProblem;
pub use store::{
    DraftInput, NewTemplate, TemplateBusinessType, TemplateSummary, TemplateVersion, TemplateView,
    VersionState, VersionView, published, version,
};
pub use values::{FieldError, Normalised, validate_party_values, validate_values};

/// Audit actions.
pub const TEMPLATE_CREATE: &str = "contracts.template_create";
pub const TEMPLATE_DRAFT: &str = "contracts.template_draft";
pub const TEMPLATE_PUBLISH: &str = "contracts.template_publish";
pub const TEMPLATE_FIELD: &str = "contracts.template_field";
