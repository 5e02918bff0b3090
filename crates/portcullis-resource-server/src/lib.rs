//! Access-token verification for Rust resource servers in front of Portcullis (or
//! Keycloak): the realm's keys come from its discovery document and JWKS, are cached, and
//! are fetched again when a token names a key not seen yet (after a rotation), at most once
//! per [`Config::min_refresh_interval`]. Tokens are checked offline: signature (only the
//! asymmetric algorithms of [`ALLOWED_ALGORITHMS`], never `none`, and only with the key's
//! own algorithm), issuer, audience, expiry and not-before with a leeway.
//!
//! ```no_run
//! # async fn run() -> Result<(), portcullis_resource_server::Error> {
//! use portcullis_resource_server::{Config, Verifier};
//!
//! let verifier = Verifier::discover(Config::new("http://127.0.0.1:8080/realms/demo").audience("orders-api")).await?;
//! let claims = verifier.verify("eyJ...").await?;
//! claims.require_scope("orders:read")?;
//! claims.require_realm_role("Developer")?;
//! # Ok(()) }
//! ```
//!
//! With axum, [`Authenticated`] extracts the verified claims from `Authorization: Bearer`
//! and answers 401 or 403 with an RFC 6750 `WWW-Authenticate` header; [`VerifyLayer`] does
//! the same as a tower layer for whole routers, with requirements such as
//! `.require_scope("api:read")` or `.require_realm_role("Developer")`.
//!
//! [`Config::introspect`] switches to RFC 7662 introspection: a request to the realm per
//! token, for opaque tokens or when a revocation must take effect at once.

mod axum_support;
mod claims;
mod error;
mod introspection;
mod keys;
mod layer;
mod verifier;

pub use axum_support::Authenticated;
pub use claims::{Claims, Roles};
pub use error::Error;
pub use introspection::Introspection;
pub use layer::{VerifyLayer, VerifyService};
pub use verifier::{Config, Verifier, ALLOWED_ALGORITHMS};

/// The README's examples, compiled as doctests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
