//! `/admin/realms/{realm}/clients`: CRUD, secrets, service accounts, Keycloak's JSON.

use serde_json::{json, Value};

use crate::harness::{assert_error, claims, client_credentials, Server};

const R: &str = "/admin/realms/apps";

fn sorted(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_owned()).collect();
    out.sort();
    out
}

/// A server with realm `apps`.
fn setup() -> Server {
    Server::with_realm("apps")
}

#[test]
fn create_with_secret_keeps_it() {
    let server = setup();
    let admin = server.admin();
    let r = admin.post(
        &format!("{R}/clients"),
        &json!({"clientId": "keep", "secret": "my-own-secret", "serviceAccountsEnabled": true}),
    );
    assert_eq!(r.status(), 201);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    let id = loc.rsplit('/').next().unwrap().to_owned();
    assert_eq!(loc, server.url(&format!("{R}/clients/{id}")));

    let rep = admin.get_json(&format!("{R}/clients/{id}"));
    assert_eq!(rep["id"], id.as_str());
    assert_eq!(rep["clientId"], "keep");
    let secret = admin.get_json(&format!("{R}/clients/{id}/client-secret"));
    assert_eq!(secret, json!({"type": "secret", "value": "my-own-secret"}));
    let (status, body) = client_credentials(&server, "apps", "keep", "my-own-secret", &[]);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn create_without_secret_generates_one() {
    let server = setup();
    let admin = server.admin();
    let id = admin.create(&format!("{R}/clients"), &json!({"clientId": "gen", "serviceAccountsEnabled": true}));
    let secret = admin.get_json(&format!("{R}/clients/{id}/client-secret"));
    assert_eq!(secret["type"], "secret");
    let value = secret["value"].as_str().unwrap();
    assert_eq!(value.len(), 32, "{value}");
    assert!(value.chars().all(|c| c.is_ascii_alphanumeric()), "{value}");
    let (status, body) = client_credentials(&server, "apps", "gen", value, &[]);
    assert_eq!(status, 200, "{body}");

    // Two clients do not share a generated secret.
    let id2 = admin.create(&format!("{R}/clients"), &json!({"clientId": "gen2"}));
    let other = admin.get_json(&format!("{R}/clients/{id2}/client-secret"));
    assert_ne!(other["value"], secret["value"]);
}

#[test]
fn public_client_has_no_secret() {
    let server = setup();
    let admin = server.admin();
    let id = admin.create(&format!("{R}/clients"), &json!({"clientId": "spa", "publicClient": true}));
    let rep = admin.get_json(&format!("{R}/clients/{id}"));
    assert_eq!(rep["publicClient"], true);
    assert!(rep.get("secret").is_none(), "{rep}");
    assert_error(admin.get(&format!("{R}/clients/{id}/client-secret")), 400);
    assert_error(admin.post(&format!("{R}/clients/{id}/client-secret"), &json!({})), 400);
    // A public client with service accounts is contradictory.
    assert_error(
        admin.post(
            &format!("{R}/clients"),
            &json!({"clientId": "bad", "publicClient": true, "serviceAccountsEnabled": true}),
        ),
        400,
    );
}

#[test]
fn list_filters_by_client_id() {
    let server = setup();
    let admin = server.admin();
    for c in ["orders-api", "orders-worker", "billing"] {
        admin.create(&format!("{R}/clients"), &json!({"clientId": c}));
    }
    let all = admin.get_json(&format!("{R}/clients"));
    let ids: Vec<&str> = all.as_array().unwrap().iter().map(|c| c["clientId"].as_str().unwrap()).collect();
    // Every realm starts with Keycloak's admin-cli and realm-management.
    assert_eq!(ids, vec!["admin-cli", "billing", "orders-api", "orders-worker", "realm-management"]);

    let one = admin.get_json(&format!("{R}/clients?clientId=orders-api"));
    assert_eq!(one.as_array().unwrap().len(), 1, "{one}");
    assert_eq!(one[0]["clientId"], "orders-api");
    // Without search the match is exact.
    assert_eq!(admin.get_json(&format!("{R}/clients?clientId=orders")), json!([]));

    let some = admin.get_json(&format!("{R}/clients?clientId=orders&search=true"));
    let mut ids: Vec<&str> = some.as_array().unwrap().iter().map(|c| c["clientId"].as_str().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, vec!["orders-api", "orders-worker"]);
    let some = admin.get_json(&format!("{R}/clients?clientId=ILL&search=true"));
    assert_eq!(some.as_array().unwrap().len(), 1, "{some}");
    assert_eq!(some[0]["clientId"], "billing");

    // Paging.
    let page = admin.get_json(&format!("{R}/clients?first=2&max=1"));
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["clientId"], "orders-api");
}

