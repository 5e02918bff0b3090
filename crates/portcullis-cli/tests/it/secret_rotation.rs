//! Client secret rotation (Keycloak's rotated secret): with a realm grace period, the
//! secret a regeneration replaces keeps working until the period ends or an admin drops it
//! (`GET/DELETE …/client-secret/rotated`); a realm lifetime makes secrets expire.

use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::{assert_error, client_credentials, Server};

fn status(server: &Server, realm: &str, secret: &str) -> u16 {
    client_credentials(server, realm, "svc", secret, &[]).0
}

#[test]
fn the_previous_secret_works_during_the_grace_period_only() {
    let server = Server::start();
    let admin = server.admin();
    admin.create(
        "/admin/realms",
        &json!({"realm": "rot", "enabled": true, "attributes": {"client.secret.rotated.expiration.period": "3"}}),
    );
    let id = admin.create_service_client("rot", "svc", "first-secret");
    let base = format!("/admin/realms/rot/clients/{id}/client-secret");
    assert_error(admin.get(&format!("{base}/rotated")), 404);

    let regenerate = || -> String {
        let r = admin.post(&base, &json!({}));
        assert_eq!(r.status(), 200);
        r.json::<Value>().unwrap()["value"].as_str().unwrap().to_owned()
    };
    let second = regenerate();
    assert_eq!(status(&server, "rot", "first-secret"), 200, "the old secret works during the grace period");
    assert_eq!(status(&server, "rot", &second), 200);
    assert_eq!(admin.get_json(&format!("{base}/rotated"))["value"], "first-secret");
    let attrs = admin.get_json(&format!("/admin/realms/rot/clients/{id}"))["attributes"].clone();
    assert!(attrs["client.secret.rotated.expiration.time"].as_str().is_some(), "{attrs}");
    assert!(attrs["client.secret.creation.time"].as_str().is_some(), "{attrs}");

    // Dropped by an admin: gone at once.
    assert_eq!(admin.delete(&format!("{base}/rotated")).status(), 204);
    assert_eq!(status(&server, "rot", "first-secret"), 401);
    assert_eq!(status(&server, "rot", &second), 200);
    assert_error(admin.get(&format!("{base}/rotated")), 404);

    // Or at the end of the grace period.
    let third = regenerate();
    assert_eq!(status(&server, "rot", &second), 200);
    std::thread::sleep(Duration::from_millis(3500));
    assert_eq!(status(&server, "rot", &second), 401, "the grace period is over");
    assert_eq!(status(&server, "rot", &third), 200);
    assert_error(admin.get(&format!("{base}/rotated")), 404);

    // A secret set by an admin replaces the old one at once.
    let mut rep = admin.get_json(&format!("/admin/realms/rot/clients/{id}"));
    rep["secret"] = json!("chosen-by-admin");
    assert_eq!(admin.put(&format!("/admin/realms/rot/clients/{id}"), &rep).status(), 204);
    assert_eq!(status(&server, "rot", &third), 401);
    assert_eq!(status(&server, "rot", "chosen-by-admin"), 200);
}

#[test]
fn secrets_expire_after_the_realm_lifetime_and_hashed_realms_mask_the_rotated_one() {
    let server = Server::start();
    let admin = server.admin();
    admin.create(
        "/admin/realms",
        &json!({"realm": "life", "enabled": true, "attributes": {"client.secret.expiration.period": "2"}}),
    );
    let id = admin.create_service_client("life", "svc", "short-lived");
    assert_eq!(status(&server, "life", "short-lived"), 200);
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(status(&server, "life", "short-lived"), 401, "expired");
    let r = admin.post(&format!("/admin/realms/life/clients/{id}/client-secret"), &json!({}));
    let fresh = r.json::<Value>().unwrap()["value"].as_str().unwrap().to_owned();
    assert_eq!(status(&server, "life", &fresh), 200, "a regenerated secret works again");

    for bad in ["-1", "soon", "999999999999"] {
        let r = admin.put("/admin/realms/life", &json!({"attributes": {"client.secret.expiration.period": bad}}));
        assert_eq!(r.status(), 400, "{bad}");
    }

    // A hashed realm keeps the rotated secret as a hash too: it works, and reads masked.
    admin.create(
        "/admin/realms",
        &json!({"realm": "hashed", "enabled": true,
                "attributes": {"clientSecretStorage": "hashed", "client.secret.rotated.expiration.period": "60"}}),
    );
    let id = admin.create_service_client("hashed", "svc", "hashed-first");
    let r = admin.post(&format!("/admin/realms/hashed/clients/{id}/client-secret"), &json!({}));
    let second = r.json::<Value>().unwrap()["value"].as_str().unwrap().to_owned();
    assert_eq!(status(&server, "hashed", "hashed-first"), 200);
    assert_eq!(status(&server, "hashed", &second), 200);
    let rotated = admin.get_json(&format!("/admin/realms/hashed/clients/{id}/client-secret/rotated"));
    assert_eq!(rotated["value"], "**********");
    assert!(rotated["notice"].as_str().is_some());
}
