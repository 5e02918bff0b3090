//! Crashes: a server killed with SIGKILL in the middle of a burst of admin writes loses
//! none that it acknowledged, and what it holds after a restart is consistent (every
//! client whole: its service account there, its sealed secret usable).

use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::{client_credentials, Opts, Server};

#[test]
fn kill_9_during_admin_writes_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start_with(Opts { data_dir: Some(data.clone()), ..Default::default() });
    let admin = server.admin();
    admin.create_realm("crash");
    let (url, token) = (server.url("/admin/realms/crash/clients"), admin.token.clone());
    let writer = std::thread::spawn(move || {
        let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
        let mut acknowledged = Vec::new();
        for i in 0.. {
            let body =
                json!({"clientId": format!("c{i}"), "secret": format!("secret-{i}"), "serviceAccountsEnabled": true});
            match http.post(&url).bearer_auth(&token).json(&body).send() {
                Ok(r) if r.status() == 201 => acknowledged.push(i),
                _ => break,
            }
        }
        acknowledged
    });
    std::thread::sleep(Duration::from_millis(1500));
    let database = server.database.clone();
    server.kill9();
    let acknowledged = writer.join().unwrap();
    eprintln!("{} writes acknowledged before the kill", acknowledged.len());
    assert!(acknowledged.len() >= 5, "the burst was too short to mean anything: {}", acknowledged.len());

    let again = Server::start_with(Opts { data_dir: Some(data), database, ..Default::default() });
    let admin = again.admin();
    // The burst's clients: c0, c1, … (the realm's own admin-cli and realm-management aside).
    let clients: Vec<Value> = admin
        .get_json("/admin/realms/crash/clients")
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["clientId"].as_str().is_some_and(|id| id.starts_with('c') && id[1..].parse::<u32>().is_ok()))
        .cloned()
        .collect();
    let present: Vec<&str> = clients.iter().map(|c| c["clientId"].as_str().unwrap()).collect();
    for i in &acknowledged {
        assert!(present.contains(&format!("c{i}").as_str()), "acknowledged client c{i} lost");
    }
    // The write in flight at the kill is all there or not at all.
    assert!(present.len() <= acknowledged.len() + 1, "{} present, {} acknowledged", present.len(), acknowledged.len());
    for c in &clients {
        let sa = admin.get(&format!("/admin/realms/crash/clients/{}/service-account-user", c["id"].as_str().unwrap()));
        assert_eq!(sa.status(), 200, "client {} without its service account", c["clientId"]);
    }
    let last = acknowledged.last().unwrap();
    for i in [0, *last] {
        let (status, body) = client_credentials(&again, "crash", &format!("c{i}"), &format!("secret-{i}"), &[]);
        assert_eq!(status, 200, "c{i}: {body}");
    }
}
