//! The token endpoint, `POST /realms/{realm}/protocol/openid-connect/token`: client
//! authentication, response shape, claims, lifetimes, scopes, RFC 8707 resources, the
//! RFC 6749 §5.2 errors and the password grant.

use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use reqwest::blocking::Response;
use reqwest::header::{HeaderMap, AUTHORIZATION, CACHE_CONTROL, PRAGMA, WWW_AUTHENTICATE};
use serde_json::{json, Value};

use crate::harness::{claims, client_credentials, Admin, Server};

/// `application/x-www-form-urlencoded` encoding of one value (what RFC 6749 §2.3.1 applies
/// to the client id and secret before Basic's base64).
fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A correctly encoded `client_secret_basic` header value.
fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{}:{}", form_encode(id), form_encode(secret))))
}

/// Status, headers and JSON body of a response.
fn parts(r: Response) -> (u16, HeaderMap, Value) {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.json().unwrap_or(Value::Null))
}

/// A token request with an optional raw `Authorization` header and the given form pairs
/// (pairs may repeat).
fn token_req(server: &Server, realm: &str, auth: Option<&str>, form: &[(&str, &str)]) -> (u16, HeaderMap, Value) {
    let mut rb = server.http.post(server.token_url(realm)).form(form);
    if let Some(a) = auth {
        rb = rb.header(AUTHORIZATION, a);
    }
    parts(rb.send().unwrap())
}

/// `client_secret_post` for the client credentials grant.
fn post_creds(server: &Server, realm: &str, id: &str, secret: &str, extra: &[(&str, &str)]) -> (u16, HeaderMap, Value) {
    let mut form = vec![("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret)];
    form.extend_from_slice(extra);
    token_req(server, realm, None, &form)
}

/// Asserts an RFC 6749 §5.2 error answer.
fn assert_error(status: u16, body: &Value, want_status: u16, want_error: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"], want_error, "{body}");
}

/// The access token's claims of a successful answer.
fn token_claims(status: u16, body: &Value) -> Value {
    assert_eq!(status, 200, "{body}");
    claims(body["access_token"].as_str().expect("access_token"))
}

fn scope_set(s: &Value) -> BTreeSet<String> {
    s.as_str().expect("scope string").split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// A started server with realm `r` and a service client `svc` / `s3cret`; returns the
/// client's internal id.
fn setup(server: &Server) -> (Admin<'_>, String) {
    let admin = server.admin();
    admin.create_realm("r");
    let id = admin.create_service_client("r", "svc", "s3cret");
    (admin, id)
}

fn put_ok(admin: &Admin<'_>, path: &str, body: &Value) {
    let r = admin.put(path, body);
    assert_eq!(r.status(), 204, "PUT {path}: {}", r.text().unwrap_or_default());
}

#[test]
fn basic_and_post_authentication_both_succeed() {
    let server = Server::start();
    let _ = setup(&server);

    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[]);
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].as_str().is_some_and(|t| t.split('.').count() == 3), "{body}");

    let (status, _, body) = post_creds(&server, "r", "svc", "s3cret", &[]);
    let c = token_claims(status, &body);
    assert_eq!(c["client_id"], "svc");

    // client_id may also be repeated in the body alongside matching Basic credentials.
    let (status, _, body) = token_req(
        &server,
        "r",
        Some(&basic("svc", "s3cret")),
        &[("grant_type", "client_credentials"), ("client_id", "svc")],
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn basic_credentials_are_form_urlencoded() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("r");
    let (id, secret) = ("my:client@x%+ y", "p@ss:w%rd+ x/=");
    admin.create_service_client("r", id, secret);

    let (status, _, body) = token_req(&server, "r", Some(&basic(id, secret)), &[("grant_type", "client_credentials")]);
    let c = token_claims(status, &body);
    assert_eq!(c["client_id"], id);
    assert_eq!(c["azp"], id);

    // The same credentials without the form encoding do not authenticate: the first ':'
    // splits id from secret, and '+' / '%' would decode to something else.
    let raw = format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
    let (status, headers, body) = token_req(&server, "r", Some(&raw), &[("grant_type", "client_credentials")]);
    assert_error(status, &body, 401, "invalid_client");
    assert!(headers.contains_key(WWW_AUTHENTICATE));

    // client_secret_post carries them as ordinary form values.
    let (status, _, body) = post_creds(&server, "r", id, secret, &[]);
    assert_eq!(token_claims(status, &body)["client_id"], id);
}

#[test]
fn response_has_keycloak_shape_and_no_cache_headers() {
    let server = Server::start();
    let _ = setup(&server);
    let (status, headers, body) =
        token_req(&server, "r", Some(&basic("svc", "s3cret")), &[("grant_type", "client_credentials")]);
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].is_string(), "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["refresh_expires_in"], 0);
    assert_eq!(body["not-before-policy"], 0);
    assert!(body.get("refresh_token").is_none(), "client credentials get no refresh token: {body}");
    assert_eq!(scope_set(&body["scope"]), set(&["profile", "email"]));
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    assert_eq!(headers[PRAGMA], "no-cache");
    assert!(headers["content-type"].to_str().unwrap().starts_with("application/json"));
}