#[test]
fn create_refuses_duplicates_and_missing_client_id() {
    let server = setup();
    let admin = server.admin();
    admin.create(&format!("{R}/clients"), &json!({"clientId": "twice"}));
    assert_error(admin.post(&format!("{R}/clients"), &json!({"clientId": "twice"})), 409);
    assert_error(admin.post(&format!("{R}/clients"), &json!({"name": "no id"})), 400);
    assert_error(admin.post(&format!("{R}/clients"), &json!({"clientId": ""})), 400);
    assert_error(admin.post(&format!("{R}/clients"), &json!({"clientId": "x", "protocol": "saml"})), 400);
    assert_eq!(admin.get_json(&format!("{R}/clients?clientId=twice")).as_array().unwrap().len(), 1);
    // The same clientId in another realm is another client.
    admin.create_realm("apps2");
    admin.create("/admin/realms/apps2/clients", &json!({"clientId": "twice"}));
}

#[test]
fn unknown_client_is_404() {
    let server = setup();
    let admin = server.admin();
    let missing = format!("{R}/clients/00000000-0000-0000-0000-000000000000");
    assert_error(admin.get(&missing), 404);
    assert_error(admin.put(&missing, &json!({"name": "x"})), 404);
    assert_error(admin.delete(&missing), 404);
    assert_error(admin.get(&format!("{missing}/client-secret")), 404);
    assert_error(admin.post(&format!("{missing}/client-secret"), &json!({})), 404);
    assert_error(admin.get(&format!("{missing}/service-account-user")), 404);
    // A client of another realm is not found through this one.
    admin.create_realm("elsewhere");
    let id = admin.create("/admin/realms/elsewhere/clients", &json!({"clientId": "there"}));
    assert_error(admin.get(&format!("{R}/clients/{id}")), 404);
}

#[test]
fn update_is_partial() {
    let server = setup();
    let admin = server.admin();
    let id = admin.create(
        &format!("{R}/clients"),
        &json!({
            "clientId": "web", "name": "Web", "description": "first",
            "redirectUris": ["https://a.example.com/*"], "webOrigins": ["https://a.example.com"],
            "directAccessGrantsEnabled": true, "attributes": {"keep.me": "yes", "change.me": "1"},
            "secret": "web-secret"
        }),
    );
    let path = format!("{R}/clients/{id}");
    let r = admin.put(
        &path,
        &json!({
            "name": "Web app", "description": "second",
            "redirectUris": ["https://b.example.com/cb"], "webOrigins": ["https://b.example.com", "+"],
            "attributes": {"change.me": "2", "new.one": "x"}
        }),
    );
    assert_eq!(r.status(), 204);
    let rep = admin.get_json(&path);
    assert_eq!(rep["clientId"], "web");
    assert_eq!(rep["name"], "Web app");
    assert_eq!(rep["description"], "second");
    assert_eq!(rep["redirectUris"], json!(["https://b.example.com/cb"]));
    assert_eq!(rep["webOrigins"], json!(["https://b.example.com", "+"]));
    assert_eq!(rep["attributes"]["change.me"], "2");
    assert_eq!(rep["attributes"]["new.one"], "x");
    assert_eq!(rep["attributes"]["keep.me"], "yes");
    // Absent fields stay as they were.
    assert_eq!(rep["directAccessGrantsEnabled"], true);
    assert_eq!(rep["publicClient"], false);
    assert_eq!(rep["enabled"], true);
    assert_eq!(admin.get_json(&format!("{path}/client-secret"))["value"], "web-secret");

    // A body with only one flag changes only that flag.
    assert_eq!(admin.put(&path, &json!({"enabled": false})).status(), 204);
    let rep2 = admin.get_json(&path);
    assert_eq!(rep2["enabled"], false);
    assert_eq!(rep2["name"], "Web app");
    assert_eq!(rep2["redirectUris"], json!(["https://b.example.com/cb"]));

    // The GET representation can be sent back as is (what admin consoles do).
    assert_eq!(admin.put(&path, &rep2).status(), 204);
    assert_eq!(admin.get_json(&path), rep2);

    // Invalid updates are refused and change nothing.
    assert_error(admin.put(&path, &json!({"clientId": ""})), 400);
    assert_error(admin.put(&path, &json!({"clientAuthenticatorType": "client-x509"})), 400);
    assert_eq!(admin.get_json(&path), rep2);
}

