//! Secrets at rest, as an operator meets them: the raw database holds no client secret,
//! password or private key; a wrong master key stops the start with its fingerprint;
//! `master-key rotate` re-wraps; a realm can keep client secrets only as hashes, shown
//! once and masked afterwards, with tokens still issued.

use std::process::Command;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::harness::{client_credentials, run, Opts, Server};

const CHOSEN: &str = "chosen-secret-3b9e1f";
const PASSWORD: &str = "user-password-7c2a90";
const MASKED: &str = "**********";

/// Everything the database holds, as bytes: the SQLite files of the data dir (master key
/// file excluded), or a `pg_dump` of the PostgreSQL database.
fn raw_database(data_dir: &std::path::Path, database_url: Option<&str>) -> Vec<u8> {
    if let Some(url) = database_url {
        let out = Command::new("pg_dump").args(["--data-only", url]).output().expect("pg_dump");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        return out.stdout;
    }
    let mut all = Vec::new();
    for entry in std::fs::read_dir(data_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("portcullis.db")) {
            all.extend(std::fs::read(&path).unwrap());
        }
    }
    assert!(!all.is_empty(), "no database files in {}", data_dir.display());
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn hex(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<String>().into_bytes()
}

/// The realm's RSA modulus: public, but also inside the private key's DER, so finding it
/// in the database would mean the private key is stored in the clear.
fn modulus(server: &Server, realm: &str) -> Vec<u8> {
    let jwks = server.jwks(realm);
    let n = jwks["keys"][0]["n"].as_str().expect("RSA key");
    URL_SAFE_NO_PAD.decode(n).unwrap()
}

#[test]
fn raw_database_holds_no_secret_password_or_private_key() {
    // The test owns the data dir: a server's own temp dir goes away when it stops.
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(Opts { data_dir: Some(dir.path().join("data")), ..Default::default() });
    let admin = server.admin();
    admin.create(
        "/admin/realms",
        &json!({"realm": "vault", "enabled": true, "attributes": {"client.secret.rotated.expiration.period": "3600"}}),
    );
    let chosen_id = admin.create_service_client("vault", "chosen-client", CHOSEN);
    // Regenerated: CHOSEN lives on as the rotated secret, in its own column.
    let regenerated = admin.post(&format!("/admin/realms/vault/clients/{chosen_id}/client-secret"), &json!({}));
    let regenerated = regenerated.json::<Value>().unwrap()["value"].as_str().unwrap().to_owned();
    let generated_id = admin.create(
        "/admin/realms/vault/clients",
        &json!({"clientId": "generated-client", "serviceAccountsEnabled": true}),
    );
    let generated = admin.get_json(&format!("/admin/realms/vault/clients/{generated_id}/client-secret"))["value"]
        .as_str()
        .unwrap()
        .to_owned();
    admin.create(
        "/admin/realms/vault/users",
        &json!({"username": "alice", "enabled": true,
                "credentials": [{"type": "password", "value": PASSWORD, "temporary": false}]}),
    );
    assert_eq!(client_credentials(&server, "vault", "chosen-client", CHOSEN, &[]).0, 200);
    assert_eq!(client_credentials(&server, "vault", "generated-client", &generated, &[]).0, 200);
    let n = modulus(&server, "vault");
    let (data_dir, url) = (server.data_dir().to_owned(), server.database_url().map(str::to_owned));
    let db = server.database.clone();
    assert!(server.stop());

    let raw = raw_database(&data_dir, url.as_deref());
    assert!(contains(&raw, b"generated-client") && contains(&raw, chosen_id.as_bytes()), "the scan sees the data");
    for (what, needle) in [
        ("rotated secret", CHOSEN),
        ("regenerated secret", regenerated.as_str()),
        ("generated secret", generated.as_str()),
        ("password", PASSWORD),
    ] {
        assert!(!contains(&raw, needle.as_bytes()), "{what} found in the clear in the database");
    }
    for window in n.chunks(32).take(4) {
        assert!(!contains(&raw, window) && !contains(&raw, &hex(window)), "private key material found in the clear");
    }

    // The secrets still work after a restart: they are sealed, not lost.
    let again = Server::start_with(Opts { data_dir: Some(data_dir), database: db, ..Default::default() });
    assert_eq!(client_credentials(&again, "vault", "chosen-client", CHOSEN, &[]).0, 200);
    assert_eq!(client_credentials(&again, "vault", "chosen-client", &regenerated, &[]).0, 200);
}

