//! Entry points for the cargo-fuzz targets in `fuzz/` (feature `fuzzing`, never enabled by
//! the binaries). They reach the token endpoint's parsers, which are private to this crate,
//! and check properties that must hold for any input.

// A fuzz harness: a panic (failed assertion) is exactly how a finding is reported to
// libFuzzer, so the workspace's deny of unwrap/expect/panic does not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::error::OAuthResponseError;
use crate::extract::client_auth::{decode_basic, presented_client};
use crate::extract::form::TokenForm;

/// Single-valued parameters of the token endpoint whose values the harness checks.
const PARAMETERS: &[&str] = &[
    "grant_type",
    "client_id",
    "client_secret",
    "scope",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "username",
    "password",
    "client_assertion",
    "client_assertion_type",
    "audience",
];

/// A token request: the bytes before the first NUL are the `Authorization` header value
/// (absent when there is no NUL), the rest is the `application/x-www-form-urlencoded`
/// body. Runs [`TokenForm::parse`] and, on success, the client-credential extraction the
/// token endpoint does next; renders every error as the endpoint would.
pub fn token_form(data: &[u8]) {
    let (authorization, body) = match data.iter().position(|b| *b == 0) {
        Some(i) => (Some(&data[..i]), &data[i + 1..]),
        None => (None, data),
    };
    let form = match TokenForm::parse(body) {
        Ok(form) => form,
        Err(e) => {
            let status = OAuthResponseError::from(e).into_response().status();
            assert_eq!(status, StatusCode::BAD_REQUEST);
            return;
        }
    };
    // RFC 6749 §3.2: empty values count as absent; everything kept is real UTF-8.
    for name in PARAMETERS {
        if let Some(v) = form.get(name) {
            assert!(!v.is_empty(), "{name}: empty value kept");
            assert!(!v.contains('\u{FFFD}'), "{name}: replacement character kept");
        }
    }
    for r in &form.resources {
        assert!(!r.is_empty() && !r.contains('\u{FFFD}'), "bad resource {r:?}");
    }

    // hyper trims the whitespace around a header value and refuses control characters.
    let mut headers = HeaderMap::new();
    if let Some(v) = authorization.and_then(|a| HeaderValue::from_bytes(a.trim_ascii()).ok()) {
        headers.insert(header::AUTHORIZATION, v);
    }
    match presented_client(&headers, &form) {
        Ok(p) => {
            assert!(!p.client_id.is_empty(), "empty client_id accepted");
            assert!(!p.client_id.contains('\u{FFFD}'), "replacement character in client_id");
            assert!(!p.secret.as_deref().unwrap_or_default().contains('\u{FFFD}'), "replacement character in secret");
            if p.basic {
                let raw = headers.get(header::AUTHORIZATION).map(HeaderValue::as_bytes).unwrap_or_default();
                assert!(raw.len() >= 5 && raw[..5].eq_ignore_ascii_case(b"basic"), "Basic without a Basic header");
                let decoded = decode_basic(raw.get(6..).unwrap_or_default());
                assert_eq!(decoded.as_ref().map(|(id, _)| id), Some(&p.client_id));
                assert_eq!(decoded.map(|(_, s)| s), p.secret);
                // RFC 6749 §2.3: one authentication method only, and one client.
                assert!(form.get("client_secret").is_none(), "Basic and client_secret both accepted");
                assert!(form.get("client_id").is_none_or(|c| c == p.client_id), "client_id differs from Basic");
            } else if let Some(assertion) = &p.assertion {
                assert_eq!(form.get("client_assertion"), Some(assertion.as_str()));
                assert!(form.get("client_secret").is_none(), "assertion and client_secret both accepted");
                assert!(form.get("client_id").is_none_or(|c| c == p.client_id), "client_id differs from assertion");
            } else {
                assert_eq!(form.get("client_id"), Some(p.client_id.as_str()));
                assert_eq!(form.get("client_secret"), p.secret.as_deref());
            }
        }
        Err(e) => {
            let status = e.into_response().status();
            assert!(status == StatusCode::BAD_REQUEST || status == StatusCode::UNAUTHORIZED, "status {status}");
        }
    }
}

/// The `Authorization: Basic` value (after `Basic `): runs [`decode_basic`] on the input as
/// given and on its base64 encoding (so the fuzzer works on the decoded `id:secret` text
/// directly), and checks it against a reference decoder and a re-encoding round trip.
pub fn basic_header(data: &[u8]) {
    check_basic(data);
    check_basic(STANDARD.encode(data).as_bytes());
}

fn check_basic(value: &[u8]) {
    let got = decode_basic(value);
    if let Some((id, secret)) = &got {
        assert!(!id.is_empty(), "empty client id");
        assert!(!id.contains('\u{FFFD}') && !secret.contains('\u{FFFD}'), "replacement character in output");
        // Encoding per RFC 6749 §2.3.1 and decoding again gives the same pair back.
        let encoded = STANDARD.encode(format!("{}:{}", form_encode(id), form_encode(secret)));
        assert_eq!(decode_basic(encoded.as_bytes()).as_ref(), got.as_ref(), "no round trip");
    }
    assert_eq!(got, reference_basic(value), "differs from the reference decoder");
}

fn form_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Straightforward RFC 7617 + RFC 6749 §2.3.1 decoding: standard base64 (surrounding ASCII
/// whitespace ignored), UTF-8, split at the first `:`, then each side form-decoded (`+` is
/// a space, `%XX` a byte, any other `%` literal) and required to be UTF-8 without U+FFFD;
/// the id must not be empty.
fn reference_basic(value: &[u8]) -> Option<(String, String)> {
    let decoded = STANDARD.decode(value.trim_ascii()).ok()?;
    let text = std::str::from_utf8(&decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let (id, secret) = (reference_form_decode(id)?, reference_form_decode(secret)?);
    (!id.is_empty()).then_some((id, secret))
}

fn reference_form_decode(s: &str) -> Option<String> {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() && hex(bytes[i + 1]).is_some() && hex(bytes[i + 2]).is_some() => {
                out.push((hex(bytes[i + 1])? * 16 + hex(bytes[i + 2])?) as u8);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    let out = String::from_utf8(out).ok()?;
    (!out.contains('\u{FFFD}')).then_some(out)
}
