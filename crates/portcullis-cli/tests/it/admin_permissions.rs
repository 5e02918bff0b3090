//! Realm administrators: a user of realm A with `realm-management` roles administers A as
//! far as the roles go and never touches realm B. Every admin endpoint is in the table
//! below, with the area a Keycloak admin would expect it to need.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::Server;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Area {
    Realm,
    Clients,
    Users,
    Events,
}
use Area::*;

/// Every route below `/admin/realms/{realm}` (ids are placeholders: a refusal comes before
/// any lookup, and an allowed request for a missing id is a 404, never a 403).
const ENDPOINTS: &[(&str, &str, Area)] = &[
    ("GET", "", Realm),
    ("PUT", "", Realm),
    ("DELETE", "", Realm),
    ("POST", "/push-revocation", Realm),
    ("GET", "/keys", Realm),
    ("POST", "/keys/rotate", Realm),
    ("GET", "/clients", Clients),
    ("POST", "/clients", Clients),
    ("GET", "/clients/x", Clients),
    ("PUT", "/clients/x", Clients),
    ("DELETE", "/clients/x", Clients),
    ("GET", "/clients/x/client-secret", Clients),
    ("POST", "/clients/x/client-secret", Clients),
    ("GET", "/clients/x/client-secret/rotated", Clients),
    ("DELETE", "/clients/x/client-secret/rotated", Clients),
    ("GET", "/clients/x/service-account-user", Clients),
    ("POST", "/clients/x/push-revocation", Clients),
    ("GET", "/clients/x/roles", Clients),
    ("POST", "/clients/x/roles", Clients),
    ("GET", "/clients/x/roles/r", Clients),
    ("DELETE", "/clients/x/roles/r", Clients),
    ("GET", "/clients/x/default-client-scopes", Clients),
    ("GET", "/clients/x/optional-client-scopes", Clients),
    ("PUT", "/clients/x/default-client-scopes/s", Clients),
    ("DELETE", "/clients/x/default-client-scopes/s", Clients),
    ("PUT", "/clients/x/optional-client-scopes/s", Clients),
    ("DELETE", "/clients/x/optional-client-scopes/s", Clients),
    ("GET", "/clients/x/protocol-mappers/models", Clients),
    ("POST", "/clients/x/protocol-mappers/models", Clients),
    ("POST", "/clients/x/protocol-mappers/add-models", Clients),
    ("GET", "/clients/x/protocol-mappers/models/m", Clients),
    ("PUT", "/clients/x/protocol-mappers/models/m", Clients),
    ("DELETE", "/clients/x/protocol-mappers/models/m", Clients),
    ("GET", "/client-scopes", Clients),
    ("POST", "/client-scopes", Clients),
    ("GET", "/client-scopes/s", Clients),
    ("PUT", "/client-scopes/s", Clients),
    ("DELETE", "/client-scopes/s", Clients),
    ("GET", "/client-scopes/s/protocol-mappers/models", Clients),
    ("POST", "/client-scopes/s/protocol-mappers/models", Clients),
    ("POST", "/client-scopes/s/protocol-mappers/add-models", Clients),
    ("GET", "/client-scopes/s/protocol-mappers/models/m", Clients),
    ("PUT", "/client-scopes/s/protocol-mappers/models/m", Clients),
    ("DELETE", "/client-scopes/s/protocol-mappers/models/m", Clients),
    ("GET", "/roles", Realm),
    ("POST", "/roles", Realm),
    ("GET", "/roles/r", Realm),
    ("PUT", "/roles/r", Realm),
    ("DELETE", "/roles/r", Realm),
    ("GET", "/users", Users),
    ("POST", "/users", Users),
    ("GET", "/users/count", Users),
    ("GET", "/users/u", Users),
    ("PUT", "/users/u", Users),
    ("DELETE", "/users/u", Users),
    ("PUT", "/users/u/reset-password", Users),
    ("GET", "/users/u/role-mappings", Users),
    ("GET", "/users/u/role-mappings/realm", Users),
    ("POST", "/users/u/role-mappings/realm", Users),
    ("DELETE", "/users/u/role-mappings/realm", Users),
    ("GET", "/users/u/role-mappings/realm/composite", Users),
    ("GET", "/users/u/role-mappings/clients/x", Users),
    ("POST", "/users/u/role-mappings/clients/x", Users),
    ("DELETE", "/users/u/role-mappings/clients/x", Users),
    ("GET", "/attack-detection/brute-force", Users),
    ("DELETE", "/attack-detection/brute-force", Users),
    ("GET", "/attack-detection/brute-force/users", Users),
    ("DELETE", "/attack-detection/brute-force/users", Users),
    ("GET", "/attack-detection/brute-force/users/u", Users),
    ("DELETE", "/attack-detection/brute-force/users/u", Users),
    ("GET", "/events", Events),
    ("DELETE", "/events", Events),
    ("GET", "/admin-events", Events),
    ("DELETE", "/admin-events", Events),
    ("GET", "/events/config", Events),
    ("PUT", "/events/config", Events),
];

