//! RFC 8693 token exchange (Keycloak's standard token exchange): a service that received a
//! user's token (it is in the token's `aud`) exchanges it for its own token for that user,
//! optionally for one audience; everything else is refused, and both outcomes are events.

use serde_json::{json, Value};

use crate::harness::{claims, Server};

const GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS: &str = "urn:ietf:params:oauth:token-type:access_token";

fn setup() -> Server {
    let server = Server::start();
    let admin = server.admin();
    admin.create("/admin/realms", &json!({"realm": "tx", "enabled": true, "eventsEnabled": true}));
    let audience_of_backend = json!({"name": "backend-audience", "protocol": "openid-connect",
        "protocolMapper": "oidc-audience-mapper",
        "config": {"included.client.audience": "backend", "access.token.claim": "true"}});
    admin.create(
        "/admin/realms/tx/clients",
        &json!({"clientId": "frontend", "secret": "frontend-secret", "directAccessGrantsEnabled": true,
                "protocolMappers": [audience_of_backend]}),
    );
    for (id, enabled) in [("backend", "true"), ("bystander", "false")] {
        admin.create(
            "/admin/realms/tx/clients",
            &json!({"clientId": id, "secret": format!("{id}-secret"),
                    "attributes": {"standard.token.exchange.enabled": enabled}}),
        );
    }
    admin.create("/admin/realms/tx/clients", &json!({"clientId": "downstream", "secret": "downstream-secret"}));
    admin.create(
        "/admin/realms/tx/users",
        &json!({"username": "carol", "enabled": true,
                "credentials": [{"type": "password", "value": "carol-pw", "temporary": false}]}),
    );
    server
}

fn token_request(server: &Server, client: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = server
        .http
        .post(server.token_url("tx"))
        .basic_auth(client, Some(format!("{client}-secret")))
        .form(form)
        .send()
        .unwrap();
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

fn exchange(server: &Server, client: &str, subject: &str, extra: &[(&str, &str)]) -> (u16, Value) {
    let mut form = vec![("grant_type", GRANT), ("subject_token", subject), ("subject_token_type", ACCESS)];
    form.extend_from_slice(extra);
    token_request(server, client, &form)
}

#[test]
fn a_service_exchanges_a_users_token_meant_for_it() {
    let server = setup();
    let form = [("grant_type", "password"), ("username", "carol"), ("password", "carol-pw")];
    let (status, login) = token_request(&server, "frontend", &form);
    assert_eq!(status, 200, "{login}");
    let user_token = login["access_token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&user_token)["aud"], "backend");

    let (status, body) = exchange(&server, "backend", &user_token, &[("audience", "downstream")]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["issued_token_type"], ACCESS);
    assert!(body.get("refresh_token").is_none());
    let new = claims(body["access_token"].as_str().unwrap());
    assert_eq!(
        (new["sub"].clone(), new["azp"].as_str(), new["aud"].as_str()),
        (claims(&user_token)["sub"].clone(), Some("backend"), Some("downstream"))
    );

    // Refusals: not in the token's audience, not enabled, unknown audience, bad types,
    // tampered or revoked subject tokens.
    let (status, body) = exchange(&server, "downstream", &user_token, &[]);
    assert_eq!((status, body["error"].as_str()), (400, Some("unauthorized_client")), "{body}");
    let (status, body) = exchange(&server, "bystander", &user_token, &[]);
    assert_eq!((status, body["error"].as_str()), (400, Some("unauthorized_client")), "{body}");
    let (status, body) = exchange(&server, "backend", &user_token, &[("audience", "nobody")]);
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_target")), "{body}");
    let (status, body) = exchange(
        &server,
        "backend",
        &user_token,
        &[("requested_token_type", "urn:ietf:params:oauth:token-type:id_token")],
    );
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{body}");
    let form = [("grant_type", GRANT), ("subject_token", user_token.as_str()), ("subject_token_type", "urn:x")];
    assert_eq!(token_request(&server, "backend", &form).0, 400);
    let (status, body) = exchange(&server, "backend", &format!("{user_token}x"), &[]);
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{body}");
    // A subject token its client revoked is refused.
    let r = server
        .http
        .post(server.url("/realms/tx/protocol/openid-connect/revoke"))
        .basic_auth("frontend", Some("frontend-secret"))
        .form(&[("token", user_token.as_str())])
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, body) = exchange(&server, "backend", &user_token, &[]);
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "revoked: {body}");

    // Both outcomes are events (written in batches: wait for them).
    let admin = server.admin();
    let start = std::time::Instant::now();
    loop {
        let events = admin.get_json("/admin/realms/tx/events?max=100");
        let types: Vec<&str> = events.as_array().unwrap().iter().filter_map(|e| e["type"].as_str()).collect();
        if types.contains(&"TOKEN_EXCHANGE") && types.contains(&"TOKEN_EXCHANGE_ERROR") {
            break;
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(5), "no TOKEN_EXCHANGE events: {types:?}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
