//! The certificate registration desk: catalog, orders, verification, payments and certificate
//! lifecycle. It stands on `platform`; its modules arrive with the application-desk issue.
