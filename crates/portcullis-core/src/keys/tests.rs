//! Unit tests of signing keys: round trips, tampering, algorithm confusion, thumbprints.

use super::*;

fn signer(alg: &str) -> (StoredKey, Signer) {
    let stored = generate_key("r", alg, 0).unwrap();
    let signer = Signer::from_stored(&stored).unwrap();
    (stored, signer)
}

fn header(jwt: &str) -> serde_json::Value {
    serde_json::from_slice(&B64.decode(jwt.split('.').next().unwrap()).unwrap()).unwrap()
}

/// A token with `header` and `claims`, signed by `signer` whatever the header says.
fn forge(signer: &Signer, header: &serde_json::Value) -> String {
    let real = signer.sign(&serde_json::json!({"sub": "x"})).unwrap();
    let mut parts: Vec<String> = real.split('.').map(str::to_owned).collect();
    parts[0] = B64.encode(header.to_string());
    parts.join(".")
}

fn roundtrip_and_tamper(alg: &str, sig_len: usize) {
    let (_, signer) = signer(alg);
    let jwt = signer.sign(&serde_json::json!({"sub": "x"})).unwrap();
    let h = header(&jwt);
    assert_eq!(h["alg"], alg);
    assert_eq!(h["typ"], "at+jwt");
    assert_eq!(h["kid"], signer.kid());
    assert_eq!(B64.decode(jwt.rsplit('.').next().unwrap()).unwrap().len(), sig_len);
    let keys = [signer.verify_key()];
    let claims: serde_json::Value = verify(&jwt, &keys).unwrap();
    assert_eq!(claims["sub"], "x");

    // Changed payload.
    let mut parts: Vec<&str> = jwt.split('.').collect();
    let forged = B64.encode(r#"{"sub":"admin"}"#);
    parts[1] = &forged;
    assert_eq!(verify::<serde_json::Value>(&parts.join("."), &keys), Err(VerifyError::Signature));
    // Changed signature.
    let mut sig = B64.decode(jwt.rsplit('.').next().unwrap()).unwrap();
    sig[sig_len / 2] ^= 1;
    let (signed, _) = jwt.rsplit_once('.').unwrap();
    let bad = format!("{signed}.{}", B64.encode(&sig));
    assert_eq!(verify::<serde_json::Value>(&bad, &keys), Err(VerifyError::Signature));
    // Another key of the same algorithm with the same kid.
    let (_, other) = self::signer(alg);
    let swapped = [VerifyKey { kid: signer.kid(), ..other.verify_key() }];
    assert_eq!(verify::<serde_json::Value>(&jwt, &swapped), Err(VerifyError::Signature));

    let none = format!("{}.{}.", B64.encode(r#"{"alg":"none"}"#), B64.encode("{}"));
    assert_eq!(verify::<serde_json::Value>(&none, &keys), Err(VerifyError::Algorithm));
    let hs = forge(&signer, &serde_json::json!({"alg": "HS256", "kid": signer.kid()}));
    assert_eq!(verify::<serde_json::Value>(&hs, &keys), Err(VerifyError::Algorithm));
    assert_eq!(verify::<serde_json::Value>("a.b", &keys), Err(VerifyError::Malformed));
    let unknown = forge(&signer, &serde_json::json!({"alg": alg, "kid": "nope"}));
    assert_eq!(verify::<serde_json::Value>(&unknown, &keys), Err(VerifyError::UnknownKey));
}

#[test]
fn rs256_sign_verify_roundtrip_and_tamper() {
    roundtrip_and_tamper(RS256, 256);
}

#[test]
fn ps256_sign_verify_roundtrip_and_tamper() {
    roundtrip_and_tamper(PS256, 256);
}

#[test]
fn rsa_keys_are_bound_to_their_padding() {
    let (_, pss) = signer(PS256);
    let (_, pkcs1) = signer(RS256);
    let keys = [pss.verify_key(), pkcs1.verify_key()];
    // A PKCS#1 v1.5 signature presented as RS256 under the PSS key's kid, and the reverse.
    let confused = forge(&pkcs1, &serde_json::json!({"alg": RS256, "kid": pss.kid()}));
    assert_eq!(verify::<serde_json::Value>(&confused, &keys), Err(VerifyError::Algorithm));
    let confused = forge(&pss, &serde_json::json!({"alg": PS256, "kid": pkcs1.kid()}));
    assert_eq!(verify::<serde_json::Value>(&confused, &keys), Err(VerifyError::Algorithm));
    assert_eq!(pss.jwk().kty, "RSA");
}

#[test]
fn es256_sign_verify_roundtrip_and_tamper() {
    roundtrip_and_tamper(ES256, 64);
}

#[test]
fn eddsa_sign_verify_roundtrip_and_tamper() {
    roundtrip_and_tamper(EDDSA, 64);
}

#[test]
fn header_alg_must_match_the_key() {
    let (_, rsa) = signer(RS256);
    let (_, ec) = signer(ES256);
    let (_, ed) = signer(EDDSA);
    let keys = [rsa.verify_key(), ec.verify_key(), ed.verify_key()];
    for s in [&rsa, &ec, &ed] {
        let jwt = s.sign(&serde_json::json!({"sub": "x"})).unwrap();
        assert!(verify::<serde_json::Value>(&jwt, &keys).is_ok(), "{}", s.algorithm());
    }
    // An ES256 header on an RSA kid, signed by the EC key: refused before any check.
    let confused = forge(&ec, &serde_json::json!({"alg": ES256, "kid": rsa.kid()}));
    assert_eq!(verify::<serde_json::Value>(&confused, &keys), Err(VerifyError::Algorithm));
    // RS256 header on the EC kid, EdDSA header on the RSA kid, ES256 on the Ed25519 kid.
    let confused = forge(&rsa, &serde_json::json!({"alg": RS256, "kid": ec.kid()}));
    assert_eq!(verify::<serde_json::Value>(&confused, &keys), Err(VerifyError::Algorithm));
    let confused = forge(&ed, &serde_json::json!({"alg": EDDSA, "kid": rsa.kid()}));
    assert_eq!(verify::<serde_json::Value>(&confused, &keys), Err(VerifyError::Algorithm));
    let confused = forge(&ec, &serde_json::json!({"alg": ES256, "kid": ed.kid()}));
    assert_eq!(verify::<serde_json::Value>(&confused, &keys), Err(VerifyError::Algorithm));
}

#[test]
fn kid_is_the_thumbprint_and_stable_across_parse() {
    for (alg, kty) in [(RS256, "RSA"), (PS256, "RSA"), (ES256, "EC"), (EDDSA, "OKP")] {
        let (stored, signer) = signer(alg);
        assert_eq!(signer.jwk().thumbprint(), stored.kid, "{alg}");
        assert_eq!(signer.jwk().kty, kty);
        assert_eq!(signer.algorithm().as_str(), alg);
        let again = Signer::from_stored(&stored).unwrap();
        assert_eq!(again.kid(), stored.kid);
        assert_eq!(again.jwk(), signer.jwk());
        assert_eq!(B64.decode(&stored.kid).unwrap().len(), 32);
    }
}

#[test]
fn jwk_members_per_key_type() {
    let (_, rsa) = signer(RS256);
    let j = rsa.jwk();
    assert_eq!((j.crv, j.x.is_none(), j.y.is_none()), (None, true, true));
    assert_eq!(j.e.as_deref(), Some("AQAB"));
    assert_eq!(B64.decode(j.n.as_deref().unwrap()).unwrap().len(), 256);

    let (_, ec) = signer(ES256);
    let j = ec.jwk();
    assert_eq!((j.crv, j.n.is_none(), j.e.is_none()), (Some("P-256"), true, true));
    assert_eq!(B64.decode(j.x.as_deref().unwrap()).unwrap().len(), 32);
    assert_eq!(B64.decode(j.y.as_deref().unwrap()).unwrap().len(), 32);

    let (_, ed) = signer(EDDSA);
    let j = ed.jwk();
    assert_eq!((j.crv, j.n.is_none(), j.y.is_none()), (Some("Ed25519"), true, true));
    assert_eq!(B64.decode(j.x.as_deref().unwrap()).unwrap().len(), 32);
}

#[test]
fn thumbprint_matches_rfc_vectors() {
    // RFC 7638 §3.1.
    let rsa = PublicJwk {
        kty: "RSA",
        crv: None,
        n: Some(
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
                .into(),
        ),
        e: Some("AQAB".into()),
        x: None,
        y: None,
    };
    assert_eq!(rsa.thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    // RFC 8037 Appendix A.3.
    let ed = PublicJwk {
        kty: "OKP",
        crv: Some("Ed25519"),
        n: None,
        e: None,
        x: Some("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo".into()),
        y: None,
    };
    assert_eq!(ed.thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

#[test]
fn unknown_algorithms_are_refused() {
    for alg in ["HS256", "none", "rs256", "ES384", ""] {
        assert!(matches!(generate_key("r", alg, 0), Err(CoreError::Invalid(_))), "{alg}");
    }
    let (mut stored, _) = signer(ES256);
    stored.algorithm = RS256.into();
    assert!(Signer::from_stored(&stored).is_err(), "an EC key read as RSA");
}
