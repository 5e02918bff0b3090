//! Who may call the admin API: a bearer token of a master-realm user holding the `admin`
//! realm role (401 without a valid master token, 403 without the role), as in Keycloak.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use reqwest::blocking::Response;
use serde_json::{json, Value};

use crate::harness::{assert_error, claims, Admin, Server};

/// Password grant; returns status and body.
fn password_login(server: &Server, realm: &str, client: &str, user: &str, pw: &str) -> (u16, Value) {
    let r = server
        .http
        .post(server.token_url(realm))
        .form(&[("grant_type", "password"), ("client_id", client), ("username", user), ("password", pw)])
        .send()
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

/// A token of `user` through `admin-cli` in master.
fn master_token(server: &Server, user: &str, pw: &str) -> String {
    let (status, body) = password_login(server, "master", "admin-cli", user, pw);
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

fn get_realms(server: &Server, auth: Option<&str>) -> Response {
    let mut rb = server.http.get(server.url("/admin/realms"));
    if let Some(a) = auth {
        rb = rb.header("authorization", a);
    }
    rb.send().unwrap()
}

/// Asserts the status and a Keycloak-style error body.
/// A master user with a password and only the default roles; returns its id.
fn create_master_user(admin: &Admin<'_>, username: &str, pw: &str) -> String {
    admin.create(
        "/admin/realms/master/users",
        &json!({"username": username, "enabled": true,
                "credentials": [{"type": "password", "value": pw, "temporary": false}]}),
    )
}

#[test]
fn missing_token_is_401() {
    let server = Server::start();
    let r = get_realms(&server, None);
    assert_eq!(r.headers().get("www-authenticate").map(|v| v.to_str().unwrap()), Some("Bearer"));
    assert_error(r, 401);
    // Other methods and paths too, before any body is looked at.
    let r = server.http.post(server.url("/admin/realms")).json(&json!({"realm": "x"})).send().unwrap();
    assert_error(r, 401);
    let r = server.http.delete(server.url("/admin/realms/master")).send().unwrap();
    assert_error(r, 401);
    // Not a bearer scheme.
    let r = get_realms(&server, Some(&format!("Basic {}", URL_SAFE_NO_PAD.encode("admin:admin-password"))));
    assert_error(r, 401);
}

#[test]
fn garbage_token_is_401() {
    let server = Server::start();
    assert_error(get_realms(&server, Some("Bearer not-a-jwt")), 401);
    assert_error(get_realms(&server, Some("Bearer a.b.c")), 401);
    assert_error(get_realms(&server, Some("Bearer ")), 401);
}

#[test]
fn tampered_token_is_401() {
    let server = Server::start();
    let token = server.admin_token();
    // The genuine token works.
    assert_eq!(get_realms(&server, Some(&format!("Bearer {token}"))).status(), 200);

    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);

    // One character of the payload flipped.
    let mut payload = parts[1].as_bytes().to_vec();
    let i = payload.len() / 2;
    payload[i] = if payload[i] == b'A' { b'B' } else { b'A' };
    let flipped = format!("{}.{}.{}", parts[0], String::from_utf8(payload).unwrap(), parts[2]);
    assert_ne!(flipped, token);
    assert_error(get_realms(&server, Some(&format!("Bearer {flipped}"))), 401);

    // A well-formed payload with a changed claim, keeping the original signature.
    let mut c = claims(&token);
    c["sub"] = json!("someone-else");
    let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
    let forged = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
    assert_error(get_realms(&server, Some(&format!("Bearer {forged}"))), 401);

    // The signature itself altered.
    let mut sig = parts[2].as_bytes().to_vec();
    sig[0] = if sig[0] == b'A' { b'B' } else { b'A' };
    let bad_sig = format!("{}.{}.{}", parts[0], parts[1], String::from_utf8(sig).unwrap());
    assert_error(get_realms(&server, Some(&format!("Bearer {bad_sig}"))), 401);

    // Stripped signature with alg none.
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let unsigned = format!("{none_header}.{}.", parts[1]);
    assert_error(get_realms(&server, Some(&format!("Bearer {unsigned}"))), 401);
}

#[test]
fn token_of_another_realm_without_realm_management_roles_is_403() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("other");
    admin.create(
        "/admin/realms/other/clients",
        &json!({"clientId": "app", "publicClient": true, "directAccessGrantsEnabled": true}),
    );
    admin.create(
        "/admin/realms/other/users",
        &json!({"username": "admin", "enabled": true,
                "credentials": [{"type": "password", "value": "pw-other", "temporary": false}]}),
    );
    // Even holding a realm role named `admin` in its own realm does not make it an admin.
    admin.create("/admin/realms/other/roles", &json!({"name": "admin"}));
    let uid =
        admin.get_json("/admin/realms/other/users?username=admin&exact=true")[0]["id"].as_str().unwrap().to_owned();
    let r = admin.post(&format!("/admin/realms/other/users/{uid}/role-mappings/realm"), &json!([{"name": "admin"}]));
    assert_eq!(r.status(), 204);

    let (status, body) = password_login(&server, "other", "app", "admin", "pw-other");
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap();
    let c = claims(token);
    assert!(c["iss"].as_str().unwrap().ends_with("/realms/other"));
    assert!(c["realm_access"]["roles"].as_array().unwrap().contains(&json!("admin")), "{c}");

    // A valid token of its own realm, but no realm-management role: forbidden, everywhere.
    assert_error(get_realms(&server, Some(&format!("Bearer {token}"))), 403);
    let r = server.http.get(server.url("/admin/realms/other/users")).bearer_auth(token).send().unwrap();
    assert_error(r, 403);
    let r = server.http.get(server.url("/admin/realms/master/users")).bearer_auth(token).send().unwrap();
    assert_error(r, 403);
}

