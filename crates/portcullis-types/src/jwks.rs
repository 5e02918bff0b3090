//! JSON Web Key Set (RFC 7517).

use serde::{Deserialize, Serialize};

/// A key set as served at the `certs` endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JwkSet {
    /// Public keys, newest first.
    pub keys: Vec<Jwk>,
}

/// A public signing key: RSA (RFC 7518 §6.3.1), EC (RFC 7518 §6.2.1) or OKP (RFC 8037 §2).
/// Members of other key types are absent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Jwk {
    /// Key id, as in the JWT header.
    pub kid: String,
    /// Key type: `RSA`, `EC` or `OKP`.
    pub kty: String,
    /// Algorithm: `RS256`, `ES256` or `EdDSA`.
    pub alg: String,
    /// Use: `sig`.
    #[serde(rename = "use")]
    pub use_: String,
    /// Curve: `P-256` (EC) or `Ed25519` (OKP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// RSA modulus, base64url without padding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA public exponent, base64url without padding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// EC x coordinate or OKP public key, base64url without padding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC y coordinate, base64url without padding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}
