//! The user PIN: change it with the old one, or set a new one with the SO PIN (which also
//! unlocks a locked PIN). New PINs follow [`PinRule::DIGITS_1_TO_8`], narrowed to the
//! lengths the token takes, and are checked before the token sees them.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::Shared;
use super::error::AgentError;
use super::throttle::PinKind;
use super::wire::{Body, Params, required_pin};
use crate::pin::{NewPin, PinRule};
use crate::token::Token;

/// `POST /v1/tokens/{serial}/pin`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangePin {
    old_pin: Option<String>,
    new_pin: Option<String>,
}

/// `POST /v1/tokens/{serial}/unlock`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnlockPin {
    /// The SO PIN, as typed, or as the platform derived it from an unlock code.
    so_pin: Option<String>,
    new_pin: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct Done {
    ok: bool,
}

pub(crate) async fn change(
    State(agent): State<Shared>,
    Params(serial): Params<String>,
    Body(request): Body<ChangePin>,
) -> Result<Json<Done>, AgentError> {
    let old = required_pin("old_pin", request.old_pin)?;
    let new = required_pin("new_pin", request.new_pin)?;
    agent
        .with_pin(serial, PinKind::User, move |token| {
            let new = checked(token, &new)?;
            token.change_user_pin(&old, &new)?;
            Ok(())
        })
        .await?;
    Ok(Json(Done { ok: true }))
}

pub(crate) async fn unlock(
    State(agent): State<Shared>,
    Params(serial): Params<String>,
    Body(request): Body<UnlockPin>,
) -> Result<Json<Done>, AgentError> {
    let so_pin = required_pin("so_pin", request.so_pin)?;
    let new = required_pin("new_pin", request.new_pin)?;
    agent
        .with_pin(serial, PinKind::So, move |token| {
            let new = checked(token, &new)?;
            token.unlock_user_pin(&so_pin, &new)?;
            Ok(())
        })
        .await?;
    Ok(Json(Done { ok: true }))
}

fn checked(token: &Token, pin: &str) -> Result<NewPin, AgentError> {
    Ok(PinRule::DIGITS_1_TO_8.within(&token.info()?).check(pin)?)
}
