//! The e-contract wing's routes (`/api/v1/contracts/…`, `/api/v1/enterprises/…`, …): each part of
//! the wing keeps its handlers in a module of its own and adds its router here.

mod employee_phone;
mod employees;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Every route of the e-contract wing.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().merge(employees::routes())
}