#[test]
fn renaming_onto_an_existing_client_id_is_409() {
    let server = setup();
    let admin = server.admin();
    admin.create(&format!("{R}/clients"), &json!({"clientId": "first"}));
    let id = admin.create(&format!("{R}/clients"), &json!({"clientId": "second"}));
    assert_error(admin.put(&format!("{R}/clients/{id}"), &json!({"clientId": "first"})), 409);
    assert_eq!(admin.get_json(&format!("{R}/clients/{id}"))["clientId"], "second");
}

#[test]
fn regenerating_the_secret_revokes_the_old_one() {
    let server = setup();
    let admin = server.admin();
    let id = admin.create_service_client("apps", "rot", "old-secret");
    let (status, _) = client_credentials(&server, "apps", "rot", "old-secret", &[]);
    assert_eq!(status, 200);

    let r = admin.post(&format!("{R}/clients/{id}/client-secret"), &json!({}));
    assert_eq!(r.status(), 200);
    let fresh: Value = r.json().unwrap();
    assert_eq!(fresh["type"], "secret");
    let new_secret = fresh["value"].as_str().unwrap().to_owned();
    assert_eq!(new_secret.len(), 32);
    assert_ne!(new_secret, "old-secret");
    assert_eq!(admin.get_json(&format!("{R}/clients/{id}/client-secret"))["value"], new_secret.as_str());

    let (status, body) = client_credentials(&server, "apps", "rot", "old-secret", &[]);
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client");
    let (status, body) = client_credentials(&server, "apps", "rot", &new_secret, &[]);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn service_account_user_is_named_after_the_client() {
    let server = setup();
    let admin = server.admin();
    let id = admin.create_service_client("apps", "My-Service", "sa-secret");
    let user = admin.get_json(&format!("{R}/clients/{id}/service-account-user"));
    assert_eq!(user["username"], "service-account-my-service");
    assert_eq!(user["serviceAccountClientId"], id.as_str());
    let uid = user["id"].as_str().unwrap();
    assert_eq!(admin.get_json(&format!("{R}/users/{uid}"))["username"], "service-account-my-service");

    let (status, body) = client_credentials(&server, "apps", "My-Service", "sa-secret", &[]);
    assert_eq!(status, 200, "{body}");
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["sub"], uid);
    assert_eq!(c["preferred_username"], "service-account-my-service");
}

#[test]
fn service_account_user_of_a_client_without_service_accounts_is_4xx() {
    let server = setup();
    let admin = server.admin();
    let id = admin.create(&format!("{R}/clients"), &json!({"clientId": "plain", "secret": "plain-secret"}));
    let r = admin.get(&format!("{R}/clients/{id}/service-account-user"));
    assert_eq!(r.status(), 400);
    assert_error(r, 400);
    let (status, body) = client_credentials(&server, "apps", "plain", "plain-secret", &[]);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "unauthorized_client");
}

#[test]
fn enabling_service_accounts_later_creates_the_user() {
    let server = setup();
    let admin = server.admin();
    let id = admin.create(&format!("{R}/clients"), &json!({"clientId": "later", "secret": "later-secret"}));
    let (status, _) = client_credentials(&server, "apps", "later", "later-secret", &[]);
    assert_eq!(status, 400);

    assert_eq!(admin.put(&format!("{R}/clients/{id}"), &json!({"serviceAccountsEnabled": true})).status(), 204);
    let user = admin.get_json(&format!("{R}/clients/{id}/service-account-user"));
    assert_eq!(user["username"], "service-account-later");
    let (status, body) = client_credentials(&server, "apps", "later", "later-secret", &[]);
    assert_eq!(status, 200, "{body}");
    // The user holds the realm's default roles, like one created with the client.
    let c = claims(body["access_token"].as_str().unwrap());
    assert!(c["realm_access"]["roles"].as_array().unwrap().contains(&json!("default-roles-apps")), "{c}");

    // Disabling and enabling again keeps the same user.
    assert_eq!(admin.put(&format!("{R}/clients/{id}"), &json!({"serviceAccountsEnabled": false})).status(), 204);
    let (status, _) = client_credentials(&server, "apps", "later", "later-secret", &[]);
    assert_eq!(status, 400);
    assert_eq!(admin.put(&format!("{R}/clients/{id}"), &json!({"serviceAccountsEnabled": true})).status(), 204);
    assert_eq!(admin.get_json(&format!("{R}/clients/{id}/service-account-user"))["id"], user["id"]);
    let (status, _) = client_credentials(&server, "apps", "later", "later-secret", &[]);
    assert_eq!(status, 200);
}

