//! A blocking client of a running server's Admin REST API and token endpoint; every HTTP
//! status is mapped once, here, to a [`CliError`].

use std::sync::Once;
use std::time::Duration;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::StatusCode;
use serde_json::Value;

use super::error::CliError;
use super::session::{now, Session};

/// Seconds before expiry at which a stored access token is refreshed rather than used.
const REFRESH_MARGIN_S: i64 = 10;

/// RFC 3986 path segment: everything but unreserved characters is escaped.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'&')
    .add(b'+')
    .add(b';')
    .add(b'=');

/// One path segment, escaped.
pub fn seg(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// An HTTP client with timeouts, TLS through rustls (aws-lc) and the system's roots.
pub fn http_client() -> Result<Client, CliError> {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        // Fails only when a provider is installed already, which is what we want anyway.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    });
    Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .user_agent(concat!("portcullis-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| CliError::Other(format!("cannot build the HTTP client: {e}")))
}

/// Sends a request; network failures are [`CliError::Unavailable`].
pub fn send(req: RequestBuilder, what: &str) -> Result<Response, CliError> {
    req.send().map_err(|e| CliError::Unavailable(format!("{what}: {e}")))
}

/// The server's explanation in an error body: Keycloak's `errorMessage`, OAuth's
/// `error_description`/`error`, or the raw text.
fn explanation(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    for k in ["errorMessage", "error_description", "error"] {
        if let Some(s) = v.get(k).and_then(Value::as_str) {
            return s.to_owned();
        }
    }
    let text = body.trim();
    if text.is_empty() {
        "no details".to_owned()
    } else {
        text.chars().take(300).collect()
    }
}

/// Maps a non-2xx answer to its error; `what` says what was asked.
pub fn check(resp: Response, what: &str) -> Result<Response, CliError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let why = explanation(&resp.text().unwrap_or_default());
    let msg = format!("{what}: {why} (HTTP {})", status.as_u16());
    Err(match status {
        StatusCode::UNAUTHORIZED => {
            CliError::Unauthenticated(format!("{msg}; the session may have ended: run portcullis login"))
        }
        StatusCode::FORBIDDEN => CliError::Forbidden(msg),
        StatusCode::NOT_FOUND => CliError::NotFound(msg),
        StatusCode::CONFLICT => CliError::Conflict(msg),
        s if s.is_server_error() => CliError::Unavailable(msg),
        _ => CliError::Invalid(msg),
    })
}

/// Reads a JSON body.
pub fn json(resp: Response, what: &str) -> Result<Value, CliError> {
    resp.json().map_err(|e| CliError::Other(format!("{what}: the answer is not JSON: {e}")))
}

/// The token endpoint of a realm.
pub fn token_url(server: &str, realm: &str) -> String {
    format!("{}/realms/{}/protocol/openid-connect/token", server.trim_end_matches('/'), seg(realm))
}

/// A logged-in Admin API client.
pub struct Api {
    http: Client,
    server: String,
    token: String,
}

impl Api {
    /// The stored session's client, refreshing its access token when it is about to expire.
    pub fn connect() -> Result<Self, CliError> {
        let mut session = Session::load()?.ok_or_else(|| {
            CliError::Unauthenticated("not logged in: run portcullis login --server URL --user NAME".into())
        })?;
        let http = http_client()?;
        if session.expires_at - REFRESH_MARGIN_S <= now() {
            refresh(&http, &mut session)?;
            session.save()?;
        }
        Ok(Self { http, server: session.server.trim_end_matches('/').to_owned(), token: session.access_token })
    }

    /// The server's base URL.
    pub fn server(&self) -> &str {
        &self.server
    }

    fn url(&self, path: &str) -> String {
        format!("{}/admin/realms{path}", self.server)
    }

    fn call(&self, req: RequestBuilder, what: &str) -> Result<Response, CliError> {
        check(send(req.bearer_auth(&self.token), what)?, what)
    }

    /// GET `/admin/realms{path}` as JSON.
    pub fn get(&self, path: &str) -> Result<Value, CliError> {
        let what = format!("GET {path}");
        json(self.call(self.http.get(self.url(path)), &what)?, &what)
    }

    /// GET with a query string.
    pub fn get_query(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, CliError> {
        let what = format!("GET {path}");
        json(self.call(self.http.get(self.url(path)).query(query), &what)?, &what)
    }

    /// POST JSON; the `Location` header's last segment (the new id) when there is one.
    pub fn post(&self, path: &str, body: &Value) -> Result<Option<String>, CliError> {
        let resp = self.call(self.http.post(self.url(path)).json(body), &format!("POST {path}"))?;
        Ok(resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| l.rsplit('/').next())
            .map(str::to_owned))
    }

    /// POST without a body, answering JSON.
    pub fn post_for_json(&self, path: &str) -> Result<Value, CliError> {
        let what = format!("POST {path}");
        json(self.call(self.http.post(self.url(path)), &what)?, &what)
    }

    /// POST with a query string and no body, answering JSON.
    pub fn post_query_for_json(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, CliError> {
        let what = format!("POST {path}");
        json(self.call(self.http.post(self.url(path)).query(query), &what)?, &what)
    }

    /// POST a JSON document given as text (kept as is, so the server's line and column
    /// numbers match the file), answering JSON.
    pub fn post_text(&self, path: &str, text: &str) -> Result<Value, CliError> {
        let what = format!("POST {path}");
        let req = self
            .http
            .post(self.url(path))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(text.to_owned());
        json(self.call(req, &what)?, &what)
    }

    /// PUT JSON (or nothing).
    pub fn put(&self, path: &str, body: Option<&Value>) -> Result<(), CliError> {
        let mut req = self.http.put(self.url(path));
        if let Some(b) = body {
            req = req.json(b);
        }
        self.call(req, &format!("PUT {path}")).map(drop)
    }

    /// DELETE, with a JSON body for the role-mapping endpoints.
    pub fn delete(&self, path: &str, body: Option<&Value>) -> Result<(), CliError> {
        let mut req = self.http.delete(self.url(path));
        if let Some(b) = body {
            req = req.json(b);
        }
        self.call(req, &format!("DELETE {path}")).map(drop)
    }
}

/// Swaps the session's refresh token for a new access token.
fn refresh(http: &Client, session: &mut Session) -> Result<(), CliError> {
    let expired = || CliError::Unauthenticated("the session has expired: run portcullis login".into());
    let live = session.refresh_expires_at == 0 || session.refresh_expires_at > now();
    let Some(refresh_token) = session.refresh_token.clone().filter(|_| live) else {
        return Err(expired());
    };
    let form = [("grant_type", "refresh_token"), ("client_id", &session.client_id), ("refresh_token", &refresh_token)];
    let resp = send(http.post(token_url(&session.server, &session.realm)).form(&form), "refresh the session")?;
    if resp.status() == StatusCode::BAD_REQUEST || resp.status() == StatusCode::UNAUTHORIZED {
        return Err(expired());
    }
    let body = json(check(resp, "refresh the session")?, "refresh the session")?;
    absorb(session, &body)
}

/// Stores a token response in the session.
pub fn absorb(session: &mut Session, body: &Value) -> Result<(), CliError> {
    let at = body
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| CliError::Other("the token response has no access_token".into()))?;
    let t = now();
    session.access_token = at.to_owned();
    session.expires_at = t + body.get("expires_in").and_then(Value::as_i64).unwrap_or(60);
    if let Some(rt) = body.get("refresh_token").and_then(Value::as_str) {
        session.refresh_token = Some(rt.to_owned());
        session.refresh_expires_at = match body.get("refresh_expires_in").and_then(Value::as_i64) {
            Some(s) if s > 0 => t + s,
            _ => 0,
        };
    }
    Ok(())
}