#[test]
fn claims_of_a_service_account_token() {
    let server = Server::start();
    let (admin, client_uuid) = setup(&server);
    let sa = admin.get_json(&format!("/admin/realms/r/clients/{client_uuid}/service-account-user"));
    let sa_id = sa["id"].as_str().expect("service account id").to_owned();
    assert_eq!(sa["username"], "service-account-svc");

    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[]);
    let c = token_claims(status, &body);
    assert_eq!(c["iss"], server.url("/realms/r"));
    assert_eq!(c["sub"], sa_id.as_str());
    assert_eq!(c["azp"], "svc");
    assert_eq!(c["client_id"], "svc");
    assert_eq!(c["aud"], "svc");
    assert_eq!(c["typ"], "Bearer");
    assert!(c["jti"].as_str().is_some_and(|j| !j.is_empty()), "{c}");
    let iat = c["iat"].as_i64().expect("iat");
    assert_eq!(c["exp"].as_i64().expect("exp"), iat + body["expires_in"].as_i64().unwrap());
    assert_eq!(c["preferred_username"], "service-account-svc");
    assert_eq!(scope_set(&c["scope"]), set(&["profile", "email"]));
    let roles = c["realm_access"]["roles"].as_array().expect("realm_access.roles");
    assert!(roles.iter().any(|r| r == "default-roles-r"), "{c}");
    for absent in ["email", "given_name", "family_name", "name"] {
        assert!(c.get(absent).is_none(), "{absent} before it is set: {c}");
    }

    // Each token has its own id.
    let (_, body2) = client_credentials(&server, "r", "svc", "s3cret", &[]);
    assert_ne!(claims(body2["access_token"].as_str().unwrap())["jti"], c["jti"]);

    // An admin write to the service-account user reaches the very next token (the cache
    // is invalidated by the write).
    put_ok(
        &admin,
        &format!("/admin/realms/r/users/{sa_id}"),
        &json!({"email": "svc@example.com", "firstName": "Service", "lastName": "Account"}),
    );
    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[]);
    let c = token_claims(status, &body);
    assert_eq!(c["email"], "svc@example.com");
    assert_eq!(c["email_verified"], false);
    assert_eq!(c["given_name"], "Service");
    assert_eq!(c["family_name"], "Account");
    assert_eq!(c["name"], "Service Account");
    assert_eq!(c["sub"], sa_id.as_str());
}

#[test]
fn client_attribute_overrides_lifespan_and_realm_setting_applies_to_others() {
    let server = Server::start();
    let (admin, _) = setup(&server);
    admin.create(
        "/admin/realms/r/clients",
        &json!({"clientId": "short", "secret": "s", "serviceAccountsEnabled": true,
                "attributes": {"access.token.lifespan": "120"}}),
    );

    let (status, body) = client_credentials(&server, "r", "short", "s", &[]);
    let c = token_claims(status, &body);
    assert_eq!(body["expires_in"], 120);
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 120);

    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], 300);

    put_ok(&admin, "/admin/realms/r", &json!({"accessTokenLifespan": 600}));
    assert_eq!(admin.get_json("/admin/realms/r")["accessTokenLifespan"], 600);

    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[]);
    let c = token_claims(status, &body);
    assert_eq!(body["expires_in"], 600);
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 600);
    // The client's own attribute still wins over the realm's.
    let (status, body) = client_credentials(&server, "r", "short", "s", &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], 120);
}

