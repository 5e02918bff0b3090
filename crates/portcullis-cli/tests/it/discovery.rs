//! OpenID Connect discovery, RFC 8414 metadata, the JWKS and the health endpoints.

use jsonwebtoken::decode_header;
use serde_json::{json, Value};

use crate::harness::{claims, client_credentials, Server};

fn get_json(server: &Server, url: &str) -> Value {
    let r = server.http.get(url).send().unwrap();
    assert_eq!(r.status(), 200, "GET {url}");
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("application/json"), "GET {url}: {ct}");
    r.json().unwrap()
}

fn setup() -> Server {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("disc");
    admin.create_service_client("disc", "svc", "s3cret");
    drop(admin);
    server
}

#[test]
fn openid_configuration_matches_tokens_and_its_endpoints_work() {
    let server = setup();
    let d = get_json(&server, &server.url("/realms/disc/.well-known/openid-configuration"));

    let (status, body) = client_credentials(&server, "disc", "svc", "s3cret", &[]);
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(d["issuer"], claims(token)["iss"]);
    assert_eq!(d["issuer"], server.url("/realms/disc"));
    assert_eq!(
        d["grant_types_supported"],
        json!(["client_credentials", "password", "refresh_token", "urn:ietf:params:oauth:grant-type:token-exchange"])
    );
    let methods = json!(["client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt"]);
    assert_eq!(d["token_endpoint_auth_methods_supported"], methods);
    assert_eq!(d["introspection_endpoint_auth_methods_supported"], methods);
    assert_eq!(d["revocation_endpoint_auth_methods_supported"], methods);
    assert_eq!(d["userinfo_endpoint"], server.url("/realms/disc/protocol/openid-connect/userinfo"));
    assert_eq!(d["subject_types_supported"], json!(["public"]));
    assert_eq!(d["id_token_signing_alg_values_supported"], json!(["RS256"]));
    let scopes: Vec<&str> = d["scopes_supported"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for s in ["openid", "profile", "email"] {
        assert!(scopes.contains(&s), "{s} in {scopes:?}");
    }

    // The advertised token endpoint issues tokens, with client_secret_post too.
    let token_endpoint = d["token_endpoint"].as_str().unwrap();
    assert_eq!(token_endpoint, server.token_url("disc"));
    let r = server
        .http
        .post(token_endpoint)
        .form(&[("grant_type", "client_credentials"), ("client_id", "svc"), ("client_secret", "s3cret")])
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().unwrap();
    assert_eq!(claims(t["access_token"].as_str().unwrap())["iss"], d["issuer"]);

    // The advertised JWKS holds the key the token was signed with.
    let jwks = get_json(&server, d["jwks_uri"].as_str().unwrap());
    let kid = decode_header(token).unwrap().kid.expect("kid");
    assert!(jwks["keys"].as_array().unwrap().iter().any(|k| k["kid"] == kid.as_str()), "{kid} in {jwks}");

    // A scope created later is advertised.
    server.admin().create("/admin/realms/disc/client-scopes", &json!({"name": "api:read"}));
    let d = get_json(&server, &server.url("/realms/disc/.well-known/openid-configuration"));
    assert!(d["scopes_supported"].as_array().unwrap().iter().any(|s| s == "api:read"), "{d}");
}

#[test]
fn rfc8414_metadata_at_both_locations() {
    let server = setup();
    let oidc = get_json(&server, &server.url("/realms/disc/.well-known/openid-configuration"));
    let keycloak_location = get_json(&server, &server.url("/realms/disc/.well-known/oauth-authorization-server"));
    let rfc_location = get_json(&server, &server.url("/.well-known/oauth-authorization-server/realms/disc"));
    assert_eq!(keycloak_location["issuer"], server.url("/realms/disc"));
    assert_eq!(rfc_location["issuer"], keycloak_location["issuer"]);
    assert_eq!(rfc_location["issuer"], oidc["issuer"]);
    for doc in [&keycloak_location, &rfc_location] {
        assert_eq!(doc["token_endpoint"], oidc["token_endpoint"]);
        assert_eq!(doc["jwks_uri"], oidc["jwks_uri"]);
        assert_eq!(
            doc["grant_types_supported"],
            json!([
                "client_credentials",
                "password",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:token-exchange"
            ])
        );
    }
    // Each realm has its own issuer.
    let master = get_json(&server, &server.url("/.well-known/oauth-authorization-server/realms/master"));
    assert_eq!(master["issuer"], server.url("/realms/master"));
}

#[test]
fn jwks_keys_are_rsa_signing_keys() {
    let server = setup();
    let jwks = get_json(&server, &server.url("/realms/disc/protocol/openid-connect/certs"));
    let keys = jwks["keys"].as_array().unwrap();
    assert!(!keys.is_empty(), "{jwks}");
    for k in keys {
        assert_eq!(k["kty"], "RSA", "{k}");
        assert_eq!(k["alg"], "RS256", "{k}");
        assert_eq!(k["use"], "sig", "{k}");
        assert!(k["kid"].as_str().is_some_and(|s| !s.is_empty()), "{k}");
        // base64url without padding; a 2048-bit modulus or larger.
        let n = k["n"].as_str().unwrap();
        assert!(n.len() >= 342 && !n.contains(['=', '+', '/']), "{k}");
        assert_eq!(k["e"], "AQAB", "{k}");
        assert!(k.get("d").is_none() && k.get("p").is_none(), "no private parts: {k}");
    }
    // Realms have distinct keys.
    let master = get_json(&server, &server.url("/realms/master/protocol/openid-connect/certs"));
    let kid = |v: &Value| v["keys"][0]["kid"].as_str().unwrap().to_owned();
    assert_ne!(kid(&master), kid(&jwks));
}

#[test]
fn health_endpoints_are_up() {
    let server = Server::start();
    for path in ["/health/live", "/health/ready"] {
        let body = get_json(&server, &server.url(path));
        assert_eq!(body["status"], "UP", "{path}: {body}");
    }
}
