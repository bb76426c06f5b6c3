//! The applicant's side of the registration desk, one file per resource like `core::desk`:
//! catalog, orders and their wizard steps, materials, identity checks and payments.

mod catalog;
mod materials;
mod orders;
mod payments;
mod verification;

pub use catalog::*;
pub use materials::*;
pub use orders::*;
pub use payments::*;
pub use verification::*;

use axum::Json;
use signet_core::PlatformError;
use signet_core::desk::orders::{Order, OrderDetail, detail, load_owned};

use crate::problem::{ApiError, ApiResult};
use crate::session::Ctx;
use crate::state::AppState;

/// The signed-in user's id.
pub fn user_id(ctx: &Ctx) -> Result<String, ApiError> {
    ctx.session()?
        .user_id
        .clone()
        .ok_or(ApiError::from(PlatformError::NotSignedIn))
}

async fn my_order(state: &AppState, ctx: &Ctx, id: &str) -> Result<Order, ApiError> {
    Ok(load_owned(&state.platform, id, &user_id(ctx)?).await?)
}

async fn detail_of(state: &AppState, order: &Order) -> ApiResult<Json<OrderDetail>> {
    Ok(Json(detail(&state.platform, order).await?))
}

fn pdf(bytes: Vec<u8>, name: &str) -> axum::response::Response {
    super::files::pdf(Some(name), super::files::Caching::NoStore, bytes)
}