#[test]
fn default_and_optional_scopes() {
    let server = Server::start();
    let (admin, client_uuid) = setup(&server);
    let read =
        admin.create("/admin/realms/r/client-scopes", &json!({"name": "api:read", "protocol": "openid-connect"}));
    let write =
        admin.create("/admin/realms/r/client-scopes", &json!({"name": "api:write", "protocol": "openid-connect"}));
    for scope_id in [&read, &write] {
        put_ok(&admin, &format!("/admin/realms/r/clients/{client_uuid}/optional-client-scopes/{scope_id}"), &json!({}));
    }

    // Without a scope parameter only the defaults are granted.
    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(scope_set(&body["scope"]), set(&["profile", "email"]));

    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[("scope", "api:read")]);
    let c = token_claims(status, &body);
    assert_eq!(scope_set(&body["scope"]), set(&["profile", "email", "api:read"]));
    assert_eq!(scope_set(&c["scope"]), set(&["profile", "email", "api:read"]));

    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[("scope", "api:read api:write")]);
    let c = token_claims(status, &body);
    assert_eq!(scope_set(&c["scope"]), set(&["profile", "email", "api:read", "api:write"]));
    assert_eq!(scope_set(&body["scope"]), scope_set(&c["scope"]));

    // Asking for a default scope changes nothing; openid adds itself.
    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[("scope", "openid profile")]);
    let c = token_claims(status, &body);
    assert_eq!(scope_set(&c["scope"]), set(&["openid", "profile", "email"]));

    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[("scope", "api:read nope")]);
    assert_error(status, &body, 400, "invalid_scope");
    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[("scope", "nope")]);
    assert_error(status, &body, 400, "invalid_scope");

    // A scope linked as DEFAULT is granted without being asked for.
    let admin_scope =
        admin.create("/admin/realms/r/client-scopes", &json!({"name": "api:admin", "protocol": "openid-connect"}));
    put_ok(&admin, &format!("/admin/realms/r/clients/{client_uuid}/default-client-scopes/{admin_scope}"), &json!({}));
    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[]);
    let c = token_claims(status, &body);
    assert_eq!(scope_set(&c["scope"]), set(&["profile", "email", "api:admin"]));

    // An optional scope of another client is not this client's.
    admin.create_service_client("r", "other", "o");
    let (status, body) = client_credentials(&server, "r", "other", "o", &[("scope", "api:read")]);
    assert_error(status, &body, 400, "invalid_scope");
}

#[test]
fn rfc8707_resource_sets_audience() {
    let server = Server::start();
    let _ = setup(&server);

    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[]);
    assert_eq!(token_claims(status, &body)["aud"], "svc");

    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[("resource", "https://api.example.com")]);
    assert_eq!(token_claims(status, &body)["aud"], "https://api.example.com");

    let (status, body) = client_credentials(
        &server,
        "r",
        "svc",
        "s3cret",
        &[("resource", "https://api.example.com"), ("resource", "urn:example:billing")],
    );
    assert_eq!(token_claims(status, &body)["aud"], json!(["https://api.example.com", "urn:example:billing"]));

    for bad in ["api.example.com", "https://api.example.com/x#frag"] {
        let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[("resource", bad)]);
        assert_error(status, &body, 400, "invalid_target");
    }
    // One bad value among good ones fails the whole request.
    let (status, body) = client_credentials(
        &server,
        "r",
        "svc",
        "s3cret",
        &[("resource", "https://api.example.com"), ("resource", "relative/path")],
    );
    assert_error(status, &body, 400, "invalid_target");
}

