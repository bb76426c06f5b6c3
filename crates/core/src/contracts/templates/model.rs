//! The shapes a template version holds (pages, party roles, fields, signing spots) and the
//! checks a draft passes before it is saved: every box inside its page, known kinds, a signing
//! spot's kind fitting its role's kind. Positions are points on the page as displayed, from its
//! top-left corner with y downward, as a browser editor has them; [`Placement::to_pdf`] turns
//! them into PDF user space of the displayed page (origin bottom-left).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// Roles, fields and spots per version, at most.
pub const MAX_ROLES: usize = 20;
pub const MAX_FIELDS: usize = 200;
pub const MAX_PLACEMENTS: usize = 50;
pub const MAX_SPOTS: usize = 200;
/// Longest role name, field key (characters).
pub const MAX_NAME: usize = 40;

/// A page as displayed (rotation applied), in points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageSize {
    pub width: f32,
    pub height: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoleKind {
    Enterprise,
    Person,
}

/// A signing party of the template (`A`, `B`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartyRole {
    pub key: String,
    pub kind: RoleKind,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Date,
    Number,
    IdNumber,
    Mobile,
}

impl FieldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Date => "date",
            Self::Number => "number",
            Self::IdNumber => "id_number",
            Self::Mobile => "mobile",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Text,
            Self::Date,
            Self::Number,
            Self::IdNumber,
            Self::Mobile,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FontChoice {
    #[default]
    Sans,
    Serif,
}

/// How a date field is written into the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DateFormat {
    #[serde(rename = "YYYY年MM月DD日")]
    Chinese,
    #[serde(rename = "YYYY-MM-DD")]
    Iso,
}

/// A box on a page: points from the displayed page's top-left corner, y downward.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Placement {
    /// 1-based page.
    pub page: usize,
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Placement {
    /// `[left, bottom, width, height]` in the displayed page's PDF coordinates (origin
    /// bottom-left, y upward), for a page `height` points tall.
    pub fn to_pdf(&self, height: f32) -> [f32; 4] {
        [self.x, height - self.y - self.h, self.w, self.h]
    }

    fn inside(&self, pages: &[PageSize]) -> bool {
        let finite = [self.x, self.y, self.w, self.h]
            .iter()
            .all(|v| v.is_finite());
        let Some(page) = self.page.checked_sub(1).and_then(|i| pages.get(i)) else {
            return false;
        };
        // Half a point of slack for rounding in the browser.
        finite
            && self.w > 0.0
            && self.h > 0.0
            && self.x >= -0.5
            && self.y >= -0.5
            && self.x + self.w <= page.width + 0.5
            && self.y + self.h <= page.height + 0.5
    }
}

fn default_size() -> f32 {
    12.0
}

fn default_min_size() -> f32 {
    7.0
}

fn default_required() -> bool {
    true
}

/// A field of the template; one key may be placed several times (all placements show the value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateField {
    pub key: String,
    pub kind: FieldKind,
    /// `null`: the launcher fills it; a role key: that party completes it when signing.
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub font: FontChoice,
    #[serde(default = "default_size")]
    pub size: f32,
    #[serde(default = "default_min_size")]
    pub min_size: f32,
    #[serde(default = "default_required")]
    pub required: bool,
    #[serde(default)]
    pub date_format: Option<DateFormat>,
    pub placements: Vec<Placement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SpotKind {
    // Enterprise roles.
    Company,
    Contract,
    Date,
    LegalRep,
    // Person roles.
    NameSeal,
    Handwriting,
    SignDate,
}

impl SpotKind {
    /// The role kind this spot belongs to.
    pub fn role_kind(self) -> RoleKind {
        match self {
            Self::Company | Self::Contract | Self::Date | Self::LegalRep => RoleKind::Enterprise,
            Self::NameSeal | Self::Handwriting | Self::SignDate => RoleKind::Person,
        }
    }
}

/// Where a party stamps or signs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SigningSpot {
    pub id: String,
    pub role: String,
    pub kind: SpotKind,
    pub page: usize,
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl SigningSpot {
    pub fn placement(&self) -> Placement {
        Placement {
            page: self.page,
            x: self.x,
            y: self.y,
            w: self.w,
            h: self.h,
        }
    }
}

