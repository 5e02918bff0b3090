//! Realm signing keys and compact JWS (RFC 7515) signing and verification for RS256
//! (RSA-2048, PKCS#1 v1.5), PS256 (RSA-2048, PSS, RFC 7518 §3.5), ES256 (ECDSA P-256,
//! RFC 7518 §3.4) and EdDSA (Ed25519, RFC 8037).
//!
//! The key pair is parsed once and kept in memory, with the JWS header already encoded:
//! re-parsing a private key per token (what generic JWT crates do) would cost a good share
//! of the signature itself.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey, VerificationAlgorithm,
    ECDSA_P256_SHA256_FIXED_SIGNING,
};
use aws_lc_rs::{digest, encoding::AsDer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{CoreError, CoreResult};

/// RSASSA-PKCS1-v1_5 with SHA-256 (RSA-2048 keys); the default.
pub const RS256: &str = "RS256";
/// RSASSA-PSS with SHA-256 and MGF1 (RSA-2048 keys).
pub const PS256: &str = "PS256";
/// ECDSA P-256 with SHA-256, signature as fixed-width `r || s`.
pub const ES256: &str = "ES256";
/// EdDSA with Ed25519 (RFC 8037).
pub const EDDSA: &str = "EdDSA";
/// The JWS algorithms a realm may sign with.
pub const SUPPORTED_ALGORITHMS: [&str; 4] = [RS256, PS256, ES256, EDDSA];

/// A JWS signature algorithm of realm keys. Never `none`, never HMAC: tokens are verified
/// with public keys only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// RS256, RSA-2048.
    Rs256,
    /// PS256, RSA-2048.
    Ps256,
    /// ES256, P-256.
    Es256,
    /// EdDSA, Ed25519.
    EdDsa,
}

