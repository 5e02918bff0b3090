//! Realm export and import in Keycloak's realm JSON: offline against a data dir, online
//! through the Admin API (`POST /admin/realms` with a whole export, `partial-export`), and
//! `serve --import-realm`.

use std::path::Path;

use serde_json::{json, Value};

use crate::harness::{client_credentials, run, Opts, Server};

const KEYCLOAK_EXPORT: &str = include_str!("../fixtures/keycloak-realm-export.json");

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A realm with one of everything an export carries.
fn populate(server: &Server) {
    let admin = server.admin();
    admin.create_realm("shop");
    let scope = admin.create(
        "/admin/realms/shop/client-scopes",
        &json!({"name": "orders", "protocol": "openid-connect", "protocolMappers": [{"name": "team",
            "protocol": "openid-connect", "protocolMapper": "oidc-usermodel-attribute-mapper",
            "config": {"user.attribute": "team", "claim.name": "team", "jsonType.label": "String", "access.token.claim": "true"}}]}),
    );
    admin.create("/admin/realms/shop/roles", &json!({"name": "Developer", "description": "dev"}));
    let client = admin.create(
        "/admin/realms/shop/clients",
        &json!({"clientId": "billing", "secret": "billing-secret-0123456789", "serviceAccountsEnabled": true,
                "attributes": {"team": "blue"}, "redirectUris": ["https://billing.example.com/*"]}),
    );
    assert_eq!(
        admin.put(&format!("/admin/realms/shop/clients/{client}/default-client-scopes/{scope}"), &json!({})).status(),
        204
    );
    admin.create(&format!("/admin/realms/shop/clients/{client}/roles"), &json!({"name": "invoice-admin"}));
    let sa = admin.get_json(&format!("/admin/realms/shop/clients/{client}/service-account-user"));
    let dev = admin.get_json("/admin/realms/shop/roles/Developer");
    let r = admin
        .post(&format!("/admin/realms/shop/users/{}/role-mappings/realm", sa["id"].as_str().unwrap()), &json!([dev]));
    assert_eq!(r.status(), 204);
    let user = admin.create(
        "/admin/realms/shop/users",
        &json!({"username": "alice", "email": "alice@example.com", "enabled": true, "attributes": {"team": ["blue"]},
                "credentials": [{"type": "password", "value": "alice-pw-1", "temporary": false}]}),
    );
    let r = admin.post(&format!("/admin/realms/shop/users/{user}/role-mappings/realm"), &json!([dev]));
    assert_eq!(r.status(), 204);
}

