//! The console's pages beyond sign-in and the wizard: a client's tabs (client scopes,
//! service-account roles, settings, authenticator, keys), users, realm roles, client scopes
//! with mappers, realm settings, keys and events.

use std::time::Duration;

use serde_json::json;

use crate::console::{location, Browser};
use crate::harness::{client_credentials, Server, ADMIN_PASSWORD, ADMIN_USER};

#[test]
fn client_scopes_service_account_roles_and_the_service_account_user() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("codemie-prod");
    let scope = admin
        .create("/admin/realms/codemie-prod/client-scopes", &json!({"name": "codemie", "protocol": "openid-connect"}));
    admin.create("/admin/realms/codemie-prod/roles", &json!({"name": "Developer"}));
    let id = admin.create_service_client("codemie-prod", "api-demo-project", "demo-secret-0123456789");
    let mut b = Browser::new(&server);
    let csrf = b.sign_in("master", ADMIN_USER, ADMIN_PASSWORD);
    let client = format!("/admin/console/codemie-prod/clients/{id}");

    // Step 6: add `codemie` as a default scope; removing asks first.
    let tab = b.get(&format!("{client}?tab=scopes")).text().unwrap();
    assert!(tab.contains("<option value=\"") && tab.contains(">codemie</option>"), "{tab}");
    let r = b.post(
        &format!("{client}/scopes"),
        &[("csrf", &csrf), ("action", "add"), ("scope", &scope), ("kind", "Default")],
    );
    assert_eq!(r.status(), 303);
    assert!(b.get(&location(&r)).text().unwrap().contains("Client scope added."));
    let defaults = admin.get_json(&format!("/admin/realms/codemie-prod/clients/{id}/default-client-scopes"));
    assert!(defaults.as_array().unwrap().iter().any(|s| s["name"] == "codemie"));
    let r = b.post(
        &format!("{client}/scopes"),
        &[("csrf", &csrf), ("action", "remove"), ("scope", &scope), ("kind", "Default")],
    );
    assert!(location(&r).contains(&format!("remove={scope}")), "a confirmation first");
    let defaults = admin.get_json(&format!("/admin/realms/codemie-prod/clients/{id}/default-client-scopes"));
    assert!(defaults.as_array().unwrap().iter().any(|s| s["name"] == "codemie"), "not removed yet");

    // Step 7: assign Developer to the service account.
    let tab = b.get(&format!("{client}?tab=service-account")).text().unwrap();
    assert!(tab.contains("service-account-api-demo-project"), "{tab}");
    let r = b.post(&format!("{client}/roles"), &[("csrf", &csrf), ("action", "assign"), ("role", "realm:Developer")]);
    assert_eq!(r.status(), 303);
    // A client role too: realm-management's view-users.
    let rm = admin.get_json("/admin/realms/codemie-prod/clients?clientId=realm-management")[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let tab = b.get(&format!("{client}?tab=service-account")).text().unwrap();
    assert!(
        tab.contains(&format!("value=\"client:{rm}:view-users\"")) && tab.contains("realm-management view-users"),
        "{tab}"
    );
    let key = format!("client:{rm}:view-users");
    let r = b.post(&format!("{client}/roles"), &[("csrf", &csrf), ("action", "assign"), ("role", &key)]);
    assert_eq!(r.status(), 303);
    let token = client_credentials(&server, "codemie-prod", "api-demo-project", "demo-secret-0123456789", &[]).1;
    let c = crate::harness::claims(token["access_token"].as_str().unwrap());
    assert!(c["realm_access"]["roles"].as_array().unwrap().iter().any(|r| r == "Developer"), "{c}");
    assert_eq!(c["resource_access"]["realm-management"]["roles"], json!(["view-users"]), "{c}");
    let r = b.post(
        &format!("{client}/roles"),
        &[("csrf", &csrf), ("action", "unassign"), ("role", &key), ("confirm", "yes")],
    );
    assert_eq!(r.status(), 303);
    let token = client_credentials(&server, "codemie-prod", "api-demo-project", "demo-secret-0123456789", &[]).1;
    assert!(crate::harness::claims(token["access_token"].as_str().unwrap())["resource_access"]
        .get("realm-management")
        .is_none());

    // Step 8: the service-account user's details and attributes, with field messages.
    let sa = admin.get_json(&format!("/admin/realms/codemie-prod/clients/{id}/service-account-user"));
    let user = format!("/admin/console/codemie-prod/users/{}", sa["id"].as_str().unwrap());
    let r = b.post(
        &user,
        &[
            ("csrf", &csrf),
            ("email", "not-an-email"),
            ("first_name", "api-demo"),
            ("last_name", "project"),
            ("enabled", "on"),
        ],
    );
    assert_eq!(r.status(), 422);
    assert!(r.text().unwrap().contains("Enter an email address"));
    let r = b.post(
        &user,
        &[
            ("csrf", &csrf),
            ("email", "api-demo-project@domain.com"),
            ("first_name", "api-demo"),
            ("last_name", "project"),
            ("enabled", "on"),
        ],
    );
    assert_eq!(r.status(), 303);
    let r =
        b.post(&format!("{user}/attributes"), &[("csrf", &csrf), ("key", "applications"), ("value", "demo-project")]);
    assert_eq!(r.status(), 303);
    let r = b.post(
        &format!("{user}/attributes"),
        &[("csrf", &csrf), ("key", "applications"), ("value", "demo-project"), ("key", ""), ("value", "orphan")],
    );
    assert_eq!(r.status(), 422, "a value without a key");
    let u = admin.get_json(&format!("/admin/realms/codemie-prod/users/{}", sa["id"].as_str().unwrap()));
    assert_eq!((u["email"].as_str(), u["firstName"].as_str()), (Some("api-demo-project@domain.com"), Some("api-demo")));
    assert_eq!(u["attributes"]["applications"], json!(["demo-project"]));
    let page = b.get(&format!("{user}?tab=attributes")).text().unwrap();
    assert!(page.contains("value=\"demo-project\""), "{page}");
    // Without the CSRF token, nothing is saved.
    let r = b.post(&user, &[("email", "evil@example.com")]);
    assert_eq!(r.status(), 403);
}

