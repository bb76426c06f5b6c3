//! The application form of the wizard (001 §3.4.1, 002 §3.1–3.2): saved as the applicant goes,
//! normalised rather than refused (APP-17), checked completely at submission, and checked
//! automatically (APP-3) so that what a machine cannot confirm goes to a person.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use signet_pki::ids::{CreditCode, IdNumber};

use super::super::DeskError;
use super::super::catalog::{Product, SubjectKind};
use crate::error::{CoreError, PlatformError};
use crate::platform::accounts::fields::Phone;
use crate::platform::mask;

/// The material kind of the operator's authorisation letter.
pub const AUTHORISATION_LETTER: &str = "authorisation_letter";

/// The organisation an enterprise certificate names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organisation {
    pub name: String,
    /// The unified social credit code (统一社会信用代码).
    pub id_number: String,
    pub legal_rep_name: String,
    /// The legal representative's resident ID number.
    pub legal_rep_id_number: String,
    pub legal_rep_phone: String,
    /// The organisation's own identifier for the certificate user, if any.
    pub unique_identifier: String,
}

/// The operator of an enterprise application, or the holder of a personal certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub department: String,
}

/// VAT e-invoice details.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invoice {
    pub wanted: bool,
    pub title: String,
    pub taxpayer_id: String,
    pub address: String,
    pub phone: String,
    pub bank: String,
    pub account: String,
    /// Where the e-invoice is emailed.
    pub email: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shipping {
    pub name: String,
    pub phone: String,
    pub address: String,
}

/// The whole form. Every part is optional while drafting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationForm {
    pub term_years: i64,
    pub quantity: i64,
    pub organisation: Option<Organisation>,
    /// Operator (enterprise) or holder (personal).
    pub person: Option<Person>,
    /// The legal representative handles the application himself (002 table 3): the operator is
    /// the legal representative and is not checked separately.
    pub legal_rep_handles: bool,
    /// Name of the grantee written on the uploaded authorisation letter.
    pub authorisation_grantee: String,
    pub invoice: Invoice,
    pub shipping: Shipping,
    /// Material kind → id of an uploaded material.
    pub materials: BTreeMap<String, String>,
}

/// The form as submitted: complete, with the identifiers and phones that submission and the
/// steps after it act on parsed once, here, instead of each step re-reading the strings.
#[derive(Debug, Clone)]
pub struct SubmittedForm {
    /// The operator (enterprise) or holder (personal): the phone that signs the application.
    pub operator_phone: Phone,
    pub operator_id: IdNumber,
    /// The organisation of an enterprise application.
    pub organisation: Option<SubmittedOrganisation>,
    /// The phone that authorises the application: the legal representative's, when the product
    /// asks for the representative's code and he does not handle the application himself.
    pub authorising_phone: Option<Phone>,
}

/// The organisation's identifiers, checked.
#[derive(Debug, Clone)]
pub struct SubmittedOrganisation {
    pub credit_code: CreditCode,
    pub legal_rep_id: IdNumber,
    /// Given on the form (it may be left empty unless the representative must authorise).
    pub legal_rep_phone: Option<Phone>,
}

/// Strips every kind of space a paste can bring (ASCII, full-width, non-breaking).
pub fn strip_spaces(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .collect()
}

fn trim(text: &mut String) {
    let trimmed = text.trim().to_owned();
    *text = trimmed;
}

impl ApplicationForm {
    /// Normalises what people paste (APP-17): spaces out of identifiers, account numbers and
    /// phone numbers, upper-case check characters, trimmed names.
    pub fn normalise(&mut self) {
        if let Some(org) = &mut self.organisation {
            trim(&mut org.name);
            org.id_number = strip_spaces(&org.id_number).to_ascii_uppercase();
            trim(&mut org.legal_rep_name);
            org.legal_rep_id_number = strip_spaces(&org.legal_rep_id_number).to_ascii_uppercase();
            org.legal_rep_phone = strip_spaces(&org.legal_rep_phone);
            trim(&mut org.unique_identifier);
        }
        if let Some(person) = &mut self.person {
            trim(&mut person.name);
            person.id_number = strip_spaces(&person.id_number).to_ascii_uppercase();
            person.phone = strip_spaces(&person.phone);
            person.email = strip_spaces(&person.email);
            trim(&mut person.address);
            trim(&mut person.department);
        }
        trim(&mut self.authorisation_grantee);
        self.invoice.taxpayer_id = strip_spaces(&self.invoice.taxpayer_id).to_ascii_uppercase();
        self.invoice.account = strip_spaces(&self.invoice.account);
        self.invoice.phone = strip_spaces(&self.invoice.phone);
        self.invoice.email = strip_spaces(&self.invoice.email);
        trim(&mut self.invoice.title);
        trim(&mut self.shipping.name);
        self.shipping.phone = strip_spaces(&self.shipping.phone);
        trim(&mut self.shipping.address);
    }

