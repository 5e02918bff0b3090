//! JWT client authentication (RFC 7523 §2.2, OpenID Connect Core §9): `private_key_jwt`,
//! signed with a key from the client's JWKS, and `client_secret_jwt`, an HMAC under the
//! client's secret. This module checks an assertion's signature and claims; where the
//! keys come from (inline, URL) and the single use of each `jti` are the caller's.

use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::Value;

use crate::jwk::{Jwk, JwkError, JwkSet};

/// The `client_assertion_type` of RFC 7523 §2.2.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Algorithms accepted for `private_key_jwt`.
pub const PRIVATE_KEY_ALGORITHMS: [&str; 9] =
    ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];
/// Algorithms accepted for `client_secret_jwt`.
pub const SECRET_ALGORITHMS: [&str; 3] = ["HS256", "HS384", "HS512"];

/// How far in the future an assertion may expire: its `jti` is remembered until then.
pub const MAX_LIFETIME_SECS: i64 = 86_400;
/// Clock skew tolerated on `exp`, `nbf` and `iat`.
pub const LEEWAY_SECS: i64 = 60;

/// Why an assertion was refused. The text goes to logs and events, never a key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AssertionError {
    /// Not a compact JWS of JSON objects.
    #[error("malformed client assertion")]
    Malformed,
    /// `iss` and `sub` must both be the client's id.
    #[error("client assertion iss and sub must be the client_id")]
    Subject,
    /// `alg` not allowed for the method, the key or the client.
    #[error("client assertion algorithm '{0}' not allowed")]
    Algorithm(String),
    /// No key of the client's JWKS matches the header.
    #[error("no key of the client's JWKS matches the client assertion")]
    UnknownKey,
    /// The signature does not verify.
    #[error("client assertion signature invalid")]
    Signature,
    /// `aud` does not name this server.
    #[error("client assertion audience is not this server")]
    Audience,
    /// Missing or expired `exp`, or `exp` too far ahead.
    #[error("client assertion expired or without a valid exp")]
    Expired,
    /// `nbf` or `iat` in the future.
    #[error("client assertion not yet valid")]
    NotYetValid,
    /// Missing or empty `jti`.
    #[error("client assertion without jti")]
    NoJti,
    /// The client's JWKS cannot be used.
    #[error("client JWKS invalid: {0}")]
    Jwks(String),
}

impl From<JwkError> for AssertionError {
    fn from(e: JwkError) -> Self {
        match e {
            JwkError::Invalid(why) => Self::Jwks(why),
            JwkError::Algorithm(alg) => Self::Algorithm(alg),
            JwkError::Signature => Self::Signature,
        }
    }
}

/// What the claims of an accepted assertion say, for the replay check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The assertion's id: usable once.
    pub jti: String,
    /// When it expires (epoch seconds): the `jti` is remembered until then.
    pub exp: i64,
}

/// What an assertion must satisfy besides its signature.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The OAuth `client_id` (`iss` and `sub`).
    pub client_id: &'a str,
    /// Any one of these in `aud` names this server (issuer, endpoint URLs).
    pub audiences: &'a [String],
    /// The client's `token.endpoint.auth.signing.alg`, when it pins one.
    pub algorithm: Option<&'a str>,
    /// Now, epoch seconds.
    pub now: i64,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Value>,
    exp: Option<Value>,
    nbf: Option<Value>,
    iat: Option<Value>,
    jti: Option<String>,
}

struct Parts<'t> {
    header: Header,
    claims: Claims,
    signed: &'t [u8],
    signature: Vec<u8>,
}

fn split(assertion: &str) -> Result<Parts<'_>, AssertionError> {
    let mut it = assertion.split('.');
    let (Some(h), Some(p), Some(s), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err(AssertionError::Malformed);
    };
    let decode = |part: &str| B64.decode(part).map_err(|_| AssertionError::Malformed);
    let header = serde_json::from_slice(&decode(h)?).map_err(|_| AssertionError::Malformed)?;
    let claims = serde_json::from_slice(&decode(p)?).map_err(|_| AssertionError::Malformed)?;
    Ok(Parts { header, claims, signed: &assertion.as_bytes()[..h.len() + 1 + p.len()], signature: decode(s)? })
}

