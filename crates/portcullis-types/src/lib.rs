//! Wire types of Portcullis: what travels over HTTP, shared by the server, its tests and
//! (later) the CLI. Serde only, no I/O.

pub mod discovery;
pub mod jwks;
pub mod keycloak;
pub mod oauth;
pub mod paths;
