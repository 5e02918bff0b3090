//! Bad input never costs a 5xx or the process: every answer is a 4xx with a JSON body
//! carrying an `error` field, and the server stays live afterwards.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use reqwest::blocking::RequestBuilder;
use reqwest::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::Method;
use serde_json::Value;

use crate::harness::Server;

const FORM: &str = "application/x-www-form-urlencoded";
const TWO_MIB: usize = 2 * 1024 * 1024;

/// Sends the request and checks that the answer is a 4xx with a JSON body holding an
/// `error` string; returns status, headers and body.
fn json_error(rb: RequestBuilder) -> (u16, HeaderMap, Value) {
    let r = rb.send().expect("request sent");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let ct = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let text = r.text().unwrap_or_default();
    assert!((400..500).contains(&status), "status {status}, body: {text}");
    assert!(ct.starts_with("application/json"), "content-type {ct:?}, body: {text}");
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "no error field: {body}");
    (status, headers, body)
}

/// [`json_error`] with an exact status; returns the body.
fn expect_json_error(rb: RequestBuilder, want_status: u16) -> Value {
    let (status, _, body) = json_error(rb);
    assert_eq!(status, want_status, "{body}");
    body
}

/// The process is still alive and serving.
fn assert_alive(server: &Server) {
    let r = server.http.get(server.url("/health/live")).send().expect("server still answers");
    assert_eq!(r.status(), 200);
    let body: Value = r.json().unwrap();
    assert_eq!(body["status"], "UP");
}

/// A server with realm `r` and service client `svc`/`s3cret`, and an admin token.
fn setup() -> (Server, String) {
    let server = Server::start();
    let token = {
        let admin = server.admin();
        admin.create_realm("r");
        admin.create_service_client("r", "svc", "s3cret");
        admin.token.clone()
    };
    (server, token)
}

#[test]
fn empty_or_mistyped_token_request_bodies() {
    let (server, _) = setup();
    let url = server.token_url("r");

    // Empty form: no grant_type.
    let b = expect_json_error(server.http.post(&url).header(CONTENT_TYPE, FORM).body(""), 400);
    assert_eq!(b["error"], "invalid_request");
    // Empty body without any Content-Type.
    let b = expect_json_error(server.http.post(&url), 400);
    assert_eq!(b["error"], "invalid_request");
    // JSON instead of a form.
    let b = expect_json_error(
        server.http.post(&url).header(CONTENT_TYPE, "application/json").body(r#"{"grant_type":"client_credentials"}"#),
        400,
    );
    assert_eq!(b["error"], "invalid_request");
    // Form-looking text with the wrong type.
    let b = expect_json_error(
        server.http.post(&url).header(CONTENT_TYPE, "text/plain").body("grant_type=client_credentials"),
        400,
    );
    assert_eq!(b["error"], "invalid_request");
    // Garbage that is not a form at all still parses to "no grant_type".
    let b = expect_json_error(server.http.post(&url).header(CONTENT_TYPE, FORM).body("&&&===&%%%"), 400);
    assert_eq!(b["error"], "invalid_request");
    assert_alive(&server);
}

#[test]
fn invalid_utf8_in_token_form_is_invalid_request() {
    let (server, _) = setup();
    let url = server.token_url("r");
    for body in [
        &b"grant_type=client_credentials&scope=%FF"[..],
        &b"grant_type=client_credentials&%FF=x"[..],
        // Raw (not percent-encoded) invalid UTF-8 bytes.
        &b"grant_type=client_credentials&scope=\xff\xfe"[..],
    ] {
        let b = expect_json_error(
            server.http.post(&url).basic_auth("svc", Some("s3cret")).header(CONTENT_TYPE, FORM).body(body.to_vec()),
            400,
        );
        assert_eq!(b["error"], "invalid_request", "{}", String::from_utf8_lossy(body));
    }
    assert_alive(&server);
}

#[test]
fn broken_basic_headers_are_invalid_client() {
    let (server, _) = setup();
    let url = server.token_url("r");
    let headers = [
        "Basic !!!!".to_owned(),
        format!("Basic {}", STANDARD.encode("svc-without-colon")),
        format!("Basic {}", STANDARD.encode(b"svc:\xff\xfe")),
        format!("Basic {}", STANDARD.encode(b"\xc3\x28:s3cret")),
        format!("Basic {}", STANDARD.encode("svc:%FF")),
        format!("Basic {}", STANDARD.encode(":s3cret")),
        "Basic ".to_owned(),
    ];
    for h in &headers {
        let (status, headers, b) = json_error(
            server.http.post(&url).header(AUTHORIZATION, h.as_str()).form(&[("grant_type", "client_credentials")]),
        );
        assert_eq!(status, 401, "{h}: {b}");
        assert_eq!(b["error"], "invalid_client", "{h}");
        assert!(headers.contains_key(WWW_AUTHENTICATE), "{h}: no Basic challenge");
    }
    // A header value that is not even valid UTF-8 (obs-text bytes).
    let raw = reqwest::header::HeaderValue::from_bytes(b"Basic \xff\xfe").unwrap();
    let b = expect_json_error(
        server.http.post(&url).header(AUTHORIZATION, raw).form(&[("grant_type", "client_credentials")]),
        401,
    );
    assert_eq!(b["error"], "invalid_client");
    assert_alive(&server);
}

/// An HTTP/1.1 answer read off a raw socket.
struct RawAnswer {
    status: u16,
    content_type: String,
    body: String,
}

/// Sends a request over a raw socket: `head` (request line and headers, without the final
/// blank line) and then `body` from a writer thread whose errors are ignored. The server
/// may answer and close before the whole body is sent; reading runs meanwhile, so that the
/// answer is seen even when the rest of the body meets a closed connection.
fn raw_request(server: &Server, head: &str, body: Vec<u8>) -> RawAnswer {
    let authority = server.base.trim_start_matches("http://").split('/').next().unwrap().to_owned();
    let mut stream = TcpStream::connect(&authority).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!("{head}\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).expect("write head");
    let mut writer = stream.try_clone().expect("clone socket");
    let sender = std::thread::spawn(move || {
        for chunk in body.chunks(64 * 1024) {
            if writer.write_all(chunk).is_err() {
                return;
            }
        }
    });
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            // A reset after the answer arrived (unread request bytes) ends the exchange.
            Err(_) => break,
        }
        if answer_complete(&raw) {
            break;
        }
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
    let _ = sender.join();
    parse_answer(&raw)
}

fn split_answer(raw: &[u8]) -> Option<(String, &[u8])> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    Some((String::from_utf8_lossy(&raw[..end]).into_owned(), &raw[end + 4..]))
}

