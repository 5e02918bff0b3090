//! Several instances on one database behave as one server: changes made through one are
//! seen by the others within a second (PostgreSQL LISTEN/NOTIFY), keys are shared, and
//! concurrent first starts bootstrap once. These tests always use PostgreSQL (the
//! `PORTCULLIS_TEST_POSTGRES_URL` admin URL, or the local server) and fail without it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use portcullis_store::testing::{postgres_admin_url, TestDatabase};
use serde_json::{json, Value};

use crate::harness::{client_credentials, Opts, Server, SharedDatabase};

const LOCAL_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

fn database() -> SharedDatabase {
    Arc::new(TestDatabase::create(&postgres_admin_url().unwrap_or_else(|| LOCAL_POSTGRES.to_owned())))
}

/// Starts `n` instances on `db` at the same time. A long cache TTL makes sure that what
/// one instance learns from another comes from notifications, not from expiry.
fn start_instances(db: &SharedDatabase, n: usize) -> Vec<Server> {
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let opts = Opts {
                database: Some(db.clone()),
                extra_args: vec!["--cache-ttl-seconds".into(), "3600".into()],
                ..Default::default()
            };
            std::thread::spawn(move || Server::start_with(opts))
        })
        .collect();
    handles.into_iter().map(|h| h.join().expect("instance started")).collect()
}

