//! Verification of untrusted compact JWTs with `portcullis_core::keys::verify`.
//!
//! Today this verify path is what parses the untrusted bearer tokens of the admin API
//! (`portcullis-server/src/extract/admin.rs`: header, key lookup by `kid`, algorithm check,
//! signature, then the claims); issue 5 adds RFC 7523 client assertions
//! (`client_assertion` of the token endpoint), parsed by `client_assertion` (mode 5).
//!
//! Every input is used four ways, so raw JWT seeds and structured inputs both make progress:
//! 1. as the token itself (lossy UTF-8), against a fixed verify key set;
//! 2. as a near-valid token built from `arbitrary` data: a JSON header with a chosen or
//!    arbitrary `alg`/`kid`, arbitrary payload and signature bytes, each segment encoded
//!    as base64url (or deliberately wrongly), which must never verify: nobody but the
//!    harness holds the private keys;
//! 3. as edits (flip, insert, delete, truncate) of a token really signed by one of the
//!    keys: if the edited token still verifies, its signed part and claims must be the
//!    original's;
//! 4. as claims that the harness signs (ES256/EdDSA; RS256 signing would halve the speed)
//!    and verifies: they must come back equal.
//!
//! 5. RFC 7523 client assertions: the input (and every token of 2 and 3) also goes through
//!    `client_assertion::{claimed_client_id, verify_private_key_jwt,
//!    verify_client_secret_jwt}` against a fixed client JWKS and secret; only assertions
//!    the harness signed may be accepted.
//!
//! The keys are fixed test-only keys (`fuzz/keys/*.pk8`, PKCS#8 DER) so that `kid`s in the
//! corpus stay valid between runs. Set `PORTCULLIS_FUZZ_WRITE_SEEDS=<dir>` to write one
//! really signed token per algorithm to `<dir>` (seed corpus).
#![no_main]

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD as B64};
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use portcullis_core::keys::{self, Signer, VerifyKey};
use serde_json::{json, Map, Value};

