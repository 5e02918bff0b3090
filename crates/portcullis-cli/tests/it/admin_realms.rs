//! `/admin/realms`: list, create, get, update, delete, and what a new realm starts with.

use serde_json::{json, Value};

use crate::harness::{assert_error, client_credentials, Server};

fn names(list: &Value, field: &str) -> Vec<String> {
    let mut v: Vec<String> =
        list.as_array().unwrap().iter().map(|x| x[field].as_str().unwrap_or_default().to_owned()).collect();
    v.sort();
    v
}

#[test]
fn create_answers_201_with_location_and_lists_it() {
    let server = Server::start();
    let admin = server.admin();
    let r = admin.post("/admin/realms", &json!({"realm": "acme", "enabled": true, "displayName": "Acme"}));
    assert_eq!(r.status(), 201);
    let loc = r.headers()["location"].to_str().unwrap();
    assert_eq!(loc, server.url("/admin/realms/acme"));

    let realms = admin.get_json("/admin/realms");
    assert_eq!(names(&realms, "realm"), vec!["acme", "master"]);

    let rep = admin.get_json("/admin/realms/acme");
    assert_eq!(rep["realm"], "acme");
    assert_eq!(rep["displayName"], "Acme");
    assert_eq!(rep["enabled"], true);
    assert_eq!(rep["accessTokenLifespan"], 300);
    assert!(rep["id"].as_str().is_some_and(|i| !i.is_empty()), "{rep}");

    // The realm is live at once: its discovery document answers.
    let r = server.http.get(server.url("/realms/acme/.well-known/openid-configuration")).send().unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn create_refuses_duplicates_missing_and_invalid_names() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("dup");
    assert_error(admin.post("/admin/realms", &json!({"realm": "dup"})), 409);
    assert_error(admin.post("/admin/realms", &json!({"realm": "master"})), 409);
    assert_error(admin.post("/admin/realms", &json!({"enabled": true})), 400);
    assert_error(admin.post("/admin/realms", &json!({"realm": ""})), 400);
    assert_error(admin.post("/admin/realms", &json!({"realm": "a b"})), 400);
    assert_error(admin.post("/admin/realms", &json!({"realm": "a/b"})), 400);
    assert_error(admin.post("/admin/realms", &json!({"realm": "ok", "accessTokenLifespan": 0})), 400);
    // Not JSON at all.
    let r = server
        .http
        .post(server.url("/admin/realms"))
        .bearer_auth(&admin.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .unwrap();
    assert_error(r, 400);
    // Nothing was created by the failures.
    assert_eq!(names(&admin.get_json("/admin/realms"), "realm"), vec!["dup", "master"]);
}

#[test]
fn unknown_realm_is_404() {
    let server = Server::start();
    let admin = server.admin();
    assert_error(admin.get("/admin/realms/nope"), 404);
    assert_error(admin.put("/admin/realms/nope", &json!({"displayName": "x"})), 404);
    assert_error(admin.delete("/admin/realms/nope"), 404);
    assert_error(admin.get("/admin/realms/nope/clients"), 404);
    assert_error(admin.get("/admin/realms/nope/users"), 404);
}

#[test]
fn update_changes_settings_and_keeps_absent_ones() {
    let server = Server::start();
    let admin = server.admin();
    admin.create("/admin/realms", &json!({"realm": "upd", "displayName": "Before"}));
    admin.create_service_client("upd", "svc", "svc-secret");

    let r = admin.put("/admin/realms/upd", &json!({"displayName": "After", "accessTokenLifespan": 120}));
    assert_eq!(r.status(), 204);
    let rep = admin.get_json("/admin/realms/upd");
    assert_eq!(rep["displayName"], "After");
    assert_eq!(rep["accessTokenLifespan"], 120);
    assert_eq!(rep["enabled"], true);

    // New tokens use the new lifespan.
    let (status, body) = client_credentials(&server, "upd", "svc", "svc-secret", &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], 120);

    // Only the fields given change.
    assert_eq!(admin.put("/admin/realms/upd", &json!({"enabled": false})).status(), 204);
    let rep = admin.get_json("/admin/realms/upd");
    assert_eq!(rep["enabled"], false);
    assert_eq!(rep["displayName"], "After");
    assert_eq!(rep["accessTokenLifespan"], 120);
}

