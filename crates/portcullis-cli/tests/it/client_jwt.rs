//! RFC 7523 client authentication: `private_key_jwt` with the client's JWKS inline or at a
//! URL (refetched when the client rotates its key), `client_secret_jwt`, each assertion
//! usable once, and the methods a client is limited to by `clientAuthenticatorType` and
//! `token.endpoint.auth.method`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::harness::{client_credentials, Server};

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

pub struct Key {
    pair: EcdsaKeyPair,
    kid: String,
}

impl Key {
    pub fn new(kid: &str) -> Self {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new()).unwrap();
        Key {
            pair: EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap(),
            kid: kid.into(),
        }
    }

    pub fn jwks(&self) -> String {
        let p = self.pair.public_key().as_ref();
        json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": self.kid, "use": "sig", "alg": "ES256",
            "x": B64.encode(&p[1..33]), "y": B64.encode(&p[33..])}]})
        .to_string()
    }

    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "ES256", "typ": "JWT", "kid": self.kid});
        jws(&header, claims, |m| self.pair.sign(&SystemRandom::new(), m).unwrap().as_ref().to_vec())
    }
}

fn jws(header: &Value, claims: &Value, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let signed = format!("{}.{}", B64.encode(header.to_string()), B64.encode(claims.to_string()));
    let sig = sign(signed.as_bytes());
    format!("{signed}.{}", B64.encode(sig))
}

fn hs256(secret: &str, claims: &Value) -> String {
    jws(&json!({"alg": "HS256", "typ": "JWT"}), claims, |m| {
        hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()), m).as_ref().to_vec()
    })
}

pub fn jti() -> String {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).unwrap();
    B64.encode(bytes)
}

fn assertion_claims(server: &Server, realm: &str, client_id: &str) -> Value {
    json!({"iss": client_id, "sub": client_id, "aud": server.token_url(realm),
           "iat": now(), "exp": now() + 60, "jti": jti()})
}

/// A token request authenticated by `assertion`; status and body.
fn with_assertion(server: &Server, realm: &str, assertion: &str, extra: &[(&str, &str)]) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", assertion),
    ];
    form.extend_from_slice(extra);
    let r = server.http.post(server.token_url(realm)).form(&form).send().unwrap();
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

fn refused(status_body: (u16, Value), why: &str) {
    let (status, body) = status_body;
    assert_eq!(status, 401, "{why}: {body}");
    assert_eq!(body["error"], "invalid_client", "{why}: {body}");
}

fn jwt_client(server: &Server, realm: &str, client_id: &str, attributes: Value) -> String {
    server.admin().create(
        &format!("/admin/realms/{realm}/clients"),
        &json!({"clientId": client_id, "serviceAccountsEnabled": true, "clientAuthenticatorType": "client-jwt",
                "attributes": attributes}),
    )
}

