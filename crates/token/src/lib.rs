//! The key client: PKCS#11 token operations and the loopback agent the browser talks to.
