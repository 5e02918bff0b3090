//! Grants of the token endpoint and the access-token policy they share.

mod claims;
pub mod client_credentials;
pub mod password;
mod scope_policy;
mod token;
pub mod token_exchange;

pub use claims::{IssuedClaims, Mapped, MappedCache};
pub use scope_policy::{parse_scope_param, resolve_scopes, GrantedScopes};
pub use token::{is_absolute_uri_without_fragment, mint_claims, validate_resources, TokenParams};