/// The claims the admin API reads from its bearer tokens (mirror of `AdminClaims`).
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct AdminClaims {
    sub: String,
    exp: i64,
    iss: String,
    #[serde(default)]
    realm_access: Option<RealmAccess>,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct RealmAccess {
    #[serde(default)]
    roles: Vec<String>,
}

struct Fixture {
    /// RS256, ES256, EdDSA.
    signers: [Signer; 3],
    /// One token really signed by each signer, with `claims`.
    signed: [String; 3],
    claims: Value,
    /// The client JWKS of mode 5: the ES256 and EdDSA signers' public keys.
    client_jwks: String,
    /// Client assertions signed by the ES256 and EdDSA signers and with [`SECRET`].
    assertions: [String; 3],
}

/// The client secret of mode 5.
const SECRET: &str = "fuzz-client-secret-0123456789";
/// The audience and time of mode 5.
const AUDIENCE: &str = "http://localhost:8080/realms/master/protocol/openid-connect/token";
const NOW: i64 = 1_800_000_000;

fn assertion_claims() -> Value {
    json!({"iss": "svc", "sub": "svc", "aud": AUDIENCE, "exp": NOW + 60, "iat": NOW, "jti": "fuzz-jti"})
}

fn hs256(claims: &Value) -> String {
    let signed = format!("{}.{}", B64.encode(r#"{"alg":"HS256","typ":"JWT"}"#), B64.encode(claims.to_string()));
    let tag = aws_lc_rs::hmac::sign(
        &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, SECRET.as_bytes()),
        signed.as_bytes(),
    );
    format!("{signed}.{}", B64.encode(tag.as_ref()))
}

/// 5: a client assertion is accepted only if the harness signed it.
fn assertion(fx: &Fixture, token: &str) {
    use portcullis_core::client_assertion::{
        claimed_client_id, verify_client_secret_jwt, verify_private_key_jwt, Expected,
    };
    let audiences = [AUDIENCE.to_owned()];
    let expected = Expected { client_id: "svc", audiences: &audiences, algorithm: None, now: NOW };
    let _ = claimed_client_id(token);
    let signed_part = |t: &str| t.rsplit_once('.').map(|(s, _)| s.to_owned());
    let ours = |t: &str| fx.assertions.iter().chain(&fx.signed).any(|a| signed_part(a) == signed_part(t));
    if verify_private_key_jwt(token, &fx.client_jwks, &expected).is_ok() {
        assert!(ours(token), "an assertion the harness did not sign verified: {token}");
    }
    if verify_client_secret_jwt(token, SECRET, &expected).is_ok() {
        assert!(ours(token), "an HMAC assertion the harness did not sign verified: {token}");
    }
}

impl Fixture {
    fn verify_keys(&self) -> [VerifyKey<'_>; 3] {
        [self.signers[0].verify_key(), self.signers[1].verify_key(), self.signers[2].verify_key()]
    }
}

fn signer(algorithm: &str, pkcs8: &[u8]) -> Signer {
    // A generated key with the fixed key material swapped in (no struct literal, so that new
    // fields of `StoredKey` do not break the harness).
    let mut stored = keys::generate_key("master", algorithm, 0).expect("key generation works");
    stored.private_pkcs8 = pkcs8.to_vec();
    // The kid is the RFC 7638 thumbprint, as for generated realm keys.
    stored.kid = Signer::from_stored(&stored).expect("fixed key parses").jwk().thumbprint();
    Signer::from_stored(&stored).expect("fixed key parses")
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let signers = [
            signer(keys::RS256, include_bytes!("../keys/rs256.pk8")),
            signer(keys::ES256, include_bytes!("../keys/es256.pk8")),
            signer(keys::EDDSA, include_bytes!("../keys/eddsa.pk8")),
        ];
        let claims = json!({
            "exp": 1_900_000_000i64,
            "iat": 1_800_000_000i64,
            "jti": "7f1c1b7e-4c2b-4a8e-9d7a-1f0c2e3d4b5a",
            "iss": "http://localhost:8080/realms/master",
            "sub": "0b9e2c1a-5d4f-4e3b-8a7c-6d5e4f3a2b1c",
            "typ": "Bearer",
            "azp": "admin-cli",
            "realm_access": {"roles": ["admin", "default-roles-master"]},
            "scope": "openid profile email",
        });
        let signed = [0, 1, 2].map(|i| signers[i].sign(&claims).expect("signing works"));
        if let Ok(dir) = std::env::var("PORTCULLIS_FUZZ_WRITE_SEEDS") {
            for (s, token) in signers.iter().zip(&signed) {
                let path = std::path::Path::new(&dir).join(format!("signed-{}", s.algorithm()));
                std::fs::write(path, token).expect("seed written");
            }
        }
        let jwk = |s: &Signer| {
            let j = s.jwk();
            json!({"kty": j.kty, "crv": j.crv, "x": j.x, "y": j.y, "kid": s.kid()})
        };
        let client_jwks = json!({"keys": [jwk(&signers[1]), jwk(&signers[2])]}).to_string();
        let a = assertion_claims();
        let assertions =
            [signers[1].sign(&a).expect("signing works"), signers[2].sign(&a).expect("signing works"), hs256(&a)];
        if let Ok(dir) = std::env::var("PORTCULLIS_FUZZ_WRITE_SEEDS") {
            for (i, token) in assertions.iter().enumerate() {
                let path = std::path::Path::new(&dir).join(format!("assertion-{i}"));
                std::fs::write(path, token).expect("seed written");
            }
        }
        Fixture { signers, signed, claims, client_jwks, assertions }
    })
}