    /// The ID number the "one open order per ID number and business" rule is about.
    pub fn subject_id(&self, kind: SubjectKind) -> Option<&str> {
        let id = match kind {
            SubjectKind::Enterprise => self.organisation.as_ref().map(|o| o.id_number.as_str()),
            SubjectKind::Personal => self.person.as_ref().map(|p| p.id_number.as_str()),
        };
        id.filter(|id| !id.is_empty())
    }

    /// The name the order list shows (enterprise name or holder's name).
    pub fn subject_name(&self, kind: SubjectKind) -> String {
        match kind {
            SubjectKind::Enterprise => self.organisation.as_ref().map(|o| o.name.clone()),
            SubjectKind::Personal => self.person.as_ref().map(|p| p.name.clone()),
        }
        .unwrap_or_default()
    }

    /// Term and quantity against the product's rules (checked on every save).
    pub fn check_goods(&self, product: &Product) -> Result<(), CoreError> {
        if !product.settings.terms.contains(&self.term_years) {
            return Err(DeskError::TermNotOffered.into());
        }
        let (min, max) = (product.settings.min_quantity, product.settings.max_quantity);
        if self.quantity < min || self.quantity > max {
            return Err(DeskError::QuantityNotAllowed { min, max }.into());
        }
        Ok(())
    }

    /// Everything the product needs is present and well formed, parsed into a [`SubmittedForm`];
    /// the first problem is returned.
    pub fn check_complete(&self, product: &Product) -> Result<SubmittedForm, CoreError> {
        self.check_goods(product)?;
        let missing = |field| -> CoreError { DeskError::Missing(field).into() };
        let person = self.person.as_ref().ok_or_else(|| missing("person"))?;
        if person.name.is_empty() {
            return Err(missing("person.name"));
        }
        let organisation = if product.subject_kind == SubjectKind::Enterprise {
            Some(self.check_organisation()?)
        } else {
            None
        };
        let operator_id =
            IdNumber::parse(&person.id_number).map_err(|_| PlatformError::Invalid {
                field: "person.id_number",
                zh: "身份证号码不正确（校验码不符，GB 11643）",
                en: "The ID number is not valid (GB 11643 check digit)",
            })?;
        if !is_mobile(&person.phone) {
            return Err(PlatformError::Invalid {
                field: "person.phone",
                zh: "手机号码格式不正确",
                en: "The mobile number is not valid",
            }
            .into());
        }
        let operator_phone = Phone::parse(&person.phone, "person.phone")?;
        self.check_legal_rep_phone(product)?;
        if person.email.is_empty() || !person.email.contains('@') {
            return Err(missing("person.email"));
        }
        for spec in &product.settings.materials {
            if spec.kind == AUTHORISATION_LETTER {
                continue;
            }
            let needed = spec.required
                || (spec.kind == "seal_image" && product.settings.seal_image == "required");
            if needed && !self.materials.contains_key(&spec.kind) {
                return Err(DeskError::Missing("materials").into());
            }
        }
        self.check_authorisation_letter(product)?;
        if product.settings.medium == super::super::catalog::Medium::UsbKey
            && (self.shipping.name.is_empty()
                || self.shipping.address.is_empty()
                || !is_mobile(&self.shipping.phone))
        {
            return Err(missing("shipping"));
        }
        if self.invoice.wanted && (self.invoice.title.is_empty() || self.invoice.email.is_empty()) {
            return Err(missing("invoice"));
        }
        let authorising_phone =
            if product.settings.legal_rep_authorisation && !self.legal_rep_handles {
                let text = self
                    .organisation
                    .as_ref()
                    .map_or("", |o| o.legal_rep_phone.as_str());
                Some(Phone::parse(text, "organisation.legal_rep_phone")?)
            } else {
                None
            };
        Ok(SubmittedForm {
            operator_phone,
            operator_id,
            organisation,
            authorising_phone,
        })
    }

