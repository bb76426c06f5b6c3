//! Starting a check of one party by one method: a micro-deposit to the organisation's account,
//! a three- or four-factor lookup (run at once), or a face-check link sent by SMS. Each start is
//! reserved against the order's limits before anything leaves the platform.

use super::limits;
use super::status::{self, VerificationStatus};
use super::{
    CheckDetail, DEPOSIT_LIFETIME, DEPOSIT_TRIES, FACE_LIFETIME, NewSession, Party, StartInput,
    Started, advance, identity, insert, invalid, one, requirements,
};
use crate::Platform;
use crate::desk::DeskError;
use crate::desk::catalog::{self, Method};
use crate::desk::orders::{Order, OrderState};
use crate::error::{CoreError, PlatformError};
use crate::platform::accounts::fields::Phone;
use crate::platform::clock::{Clock as _, Timestamp};
use crate::platform::providers::{CheckOutcome, SmsMessage, Transfer};

/// Starts (and for three-/four-factor, runs) a check of one party by one method.
#[expect(clippy::too_many_lines, reason = "one arm per method, each short")]
pub async fn start(
    platform: &Platform,
    order: &Order,
    input: &StartInput,
) -> Result<Started, CoreError> {
    if order.state != OrderState::Verifying {
        return Err(DeskError::Transition("verify", order.state.as_str()).into());
    }
    let product = catalog::product(platform, &order.product_id).await?;
    let party = input.party.ok_or(DeskError::Missing("party"))?;
    let method = input.method.ok_or(DeskError::Missing("method"))?;
    let requirement = requirements(&product, &order.form)
        .into_iter()
        .find(|r| r.party == party)
        .ok_or(DeskError::MethodNotOffered)?;
    if !requirement.methods.contains(&method) {
        return Err(DeskError::MethodNotOffered.into());
    }
    if method == Method::MicroDeposit && party != Party::Organisation {
        return Err(DeskError::MethodNotOffered.into());
    }
    let now = platform.clock.now();
    let (name, id_number, phone) = identity(&order.form, party);
    let mut face_url = None;
    let session = match method {
        Method::MicroDeposit => {
            let bank = input.bank.trim().to_owned();
            let account = crate::desk::orders::strip_spaces(&input.account);
            if bank.is_empty() {
                return Err(invalid("bank", "请填写开户银行", "Give the bank"));
            }
            if !crate::desk::orders::is_account_number(&account) {
                return Err(invalid(
                    "account",
                    "对公账号应为 8–30 位数字",
                    "The account number must be 8–30 digits",
                ));
            }
            // Wrong amounts count across deposits; each deposit is reserved before money moves.
            let tries_used = limits::deposit_tries_used(platform, &order.id, party).await?;
            if tries_used >= DEPOSIT_TRIES {
                return Err(DeskError::VerificationAttemptsExhausted.into());
            }
            limits::reserve(platform, &order.id, party, limits::Kind::Deposit).await?;
            status::expire_pending(
                platform,
                &order.id,
                party.as_str(),
                Method::MicroDeposit.as_str(),
                now,
            )
            .await?;
            let org_name = order
                .form
                .organisation
                .as_ref()
                .map(|o| o.name.clone())
                .unwrap_or_default();
            let amount = i64::from(platform.random.below(100)?) + 1;
            let memo = format!(
                "Signet{}",
                &order.number[order.number.len().saturating_sub(6)..]
            );
            match platform
                .identity
                .micro_deposit(&bank, &account, &org_name, amount, &memo)
                .await?
            {
                Transfer::Sent => NewSession {
                    id: None,
                    party,
                    method,
                    state: VerificationStatus::Pending,
                    attempts: tries_used,
                    secret: Some(amount.to_string()),
                    detail: CheckDetail::DepositSent {
                        bank: bank.clone(),
                        last4: account[account.len() - 4..].to_owned(),
                    },
                    expires_at: now + DEPOSIT_LIFETIME,
                },
                Transfer::BankUnsupported => NewSession {
                    id: None,
                    party,
                    method,
                    state: VerificationStatus::Manual,
                    attempts: 0,
                    secret: None,
                    detail: CheckDetail::BankUnsupported { bank },
                    expires_at: now,
                },
            }
        }
        Method::ThreeFactor => {
            limits::reserve(platform, &order.id, party, limits::Kind::Lookup).await?;
            let outcome = platform
                .identity
                .three_factor(&name, &id_number, &phone)
                .await?;
            outcome_session(party, method, outcome, now)
        }
        Method::FourFactor => {
            let card = crate::desk::orders::strip_spaces(&input.card);
            let card_phone = crate::desk::orders::strip_spaces(&input.card_phone);
            if !crate::desk::orders::luhn_ok(&card) {
                return Err(invalid(
                    "card",
                    "银行卡号不正确",
                    "The bank card number is not valid",
                ));
            }
            if !crate::desk::orders::is_mobile(&card_phone) {
                return Err(invalid(
                    "card_phone",
                    "银行预留手机号格式不正确",
                    "The card's mobile number is not valid",
                ));
            }
            limits::reserve(platform, &order.id, party, limits::Kind::Lookup).await?;
            let outcome = platform
                .identity
                .four_factor(&name, &id_number, &card, &card_phone)
                .await?;
            outcome_session(party, method, outcome, now)
        }
        Method::Face => {
            let token = platform.random.token()?;
            let url = format!("/face/{token}");
            // The SMS carries an absolute link (a phone opens it outside the site).
            let link = platform.link(&url);
            let phone = Phone::parse(&phone, "phone")?;
            // A link to a number the form names: behind the resend gap and the daily cap.
            if !platform.sms.configured() {
                return Err(PlatformError::ProviderNotConfigured { provider: "sms" }.into());
            }
            crate::platform::sms_limits::admit(platform, &phone, "face_check").await?;
            platform
                .sms
                .send(
                    phone.as_str(),
                    &SmsMessage {
                        text: format!(
                            "【Signet】{name}，请在 30 分钟内用手机打开链接完成人脸核验：{link}"
                        ),
                        code: None,
                    },
                )
                .await?;
            face_url = Some(url);
            NewSession {
                id: Some(platform.cipher.blind_index("face-link", &token)),
                party,
                method,
                state: VerificationStatus::Pending,
                attempts: 0,
                secret: None,
                detail: CheckDetail::FaceSent {
                    phone: phone.masked(),
                },
                expires_at: now + FACE_LIFETIME,
            }
        }
    };
    let id = insert(platform, order, &session).await?;
    let order_state = advance(platform, &order.id).await?;
    let (verification, _, _) = one(platform, &id, &order.form).await?;
    Ok(Started {
        verification,
        order_state,
        face_url,
    })
}

fn outcome_session(
    party: Party,
    method: Method,
    outcome: CheckOutcome,
    now: Timestamp,
) -> NewSession {
    match outcome {
        CheckOutcome::Match => NewSession {
            id: None,
            party,
            method,
            state: VerificationStatus::Passed,
            attempts: 0,
            secret: None,
            detail: CheckDetail::Passed,
            expires_at: now,
        },
        CheckOutcome::Mismatch(why) => NewSession {
            id: None,
            party,
            method,
            state: VerificationStatus::Failed,
            attempts: 0,
            secret: None,
            detail: CheckDetail::Mismatch { why },
            expires_at: now,
        },
    }
}
