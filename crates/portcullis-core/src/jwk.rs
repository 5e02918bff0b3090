//! Public keys as JWKs (RFC 7517, RFC 7518 §6, RFC 8037): a client's keys for
//! `private_key_jwt`, a realm's keys as a resource server or `portcullis token verify`
//! fetches them.

use aws_lc_rs::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey, VerificationAlgorithm};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use serde::Deserialize;

/// Why a JWK could not check a signature.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwkError {
    /// The key lacks a member or holds one that is not base64url or has the wrong size.
    #[error("invalid key: {0}")]
    Invalid(String),
    /// The algorithm is not one a JWK of this type checks.
    #[error("algorithm '{0}' not supported")]
    Algorithm(String),
    /// The signature does not verify.
    #[error("signature invalid")]
    Signature,
}

/// A JWK Set (RFC 7517 §5).
#[derive(Debug, Deserialize)]
pub struct JwkSet {
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// The public members of a JWK that signature checks use.
#[derive(Debug, Deserialize)]
pub struct Jwk {
    /// Key type: `RSA`, `EC` or `OKP`.
    pub kty: String,
    /// Key id.
    pub kid: Option<String>,
    /// The one algorithm the key is for, when it says.
    pub alg: Option<String>,
    /// `sig` or `enc`, when it says.
    #[serde(rename = "use")]
    pub use_: Option<String>,
    /// Curve of an EC or OKP key.
    pub crv: Option<String>,
    /// RSA modulus, base64url.
    pub n: Option<String>,
    /// RSA public exponent, base64url.
    pub e: Option<String>,
    /// EC x coordinate, or the OKP public key, base64url.
    pub x: Option<String>,
    /// EC y coordinate, base64url.
    pub y: Option<String>,
}

impl Jwk {
    /// True when the key can check a JWS of `alg`: its type and curve fit, and its
    /// `alg` and `use`, when present, allow it.
    pub fn usable_for(&self, alg: &str) -> bool {
        let kty_fits = match alg {
            "ES256" => self.kty == "EC" && self.crv.as_deref() == Some("P-256"),
            "ES384" => self.kty == "EC" && self.crv.as_deref() == Some("P-384"),
            "EdDSA" => self.kty == "OKP" && self.crv.as_deref() == Some("Ed25519"),
            _ => self.kty == "RSA",
        };
        kty_fits && self.alg.as_deref().is_none_or(|a| a == alg) && self.use_.as_deref().is_none_or(|u| u == "sig")
    }

    fn member(&self, v: &Option<String>) -> Result<Vec<u8>, JwkError> {
        let v = v.as_deref().ok_or_else(|| JwkError::Invalid(format!("{} key without a member", self.kty)))?;
        B64.decode(v).map_err(|_| JwkError::Invalid("key member is not base64url".into()))
    }

    /// Checks `sig` over `signed` with this key and `alg`.
    pub fn verify(&self, alg: &str, signed: &[u8], sig: &[u8]) -> Result<(), JwkError> {
        let bad = |_| JwkError::Signature;
        if self.kty == "RSA" {
            let rsa: &'static signature::RsaParameters = match alg {
                "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
                "RS384" => &signature::RSA_PKCS1_2048_8192_SHA384,
                "RS512" => &signature::RSA_PKCS1_2048_8192_SHA512,
                "PS256" => &signature::RSA_PSS_2048_8192_SHA256,
                "PS384" => &signature::RSA_PSS_2048_8192_SHA384,
                "PS512" => &signature::RSA_PSS_2048_8192_SHA512,
                _ => return Err(JwkError::Algorithm(alg.to_owned())),
            };
            let (n, e) = (self.member(&self.n)?, self.member(&self.e)?);
            return RsaPublicKeyComponents { n: n.as_slice(), e: e.as_slice() }.verify(rsa, signed, sig).map_err(bad);
        }
        let (algorithm, public): (&'static dyn VerificationAlgorithm, Vec<u8>) = match alg {
            "ES256" | "ES384" => {
                let (x, y) = (self.member(&self.x)?, self.member(&self.y)?);
                let (len, a): (usize, &'static dyn VerificationAlgorithm) = if alg == "ES256" {
                    (32, &signature::ECDSA_P256_SHA256_FIXED)
                } else {
                    (48, &signature::ECDSA_P384_SHA384_FIXED)
                };
                if x.len() != len || y.len() != len {
                    return Err(JwkError::Invalid("EC key coordinates of the wrong length".into()));
                }
                (a, [&[4u8][..], &x, &y].concat())
            }
            "EdDSA" => (&signature::ED25519, self.member(&self.x)?),
            _ => return Err(JwkError::Algorithm(alg.to_owned())),
        };
        UnparsedPublicKey::new(algorithm, public).verify(signed, sig).map_err(bad)
    }
}