#[test]
fn rfc6749_request_and_client_errors() {
    let server = Server::start();
    let _ = setup(&server);
    let good = basic("svc", "s3cret");

    // Missing grant_type.
    let (status, _, body) = token_req(&server, "r", Some(&good), &[("scope", "profile")]);
    assert_error(status, &body, 400, "invalid_request");
    // Unknown grant_type.
    let (status, _, body) = token_req(&server, "r", Some(&good), &[("grant_type", "foo")]);
    assert_error(status, &body, 400, "unsupported_grant_type");

    // Wrong secret over Basic: 401 with a challenge.
    let (status, headers, body) =
        token_req(&server, "r", Some(&basic("svc", "wrong")), &[("grant_type", "client_credentials")]);
    assert_error(status, &body, 401, "invalid_client");
    assert!(headers.get(WWW_AUTHENTICATE).is_some_and(|v| v.to_str().unwrap().starts_with("Basic")), "{headers:?}");
    assert_eq!(headers[CACHE_CONTROL], "no-store");

    // Wrong secret in the body: 401 without a challenge.
    let (status, headers, body) = post_creds(&server, "r", "svc", "wrong", &[]);
    assert_error(status, &body, 401, "invalid_client");
    assert!(!headers.contains_key(WWW_AUTHENTICATE), "{headers:?}");

    // Missing secret for a confidential client.
    let (status, _, body) =
        token_req(&server, "r", None, &[("grant_type", "client_credentials"), ("client_id", "svc")]);
    assert_error(status, &body, 401, "invalid_client");
    // No client authentication at all.
    let (status, _, body) = token_req(&server, "r", None, &[("grant_type", "client_credentials")]);
    assert_error(status, &body, 401, "invalid_client");

    // Unknown client, both ways; same answer as a wrong secret.
    let (status, headers, body) =
        token_req(&server, "r", Some(&basic("nobody", "s3cret")), &[("grant_type", "client_credentials")]);
    assert_error(status, &body, 401, "invalid_client");
    assert!(headers.contains_key(WWW_AUTHENTICATE));
    let (status, _, body) = post_creds(&server, "r", "nobody", "s3cret", &[]);
    assert_error(status, &body, 401, "invalid_client");

    // A parameter given twice.
    let (status, _, body) = token_req(
        &server,
        "r",
        Some(&good),
        &[("grant_type", "client_credentials"), ("scope", "profile"), ("scope", "email")],
    );
    assert_error(status, &body, 400, "invalid_request");
    let (status, _, body) = token_req(
        &server,
        "r",
        Some(&good),
        &[("grant_type", "client_credentials"), ("grant_type", "client_credentials")],
    );
    assert_error(status, &body, 400, "invalid_request");

    // Two authentication methods at once.
    let (status, _, body) =
        token_req(&server, "r", Some(&good), &[("grant_type", "client_credentials"), ("client_secret", "s3cret")]);
    assert_error(status, &body, 400, "invalid_request");
    // A body client_id that contradicts the Basic credentials.
    let (status, _, body) =
        token_req(&server, "r", Some(&good), &[("grant_type", "client_credentials"), ("client_id", "other")]);
    assert_error(status, &body, 400, "invalid_request");
}

#[test]
fn clients_not_allowed_the_grant_are_unauthorized_client() {
    let server = Server::start();
    let (admin, _) = setup(&server);
    admin.create("/admin/realms/r/clients", &json!({"clientId": "web", "secret": "w", "publicClient": false}));
    admin.create("/admin/realms/r/clients", &json!({"clientId": "spa", "publicClient": true}));

    // Confidential, correct secret, but no service account.
    let (status, body) = client_credentials(&server, "r", "web", "w", &[]);
    assert_error(status, &body, 400, "unauthorized_client");
    let (status, _, body) = post_creds(&server, "r", "web", "w", &[]);
    assert_error(status, &body, 400, "unauthorized_client");

    // A public client cannot have a service account.
    let (status, _, body) =
        token_req(&server, "r", None, &[("grant_type", "client_credentials"), ("client_id", "spa")]);
    assert_error(status, &body, 400, "unauthorized_client");
}

