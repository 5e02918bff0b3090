//! The shortest path through the product: bootstrap, admin login, a client, a token
//! verified offline by a third-party JWT library against the JWKS.

use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::harness::{client_credentials, Server};

#[test]
fn client_credentials_token_verifies_against_jwks() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("demo");
    admin.create_service_client("demo", "svc", "s3cret");

    let (status, body) = client_credentials(&server, "demo", "svc", "s3cret", &[]);
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap();

    let jwks = server.jwks("demo");
    let kid = decode_header(token).unwrap().kid.unwrap();
    let jwk = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == kid.as_str()).expect("kid in JWKS");
    let key = DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap()).unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&["svc"]);
    v.set_issuer(&[server.url("/realms/demo")]);
    let data = decode::<Value>(token, &key, &v).expect("token verifies");
    assert_eq!(data.claims["client_id"], "svc");
    assert_eq!(data.claims["preferred_username"], "service-account-svc");
}
