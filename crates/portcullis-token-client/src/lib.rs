//! OAuth 2.0 client credentials (RFC 6749 §4.4) for Rust services calling APIs protected by
//! Portcullis or Keycloak.
//!
//! - Client authentication: `client_secret_basic` (RFC 6749 §2.3.1 form-encoding),
//!   `client_secret_post`, or `private_key_jwt` (RFC 7523) with an RSA, P-256 or Ed25519
//!   key; secrets are redacted from `Debug` and wiped when dropped.
//! - One token per [`TokenClient`], cached and replaced [`Config::refresh_before`] its
//!   expiry; however many tasks ask at once, one request goes out.
//! - Token requests are retried on network errors, 5xx and 429, with exponential backoff,
//!   jitter and `Retry-After`; an OAuth refusal (`invalid_client`, …) is returned at once.
//! - [`BearerAuth`] is `reqwest-middleware` middleware that puts the token on each call.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use portcullis_token_client::{BearerAuth, ClientAuth, Config, TokenClient};
//!
//! let config = Config::discover(
//!     "http://127.0.0.1:8080/realms/demo",
//!     "archival-service",
//!     ClientAuth::basic(std::env::var("CLIENT_SECRET")?),
//! )
//! .await?
//! .scope("messages:archive");
//! let api = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(BearerAuth::new(TokenClient::new(config)?))
//!     .build();
//! let status = api.post("http://127.0.0.1:8181/api/messages/archive").send().await?.status();
//! # Ok(()) }
//! ```

mod auth;
mod client;
mod config;
mod error;
mod middleware;
mod retry;
mod token;

pub use auth::{ClientAuth, PrivateKey, Secret, JWT_BEARER};
pub use client::TokenClient;
pub use config::Config;
pub use error::Error;
pub use middleware::BearerAuth;
pub use retry::Retry;
pub use token::AccessToken;

/// The README's examples, compiled as doctests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