#[test]
fn delete_removes_client_and_service_account() {
    let server = setup();
    let admin = server.admin();
    let id = admin.create_service_client("apps", "doomed", "doomed-secret");
    let uid = admin.get_json(&format!("{R}/clients/{id}/service-account-user"))["id"].as_str().unwrap().to_owned();
    let (status, _) = client_credentials(&server, "apps", "doomed", "doomed-secret", &[]);
    assert_eq!(status, 200);

    assert_eq!(admin.delete(&format!("{R}/clients/{id}")).status(), 204);
    assert_error(admin.get(&format!("{R}/clients/{id}")), 404);
    assert_error(admin.delete(&format!("{R}/clients/{id}")), 404);
    assert_error(admin.get(&format!("{R}/users/{uid}")), 404);
    assert_eq!(admin.get_json(&format!("{R}/users?username=service-account-doomed&exact=true")), json!([]));
    let (status, body) = client_credentials(&server, "apps", "doomed", "doomed-secret", &[]);
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client");

    // The clientId is free again.
    let id2 = admin.create_service_client("apps", "doomed", "doomed-secret-2");
    assert_ne!(id2, id);
    let (status, _) = client_credentials(&server, "apps", "doomed", "doomed-secret-2", &[]);
    assert_eq!(status, 200);
}

#[test]
fn representation_lists_default_and_optional_scopes() {
    let server = setup();
    let admin = server.admin();
    let id = admin.create_service_client("apps", "scoped", "s");
    let rep = admin.get_json(&format!("{R}/clients/{id}"));
    assert_eq!(sorted(&rep["defaultClientScopes"]), vec!["acr", "basic", "email", "profile", "roles", "web-origins"]);
    assert!(rep["optionalClientScopes"].is_array(), "{rep}");
    assert_eq!(rep["protocol"], "openid-connect");
    assert_eq!(rep["serviceAccountsEnabled"], true);
    assert_eq!(rep["secret"], "s");

    // A client created with explicit scope lists gets exactly those.
    let id = admin.create(
        &format!("{R}/clients"),
        &json!({"clientId": "picky", "defaultClientScopes": ["profile"], "optionalClientScopes": ["email"]}),
    );
    let rep = admin.get_json(&format!("{R}/clients/{id}"));
    assert_eq!(sorted(&rep["defaultClientScopes"]), vec!["profile"]);
    assert_eq!(sorted(&rep["optionalClientScopes"]), vec!["email"]);
}

#[test]
fn keycloak_console_client_json_is_accepted() {
    let server = setup();
    let admin = server.admin();
    let body = json!({
        "protocol": "openid-connect",
        "clientId": "console-made",
        "name": "",
        "description": "",
        "publicClient": false,
        "authorizationServicesEnabled": false,
        "serviceAccountsEnabled": true,
        "implicitFlowEnabled": false,
        "directAccessGrantsEnabled": false,
        "standardFlowEnabled": true,
        "frontchannelLogout": true,
        "attributes": {
            "saml_idp_initiated_sso_url_name": "",
            "oauth2.device.authorization.grant.enabled": "false",
            "oidc.ciba.grant.enabled": "false",
            "post.logout.redirect.uris": "+"
        },
        "alwaysDisplayInConsole": false,
        "rootUrl": "",
        "baseUrl": "",
        "redirectUris": [],
        "webOrigins": [],
        "surrogateAuthRequired": false,
        "nodeReRegistrationTimeout": -1,
        "authenticationFlowBindingOverrides": {},
        "access": {"view": true, "configure": true, "manage": true},
        "optionalClientScopes": null,
        "registeredNodes": {}
    });
    let r = admin.post(&format!("{R}/clients"), &body);
    assert_eq!(r.status(), 201, "{}", r.text().unwrap_or_default());
    let id = admin.get_json(&format!("{R}/clients?clientId=console-made"))[0]["id"].as_str().unwrap().to_owned();
    let rep = admin.get_json(&format!("{R}/clients/{id}"));
    assert_eq!(rep["attributes"]["oauth2.device.authorization.grant.enabled"], "false");
    assert_eq!(rep["attributes"]["oidc.ciba.grant.enabled"], "false");
    assert!(rep.get("access").is_none(), "{rep}");
    assert!(rep.get("rootUrl").is_none(), "empty rootUrl is stored as absent: {rep}");
    assert_eq!(sorted(&rep["defaultClientScopes"]), vec!["acr", "basic", "email", "profile", "roles", "web-origins"]);

    let secret = admin.get_json(&format!("{R}/clients/{id}/client-secret"))["value"].as_str().unwrap().to_owned();
    let (status, body) = client_credentials(&server, "apps", "console-made", &secret, &[]);
    assert_eq!(status, 200, "{body}");

    // Updating with the same kind of body works too.
    let mut update = body_with_name("renamed");
    update["id"] = json!(id);
    assert_eq!(admin.put(&format!("{R}/clients/{id}"), &update).status(), 204);
    assert_eq!(admin.get_json(&format!("{R}/clients/{id}"))["name"], "renamed");
}

