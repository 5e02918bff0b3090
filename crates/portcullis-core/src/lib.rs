//! The Portcullis domain: realms, clients, client scopes, roles, users, signing keys and
//! the token policy of the client-credentials and password grants. No I/O: storage is
//! behind the traits in [`store`], time is always a parameter.

pub mod admin_access;
pub mod brute_force;
pub mod client;
pub mod client_assertion;
pub mod context;
pub mod defaults;
pub mod error;
pub mod event;
pub mod grant;
pub mod introspection;
pub mod jwk;
pub mod keys;
pub mod mappers;
pub mod password;
pub mod password_transfer;
pub mod realm;
pub mod refresh;
pub mod role;
pub mod scope;
pub mod sealing;
pub mod secret;
pub mod store;
pub mod user;

pub use error::{CoreError, OAuthError, OAuthErrorCode};

/// A fresh random identifier, the form Keycloak uses for ids (UUID v4).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