#[test]
fn private_key_jwt_with_inline_jwks() {
    let server = Server::with_realm("pkj");
    let key = Key::new("k1");
    jwt_client(&server, "pkj", "signer", json!({"use.jwks.string": "true", "jwks.string": key.jwks()}));

    let claims = assertion_claims(&server, "pkj", "signer");
    let assertion = key.sign(&claims);
    let (status, body) = with_assertion(&server, "pkj", &assertion, &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(crate::harness::claims(body["access_token"].as_str().unwrap())["azp"], "signer");
    // Each assertion is usable once.
    refused(with_assertion(&server, "pkj", &assertion, &[]), "replayed jti");
    // A matching client_id is allowed; another is not.
    let (status, body) = with_assertion(
        &server,
        "pkj",
        &key.sign(&assertion_claims(&server, "pkj", "signer")),
        &[("client_id", "signer")],
    );
    assert_eq!(status, 200, "{body}");
    refused(
        with_assertion(
            &server,
            "pkj",
            &key.sign(&assertion_claims(&server, "pkj", "signer")),
            &[("client_id", "other")],
        ),
        "client_id differs",
    );
    // The issuer is an audience too; anything else is not.
    let mut c = assertion_claims(&server, "pkj", "signer");
    c["aud"] = json!(server.url("/realms/pkj"));
    assert_eq!(with_assertion(&server, "pkj", &key.sign(&c), &[]).0, 200);
    let bad = |k: &str, v: Value| {
        let mut c = assertion_claims(&server, "pkj", "signer");
        c[k] = v;
        key.sign(&c)
    };
    refused(
        with_assertion(&server, "pkj", &bad("aud", json!(server.token_url("other"))), &[]),
        "other realm's audience",
    );
    refused(with_assertion(&server, "pkj", &bad("exp", json!(now() - 120)), &[]), "expired");
    refused(with_assertion(&server, "pkj", &bad("sub", json!("someone")), &[]), "sub differs from iss");
    refused(
        with_assertion(&server, "pkj", &Key::new("k1").sign(&assertion_claims(&server, "pkj", "signer")), &[]),
        "another key",
    );
    refused(
        with_assertion(&server, "pkj", &hs256(&key.jwks(), &assertion_claims(&server, "pkj", "signer")), &[]),
        "HS256 with the public key",
    );
    let none = format!(
        "{}.{}.",
        B64.encode(r#"{"alg":"none"}"#),
        B64.encode(assertion_claims(&server, "pkj", "signer").to_string())
    );
    refused(with_assertion(&server, "pkj", &none, &[]), "alg none");
    // The secret methods are not this client's.
    refused(client_credentials(&server, "pkj", "signer", "anything", &[]), "Basic for a client-jwt client");
    // Malformed requests.
    let r = server
        .http
        .post(server.token_url("pkj"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", "urn:other"),
            ("client_assertion", &assertion),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = server
        .http
        .post(server.token_url("pkj"))
        .basic_auth("signer", Some("x"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &assertion),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status(), 400, "two methods at once");
    refused(with_assertion(&server, "pkj", "not.a.jwt", &[]), "garbage");

    // Introspection takes the same authentication (audience: the issuer).
    let mut c = assertion_claims(&server, "pkj", "signer");
    c["aud"] = json!(server.url("/realms/pkj"));
    let token = {
        let (_, b) = with_assertion(&server, "pkj", &key.sign(&assertion_claims(&server, "pkj", "signer")), &[]);
        b["access_token"].as_str().unwrap().to_owned()
    };
    let r = server
        .http
        .post(server.url("/realms/pkj/protocol/openid-connect/token/introspect"))
        .form(&[("token", token.as_str()), ("client_assertion_type", JWT_BEARER), ("client_assertion", &key.sign(&c))])
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().unwrap()["active"], true);
}

/// A one-connection-at-a-time HTTP server answering every request with the current JWKS,
/// counting requests.
struct JwksServer {
    url: String,
    jwks: Arc<Mutex<String>>,
    hits: Arc<AtomicUsize>,
}

impl JwksServer {
    fn start(jwks: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/jwks", listener.local_addr().unwrap());
        let jwks = Arc::new(Mutex::new(jwks));
        let hits = Arc::new(AtomicUsize::new(0));
        let (j, h) = (jwks.clone(), hits.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                h.fetch_add(1, Ordering::SeqCst);
                let body = j.lock().unwrap().clone();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        JwksServer { url, jwks, hits }
    }
}

#[test]
fn private_key_jwt_with_jwks_url_follows_key_rotation() {
    let server = Server::with_realm("pku");
    let old = Key::new("old");
    let keys = JwksServer::start(old.jwks());
    jwt_client(&server, "pku", "fetcher", json!({"jwks.url": keys.url, "token.endpoint.auth.signing.alg": "ES256"}));

    for _ in 0..3 {
        let (status, body) =
            with_assertion(&server, "pku", &old.sign(&assertion_claims(&server, "pku", "fetcher")), &[]);
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(keys.hits.load(Ordering::SeqCst), 1, "the JWKS is fetched once and cached");

    // The client rotates: an assertion with the new kid makes the server refetch.
    let new = Key::new("new");
    *keys.jwks.lock().unwrap() = new.jwks();
    std::thread::sleep(std::time::Duration::from_secs(11));
    let (status, body) = with_assertion(&server, "pku", &new.sign(&assertion_claims(&server, "pku", "fetcher")), &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(keys.hits.load(Ordering::SeqCst), 2);
    // Unknown kids right after a fetch do not cause another one.
    for _ in 0..3 {
        refused(
            with_assertion(
                &server,
                "pku",
                &Key::new("made-up").sign(&assertion_claims(&server, "pku", "fetcher")),
                &[],
            ),
            "unknown kid",
        );
    }
    assert_eq!(keys.hits.load(Ordering::SeqCst), 2, "refetches are rate limited");
    refused(
        with_assertion(&server, "pku", &old.sign(&assertion_claims(&server, "pku", "fetcher")), &[]),
        "rotated-out key",
    );
}

#[test]
fn client_secret_jwt_and_pinned_methods() {
    let server = Server::with_realm("csj");
    let admin = server.admin();
    admin.create(
        "/admin/realms/csj/clients",
        &json!({"clientId": "hmac", "secret": "hmac-secret-0123456789", "serviceAccountsEnabled": true,
                "clientAuthenticatorType": "client-secret-jwt"}),
    );
    let (status, body) = with_assertion(
        &server,
        "csj",
        &hs256("hmac-secret-0123456789", &assertion_claims(&server, "csj", "hmac")),
        &[],
    );
    assert_eq!(status, 200, "{body}");
    refused(
        with_assertion(&server, "csj", &hs256("wrong", &assertion_claims(&server, "csj", "hmac")), &[]),
        "wrong secret",
    );
    refused(
        client_credentials(&server, "csj", "hmac", "hmac-secret-0123456789", &[]),
        "plain secret for client-secret-jwt",
    );

    // client-secret clients: both secret methods by default; one when pinned.
    admin.create_service_client("csj", "basic-only", "basic-secret");
    let id = admin.create_service_client("csj", "post-only", "post-secret");
    let post = |id: &str, secret: &str| {
        let r = server
            .http
            .post(server.token_url("csj"))
            .form(&[("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret)])
            .send()
            .unwrap();
        r.status().as_u16()
    };
    assert_eq!(post("post-only", "post-secret"), 200);
    assert_eq!(client_credentials(&server, "csj", "post-only", "post-secret", &[]).0, 200);
    let mut rep = admin.get_json(&format!("/admin/realms/csj/clients/{id}"));
    rep["attributes"]["token.endpoint.auth.method"] = json!("client_secret_post");
    assert_eq!(admin.put(&format!("/admin/realms/csj/clients/{id}"), &rep).status(), 204);
    assert_eq!(post("post-only", "post-secret"), 200);
    refused(client_credentials(&server, "csj", "post-only", "post-secret", &[]), "Basic when pinned to post");
    // An assertion is refused for a client-secret client.
    refused(
        with_assertion(&server, "csj", &hs256("basic-secret", &assertion_claims(&server, "csj", "basic-only")), &[]),
        "assertion for client-secret",
    );

    // Settings that cannot work are refused at the admin API.
    for (authenticator, attributes) in [
        ("client-kerberos", json!({})),
        ("client-secret", json!({"token.endpoint.auth.method": "private_key_jwt"})),
        ("client-jwt", json!({"use.jwks.string": "true", "jwks.string": "{\"keys\": []}"})),
        ("client-jwt", json!({"jwks.url": "ftp://example.com/jwks"})),
        ("client-jwt", json!({"token.endpoint.auth.signing.alg": "none"})),
    ] {
        let r = admin.post(
            "/admin/realms/csj/clients",
            &json!({"clientId": "bad", "clientAuthenticatorType": authenticator, "attributes": attributes}),
        );
        assert_eq!(r.status(), 400, "{authenticator} {attributes}");
    }

    // Discovery lists the four methods and the assertion algorithms.
    let d: Value =
        server.http.get(server.url("/realms/csj/.well-known/openid-configuration")).send().unwrap().json().unwrap();
    assert_eq!(
        d["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt"])
    );
    let algs = d["token_endpoint_auth_signing_alg_values_supported"].as_array().unwrap();
    assert!(algs.contains(&json!("ES256")) && algs.contains(&json!("HS256")) && !algs.contains(&json!("none")));
}