fn header_of(head: &str, name: &str) -> Option<String> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}

fn answer_complete(raw: &[u8]) -> bool {
    match split_answer(raw) {
        Some((head, body)) => {
            header_of(&head, "content-length").and_then(|l| l.parse::<usize>().ok()).is_some_and(|l| body.len() >= l)
        }
        None => false,
    }
}

fn parse_answer(raw: &[u8]) -> RawAnswer {
    let (head, body) = split_answer(raw).unwrap_or_else(|| panic!("no HTTP answer: {}", String::from_utf8_lossy(raw)));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("status line: {head}"));
    let body = match header_of(&head, "content-length").and_then(|l| l.parse::<usize>().ok()) {
        Some(len) => &body[..len.min(body.len())],
        None => body,
    };
    RawAnswer {
        status,
        content_type: header_of(&head, "content-type").unwrap_or_default(),
        body: String::from_utf8_lossy(body).into_owned(),
    }
}

/// Checks a 413 with a JSON error body.
fn assert_413(a: &RawAnswer, what: &str) {
    assert_eq!(a.status, 413, "{what}: {}", a.body);
    assert!(a.content_type.starts_with("application/json"), "{what}: content-type {:?}", a.content_type);
    let body: Value = serde_json::from_str(&a.body).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", a.body));
    assert_eq!(body["error"], "request_too_large", "{what}: {body}");
}

