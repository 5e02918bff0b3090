//! CORS for browser clients, Keycloak's rules: the token endpoint answers an origin only
//! when it is one of the client's `webOrigins` (`*` for any, `+` for the origins of its
//! redirect URIs); public documents (discovery, JWKS) are readable from any origin.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use portcullis_core::client::Client;

/// The request's `Origin` if `client` may be called from it.
pub fn allowed_origin(client: &Client, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(header::ORIGIN)?;
    let o = origin.to_str().ok()?;
    let allowed = client
        .web_origins
        .iter()
        .any(|w| w == "*" || w == o || (w == "+" && client.redirect_uris.iter().any(|u| origin_of(u) == Some(o))));
    allowed.then(|| origin.clone())
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<&str> {
    let scheme_end = url.find("://")? + 3;
    let end = url[scheme_end..].find(['/', '?', '#']).map_or(url.len(), |i| scheme_end + i);
    Some(&url[..end])
}

/// The origin an endpoint learned it may answer (once it knows the client), applied to
/// whatever the endpoint answers, refusals included.
#[derive(Debug, Default)]
pub struct Cors(pub Option<HeaderValue>);

impl Cors {
    /// The answer, with CORS headers when an origin was allowed.
    pub fn finish(self, answer: impl IntoResponse) -> Response {
        let mut resp = answer.into_response();
        if let Some(origin) = self.0 {
            allow(&mut resp, origin);
        }
        resp
    }
}

/// Adds the headers that let `origin` read this answer.
pub fn allow(resp: &mut Response, origin: HeaderValue) {
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    h.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// `OPTIONS` on the token endpoint. The client is not known before the real request, so
/// the preflight admits the origin; the answer to the POST then says whether it may read.
pub async fn token_preflight(headers: HeaderMap) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Some(origin) = headers.get(header::ORIGIN).cloned() {
        allow(&mut resp, origin);
        let h = resp.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST, OPTIONS"));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("Authorization, Content-Type"));
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("3600"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_origins() {
        let mut c = Client::new("r", "spa").unwrap();
        c.redirect_uris = vec!["https://app.example.com:8443/cb/*".into()];
        let from = |o: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
            h
        };
        assert!(allowed_origin(&c, &from("https://app.example.com:8443")).is_none(), "no webOrigins: none");
        c.web_origins = vec!["+".into()];
        assert!(allowed_origin(&c, &from("https://app.example.com:8443")).is_some());
        assert!(allowed_origin(&c, &from("https://app.example.com")).is_none());
        c.web_origins = vec!["https://other.example".into()];
        assert!(allowed_origin(&c, &from("https://other.example")).is_some());
        assert!(allowed_origin(&c, &from("https://other.example.evil")).is_none());
        c.web_origins = vec!["*".into()];
        assert!(allowed_origin(&c, &from("null")).is_some());
        assert!(allowed_origin(&c, &HeaderMap::new()).is_none());
    }
}
