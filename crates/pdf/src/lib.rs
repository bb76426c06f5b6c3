//! PDF work for Signet: filling, seals and `PAdES` signatures. Built on `signet-pki`.