fn call(server: &Server, token: &str, method: &str, path: &str) -> u16 {
    let m = Method::from_bytes(method.as_bytes()).unwrap();
    let mut rb = server.http.request(m.clone(), server.url(path)).bearer_auth(token);
    if m != Method::GET && m != Method::DELETE {
        rb = rb.json(&json!({}));
    }
    rb.send().unwrap().status().as_u16()
}

/// A user of `realm` holding these `realm-management` roles; returns a token of theirs.
fn realm_admin(server: &Server, realm: &str, username: &str, roles: &[&str]) -> String {
    let admin = server.admin();
    let uid = admin.create(
        &format!("/admin/realms/{realm}/users"),
        &json!({"username": username, "enabled": true,
                "credentials": [{"type": "password", "value": "pw", "temporary": false}]}),
    );
    let rm = admin.get_json(&format!("/admin/realms/{realm}/clients?clientId=realm-management"))[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reps: Vec<Value> = roles.iter().map(|r| json!({"name": r})).collect();
    let r = admin.post(&format!("/admin/realms/{realm}/users/{uid}/role-mappings/clients/{rm}"), &json!(reps));
    assert_eq!(r.status(), 204, "{}", r.text().unwrap());
    let r = server
        .http
        .post(server.token_url(realm))
        .form(&[("grant_type", "password"), ("client_id", "admin-cli"), ("username", username), ("password", "pw")])
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().unwrap()["access_token"].as_str().unwrap().to_owned();
    let mut granted: Vec<Value> =
        crate::harness::claims(&token)["resource_access"]["realm-management"]["roles"].as_array().unwrap().clone();
    granted.sort_by_key(|v| v.to_string());
    let mut want: Vec<Value> = roles.iter().map(|r| json!(r)).collect();
    want.sort_by_key(|v| v.to_string());
    assert_eq!(granted, want, "the token carries the roles");
    token
}

#[test]
fn realm_management_roles_grant_their_area_of_their_realm_only() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("a");
    admin.create_realm("b");
    let full = realm_admin(&server, "a", "a-admin", &["realm-admin"]);
    let clients_viewer = realm_admin(&server, "a", "a-viewer", &["view-clients"]);
    let user_manager = realm_admin(&server, "a", "a-users", &["manage-users"]);

    let mut checked = 0;
    for (method, sub, area) in ENDPOINTS {
        let read = *method == "GET";
        // Realm B is out of reach of every realm-A token, whatever the roles.
        for token in [&full, &clients_viewer, &user_manager] {
            assert_eq!(call(&server, token, method, &format!("/admin/realms/b{sub}")), 403, "{method} b{sub}");
        }
        let on_a = |t: &str| call(&server, t, method, &format!("/admin/realms/a{sub}"));
        let viewer_ok = *area == Clients && read;
        let users_ok = *area == Users;
        assert_eq!(on_a(&clients_viewer) == 403, !viewer_ok, "view-clients: {method} a{sub}");
        // Destructive calls on the realm itself are left out of the allowed side.
        if *area != Realm || read {
            assert_eq!(on_a(&user_manager) == 403, !users_ok, "manage-users: {method} a{sub}");
        }
        if read {
            assert_ne!(on_a(&full), 403, "realm-admin: {method} a{sub}");
        }
        checked += 1;
    }
    assert_eq!(checked, ENDPOINTS.len());

    // Listing shows only the own realm; creating realms is the master admin's.
    let list: Value = server.http.get(server.url("/admin/realms")).bearer_auth(&full).send().unwrap().json().unwrap();
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["realm"].as_str().unwrap()).collect();
    assert_eq!(names, ["a"]);
    let r =
        server.http.post(server.url("/admin/realms")).bearer_auth(&full).json(&json!({"realm": "c"})).send().unwrap();
    assert_eq!(r.status(), 403);
    // The master admin still reaches everything.
    assert_eq!(admin.get("/admin/realms/b/users").status(), 200);

    // The realm-admin of A really administers A: create a client and read its secret.
    let r = server
        .http
        .post(server.url("/admin/realms/a/clients"))
        .bearer_auth(&full)
        .json(&json!({"clientId": "made-by-a-admin", "secret": "s", "serviceAccountsEnabled": true}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(crate::harness::client_credentials(&server, "a", "made-by-a-admin", "s", &[]).0, 200);
}

#[test]
fn client_roles_and_their_mappings_follow_keycloak() {
    let server = Server::with_realm("cr");
    let admin = server.admin();
    let app = admin.create_service_client("cr", "app", "s");
    let uri = admin.post(&format!("/admin/realms/cr/clients/{app}/roles"), &json!({"name": "reader"}));
    assert_eq!(uri.status(), 201);
    assert!(uri.headers()["location"].to_str().unwrap().ends_with(&format!("/clients/{app}/roles/reader")));
    assert_eq!(admin.post(&format!("/admin/realms/cr/clients/{app}/roles"), &json!({"name": "reader"})).status(), 409);
    let role = admin.get_json(&format!("/admin/realms/cr/clients/{app}/roles/reader"));
    assert_eq!((role["clientRole"].as_bool(), role["containerId"].as_str()), (Some(true), Some(app.as_str())));

    let uid = admin.create("/admin/realms/cr/users", &json!({"username": "dora"}));
    let path = format!("/admin/realms/cr/users/{uid}/role-mappings/clients/{app}");
    assert_eq!(admin.post(&path, &json!([{"id": role["id"], "name": "reader"}])).status(), 204);
    assert_eq!(admin.post(&path, &json!([{"name": "writer"}])).status(), 404);
    assert_eq!(admin.get_json(&path)[0]["name"], "reader");
    let all = admin.get_json(&format!("/admin/realms/cr/users/{uid}/role-mappings"));
    assert_eq!(all["clientMappings"]["app"]["mappings"][0]["name"], "reader", "{all}");
    assert_eq!(all["clientMappings"]["app"]["id"], app.as_str());

    // The service account's client roles reach its tokens as resource_access.
    let sa = admin.get_json(&format!("/admin/realms/cr/clients/{app}/service-account-user"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sa_path = format!("/admin/realms/cr/users/{sa}/role-mappings/clients/{app}");
    assert_eq!(admin.post(&sa_path, &json!([{"name": "reader"}])).status(), 204);
    let (status, body) = crate::harness::client_credentials(&server, "cr", "app", "s", &[]);
    assert_eq!(status, 200);
    let claims = crate::harness::claims(body["access_token"].as_str().unwrap());
    assert_eq!(claims["resource_access"]["app"]["roles"], json!(["reader"]), "{claims}");

    assert_eq!(admin.delete(&path).status(), 415, "a DELETE of mappings needs the roles as its body");
    let r = server
        .http
        .delete(server.url(&path))
        .bearer_auth(&admin.token)
        .json(&json!([{"name": "reader"}]))
        .send()
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(admin.get_json(&path), json!([]));
    assert_eq!(admin.delete(&format!("/admin/realms/cr/clients/{app}/roles/reader")).status(), 204);
    assert_eq!(admin.get(&format!("/admin/realms/cr/clients/{app}/roles/reader")).status(), 404);
}

#[test]
fn realms_of_an_earlier_release_get_realm_management_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let opts = crate::harness::Opts { data_dir: Some(dir.path().to_owned()), ..Default::default() };
    let server = Server::start_with(opts.clone());
    let admin = server.admin();
    admin.create_realm("old");
    // What an earlier release left: a realm without admin-cli and realm-management.
    for client_id in ["admin-cli", "realm-management"] {
        let id = admin.get_json(&format!("/admin/realms/old/clients?clientId={client_id}"))[0]["id"].clone();
        assert_eq!(admin.delete(&format!("/admin/realms/old/clients/{}", id.as_str().unwrap())).status(), 204);
    }
    let database = server.database.clone();
    assert!(server.stop());
    let server = Server::start_with(crate::harness::Opts { database, ..opts });
    let admin = server.admin();
    let rm = admin.get_json("/admin/realms/old/clients?clientId=realm-management");
    let rm_id = rm[0]["id"].as_str().expect("realm-management is back");
    assert_eq!(rm[0]["bearerOnly"], true);
    let roles = admin.get_json(&format!("/admin/realms/old/clients/{rm_id}/roles"));
    assert_eq!(roles.as_array().unwrap().len(), 19);
    assert_eq!(admin.get_json("/admin/realms/old/clients?clientId=admin-cli")[0]["publicClient"], true);
    // And the realm's admins can use them at once.
    realm_admin(&server, "old", "late-admin", &["view-realm"]);
}

#[test]
fn manage_users_cannot_grant_administration_it_does_not_hold() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("esc");
    let users_admin = realm_admin(&server, "esc", "helpdesk", &["manage-users", "view-clients"]);
    let me =
        admin.get_json("/admin/realms/esc/users?username=helpdesk&exact=true")[0]["id"].as_str().unwrap().to_owned();
    let rm =
        admin.get_json("/admin/realms/esc/clients?clientId=realm-management")[0]["id"].as_str().unwrap().to_owned();
    let grant = |role: &str| {
        server
            .http
            .post(server.url(&format!("/admin/realms/esc/users/{me}/role-mappings/clients/{rm}")))
            .bearer_auth(&users_admin)
            .json(&json!([{"name": role}]))
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(grant("realm-admin"), 403, "no self-promotion to realm-admin");
    assert_eq!(grant("manage-realm"), 403);
    assert_eq!(grant("view-clients"), 204, "a role it holds may be granted");
    // Ordinary client roles are not administration: manage-users maps them freely.
    let app = admin.create_service_client("esc", "app", "s");
    admin.post(&format!("/admin/realms/esc/clients/{app}/roles"), &json!({"name": "reader"}));
    let r = server
        .http
        .post(server.url(&format!("/admin/realms/esc/users/{me}/role-mappings/clients/{app}")))
        .bearer_auth(&users_admin)
        .json(&json!([{"name": "reader"}]))
        .send()
        .unwrap();
    assert_eq!(r.status(), 204);
    // The master admin grants anything.
    let r = admin
        .post(&format!("/admin/realms/esc/users/{me}/role-mappings/clients/{rm}"), &json!([{"name": "realm-admin"}]));
    assert_eq!(r.status(), 204);
}