    /// The organisation of an enterprise application: present, filled in, its identifiers valid.
    fn check_organisation(&self) -> Result<SubmittedOrganisation, CoreError> {
        let missing = |field| -> CoreError { DeskError::Missing(field).into() };
        let org = self
            .organisation
            .as_ref()
            .ok_or_else(|| missing("organisation"))?;
        for (value, field) in [
            (&org.name, "organisation.name"),
            (&org.id_number, "organisation.id_number"),
            (&org.legal_rep_name, "organisation.legal_rep_name"),
            (&org.legal_rep_id_number, "organisation.legal_rep_id_number"),
        ] {
            if value.is_empty() {
                return Err(missing(field));
            }
        }
        let credit_code =
            CreditCode::parse(&org.id_number).map_err(|_| PlatformError::Invalid {
                field: "organisation.id_number",
                zh: "统一社会信用代码不正确（校验位不符，GB 32100）",
                en: "The unified social credit code is not valid (GB 32100 check character)",
            })?;
        let legal_rep_id =
            IdNumber::parse(&org.legal_rep_id_number).map_err(|_| PlatformError::Invalid {
                field: "organisation.legal_rep_id_number",
                zh: "法定代表人身份证号码不正确（校验码不符，GB 11643）",
                en: "The legal representative's ID number is not valid (GB 11643 check digit)",
            })?;
        if !org.legal_rep_phone.is_empty() && !is_mobile(&org.legal_rep_phone) {
            return Err(PlatformError::Invalid {
                field: "organisation.legal_rep_phone",
                zh: "法定代表人手机号码格式不正确",
                en: "The legal representative's mobile number is not valid",
            }
            .into());
        }
        let legal_rep_phone = if org.legal_rep_phone.is_empty() {
            None
        } else {
            Some(Phone::parse(
                &org.legal_rep_phone,
                "organisation.legal_rep_phone",
            )?)
        };
        Ok(SubmittedOrganisation {
            credit_code,
            legal_rep_id,
            legal_rep_phone,
        })
    }

    /// The authorisation letter (001 §3.1–3.2): a product that lists it as required wants it
    /// whenever the operator is not the legal representative, and the grantee written on it
    /// must be the operator ("机构授权书被授权人、经办人必须为同一个人"). A legal representative
    /// who handles the application himself needs no letter.
    pub fn check_authorisation_letter(&self, product: &Product) -> Result<(), CoreError> {
        let Some(spec) = product
            .settings
            .materials
            .iter()
            .find(|m| m.kind == AUTHORISATION_LETTER)
        else {
            return Ok(());
        };
        if product.subject_kind != SubjectKind::Enterprise {
            return Ok(());
        }
        if self.legal_rep_handles {
            // Ticking "the legal representative handles it" must not be a way round the letter.
            let org = self.organisation.as_ref();
            let person = self.person.as_ref();
            let same = org.zip(person).is_some_and(|(o, p)| {
                o.legal_rep_name == p.name && o.legal_rep_id_number == p.id_number
            });
            if !same {
                return Err(PlatformError::Invalid {
                    field: "legal_rep_handles",
                    zh: "选择“法定代表人本人办理”时，经办人的姓名和证件号码须与法定代表人一致；否则请取消勾选并上传授权书",
                    en: "When the legal representative handles the application, the operator's name and ID number must be the representative's; otherwise untick it and upload the authorisation letter",
                }.into());
            }
            return Ok(());
        }
        let uploaded = self.materials.contains_key(AUTHORISATION_LETTER);
        if spec.required && !uploaded {
            return Err(PlatformError::Invalid {
                field: "materials",
                zh: "经办人不是法定代表人本人，须上传加盖公章的授权书（可下载授权书模板填写）",
                en: "The operator is not the legal representative: upload the authorisation letter with the official seal (the template can be downloaded)",
            }.into());
        }
        if !uploaded {
            return Ok(());
        }
        if self.authorisation_grantee.is_empty() {
            return Err(PlatformError::Invalid {
                field: "authorisation_grantee",
                zh: "请填写授权书上的被授权人姓名",
                en: "Enter the grantee named on the authorisation letter",
            }
            .into());
        }
        let operator = self.person.as_ref().map_or("", |p| p.name.as_str());
        if self.authorisation_grantee != operator {
            return Err(PlatformError::Invalid {
                field: "authorisation_grantee",
                zh: "授权书的被授权人须与经办人为同一人：请核对授权书或经办人姓名",
                en: "The grantee on the authorisation letter must be the operator: check the letter or the operator's name",
            }.into());
        }
        Ok(())
    }