#[test]
fn master_key_is_generated_checked_and_rotated() {
    let owned = tempfile::tempdir().unwrap();
    let server =
        Server::start_with(Opts { data_dir: Some(owned.path().join("data")), sqlite: true, ..Default::default() });
    server.admin().create_realm("rot");
    server.admin().create_service_client("rot", "svc", CHOSEN);
    let kid_before = crate::harness::claims_header_kid(&client_credentials(&server, "rot", "svc", CHOSEN, &[]).1);
    let data_dir = server.data_dir().to_owned();
    let key_file = data_dir.join("master.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the generated key is readable by its owner only");
    }
    assert!(server.log.lock().unwrap().iter().any(|l| l.contains("generated a master key")));
    assert!(server.stop());

    // Another key does not open the database, and says which key it needs.
    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("wrong.key");
    let path = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    let out = run(&["master-key", "generate", "--file", &path(&wrong)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&[
        "serve",
        "--http-addr",
        "127.0.0.1:0",
        "--data-dir",
        &path(&data_dir),
        "--master-key-file",
        &path(&wrong),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("sealed under master key") && err.contains("--master-key-file"), "{err}");

    // Rotation re-wraps under a new key and puts it where serve looks by default.
    let old_key = std::fs::read_to_string(&key_file).unwrap();
    let new_file = dir.path().join("new.key");
    let out = run(&["master-key", "rotate", "--data-dir", &path(&data_dir), "--new-master-key-file", &path(&new_file)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let new_key = std::fs::read_to_string(&key_file).unwrap();
    assert_ne!(old_key, new_key);
    assert_eq!(new_key, std::fs::read_to_string(&new_file).unwrap());
    let again = Server::start_with(Opts { data_dir: Some(data_dir.clone()), sqlite: true, ..Default::default() });
    let (status, body) = client_credentials(&again, "rot", "svc", CHOSEN, &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(crate::harness::claims_header_kid(&body), kid_before, "the signing key survived the rotation");
    assert!(again.stop());

    // The old key no longer opens it; rotating again with it is refused.
    std::fs::write(&key_file, old_key).unwrap();
    let out = run(&["serve", "--http-addr", "127.0.0.1:0", "--data-dir", &path(&data_dir)]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn hashed_realm_shows_a_secret_once_and_masks_it_after() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(Opts { data_dir: Some(dir.path().join("data")), ..Default::default() });
    let admin = server.admin();
    admin.create(
        "/admin/realms",
        &json!({"realm": "h", "enabled": true, "attributes": {"clientSecretStorage": "hashed"}}),
    );

    // Created: the 201 carries the one-time secret; every later read is masked.
    let r = admin.post("/admin/realms/h/clients", &json!({"clientId": "gen", "serviceAccountsEnabled": true}));
    assert_eq!(r.status(), 201);
    let id = r.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let shown = r.json::<Value>().unwrap()["secret"].as_str().unwrap().to_owned();
    assert_eq!(shown.len(), 32);
    let read = admin.get_json(&format!("/admin/realms/h/clients/{id}/client-secret"));
    assert_eq!(read["value"], MASKED);
    assert!(read["notice"].as_str().unwrap().contains("shown once"), "{read}");
    let mut rep = admin.get_json(&format!("/admin/realms/h/clients/{id}"));
    assert_eq!(rep["secret"], MASKED);
    assert_eq!(client_credentials(&server, "h", "gen", &shown, &[]).0, 200);
    assert_eq!(client_credentials(&server, "h", "gen", MASKED, &[]).0, 401);

    // Get-modify-update with the mask keeps the secret.
    rep["description"] = json!("edited");
    assert_eq!(admin.put(&format!("/admin/realms/h/clients/{id}"), &rep).status(), 204);
    assert_eq!(client_credentials(&server, "h", "gen", &shown, &[]).0, 200);

    // Regenerated: shown once in the answer, the old one dies.
    let fresh = admin.post(&format!("/admin/realms/h/clients/{id}/client-secret"), &json!({}));
    assert_eq!(fresh.status(), 200);
    let fresh = fresh.json::<Value>().unwrap()["value"].as_str().unwrap().to_owned();
    assert_ne!(fresh, MASKED);
    assert_eq!(client_credentials(&server, "h", "gen", &shown, &[]).0, 401);
    assert_eq!(client_credentials(&server, "h", "gen", &fresh, &[]).0, 200);

    // Admin-chosen secrets get Argon2id; tokens keep coming after the first check.
    admin.create_service_client("h", "chosen", CHOSEN);
    for _ in 0..3 {
        assert_eq!(client_credentials(&server, "h", "chosen", CHOSEN, &[]).0, 200);
    }
    assert_eq!(client_credentials(&server, "h", "chosen", "chosen-secret-3b9e1F", &[]).0, 401);

    // A realm switched to hashed storage hashes the secrets it had kept readable.
    server.admin().create_realm("switch");
    let sid = admin.create_service_client("switch", "svc", CHOSEN);
    let mut realm = admin.get_json("/admin/realms/switch");
    realm["attributes"] = json!({"clientSecretStorage": "hashed"});
    assert_eq!(admin.put("/admin/realms/switch", &realm).status(), 204);
    assert_eq!(admin.get_json(&format!("/admin/realms/switch/clients/{sid}/client-secret"))["value"], MASKED);
    assert_eq!(client_credentials(&server, "switch", "svc", CHOSEN, &[]).0, 200);
    realm["attributes"] = json!({"clientSecretStorage": "plain"});
    crate::harness::assert_error(admin.put("/admin/realms/switch", &realm), 400);

    let (data_dir, url) = (server.data_dir().to_owned(), server.database_url().map(str::to_owned));
    let _db = server.database.clone();
    assert!(server.stop());
    let raw = raw_database(&data_dir, url.as_deref());
    for needle in [&shown, &fresh, CHOSEN] {
        assert!(!contains(&raw, needle.as_bytes()), "a secret of a hashed realm is in the database");
    }
}