#[test]
fn realm_pages_users_roles_settings_keys_and_events() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("ops");
    admin.create(
        "/admin/realms/ops/users",
        &json!({"username": "alice", "email": "alice@example.com", "enabled": true}),
    );
    let mut b = Browser::new(&server);
    let csrf = b.sign_in("master", ADMIN_USER, ADMIN_PASSWORD);

    let users = b.get("/admin/console/ops/users?q=ali").text().unwrap();
    assert!(users.contains("alice@example.com"), "{users}");

    // Realm roles: create, a duplicate named next to the field, delete after confirmation.
    let r = admin.put("/admin/realms/ops/events/config", &json!({"adminEventsEnabled": true}));
    assert_eq!(r.status(), 204);
    let r = b.post("/admin/console/ops/roles", &[("csrf", &csrf), ("name", "Auditor"), ("description", "Reads")]);
    assert_eq!(r.status(), 303);
    // The console's writes are admin events of the administrator, from the browser's address.
    let mut events = json!([]);
    for _ in 0..50 {
        events = admin.get_json("/admin/realms/ops/admin-events?operationTypes=CREATE");
        if events.as_array().is_some_and(|e| !e.is_empty()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let created =
        events.as_array().unwrap().iter().find(|e| e["resourcePath"] == "roles/Auditor").expect("an admin event");
    assert_eq!(created["authDetails"]["ipAddress"], "127.0.0.1", "{created}");
    assert!(b.get(&location(&r)).text().unwrap().contains("Role Auditor created."));
    let r = b.post("/admin/console/ops/roles", &[("csrf", &csrf), ("name", "Auditor")]);
    assert_eq!(r.status(), 422);
    assert!(r.text().unwrap().contains("A role named Auditor exists already."));
    let r = b.post("/admin/console/ops/roles/delete", &[("csrf", &csrf), ("name", "Auditor")]);
    assert!(location(&r).ends_with("?delete=Auditor"), "a confirmation first");
    assert_eq!(admin.get("/admin/realms/ops/roles/Auditor").status(), 200);
    let r = b.post("/admin/console/ops/roles/delete", &[("csrf", &csrf), ("name", "Auditor"), ("confirm", "yes")]);
    assert_eq!(r.status(), 303);
    assert_eq!(admin.get("/admin/realms/ops/roles/Auditor").status(), 404);

    // Realm settings: each bad number named next to its field, nothing saved; then saved.
    let form = |lifespan: &'static str, failures: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("display_name", "Ops".to_owned()),
            ("enabled", "on".to_owned()),
            ("access_token_lifespan", lifespan.to_owned()),
            ("sso_idle", "1200".to_owned()),
            ("sso_max", "7200".to_owned()),
            ("algorithm", "ES256".to_owned()),
            ("brute_force", "on".to_owned()),
            ("failure_factor", failures.to_owned()),
            ("wait_increment", "60".to_owned()),
        ]
    };
    let post = |b: &mut Browser, f: Vec<(&str, String)>| {
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        b.post("/admin/console/ops/settings", &pairs)
    };
    let r = post(&mut b, form("soon", "0"));
    assert_eq!(r.status(), 422);
    let html = r.text().unwrap();
    assert!(
        html.contains("The access token lifespan must be a whole number")
            && html.contains("Max login failures must be"),
        "{html}"
    );
    assert_eq!(admin.get_json("/admin/realms/ops")["defaultSignatureAlgorithm"], "RS256", "nothing saved");
    let r = post(&mut b, form("900", "5"));
    assert_eq!(r.status(), 303);
    let realm = admin.get_json("/admin/realms/ops");
    assert_eq!(
        (realm["accessTokenLifespan"].as_i64(), realm["defaultSignatureAlgorithm"].as_str()),
        (Some(900), Some("ES256"))
    );
    assert_eq!((realm["bruteForceProtected"].as_bool(), realm["failureFactor"].as_i64()), (Some(true), Some(5)));
    assert_eq!(
        (realm["ssoSessionIdleTimeout"].as_i64(), realm["ssoSessionMaxLifespan"].as_i64()),
        (Some(1200), Some(7200))
    );

    // Keys: rotation after a confirmation.
    let before = admin.get_json("/admin/realms/ops/keys")["active"]["ES256"].clone();
    let page = b.get("/admin/console/ops/keys").text().unwrap();
    assert!(page.contains(before.as_str().unwrap()), "{page}");
    let r = b.post("/admin/console/ops/keys", &[("csrf", &csrf)]);
    assert!(location(&r).ends_with("?confirm=rotate"));
    let r = b.post("/admin/console/ops/keys", &[("csrf", &csrf), ("confirm", "yes")]);
    assert_eq!(r.status(), 303);
    assert_ne!(admin.get_json("/admin/realms/ops/keys")["active"]["ES256"], before, "rotated");

    // Events: the pages render, and say when saving events is off.
    let page = b.get("/admin/console/ops/events").text().unwrap();
    assert!(page.contains("Saving events is off"), "{page}");
    assert_eq!(b.get("/admin/console/ops/events?kind=admin").status(), 200);
}

