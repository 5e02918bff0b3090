//! Realm signing keys and compact JWS (RFC 7515) signing and verification for RS256.
//!
//! The key pair is parsed once and kept in memory: re-parsing a private key per token
//! (what generic JWT crates do) would cost a good share of the RSA signature itself.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _, UnparsedPublicKey};
use aws_lc_rs::{digest, encoding::AsDer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{CoreError, CoreResult};

/// The only algorithm of this release.
pub const RS256: &str = "RS256";

/// A key as stored: private part as PKCS#8 DER.
#[derive(Clone)]
pub struct StoredKey {
    /// RFC 7638 thumbprint, base64url.
    pub kid: String,
    /// Realm it signs for.
    pub realm_id: String,
    /// JWS algorithm.
    pub algorithm: String,
    /// PKCS#8 DER of the private key.
    pub private_pkcs8: Vec<u8>,
    /// Creation time, epoch seconds.
    pub created_at: i64,
    /// Whether it signs new tokens (others only verify).
    pub active: bool,
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey").field("kid", &self.kid).field("realm_id", &self.realm_id).finish_non_exhaustive()
    }
}

/// A parsed key pair, ready to sign.
pub struct Signer {
    kid: String,
    pair: KeyPair,
    rng: SystemRandom,
    /// `{"alg":"RS256","typ":"at+jwt","kid":"..."}` already base64url-encoded.
    header_b64: String,
    n_b64: String,
    e_b64: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("kid", &self.kid).finish_non_exhaustive()
    }
}

/// Generates a new RSA-2048 key for a realm.
pub fn generate_key(realm_id: &str, now: i64) -> CoreResult<StoredKey> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|e| CoreError::Crypto(e.to_string()))?;
    let der = pair.as_der().map_err(|e| CoreError::Crypto(e.to_string()))?;
    let (n, e) = public_components(&pair);
    Ok(StoredKey {
        kid: thumbprint(&n, &e),
        realm_id: realm_id.to_owned(),
        algorithm: RS256.to_owned(),
        private_pkcs8: der.as_ref().to_vec(),
        created_at: now,
        active: true,
    })
}

fn public_components(pair: &KeyPair) -> (String, String) {
    let public = pair.public_key();
    (
        B64.encode(public.modulus().big_endian_without_leading_zero()),
        B64.encode(public.exponent().big_endian_without_leading_zero()),
    )
}

/// RFC 7638 JWK thumbprint: SHA-256 over the required members in lexicographic order.
fn thumbprint(n: &str, e: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    B64.encode(digest::digest(&digest::SHA256, canonical.as_bytes()))
}

impl Signer {
    /// Parses a stored key.
    pub fn from_stored(key: &StoredKey) -> CoreResult<Self> {
        let pair = KeyPair::from_pkcs8(&key.private_pkcs8).map_err(|e| CoreError::Crypto(e.to_string()))?;
        let (n_b64, e_b64) = public_components(&pair);
        // RFC 9068 §2.1: access tokens are typed `at+jwt`.
        let header = format!(r#"{{"alg":"{RS256}","typ":"at+jwt","kid":"{}"}}"#, key.kid);
        Ok(Self { kid: key.kid.clone(), header_b64: B64.encode(header), pair, rng: SystemRandom::new(), n_b64, e_b64 })
    }

    /// Key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Base64url modulus and exponent, for the JWKS.
    pub fn public_jwk_parts(&self) -> (&str, &str) {
        (&self.n_b64, &self.e_b64)
    }

    /// DER of the public key (PKCS#1 RSAPublicKey), for verification.
    pub fn public_der(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    /// Signs claims into a compact JWS.
    pub fn sign<T: Serialize>(&self, claims: &T) -> CoreResult<String> {
        let payload = serde_json::to_vec(claims).map_err(|e| CoreError::Crypto(e.to_string()))?;
        let mut jwt = String::with_capacity(self.header_b64.len() + payload.len() * 4 / 3 + 360);
        jwt.push_str(&self.header_b64);
        jwt.push('.');
        B64.encode_string(&payload, &mut jwt);
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(&signature::RSA_PKCS1_SHA256, &self.rng, jwt.as_bytes(), &mut sig)
            .map_err(|e| CoreError::Crypto(e.to_string()))?;
        jwt.push('.');
        B64.encode_string(&sig, &mut jwt);
        Ok(jwt)
    }
}

/// Why a JWT was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    /// Not three base64url parts of JSON.
    #[error("malformed token")]
    Malformed,
    /// `alg` other than RS256 (never `none`, never HMAC with a public key).
    #[error("unsupported algorithm")]
    Algorithm,
    /// No key with that `kid`.
    #[error("unknown key")]
    UnknownKey,
    /// Signature does not verify.
    #[error("bad signature")]
    Signature,
}

#[derive(serde::Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

/// Verifies a compact JWS against the public keys `(kid, public_der)` and decodes its
/// claims. Time-based checks are the caller's, who knows `now`.
pub fn verify<T: DeserializeOwned>(token: &str, keys: &[(&str, &[u8])]) -> Result<T, VerifyError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(VerifyError::Malformed);
    };
    let header: Header = serde_json::from_slice(&B64.decode(h).map_err(|_| VerifyError::Malformed)?)
        .map_err(|_| VerifyError::Malformed)?;
    if header.alg != RS256 {
        return Err(VerifyError::Algorithm);
    }
    let kid = header.kid.ok_or(VerifyError::UnknownKey)?;
    let (_, der) = keys.iter().find(|(k, _)| *k == kid).ok_or(VerifyError::UnknownKey)?;
    let sig = B64.decode(s).map_err(|_| VerifyError::Malformed)?;
    let signed_len = h.len() + 1 + p.len();
    UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, der)
        .verify(&token.as_bytes()[..signed_len], &sig)
        .map_err(|_| VerifyError::Signature)?;
    serde_json::from_slice(&B64.decode(p).map_err(|_| VerifyError::Malformed)?).map_err(|_| VerifyError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_roundtrip_and_tamper() {
        let stored = generate_key("r", 0).unwrap();
        let signer = Signer::from_stored(&stored).unwrap();
        let jwt = signer.sign(&serde_json::json!({"sub": "x"})).unwrap();
        let keys = [(signer.kid(), signer.public_der())];
        let claims: serde_json::Value = verify(&jwt, &keys).unwrap();
        assert_eq!(claims["sub"], "x");

        let mut parts: Vec<&str> = jwt.split('.').collect();
        let forged = B64.encode(r#"{"sub":"admin"}"#);
        parts[1] = &forged;
        assert_eq!(verify::<serde_json::Value>(&parts.join("."), &keys), Err(VerifyError::Signature));

        let none = format!("{}.{}.", B64.encode(r#"{"alg":"none"}"#), B64.encode("{}"));
        assert_eq!(verify::<serde_json::Value>(&none, &keys), Err(VerifyError::Algorithm));
        assert_eq!(verify::<serde_json::Value>("a.b", &keys), Err(VerifyError::Malformed));
    }

    #[test]
    fn kid_is_stable_across_parse() {
        let stored = generate_key("r", 0).unwrap();
        let signer = Signer::from_stored(&stored).unwrap();
        let (n, e) = signer.public_jwk_parts();
        assert_eq!(thumbprint(n, e), stored.kid);
    }
}
