//! The e-contract wing's routes (`/api/v1/contracts/…`, `/api/v1/enterprises/…`, …): each part of
//! the wing keeps its handlers in a module of its own and adds its router here.

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

mod archives;
mod billing;
mod bulk;
mod claims;
mod contacts;
mod employee_phone;
mod employees;
mod enterprises;
mod handwriting;
mod members;
mod persons;
mod seals;
mod tasks;
mod templates;
mod webhooks;

/// Every route of the e-contract wing.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(enterprise_routes())
        .merge(members::routes())
        .routes(routes!(claims::open, claims::mine))
        .routes(routes!(claims::withdraw))
        .routes(routes!(claims::moved))
        .merge(handwriting::routes())
        .merge(seals::routes())
        .merge(employees::routes())
        .merge(tasks::routes())
        .merge(bulk::routes())
        .merge(contacts::routes())
        .merge(templates::routes())
        .merge(webhooks::routes())
        .merge(billing::routes())
        .merge(archives::routes())
}

/// Real-name authentication, spaces, enterprise certification and management (part 1, `ent`).
fn enterprise_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(persons::consent_texts))
        .routes(routes!(persons::consent))
        .routes(routes!(persons::real_name_status, persons::real_name))
        .routes(routes!(persons::person_certificate))
        .routes(routes!(
            persons::signing_pin_status,
            persons::set_signing_pin
        ))
        .routes(routes!(persons::signing_pin_code))
        .routes(routes!(persons::my_spaces))
        .routes(routes!(enterprises::certify))
        .routes(routes!(enterprises::mine))
        .routes(routes!(enterprises::show))
        .routes(routes!(enterprises::withdraw))
        .routes(routes!(enterprises::recertify))
        .routes(routes!(enterprises::change))
        .routes(routes!(enterprises::certificate))
        .routes(routes!(enterprises::certificates_page))
        .routes(routes!(enterprises::renew))
        .routes(routes!(enterprises::withdraw_order))
        .routes(routes!(enterprises::save_settings))
}