#[test]
fn update_refuses_invalid_lifespan_and_keeps_the_old_one() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("life");
    assert_error(admin.put("/admin/realms/life", &json!({"accessTokenLifespan": 0})), 400);
    assert_error(admin.put("/admin/realms/life", &json!({"accessTokenLifespan": -5})), 400);
    assert_error(admin.put("/admin/realms/life", &json!({"accessTokenLifespan": "soon"})), 400);
    assert_error(admin.put("/admin/realms/life", &json!({"realm": "bad name"})), 400);
    let rep = admin.get_json("/admin/realms/life");
    assert_eq!(rep["accessTokenLifespan"], 300);
    assert_eq!(rep["realm"], "life");
}

#[test]
fn rename_moves_the_realm() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("old-name");
    admin.create_service_client("old-name", "svc", "svc-secret");
    assert_eq!(admin.put("/admin/realms/old-name", &json!({"realm": "new-name"})).status(), 204);
    assert_error(admin.get("/admin/realms/old-name"), 404);
    assert_eq!(admin.get_json("/admin/realms/new-name")["realm"], "new-name");
    let (status, body) = client_credentials(&server, "new-name", "svc", "svc-secret", &[]);
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].as_str().is_some());
    let (status, _) = client_credentials(&server, "old-name", "svc", "svc-secret", &[]);
    assert!((400..500).contains(&status), "{status}");

    // Renaming onto an existing realm is a conflict; the master realm keeps its name.
    admin.create_realm("taken");
    assert_error(admin.put("/admin/realms/new-name", &json!({"realm": "taken"})), 409);
    assert_error(admin.put("/admin/realms/master", &json!({"realm": "boss"})), 400);
    assert_eq!(admin.get_json("/admin/realms/master")["realm"], "master");
}

#[test]
fn delete_removes_the_realm() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("gone");
    admin.create_service_client("gone", "svc", "svc-secret");
    let (status, _) = client_credentials(&server, "gone", "svc", "svc-secret", &[]);
    assert_eq!(status, 200);

    assert_eq!(admin.delete("/admin/realms/gone").status(), 204);
    assert_error(admin.get("/admin/realms/gone"), 404);
    assert_error(admin.delete("/admin/realms/gone"), 404);
    assert_eq!(names(&admin.get_json("/admin/realms"), "realm"), vec!["master"]);
    let (status, _) = client_credentials(&server, "gone", "svc", "svc-secret", &[]);
    assert!((400..500).contains(&status), "{status}");
    let r = server.http.get(server.url("/realms/gone/protocol/openid-connect/certs")).send().unwrap();
    assert_eq!(r.status(), 404);

    // The name can be used again, for a fresh realm without the old client.
    admin.create_realm("gone");
    assert_eq!(admin.get_json("/admin/realms/gone/clients?clientId=svc"), json!([]));
}

#[test]
fn master_cannot_be_deleted() {
    let server = Server::start();
    let admin = server.admin();
    assert_error(admin.delete("/admin/realms/master"), 400);
    assert_eq!(admin.get_json("/admin/realms/master")["realm"], "master");
    // Admin login still works.
    assert_eq!(server.admin().get("/admin/realms").status(), 200);
}

#[test]
fn new_realm_has_keycloak_default_scopes_and_roles() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("fresh");
    let scopes = admin.get_json("/admin/realms/fresh/client-scopes");
    assert_eq!(names(&scopes, "name"), vec!["acr", "basic", "email", "profile", "roles", "web-origins"]);
    for s in scopes.as_array().unwrap() {
        assert_eq!(s["protocol"], "openid-connect", "{s}");
        assert!(s["id"].as_str().is_some_and(|i| !i.is_empty()), "{s}");
    }
    let profile = scopes.as_array().unwrap().iter().find(|s| s["name"] == "profile").unwrap();
    let mappers = profile["protocolMappers"].as_array().unwrap();
    assert!(mappers.iter().any(|m| m["protocolMapper"] == "oidc-usermodel-property-mapper"
        && m["config"]["claim.name"] == "preferred_username"));

    let roles = admin.get_json("/admin/realms/fresh/roles");
    assert_eq!(names(&roles, "name"), vec!["default-roles-fresh", "offline_access", "uma_authorization"]);
    let default_role = admin.get_json("/admin/realms/fresh/roles/default-roles-fresh");
    assert_eq!(default_role["composite"], true);
    assert_eq!(default_role["clientRole"], false);

    // Another realm's defaults are its own objects.
    admin.create_realm("fresh2");
    let scopes2 = admin.get_json("/admin/realms/fresh2/client-scopes");
    let ids = |v: &Value| names(v, "id");
    assert!(ids(&scopes).iter().all(|i| !ids(&scopes2).contains(i)));
    assert_eq!(
        names(&admin.get_json("/admin/realms/fresh2/roles"), "name"),
        vec!["default-roles-fresh2", "offline_access", "uma_authorization"]
    );
}