impl Algorithm {
    /// The JWS `alg` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => RS256,
            Self::Ps256 => PS256,
            Self::Es256 => ES256,
            Self::EdDsa => EDDSA,
        }
    }

    /// The algorithm of a JWS `alg` value (case-sensitive, RFC 7515 §4.1.1).
    pub fn from_jws(alg: &str) -> Option<Self> {
        match alg {
            RS256 => Some(Self::Rs256),
            PS256 => Some(Self::Ps256),
            ES256 => Some(Self::Es256),
            EDDSA => Some(Self::EdDsa),
            _ => None,
        }
    }

    fn verification(self) -> &'static dyn VerificationAlgorithm {
        match self {
            Self::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Self::Ps256 => &signature::RSA_PSS_2048_8192_SHA256,
            Self::Es256 => &signature::ECDSA_P256_SHA256_FIXED,
            Self::EdDsa => &signature::ED25519,
        }
    }

    /// Length of the base64url signature.
    fn signature_b64_len(self) -> usize {
        match self {
            Self::Rs256 | Self::Ps256 => 342,
            Self::Es256 | Self::EdDsa => 86,
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn unsupported(alg: &str) -> CoreError {
    CoreError::Invalid(format!(
        "defaultSignatureAlgorithm {alg} is not supported (supported: {})",
        SUPPORTED_ALGORITHMS.join(", ")
    ))
}

impl std::str::FromStr for Algorithm {
    type Err = CoreError;

    fn from_str(s: &str) -> CoreResult<Self> {
        Self::from_jws(s).ok_or_else(|| unsupported(s))
    }
}

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
    /// When a rotated-out key stops verifying and leaves the JWKS (epoch seconds): the
    /// last token it signed has expired by then. 0: not retiring.
    pub retire_at: i64,
}

impl StoredKey {
    /// Whether the key still verifies (and is published) at `now`.
    pub fn live(&self, now: i64) -> bool {
        self.retire_at == 0 || self.retire_at > now
    }
}

/// When keys rotated out at `now` retire: after the longest-lived token they may have
/// signed (`max_lifespan` seconds) has expired, plus `margin` for instances that keep
/// signing with a cached key until they hear of the rotation.
pub fn retire_time(now: i64, max_lifespan: i64, margin: i64) -> i64 {
    now.saturating_add(max_lifespan.max(0)).saturating_add(margin.max(0)).max(now + 1)
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey")
            .field("kid", &self.kid)
            .field("realm_id", &self.realm_id)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// The public members of a key's JWK (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2), base64url.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicJwk {
    /// `RSA`, `EC` or `OKP`.
    pub kty: &'static str,
    /// `P-256` (EC) or `Ed25519` (OKP).
    pub crv: Option<&'static str>,
    /// RSA modulus.
    pub n: Option<String>,
    /// RSA public exponent.
    pub e: Option<String>,
    /// EC x coordinate, or the OKP public key.
    pub x: Option<String>,
    /// EC y coordinate.
    pub y: Option<String>,
}

impl PublicJwk {
    /// RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order, no
    /// whitespace.
    pub fn thumbprint(&self) -> String {
        let m = |v: &Option<String>| v.clone().unwrap_or_default();
        let crv = self.crv.unwrap_or_default();
        let canonical = match self.kty {
            "RSA" => format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, m(&self.e), m(&self.n)),
            "EC" => format!(r#"{{"crv":"{crv}","kty":"EC","x":"{}","y":"{}"}}"#, m(&self.x), m(&self.y)),
            _ => format!(r#"{{"crv":"{crv}","kty":"{}","x":"{}"}}"#, self.kty, m(&self.x)),
        };
        B64.encode(digest::digest(&digest::SHA256, canonical.as_bytes()))
    }
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

fn crypto<E: std::fmt::Display>(e: E) -> CoreError {
    CoreError::Crypto(e.to_string())
}

impl Pair {
    fn parse(alg: Algorithm, pkcs8: &[u8]) -> CoreResult<Self> {
        Ok(match alg {
            Algorithm::Rs256 | Algorithm::Ps256 => Self::Rsa(RsaKeyPair::from_pkcs8(pkcs8).map_err(crypto)?),
            Algorithm::Es256 => {
                Self::Ec(EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8).map_err(crypto)?)
            }
            Algorithm::EdDsa => Self::Ed(Ed25519KeyPair::from_pkcs8(pkcs8).map_err(crypto)?),
        })
    }

    /// The key's bytes as [`verify`] takes them: PKCS#1 RSAPublicKey DER, the uncompressed
    /// P-256 point, or the 32-byte Ed25519 key.
    fn public_bytes(&self) -> Vec<u8> {
        match self {
            Self::Rsa(p) => p.public_key().as_ref().to_vec(),
            Self::Ec(p) => p.public_key().as_ref().to_vec(),
            Self::Ed(p) => p.public_key().as_ref().to_vec(),
        }
    }

    fn jwk(&self) -> CoreResult<PublicJwk> {
        let none = PublicJwk { kty: "", crv: None, n: None, e: None, x: None, y: None };
        Ok(match self {
            Self::Rsa(p) => {
                let public = p.public_key();
                PublicJwk {
                    kty: "RSA",
                    n: Some(B64.encode(public.modulus().big_endian_without_leading_zero())),
                    e: Some(B64.encode(public.exponent().big_endian_without_leading_zero())),
                    ..none
                }
            }
            Self::Ec(p) => {
                // X9.62 uncompressed point: 0x04 || x (32 bytes) || y (32 bytes).
                let point = p.public_key().as_ref();
                if point.len() != 65 || point[0] != 4 {
                    return Err(CoreError::Crypto("unexpected P-256 public key encoding".into()));
                }
                PublicJwk {
                    kty: "EC",
                    crv: Some("P-256"),
                    x: Some(B64.encode(&point[1..33])),
                    y: Some(B64.encode(&point[33..])),
                    ..none
                }
            }
            Self::Ed(p) => {
                PublicJwk { kty: "OKP", crv: Some("Ed25519"), x: Some(B64.encode(p.public_key().as_ref())), ..none }
            }
        })
    }
}

/// Generates a new key for a realm: RSA-2048 for RS256 and PS256, P-256 for ES256,
/// Ed25519 for EdDSA; `Invalid` for any other algorithm.
pub fn generate_key(realm_id: &str, algorithm: &str, now: i64) -> CoreResult<StoredKey> {
    let alg: Algorithm = algorithm.parse()?;
    let pkcs8 = match alg {
        Algorithm::Rs256 | Algorithm::Ps256 => {
            RsaKeyPair::generate(KeySize::Rsa2048).map_err(crypto)?.as_der().map_err(crypto)?.as_ref().to_vec()
        }
        Algorithm::Es256 => EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map_err(crypto)?
            .as_ref()
            .to_vec(),
        Algorithm::EdDsa => Ed25519KeyPair::generate().map_err(crypto)?.to_pkcs8().map_err(crypto)?.as_ref().to_vec(),
    };
    let kid = Pair::parse(alg, &pkcs8)?.jwk()?.thumbprint();
    Ok(StoredKey {
        kid,
        realm_id: realm_id.to_owned(),
        algorithm: alg.as_str().to_owned(),
        private_pkcs8: pkcs8,
        created_at: now,
        active: true,
        retire_at: 0,
    })
}

/// A parsed key pair, ready to sign.
pub struct Signer {
    kid: String,
    alg: Algorithm,
    pair: Pair,
    rng: SystemRandom,
    /// `{"alg":"…","typ":"at+jwt","kid":"…"}` already base64url-encoded.
    header_b64: String,
    jwk: PublicJwk,
    public: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("kid", &self.kid).field("alg", &self.alg).finish_non_exhaustive()
    }
}

/// A public key for [`verify`]: its id, the one algorithm it verifies, and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct VerifyKey<'a> {
    /// Key id, matched against the JWT header's `kid`.
    pub kid: &'a str,
    /// The only `alg` accepted for this key.
    pub algorithm: Algorithm,
    /// PKCS#1 RSAPublicKey DER (RS256, PS256), uncompressed point (ES256) or raw key (EdDSA).
    pub public: &'a [u8],
}

