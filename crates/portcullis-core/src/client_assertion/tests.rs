use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::json;

use super::*;

const NOW: i64 = 1_800_000_000;

fn audiences() -> Vec<String> {
    vec!["https://as.example/realms/r".into(), "https://as.example/realms/r/protocol/openid-connect/token".into()]
}

fn expected(aud: &[String]) -> Expected<'_> {
    Expected { client_id: "svc", audiences: aud, algorithm: None, now: NOW }
}

fn claims() -> Value {
    json!({"iss": "svc", "sub": "svc", "aud": "https://as.example/realms/r/protocol/openid-connect/token",
           "exp": NOW + 60, "iat": NOW, "jti": "j1"})
}

fn jws(header: &Value, claims: &Value, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let signed = format!("{}.{}", B64.encode(header.to_string()), B64.encode(claims.to_string()));
    let sig = sign(signed.as_bytes());
    format!("{signed}.{}", B64.encode(sig))
}

struct EcKey {
    pair: EcdsaKeyPair,
    jwks: String,
}

fn ec_key(kid: &str) -> EcKey {
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new()).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
    let p = pair.public_key().as_ref();
    let jwks = json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig",
        "x": B64.encode(&p[1..33]), "y": B64.encode(&p[33..])}]})
    .to_string();
    EcKey { pair, jwks }
}

fn es256(key: &EcKey, kid: Option<&str>, claims: &Value) -> String {
    let mut header = json!({"alg": "ES256", "typ": "JWT"});
    if let Some(kid) = kid {
        header["kid"] = json!(kid);
    }
    jws(&header, claims, |m| key.pair.sign(&SystemRandom::new(), m).unwrap().as_ref().to_vec())
}

fn hs256(secret: &str, claims: &Value) -> String {
    jws(&json!({"alg": "HS256"}), claims, |m| {
        hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()), m).as_ref().to_vec()
    })
}

#[test]
fn private_key_jwt_accepted_and_claims_checked() {
    let key = ec_key("k1");
    let aud = audiences();
    let ok = es256(&key, Some("k1"), &claims());
    assert_eq!(claimed_client_id(&ok), Ok("svc".into()));
    assert_eq!(
        verify_private_key_jwt(&ok, &key.jwks, &expected(&aud)),
        Ok(Accepted { jti: "j1".into(), exp: NOW + 60 })
    );
    // Without a kid, the one fitting key is used.
    assert!(verify_private_key_jwt(&es256(&key, None, &claims()), &key.jwks, &expected(&aud)).is_ok());
    // An array audience naming the issuer.
    let mut c = claims();
    c["aud"] = json!(["other", "https://as.example/realms/r"]);
    assert!(verify_private_key_jwt(&es256(&key, Some("k1"), &c), &key.jwks, &expected(&aud)).is_ok());

    let refused = |c: Value| verify_private_key_jwt(&es256(&key, Some("k1"), &c), &key.jwks, &expected(&aud));
    let with = |k: &str, v: Value| {
        let mut c = claims();
        c[k] = v;
        c
    };
    let without = |k: &str| {
        let mut c = claims();
        c.as_object_mut().unwrap().remove(k);
        c
    };
    assert_eq!(refused(with("aud", json!("https://evil.example"))), Err(AssertionError::Audience));
    assert_eq!(refused(without("aud")), Err(AssertionError::Audience));
    assert_eq!(refused(with("sub", json!("other"))), Err(AssertionError::Subject));
    assert_eq!(refused(with("iss", json!("other"))), Err(AssertionError::Subject));
    assert_eq!(refused(with("exp", json!(NOW - 61))), Err(AssertionError::Expired));
    assert_eq!(refused(with("exp", json!(NOW + MAX_LIFETIME_SECS + 1))), Err(AssertionError::Expired));
    assert_eq!(refused(without("exp")), Err(AssertionError::Expired));
    assert_eq!(refused(with("nbf", json!(NOW + 120))), Err(AssertionError::NotYetValid));
    assert_eq!(refused(with("iat", json!("soon"))), Err(AssertionError::NotYetValid));
    assert_eq!(refused(without("jti")), Err(AssertionError::NoJti));
    assert_eq!(refused(with("jti", json!(""))), Err(AssertionError::NoJti));
    // Leeway: a minute late is still fine.
    assert!(refused(with("exp", json!(NOW - 30))).is_ok());
}