#[test]
fn client_scopes_with_a_user_attribute_mapper() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("apps");
    let id = admin.create_service_client("apps", "svc", "svc-secret-0123456789");
    let sa = admin.get_json(&format!("/admin/realms/apps/clients/{id}/service-account-user"));
    let mut user = sa.clone();
    user["attributes"] = json!({"team": ["blue"]});
    assert_eq!(admin.put(&format!("/admin/realms/apps/users/{}", sa["id"].as_str().unwrap()), &user).status(), 204);
    let mut b = Browser::new(&server);
    let csrf = b.sign_in("master", ADMIN_USER, ADMIN_PASSWORD);

    let r = b.post("/admin/console/apps/client-scopes", &[("csrf", &csrf), ("name", "team scope")]);
    assert_eq!(r.status(), 422);
    assert!(r.text().unwrap().contains("cannot contain spaces"));
    let r = b
        .post("/admin/console/apps/client-scopes", &[("csrf", &csrf), ("name", "team"), ("description", "Team claim")]);
    assert_eq!(r.status(), 303);
    let scope_page = location(&r);
    let scope_id = scope_page.rsplit('/').next().unwrap().to_owned();
    let r = b.post("/admin/console/apps/client-scopes", &[("csrf", &csrf), ("name", "team")]);
    assert!(r.text().unwrap().contains("A client scope named team exists already."));

    let r = b.post(&format!("{scope_page}/mappers"), &[("csrf", &csrf), ("attribute", "")]);
    assert_eq!(r.status(), 422);
    let r = b.post(&format!("{scope_page}/mappers"), &[("csrf", &csrf), ("attribute", "team"), ("multivalued", "on")]);
    assert_eq!(r.status(), 303);
    assert!(b.get(&location(&r)).text().unwrap().contains("oidc-usermodel-attribute-mapper"));
    let r = admin.put(&format!("/admin/realms/apps/clients/{id}/default-client-scopes/{scope_id}"), &json!({}));
    assert_eq!(r.status(), 204);
    let token = client_credentials(&server, "apps", "svc", "svc-secret-0123456789", &[]).1;
    assert_eq!(crate::harness::claims(token["access_token"].as_str().unwrap())["team"], json!(["blue"]));

    let mapper = admin.get_json(&format!("/admin/realms/apps/client-scopes/{scope_id}/protocol-mappers/models"))[0]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = b.post(&format!("{scope_page}/mappers/delete"), &[("csrf", &csrf), ("mapper", &mapper)]);
    assert!(location(&r).contains("delete="), "a confirmation first");
    let r =
        b.post(&format!("{scope_page}/mappers/delete"), &[("csrf", &csrf), ("mapper", &mapper), ("confirm", "yes")]);
    assert_eq!(r.status(), 303);
    let token = client_credentials(&server, "apps", "svc", "svc-secret-0123456789", &[]).1;
    assert!(crate::harness::claims(token["access_token"].as_str().unwrap()).get("team").is_none());
}