#[test]
fn unknown_fields_are_accepted_and_ignored() {
    let server = Server::start();
    let admin = server.admin();
    let r = admin.post(
        "/admin/realms",
        &json!({
            "realm": "kc",
            "enabled": true,
            "bruteForceProtected": true,
            "smtpServer": {},
            "registrationAllowed": false,
            "passwordPolicy": "length(8)",
            "eventsListeners": ["jboss-logging"],
            "otpPolicyDigits": 6,
            "browserSecurityHeaders": {"xFrameOptions": "SAMEORIGIN"}
        }),
    );
    assert_eq!(r.status(), 201);
    let rep = admin.get_json("/admin/realms/kc");
    assert_eq!(rep["realm"], "kc");
    assert!(rep.get("smtpServer").is_none(), "{rep}");

    let r =
        admin.put("/admin/realms/kc", &json!({"displayName": "KC", "bruteForceProtected": false, "smtpServer": {}}));
    assert_eq!(r.status(), 204);
    assert_eq!(admin.get_json("/admin/realms/kc")["displayName"], "KC");

    // A GET representation can be sent back unchanged.
    let rep = admin.get_json("/admin/realms/kc");
    assert_eq!(admin.put("/admin/realms/kc", &rep).status(), 204);
    assert_eq!(admin.get_json("/admin/realms/kc"), rep);
}

#[test]
fn disabled_realm_issues_no_tokens() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("off");
    admin.create_service_client("off", "svc", "svc-secret");
    let (status, _) = client_credentials(&server, "off", "svc", "svc-secret", &[]);
    assert_eq!(status, 200);

    assert_eq!(admin.put("/admin/realms/off", &json!({"enabled": false})).status(), 204);
    let (status, body) = client_credentials(&server, "off", "svc", "svc-secret", &[]);
    assert!((400..500).contains(&status), "{status} {body}");
    assert!(body.get("access_token").is_none(), "{body}");
    assert!(body["error"].as_str().is_some(), "{body}");

    assert_eq!(admin.put("/admin/realms/off", &json!({"enabled": true})).status(), 204);
    let (status, body) = client_credentials(&server, "off", "svc", "svc-secret", &[]);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn old_name_of_a_renamed_realm_can_be_used_again() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("first");
    assert_eq!(admin.put("/admin/realms/first", &json!({"realm": "second"})).status(), 204);
    let r = admin.post("/admin/realms", &json!({"realm": "first"}));
    assert_eq!(r.status(), 201, "{}", r.text().unwrap_or_default());
    assert_eq!(names(&admin.get_json("/admin/realms"), "realm"), vec!["first", "master", "second"]);
    let a = admin.get_json("/admin/realms/first");
    let b = admin.get_json("/admin/realms/second");
    assert_ne!(a["id"], b["id"]);
    // Each has its own objects.
    admin.create_service_client("first", "svc", "s1");
    assert_eq!(admin.get_json("/admin/realms/second/clients?clientId=svc"), json!([]));
}

#[test]
fn a_trailing_slash_is_accepted_as_keycloak_does() {
    // keycloak-admin-client creates realms with POST /admin/realms/.
    let server = Server::start();
    let admin = server.admin();
    let r = admin.post("/admin/realms/", &json!({"realm": "slashed", "enabled": true}));
    assert_eq!(r.status(), 201);
    assert_eq!(admin.get("/admin/realms/slashed/").status(), 200);
    let d = server.http.get(server.url("/realms/slashed/.well-known/openid-configuration/")).send().unwrap();
    assert_eq!(d.status(), 200);
    assert_eq!(admin.get("/admin/realms/nope/").status(), 404, "still a 404 when there is nothing");
}
