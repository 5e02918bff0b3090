//! JSON Web Key Set (RFC 7517).

use serde::{Deserialize, Serialize};

/// A key set as served at the `certs` endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JwkSet {
    /// Public keys, newest first.
    pub keys: Vec<Jwk>,
}

/// An RSA public key (RFC 7518 §6.3.1).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Jwk {
    /// Key id, as in the JWT header.
    pub kid: String,
    /// Key type: `RSA`.
    pub kty: String,
    /// Algorithm: `RS256`.
    pub alg: String,
    /// Use: `sig`.
    #[serde(rename = "use")]
    pub use_: String,
    /// Modulus, base64url without padding.
    pub n: String,
    /// Public exponent, base64url without padding.
    pub e: String,
}
