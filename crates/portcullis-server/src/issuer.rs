//! Where the server says it lives: the issuer and endpoint URLs of a realm.

use axum::http::{header, HeaderMap};

use crate::state::AppState;

/// Base URL (scheme, host, relative path) for a request: `--public-url` when set,
/// otherwise `http(s)://{Host}` as Keycloak's dev mode does. `None` when the Host header is
/// missing or not a plain authority.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let rel = &state.config.relative_path;
    if let Some(public) = &state.config.public_url {
        return Some(format!("{public}{rel}"));
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let valid = !host.is_empty()
        && host.len() <= 255
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_'));
    let scheme = if state.config.tls { "https" } else { "http" };
    valid.then(|| format!("{scheme}://{host}{rel}"))
}

/// `{base}/realms/{realm}`, the `iss` of the realm's tokens.
pub fn realm_issuer(base: &str, realm: &str) -> String {
    format!("{base}/realms/{realm}")
}
