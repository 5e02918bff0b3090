//! HTTPS with rustls: the certificate given is served, issuer URLs say https, answers carry
//! HSTS, SIGHUP reloads a renewed certificate, and a broken one is refused at start and
//! ignored on reload. Driven with the system's curl and openssl, clients we did not write.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{run, Opts, Server, ADMIN_PASSWORD, ADMIN_USER};

/// A self-signed certificate for localhost and 127.0.0.1 with common name `cn`.
fn self_signed(dir: &Path, cn: &str) {
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", &format!("/CN={cn}"), "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .output()
        .expect("openssl");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn tls_args(dir: &Path) -> Vec<String> {
    vec![
        "--https-cert-file".into(),
        dir.join("cert.pem").display().to_string(),
        "--https-key-file".into(),
        dir.join("key.pem").display().to_string(),
    ]
}

/// curl with `ca` trusted: (status, headers, body).
fn curl(ca: &Path, url: &str, form: &[&str]) -> (u16, String, String) {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-D", "-", "--cacert"]).arg(ca).arg(url);
    for f in form {
        cmd.args(["--data-urlencode", f]);
    }
    let out = cmd.output().expect("curl");
    assert!(out.status.success(), "curl {url}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("headers");
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

/// The common name of the certificate the server presents.
fn served_cn(port: &str) -> String {
    let s_client = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl s_client -connect 127.0.0.1:{port} -servername localhost </dev/null 2>/dev/null \
             | openssl x509 -noout -subject"
        ))
        .output()
        .expect("openssl s_client");
    String::from_utf8_lossy(&s_client.stdout).trim().to_owned()
}

#[test]
fn https_serves_the_given_certificate_reloads_on_sighup_and_sends_hsts() {
    let certs = tempfile::tempdir().unwrap();
    self_signed(certs.path(), "first");
    let ca = certs.path().join("ca-first.pem");
    std::fs::copy(certs.path().join("cert.pem"), &ca).unwrap();
    let server = Server::start_with(Opts { extra_args: tls_args(certs.path()), ..Default::default() });
    assert!(server.base.starts_with("https://127.0.0.1:"), "{}", server.base);
    let port = server.base.rsplit(':').next().unwrap().to_owned();
    let url = |p: &str| format!("https://localhost:{port}{p}");

    let (status, head, body) = curl(&ca, &url("/realms/master/.well-known/openid-configuration"), &[]);
    assert_eq!(status, 200);
    assert!(head.contains("strict-transport-security: max-age=31536000; includesubdomains"), "{head}");
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["issuer"], format!("https://localhost:{port}/realms/master"));
    assert!(doc["token_endpoint"].as_str().unwrap().starts_with("https://"));

    let (status, _, body) = curl(
        &ca,
        &url("/realms/master/protocol/openid-connect/token"),
        &[
            "grant_type=password",
            "client_id=admin-cli",
            &format!("username={ADMIN_USER}"),
            &format!("password={ADMIN_PASSWORD}"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    assert!(served_cn(&port).contains("CN = first"), "{}", served_cn(&port));

    // A renewed certificate: SIGHUP, and new connections get it.
    self_signed(certs.path(), "second");
    let ca2 = certs.path().join("ca-second.pem");
    std::fs::copy(certs.path().join("cert.pem"), &ca2).unwrap();
    assert!(Command::new("kill").args(["-HUP", &server.pid().to_string()]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(5);
    while !served_cn(&port).contains("CN = second") {
        assert!(Instant::now() < deadline, "certificate not reloaded: {}", served_cn(&port));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(curl(&ca2, &url("/health/ready"), &[]).0, 200);

    // A broken file on reload: logged, and the last good certificate stays.
    std::fs::write(certs.path().join("key.pem"), "not a key").unwrap();
    assert!(Command::new("kill").args(["-HUP", &server.pid().to_string()]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.log.lock().unwrap().iter().any(|l| l.contains("reload failed")) {
        assert!(Instant::now() < deadline, "no reload failure logged");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(curl(&ca2, &url("/health/ready"), &[]).0, 200);
    assert!(served_cn(&port).contains("CN = second"));
}

#[test]
fn unusable_certificates_stop_the_start_and_plain_http_has_no_hsts() {
    let certs = tempfile::tempdir().unwrap();
    std::fs::write(certs.path().join("cert.pem"), "garbage").unwrap();
    std::fs::write(certs.path().join("key.pem"), "garbage").unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut args = vec!["serve", "--http-addr", "127.0.0.1:0", "--data-dir", data.path().to_str().unwrap()];
    let tls = tls_args(certs.path());
    args.extend(tls.iter().map(String::as_str));
    let out = run(&args);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot use certificate") && err.contains("cert.pem"), "{err}");
    // One without the other is a usage error.
    let out = run(&["serve", "--https-cert-file", "x.pem"]);
    assert!(!out.status.success());

    let plain = Server::start();
    let r = plain.http.get(plain.url("/health/ready")).send().unwrap();
    assert!(r.headers().get("strict-transport-security").is_none());
}
