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
        let http = crate::harness::http_client(Duration::from_secs(5));
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

/// A small tmpfs, unmounted on drop (after the server on it has stopped).
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    /// `None` when this process may not mount (not root): the test says so and stops.
    fn mount(dir: &std::path::Path, size: &str) -> Option<Self> {
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Self(dir.to_owned()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// Fills the file system of `dir` with one file, until a write fails.
fn fill(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write as _;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    while f.write_all(&chunk).is_ok() {}
    let small = [0u8; 512];
    while f.write_all(&small).is_ok() {}
    let _ = f.sync_all();
    path
}

#[test]
fn full_disk_turns_readiness_false_and_writes_into_clean_503s() {
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = SmallDisk::mount(dir.path(), "16m") else {
        eprintln!("not run: mounting a tmpfs needs root (CI runs as root)");
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "CI must run this test");
        return;
    };
    let data = dir.path().join("data");
    let server = Server::start_with(Opts { data_dir: Some(data.clone()), sqlite: true, ..Default::default() });
    let admin = server.admin();
    admin.create_realm("full");
    admin.create_service_client("full", "cached", "secret");
    assert_eq!(client_credentials(&server, "full", "cached", "secret", &[]).0, 200);

    let filler = fill(dir.path());
    let ready = || server.http.get(server.url("/health/ready")).send().unwrap().status().as_u16();
    assert_eq!(ready(), 503, "readiness false on a full disk");
    assert_eq!(server.http.get(server.url("/health/live")).send().unwrap().status(), 200);
    assert_eq!(client_credentials(&server, "full", "cached", "secret", &[]).0, 200, "tokens need no write");
    // Writes big enough to need new pages fail cleanly, and nothing half-written remains.
    let big = "x".repeat(200_000);
    let write = admin.post("/admin/realms/full/clients", &json!({"clientId": "late", "description": big}));
    assert_eq!(write.status(), 503, "{}", write.text().unwrap_or_default());

    std::fs::remove_file(&filler).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while ready() != 200 {
        assert!(std::time::Instant::now() < deadline, "readiness did not come back");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(admin.get_json("/admin/realms/full/clients?clientId=late").as_array().unwrap().is_empty());
    assert_eq!(
        admin.post("/admin/realms/full/clients", &json!({"clientId": "late", "description": big})).status(),
        201
    );
    assert!(server.log.lock().unwrap().iter().all(|l| !l.contains("panicked")));
    drop(server);
    drop(disk);
}