/// Runs `verify` with the claim types the server uses.
fn verify_all(token: &str, keys: &[VerifyKey<'_>]) -> Result<Value, keys::VerifyError> {
    let value = keys::verify::<Value>(token, keys);
    let admin = keys::verify::<AdminClaims>(token, keys);
    // Same header, key and signature checks: the typed parse can only fail later. (A
    // malformed payload may still parse as `AdminClaims`, e.g. nesting beyond the depth
    // limit of `Value` in an ignored member.)
    if let Err(e) = &value {
        if *e != keys::VerifyError::Malformed {
            assert_eq!(admin.as_ref().err(), Some(e), "typed and untyped verification disagree");
        }
    }
    value
}

#[derive(Arbitrary, Debug)]
enum Alg<'a> {
    Rs256,
    Es256,
    EdDsa,
    None,
    Hs256,
    Other(&'a str),
}

#[derive(Arbitrary, Debug)]
enum Kid<'a> {
    /// The kid of signer 0, 1 or 2.
    Known(u8),
    Missing,
    Other(&'a str),
    Number(i64),
}

#[derive(Arbitrary, Debug)]
enum Segment<'a> {
    /// base64url without padding, as RFC 7515 requires.
    Url(&'a [u8]),
    /// base64url with `=` padding.
    UrlPadded(&'a [u8]),
    /// Standard alphabet (`+/`), padded.
    Standard(&'a [u8]),
    /// Not encoded at all.
    Raw(&'a str),
}

impl Segment<'_> {
    fn encode(&self) -> String {
        match self {
            Self::Url(b) => B64.encode(b),
            Self::UrlPadded(b) => URL_SAFE.encode(b),
            Self::Standard(b) => STANDARD.encode(b),
            Self::Raw(s) => (*s).to_owned(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Header<'a> {
    Built { alg: Alg<'a>, kid: Kid<'a>, typ: Option<&'a str>, extra: Vec<(&'a str, &'a str)> },
    Segment(Segment<'a>),
}

#[derive(Arbitrary, Debug)]
enum Payload<'a> {
    Json,
    Segment(Segment<'a>),
}

#[derive(Arbitrary, Debug)]
enum Signature<'a> {
    /// Arbitrary bytes, as long as a real signature of the header's algorithm.
    Sized(u8),
    Segment(Segment<'a>),
}

#[derive(Arbitrary, Debug)]
enum Edit {
    Flip { at: u16, bit: u8 },
    Insert { at: u16, byte: u8 },
    Delete { at: u16 },
    Truncate { at: u16 },
    Set { at: u16, byte: u8 },
}

/// JSON without floats (float text does not always survive a parse/print round trip).
fn value(u: &mut Unstructured<'_>, depth: u32) -> arbitrary::Result<Value> {
    let kind = if depth == 0 { u.int_in_range(0..=4)? } else { u.int_in_range(0..=6)? };
    Ok(match kind {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::from(u.arbitrary::<i64>()?),
        3 => Value::from(u.arbitrary::<u64>()?),
        4 => Value::String(u.arbitrary()?),
        5 => {
            let mut items = Vec::new();
            for _ in 0..u.int_in_range(0..=8)? {
                items.push(value(u, depth - 1)?);
            }
            Value::Array(items)
        }
        _ => {
            let mut map = Map::new();
            for _ in 0..u.int_in_range(0..=8)? {
                map.insert(u.arbitrary()?, value(u, depth - 1)?);
            }
            Value::Object(map)
        }
    })
}

fn built_header(fx: &Fixture, alg: &Alg<'_>, kid: &Kid<'_>, typ: Option<&str>, extra: &[(&str, &str)]) -> Value {
    let mut h = Map::new();
    for (k, v) in extra {
        h.insert((*k).to_owned(), Value::from(*v));
    }
    let alg = match alg {
        Alg::Rs256 => keys::RS256,
        Alg::Es256 => keys::ES256,
        Alg::EdDsa => keys::EDDSA,
        Alg::None => "none",
        Alg::Hs256 => "HS256",
        Alg::Other(s) => s,
    };
    h.insert("alg".into(), Value::from(alg));
    match kid {
        Kid::Known(i) => {
            h.insert("kid".into(), Value::from(fx.signers[usize::from(*i) % 3].kid()));
        }
        Kid::Missing => {}
        Kid::Other(s) => {
            h.insert("kid".into(), Value::from(*s));
        }
        Kid::Number(n) => {
            h.insert("kid".into(), Value::from(*n));
        }
    }
    if let Some(t) = typ {
        h.insert("typ".into(), Value::from(t));
    }
    Value::Object(h)
}

/// 2: a token nobody signed must not verify.
fn forged(fx: &Fixture, keys: &[VerifyKey<'_>], u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let header: Header<'_> = u.arbitrary()?;
    let payload: Payload<'_> = u.arbitrary()?;
    let signature: Signature<'_> = u.arbitrary()?;
    let extra_segment: Option<&str> = u.arbitrary()?;
    let (h, alg) = match &header {
        Header::Built { alg, kid, typ, extra } => {
            (B64.encode(built_header(fx, alg, kid, *typ, extra).to_string()), Some(alg))
        }
        Header::Segment(s) => (s.encode(), None),
    };
    let p = match &payload {
        Payload::Json => B64.encode(value(u, 3)?.to_string()),
        Payload::Segment(s) => s.encode(),
    };
    let s = match &signature {
        Signature::Sized(seed) => {
            let len = match alg {
                Some(Alg::Rs256) => 256,
                _ => 64,
            };
            let mut sig: Vec<u8> = u.bytes(len).map(<[u8]>::to_vec).unwrap_or_default();
            sig.resize(len, *seed);
            B64.encode(sig)
        }
        Signature::Segment(s) => s.encode(),
    };
    let mut token = format!("{h}.{p}.{s}");
    if let Some(x) = extra_segment {
        token.push('.');
        token.push_str(x);
    }
    assertion(fx, &token);
    if let Ok(claims) = verify_all(&token, keys) {
        // The fuzzer may splice the segments of a signed seed back together.
        let signed_part = token.rsplit_once('.').map(|(s, _)| s);
        if !fx.signed.iter().any(|t| t.rsplit_once('.').map(|(s, _)| s) == signed_part) {
            panic!("a token the harness did not sign verified: {token} -> {claims}");
        }
    }
    Ok(())
}

/// 3: edits of a really signed token.
fn tampered(fx: &Fixture, keys: &[VerifyKey<'_>], u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let which = usize::from(u.arbitrary::<u8>()?) % 3;
    let edits: Vec<Edit> = u.arbitrary()?;
    let original = &fx.signed[which];
    let mut token = original.as_bytes().to_vec();
    for edit in edits.iter().take(8) {
        let len = token.len().max(1);
        match *edit {
            Edit::Flip { at, bit } => {
                if let Some(b) = token.get_mut(usize::from(at) % len) {
                    *b ^= 1 << (bit % 8);
                }
            }
            Edit::Insert { at, byte } => token.insert(usize::from(at) % (token.len() + 1), byte),
            Edit::Delete { at } => {
                if !token.is_empty() {
                    token.remove(usize::from(at) % len);
                }
            }
            Edit::Truncate { at } => token.truncate(usize::from(at) % len),
            Edit::Set { at, byte } => {
                if let Some(b) = token.get_mut(usize::from(at) % len) {
                    *b = byte;
                }
            }
        }
    }
    let token = String::from_utf8_lossy(&token);
    assertion(fx, &token);
    if let Ok(claims) = verify_all(&token, keys) {
        let signed_part = |t: &str| t.rsplit_once('.').map(|(s, _)| s.to_owned());
        assert_eq!(signed_part(&token), signed_part(original), "edited signed part verified: {token}");
        assert_eq!(claims, fx.claims, "edited token verified with other claims: {token}");
        // RSA PKCS#1 v1.5 and Ed25519 signatures are unique; ECDSA's (r, n-s) is not, so
        // for ES256 only the signed part is checked.
        if which != 1 {
            assert_eq!(token, original.as_str(), "edited signature verified");
        }
    }
    Ok(())
}

/// 4: claims signed by the harness come back unchanged.
fn signed(fx: &Fixture, keys: &[VerifyKey<'_>], u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let signer = &fx.signers[1 + usize::from(u.arbitrary::<bool>()?)];
    let claims = value(u, 4)?;
    let token = signer.sign(&claims).expect("signing works");
    let back = verify_all(&token, keys).unwrap_or_else(|e| panic!("own token refused ({e}): {token}"));
    assert_eq!(back, claims, "claims changed in a sign/verify round trip");
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let fx = fixture();
    let keys = fx.verify_keys();

    // 1: the input is the token (and, 5, a client assertion).
    let token = String::from_utf8_lossy(data);
    let _ = verify_all(&token, &keys);
    assertion(fx, &token);

    // 2–4: the input drives structured tokens; the first byte picks which.
    let Some((&mode, rest)) = data.split_first() else { return };
    let mut u = Unstructured::new(rest);
    let _ = match mode % 3 {
        0 => forged(fx, &keys, &mut u),
        1 => tampered(fx, &keys, &mut u),
        _ => signed(fx, &keys, &mut u),
    };
});
