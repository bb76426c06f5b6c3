//! `POST /v1/slots/{slot}/init`: the producer's console initialises a blank token before
//! producing onto it (issue 13). The agent makes the token's SO PIN itself (random digits, as
//! many as the token takes) and sets the user PIN the holder will receive.
//!
//! The new SO PIN is answered once, to the page that asked, so that the producer's console can
//! hand it straight to the platform to be kept sealed: the same trust `signet token produce`
//! has. Only a blank token is touched — an initialised one is refused with nothing changed (an
//! initialisation would erase its keys), so a page cannot use this to learn the SO PIN of a key
//! that holds anything.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::Shared;
use super::error::AgentError;
use super::unlock::fresh_so_pin;
use super::wire::{Body, Params, required, required_pin};
use crate::error::TokenError;
use crate::module::SlotId;
use crate::pin::PinRule;

/// `POST /v1/slots/{slot}/init`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Init {
    /// The token's label (at most 32 bytes).
    label: Option<String>,
    /// The first user PIN: the PIN the holder receives with the key (digits, 1–8, within the
    /// token's limits).
    pin: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct Initialised {
    slot: u64,
    serial: String,
    label: String,
    model: String,
    /// The SO PIN the agent set: for the platform to keep sealed, never to show.
    so_pin: String,
}

pub(crate) async fn init(
    State(agent): State<Shared>,
    Params(slot): Params<u64>,
    Body(request): Body<Init>,
) -> Result<(StatusCode, Json<Initialised>), AgentError> {
    let label = required("label", request.label)?;
    let pin = required_pin("pin", request.pin)?;
    let made = agent
        .run(move |module| {
            let blank = module.info(SlotId(slot))?;
            if blank.initialized {
                return Err(TokenError::TokenAlreadyInitialized(blank.serial).into());
            }
            let user_pin = PinRule::DIGITS_1_TO_8.within(&blank).check(&pin)?;
            let so_pin = fresh_so_pin(&blank)?;
            let info = module.init_token(SlotId(slot), &so_pin, label.trim(), &user_pin)?;
            Ok(Initialised {
                slot: info.slot.0,
                serial: info.serial,
                label: info.label,
                model: info.model,
                so_pin,
            })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(made)))
}
