//! Webhooks through the API, with a local receiver that checks each request's signature
//! the way the documentation tells receivers to.

mod access;
mod delivery;
mod receiver;
mod tasks;