fn body_with_name(name: &str) -> Value {
    json!({
        "clientId": "console-made",
        "name": name,
        "surrogateAuthRequired": false,
        "nodeReRegistrationTimeout": -1,
        "access": {"view": true, "configure": true, "manage": true},
        "authenticationFlowBindingOverrides": {},
        "defaultRoles": [],
        "webOrigins": []
    })
}

#[test]
fn onboarding_guide_client_token_has_allowed_origins() {
    let server = setup();
    let admin = server.admin();
    let id = admin.create(
        &format!("{R}/clients"),
        &json!({
            "clientId": "api-demo-project",
            "name": "api-demo-project",
            "publicClient": false,
            "authorizationServicesEnabled": false,
            "standardFlowEnabled": true,
            "directAccessGrantsEnabled": true,
            "serviceAccountsEnabled": true,
            "implicitFlowEnabled": false,
            "rootUrl": "https://codemie.example.com",
            "redirectUris": ["https://codemie.example.com/*"],
            "webOrigins": ["https://codemie.example.com"],
            "attributes": {"post.logout.redirect.uris": "+"}
        }),
    );
    let found = admin.get_json(&format!("{R}/clients?clientId=api-demo-project"));
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["id"], id.as_str());
    let rep = &found[0];
    assert_eq!(rep["name"], "api-demo-project");
    assert_eq!(rep["rootUrl"], "https://codemie.example.com");
    assert_eq!(rep["standardFlowEnabled"], true);
    assert_eq!(rep["directAccessGrantsEnabled"], true);
    assert_eq!(rep["implicitFlowEnabled"], false);

    let secret = admin.get_json(&format!("{R}/clients/{id}/client-secret"))["value"].as_str().unwrap().to_owned();
    // client_secret_post, as the guide does it.
    let r = server
        .http
        .post(server.token_url("apps"))
        .form(&[("client_id", "api-demo-project"), ("grant_type", "client_credentials"), ("client_secret", &secret)])
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().unwrap();
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["allowed-origins"], json!(["https://codemie.example.com"]));
    assert_eq!(c["azp"], "api-demo-project");
    assert_eq!(c["preferred_username"], "service-account-api-demo-project");
    assert!(c["realm_access"]["roles"].as_array().unwrap().contains(&json!("offline_access")), "{c}");
}

#[test]
fn renaming_a_client_renames_its_service_account_user() {
    // Keycloak's ClientManager.clientIdChanged: the service-account username follows the clientId.
    let server = setup();
    let admin = server.admin();
    let id = admin.create_service_client("apps", "before", "ren-secret");
    let uid = admin.get_json(&format!("{R}/clients/{id}/service-account-user"))["id"].clone();
    assert_eq!(admin.put(&format!("{R}/clients/{id}"), &json!({"clientId": "after"})).status(), 204);
    let user = admin.get_json(&format!("{R}/clients/{id}/service-account-user"));
    assert_eq!(user["id"], uid);
    assert_eq!(user["username"], "service-account-after");
    let (status, _) = client_credentials(&server, "apps", "before", "ren-secret", &[]);
    assert_eq!(status, 401);
    let (status, body) = client_credentials(&server, "apps", "after", "ren-secret", &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(claims(body["access_token"].as_str().unwrap())["preferred_username"], "service-account-after");
    // The old service-account name is free for a new client.
    admin.create_service_client("apps", "before", "other-secret");
    let (status, _) = client_credentials(&server, "apps", "before", "other-secret", &[]);
    assert_eq!(status, 200);
}
