//! RFC 7662 introspection and RFC 7009 revocation at Keycloak's locations: active tokens
//! answer their claims; unknown, tampered, expired, revoked, foreign and pre-`notBefore`
//! tokens answer `{"active": false}`; a client revokes only its own tokens.

use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::{client_credentials, Server};

const INTROSPECT: &str = "/protocol/openid-connect/token/introspect";
const REVOKE: &str = "/protocol/openid-connect/revoke";

fn token(server: &Server, realm: &str, id: &str, secret: &str) -> String {
    let (status, body) = client_credentials(server, realm, id, secret, &[]);
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// Introspects `token` as client `id` (Basic); returns status and body.
fn introspect(server: &Server, realm: &str, id: &str, secret: &str, token: &str) -> (u16, Value) {
    let r = server
        .http
        .post(server.url(&format!("/realms/{realm}{INTROSPECT}")))
        .basic_auth(id, Some(secret))
        .form(&[("token", token)])
        .send()
        .unwrap();
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

fn active(server: &Server, token: &str) -> bool {
    let (status, body) = introspect(server, "ins", "rs", "rs-secret", token);
    assert_eq!(status, 200, "{body}");
    body["active"].as_bool().expect("active")
}

fn revoke(server: &Server, id: &str, secret: &str, token: &str) -> (u16, Value) {
    let r = server
        .http
        .post(server.url(&format!("/realms/ins{REVOKE}")))
        .basic_auth(id, Some(secret))
        .form(&[("token", token), ("token_type_hint", "access_token")])
        .send()
        .unwrap();
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

fn setup() -> Server {
    let server = Server::with_realm("ins");
    let admin = server.admin();
    admin.create_service_client("ins", "svc", "svc-secret");
    admin.create_service_client("ins", "rs", "rs-secret");
    server
}

#[test]
fn active_tokens_answer_their_claims_and_everything_else_is_inactive() {
    let server = setup();
    let admin = server.admin();
    let t = token(&server, "ins", "svc", "svc-secret");
    let (status, body) = introspect(&server, "ins", "rs", "rs-secret", &t);
    assert_eq!(status, 200);
    assert_eq!(body["active"], true);
    assert_eq!(body["client_id"], "svc");
    assert_eq!(body["username"], "service-account-svc");
    assert_eq!(body["token_type"], "Bearer");
    for claim in ["exp", "iat", "sub", "iss", "scope", "jti"] {
        assert!(!body[claim].is_null(), "{claim} in {body}");
    }
    assert!(body["iss"].as_str().unwrap().ends_with("/realms/ins"));
    // client_secret_post works too, and a client may introspect its own token.
    let r = server
        .http
        .post(server.url(&format!("/realms/ins{INTROSPECT}")))
        .form(&[("token", t.as_str()), ("client_id", "svc"), ("client_secret", "svc-secret")])
        .send()
        .unwrap();
    assert_eq!(r.json::<Value>().unwrap()["active"], true);

    // Unknown, tampered, from another realm.
    assert!(!active(&server, "garbage"));
    let mut tampered = t.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert!(!active(&server, &tampered));
    admin.create_realm("other");
    admin.create_service_client("other", "svc", "svc-secret");
    assert!(!active(&server, &token(&server, "other", "svc", "svc-secret")));

    // Expired: a client whose tokens live one second.
    let short = admin.create(
        "/admin/realms/ins/clients",
        &json!({"clientId": "short", "secret": "s", "serviceAccountsEnabled": true,
                "attributes": {"access.token.lifespan": "1"}}),
    );
    let _ = short;
    let brief = token(&server, "ins", "short", "s");
    assert!(active(&server, &brief));
    std::thread::sleep(Duration::from_millis(2100));
    assert!(!active(&server, &brief), "expired");

    // Errors of the caller: bad credentials, no token.
    let (status, body) = introspect(&server, "ins", "rs", "wrong", &t);
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    let r = server
        .http
        .post(server.url(&format!("/realms/ins{INTROSPECT}")))
        .basic_auth("rs", Some("rs-secret"))
        .form(&[("token_type_hint", "access_token")])
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().unwrap()["error"], "invalid_request");
}

#[test]
fn not_before_of_realm_and_client_retires_earlier_tokens() {
    let server = setup();
    let admin = server.admin();
    let before = token(&server, "ins", "svc", "svc-secret");
    std::thread::sleep(Duration::from_millis(1100));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    // Keycloak's console "Revocation → Set to now" is a realm update.
    assert_eq!(admin.put("/admin/realms/ins", &json!({"notBefore": now})).status(), 204);
    let r = admin.post("/admin/realms/ins/push-revocation", &json!({}));
    assert_eq!(r.json::<Value>().unwrap(), json!({"successRequests": [], "failedRequests": []}));
    assert!(!active(&server, &before), "issued before the realm's notBefore");
    let after = token(&server, "ins", "svc", "svc-secret");
    assert!(active(&server, &after));
    assert_eq!(admin.put("/admin/realms/ins", &json!({"notBefore": 0})).status(), 204);
    assert!(active(&server, &before), "notBefore 0 lifts it");

    // The same per client.
    std::thread::sleep(Duration::from_millis(1100));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let id = admin.get_json("/admin/realms/ins/clients?clientId=svc")[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(admin.put(&format!("/admin/realms/ins/clients/{id}"), &json!({"notBefore": now})).status(), 204);
    assert!(!active(&server, &after), "issued before the client's notBefore");
    let rs_token = token(&server, "ins", "rs", "rs-secret");
    assert!(active(&server, &rs_token), "other clients are not affected");
}

#[test]
fn a_client_revokes_its_own_tokens_only() {
    let server = setup();
    let admin = server.admin();
    admin.put("/admin/realms/ins/events/config", &json!({"eventsEnabled": true}));
    let t1 = token(&server, "ins", "svc", "svc-secret");
    let t2 = token(&server, "ins", "svc", "svc-secret");

    // Another client may not revoke it.
    let (status, body) = revoke(&server, "rs", "rs-secret", &t1);
    assert_eq!((status, body["error"].as_str()), (400, Some("unauthorized_client")), "{body}");
    assert!(active(&server, &t1));

    let (status, _) = revoke(&server, "svc", "svc-secret", &t1);
    assert_eq!(status, 200);
    assert!(!active(&server, &t1), "revoked");
    assert!(active(&server, &t2), "only that token");
    assert_eq!(revoke(&server, "svc", "svc-secret", &t1).0, 200, "revoking twice is fine");
    assert_eq!(revoke(&server, "svc", "svc-secret", "not-a-token").0, 200, "RFC 7009 §2.2: invalid tokens are 200");
    assert_eq!(revoke(&server, "svc", "wrong", &t2).0, 401);
    assert!(active(&server, &t2));

    let types: Vec<String> = admin
        .get_json("/admin/realms/ins/events")
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    for t in ["REVOKE_GRANT", "REVOKE_GRANT_ERROR", "INTROSPECT_TOKEN"] {
        assert!(types.iter().any(|x| x == t), "{t} in {types:?}");
    }

    let doc = server
        .http
        .get(server.url("/realms/ins/.well-known/openid-configuration"))
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap();
    assert!(doc["introspection_endpoint"].as_str().unwrap().ends_with(&format!("/realms/ins{INTROSPECT}")));
    assert!(doc["revocation_endpoint"].as_str().unwrap().ends_with(&format!("/realms/ins{REVOKE}")));
    assert_eq!(
        doc["revocation_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt"])
    );
}
