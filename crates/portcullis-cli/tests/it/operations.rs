//! What operators rely on around every request: request ids (kept from a proxy when sane,
//! made up otherwise, always echoed), security headers on every answer, and JSON logs whose
//! lines carry the request id.

use serde_json::{json, Value};

use crate::harness::{Opts, Server};

const SECURITY: [(&str, &str); 4] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
];

fn request_id(r: &reqwest::blocking::Response) -> String {
    r.headers().get("x-request-id").expect("x-request-id").to_str().unwrap().to_owned()
}

#[test]
fn every_answer_has_a_request_id_and_security_headers() {
    let server = Server::with_realm("ops");
    let admin = server.admin();
    let answers = [
        server.http.get(server.url("/realms/ops/protocol/openid-connect/certs")).send().unwrap(),
        server.http.post(server.token_url("ops")).form(&[("grant_type", "client_credentials")]).send().unwrap(),
        server.http.get(server.url("/no/such/path")).send().unwrap(),
        admin.get("/admin/realms/ops"),
        server.http.get(server.url("/health/ready")).send().unwrap(),
    ];
    let mut ids = Vec::new();
    for r in &answers {
        for (name, value) in SECURITY {
            assert_eq!(r.headers().get(name).map(|v| v.to_str().unwrap()), Some(value), "{name} on {}", r.url());
        }
        let id = request_id(r);
        assert_eq!(id.len(), 36, "a fresh UUID: {id}");
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), answers.len(), "each request gets its own id");

    // A proxy's id is kept; one that is too long or holds odd characters is replaced.
    let with_id = |id: &str| server.http.get(server.url("/health/live")).header("x-request-id", id).send().unwrap();
    assert_eq!(request_id(&with_id("edge-7f3a:42")), "edge-7f3a:42");
    for bad in ["x".repeat(129), "two words".into(), "line\tbreak".into()] {
        let got = request_id(&with_id(&bad));
        assert_ne!(got, bad);
        assert_eq!(got.len(), 36);
    }
}

#[test]
fn json_logs_carry_the_request_id() {
    let server =
        Server::start_with(Opts { extra_args: vec!["--log-format".into(), "json".into()], ..Default::default() });
    let admin = server.admin();
    admin.create_realm("logged");
    let r = admin.put("/admin/realms/logged", &json!({"defaultSignatureAlgorithm": "ES256"}));
    assert_eq!(r.status(), 204);
    let id = request_id(&r);
    // The log thread reads stderr as it comes: give the line a moment to arrive.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let lines = server.log.lock().unwrap().clone();
        let parsed: Vec<Value> = lines.iter().map(|l| serde_json::from_str(l).expect("every line is JSON")).collect();
        let found = parsed.iter().any(|v| {
            v["fields"]["message"].as_str().is_some_and(|m| m.contains("new signing key"))
                && v["span"]["request_id"] == id.as_str()
        });
        if found {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no JSON line with request_id {id}: {lines:#?}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn metrics_count_requests_tokens_and_connections_when_enabled() {
    let off = Server::start();
    assert_eq!(off.http.get(off.url("/metrics")).send().unwrap().status(), 404, "off by default");
    drop(off);

    let server = Server::start_with(Opts { extra_args: vec!["--metrics-enabled".into()], ..Default::default() });
    let admin = server.admin();
    admin.create_realm("m");
    admin.create_service_client("m", "svc", "s3cret");
    for _ in 0..3 {
        assert_eq!(crate::harness::client_credentials(&server, "m", "svc", "s3cret", &[]).0, 200);
    }
    assert_eq!(crate::harness::client_credentials(&server, "m", "svc", "wrong", &[]).0, 401);
    for i in 0..20 {
        server.http.get(server.url(&format!("/realms/junk{i}/protocol/openid-connect/certs"))).send().unwrap();
    }
    let brew = reqwest::Method::from_bytes(b"BREW").unwrap();
    server.http.request(brew, server.url("/realms/m/protocol/openid-connect/token")).send().unwrap();
    let r = server.http.get(server.url("/metrics")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = r.text().unwrap();
    let value = |series: &str| -> f64 {
        let line = text.lines().find(|l| l.starts_with(series)).unwrap_or_else(|| panic!("{series} missing:\n{text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert_eq!(
        value(r#"portcullis_tokens_issued_total{realm="m",grant_type="client_credentials",client_id="svc"}"#),
        3.0
    );
    assert_eq!(value(r#"portcullis_http_requests_total{endpoint="token",method="POST",status="200",realm="m"}"#), 3.0);
    assert_eq!(value(r#"portcullis_http_requests_total{endpoint="token",method="POST",status="401",realm="m"}"#), 1.0);
    // Unknown realms share one series instead of one each.
    assert_eq!(value(r#"portcullis_http_requests_total{endpoint="certs",method="GET",status="404",realm="-"}"#), 20.0);
    assert!(!text.contains("junk"), "no label from an unknown realm");
    assert!(!text.contains("BREW") && text.contains(r#"method="other""#), "made-up methods share one label");
    assert!(value(r#"portcullis_http_request_duration_seconds_count{endpoint="token"}"#) >= 4.0);
    assert!(value(r#"portcullis_cache_lookups_total{kind="client",result="hit"}"#) >= 3.0);
    assert!(value(r#"portcullis_db_connections{state="max"}"#) >= 1.0);
}

#[test]
fn rate_limits_answer_429_with_retry_after() {
    let server = Server::start_with(Opts {
        extra_args: ["--token-rate-limit", "2", "--admin-rate-limit", "5"].map(String::from).to_vec(),
        ..Default::default()
    });
    let admin = server.admin();
    admin.create_realm("rl");
    admin.create_service_client("rl", "a", "secret-a");
    admin.create_service_client("rl", "b", "secret-b");
    let token = |id: &str, secret: &str| {
        server
            .http
            .post(server.token_url("rl"))
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .unwrap()
    };
    assert_eq!(token("a", "secret-a").status(), 200);
    // A wrong secret spends the allowance too: guessing is limited as well.
    assert_eq!(token("a", "wrong").status(), 401);
    let over = token("a", "secret-a");
    assert_eq!(over.status(), 429);
    assert_eq!(over.headers()["retry-after"], "1");
    let body: Value = over.json().unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    assert_eq!(token("b", "secret-b").status(), 200, "each client has its own allowance");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(token("a", "secret-a").status(), 200, "the allowance comes back");

    let answers: Vec<_> = (0..8).map(|_| admin.get("/admin/realms/rl")).collect();
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    let limited = statuses.iter().position(|s| *s == 429).unwrap_or_else(|| panic!("no 429 in {statuses:?}"));
    assert!(limited >= 1 && statuses[..limited].iter().all(|s| *s == 200), "{statuses:?}");
    let first_over = answers.into_iter().nth(limited).unwrap();
    assert!(first_over.headers().contains_key("retry-after"));
    assert!(first_over.json::<Value>().unwrap()["errorMessage"].as_str().unwrap().contains("retry after"));
}
