//! Signing and submitting: the SMS codes that stand for the applicant's (and the legal
//! representative's) signature, the evidence kept, the automatic checks' flags.

use serde::Deserialize;

use super::super::catalog;
use super::history::Note;
use super::writer::Columns;
use super::{Change, Event, Order, apply};
use crate::Platform;
use crate::error::{CoreError, PlatformError};
use crate::platform::accounts::Origin;
use crate::platform::accounts::fields::Phone;
use crate::platform::captcha;
use crate::platform::clock::Clock as _;
use crate::platform::crypto::sha256_hex;
use crate::platform::sms_codes::{self, Purpose};

/// Sends the application-signing code to the operator's (or holder's) mobile, or the
/// authorisation code to the legal representative's, behind a solved graphic captcha like every
/// other code (the numbers come from a form the applicant typed, so without it the endpoint would
/// send SMS to any number).
pub async fn send_signing_code(
    platform: &Platform,
    order: &Order,
    legal_rep: bool,
    captcha_id: &str,
    captcha_answer: &str,
) -> Result<sms_codes::SentCode, CoreError> {
    order.check(Event::Submit)?;
    if legal_rep {
        let product = catalog::product(platform, &order.product_id).await?;
        order.form.check_legal_rep_phone(&product)?;
    }
    let (phone, purpose) = if legal_rep {
        let phone = order
            .form
            .organisation
            .as_ref()
            .map(|o| o.legal_rep_phone.clone())
            .unwrap_or_default();
        (phone, Purpose::AuthoriseApplication)
    } else {
        let phone = order
            .form
            .person
            .as_ref()
            .map(|p| p.phone.clone())
            .unwrap_or_default();
        (phone, Purpose::SignApplication)
    };
    let field = if legal_rep {
        "organisation.legal_rep_phone"
    } else {
        "person.phone"
    };
    let phone = Phone::parse(&phone, field)?;
    // Before the captcha is spent: without an SMS provider no code can be sent (503).
    if !platform.sms.configured() {
        return Err(PlatformError::ProviderNotConfigured { provider: "sms" }.into());
    }
    captcha::check(platform, captcha_id, captcha_answer).await?;
    sms_codes::send(platform, &phone, purpose).await
}

/// What the applicant sends to sign and submit.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitInput {
    /// Consent to the subscriber agreement.
    pub agree: bool,
    /// The code sent to the operator's mobile.
    pub sms_code: String,
    /// The code sent to the legal representative, when the product asks for it.
    #[serde(default)]
    pub legal_rep_code: Option<String>,
}

/// Signs and submits (APP-10, APP-3): the form must be complete; the operator's SMS code and
/// agreement consent are recorded as the signature evidence; automatic checks add flags for the
/// reviewer; identity verification starts.
pub async fn submit(
    platform: &Platform,
    order: &Order,
    input: &SubmitInput,
    origin: &Origin,
) -> Result<Order, CoreError> {
    order.check(Event::Submit)?;
    let product = catalog::product(platform, &order.product_id).await?;
    let submitted = order.form.check_complete(&product)?;
    if !input.agree {
        return Err(PlatformError::AgreementRequired.into());
    }
    sms_codes::consume(
        platform,
        &submitted.operator_phone,
        Purpose::SignApplication,
        &input.sms_code,
    )
    .await?;
    if let Some(legal_rep_phone) = &submitted.authorising_phone {
        let code = input.legal_rep_code.as_deref().unwrap_or("");
        sms_codes::consume(
            platform,
            legal_rep_phone,
            Purpose::AuthoriseApplication,
            code,
        )
        .await?;
    }
    let now = platform.clock.now();
    let evidence = serde_json::json!({
        "signed_at": now,
        "ip": origin.ip,
        "agreement": "signet-subscriber-agreement/v1",
        "signer_phone": submitted.operator_phone.masked(),
        "legal_rep_authorised": submitted.authorising_phone.is_some(),
        "form_sha256": sha256_hex(serde_json::to_string(&order.form).map_err(|e| CoreError::internal(format!("json: {e}")))?.as_bytes()),
        "amount_fen": order.amount_fen,
    });
    let flags = order.form.auto_flags(&product);
    let mut tx = platform.db.begin().await?;
    apply(
        platform,
        &mut tx,
        order,
        &Change::new(
            Event::Submit,
            &format!("user:{}", order.user_id),
            Note::Submitted {
                flags: flags.clone(),
            },
            now,
        )
        .with(Columns {
            signature: Some((now, evidence)),
            flags: Some(flags),
            ..Columns::default()
        }),
    )
    .await?;
    tx.commit().await?;
    super::load(platform, &order.id).await
}
