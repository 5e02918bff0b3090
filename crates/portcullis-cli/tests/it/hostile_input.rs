//! A table of hostile requests against every public endpoint: broken encodings, huge
//! headers, repeated parameters, SQL and JSON injection strings, path traversal in realm
//! names, oversized JWTs. Each must be a 4xx with a JSON error (or, for searches, an empty
//! answer), and none may change anything: the realm's state is compared before and after.

use reqwest::blocking::RequestBuilder;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{json, Value};

use crate::harness::Server;

const FORM: &str = "application/x-www-form-urlencoded";
const TOKEN: &str = "/realms/h/protocol/openid-connect/token";

/// Builds a request from the server and an admin token.
type Build = Box<dyn Fn(&Server, &str) -> RequestBuilder>;

/// One hostile request and the status it must get.
struct Case {
    what: &'static str,
    want: u16,
    build: Build,
}

fn case(what: &'static str, want: u16, build: impl Fn(&Server, &str) -> RequestBuilder + 'static) -> Case {
    Case { what, want, build: Box::new(build) }
}

fn token_body(server: &Server, body: impl Into<Vec<u8>>) -> RequestBuilder {
    let body: Vec<u8> = body.into();
    server.http.post(server.url(TOKEN)).header(CONTENT_TYPE, FORM).body(body)
}

const INJECTIONS: [&str; 6] = [
    "' OR '1'='1",
    "x'; DROP TABLE clients; --",
    "\" OR \"\"=\"",
    "{\"$ne\": null}",
    "svc\u{0}admin",
    "${jndi:ldap://127.0.0.1/x}",
];

fn cases() -> Vec<Case> {
    let mut c = vec![
        // Broken encodings.
        // WHATWG form decoding keeps an invalid escape as it is: an unknown client.
        case("bad percent escape", 401, |s, _| token_body(s, "grant_type=client_credentials&client_id=%ZZ")),
        case("lone percent", 400, |s, _| token_body(s, "grant_type=%")),
        case("invalid UTF-8 in form", 400, |s, _| {
            token_body(s, b"grant_type=client_credentials&scope=\xc3\x28".to_vec())
        }),
        case("overlong UTF-8 escape", 400, |s, _| token_body(s, "grant_type=client_credentials&client_id=%C0%AF")),
        case("Basic not base64", 401, |s, _| {
            token_body(s, "grant_type=client_credentials").header(AUTHORIZATION, "Basic !!!not-base64!!!")
        }),
        case("Basic without colon", 401, |s, _| {
            token_body(s, "grant_type=client_credentials").header(AUTHORIZATION, "Basic c3Zj")
        }),
        case("admin JSON invalid UTF-8", 400, |s, t| {
            s.http
                .post(s.url("/admin/realms/h/clients"))
                .bearer_auth(t)
                .header(CONTENT_TYPE, "application/json")
                .body(b"{\"clientId\": \"\xff\xfe\"}".to_vec())
        }),
        case("admin JSON truncated", 400, |s, t| {
            s.http
                .post(s.url("/admin/realms/h/users"))
                .bearer_auth(t)
                .header(CONTENT_TYPE, "application/json")
                .body("{\"username\": ")
        }),
        case("admin JSON wrong types", 400, |s, t| {
            s.http.post(s.url("/admin/realms/h/clients")).bearer_auth(t).json(&json!({"clientId": {"$gt": ""}}))
        }),
        case("admin JSON deep nesting", 400, |s, t| {
            let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
            s.http
                .post(s.url("/admin/realms/h/clients"))
                .bearer_auth(t)
                .header(CONTENT_TYPE, "application/json")
                .body(deep)
        }),
        // Huge headers.
        case("one 40 KiB header", 431, |s, _| {
            s.http.get(s.url("/realms/h/protocol/openid-connect/certs")).header("x-junk", "a".repeat(40 * 1024))
        }),
        case("80 headers", 431, |s, _| {
            let mut rb = s.http.get(s.url("/realms/h/.well-known/openid-configuration"));
            for i in 0..80 {
                rb = rb.header(format!("x-h{i}"), "v");
            }
            rb
        }),
        // Repeated parameters.
        case("grant_type twice", 400, |s, _| token_body(s, "grant_type=client_credentials&grant_type=password")),
        case("client_id twice", 400, |s, _| token_body(s, "grant_type=client_credentials&client_id=a&client_id=b")),
        case("scope twice", 400, |s, _| {
            token_body(s, "grant_type=client_credentials&client_id=svc&client_secret=svc-secret&scope=a&scope=b")
        }),
        case("secret in Basic and body", 400, |s, _| {
            token_body(s, "grant_type=client_credentials&client_secret=svc-secret")
                .basic_auth("svc", Some("svc-secret"))
        }),
        // Path traversal and odd realm names.
        case("encoded dot-dot realm", 404, |s, _| {
            s.http.get(s.url("/realms/..%2F..%2Fetc/protocol/openid-connect/certs"))
        }),
        case("dot-dot realm", 404, |s, _| s.http.get(s.url("/realms/%2e%2e/.well-known/openid-configuration"))),
        case("traversal into admin", 404, |s, t| s.http.get(s.url("/admin/realms/..%2Fmaster/clients")).bearer_auth(t)),
        case("realm named ../x", 400, |s, t| {
            s.http.post(s.url("/admin/realms")).bearer_auth(t).json(&json!({"realm": "../x"}))
        }),
        case("realm named with slash", 400, |s, t| {
            s.http.post(s.url("/admin/realms")).bearer_auth(t).json(&json!({"realm": "a/b"}))
        }),
        case("client id with control chars", 400, |s, t| {
            s.http.post(s.url("/admin/realms/h/clients")).bearer_auth(t).json(&json!({"clientId": "bad\nid"}))
        }),
        case("client id of 300 chars", 400, |s, t| {
            s.http.post(s.url("/admin/realms/h/clients")).bearer_auth(t).json(&json!({"clientId": "c".repeat(300)}))
        }),
        // Oversized and forged JWTs.
        case("20 KiB bearer", 401, |s, _| s.http.get(s.url("/admin/realms/h")).bearer_auth("e".repeat(20 * 1024))),
        case("100 KiB bearer", 431, |s, _| s.http.get(s.url("/admin/realms/h")).bearer_auth("e".repeat(100 * 1024))),
        case("alg none JWT", 401, |s, _| {
            // {"alg":"none"}.{"iss":".../realms/master","sub":"x","exp":9999999999,"realm_access":{"roles":["admin"]}}.
            let jwt = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwOi8vMTI3LjAuMC4xL3JlYWxtcy9tYXN0ZXIiLCJzdWIiOiJ4IiwiZXhwIjo5OTk5OTk5OTk5LCJyZWFsbV9hY2Nlc3MiOnsicm9sZXMiOlsiYWRtaW4iXX19.";
            s.http.get(s.url("/admin/realms/h")).bearer_auth(jwt)
        }),
        case("JWT with 5 parts", 401, |s, _| s.http.get(s.url("/admin/realms/h")).bearer_auth("a.b.c.d.e")),
    ];
    for (i, inj) in INJECTIONS.iter().enumerate() {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_id", inj)
            .append_pair("client_secret", inj)
            .finish();
        let what: &'static str = Box::leak(format!("injection {i} as client_id").into_boxed_str());
        c.push(case(what, 401, move |s, _| token_body(s, body.clone())));
        let scope = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("scope", inj)
            .finish();
        let what: &'static str = Box::leak(format!("injection {i} as scope").into_boxed_str());
        c.push(case(what, 400, move |s, _| token_body(s, scope.clone()).basic_auth("svc", Some("svc-secret"))));
    }
    c
}

