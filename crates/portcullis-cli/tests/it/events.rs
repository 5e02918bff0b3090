//! Audit events: login events and admin events stored when the realm asks for them,
//! queried with Keycloak's filters, never holding a secret, and logged as JSON.

use serde_json::{json, Value};

use crate::harness::{client_credentials, Opts, Server};

fn enable_events(server: &Server, realm: &str) {
    let r = server.admin().put(
        &format!("/admin/realms/{realm}/events/config"),
        &json!({"eventsEnabled": true, "adminEventsEnabled": true, "adminEventsDetailsEnabled": true}),
    );
    assert_eq!(r.status(), 204, "{}", r.text().unwrap());
}

fn events(server: &Server, realm: &str, query: &str) -> Vec<Value> {
    let v = server.admin().get_json(&format!("/admin/realms/{realm}/events{query}"));
    v.as_array().unwrap().clone()
}

fn admin_events(server: &Server, realm: &str, query: &str) -> Vec<Value> {
    let v = server.admin().get_json(&format!("/admin/realms/{realm}/admin-events{query}"));
    v.as_array().unwrap().clone()
}

#[test]
fn login_events_are_stored_when_enabled_and_filtered() {
    let server = Server::with_realm("ev");
    let admin = server.admin();
    admin.create_service_client("ev", "app", "app-secret");
    // Off by default, as in Keycloak.
    assert_eq!(client_credentials(&server, "ev", "app", "app-secret", &[]).0, 200);
    assert!(events(&server, "ev", "").is_empty());
    let config = admin.get_json("/admin/realms/ev/events/config");
    assert_eq!(
        (config["eventsEnabled"].as_bool(), config["eventsListeners"][0].as_str()),
        (Some(false), Some("jboss-logging"))
    );

    enable_events(&server, "ev");
    assert_eq!(client_credentials(&server, "ev", "app", "app-secret", &[("scope", "email")]).0, 200);
    assert_eq!(client_credentials(&server, "ev", "app", "not-the-secret", &[]).0, 401);
    assert_eq!(client_credentials(&server, "ev", "ghost", "x", &[]).0, 401);

    let all = events(&server, "ev", "");
    assert_eq!(all.len(), 3, "{all:?}");
    // Newest first.
    assert_eq!(all[0]["error"], "client_not_found");
    assert_eq!(all[0]["clientId"], "ghost");
    assert_eq!(all[1]["type"], "CLIENT_LOGIN_ERROR");
    assert_eq!(all[1]["error"], "invalid_client_credentials");
    let ok = &all[2];
    assert_eq!(ok["type"], "CLIENT_LOGIN");
    assert_eq!(ok["clientId"], "app");
    assert_eq!(ok["ipAddress"], "127.0.0.1");
    assert_eq!(ok["realmId"], admin.get_json("/admin/realms/ev")["id"]);
    assert_eq!(ok["details"]["grant_type"], "client_credentials");
    assert!(ok["time"].as_i64().unwrap() > 1_700_000_000_000);
    let text = serde_json::to_string(&all).unwrap();
    assert!(!text.contains("app-secret") && !text.contains("not-the-secret"), "{text}");

    assert_eq!(events(&server, "ev", "?type=CLIENT_LOGIN").len(), 1);
    assert_eq!(events(&server, "ev", "?type=CLIENT_LOGIN&type=CLIENT_LOGIN_ERROR").len(), 3);
    assert_eq!(events(&server, "ev", "?type=CLIENT_LOGIN,CLIENT_LOGIN_ERROR&client=app").len(), 2);
    assert_eq!(events(&server, "ev", "?max=1").len(), 1);
    assert_eq!(events(&server, "ev", "?first=2&max=5").len(), 1);
    assert_eq!(events(&server, "ev", "?dateFrom=2999-01-01").len(), 0);
    assert_eq!(events(&server, "ev", "?dateFrom=2020-01-01&dateTo=2999-12-31").len(), 3);
    assert_eq!(events(&server, "ev", "?ipAddress=10.9.9.9").len(), 0);
    assert_eq!(server.admin().get("/admin/realms/ev/events?dateFrom=yesterday").status(), 400);
    assert_eq!(server.admin().get("/admin/realms/ev/events?max=lots").status(), 400);

    // Only some types.
    let r = admin.put("/admin/realms/ev/events/config", &json!({"enabledEventTypes": ["CLIENT_LOGIN_ERROR"]}));
    assert_eq!(r.status(), 204);
    assert_eq!(admin.put("/admin/realms/ev/events/config", &json!({"enabledEventTypes": ["NOPE"]})).status(), 400);
    client_credentials(&server, "ev", "app", "app-secret", &[]);
    assert_eq!(events(&server, "ev", "").len(), 3, "CLIENT_LOGIN no longer stored");

    assert_eq!(admin.delete("/admin/realms/ev/events").status(), 204);
    assert!(events(&server, "ev", "").is_empty());
}