#[test]
fn a_client_settings_form_and_its_authenticator() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("shop");
    admin.put("/admin/realms/shop", &json!({"attributes": {"client.secret.rotated.expiration.period": "3600"}}));
    let id = admin.create_service_client("shop", "svc", "svc-secret-0123456789");
    let mut b = Browser::new(&server);
    let csrf = b.sign_in("master", ADMIN_USER, ADMIN_PASSWORD);
    let page = format!("/admin/console/shop/clients/{id}");
    let html = b.get(&page).text().unwrap();
    assert!(html.contains("name=\"root_url\""), "the settings are a form");

    let base = [
        ("csrf", csrf.as_str()),
        ("name", "Service"),
        ("enabled", "on"),
        ("client_auth", "on"),
        ("service_accounts", "on"),
        ("redirect_uris", "https://a.example/*\nhttps://b.example/*"),
    ];
    let mut bad = base.to_vec();
    bad.push(("root_url", "a.example"));
    let r = b.post(&format!("{page}/settings"), &bad);
    assert_eq!(r.status(), 422);
    let text = r.text().unwrap();
    assert!(
        text.contains("must start with https://") && text.contains("value=\"Service\""),
        "the form keeps what was typed: {text}"
    );
    assert!(text.starts_with("<!doctype html>"), "an HTML page, not a JSON error");
    let mut no_auth = base.to_vec();
    no_auth.retain(|(k, _)| *k != "client_auth");
    let r = b.post(&format!("{page}/settings"), &no_auth);
    assert!(r.text().unwrap().contains("Service accounts need client authentication"));
    let r = b.post(&format!("{page}/settings"), &base);
    assert_eq!(r.status(), 303);
    let c = admin.get_json(&format!("/admin/realms/shop/clients/{id}"));
    assert_eq!(c["name"], "Service");
    assert_eq!(c["redirectUris"], json!(["https://a.example/*", "https://b.example/*"]));
    assert_eq!(c["standardFlowEnabled"], false);

    // Credentials: the authenticator, and the rotated secret during its grace period.
    let r = b.post(&format!("{page}/authenticator"), &[("csrf", &csrf), ("authenticator", "client-secret-jwt")]);
    assert_eq!(r.status(), 303);
    assert_eq!(
        admin.get_json(&format!("/admin/realms/shop/clients/{id}"))["clientAuthenticatorType"],
        "client-secret-jwt"
    );
    b.post(&format!("{page}/authenticator"), &[("csrf", &csrf), ("authenticator", "client-secret")]);
    b.post(&format!("{page}/secret"), &[("csrf", &csrf), ("confirm", "yes")]);
    let creds = b.get(&format!("{page}?tab=credentials")).text().unwrap();
    assert!(creds.contains("Rotated secret") && creds.contains("svc-secret-0123456789"), "{creds}");
}

#[test]
fn a_client_keys_tab_for_signed_jwt_authentication() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("jwt");
    let id = admin.create_service_client("jwt", "svc", "svc-secret-0123456789");
    let mut b = Browser::new(&server);
    let csrf = b.sign_in("master", ADMIN_USER, ADMIN_PASSWORD);
    let page = format!("/admin/console/jwt/clients/{id}");
    assert!(b.get(&format!("{page}?tab=keys")).text().unwrap().contains("Keys for signed JWT client authentication"));

    let r = b.post(&format!("{page}/keys"), &[("csrf", &csrf), ("source", "url"), ("jwks_url", "keys.example")]);
    assert_eq!(r.status(), 422);
    assert!(r.text().unwrap().contains("Enter the JWKS URL"));
    let r = b.post(&format!("{page}/keys"), &[("csrf", &csrf), ("source", "json"), ("jwks", "{not json")]);
    assert_eq!(r.status(), 422);
    let jwks =
        r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"k1"}]}"#;
    let r = b.post(&format!("{page}/keys"), &[("csrf", &csrf), ("source", "json"), ("jwks", jwks)]);
    assert_eq!(r.status(), 303);
    let attrs = admin.get_json(&format!("/admin/realms/jwt/clients/{id}"))["attributes"].clone();
    assert_eq!((attrs["use.jwks.string"].as_str(), attrs["use.jwks.url"].as_str()), (Some("true"), Some("false")));
    assert_eq!(attrs["jwks.string"], jwks);
    let r = b.post(
        &format!("{page}/keys"),
        &[("csrf", &csrf), ("source", "url"), ("jwks_url", "https://svc.example/jwks.json")],
    );
    assert_eq!(r.status(), 303);
    assert_eq!(
        admin.get_json(&format!("/admin/realms/jwt/clients/{id}"))["attributes"]["jwks.url"],
        "https://svc.example/jwks.json"
    );
}
