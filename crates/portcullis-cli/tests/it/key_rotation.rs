//! Signing key rotation without downtime: after a rotation new tokens carry the new `kid`,
//! tokens of the old key keep verifying (the key stays in the JWKS, PASSIVE) until every
//! token it can have signed has expired; then the key retires: out of the JWKS, and its
//! tokens inactive.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::harness::{claims_header_kid, client_credentials, run, Opts, Server};

fn jwks_kids(server: &Server, realm: &str) -> Vec<String> {
    server.jwks(realm)["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect()
}

fn fresh_token(server: &Server, realm: &str) -> Value {
    let (status, body) = client_credentials(server, realm, "svc", "svc-secret", &[]);
    assert_eq!(status, 200, "{body}");
    body
}

fn active(server: &Server, realm: &str, token: &Value) -> bool {
    let r = server
        .http
        .post(server.url(&format!("/realms/{realm}/protocol/openid-connect/token/introspect")))
        .basic_auth("svc", Some("svc-secret"))
        .form(&[("token", token["access_token"].as_str().unwrap())])
        .send()
        .unwrap();
    r.json::<Value>().unwrap()["active"].as_bool().unwrap()
}

#[test]
fn rotation_through_the_admin_api_keeps_old_tokens_valid_until_they_expire() {
    // A one-second cache TTL and token lifespan: the old key retires about 2 s after.
    let server =
        Server::start_with(Opts { extra_args: vec!["--cache-ttl-seconds".into(), "1".into()], ..Default::default() });
    let admin = server.admin();
    admin.create_realm("rot");
    admin.put("/admin/realms/rot", &json!({"accessTokenLifespan": 2}));
    admin.create_service_client("rot", "svc", "svc-secret");
    let old = fresh_token(&server, "rot");
    let old_kid = claims_header_kid(&old);
    let keys = admin.get_json("/admin/realms/rot/keys");
    assert_eq!(keys["active"]["RS256"], old_kid.as_str(), "{keys}");

    let rotated = admin.post("/admin/realms/rot/keys/rotate", &json!({}));
    assert_eq!(rotated.status(), 200);
    let meta: Value = rotated.json().unwrap();
    let new_kid = meta["active"]["RS256"].as_str().unwrap().to_owned();
    assert_ne!(new_kid, old_kid);
    let statuses: Vec<(String, String)> = meta["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["kid"].as_str().unwrap().to_owned(), k["status"].as_str().unwrap().to_owned()))
        .collect();
    assert!(
        statuses.contains(&(new_kid.clone(), "ACTIVE".into()))
            && statuses.contains(&(old_kid.clone(), "PASSIVE".into())),
        "{meta}"
    );
    let passive = meta["keys"].as_array().unwrap().iter().find(|k| k["kid"] == old_kid.as_str()).unwrap();
    assert!(passive["validTo"].as_i64().is_some(), "the passive key says when it retires: {passive}");

    // New tokens carry the new kid; the JWKS has both; the old token still verifies.
    assert_eq!(claims_header_kid(&fresh_token(&server, "rot")), new_kid);
    let kids = jwks_kids(&server, "rot");
    assert!(kids.contains(&old_kid) && kids.contains(&new_kid), "{kids:?}");
    assert!(active(&server, "rot", &old));

    // Retirement: out of the JWKS and of the key list, and its tokens are inactive.
    let deadline = Instant::now() + Duration::from_secs(10);
    while jwks_kids(&server, "rot").contains(&old_kid) {
        assert!(Instant::now() < deadline, "the old key did not retire");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(!active(&server, "rot", &old), "a token of a retired key is inactive");
    let keys = admin.get_json("/admin/realms/rot/keys");
    assert_eq!(keys["keys"].as_array().unwrap().len(), 1, "{keys}");
    assert_eq!(claims_header_kid(&fresh_token(&server, "rot")), new_kid);
}

#[test]
fn keys_rotate_command_works_offline_and_running_servers_pick_it_up() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Opts {
        data_dir: Some(dir.path().to_owned()),
        sqlite: true,
        extra_args: vec!["--cache-ttl-seconds".into(), "1".into()],
        ..Default::default()
    };
    let server = Server::start_with(opts);
    let admin = server.admin();
    admin.create_realm("cli");
    admin.create_service_client("cli", "svc", "svc-secret");
    let old_kid = claims_header_kid(&fresh_token(&server, "cli"));

    let data = dir.path().to_str().unwrap();
    let out = run(&["keys", "rotate", "--realm", "cli", "--data-dir", data]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("new RS256 key"), "{text}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let kid = claims_header_kid(&fresh_token(&server, "cli"));
        if kid != old_kid {
            assert!(text.contains(&kid), "the command printed the new kid: {text}");
            break;
        }
        assert!(Instant::now() < deadline, "the server kept signing with the old key");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(jwks_kids(&server, "cli").contains(&old_kid), "the old key still verifies (300 s margin)");

    let out = run(&["keys", "rotate", "--realm", "nope", "--data-dir", data]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no realm named 'nope'"));
}

#[test]
fn keys_rotate_by_themselves_with_a_realm_period() {
    let server =
        Server::start_with(Opts { extra_args: vec!["--cache-ttl-seconds".into(), "1".into()], ..Default::default() });
    let admin = server.admin();
    for bad in ["5", "-10", "soon"] {
        let r = admin.post(
            "/admin/realms",
            &json!({"realm": "bad", "enabled": true, "attributes": {"signingKeyRotationPeriod": bad}}),
        );
        assert_eq!(r.status(), 400, "{bad}");
    }
    admin.create(
        "/admin/realms",
        &json!({"realm": "auto", "enabled": true, "attributes": {"signingKeyRotationPeriod": "10"}}),
    );
    admin.create_service_client("auto", "svc", "svc-secret");
    let first = fresh_token(&server, "auto");
    let first_kid = claims_header_kid(&first);
    // Due after 10 s, noticed within the 5 s check, picked up within the 1 s cache TTL.
    let start = Instant::now();
    let rotated = loop {
        let kid = claims_header_kid(&fresh_token(&server, "auto"));
        if kid != first_kid {
            break kid;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no automatic rotation within 30 s");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(start.elapsed() >= Duration::from_secs(5), "rotated before the key was 10 s old");
    let kids = jwks_kids(&server, "auto");
    assert!(kids.contains(&first_kid) && kids.contains(&rotated), "{kids:?}");
    assert!(active(&server, "auto", &first), "tokens of the replaced key stay valid");
}
