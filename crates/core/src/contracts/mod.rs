//! The e-contract platform: enterprises, employees, seals, templates, tasks and archive. It stands
//! on `platform` and `desk`; its modules arrive once the certificate half works.
