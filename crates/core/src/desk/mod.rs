//! The certificate registration desk: catalog, orders, verification, materials, payments,
//! review, production, certificate lifecycle and the staff's roles. It stands on `platform` and
//! uses the certificate authority (`crate::ca`).

pub mod catalog;
pub mod cert_login;
pub mod certificates;
pub mod cloud;
mod coded;
pub mod demo;
mod error;
pub mod invoices;
pub mod jobs;
pub mod manual;
pub mod materials;
mod notify;
pub mod orders;
pub mod payments;
pub mod printouts;
pub mod production;
pub mod review;
pub mod roles;
pub mod station;
pub mod unlock;
pub mod verification;

pub use error::DeskError;
pub use jobs::ORDER_SETTLED;

// The desk's public face for the contracts wing: enterprises certify through desk orders, so the
// wing opens, fills, reads and cancels orders and reads the catalog through these names only.
pub use catalog::{Business, Medium, Product, project_by_code};
pub use certificates::open_business;
// The e-contract persons' cloud keys follow the desk's cloud-certificate rule (signing PIN with
// its lockout, or an SMS code bound to the key).
pub use cloud::{
    Authorisation, PinTable, authorise as authorise_cloud_key, check_pin_format,
    consume_key_code as consume_cloud_key_code, require_password as require_password_for_cloud_key,
    send_key_code as send_cloud_key_code, store_pin as store_signing_pin,
};
pub use orders::{
    ApplicationForm, Change, Event, Note, Order, OrderId, OrderState, Organisation, Person,
    annotate as annotate_order, apply as apply_to_order, cancel as cancel_order,
    create as create_order, is_mobile, load as load_order, luhn_ok, save_form as save_order_form,
    strip_spaces,
};
pub use review::approve as approve_order;
// The e-contract wing signs for an enterprise with the cloud key the desk keeps for it.
pub use cloud::cloud_key_pem;
