//! Refresh tokens of the password grant (RFC 6749 §6) and the UserInfo endpoint: a login
//! gets a refresh token; refreshing gives new tokens within the granted scopes; the token
//! is bound to its client, shows at introspection, dies with revocation (its whole
//! session), with `notBefore`, with the session's maximum lifespan, and after one use in a
//! `revokeRefreshToken` realm.

use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::{claims, client_credentials, Server};

const SECRET: &str = "app-secret";

fn setup(realm_extra: Value) -> Server {
    let server = Server::start();
    let admin = server.admin();
    let mut realm = json!({"realm": "rt", "enabled": true});
    realm.as_object_mut().unwrap().extend(realm_extra.as_object().unwrap().clone());
    admin.create("/admin/realms", &realm);
    for id in ["app", "other"] {
        admin.create(
            "/admin/realms/rt/clients",
            &json!({"clientId": id, "secret": SECRET, "directAccessGrantsEnabled": true, "serviceAccountsEnabled": true}),
        );
    }
    admin.create(
        "/admin/realms/rt/users",
        &json!({"username": "alice", "enabled": true, "email": "alice@example.com", "firstName": "Alice",
                "lastName": "Liddell", "credentials": [{"type": "password", "value": "alice-pw", "temporary": false}]}),
    );
    server
}

fn post(server: &Server, path: &str, client: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = server.http.post(server.url(path)).basic_auth(client, Some(SECRET)).form(form).send().unwrap();
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

fn login(server: &Server, scope: &str) -> Value {
    let form = [("grant_type", "password"), ("username", "alice"), ("password", "alice-pw"), ("scope", scope)];
    let (status, body) = post(server, "/realms/rt/protocol/openid-connect/token", "app", &form);
    assert_eq!(status, 200, "{body}");
    body
}

fn refresh(server: &Server, client: &str, token: &str, scope: Option<&str>) -> (u16, Value) {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    post(server, "/realms/rt/protocol/openid-connect/token", client, &form)
}

fn rt(body: &Value) -> String {
    body["refresh_token"].as_str().expect("refresh_token").to_owned()
}

fn introspect(server: &Server, token: &str) -> Value {
    post(server, "/realms/rt/protocol/openid-connect/token/introspect", "app", &[("token", token)]).1
}

fn userinfo(server: &Server, access_token: &str) -> reqwest::blocking::Response {
    server.http.get(server.url("/realms/rt/protocol/openid-connect/userinfo")).bearer_auth(access_token).send().unwrap()
}

#[test]
fn refresh_tokens_refresh_within_their_scope_client_and_session() {
    let server = setup(json!({}));
    let first = login(&server, "openid email");
    assert_eq!(first["refresh_expires_in"], 1800);
    let r1 = rt(&first);
    assert!(!r1.contains('.'), "refresh tokens are opaque");
    let sub = claims(first["access_token"].as_str().unwrap())["sub"].clone();

    let (status, second) = refresh(&server, "app", &r1, None);
    assert_eq!(status, 200, "{second}");
    let access = second["access_token"].as_str().unwrap();
    assert_eq!(claims(access)["sub"], sub);
    assert_eq!(claims(access)["azp"], "app");
    assert!(second["scope"].as_str().unwrap().split(' ').any(|s| s == "openid"), "{second}");
    let r2 = rt(&second);
    assert_ne!(r1, r2);
    // Reuse is allowed by default (Keycloak's revokeRefreshToken off).
    assert_eq!(refresh(&server, "app", &r1, None).0, 200);

    // Scopes: fewer is fine, more is invalid_scope.
    let (status, narrowed) = refresh(&server, "app", &r2, Some("email"));
    assert_eq!(status, 200, "{narrowed}");
    assert!(!narrowed["scope"].as_str().unwrap().split(' ').any(|s| s == "openid"), "{narrowed}");
    let (status, body) = refresh(&server, "app", &r2, Some("email api:admin"));
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_scope")), "{body}");

    // Bound to its client; garbage and missing tokens are invalid_grant / invalid_request.
    let (status, body) = refresh(&server, "other", &r2, None);
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    assert_eq!(refresh(&server, "app", "not-a-refresh-token", None).1["error"], "invalid_grant");
    let (status, body) =
        post(&server, "/realms/rt/protocol/openid-connect/token", "app", &[("grant_type", "refresh_token")]);
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")));

    // Introspection shows it; revocation by another client is refused, by its own ends the
    // session: every refresh token of the login.
    let info = introspect(&server, &r2);
    assert_eq!((info["active"].as_bool(), info["token_type"].as_str()), (Some(true), Some("Refresh")), "{info}");
    assert_eq!(info["username"], "alice");
    let (status, _) = post(&server, "/realms/rt/protocol/openid-connect/revoke", "other", &[("token", &r2)]);
    assert_eq!(status, 400);
    let (status, _) = post(&server, "/realms/rt/protocol/openid-connect/revoke", "app", &[("token", &r2)]);
    assert_eq!(status, 200);
    assert_eq!(introspect(&server, &r2), json!({"active": false}));
    assert_eq!(refresh(&server, "app", &r2, None).0, 400);
    assert_eq!(refresh(&server, "app", &r1, None).0, 400, "the whole session ended");

    // notBefore and a disabled user end refresh tokens too.
    let r3 = rt(&login(&server, "openid"));
    let admin = server.admin();
    let users = admin.get_json("/admin/realms/rt/users?username=alice");
    let uid = users[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(admin.put(&format!("/admin/realms/rt/users/{uid}"), &json!({"enabled": false})).status(), 204);
    assert_eq!(refresh(&server, "app", &r3, None).0, 400, "disabled user");
    assert_eq!(admin.put(&format!("/admin/realms/rt/users/{uid}"), &json!({"enabled": true})).status(), 204);
    std::thread::sleep(Duration::from_millis(1100));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert_eq!(admin.put("/admin/realms/rt", &json!({"notBefore": now})).status(), 204);
    let (status, body) = refresh(&server, "app", &r3, None);
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "notBefore: {body}");

    // The client credentials grant has no refresh token (Keycloak's default).
    let (status, body) = client_credentials(&server, "rt", "app", SECRET, &[]);
    assert_eq!(status, 200);
    assert!(body.get("refresh_token").is_none() && body["refresh_expires_in"] == 0, "{body}");
}

#[test]
fn single_use_and_session_lifespan() {
    let server = setup(json!({"revokeRefreshToken": true, "ssoSessionMaxLifespan": 3}));
    let first = login(&server, "openid");
    assert_eq!(first["refresh_expires_in"], 3, "capped by the session's maximum lifespan");
    let r1 = rt(&first);
    let (status, second) = refresh(&server, "app", &r1, None);
    assert_eq!(status, 200, "{second}");
    let (status, body) = refresh(&server, "app", &r1, None);
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "single use: {body}");
    let r2 = rt(&second);
    std::thread::sleep(Duration::from_millis(3200));
    assert_eq!(refresh(&server, "app", &r2, None).0, 400, "the session's maximum lifespan is over");
    let realm = server.admin().get_json("/admin/realms/rt");
    assert_eq!((realm["revokeRefreshToken"].as_bool(), realm["ssoSessionMaxLifespan"].as_i64()), (Some(true), Some(3)));
    for bad in [json!({"ssoSessionIdleTimeout": 0}), json!({"ssoSessionMaxLifespan": -5})] {
        assert_eq!(server.admin().put("/admin/realms/rt", &bad).status(), 400, "{bad}");
    }
}