#[test]
fn disabled_client_is_invalid_client() {
    let server = Server::start();
    let (admin, client_uuid) = setup(&server);
    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[]);
    assert_eq!(status, 200, "{body}");

    put_ok(&admin, &format!("/admin/realms/r/clients/{client_uuid}"), &json!({"enabled": false}));
    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[]);
    assert_error(status, &body, 401, "invalid_client");
    let (status, _, body) = post_creds(&server, "r", "svc", "s3cret", &[]);
    assert_error(status, &body, 401, "invalid_client");

    put_ok(&admin, &format!("/admin/realms/r/clients/{client_uuid}"), &json!({"enabled": true}));
    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[]);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn regenerated_secret_replaces_the_old_one_at_once() {
    let server = Server::start();
    let (admin, client_uuid) = setup(&server);
    // Warm the cache with the old secret.
    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[]);
    assert_eq!(status, 200, "{body}");

    let r = admin.post(&format!("/admin/realms/r/clients/{client_uuid}/client-secret"), &json!({}));
    assert_eq!(r.status(), 200);
    let rep: Value = r.json().unwrap();
    assert_eq!(rep["type"], "secret");
    let new_secret = rep["value"].as_str().expect("new secret").to_owned();
    assert_ne!(new_secret, "s3cret");
    assert_eq!(admin.get_json(&format!("/admin/realms/r/clients/{client_uuid}/client-secret"))["value"], new_secret);

    let (status, body) = client_credentials(&server, "r", "svc", "s3cret", &[]);
    assert_error(status, &body, 401, "invalid_client");
    let (status, body) = client_credentials(&server, "r", "svc", &new_secret, &[]);
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = post_creds(&server, "r", "svc", &new_secret, &[]);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn password_grant() {
    let server = Server::start();
    let (admin, _) = setup(&server);
    let user_id = admin.create(
        "/admin/realms/r/users",
        &json!({"username": "Alice", "enabled": true, "email": "alice@example.com",
                "credentials": [{"type": "password", "value": "pw", "temporary": false}]}),
    );
    admin.create(
        "/admin/realms/r/clients",
        &json!({"clientId": "cli", "publicClient": true, "directAccessGrantsEnabled": true}),
    );
    admin.create("/admin/realms/r/clients", &json!({"clientId": "nodirect", "publicClient": true}));

    let form = |client: &'static str, user: &'static str, pw: &'static str| {
        vec![("grant_type", "password"), ("client_id", client), ("username", user), ("password", pw)]
    };

    let (status, headers, body) = token_req(&server, "r", None, &form("cli", "alice", "pw"));
    let c = token_claims(status, &body);
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(c["sub"], user_id.as_str());
    assert_eq!(c["preferred_username"], "alice");
    assert_eq!(c["email"], "alice@example.com");
    assert_eq!(c["azp"], "cli");
    assert_eq!(c["iss"], server.url("/realms/r"));
    assert!(c["realm_access"]["roles"].as_array().unwrap().iter().any(|r| r == "default-roles-r"), "{c}");
    // Usernames are case-insensitive, as in Keycloak.
    let (status, _, body) = token_req(&server, "r", None, &form("cli", "ALICE", "pw"));
    assert_eq!(status, 200, "{body}");

    let (status, _, body) = token_req(&server, "r", None, &form("cli", "alice", "wrong"));
    assert_error(status, &body, 400, "invalid_grant");
    let (status, _, body) = token_req(&server, "r", None, &form("cli", "nobody", "pw"));
    assert_error(status, &body, 400, "invalid_grant");
    let (status, _, body) =
        token_req(&server, "r", None, &[("grant_type", "password"), ("client_id", "cli"), ("username", "alice")]);
    assert_error(status, &body, 400, "invalid_request");

    let (status, _, body) = token_req(&server, "r", None, &form("nodirect", "alice", "pw"));
    assert_error(status, &body, 400, "unauthorized_client");
    // Confidential service client without direct access grants, correct secret.
    let (status, _, body) = token_req(
        &server,
        "r",
        Some(&basic("svc", "s3cret")),
        &[("grant_type", "password"), ("username", "alice"), ("password", "pw")],
    );
    assert_error(status, &body, 400, "unauthorized_client");

    // A disabled user gets nothing. (A fresh admin token: master tokens live 60 seconds
    // and the password hashing above is slow in debug builds.)
    put_ok(&server.admin(), &format!("/admin/realms/r/users/{user_id}"), &json!({"enabled": false}));
    let (status, _, body) = token_req(&server, "r", None, &form("cli", "alice", "pw"));
    assert_error(status, &body, 400, "invalid_grant");
}

#[test]
fn resource_allow_list_limits_audiences() {
    let server = Server::with_realm("rl");
    let admin = server.admin();
    admin.create(
        "/admin/realms/rl/clients",
        &json!({"clientId": "limited", "secret": "s", "serviceAccountsEnabled": true,
                "attributes": {"resource.allowlist": "https://orders.example##https://billing.example/api"}}),
    );
    let (status, body) = crate::harness::client_credentials(
        &server,
        "rl",
        "limited",
        "s",
        &[("resource", "https://billing.example/api")],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(crate::harness::claims(body["access_token"].as_str().unwrap())["aud"], "https://billing.example/api");
    let (status, body) = crate::harness::client_credentials(
        &server,
        "rl",
        "limited",
        "s",
        &[("resource", "https://orders.example"), ("resource", "https://evil.example")],
    );
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_target")), "{body}");
    assert_eq!(crate::harness::client_credentials(&server, "rl", "limited", "s", &[]).0, 200, "no resource: allowed");
    // A list entry that is not an absolute URI is refused when set.
    let id = admin.get_json("/admin/realms/rl/clients?clientId=limited")[0]["id"].as_str().unwrap().to_owned();
    let r =
        admin.put(&format!("/admin/realms/rl/clients/{id}"), &json!({"attributes": {"resource.allowlist": "orders"}}));
    assert_eq!(r.status(), 400);
}