/// Everything an admin can see of realm `h` (and the realm list), to compare.
fn snapshot(server: &Server) -> Value {
    let admin = server.admin();
    let mut clients = admin.get_json("/admin/realms/h/clients");
    for c in clients.as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("secret");
    }
    json!({
        "realms": admin.get_json("/admin/realms").as_array().unwrap().iter().map(|r| r["realm"].clone()).collect::<Vec<_>>(),
        "realm": admin.get_json("/admin/realms/h"),
        "clients": clients,
        "users": admin.get_json("/admin/realms/h/users?briefRepresentation=false"),
        "roles": admin.get_json("/admin/realms/h/roles"),
        "scopes": admin.get_json("/admin/realms/h/client-scopes"),
    })
}

#[test]
fn hostile_requests_get_json_4xx_and_change_nothing() {
    let server = Server::with_realm("h");
    let admin = server.admin();
    admin.create_service_client("h", "svc", "svc-secret");
    let before = snapshot(&server);
    let token = admin.token.clone();
    let all = cases();
    let mut wrong = Vec::new();
    for c in &all {
        let r = (c.build)(&server, &token).send().unwrap_or_else(|e| panic!("{}: {e}", c.what));
        let status = r.status().as_u16();
        let ct = r.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let body = r.text().unwrap_or_default();
        let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let message = v.get("error").or_else(|| v.get("errorMessage")).and_then(Value::as_str);
        let json_error = ct.starts_with("application/json") && message.is_some_and(|m| !m.is_empty());
        if status != c.want || !json_error {
            wrong.push(format!("{}: want {}, got {status} {ct:?} {body}", c.what, c.want));
        }
    }
    assert!(wrong.is_empty(), "{} of {} cases:\n{}", wrong.len(), all.len(), wrong.join("\n"));
    // Injection strings in searches are plain text: nothing matches, nothing leaks. (A NUL
    // byte, which PostgreSQL cannot hold in text, is a clean 400 there.)
    for inj in INJECTIONS {
        let q: String = form_urlencoded::byte_serialize(inj.as_bytes()).collect();
        for path in
            [format!("/admin/realms/h/users?search={q}"), format!("/admin/realms/h/clients?clientId={q}&search=true")]
        {
            let r = admin.get(&path);
            let status = r.status().as_u16();
            let body: Value = r.json().unwrap();
            let clean = (status == 200 && body == json!([])) || (status == 400 && body["errorMessage"].is_string());
            assert!(clean, "{path}: {status} {body}");
        }
    }
    assert_eq!(snapshot(&server), before, "a hostile request changed state");
    assert_eq!(crate::harness::client_credentials(&server, "h", "svc", "svc-secret", &[]).0, 200);
    assert_eq!(server.http.get(server.url("/health/ready")).send().unwrap().status(), 200);
    eprintln!("{} hostile requests, {} search injections", all.len(), INJECTIONS.len() * 2);
}