/// The client an assertion claims to come from (its `sub`, which must equal `iss`),
/// read before anything is verified, to find the client and its keys.
pub fn claimed_client_id(assertion: &str) -> Result<String, AssertionError> {
    let parts = split(assertion)?;
    match (parts.claims.iss, parts.claims.sub) {
        (Some(iss), Some(sub)) if iss == sub && !sub.is_empty() => Ok(sub),
        _ => Err(AssertionError::Subject),
    }
}

/// Verifies a `private_key_jwt` assertion against the client's JWKS (JSON text).
pub fn verify_private_key_jwt(
    assertion: &str,
    jwks: &str,
    expected: &Expected<'_>,
) -> Result<Accepted, AssertionError> {
    let parts = split(assertion)?;
    let alg = parts.header.alg.as_str();
    if !PRIVATE_KEY_ALGORITHMS.contains(&alg) || expected.algorithm.is_some_and(|a| a != alg) {
        return Err(AssertionError::Algorithm(alg.to_owned()));
    }
    let set: JwkSet = serde_json::from_str(jwks).map_err(|e| AssertionError::Jwks(e.to_string()))?;
    let candidates: Vec<&Jwk> = set
        .keys
        .iter()
        .filter(|k| k.usable_for(alg) && parts.header.kid.as_deref().is_none_or(|kid| k.kid.as_deref() == Some(kid)))
        .collect();
    // Without a `kid`, only an unambiguous key is tried.
    let [key] = candidates.as_slice() else {
        return Err(AssertionError::UnknownKey);
    };
    key.verify(alg, parts.signed, &parts.signature).map_err(AssertionError::from)?;
    check_claims(parts.claims, expected)
}

/// Verifies a `client_secret_jwt` assertion: an HMAC keyed with the client's secret.
pub fn verify_client_secret_jwt(
    assertion: &str,
    secret: &str,
    expected: &Expected<'_>,
) -> Result<Accepted, AssertionError> {
    let parts = split(assertion)?;
    let alg = parts.header.alg.as_str();
    let hmac_alg = match alg {
        "HS256" => hmac::HMAC_SHA256,
        "HS384" => hmac::HMAC_SHA384,
        "HS512" => hmac::HMAC_SHA512,
        _ => return Err(AssertionError::Algorithm(alg.to_owned())),
    };
    if expected.algorithm.is_some_and(|a| a != alg) {
        return Err(AssertionError::Algorithm(alg.to_owned()));
    }
    // Constant-time comparison inside aws-lc.
    hmac::verify(&hmac::Key::new(hmac_alg, secret.as_bytes()), parts.signed, &parts.signature)
        .map_err(|_| AssertionError::Signature)?;
    check_claims(parts.claims, expected)
}

/// A NumericDate (RFC 7519 §2): integer or fractional seconds.
fn seconds(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

fn check_claims(c: Claims, e: &Expected<'_>) -> Result<Accepted, AssertionError> {
    if c.iss.as_deref() != Some(e.client_id) || c.sub.as_deref() != Some(e.client_id) {
        return Err(AssertionError::Subject);
    }
    let names_us = |v: &Value| v.as_str().is_some_and(|a| e.audiences.iter().any(|x| x == a));
    let aud_ok = match &c.aud {
        Some(Value::Array(list)) => list.iter().any(names_us),
        Some(v) => names_us(v),
        None => false,
    };
    if !aud_ok {
        return Err(AssertionError::Audience);
    }
    let exp = c.exp.as_ref().and_then(seconds).ok_or(AssertionError::Expired)?;
    if exp + LEEWAY_SECS <= e.now || exp > e.now + MAX_LIFETIME_SECS {
        return Err(AssertionError::Expired);
    }
    for t in [&c.nbf, &c.iat].into_iter().flatten() {
        if seconds(t).is_none_or(|t| t > e.now + LEEWAY_SECS) {
            return Err(AssertionError::NotYetValid);
        }
    }
    match c.jti {
        Some(jti) if !jti.is_empty() && jti.len() <= 512 => Ok(Accepted { jti, exp }),
        _ => Err(AssertionError::NoJti),
    }
}

/// Checks a JWKS given by an administrator (inline `jwks.string`) before it is stored.
pub fn validate_jwks(jwks: &str) -> Result<(), AssertionError> {
    let set: JwkSet = serde_json::from_str(jwks).map_err(|e| AssertionError::Jwks(e.to_string()))?;
    if set.keys.is_empty() {
        return Err(AssertionError::Jwks("no keys".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