/// Polls `f` until it returns true; returns how long that took, or panics after `limit`.
fn within(limit: Duration, what: &str, mut f: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    loop {
        if f() {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "{what}: not seen within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn token_status(server: &Server, id: &str, secret: &str) -> u16 {
    client_credentials(server, "shared", id, secret, &[]).0
}

#[test]
fn concurrent_first_starts_bootstrap_once() {
    let db = database();
    let servers = start_instances(&db, 3);
    let created: usize = servers
        .iter()
        .map(|s| s.log.lock().unwrap().iter().filter(|l| l.contains("bootstrap: created master realm")).count())
        .sum();
    assert_eq!(created, 1, "exactly one instance creates the master realm");
    for s in &servers {
        let admin = s.admin();
        let realms = admin.get_json("/admin/realms");
        assert_eq!(realms.as_array().unwrap().iter().filter(|r| r["realm"] == "master").count(), 1);
        let admins = admin.get_json("/admin/realms/master/users?username=admin&exact=true");
        assert_eq!(admins.as_array().unwrap().len(), 1);
        let cli = admin.get_json("/admin/realms/master/clients?clientId=admin-cli");
        assert_eq!(cli.as_array().unwrap().len(), 1);
    }
}

#[test]
fn client_changes_reach_the_other_instance_within_a_second() {
    let db = database();
    let servers = start_instances(&db, 2);
    let (a, b) = (&servers[0], &servers[1]);
    let admin = a.admin();
    admin.create_realm("shared");

    // Created through A: B, which has never seen it, serves it.
    let id = admin.create_service_client("shared", "svc", "first-secret");
    within(Duration::from_secs(1), "new client on B", || token_status(b, "svc", "first-secret") == 200);

    // Changed through A (new secret): B has the old one cached and must drop it.
    let secret: Value =
        admin.post(&format!("/admin/realms/shared/clients/{id}/client-secret"), &json!({})).json().unwrap();
    let new_secret = secret["value"].as_str().unwrap().to_owned();
    let took =
        within(Duration::from_secs(1), "regenerated secret on B", || token_status(b, "svc", "first-secret") == 401);
    eprintln!("secret change seen by the other instance after {took:?}");
    assert_eq!(token_status(b, "svc", &new_secret), 200);

    // A changed attribute shows in B's tokens.
    let r = admin
        .put(&format!("/admin/realms/shared/clients/{id}"), &json!({"attributes": {"access.token.lifespan": "77"}}));
    assert_eq!(r.status(), 204);
    within(Duration::from_secs(1), "changed lifespan on B", || {
        client_credentials(b, "shared", "svc", &new_secret, &[]).1["expires_in"] == 77
    });

    // Disabled through A.
    assert_eq!(admin.put(&format!("/admin/realms/shared/clients/{id}"), &json!({"enabled": false})).status(), 204);
    within(Duration::from_secs(1), "disabled client on B", || token_status(b, "svc", &new_secret) == 401);
    assert_eq!(admin.put(&format!("/admin/realms/shared/clients/{id}"), &json!({"enabled": true})).status(), 204);
    within(Duration::from_secs(1), "re-enabled client on B", || token_status(b, "svc", &new_secret) == 200);

    // Deleted through A.
    assert_eq!(admin.delete(&format!("/admin/realms/shared/clients/{id}")).status(), 204);
    within(Duration::from_secs(1), "deleted client on B", || token_status(b, "svc", &new_secret) == 401);

    // And the other way round: B's admin writes reach A.
    let b_admin = b.admin();
    b_admin.create_service_client("shared", "svc2", "s2");
    within(Duration::from_secs(1), "client created on B served by A", || token_status(a, "svc2", "s2") == 200);
}

#[test]
fn signing_keys_are_shared() {
    let db = database();
    let servers = start_instances(&db, 2);
    let (a, b) = (&servers[0], &servers[1]);
    let admin = a.admin();
    admin.create_realm("shared");
    admin.create_service_client("shared", "svc", "secret");

    let certs = |s: &Server| s.jwks("shared");
    assert_eq!(certs(a), certs(b), "both instances publish the same JWKS");
    let (_, from_a) = client_credentials(a, "shared", "svc", "secret", &[]);
    let (_, from_b) = client_credentials(b, "shared", "svc", "secret", &[]);
    let kid = |t: &Value| {
        let header = t["access_token"].as_str().unwrap().split('.').next().unwrap().to_owned();
        let decoded = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header).unwrap();
        serde_json::from_slice::<Value>(&decoded).unwrap()["kid"].clone()
    };
    assert_eq!(kid(&from_a), kid(&from_b), "both instances sign with the same key");
    // A token from A is accepted by B as an admin token too (same master key).
    let token_from_a = a.admin_token();
    let r = b.http.get(b.url("/admin/realms")).bearer_auth(token_from_a).send().unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn cache_ttl_bounds_staleness_without_notifications() {
    // Two instances on one SQLite file have no change feed: only the TTL refreshes B.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let opts = Opts {
        data_dir: Some(data),
        sqlite: true,
        extra_args: vec!["--cache-ttl-seconds".into(), "3".into()],
        ..Default::default()
    };
    let a = Server::start_with(opts.clone());
    let b = Server::start_with(opts);
    let admin = a.admin();
    admin.create_realm("shared");
    let id = admin.create_service_client("shared", "svc", "secret");
    assert_eq!(token_status(&b, "svc", "secret"), 200);
    assert_eq!(admin.put(&format!("/admin/realms/shared/clients/{id}"), &json!({"enabled": false})).status(), 204);
    // No feed: B keeps its cached copy for now (it was cached a moment ago, TTL 3 s)...
    assert_eq!(token_status(&b, "svc", "secret"), 200, "B serves its cached client until the TTL");
    // ...and no longer than the TTL.
    within(Duration::from_secs(5), "disabled client on B via TTL", || token_status(&b, "svc", "secret") == 401);
}

#[test]
fn database_outage_keeps_cached_clients_serving_and_fails_writes_cleanly() {
    let db = database();
    let server = Server::start_with(Opts { database: Some(db.clone()), ..Default::default() });
    let admin = server.admin();
    admin.create_realm("shared");
    admin.create_service_client("shared", "cached", "secret");
    admin.create_service_client("shared", "cold", "secret");
    assert_eq!(token_status(&server, "cached", "secret"), 200);

    db.set_reachable(false);
    let ready = server.http.get(server.url("/health/ready")).send().unwrap();
    assert_eq!(ready.status(), 503, "readiness turns false");
    assert_eq!(token_status(&server, "cached", "secret"), 200, "cached clients keep getting tokens");

    let (status, body) = client_credentials(&server, "shared", "cold", "secret", &[]);
    assert_eq!((status, body["error"].as_str()), (503, Some("temporarily_unavailable")), "{body}");
    let write = admin.post("/admin/realms/shared/roles", &json!({"name": "Developer"}));
    assert_eq!(write.status(), 503);
    assert!(write.headers().contains_key("retry-after"));
    let body: Value = write.json().unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");

    db.set_reachable(true);
    within(Duration::from_secs(10), "readiness after recovery", || {
        server.http.get(server.url("/health/ready")).send().unwrap().status() == 200
    });
    assert_eq!(admin.post("/admin/realms/shared/roles", &json!({"name": "Developer"})).status(), 201);
    assert_eq!(token_status(&server, "cold", "secret"), 200);
}

#[test]
fn failure_counts_locks_and_events_are_shared() {
    let db = database();
    let servers = start_instances(&db, 2);
    let (a, b) = (&servers[0], &servers[1]);
    let admin = a.admin();
    admin.create_realm("shared");
    let id = admin.create_service_client("shared", "app", "right-secret");
    let r = admin.put(
        "/admin/realms/shared",
        &json!({"bruteForceProtected": true, "failureFactor": 4, "quickLoginCheckMilliSeconds": 0}),
    );
    assert_eq!(r.status(), 204);
    let r = admin.put("/admin/realms/shared/events/config", &json!({"eventsEnabled": true}));
    assert_eq!(r.status(), 204);
    within(Duration::from_secs(1), "settings on b", || {
        b.admin().get_json("/admin/realms/shared")["failureFactor"] == 4
    });

    // Failures alternate between the instances; the fourth, wherever it lands, locks.
    for s in [a, b, a] {
        assert_eq!(token_status(s, "app", "wrong"), 401);
    }
    assert_eq!(token_status(b, "app", "right-secret"), 200, "3 of 4: not locked yet (and b's success resets)");
    // The address counted those failures too; start it again so that the client's count
    // is what locks below.
    assert_eq!(admin.delete("/admin/realms/shared/attack-detection/brute-force/addresses").status(), 204);
    for s in [a, b, a, b] {
        assert_eq!(token_status(s, "app", "wrong"), 401);
    }
    let status = b.admin().get_json(&format!("/admin/realms/shared/attack-detection/brute-force/clients/{id}"));
    assert_eq!((status["numFailures"].as_i64(), status["disabled"].as_bool()), (Some(4), Some(true)), "{status}");
    // The lock placed by b (4th failure) reaches a through NOTIFY, not through a read.
    let took = within(Duration::from_secs(1), "lock on a", || token_status(a, "app", "right-secret") == 429);
    eprintln!("lock seen by the other instance after {took:?}");
    assert_eq!(token_status(b, "app", "right-secret"), 429);

    // Cleared through a, usable again on b.
    assert_eq!(admin.delete("/admin/realms/shared/attack-detection/brute-force").status(), 204);
    within(Duration::from_secs(1), "cleared on b", || token_status(b, "app", "right-secret") == 200);

    // Both instances' events are in the one store.
    let events = b.admin().get_json("/admin/realms/shared/events?type=CLIENT_LOGIN_ERROR");
    let events = events.as_array().unwrap();
    assert!(events.len() >= 7, "{}", events.len());
    let _ = a.admin().get_json("/admin/realms/shared/events");
}

#[test]
fn read_only_database_turns_readiness_false_and_writes_into_clean_503s() {
    let db = database();
    let server = Server::start_with(Opts { database: Some(db.clone()), ..Default::default() });
    let admin = server.admin();
    admin.create_realm("ro");
    admin.create_service_client("ro", "cached", "secret");
    assert_eq!(client_credentials(&server, "ro", "cached", "secret", &[]).0, 200);

    db.set_read_only(true);
    within(Duration::from_secs(5), "readiness false on a read-only database", || {
        server.http.get(server.url("/health/ready")).send().unwrap().status() == 503
    });
    assert_eq!(server.http.get(server.url("/health/live")).send().unwrap().status(), 200, "alive");
    assert_eq!(client_credentials(&server, "ro", "cached", "secret", &[]).0, 200, "tokens need no write");
    let write = admin.post("/admin/realms/ro/roles", &json!({"name": "Developer"}));
    assert_eq!(write.status(), 503);
    let body: Value = write.json().unwrap();
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
    // Reads still answer.
    assert_eq!(admin.get("/admin/realms/ro/roles").status(), 200);

    db.set_read_only(false);
    within(Duration::from_secs(10), "readiness after the database is writable again", || {
        server.http.get(server.url("/health/ready")).send().unwrap().status() == 200
    });
    assert_eq!(admin.post("/admin/realms/ro/roles", &json!({"name": "Developer"})).status(), 201);
    assert!(server.log.lock().unwrap().iter().all(|l| !l.contains("panicked")));
}

#[test]
fn a_token_revoked_through_one_instance_is_inactive_on_the_other() {
    let db = database();
    let servers = start_instances(&db, 2);
    let (a, b) = (&servers[0], &servers[1]);
    let admin = a.admin();
    admin.create_realm("shared");
    admin.create_service_client("shared", "svc", "svc-secret");
    admin.create_service_client("shared", "rs", "rs-secret");
    let (_, body) = client_credentials(a, "shared", "svc", "svc-secret", &[]);
    let token = body["access_token"].as_str().unwrap().to_owned();
    let introspect = |s: &Server| -> bool {
        let r = s
            .http
            .post(s.url("/realms/shared/protocol/openid-connect/token/introspect"))
            .basic_auth("rs", Some("rs-secret"))
            .form(&[("token", token.as_str())])
            .send()
            .unwrap();
        r.json::<Value>().unwrap()["active"].as_bool().unwrap()
    };
    assert!(introspect(b));
    let r = a
        .http
        .post(a.url("/realms/shared/protocol/openid-connect/revoke"))
        .basic_auth("svc", Some("svc-secret"))
        .form(&[("token", token.as_str())])
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(!introspect(b), "the revocation list is shared at once");
    assert!(!introspect(a));
}

#[test]
fn a_key_rotated_through_one_instance_signs_on_the_other_within_a_second() {
    let db = database();
    let servers = start_instances(&db, 2);
    let (a, b) = (&servers[0], &servers[1]);
    let admin = a.admin();
    admin.create_realm("shared");
    admin.create_service_client("shared", "svc", "svc-secret");
    let kid =
        |s: &Server| crate::harness::claims_header_kid(&client_credentials(s, "shared", "svc", "svc-secret", &[]).1);
    let old = kid(b);
    let meta = admin.post("/admin/realms/shared/keys/rotate", &json!({})).json::<Value>().unwrap();
    let new = meta["active"]["RS256"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let took = within(Duration::from_secs(1), "new key on b", || kid(b) == new);
    eprintln!("rotation seen by the other instance after {took:?}");
    let jwks = b.jwks("shared");
    let kids: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert!(kids.contains(&old.as_str()) && kids.contains(&new.as_str()), "{kids:?}");
}

#[test]
fn a_client_assertion_used_on_one_instance_is_refused_on_the_other() {
    use crate::client_jwt::{jti, now, Key, JWT_BEARER};
    let db = database();
    // Behind one public URL, as behind a load balancer: the assertion's audience is it.
    let public = "http://portcullis.test";
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let opts = Opts {
                database: Some(db.clone()),
                extra_args: vec!["--public-url".into(), public.into()],
                ..Default::default()
            };
            std::thread::spawn(move || Server::start_with(opts))
        })
        .collect();
    let servers: Vec<Server> = handles.into_iter().map(|h| h.join().expect("instance started")).collect();
    let (a, b) = (&servers[0], &servers[1]);
    let admin = a.admin();
    admin.create_realm("shared");
    let key = Key::new("k");
    admin.create(
        "/admin/realms/shared/clients",
        &json!({"clientId": "signer", "serviceAccountsEnabled": true, "clientAuthenticatorType": "client-jwt",
                "attributes": {"use.jwks.string": "true", "jwks.string": key.jwks()}}),
    );
    let assertion = key.sign(&json!({"iss": "signer", "sub": "signer",
        "aud": format!("{public}/realms/shared/protocol/openid-connect/token"),
        "exp": now() + 60, "jti": jti()}));
    let token = |s: &Server| {
        s.http
            .post(s.token_url("shared"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", &assertion),
            ])
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(token(a), 200);
    assert_eq!(token(b), 401, "the jti store is shared");
    assert_eq!(token(a), 401);
}

#[test]
fn automatic_rotation_happens_once_across_instances() {
    let db = database();
    let servers = start_instances(&db, 2);
    let (a, b) = (&servers[0], &servers[1]);
    let admin = a.admin();
    admin.create(
        "/admin/realms",
        &json!({"realm": "shared", "enabled": true, "attributes": {"signingKeyRotationPeriod": "10"}}),
    );
    let keys = |s: &Server| s.admin().get_json("/admin/realms/shared/keys")["keys"].as_array().unwrap().len();
    assert_eq!(keys(a), 1);
    within(Duration::from_secs(30), "an automatic rotation", || keys(b) >= 2);
    // Both instances checked (every 5 s) during the next seconds: still one rotation.
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(keys(a), 2, "two instances rotated the same key");
}
