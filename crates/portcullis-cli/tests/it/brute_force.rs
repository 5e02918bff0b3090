//! Brute-force detection: failures counted per client, user and address; temporary
//! lockouts that answer 429 without looking at the secret; Keycloak's user lockout
//! answered as a wrong password; the attack-detection API that shows and lifts locks.

use serde_json::{json, Value};

use crate::harness::{client_credentials, Server};

/// Lock after 3 failures for 60 s; no quick-login rule, so the test controls the count.
fn protect(server: &Server, realm: &str, extra: Value) {
    let mut settings = json!({
        "bruteForceProtected": true, "failureFactor": 3, "waitIncrementSeconds": 60,
        "quickLoginCheckMilliSeconds": 0, "maxFailureWaitSeconds": 900
    });
    settings.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let r = server.admin().put(&format!("/admin/realms/{realm}"), &settings);
    assert_eq!(r.status(), 204, "{}", r.text().unwrap());
}

fn status_of(server: &Server, realm: &str, kind: &str, id: &str) -> Value {
    server.admin().get_json(&format!("/admin/realms/{realm}/attack-detection/brute-force/{kind}/{id}"))
}

#[test]
fn client_lockout_refuses_even_the_right_secret_until_an_admin_clears_it() {
    let server = Server::with_realm("bf");
    let admin = server.admin();
    let app = admin.create_service_client("bf", "app", "right-secret");
    let other = admin.create_service_client("bf", "other", "other-secret");
    protect(&server, "bf", json!({}));
    let rep = admin.get_json("/admin/realms/bf");
    assert_eq!((rep["bruteForceProtected"].as_bool(), rep["failureFactor"].as_i64()), (Some(true), Some(3)));

    for _ in 0..3 {
        assert_eq!(client_credentials(&server, "bf", "app", "wrong", &[]).0, 401);
    }
    // Locked: the right secret is refused too, with 429 and Retry-After.
    let r = server
        .http
        .post(server.token_url("bf"))
        .basic_auth("app", Some("right-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((55..=61).contains(&wait), "Retry-After {wait}");

    let s = status_of(&server, "bf", "clients", &app);
    assert_eq!(s["numFailures"], 3);
    assert_eq!(s["disabled"], true);
    assert_eq!(s["lastIPFailure"], "127.0.0.1");
    // The address made the same three failures: it is locked as well, for every client.
    assert_eq!(status_of(&server, "bf", "addresses", "127.0.0.1")["disabled"], true);
    assert_eq!(client_credentials(&server, "bf", "other", "other-secret", &[]).0, 429);
    let all = admin.get_json("/admin/realms/bf/attack-detection/brute-force");
    let kinds: Vec<&str> = all.as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 2, "{all}");
    assert!(kinds.contains(&"clients") && kinds.contains(&"addresses"), "{all}");

    // Lifting the client's lock leaves the address locked; lifting that too lets both in.
    assert_eq!(admin.delete(&format!("/admin/realms/bf/attack-detection/brute-force/clients/{app}")).status(), 204);
    assert_eq!(status_of(&server, "bf", "clients", &app)["numFailures"], 0);
    assert_eq!(client_credentials(&server, "bf", "app", "right-secret", &[]).0, 429);
    assert_eq!(admin.delete("/admin/realms/bf/attack-detection/brute-force/addresses").status(), 204);
    assert_eq!(client_credentials(&server, "bf", "app", "right-secret", &[]).0, 200);
    assert_eq!(client_credentials(&server, "bf", "other", "other-secret", &[]).0, 200);
    let _ = other;

    // A success resets the client's count (Keycloak's rule); the address keeps counting.
    for secret in ["x", "right-secret", "y"] {
        client_credentials(&server, "bf", "app", secret, &[]);
    }
    let s = status_of(&server, "bf", "clients", &app);
    assert_eq!((s["numFailures"].as_i64(), s["disabled"].as_bool()), (Some(1), Some(false)), "{s}");
    assert_eq!(status_of(&server, "bf", "addresses", "127.0.0.1")["numFailures"], 2);
}

#[test]
fn unknown_kinds_and_realms_are_404_and_unprotected_realms_never_lock() {
    let server = Server::with_realm("open");
    let admin = server.admin();
    admin.create_service_client("open", "app", "right-secret");
    for _ in 0..40 {
        assert_eq!(client_credentials(&server, "open", "app", "wrong", &[]).0, 401);
    }
    assert_eq!(client_credentials(&server, "open", "app", "right-secret", &[]).0, 200);
    assert_eq!(admin.get_json("/admin/realms/open/attack-detection/brute-force"), json!([]));
    assert_eq!(admin.get("/admin/realms/open/attack-detection/brute-force/robots").status(), 404);
    assert_eq!(admin.get("/admin/realms/nope/attack-detection/brute-force/users").status(), 404);
    // Settings are checked.
    let r = admin.put("/admin/realms/open", &json!({"failureFactor": 0}));
    assert_eq!(r.status(), 400);
}

fn password_login(server: &Server, realm: &str, user: &str, pw: &str) -> (u16, Value) {
    let r = server
        .http
        .post(server.token_url(realm))
        .form(&[("grant_type", "password"), ("client_id", "cli"), ("username", user), ("password", pw)])
        .send()
        .unwrap();
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

fn user_and_client(server: &Server, realm: &str) -> String {
    let admin = server.admin();
    admin.create(
        &format!("/admin/realms/{realm}/clients"),
        &json!({"clientId": "cli", "publicClient": true, "directAccessGrantsEnabled": true}),
    );
    admin.create(
        &format!("/admin/realms/{realm}/users"),
        &json!({"username": "alice", "enabled": true,
                "credentials": [{"type": "password", "value": "pw", "temporary": false}]}),
    )
}

#[test]
fn locked_user_is_answered_as_a_wrong_password_and_permanent_lockout_disables() {
    let server = Server::with_realm("users");
    let alice = user_and_client(&server, "users");
    // The address would lock with the user; a high address factor is not possible per
    // kind, so the test clears the address between steps.
    protect(&server, "users", json!({"failureFactor": 2}));
    let admin = server.admin();
    for _ in 0..2 {
        assert_eq!(password_login(&server, "users", "alice", "bad").0, 400);
    }
    admin.delete("/admin/realms/users/attack-detection/brute-force/addresses");
    let (status, body) = password_login(&server, "users", "alice", "pw");
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    assert_eq!(body["error_description"], "Invalid user credentials");
    let s = status_of(&server, "users", "users", &alice);
    assert_eq!((s["numFailures"].as_i64(), s["disabled"].as_bool()), (Some(2), Some(true)), "{s}");
    // Keycloak's own endpoint shape for a user with no failures.
    let none = status_of(&server, "users", "users", "no-such-user");
    assert_eq!(
        none,
        json!({"kind": "users", "id": "no-such-user", "numFailures": 0, "disabled": false,
        "lastIPFailure": "n/a", "lastFailure": 0, "lockedUntil": 0, "lockouts": 0})
    );
    assert_eq!(admin.delete("/admin/realms/users/attack-detection/brute-force/users").status(), 204);
    assert_eq!(password_login(&server, "users", "alice", "pw").0, 200);

    // Permanent lockout on the first lockout: the user is disabled, and stays so after the
    // counters are cleared, until an admin enables it.
    protect(&server, "users", json!({"failureFactor": 2, "permanentLockout": true, "maxTemporaryLockouts": 0}));
    for _ in 0..2 {
        password_login(&server, "users", "alice", "bad");
    }
    admin.delete("/admin/realms/users/attack-detection/brute-force");
    assert_eq!(admin.get_json(&format!("/admin/realms/users/users/{alice}"))["enabled"], false);
    assert_eq!(password_login(&server, "users", "alice", "pw").0, 400);
    admin.put(&format!("/admin/realms/users/users/{alice}"), &json!({"enabled": true}));
    assert_eq!(password_login(&server, "users", "alice", "pw").0, 200);
}

#[test]
fn quick_failures_lock_at_once_and_locks_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let opts = crate::harness::Opts { data_dir: Some(dir.path().to_owned()), ..Default::default() };
    let server = Server::start_with(opts.clone());
    server.admin().create_realm("quick");
    server.admin().create_service_client("quick", "app", "right-secret");
    // Keycloak's defaults but on: two failures within a second lock for 60 s.
    let r = server.admin().put("/admin/realms/quick", &json!({"bruteForceProtected": true}));
    assert_eq!(r.status(), 204);
    client_credentials(&server, "quick", "app", "wrong", &[]);
    client_credentials(&server, "quick", "app", "wrong", &[]);
    assert_eq!(client_credentials(&server, "quick", "app", "right-secret", &[]).0, 429);
    let database = server.database.clone();
    assert!(server.stop());
    let server = Server::start_with(crate::harness::Opts { database, ..opts });
    assert_eq!(client_credentials(&server, "quick", "app", "right-secret", &[]).0, 429, "lock kept across restart");
}
