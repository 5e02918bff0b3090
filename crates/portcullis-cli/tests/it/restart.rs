//! The process lifecycle: restarts on the same data dir keep everything, first start
//! without bootstrap variables, a taken port, and `--http-relative-path`.

use std::process::{Command, Stdio};

use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

use crate::harness::{bin, claims, client_credentials, Opts, Server};

/// Verifies `token` offline against the JWKS `server` publishes now.
fn verify(server: &Server, realm: &str, token: &str, issuer: &str, audience: &str) -> Value {
    let jwks = server.jwks(realm);
    let kid = decode_header(token).unwrap().kid.expect("kid");
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap_or_else(|| panic!("kid {kid} not in {jwks}"));
    let key = DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap()).unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[audience]);
    v.set_issuer(&[issuer]);
    decode::<Value>(token, &key, &v).expect("token verifies").claims
}

fn kid_of(token: &str) -> String {
    decode_header(token).unwrap().kid.expect("kid")
}

#[test]
fn restart_keeps_realms_clients_secrets_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    let first = Server::start_with(Opts { data_dir: Some(data.clone()), ..Opts::default() });
    let (client_uuid, generated_secret) = {
        let admin = first.admin();
        admin.create_realm("keep");
        admin.create_service_client("keep", "svc", "s3cret");
        // A client whose secret the server generated.
        let id =
            admin.create("/admin/realms/keep/clients", &json!({"clientId": "gen", "serviceAccountsEnabled": true}));
        let secret = admin.get_json(&format!("/admin/realms/keep/clients/{id}/client-secret"))["value"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(admin.put("/admin/realms/keep", &json!({"accessTokenLifespan": 900})).status(), 204);
        (id, secret)
    };
    let (status, body) = client_credentials(&first, "keep", "svc", "s3cret", &[]);
    assert_eq!(status, 200, "{body}");
    let old_token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(body["expires_in"], 900);
    let old_issuer = first.url("/realms/keep");
    let old_master_kid = kid_of(&first.admin_token());
    verify(&first, "keep", &old_token, &old_issuer, "svc");

    let database = first.database.clone();
    assert!(first.stop(), "SIGTERM must end the server with exit status 0");

    let second = Server::start_with(Opts { data_dir: Some(data.clone()), database, ..Opts::default() });
    // The token of the first run verifies against the keys the second run publishes.
    let c = verify(&second, "keep", &old_token, &old_issuer, "svc");
    assert_eq!(c["client_id"], "svc");

    // Same secrets, same signing key, same settings.
    let (status, body) = client_credentials(&second, "keep", "svc", "s3cret", &[]);
    assert_eq!(status, 200, "{body}");
    let new_token = body["access_token"].as_str().unwrap();
    assert_eq!(kid_of(new_token), kid_of(&old_token));
    assert_eq!(body["expires_in"], 900);
    assert_eq!(claims(new_token)["sub"], claims(&old_token)["sub"], "same service-account user");
    verify(&second, "keep", new_token, &second.url("/realms/keep"), "svc");
    let (status, body) = client_credentials(&second, "keep", "gen", &generated_secret, &[]);
    assert_eq!(status, 200, "{body}");
    let (status, body) = client_credentials(&second, "keep", "svc", "wrong", &[]);
    assert_eq!(status, 401, "{body}");

    // The admin user and master key survived too.
    let admin = second.admin();
    assert_eq!(kid_of(&admin.token), old_master_kid);
    let realms = admin.get_json("/admin/realms");
    let names: Vec<&str> = realms.as_array().unwrap().iter().filter_map(|r| r["realm"].as_str()).collect();
    assert!(names.contains(&"keep") && names.contains(&"master"), "{names:?}");
    assert_eq!(admin.get_json(&format!("/admin/realms/keep/clients/{client_uuid}"))["clientId"], "gen");
    // The bootstrap variables are ignored once the master realm exists.
    let log = second.log.lock().unwrap().join("\n");
    assert!(log.contains("bootstrap admin variables ignored"), "{log}");
    drop(admin);
    assert!(second.stop());
    drop(dir);
}

