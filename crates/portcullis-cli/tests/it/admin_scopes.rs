//! Client scopes: CRUD, linking to clients as default or optional scopes, and their
//! protocol mappers reaching the token.

use serde_json::{json, Value};

use crate::harness::{assert_error, claims, client_credentials, Admin, Server};

const R: &str = "/admin/realms/sc";

fn setup() -> Server {
    Server::with_realm("sc")
}

fn names(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list.as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap().to_owned()).collect();
    v.sort();
    v
}

fn scope_id(admin: &Admin<'_>, name: &str) -> String {
    let all = admin.get_json(&format!("{R}/client-scopes"));
    all.as_array().unwrap().iter().find(|s| s["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
}

/// Token claims of a client-credentials token, optionally with a `scope` parameter.
fn token_claims(server: &Server, client: &str, secret: &str, scope: Option<&str>) -> Value {
    let extra: Vec<(&str, &str)> = scope.map(|s| vec![("scope", s)]).unwrap_or_default();
    let (status, body) = client_credentials(server, "sc", client, secret, &extra);
    assert_eq!(status, 200, "{body}");
    claims(body["access_token"].as_str().unwrap())
}

fn scope_claim(c: &Value) -> Vec<String> {
    let mut v: Vec<String> =
        c["scope"].as_str().unwrap().split(' ').filter(|s| !s.is_empty()).map(String::from).collect();
    v.sort();
    v
}

#[test]
fn scope_crud() {
    let server = setup();
    let admin = server.admin();
    let r = admin.post(
        &format!("{R}/client-scopes"),
        &json!({"name": "orders", "description": "Orders API", "protocol": "openid-connect",
                "attributes": {"include.in.token.scope": "true", "display.on.consent.screen": "false"}}),
    );
    assert_eq!(r.status(), 201);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    let id = loc.rsplit('/').next().unwrap().to_owned();
    assert_eq!(loc, server.url(&format!("{R}/client-scopes/{id}")));
    assert_eq!(scope_id(&admin, "orders"), id);

    let rep = admin.get_json(&format!("{R}/client-scopes/{id}"));
    assert_eq!(rep["id"], id.as_str());
    assert_eq!(rep["name"], "orders");
    assert_eq!(rep["description"], "Orders API");
    assert_eq!(rep["protocol"], "openid-connect");
    assert_eq!(rep["attributes"]["display.on.consent.screen"], "false");

    let r = admin.put(&format!("{R}/client-scopes/{id}"), &json!({"description": "Orders API v2"}));
    assert_eq!(r.status(), 204);
    let rep = admin.get_json(&format!("{R}/client-scopes/{id}"));
    assert_eq!(rep["description"], "Orders API v2");
    assert_eq!(rep["name"], "orders");
    assert_eq!(rep["attributes"]["display.on.consent.screen"], "false");

    assert_eq!(admin.put(&format!("{R}/client-scopes/{id}"), &json!({"name": "orders-v2"})).status(), 204);
    assert_eq!(admin.get_json(&format!("{R}/client-scopes/{id}"))["name"], "orders-v2");

    assert_eq!(admin.delete(&format!("{R}/client-scopes/{id}")).status(), 204);
    assert_error(admin.get(&format!("{R}/client-scopes/{id}")), 404);
    assert_error(admin.delete(&format!("{R}/client-scopes/{id}")), 404);
    assert!(!names(&admin.get_json(&format!("{R}/client-scopes"))).contains(&"orders-v2".to_owned()));
}

#[test]
fn scope_create_refuses_duplicates_and_invalid_names() {
    let server = setup();
    let admin = server.admin();
    admin.create(&format!("{R}/client-scopes"), &json!({"name": "dup"}));
    assert_error(admin.post(&format!("{R}/client-scopes"), &json!({"name": "dup"})), 409);
    // A built-in one too.
    assert_error(admin.post(&format!("{R}/client-scopes"), &json!({"name": "profile"})), 409);
    assert_error(admin.post(&format!("{R}/client-scopes"), &json!({"name": "has space"})), 400);
    assert_error(admin.post(&format!("{R}/client-scopes"), &json!({"name": "quo\"te"})), 400);
    assert_error(admin.post(&format!("{R}/client-scopes"), &json!({"description": "no name"})), 400);
    assert_error(admin.post(&format!("{R}/client-scopes"), &json!({"name": "saml-one", "protocol": "saml"})), 400);
    // Two mappers with one name.
    let m = json!({"name": "same", "protocolMapper": "oidc-hardcoded-claim-mapper", "config": {}});
    assert_error(admin.post(&format!("{R}/client-scopes"), &json!({"name": "twin", "protocolMappers": [m, m]})), 409);

    // Renaming onto an existing name, or to an invalid one, is refused.
    let id = admin.create(&format!("{R}/client-scopes"), &json!({"name": "other"}));
    assert_error(admin.put(&format!("{R}/client-scopes/{id}"), &json!({"name": "dup"})), 409);
    assert_error(admin.put(&format!("{R}/client-scopes/{id}"), &json!({"name": "a b"})), 400);
    assert_eq!(admin.get_json(&format!("{R}/client-scopes/{id}"))["name"], "other");

    let all = names(&admin.get_json(&format!("{R}/client-scopes")));
    assert_eq!(all, vec!["acr", "basic", "dup", "email", "other", "profile", "roles", "web-origins"]);
}

#[test]
fn unknown_scope_is_404() {
    let server = setup();
    let admin = server.admin();
    let missing = format!("{R}/client-scopes/00000000-0000-0000-0000-000000000000");
    assert_error(admin.get(&missing), 404);
    assert_error(admin.put(&missing, &json!({"description": "x"})), 404);
    assert_error(admin.delete(&missing), 404);
}

#[test]
fn client_default_and_optional_scopes_link_and_unlink() {
    let server = setup();
    let admin = server.admin();
    let cid = admin.create_service_client("sc", "linker", "linker-secret");
    let sid = admin.create(&format!("{R}/client-scopes"), &json!({"name": "orders"}));
    let def = format!("{R}/clients/{cid}/default-client-scopes");
    let opt = format!("{R}/clients/{cid}/optional-client-scopes");

    let defaults = admin.get_json(&def);
    assert_eq!(names(&defaults), vec!["acr", "basic", "email", "profile", "roles", "web-origins"]);
    assert!(defaults.as_array().unwrap().iter().all(|s| s["id"].as_str().is_some()));
    assert_eq!(admin.get_json(&opt), json!([]));
    assert!(!scope_claim(&token_claims(&server, "linker", "linker-secret", None)).contains(&"orders".to_owned()));
    // Not linked yet: asking for it is invalid_scope.
    let (status, body) = client_credentials(&server, "sc", "linker", "linker-secret", &[("scope", "orders")]);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_scope");

    // As an optional scope: listed, and granted only when asked for.
    assert_eq!(admin.put(&format!("{opt}/{sid}"), &json!({})).status(), 204);
    assert_eq!(names(&admin.get_json(&opt)), vec!["orders"]);
    assert!(!names(&admin.get_json(&def)).contains(&"orders".to_owned()));
    assert_eq!(admin.get_json(&format!("{R}/clients/{cid}"))["optionalClientScopes"], json!(["orders"]));
    assert!(!scope_claim(&token_claims(&server, "linker", "linker-secret", None)).contains(&"orders".to_owned()));
    assert!(
        scope_claim(&token_claims(&server, "linker", "linker-secret", Some("orders"))).contains(&"orders".to_owned())
    );

    assert_eq!(admin.delete(&format!("{opt}/{sid}")).status(), 204);
    assert_eq!(admin.get_json(&opt), json!([]));

    // As a default scope: always granted.
    assert_eq!(admin.put(&format!("{def}/{sid}"), &json!({})).status(), 204);
    assert!(names(&admin.get_json(&def)).contains(&"orders".to_owned()));
    assert!(scope_claim(&token_claims(&server, "linker", "linker-secret", None)).contains(&"orders".to_owned()));
    assert_eq!(admin.delete(&format!("{def}/{sid}")).status(), 204);
    assert!(!names(&admin.get_json(&def)).contains(&"orders".to_owned()));
    assert!(!scope_claim(&token_claims(&server, "linker", "linker-secret", None)).contains(&"orders".to_owned()));

    // A built-in default scope can be removed too.
    let email = scope_id(&admin, "email");
    assert_eq!(admin.delete(&format!("{def}/{email}")).status(), 204);
    assert!(!names(&admin.get_json(&def)).contains(&"email".to_owned()));
    assert!(!scope_claim(&token_claims(&server, "linker", "linker-secret", None)).contains(&"email".to_owned()));

    // Deleting a linked scope unlinks it.
    assert_eq!(admin.put(&format!("{def}/{sid}"), &json!({})).status(), 204);
    assert_eq!(admin.delete(&format!("{R}/client-scopes/{sid}")).status(), 204);
    assert!(!names(&admin.get_json(&def)).contains(&"orders".to_owned()));
    assert!(!scope_claim(&token_claims(&server, "linker", "linker-secret", None)).contains(&"orders".to_owned()));
}

#[test]
fn linking_unknown_scope_or_client_is_404() {
    let server = setup();
    let admin = server.admin();
    let cid = admin.create_service_client("sc", "c404", "s");
    let sid = scope_id(&admin, "profile");
    let nope = "00000000-0000-0000-0000-000000000000";
    for kind in ["default-client-scopes", "optional-client-scopes"] {
        assert_error(admin.put(&format!("{R}/clients/{cid}/{kind}/{nope}"), &json!({})), 404);
        assert_error(admin.delete(&format!("{R}/clients/{cid}/{kind}/{nope}")), 404);
        assert_error(admin.put(&format!("{R}/clients/{nope}/{kind}/{sid}"), &json!({})), 404);
        assert_error(admin.delete(&format!("{R}/clients/{nope}/{kind}/{sid}")), 404);
        assert_error(admin.get(&format!("{R}/clients/{nope}/{kind}")), 404);
    }
    // A scope of another realm is unknown here.
    admin.create_realm("sc2");
    let foreign = admin.create("/admin/realms/sc2/client-scopes", &json!({"name": "foreign"}));
    assert_error(admin.put(&format!("{R}/clients/{cid}/default-client-scopes/{foreign}"), &json!({})), 404);
}

#[test]
fn attribute_mapper_puts_service_account_attribute_into_token() {
    let server = setup();
    let admin = server.admin();
    let sid = admin.create(
        &format!("{R}/client-scopes"),
        &json!({
            "name": "codemie",
            "protocol": "openid-connect",
            "protocolMappers": [{
                "name": "applications",
                "protocol": "openid-connect",
                "protocolMapper": "oidc-usermodel-attribute-mapper",
                "consentRequired": false,
                "config": {
                    "user.attribute": "applications",
                    "claim.name": "applications",
                    "jsonType.label": "String",
                    "access.token.claim": "true",
                    "multivalued": "true"
                }
            }]
        }),
    );
    let rep = admin.get_json(&format!("{R}/client-scopes/{sid}"));
    let mapper = &rep["protocolMappers"][0];
    assert_eq!(mapper["protocolMapper"], "oidc-usermodel-attribute-mapper");
    assert_eq!(mapper["config"]["multivalued"], "true");
    assert!(mapper["id"].as_str().is_some_and(|i| !i.is_empty()), "{mapper}");

    let cid = admin.create_service_client("sc", "api-demo-project", "demo-secret");
    assert_eq!(admin.put(&format!("{R}/clients/{cid}/default-client-scopes/{sid}"), &json!({})).status(), 204);
    // No attribute yet: no claim.
    let c = token_claims(&server, "api-demo-project", "demo-secret", None);
    assert!(c.get("applications").is_none(), "{c}");
    assert!(scope_claim(&c).contains(&"codemie".to_owned()), "{c}");

    let uid = admin.get_json(&format!("{R}/clients/{cid}/service-account-user"))["id"].as_str().unwrap().to_owned();
    let r = admin.put(&format!("{R}/users/{uid}"), &json!({"attributes": {"applications": ["demo-project"]}}));
    assert_eq!(r.status(), 204);
    assert_eq!(admin.get_json(&format!("{R}/users/{uid}"))["attributes"], json!({"applications": ["demo-project"]}));
    let c = token_claims(&server, "api-demo-project", "demo-secret", None);
    assert_eq!(c["applications"], json!(["demo-project"]));

    // Several values stay a list.
    let r = admin.put(&format!("{R}/users/{uid}"), &json!({"attributes": {"applications": ["demo-project", "other"]}}));
    assert_eq!(r.status(), 204);
    let c = token_claims(&server, "api-demo-project", "demo-secret", None);
    assert_eq!(c["applications"], json!(["demo-project", "other"]));

    // With access.token.claim=false the mapper stays out of access tokens.
    let mut rep = admin.get_json(&format!("{R}/client-scopes/{sid}"));
    rep["protocolMappers"][0]["config"]["access.token.claim"] = json!("false");
    assert_eq!(admin.put(&format!("{R}/client-scopes/{sid}"), &rep).status(), 204);
    let c = token_claims(&server, "api-demo-project", "demo-secret", None);
    assert!(c.get("applications").is_none(), "{c}");
}

#[test]
fn hardcoded_claim_mapper_appears_in_token() {
    let server = setup();
    let admin = server.admin();
    let sid = admin.create(
        &format!("{R}/client-scopes"),
        &json!({
            "name": "tenant",
            "protocolMappers": [{
                "name": "tenant",
                "protocol": "openid-connect",
                "protocolMapper": "oidc-hardcoded-claim-mapper",
                "config": {"claim.name": "tenant", "claim.value": "acme", "jsonType.label": "String",
                           "access.token.claim": "true"}
            }]
        }),
    );
    let cid = admin.create_service_client("sc", "hc", "hc-secret");
    let c = token_claims(&server, "hc", "hc-secret", None);
    assert!(c.get("tenant").is_none(), "{c}");

    // As an optional scope it applies only when requested.
    assert_eq!(admin.put(&format!("{R}/clients/{cid}/optional-client-scopes/{sid}"), &json!({})).status(), 204);
    assert!(token_claims(&server, "hc", "hc-secret", None).get("tenant").is_none());
    assert_eq!(token_claims(&server, "hc", "hc-secret", Some("tenant"))["tenant"], "acme");

    // Editing the mapper changes the next token.
    let mut rep = admin.get_json(&format!("{R}/client-scopes/{sid}"));
    rep["protocolMappers"][0]["config"]["claim.value"] = json!("globex");
    assert_eq!(admin.put(&format!("{R}/client-scopes/{sid}"), &rep).status(), 204);
    assert_eq!(token_claims(&server, "hc", "hc-secret", Some("tenant"))["tenant"], "globex");
}

#[test]
fn scope_excluded_from_token_scope_is_not_listed() {
    let server = setup();
    let admin = server.admin();
    let hidden = admin.create(
        &format!("{R}/client-scopes"),
        &json!({
            "name": "hidden",
            "attributes": {"include.in.token.scope": "false"},
            "protocolMappers": [{
                "name": "marker",
                "protocolMapper": "oidc-hardcoded-claim-mapper",
                "config": {"claim.name": "hidden_marker", "claim.value": "yes"}
            }]
        }),
    );
    let shown = admin.create(&format!("{R}/client-scopes"), &json!({"name": "shown"}));
    let cid = admin.create_service_client("sc", "vis", "vis-secret");
    for sid in [&hidden, &shown] {
        assert_eq!(admin.put(&format!("{R}/clients/{cid}/default-client-scopes/{sid}"), &json!({})).status(), 204);
    }
    let c = token_claims(&server, "vis", "vis-secret", None);
    let scopes = scope_claim(&c);
    assert!(scopes.contains(&"shown".to_owned()), "{c}");
    assert!(!scopes.contains(&"hidden".to_owned()), "{c}");
    // Its mappers still apply.
    assert_eq!(c["hidden_marker"], "yes");
    // The built-in profile and email are listed; roles, web-origins, acr and basic are not.
    assert_eq!(scopes, vec!["email", "profile", "shown"]);
}