/// What a draft is saved with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Layout {
    #[serde(default)]
    pub roles: Vec<PartyRole>,
    #[serde(default)]
    pub fields: Vec<TemplateField>,
    #[serde(default)]
    pub signing: Vec<SigningSpot>,
}

/// Why a layout was refused: the path of the bad part (`fields[2].placements[0]`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutError {
    pub at: String,
    pub zh: String,
    pub en: String,
}

fn err(at: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> LayoutError {
    LayoutError {
        at: at.into(),
        zh: zh.into(),
        en: en.into(),
    }
}

fn clean_key(text: &str) -> bool {
    let n = text.chars().count();
    n > 0 && n <= MAX_NAME && text.trim() == text && !text.chars().any(char::is_control)
}

/// Checks a layout against the version's pages; the first problem found is returned.
pub fn check_layout(layout: &Layout, pages: &[PageSize]) -> Result<(), LayoutError> {
    if layout.roles.len() > MAX_ROLES
        || layout.fields.len() > MAX_FIELDS
        || layout.signing.len() > MAX_SPOTS
    {
        return Err(err(
            "layout",
            format!(
                "角色最多 {MAX_ROLES} 个、字段最多 {MAX_FIELDS} 个、签署位置最多 {MAX_SPOTS} 个"
            ),
            format!("At most {MAX_ROLES} roles, {MAX_FIELDS} fields and {MAX_SPOTS} signing spots"),
        ));
    }
    let mut roles = BTreeSet::new();
    for (i, role) in layout.roles.iter().enumerate() {
        if !clean_key(&role.key) || !clean_key(&role.name) {
            return Err(err(
                format!("roles[{i}]"),
                format!("签署角色的代号和名称须为 1 到 {MAX_NAME} 个字"),
                format!("A role's key and name have 1 to {MAX_NAME} characters"),
            ));
        }
        if !roles.insert(role.key.as_str()) {
            return Err(err(
                format!("roles[{i}]"),
                format!("签署角色“{}”重复", role.key),
                format!("The role {} appears twice", role.key),
            ));
        }
    }
    let mut keys = BTreeSet::new();
    for (i, field) in layout.fields.iter().enumerate() {
        check_field(field, i, pages, &roles)?;
        if !keys.insert(field.key.as_str()) {
            return Err(err(
                format!("fields[{i}]"),
                format!(
                    "字段“{}”重复；同一字段的多处位置请放在一个字段里",
                    field.key
                ),
                format!(
                    "The field {} appears twice; put all its places in one field",
                    field.key
                ),
            ));
        }
    }
    let mut ids = BTreeSet::new();
    for (i, spot) in layout.signing.iter().enumerate() {
        let at = format!("signing[{i}]");
        if !clean_key(&spot.id) || !ids.insert(spot.id.as_str()) {
            return Err(err(
                at,
                "签署位置的编号须唯一且不为空",
                "Each signing spot needs a unique id",
            ));
        }
        let Some(role) = layout.roles.iter().find(|r| r.key == spot.role) else {
            return Err(err(
                at,
                format!("签署位置属于未知的签署角色“{}”", spot.role),
                format!("The signing spot belongs to an unknown role {}", spot.role),
            ));
        };
        if spot.kind.role_kind() != role.kind {
            return Err(err(
                at,
                "签署位置的类型与签署角色不符：企业角色可用公章、合同章、日期章、法定代表人章，个人角色可用人名章、手写签名、签署日期",
                "The spot's kind does not fit its role: enterprise roles take company, contract, date or legal-representative seals; person roles a name seal, handwriting or a signing date",
            ));
        }
        if !spot.placement().inside(pages) {
            return Err(outside(at, &spot.placement()));
        }
    }
    Ok(())
}

fn outside(at: String, place: &Placement) -> LayoutError {
    err(
        at,
        format!("位置超出了第 {} 页的范围（或该页不存在）", place.page),
        format!(
            "The box lies outside page {} (or there is no such page)",
            place.page
        ),
    )
}

fn check_field(
    field: &TemplateField,
    i: usize,
    pages: &[PageSize],
    roles: &BTreeSet<&str>,
) -> Result<(), LayoutError> {
    let at = format!("fields[{i}]");
    if !clean_key(&field.key) {
        return Err(err(
            at,
            format!("字段名须为 1 到 {MAX_NAME} 个字"),
            format!("A field's key has 1 to {MAX_NAME} characters"),
        ));
    }
    if let Some(role) = &field.role
        && !roles.contains(role.as_str())
    {
        return Err(err(
            at,
            format!("字段“{}”由未知的签署角色“{role}”填写", field.key),
            format!(
                "The field {} is completed by an unknown role {role}",
                field.key
            ),
        ));
    }
    let sizes_ok = field.min_size.is_finite()
        && field.size.is_finite()
        && field.min_size >= 4.0
        && field.min_size <= field.size
        && field.size <= 72.0;
    if !sizes_ok {
        return Err(err(
            at,
            format!(
                "字段“{}”的字号须在 4 到 72 之间，且最小字号不大于字号",
                field.key
            ),
            format!(
                "The field {}'s size is 4 to 72 points, its minimum no larger",
                field.key
            ),
        ));
    }
    if field.date_format.is_some() && field.kind != FieldKind::Date {
        return Err(err(
            at,
            format!(
                "只有日期字段可以设置日期格式（“{}”不是日期字段）",
                field.key
            ),
            format!(
                "Only date fields take a date format ({} is not one)",
                field.key
            ),
        ));
    }
    if field.placements.is_empty() || field.placements.len() > MAX_PLACEMENTS {
        return Err(err(
            at,
            format!("字段“{}”须放在 1 到 {MAX_PLACEMENTS} 处", field.key),
            format!(
                "The field {} is placed 1 to {MAX_PLACEMENTS} times",
                field.key
            ),
        ));
    }
    for (j, place) in field.placements.iter().enumerate() {
        if !place.inside(pages) {
            return Err(outside(format!("fields[{i}].placements[{j}]"), place));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a4() -> Vec<PageSize> {
        vec![PageSize {
            width: 595.0,
            height: 842.0,
        }]
    }

    fn layout() -> Layout {
        serde_json::from_value(serde_json::json!({
            "roles": [{"key": "A", "kind": "enterprise", "name": "甲方"},
                      {"key": "B", "kind": "person", "name": "乙方"}],
            "fields": [{"key": "姓名", "kind": "text", "placements": [{"page": 1, "x": 100, "y": 100, "w": 120, "h": 20}]}],
            "signing": [{"id": "s1", "role": "A", "kind": "company", "page": 1, "x": 400, "y": 700, "w": 120, "h": 120}]
        }))
        .unwrap()
    }

    #[test]
    fn a_good_layout_passes_and_defaults_apply() {
        let layout = layout();
        check_layout(&layout, &a4()).unwrap();
        let field = &layout.fields[0];
        assert!(field.required && field.role.is_none());
        assert!((field.size - 12.0).abs() < f32::EPSILON);
    }

    #[test]
    fn boxes_outside_the_page_or_on_missing_pages_are_refused() {
        let mut l = layout();
        l.fields[0].placements[0].x = 500.0;
        assert_eq!(
            check_layout(&l, &a4()).unwrap_err().at,
            "fields[0].placements[0]"
        );
        let mut l = layout();
        l.signing[0].page = 2;
        assert_eq!(check_layout(&l, &a4()).unwrap_err().at, "signing[0]");
        let mut l = layout();
        l.fields[0].placements[0].w = f32::NAN;
        assert!(check_layout(&l, &a4()).is_err());
    }

    #[test]
    fn a_spot_must_fit_its_role() {
        let mut l = layout();
        l.signing[0].kind = SpotKind::Handwriting;
        assert_eq!(check_layout(&l, &a4()).unwrap_err().at, "signing[0]");
        l.signing[0].role = "B".into();
        check_layout(&l, &a4()).unwrap();
        l.signing[0].role = "C".into();
        assert!(check_layout(&l, &a4()).is_err());
    }

    #[test]
    fn the_top_left_box_maps_to_pdf_space() {
        let p = Placement {
            page: 1,
            x: 10.0,
            y: 20.0,
            w: 30.0,
            h: 40.0,
        };
        let got = p.to_pdf(842.0);
        for (a, b) in got.iter().zip([10.0_f32, 782.0, 30.0, 40.0]) {
            assert!((a - b).abs() < 1e-3, "{got:?}");
        }
    }
}