#[test]
fn userinfo_answers_the_users_claims_by_scope() {
    let server = setup(json!({}));
    let body = login(&server, "openid email profile");
    let r = userinfo(&server, body["access_token"].as_str().unwrap());
    assert_eq!(r.status(), 200);
    let info: Value = r.json().unwrap();
    assert_eq!(info["preferred_username"], "alice");
    assert_eq!(info["email"], "alice@example.com");
    assert_eq!(info["name"], "Alice Liddell");
    assert_eq!(info["sub"], claims(body["access_token"].as_str().unwrap())["sub"]);

    // Without openid: 403 insufficient_scope, as Keycloak answers.
    let no_openid = login(&server, "email");
    let r = userinfo(&server, no_openid["access_token"].as_str().unwrap());
    assert_eq!(r.status(), 403);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().contains("insufficient_scope"));

    // Invalid, missing and revoked tokens: 401 invalid_token with a Bearer challenge.
    let r = userinfo(&server, "garbage");
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer error=\"invalid_token\""));
    let r = server.http.get(server.url("/realms/rt/protocol/openid-connect/userinfo")).send().unwrap();
    assert_eq!(r.status(), 401);
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(post(&server, "/realms/rt/protocol/openid-connect/revoke", "app", &[("token", access)]).0, 200);
    assert_eq!(userinfo(&server, access).status(), 401);
    // POST works as GET does.
    let fresh = login(&server, "openid");
    let r = server
        .http
        .post(server.url("/realms/rt/protocol/openid-connect/userinfo"))
        .bearer_auth(fresh["access_token"].as_str().unwrap())
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}