impl Signer {
    /// Parses a stored key.
    pub fn from_stored(key: &StoredKey) -> CoreResult<Self> {
        // RFC 9068 §2.1: access tokens are typed `at+jwt`.
        Self::from_pkcs8(&key.kid, key.algorithm.parse()?, &key.private_pkcs8, "at+jwt")
    }

    /// Parses a PKCS#8 private key that signs JWTs of type `typ` under `kid` (for
    /// instance a client's key signing `private_key_jwt` assertions, typed `JWT`).
    pub fn from_pkcs8(kid: &str, alg: Algorithm, pkcs8: &[u8], typ: &str) -> CoreResult<Self> {
        let pair = Pair::parse(alg, pkcs8)?;
        let jwk = pair.jwk()?;
        let header = serde_json::json!({"alg": alg.as_str(), "typ": typ, "kid": kid}).to_string();
        Ok(Self {
            kid: kid.to_owned(),
            alg,
            header_b64: B64.encode(header),
            public: pair.public_bytes(),
            jwk,
            pair,
            rng: SystemRandom::new(),
        })
    }

    /// Key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The public JWK members, for the JWKS.
    pub fn jwk(&self) -> &PublicJwk {
        &self.jwk
    }

    /// The public key for [`verify`].
    pub fn verify_key(&self) -> VerifyKey<'_> {
        VerifyKey { kid: &self.kid, algorithm: self.alg, public: &self.public }
    }

    /// Signs claims into a compact JWS.
    pub fn sign<T: Serialize>(&self, claims: &T) -> CoreResult<String> {
        self.sign_json(&serde_json::to_vec(claims).map_err(crypto)?)
    }

    /// Signs a JSON payload, already serialized, into a compact JWS.
    pub fn sign_json(&self, payload: &[u8]) -> CoreResult<String> {
        let mut jwt = String::with_capacity(
            self.header_b64.len() + 2 + payload.len().div_ceil(3) * 4 + self.alg.signature_b64_len(),
        );
        jwt.push_str(&self.header_b64);
        jwt.push('.');
        B64.encode_string(payload, &mut jwt);
        match &self.pair {
            Pair::Rsa(pair) => {
                let mut sig = [0u8; 1024];
                let sig = sig.get_mut(..pair.public_modulus_len()).ok_or_else(|| crypto("RSA key too large"))?;
                let padding: &'static dyn signature::RsaEncoding = if self.alg == Algorithm::Ps256 {
                    &signature::RSA_PSS_SHA256
                } else {
                    &signature::RSA_PKCS1_SHA256
                };
                pair.sign(padding, &self.rng, jwt.as_bytes(), sig).map_err(crypto)?;
                jwt.push('.');
                B64.encode_string(sig, &mut jwt);
            }
            Pair::Ec(pair) => {
                let sig = pair.sign(&self.rng, jwt.as_bytes()).map_err(crypto)?;
                jwt.push('.');
                B64.encode_string(sig.as_ref(), &mut jwt);
            }
            Pair::Ed(pair) => {
                let sig = pair.sign(jwt.as_bytes());
                jwt.push('.');
                B64.encode_string(sig.as_ref(), &mut jwt);
            }
        }
        Ok(jwt)
    }
}

/// Why a JWT was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    /// Not three base64url parts of JSON.
    #[error("malformed token")]
    Malformed,
    /// `alg` unsupported (`none`, HMAC, …) or other than the algorithm of the key named
    /// by `kid`.
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

/// Verifies a compact JWS against `keys` and decodes its claims. The verification
/// algorithm is the key's (found by `kid`); a header `alg` that differs is refused, so a
/// token cannot pick how it is checked. Time-based checks are the caller's, who knows
/// `now`.
pub fn verify<T: DeserializeOwned>(token: &str, keys: &[VerifyKey<'_>]) -> Result<T, VerifyError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(VerifyError::Malformed);
    };
    let header: Header = serde_json::from_slice(&B64.decode(h).map_err(|_| VerifyError::Malformed)?)
        .map_err(|_| VerifyError::Malformed)?;
    let alg = Algorithm::from_jws(&header.alg).ok_or(VerifyError::Algorithm)?;
    let kid = header.kid.ok_or(VerifyError::UnknownKey)?;
    let key = keys.iter().find(|k| k.kid == kid).ok_or(VerifyError::UnknownKey)?;
    if key.algorithm != alg {
        return Err(VerifyError::Algorithm);
    }
    let sig = B64.decode(s).map_err(|_| VerifyError::Malformed)?;
    let signed_len = h.len() + 1 + p.len();
    UnparsedPublicKey::new(key.algorithm.verification(), key.public)
        .verify(&token.as_bytes()[..signed_len], &sig)
        .map_err(|_| VerifyError::Signature)?;
    serde_json::from_slice(&B64.decode(p).map_err(|_| VerifyError::Malformed)?).map_err(|_| VerifyError::Malformed)
}

#[cfg(test)]
mod tests;