    /// The legal representative's authorisation code must reach another phone than the
    /// operator's: otherwise the operator alone would stand for both signatures.
    pub fn check_legal_rep_phone(&self, product: &Product) -> Result<(), CoreError> {
        if product.subject_kind != SubjectKind::Enterprise
            || !product.settings.legal_rep_authorisation
            || self.legal_rep_handles
        {
            return Ok(());
        }
        let rep = self
            .organisation
            .as_ref()
            .map_or("", |o| o.legal_rep_phone.as_str());
        let operator = self.person.as_ref().map_or("", |p| p.phone.as_str());
        if !rep.is_empty() && rep == operator {
            return Err(PlatformError::Invalid {
                field: "organisation.legal_rep_phone",
                zh: "法定代表人手机号不能与经办人手机号相同：授权须由法定代表人本人用自己的手机确认",
                en: "The legal representative's mobile must differ from the operator's: the authorisation is confirmed on the representative's own phone",
            }.into());
        }
        Ok(())
    }

    /// Automatic review (APP-3): what a machine cannot confirm, for a reviewer to look at.
    /// Format errors were refused already by [`Self::check_complete`].
    pub fn auto_flags(&self, product: &Product) -> Vec<String> {
        // The letter's grantee was held to the operator by `check_authorisation_letter`.
        let mut flags = Vec::new();
        if product.subject_kind == SubjectKind::Enterprise && self.invoice.wanted {
            let org_name = self.organisation.as_ref().map_or("", |o| o.name.as_str());
            if self.invoice.title != org_name {
                flags.push(super::flags::INVOICE_TITLE_MISMATCH.to_owned());
            }
        }
        flags
    }

    /// A summary for lists and logs: names kept, identifiers and phones masked.
    pub fn masked_summary(&self) -> serde_json::Value {
        serde_json::json!({
            "organisation": self.organisation.as_ref().map(|o| serde_json::json!({
                "name": o.name,
                "id_number": mask::identifier(&o.id_number),
                "legal_rep_name": o.legal_rep_name,
            })),
            "person": self.person.as_ref().map(|p| serde_json::json!({
                "name": p.name,
                "id_number": mask::identifier(&p.id_number),
                "phone": mask::phone(&p.phone),
            })),
        })
    }
}

/// A mainland mobile number: 11 digits starting with 1[3-9].
pub fn is_mobile(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 11
        && bytes[0] == b'1'
        && (b'3'..=b'9').contains(&bytes[1])
        && bytes.iter().all(u8::is_ascii_digit)
}

/// A bank card or account number: 8–30 digits (cards also pass the Luhn check, accounts need not).
pub fn is_account_number(text: &str) -> bool {
    (8..=30).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// The Luhn check bank cards carry.
pub fn luhn_ok(number: &str) -> bool {
    if number.len() < 12 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_spaces_are_stripped() {
        let mut form = ApplicationForm {
            organisation: Some(Organisation {
                id_number: " 91350100 m000100y43 ".into(),
                ..Organisation::default()
            }),
            invoice: Invoice {
                account: "6222 0202\u{3000}0000 1234".into(),
                taxpayer_id: "91350100M000100Y43 ".into(),
                ..Invoice::default()
            },
            ..ApplicationForm::default()
        };
        form.normalise();
        assert_eq!(
            form.organisation.as_ref().map(|o| o.id_number.as_str()),
            Some("91350100M000100Y43")
        );
        assert_eq!(form.invoice.account, "6222020200001234");
        assert_eq!(form.invoice.taxpayer_id, "91350100M000100Y43");
    }

    #[test]
    fn mobile_and_luhn() {
        assert!(is_mobile("13800138000"));
        assert!(!is_mobile("12800138000"));
        assert!(!is_mobile("1380013800"));
        assert!(luhn_ok("4111111111111111"));
        assert!(!luhn_ok("4111111111111112"));
    }
}