#[test]
fn admin_events_record_who_changed_what_without_secrets() {
    let server = Server::with_realm("adm");
    let admin = server.admin();
    enable_events(&server, "adm");
    let id = admin.create_service_client("adm", "payments", "very-secret-value-1");
    let r = admin.put(&format!("/admin/realms/adm/clients/{id}"), &json!({"description": "pays"}));
    assert_eq!(r.status(), 204);
    assert_eq!(admin.post(&format!("/admin/realms/adm/clients/{id}/client-secret"), &json!({})).status(), 200);
    admin.create(
        "/admin/realms/adm/users",
        &json!({"username": "bob", "credentials": [{"type": "password", "value": "bobs-password"}]}),
    );
    assert_eq!(admin.delete(&format!("/admin/realms/adm/clients/{id}")).status(), 204);
    // A failed write is not an event.
    assert_eq!(admin.delete("/admin/realms/adm/clients/no-such-client").status(), 404);

    let all = admin_events(&server, "adm", "");
    let ops: Vec<(&str, &str)> =
        all.iter().map(|e| (e["operationType"].as_str().unwrap(), e["resourceType"].as_str().unwrap())).collect();
    // The PUT of events/config itself came first (a realm update).
    assert_eq!(
        ops,
        [
            ("DELETE", "CLIENT"),
            ("CREATE", "USER"),
            ("ACTION", "CLIENT"),
            ("UPDATE", "CLIENT"),
            ("CREATE", "CLIENT"),
            ("UPDATE", "REALM")
        ],
        "{all:?}"
    );
    let created = &all[4];
    assert_eq!(created["resourcePath"], format!("clients/{id}"));
    let rep: Value = serde_json::from_str(created["representation"].as_str().unwrap()).unwrap();
    assert_eq!(rep["clientId"], "payments");
    assert_eq!(rep["secret"], "**********");
    let auth = &created["authDetails"];
    assert_eq!(auth["clientId"], "admin-cli");
    assert_eq!(auth["ipAddress"], "127.0.0.1");
    assert_eq!(auth["realmId"], admin.get_json("/admin/realms/master")["id"]);
    let admin_user = admin.get_json("/admin/realms/master/users?username=admin&exact=true")[0]["id"].clone();
    assert_eq!(auth["userId"], admin_user);
    let text = serde_json::to_string(&all).unwrap();
    assert!(!text.contains("very-secret-value-1") && !text.contains("bobs-password"), "{text}");

    assert_eq!(admin_events(&server, "adm", "?operationTypes=CREATE").len(), 2);
    assert_eq!(admin_events(&server, "adm", "?resourceTypes=CLIENT&operationTypes=UPDATE,DELETE").len(), 2);
    assert_eq!(admin_events(&server, "adm", "?resourcePath=clients/*").len(), 4);
    assert_eq!(admin_events(&server, "adm", &format!("?authUser={}", admin_user.as_str().unwrap())).len(), 6);
    assert_eq!(admin_events(&server, "adm", "?authUser=someone-else").len(), 0);

    // Realm creation and deletion are the master realm's events (when it keeps them).
    enable_events(&server, "master");
    admin.create_realm("short-lived");
    assert_eq!(admin.delete("/admin/realms/short-lived").status(), 204);
    let master = admin_events(&server, "master", "?resourceTypes=REALM");
    let realm_ops: Vec<(&str, &str)> =
        master.iter().map(|e| (e["operationType"].as_str().unwrap(), e["resourcePath"].as_str().unwrap())).collect();
    assert_eq!(realm_ops[..2], [("DELETE", "short-lived"), ("CREATE", "short-lived")], "{master:?}");
    // Wiping the admin events is itself the one admin event left: who did it stays known.
    assert_eq!(admin.delete("/admin/realms/adm/admin-events").status(), 204);
    let left = admin_events(&server, "adm", "");
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(
        (left[0]["operationType"].as_str(), left[0]["resourcePath"].as_str()),
        (Some("DELETE"), Some("admin-events"))
    );
}

#[test]
fn events_are_logged_as_json_even_when_not_stored() {
    let server =
        Server::start_with(Opts { extra_args: vec!["--log-format".into(), "json".into()], ..Default::default() });
    server.admin().create_realm("logs");
    server.admin().create_service_client("logs", "app", "logged-secret");
    client_credentials(&server, "logs", "app", "wrong-guess", &[]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let line = loop {
        let found = server.log.lock().unwrap().iter().find(|l| l.contains("CLIENT_LOGIN_ERROR")).cloned();
        if let Some(l) = found {
            break l;
        }
        assert!(std::time::Instant::now() < deadline, "no event logged");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let v: Value = serde_json::from_str(&line).expect("a JSON log line");
    assert_eq!(v["level"], "WARN");
    assert_eq!(v["target"], "portcullis::events");
    assert_eq!(v["fields"]["clientId"], "app");
    assert_eq!(v["fields"]["error"], "invalid_client_credentials");
    assert_eq!(v["fields"]["ipAddress"], "127.0.0.1");
    let logs = server.log.lock().unwrap().join("\n");
    assert!(!logs.contains("wrong-guess") && !logs.contains("logged-secret"));
    assert!(logs.contains("\"operationType\":\"CREATE\""), "admin events are logged: {logs}");
}