#[test]
fn empty_data_dir_without_bootstrap_starts_and_explains() {
    let server = Server::start_with(Opts { no_bootstrap: true, ..Opts::default() });
    let log = server.log.lock().unwrap().join("\n");
    assert!(log.contains("PORTCULLIS_BOOTSTRAP_ADMIN_USERNAME"), "log should say how to bootstrap:\n{log}");
    assert!(log.contains("PORTCULLIS_BOOTSTRAP_ADMIN_PASSWORD"), "{log}");

    let r = server.http.get(server.url("/health/live")).send().unwrap();
    assert_eq!(r.status(), 200);
    let r = server.http.get(server.url("/health/ready")).send().unwrap();
    assert_eq!(r.status(), 200);
    // No master realm, so no admin login and no admin API.
    let r = server.http.get(server.url("/realms/master/.well-known/openid-configuration")).send().unwrap();
    assert_eq!(r.status(), 404);
    let r = server
        .http
        .post(server.token_url("master"))
        .form(&[("grant_type", "password"), ("client_id", "admin-cli"), ("username", "admin"), ("password", "x")])
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = server.http.get(server.url("/admin/realms")).bearer_auth("x.y.z").send().unwrap();
    assert_eq!(r.status(), 401);
    if server.database.is_none() {
        assert!(server.data_dir().join("portcullis.db").exists(), "database file created in {:?}", server.data_dir());
    }
    assert!(server.stop());
}

#[test]
fn bootstrap_after_first_start_without_variables() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = Server::start_with(Opts { data_dir: Some(data.clone()), no_bootstrap: true, ..Opts::default() });
    let database = first.database.clone();
    assert!(first.stop());
    // Restarting with the variables creates the admin, as the log said.
    let second = Server::start_with(Opts { data_dir: Some(data), database, ..Opts::default() });
    let admin = second.admin();
    assert_eq!(admin.get_json("/admin/realms/master")["realm"], "master");
}

#[test]
fn second_server_on_a_taken_port_fails_clearly() {
    let server = Server::start();
    let addr = server.base.trim_start_matches("http://").split('/').next().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .args(["serve", "--http-addr", &addr, "--data-dir"])
        .arg(dir.path().join("data"))
        .env_remove("PORTCULLIS_BOOTSTRAP_ADMIN_USERNAME")
        .env_remove("PORTCULLIS_BOOTSTRAP_ADMIN_PASSWORD")
        .env_remove("PORTCULLIS_DATABASE_URL")
        .env_remove("PORTCULLIS_PUBLIC_URL")
        .env("PORTCULLIS_LOG", "info")
        .stdin(Stdio::null())
        .output()
        .expect("run portcullis");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "must fail: {stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&addr), "message should name {addr}: {stderr}");
    // The running server is unaffected.
    let r = server.http.get(server.url("/health/live")).send().unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn relative_path_prefixes_every_route_and_the_issuer() {
    let server = Server::start_with(Opts { relative_path: Some("/auth".into()), ..Opts::default() });
    assert!(server.base.ends_with("/auth"), "{}", server.base);
    let root = server.base.trim_end_matches("/auth").to_owned();

    // The harness logs in through {base}/realms/master/..., i.e. under /auth.
    let admin = server.admin();
    admin.create_realm("rel");
    admin.create_service_client("rel", "svc", "s3cret");

    let (status, body) = client_credentials(&server, "rel", "svc", "s3cret", &[]);
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap();
    let iss = format!("{root}/auth/realms/rel");
    assert_eq!(claims(token)["iss"], iss.as_str());
    verify(&server, "rel", token, &iss, "svc");

    // Discovery under the prefix names prefixed endpoints; RFC 8414's location puts the
    // well-known segment before the issuer path.
    let d: Value =
        server.http.get(server.url("/realms/rel/.well-known/openid-configuration")).send().unwrap().json().unwrap();
    assert_eq!(d["issuer"], iss.as_str());
    assert_eq!(d["token_endpoint"], format!("{iss}/protocol/openid-connect/token"));
    let r = server.http.get(format!("{root}/.well-known/oauth-authorization-server/auth/realms/rel")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().unwrap()["issuer"], iss.as_str());

    // Without the prefix, nothing but health answers.
    let r = server
        .http
        .post(format!("{root}/realms/rel/protocol/openid-connect/token"))
        .basic_auth("svc", Some("s3cret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = server.http.get(format!("{root}/admin/realms")).bearer_auth(&admin.token).send().unwrap();
    assert_eq!(r.status(), 404);
    for url in [format!("{root}/health/live"), server.url("/health/live")] {
        let r = server.http.get(&url).send().unwrap();
        assert_eq!(r.status(), 200, "{url}");
    }
}