#[test]
fn private_key_jwt_refuses_wrong_keys_and_algorithms() {
    let key = ec_key("k1");
    let other = ec_key("k1");
    let aud = audiences();
    let token = es256(&key, Some("k1"), &claims());
    assert_eq!(verify_private_key_jwt(&token, &other.jwks, &expected(&aud)), Err(AssertionError::Signature));
    assert_eq!(
        verify_private_key_jwt(&es256(&key, Some("k2"), &claims()), &key.jwks, &expected(&aud)),
        Err(AssertionError::UnknownKey)
    );
    // Tampered claims.
    let mut parts: Vec<&str> = token.split('.').collect();
    let forged =
        B64.encode(json!({"iss": "svc", "sub": "svc", "aud": aud[0], "exp": NOW + 60, "jti": "x"}).to_string());
    parts[1] = &forged;
    assert_eq!(verify_private_key_jwt(&parts.join("."), &key.jwks, &expected(&aud)), Err(AssertionError::Signature));
    // alg none, HMAC with the public key as secret, and a pinned algorithm.
    let none = format!("{}.{}.", B64.encode(r#"{"alg":"none"}"#), B64.encode(claims().to_string()));
    assert_eq!(
        verify_private_key_jwt(&none, &key.jwks, &expected(&aud)),
        Err(AssertionError::Algorithm("none".into()))
    );
    let hs = hs256(&key.jwks, &claims());
    assert_eq!(verify_private_key_jwt(&hs, &key.jwks, &expected(&aud)), Err(AssertionError::Algorithm("HS256".into())));
    let pinned = Expected { algorithm: Some("RS256"), ..expected(&aud) };
    assert_eq!(verify_private_key_jwt(&token, &key.jwks, &pinned), Err(AssertionError::Algorithm("ES256".into())));
    // A JWK marked for another algorithm or for encryption is not used.
    let enc = key.jwks.replace(r#""use":"sig""#, r#""use":"enc""#);
    assert_eq!(verify_private_key_jwt(&token, &enc, &expected(&aud)), Err(AssertionError::UnknownKey));
    assert!(matches!(verify_private_key_jwt(&token, "not json", &expected(&aud)), Err(AssertionError::Jwks(_))));
    assert_eq!(verify_private_key_jwt("a.b", &key.jwks, &expected(&aud)), Err(AssertionError::Malformed));
    assert_eq!(claimed_client_id("x.y.z"), Err(AssertionError::Malformed));
}

#[test]
fn client_secret_jwt() {
    let aud = audiences();
    let token = hs256("s3cret-s3cret", &claims());
    assert!(verify_client_secret_jwt(&token, "s3cret-s3cret", &expected(&aud)).is_ok());
    assert_eq!(verify_client_secret_jwt(&token, "wrong", &expected(&aud)), Err(AssertionError::Signature));
    let key = ec_key("k1");
    assert_eq!(
        verify_client_secret_jwt(&es256(&key, Some("k1"), &claims()), "s3cret-s3cret", &expected(&aud)),
        Err(AssertionError::Algorithm("ES256".into()))
    );
    let pinned = Expected { algorithm: Some("HS512"), ..expected(&aud) };
    assert_eq!(
        verify_client_secret_jwt(&token, "s3cret-s3cret", &pinned),
        Err(AssertionError::Algorithm("HS256".into()))
    );
}

#[test]
fn jwks_validation() {
    assert!(validate_jwks(&ec_key("k").jwks).is_ok());
    assert!(validate_jwks(r#"{"keys":[]}"#).is_err());
    assert!(validate_jwks("[]").is_err());
}