/// The body in HTTP/1.1 chunked framing.
fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 1024);
    for c in body.chunks(32 * 1024) {
        out.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
        out.extend_from_slice(c);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

#[test]
fn oversized_bodies_are_413() {
    let (server, token) = setup();
    let rel = server.base.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap_or_default();
    let token_path = format!("{rel}/realms/r/protocol/openid-connect/token");
    let admin_path = format!("{rel}/admin/realms");
    let big_form = format!("grant_type=client_credentials&scope={}", "a".repeat(TWO_MIB)).into_bytes();
    let big_json = format!(r#"{{"realm":"big","displayName":"{}"}}"#, "x".repeat(TWO_MIB)).into_bytes();
    let auth = format!("Authorization: Basic {}", STANDARD.encode("svc:s3cret"));
    let bearer = format!("Authorization: Bearer {token}");

    // Declared by Content-Length: refused before the body is read.
    let a = raw_request(
        &server,
        &format!("POST {token_path} HTTP/1.1\r\n{auth}\r\nContent-Type: {FORM}\r\nContent-Length: {}", big_form.len()),
        big_form.clone(),
    );
    assert_413(&a, "token, content-length");
    let a = raw_request(
        &server,
        &format!(
            "POST {admin_path} HTTP/1.1\r\n{bearer}\r\nContent-Type: application/json\r\nContent-Length: {}",
            big_json.len()
        ),
        big_json.clone(),
    );
    assert_413(&a, "admin, content-length");

    // Chunked: the size is only known while reading.
    let a = raw_request(
        &server,
        &format!("POST {token_path} HTTP/1.1\r\n{auth}\r\nContent-Type: {FORM}\r\nTransfer-Encoding: chunked"),
        chunked(&big_form),
    );
    assert_413(&a, "token, chunked");
    let a = raw_request(
        &server,
        &format!(
            "POST {admin_path} HTTP/1.1\r\n{bearer}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"
        ),
        chunked(&big_json),
    );
    assert_413(&a, "admin, chunked");

    // Nothing of the refused realm was created, and a normal request still works.
    let r = server.http.get(server.url("/admin/realms/big")).bearer_auth(&token).send().unwrap();
    assert_eq!(r.status(), 404);
    let r = server
        .http
        .post(server.token_url("r"))
        .basic_auth("svc", Some("s3cret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_alive(&server);
}

#[test]
fn bad_admin_bodies() {
    let (server, token) = setup();
    let post = |ct: &str, body: &'static str| {
        server.http.post(server.url("/admin/realms/r/clients")).bearer_auth(&token).header(CONTENT_TYPE, ct).body(body)
    };
    let b = expect_json_error(post("text/plain", r#"{"clientId":"x"}"#), 415);
    assert_eq!(b["error"], "unsupported_media_type");
    let b =
        expect_json_error(server.http.post(server.url("/admin/realms/r/clients")).bearer_auth(&token).body("{}"), 415);
    assert_eq!(b["error"], "unsupported_media_type");
    for body in [r#"{"clientId": "#, "not json", r#"{"clientId": 42}"#, "[1,2]", "", "\u{0}"] {
        let b = expect_json_error(post("application/json", body), 400);
        assert_eq!(b["error"], "invalid_request", "{body:?}");
    }
    // Invalid UTF-8 inside JSON.
    let b = expect_json_error(
        server
            .http
            .post(server.url("/admin/realms/r/clients"))
            .bearer_auth(&token)
            .header(CONTENT_TYPE, "application/json")
            .body(b"{\"clientId\":\"\xff\"}".to_vec()),
        400,
    );
    assert_eq!(b["error"], "invalid_request");
    // Bad JSON on a PUT too.
    let b = expect_json_error(
        server
            .http
            .put(server.url("/admin/realms/r"))
            .bearer_auth(&token)
            .header(CONTENT_TYPE, "application/json")
            .body("{"),
        400,
    );
    assert_eq!(b["error"], "invalid_request");
    assert_alive(&server);
}

#[test]
fn unknown_realm_on_token_certs_and_discovery() {
    let (server, _) = setup();
    let b = expect_json_error(
        server
            .http
            .post(server.token_url("nope"))
            .basic_auth("svc", Some("s3cret"))
            .form(&[("grant_type", "client_credentials")]),
        400,
    );
    assert_eq!(b["error"], "invalid_request");
    for path in [
        "/realms/nope/protocol/openid-connect/certs",
        "/realms/nope/.well-known/openid-configuration",
        "/realms/nope/.well-known/oauth-authorization-server",
        "/.well-known/oauth-authorization-server/realms/nope",
    ] {
        let b = expect_json_error(server.http.get(server.url(path)), 404);
        assert_eq!(b["error"], "not_found", "{path}");
    }
    assert_alive(&server);
}

#[test]
fn unknown_paths_and_wrong_methods() {
    let (server, token) = setup();
    for path in ["/nope", "/realms", "/realms/r/protocol/openid-connect/nope", "/admin/nope", "/realms/r/protocol"] {
        let b = expect_json_error(server.http.get(server.url(path)), 404);
        assert_eq!(b["error"], "not_found", "{path}");
    }
    let b = expect_json_error(server.http.get(server.token_url("r")), 405);
    assert_eq!(b["error"], "method_not_allowed");
    for (method, path) in [
        (Method::PUT, "/realms/r/protocol/openid-connect/token"),
        (Method::DELETE, "/realms/r/protocol/openid-connect/token"),
        (Method::POST, "/realms/r/protocol/openid-connect/certs"),
        (Method::POST, "/realms/r/.well-known/openid-configuration"),
        (Method::POST, "/health/live"),
    ] {
        let b = expect_json_error(server.http.request(method.clone(), server.url(path)), 405);
        assert_eq!(b["error"], "method_not_allowed", "{method} {path}");
    }
    let b = expect_json_error(server.http.patch(server.url("/admin/realms/r")).bearer_auth(&token), 405);
    assert_eq!(b["error"], "method_not_allowed");
    assert_alive(&server);
}

#[test]
fn invalid_utf8_in_path_segments() {
    let (server, token) = setup();
    for path in [
        "/realms/%FF/protocol/openid-connect/certs",
        "/realms/%C3%28/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server/realms/%FF",
    ] {
        expect_json_error(server.http.get(server.url(path)), 400);
    }
    expect_json_error(
        server
            .http
            .post(server.url("/realms/%FF/protocol/openid-connect/token"))
            .form(&[("grant_type", "client_credentials")]),
        400,
    );
    expect_json_error(server.http.get(server.url("/admin/realms/%FF/clients")).bearer_auth(&token), 400);
    assert_alive(&server);
}