fn export_offline(data: &Path, file: &Path) -> Value {
    let o = run(&["export", "--realm", "shop", "--file", s(file), "--data-dir", s(data)]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

#[test]
fn offline_export_import_export_gives_the_same_document_and_a_working_realm() {
    let tmp = tempfile::tempdir().unwrap();
    let (d1, d2) = (tmp.path().join("one"), tmp.path().join("two"));
    let server = Server::start_with(Opts { data_dir: Some(d1.clone()), sqlite: true, ..Opts::default() });
    populate(&server);
    assert!(server.stop());

    let a = tmp.path().join("a.json");
    let first = export_offline(&d1, &a);
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(std::fs::metadata(&a).unwrap().permissions().mode() & 0o777, 0o600, "secrets inside: owner only");
    let billing = first["clients"].as_array().unwrap().iter().find(|c| c["clientId"] == "billing").unwrap();
    assert_eq!(billing["secret"], "billing-secret-0123456789");
    let alice = first["users"].as_array().unwrap().iter().find(|u| u["username"] == "alice").unwrap();
    assert_eq!(alice["credentials"][0]["type"], "password");
    assert!(!first.to_string().contains("alice-pw-1"), "passwords leave only as hashes");

    let o = run(&["import", "--file", s(&a), "--data-dir", s(&d2)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("imported realm shop"), "{}", stderr(&o));
    let second = export_offline(&d2, &tmp.path().join("b.json"));
    assert_eq!(first, second, "export -> import -> export is the same document");

    let o = run(&["import", "--file", s(&a), "--data-dir", s(&d2)]);
    assert_eq!(o.status.code(), Some(6), "the realm exists: {}", stderr(&o));

    // The imported realm works: the client's secret, the user's password, roles in tokens.
    let server = Server::start_with(Opts { data_dir: Some(d2.clone()), sqlite: true, ..Opts::default() });
    let (status, token) = client_credentials(&server, "shop", "billing", "billing-secret-0123456789", &[]);
    assert_eq!(status, 200, "{token}");
    let claims = crate::harness::claims(token["access_token"].as_str().unwrap());
    assert!(claims["realm_access"]["roles"].as_array().unwrap().iter().any(|r| r == "Developer"), "{claims}");
    let r = server
        .http
        .post(server.token_url("shop"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "admin-cli"),
            ("username", "alice"),
            ("password", "alice-pw-1"),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().unwrap();
    let roles = crate::harness::claims(t["access_token"].as_str().unwrap())["realm_access"]["roles"].clone();
    assert!(roles.as_array().unwrap().iter().any(|r| r == "Developer"), "{roles}");
}

fn import_file(text: &str) -> (std::process::Output, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("realm.json");
    std::fs::write(&file, text).unwrap();
    let o = run(&["import", "--file", s(&file), "--data-dir", s(&tmp.path().join("data"))]);
    (o, tmp)
}

#[test]
fn bad_files_are_refused_with_their_place_and_change_nothing() {
    let (o, tmp) = import_file("{\n  \"realm\": \"x\",\n  \"clients\": [ {\"clientId\": } ]\n}");
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert!(stderr(&o).contains("line 3, column"), "{}", stderr(&o));

    let doc = json!({"realm": "x",
        "clientScopes": [{"name": "a"}, {"name": "a"}],
        "roles": {"realm": [{"name": "R", "composites": {"realm": ["Ghost"]}}]},
        "clients": [{"clientId": "c", "defaultClientScopes": ["nope"]}, {"clientId": "c"}],
        "users": [{"username": "u", "realmRoles": ["Missing"]}, {"username": "U"},
                  {"username": "sa", "serviceAccountClientId": "nobody"}]});
    let (o, tmp2) = import_file(&doc.to_string());
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    let e = stderr(&o);
    for expected in [
        "clientScopes[1]: duplicate client scope 'a'",
        "clients[0] 'c'.defaultClientScopes: unknown client scope 'nope'",
        "clients[1] 'c': duplicate clientId",
        "roles.realm[0].composites: unknown realm role 'Ghost'",
        "users[0] 'u': unknown realm role 'Missing'",
        "users[1] 'U': duplicate username",
        "users[2] 'sa'.serviceAccountClientId: no client 'nobody' with service accounts enabled",
    ] {
        assert!(e.contains(expected), "expected '{expected}' in:\n{e}");
    }
    // Nothing was stored: the data dir has no realm x.
    let o = run(&["export", "--realm", "x", "--data-dir", s(&tmp2.path().join("data"))]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    drop(tmp);

    let (o, _t) = import_file(r#"{"clients": []}"#);
    assert_eq!(o.status.code(), Some(7));
    assert!(stderr(&o).contains("the realm name is required"), "{}", stderr(&o));
}

#[test]
fn a_keycloak_export_imports_online_and_offline_with_a_report() {
    // Offline: the report names what Portcullis does not keep.
    let (o, tmp) = import_file(KEYCLOAK_EXPORT);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    for skipped in [
        "smtpServer",
        "components",
        "authenticationFlows",
        "groups",
        "clients[*].nodeReRegistrationTimeout",
        "users[*].groups",
    ] {
        assert!(e.contains(skipped), "'{skipped}' reported as skipped in:\n{e}");
    }
    assert!(e.contains("user bob: password not kept"), "{e}");
    let server = Server::start_with(Opts { data_dir: Some(tmp.path().join("data")), sqlite: true, ..Opts::default() });
    let (status, token) =
        client_credentials(&server, "codemie-prod", "api-demo-project", "S3cr3t-from-keycloak-0123456789abcdef", &[]);
    assert_eq!(status, 200, "{token}");
    let claims = crate::harness::claims(token["access_token"].as_str().unwrap());
    assert_eq!(claims["applications"], json!(["demo-project"]), "{claims}");
    assert!(claims["scope"].as_str().unwrap().split(' ').any(|s| s == "codemie"), "{claims}");
    assert!(claims["realm_access"]["roles"].as_array().unwrap().iter().any(|r| r == "Developer"), "{claims}");
    assert_eq!(token["expires_in"], 28500);
    drop(server);

    // Online: POST /admin/realms with the whole export, as Keycloak accepts it.
    let server = Server::start();
    let admin = server.admin();
    let r = admin.post("/admin/realms?report=true", &serde_json::from_str::<Value>(KEYCLOAK_EXPORT).unwrap());
    assert_eq!(r.status(), 201);
    let report: Value = r.json().unwrap();
    assert_eq!(report["realm"], "codemie-prod");
    assert!(report["skipped"].as_array().unwrap().iter().any(|s| s == "smtpServer"), "{report}");
    let alice = server
        .http
        .post(server.token_url("codemie-prod"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "api-demo-project"),
            ("client_secret", "S3cr3t-from-keycloak-0123456789abcdef"),
            ("username", "alice"),
            ("password", "alice-pa55word"),
        ])
        .send()
        .unwrap();
    assert_eq!(alice.status(), 200, "a plaintext credential of the file is hashed and works");
    let again = admin.post("/admin/realms", &serde_json::from_str::<Value>(KEYCLOAK_EXPORT).unwrap());
    assert_eq!(again.status(), 409);
    let mut bad: Value = serde_json::from_str(KEYCLOAK_EXPORT).unwrap();
    bad["realm"] = json!("other");
    bad["clients"][1]["defaultClientScopes"] = json!(["missing-scope"]);
    let r = admin.post("/admin/realms", &bad);
    assert_eq!(r.status(), 400);
    assert!(r.text().unwrap().contains("unknown client scope 'missing-scope'"));
    assert_eq!(admin.get("/admin/realms/other").status(), 404, "nothing was created");

    // Keycloak's partial export: secrets masked, no users.
    let r = admin
        .post("/admin/realms/codemie-prod/partial-export?exportClients=true&exportGroupsAndRoles=true", &json!({}));
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().unwrap();
    let client = doc["clients"].as_array().unwrap().iter().find(|c| c["clientId"] == "api-demo-project").unwrap();
    assert_eq!(client["secret"], "**********");
    assert!(doc.get("users").is_none(), "{doc}");
    assert!(doc["roles"]["realm"].as_array().unwrap().iter().any(|r| r["name"] == "Admin"));
}

#[test]
fn serve_import_realm_imports_on_first_start_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("import");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("codemie.json"), KEYCLOAK_EXPORT).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a realm").unwrap();
    let data = tmp.path().join("data");
    let opts = Opts {
        data_dir: Some(data.clone()),
        sqlite: true,
        extra_args: vec!["--import-realm".into(), dir.to_str().unwrap().into()],
        ..Opts::default()
    };
    let server = Server::start_with(opts.clone());
    let (status, _) =
        client_credentials(&server, "codemie-prod", "api-demo-project", "S3cr3t-from-keycloak-0123456789abcdef", &[]);
    assert_eq!(status, 200, "imported on the first start");
    // A change made after the import survives the next start.
    let admin = server.admin();
    let mut realm = admin.get_json("/admin/realms/codemie-prod");
    realm["displayName"] = json!("Changed");
    assert_eq!(admin.put("/admin/realms/codemie-prod", &realm).status(), 204);
    assert!(server.stop());
    let server = Server::start_with(opts);
    assert_eq!(server.admin().get_json("/admin/realms/codemie-prod")["displayName"], "Changed");
    assert!(server.log.lock().unwrap().iter().any(|l| l.contains("realm exists; file not imported")));
}

#[test]
fn partial_import_adds_skips_or_overwrites_in_an_existing_realm() {
    let server = Server::with_realm("live");
    let admin = server.admin();
    admin.create("/admin/realms/live/roles", &json!({"name": "Developer", "description": "old"}));
    admin.create_service_client("live", "billing", "old-secret-0123456789");
    let doc = json!({
        "roles": {"realm": [{"name": "Developer", "description": "new"}, {"name": "Auditor"}],
                  "client": {"reports": [{"name": "read"}]}},
        "clients": [{"clientId": "billing", "secret": "new-secret-0123456789", "serviceAccountsEnabled": true},
                    {"clientId": "reports", "secret": "reports-secret-0123456789", "serviceAccountsEnabled": true}],
        "users": [{"username": "service-account-reports", "serviceAccountClientId": "reports",
                   "email": "reports@example.com", "realmRoles": ["Auditor"], "clientRoles": {"reports": ["read"]}},
                  {"username": "dana", "enabled": true, "credentials": [{"type": "password", "value": "dana-pw-1"}],
                   "realmRoles": ["Developer"]}]
    });
    let post = |policy: &str| {
        let mut d = doc.clone();
        d["ifResourceExists"] = json!(policy);
        admin.post("/admin/realms/live/partialImport", &d)
    };
    // FAIL (the default): Developer and billing exist, so nothing happens.
    let r = post("FAIL");
    assert_eq!(r.status(), 409);
    let body = r.text().unwrap();
    assert!(
        body.contains("roles.realm[0] 'Developer': exists") && body.contains("clients[0] 'billing': exists"),
        "{body}"
    );
    assert_eq!(admin.get("/admin/realms/live/roles/Auditor").status(), 404, "nothing was added");

    // SKIP: the existing ones stay as they were, the rest is added.
    let r = post("SKIP");
    assert_eq!(r.status(), 200);
    let out: Value = r.json().unwrap();
    assert_eq!(
        (out["added"].as_u64(), out["skipped"].as_u64(), out["overwritten"].as_u64()),
        (Some(5), Some(2), Some(0)),
        "{out}"
    );
    assert_eq!(admin.get_json("/admin/realms/live/roles/Developer")["description"], "old");
    assert_eq!(client_credentials(&server, "live", "billing", "old-secret-0123456789", &[]).0, 200);
    let (status, token) = client_credentials(&server, "live", "reports", "reports-secret-0123456789", &[]);
    assert_eq!(status, 200, "{token}");
    let c = crate::harness::claims(token["access_token"].as_str().unwrap());
    assert!(c["realm_access"]["roles"].as_array().unwrap().iter().any(|r| r == "Auditor"), "{c}");
    assert_eq!(c["resource_access"]["reports"]["roles"], json!(["read"]), "{c}");
    let dana = server
        .http
        .post(server.token_url("live"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "admin-cli"),
            ("username", "dana"),
            ("password", "dana-pw-1"),
        ])
        .send()
        .unwrap();
    assert_eq!(dana.status(), 200);

    // OVERWRITE: replaced by the file's version.
    let r = post("OVERWRITE");
    assert_eq!(r.status(), 200);
    let out: Value = r.json().unwrap();
    assert!(out["overwritten"].as_u64().unwrap() >= 3, "{out}");
    assert_eq!(admin.get_json("/admin/realms/live/roles/Developer")["description"], "new");
    assert_eq!(client_credentials(&server, "live", "billing", "new-secret-0123456789", &[]).0, 200);
    assert_eq!(client_credentials(&server, "live", "billing", "old-secret-0123456789", &[]).0, 401);

    // Unknown references are refused before anything happens.
    let r = admin
        .post("/admin/realms/live/partialImport", &json!({"users": [{"username": "eve", "realmRoles": ["Nope"]}]}));
    assert_eq!(r.status(), 400);
    assert!(r.text().unwrap().contains("users[0] 'eve': unknown realm role 'Nope'"));
}

#[test]
fn online_import_and_export_through_the_cli() {
    let server = Server::start();
    let cli = crate::cli_admin::Cli::new(&server);
    cli.login();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("codemie.json");
    std::fs::write(&file, KEYCLOAK_EXPORT).unwrap();
    let o = cli.run(&["import", "--online", "--file", s(&file)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("smtpServer"), "the report lists what was skipped: {}", stderr(&o));
    cli.fails(&["import", "--online", "--file", s(&file)], 6);
    let o = cli.run(&["import", "--online", "--file", s(&file), "--if-exists", "skip"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("\"skipped\""), "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&cli.ok(&["export", "--online", "--realm", "codemie-prod"])).unwrap();
    let client = doc["clients"].as_array().unwrap().iter().find(|c| c["clientId"] == "api-demo-project").unwrap();
    assert_eq!(client["secret"], "**********", "an online export masks secrets");
}
