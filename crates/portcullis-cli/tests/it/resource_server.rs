//! The resource-server crate against a real Portcullis: tokens accepted, each invalid kind
//! refused for its own reason, a rotated key picked up, and the axum extractor's answers.

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use portcullis_resource_server::{Authenticated, Config, Error, Verifier};
use serde_json::json;

use crate::harness::{client_credentials, Server};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn token(server: &Server, realm: &str, extra: &[(&str, &str)]) -> String {
    let (status, body) = client_credentials(server, realm, "svc", "svc-secret-0123456789", extra);
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

fn setup() -> Server {
    let server = Server::with_realm("shop");
    let admin = server.admin();
    let id = admin.create_service_client("shop", "svc", "svc-secret-0123456789");
    let scope =
        admin.create("/admin/realms/shop/client-scopes", &json!({"name": "orders:read", "protocol": "openid-connect"}));
    admin.put(&format!("/admin/realms/shop/clients/{id}/optional-client-scopes/{scope}"), &json!({}));
    admin.create("/admin/realms/shop/roles", &json!({"name": "Developer"}));
    let sa = admin.get_json(&format!("/admin/realms/shop/clients/{id}/service-account-user"));
    let dev = admin.get_json("/admin/realms/shop/roles/Developer");
    admin.post(&format!("/admin/realms/shop/users/{}/role-mappings/realm", sa["id"].as_str().unwrap()), &json!([dev]));
    server
}

#[test]
fn tokens_are_verified_and_each_invalid_kind_refused_for_its_reason() {
    let server = setup();
    let issuer = server.url("/realms/shop");
    let rt = runtime();
    let verifier = rt.block_on(Verifier::discover(Config::new(&issuer).min_refresh_interval(Duration::ZERO))).unwrap();

    let good = token(&server, "shop", &[("scope", "orders:read")]);
    let claims = rt.block_on(verifier.verify(&good)).unwrap();
    assert_eq!(claims.client(), Some("svc"));
    assert!(claims.require_scope("orders:read").is_ok());
    assert!(claims.require_realm_role("Developer").is_ok());
    assert!(matches!(claims.require_scope("orders:write"), Err(Error::Insufficient(_))));
    assert!(matches!(claims.require_realm_role("Admin"), Err(Error::Insufficient(_))));

    // Audience.
    let strict = rt.block_on(Verifier::discover(Config::new(&issuer).audience("https://orders.example.com"))).unwrap();
    assert_eq!(rt.block_on(strict.verify(&good)).unwrap_err(), Error::Audience);
    let for_orders = token(&server, "shop", &[("resource", "https://orders.example.com")]);
    assert!(rt.block_on(strict.verify(&for_orders)).is_ok());

    // Issuer: the same realm reached by another host name signs with the same key.
    let other_host = server.base.replace("127.0.0.1", "localhost");
    let r = server
        .http
        .post(format!("{other_host}/realms/shop/protocol/openid-connect/token"))
        .basic_auth("svc", Some("svc-secret-0123456789"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .unwrap();
    let foreign: serde_json::Value = r.json().unwrap();
    assert_eq!(rt.block_on(verifier.verify(foreign["access_token"].as_str().unwrap())).unwrap_err(), Error::Issuer);

    // alg none, HS256 keyed with the public key, a tampered payload, garbage.
    let parts: Vec<&str> = good.split('.').collect();
    let header = |alg: &str| B64.encode(json!({"alg": alg, "typ": "at+jwt"}).to_string());
    let none = format!("{}.{}.", header("none"), parts[1]);
    assert_eq!(rt.block_on(verifier.verify(&none)).unwrap_err(), Error::Algorithm("none".into()));
    let jwks = server.jwks("shop");
    let key = jwks["keys"][0]["n"].as_str().unwrap();
    let signed = format!("{}.{}", header("HS256"), parts[1]);
    let mac = aws_lc_rs::hmac::sign(
        &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key.as_bytes()),
        signed.as_bytes(),
    );
    let hs = format!("{signed}.{}", B64.encode(mac.as_ref()));
    assert_eq!(rt.block_on(verifier.verify(&hs)).unwrap_err(), Error::Algorithm("HS256".into()));
    let mut claims_json: serde_json::Value = serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
    claims_json["scope"] = json!("orders:read orders:write");
    let tampered = format!("{}.{}.{}", parts[0], B64.encode(claims_json.to_string()), parts[2]);
    assert_eq!(rt.block_on(verifier.verify(&tampered)).unwrap_err(), Error::Signature);
    assert_eq!(rt.block_on(verifier.verify("not.a.jwt")).unwrap_err(), Error::Malformed);

    // Expiry, without leeway.
    server.admin().put("/admin/realms/shop", &json!({"accessTokenLifespan": 1}));
    let short = token(&server, "shop", &[]);
    std::thread::sleep(Duration::from_millis(2100));
    let exact = rt.block_on(Verifier::discover(Config::new(&issuer).leeway(Duration::ZERO))).unwrap();
    assert_eq!(rt.block_on(exact.verify(&short)).unwrap_err(), Error::Expired);
    assert!(rt.block_on(verifier.verify(&short)).is_ok(), "within the default 60 s leeway");

    // A rotated key: unknown to the cache, fetched again, then accepted.
    let r = server.admin().post("/admin/realms/shop/keys/rotate", &json!({}));
    assert!(r.status().is_success());
    std::thread::sleep(Duration::from_millis(1200));
    let after = token(&server, "shop", &[]);
    assert_ne!(after.split('.').next(), good.split('.').next(), "a new kid");
    assert!(rt.block_on(verifier.verify(&after)).is_ok(), "the new key is fetched on first sight");
    // With the default interval, a second unknown kid right after does not fetch again.
    let limited = rt.block_on(Verifier::discover(Config::new(&issuer))).unwrap();
    let fake = format!("{}.{}.{}", B64.encode(json!({"alg": "RS256", "kid": "nope"}).to_string()), parts[1], parts[2]);
    assert_eq!(rt.block_on(limited.verify(&fake)).unwrap_err(), Error::UnknownKey);
}

async fn orders(Authenticated(claims): Authenticated) -> Result<String, Error> {
    claims.require_scope("orders:read")?;
    Ok(format!("orders of {}", claims.client().unwrap_or("?")))
}

#[test]
fn the_axum_extractor_answers_with_rfc6750_challenges() {
    let server = setup();
    let issuer = server.url("/realms/shop");
    // The service runs on its own runtime, in its own thread, as a real one would.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = runtime();
        rt.block_on(async move {
            let verifier = Arc::new(Verifier::discover(Config::new(issuer)).await.unwrap());
            let app = axum::Router::new().route("/orders", axum::routing::get(orders)).with_state(verifier);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    let addr = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    let url = format!("http://{addr}/orders");
    let http = &server.http;
    let r = http.get(&url).send().unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let r = http.get(&url).bearer_auth("garbage").send().unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().contains("error=\"invalid_token\""));
    let r = http.get(&url).bearer_auth(token(&server, "shop", &[])).send().unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().contains("error=\"insufficient_scope\""));
    let r = http.get(&url).bearer_auth(token(&server, "shop", &[("scope", "orders:read")])).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().unwrap(), "orders of svc");
}
