//! The certificate registration desk: catalog, orders, verification, payments and certificate
//! lifecycle. It stands on `platform`; `ca` is the certificate authority as the desk uses it.

pub mod ca;