#[test]
fn master_user_without_admin_role_is_403() {
    let server = Server::start();
    let admin = server.admin();
    create_master_user(&admin, "alice", "alice-pw");
    let token = master_token(&server, "alice", "alice-pw");
    let roles = claims(&token)["realm_access"]["roles"].clone();
    assert!(!roles.as_array().is_some_and(|r| r.contains(&json!("admin"))), "{roles}");

    assert_error(get_realms(&server, Some(&format!("Bearer {token}"))), 403);
    let r =
        server.http.post(server.url("/admin/realms")).bearer_auth(&token).json(&json!({"realm": "x"})).send().unwrap();
    assert_error(r, 403);
    // Nothing was created.
    assert_eq!(admin.get("/admin/realms/x").status(), 404);
    let r = server.http.get(server.url("/admin/realms/master/users")).bearer_auth(&token).send().unwrap();
    assert_error(r, 403);
}

#[test]
fn granting_admin_role_by_name_takes_effect_with_a_new_token() {
    let server = Server::start();
    let admin = server.admin();
    let uid = create_master_user(&admin, "bob", "bob-pw");
    let old = master_token(&server, "bob", "bob-pw");
    assert_error(get_realms(&server, Some(&format!("Bearer {old}"))), 403);

    let r = admin.post(&format!("/admin/realms/master/users/{uid}/role-mappings/realm"), &json!([{"name": "admin"}]));
    assert_eq!(r.status(), 204);

    // The old token carries the roles it was issued with.
    assert_error(get_realms(&server, Some(&format!("Bearer {old}"))), 403);
    let new = master_token(&server, "bob", "bob-pw");
    let r = get_realms(&server, Some(&format!("Bearer {new}")));
    assert_eq!(r.status(), 200);
    let realms: Value = r.json().unwrap();
    assert!(realms.as_array().unwrap().iter().any(|r| r["realm"] == "master"), "{realms}");
}

#[test]
fn granting_admin_role_by_id_takes_effect_with_a_new_token() {
    let server = Server::start();
    let admin = server.admin();
    let uid = create_master_user(&admin, "carol", "carol-pw");
    let role = admin.get_json("/admin/realms/master/roles/admin");
    let r = admin.post(
        &format!("/admin/realms/master/users/{uid}/role-mappings/realm"),
        &json!([{"id": role["id"], "name": "admin"}]),
    );
    assert_eq!(r.status(), 204);
    let token = master_token(&server, "carol", "carol-pw");
    assert_eq!(get_realms(&server, Some(&format!("Bearer {token}"))).status(), 200);

    // Taking the role away again: the next token is refused.
    let r = server
        .http
        .delete(server.url(&format!("/admin/realms/master/users/{uid}/role-mappings/realm")))
        .bearer_auth(&admin.token)
        .json(&json!([{"id": role["id"], "name": "admin"}]))
        .send()
        .unwrap();
    assert_eq!(r.status(), 204);
    let token = master_token(&server, "carol", "carol-pw");
    assert_error(get_realms(&server, Some(&format!("Bearer {token}"))), 403);
}
