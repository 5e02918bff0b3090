//! Protocol mapper endpoints of clients and client scopes (Keycloak's
//! `protocol-mappers/models`), and their effect on tokens.

use serde_json::json;

use crate::harness::{claims, client_credentials, Server};

fn hardcoded(name: &str, claim: &str, value: &str) -> serde_json::Value {
    json!({"name": name, "protocol": "openid-connect", "protocolMapper": "oidc-hardcoded-claim-mapper",
           "config": {"claim.name": claim, "claim.value": value, "jsonType.label": "String", "access.token.claim": "true"}})
}

#[test]
fn client_mapper_crud_changes_tokens() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("m");
    let id = admin.create_service_client("m", "svc", "secret");
    let base = format!("/admin/realms/m/clients/{id}/protocol-mappers");

    let mapper_id = admin.create(&format!("{base}/models"), &hardcoded("tenant", "tenant", "acme"));
    let (_, body) = client_credentials(&server, "m", "svc", "secret", &[]);
    assert_eq!(claims(body["access_token"].as_str().unwrap())["tenant"], "acme");

    let list = admin.get_json(&format!("{base}/models"));
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(admin.get_json(&format!("{base}/models/{mapper_id}"))["config"]["claim.value"], "acme");

    assert_eq!(admin.post(&format!("{base}/models"), &hardcoded("tenant", "other", "x")).status(), 409);
    assert_eq!(
        admin.put(&format!("{base}/models/{mapper_id}"), &hardcoded("tenant", "tenant", "globex")).status(),
        204
    );
    let (_, body) = client_credentials(&server, "m", "svc", "secret", &[]);
    assert_eq!(claims(body["access_token"].as_str().unwrap())["tenant"], "globex");

    assert_eq!(admin.delete(&format!("{base}/models/{mapper_id}")).status(), 204);
    assert_eq!(admin.get(&format!("{base}/models/{mapper_id}")).status(), 404);
    let (_, body) = client_credentials(&server, "m", "svc", "secret", &[]);
    assert!(claims(body["access_token"].as_str().unwrap()).get("tenant").is_none());
    assert_eq!(admin.get("/admin/realms/m/clients/nope/protocol-mappers/models").status(), 404);
}

#[test]
fn client_scope_add_models_and_attribute_mapper() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("m");
    let id = admin.create_service_client("m", "svc", "secret");
    let scope = admin.create("/admin/realms/m/client-scopes", &json!({"name": "codemie"}));
    let base = format!("/admin/realms/m/client-scopes/{scope}/protocol-mappers");
    let attr = json!({"name": "applications", "protocol": "openid-connect", "protocolMapper": "oidc-usermodel-attribute-mapper",
        "config": {"user.attribute": "applications", "claim.name": "applications", "multivalued": "true", "access.token.claim": "true"}});
    let r = admin.post(&format!("{base}/add-models"), &json!([attr, hardcoded("team", "team", "blue")]));
    assert_eq!(r.status(), 204);
    assert_eq!(admin.get_json(&format!("{base}/models")).as_array().unwrap().len(), 2);

    assert_eq!(
        admin.put(&format!("/admin/realms/m/clients/{id}/default-client-scopes/{scope}"), &json!({})).status(),
        204
    );
    let user = admin.get_json(&format!("/admin/realms/m/clients/{id}/service-account-user"));
    let uid = user["id"].as_str().unwrap();
    let r = admin
        .put(&format!("/admin/realms/m/users/{uid}"), &json!({"attributes": {"applications": ["demo-project", "b"]}}));
    assert_eq!(r.status(), 204);

    let (_, body) = client_credentials(&server, "m", "svc", "secret", &[]);
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["applications"], json!(["demo-project", "b"]));
    assert_eq!(c["team"], "blue");
    assert!(c["scope"].as_str().unwrap().split(' ').any(|s| s == "codemie"));
}

#[test]
fn duplicate_mapper_names_are_409_on_clients_and_scopes_alike() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("m");
    let id = admin.create_service_client("m", "svc", "secret");
    let two = json!([hardcoded("tenant", "a", "1"), hardcoded("tenant", "b", "2")]);
    let r = admin.put(&format!("/admin/realms/m/clients/{id}"), &json!({"protocolMappers": two}));
    assert_eq!(r.status(), 409);
    let r = admin.post("/admin/realms/m/client-scopes", &json!({"name": "dup", "protocolMappers": two}));
    assert_eq!(r.status(), 409);
    let r = admin.post(&format!("/admin/realms/m/clients/{id}/protocol-mappers/add-models"), &two);
    assert_eq!(r.status(), 409);
    assert_eq!(admin.get_json(&format!("/admin/realms/m/clients/{id}/protocol-mappers/models")), json!([]));
}

#[test]
fn introspection_leaves_out_claims_switched_off_for_it() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("m");
    let id = admin.create_service_client("m", "svc", "secret");
    let base = format!("/admin/realms/m/clients/{id}/protocol-mappers/models");
    let mut hidden = hardcoded("internal", "internal", "only-in-the-token");
    hidden["config"]["introspection.token.claim"] = json!("false");
    admin.create(&base, &hidden);
    admin.create(&base, &hardcoded("tenant", "tenant", "acme"));
    let (_, body) = client_credentials(&server, "m", "svc", "secret", &[]);
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(claims(token)["internal"], "only-in-the-token");
    let r = server
        .http
        .post(server.url("/realms/m/protocol/openid-connect/token/introspect"))
        .basic_auth("svc", Some("secret"))
        .form(&[("token", token)])
        .send()
        .unwrap();
    let info: serde_json::Value = r.json().unwrap();
    assert_eq!(info["active"], true);
    assert_eq!(info["tenant"], "acme");
    assert!(info.get("internal").is_none(), "{info}");
}
