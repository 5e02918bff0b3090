//! The console is a client of the Admin REST API, called in process: every page reads and
//! every form writes through the same handlers, permissions and events as any other
//! client, with the administrator's own access token.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::Router;
use serde_json::Value;
use tower::ServiceExt as _;

use super::session::{random_token, Session};
use super::ConsoleError;
use crate::state::AppState;
use crate::{admin_api, oauth};

/// Headers of the browser's request that the API needs to see the same server: the host
/// (issuers derive from it) and the proxy's forwarding headers.
const CARRIED: [&str; 3] = ["host", "x-forwarded-for", "x-forwarded-proto"];

/// Limit of an API answer read by the console.
const MAX_ANSWER: usize = 4 * 1024 * 1024;

/// An answer of the API that was not a success, with its explanation.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub message: String,
}

/// An in-process API client for one browser request.
#[derive(Clone)]
pub struct InProcess {
    router: Router,
    headers: HeaderMap,
    peer: Option<ConnectInfo<SocketAddr>>,
    token: Option<String>,
}

impl InProcess {
    pub fn new(state: &AppState, browser: &HeaderMap) -> Self {
        let router = Router::new().merge(oauth::routes()).merge(admin_api::routes(state)).with_state(state.clone());
        let mut headers = HeaderMap::new();
        for name in CARRIED {
            for v in browser.get_all(name) {
                headers.append(name, v.clone());
            }
        }
        Self { router, headers, peer: None, token: None }
    }

    /// The browser's address, for brute-force counters and events of a sign-in.
    pub fn with_peer(mut self, peer: Option<ConnectInfo<SocketAddr>>) -> Self {
        self.peer = peer;
        self
    }

    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Body,
        content_type: &str,
    ) -> Result<(StatusCode, HeaderMap, Value), ConsoleError> {
        let mut req = Request::builder().method(method).uri(path).body(body).map_err(|_| ConsoleError::Unavailable)?;
        req.headers_mut().extend(self.headers.clone());
        if let Ok(ct) = HeaderValue::from_str(content_type) {
            req.headers_mut().insert(header::CONTENT_TYPE, ct);
        }
        if let Some(t) = self.token.as_deref().and_then(|t| HeaderValue::from_str(&format!("Bearer {t}")).ok()) {
            req.headers_mut().insert(header::AUTHORIZATION, t);
        }
        if let Some(peer) = self.peer {
            req.extensions_mut().insert(peer);
        }
        let resp = self.router.clone().oneshot(req).await.map_err(|_| ConsoleError::Unavailable)?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), MAX_ANSWER).await.map_err(|_| ConsoleError::Unavailable)?;
        Ok((status, headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }

    /// A request with a JSON body (or none); the answer's status, headers and JSON.
    pub async fn json(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, HeaderMap, Value), ConsoleError> {
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        self.call(method, path, body, "application/json").await
    }

    /// GET, failing on anything but 2xx.
    pub async fn get(&self, path: &str) -> Result<Value, ConsoleError> {
        let (status, _, v) = self.json(Method::GET, path, None).await?;
        check(status, &v)?;
        Ok(v)
    }

    /// A write: `Ok` with the new resource's id (from `Location`) or the failure to show.
    pub async fn write(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Result<Option<String>, Failure>, ConsoleError> {
        let (status, headers, v) = self.json(method, path, body).await?;
        if status == StatusCode::UNAUTHORIZED {
            return Err(ConsoleError::SignIn);
        }
        if status == StatusCode::FORBIDDEN {
            return Err(ConsoleError::Forbidden);
        }
        if !status.is_success() {
            return Ok(Err(Failure { status, message: explanation(&v) }));
        }
        let id = headers
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| l.rsplit('/').next())
            .map(str::to_owned);
        Ok(Ok(id))
    }

    async fn token(&self, realm: &str, form: &[(&str, &str)]) -> Result<(StatusCode, Value), ConsoleError> {
        let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let path = format!("/realms/{}/protocol/openid-connect/token", super::seg(realm));
        let (status, _, v) =
            self.call(Method::POST, &path, Body::from(body), "application/x-www-form-urlencoded").await?;
        Ok((status, v))
    }

    /// Signs in with the password grant through `admin-cli`; the error is for the form.
    pub async fn sign_in(
        &self,
        realm: &str,
        username: &str,
        password: &str,
    ) -> Result<Result<Session, String>, ConsoleError> {
        let form =
            [("grant_type", "password"), ("client_id", "admin-cli"), ("username", username), ("password", password)];
        let (status, v) = self.token(realm, &form).await?;
        if !status.is_success() {
            let why = v.get("error_description").and_then(Value::as_str).unwrap_or("sign-in refused");
            return Ok(Err(why.to_owned()));
        }
        let now = crate::oauth::now();
        let mut session = Session {
            realm: realm.to_owned(),
            username: username.to_lowercase(),
            access_token: String::new(),
            refresh_token: None,
            expires_at: 0,
            csrf: random_token(),
            started: now,
            last_seen: now,
        };
        absorb(&mut session, &v)?;
        Ok(Ok(session))
    }

    /// Renews the access token with the refresh token; a refused refresh ends the session.
    pub async fn refresh(&self, session: &mut Session) -> Result<(), ConsoleError> {
        let rt = session.refresh_token.clone().ok_or(ConsoleError::SignIn)?;
        let form = [("grant_type", "refresh_token"), ("client_id", "admin-cli"), ("refresh_token", rt.as_str())];
        let (status, v) = self.token(&session.realm, &form).await?;
        if !status.is_success() {
            return Err(ConsoleError::SignIn);
        }
        absorb(session, &v)
    }

    /// Revokes the session's tokens (RFC 7009), so that a copy of the cookie stops
    /// working at sign-out, not only when its access token expires.
    pub async fn revoke(&self, session: &Session) {
        let path = format!("/realms/{}/protocol/openid-connect/revoke", super::seg(&session.realm));
        let tokens = [
            Some((&session.access_token, "access_token")),
            session.refresh_token.as_ref().map(|t| (t, "refresh_token")),
        ];
        for (token, hint) in tokens.into_iter().flatten() {
            let body: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs([("token", token.as_str()), ("token_type_hint", hint), ("client_id", "admin-cli")])
                .finish();
            if let Err(e) = self.call(Method::POST, &path, Body::from(body), "application/x-www-form-urlencoded").await
            {
                tracing::warn!(error = ?e, hint, "console sign-out: a token could not be revoked");
            }
        }
    }
}

fn absorb(session: &mut Session, v: &Value) -> Result<(), ConsoleError> {
    session.access_token = v.get("access_token").and_then(Value::as_str).ok_or(ConsoleError::Unavailable)?.to_owned();
    session.expires_at = crate::oauth::now() + v.get("expires_in").and_then(Value::as_i64).unwrap_or(60);
    if let Some(rt) = v.get("refresh_token").and_then(Value::as_str) {
        session.refresh_token = Some(rt.to_owned());
    }
    Ok(())
}

/// Keycloak's `errorMessage`, OAuth's `error_description`, or a generic text.
pub fn explanation(v: &Value) -> String {
    ["errorMessage", "error_description", "error"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .unwrap_or("the request was refused")
        .to_owned()
}

fn check(status: StatusCode, v: &Value) -> Result<(), ConsoleError> {
    match status {
        s if s.is_success() => Ok(()),
        StatusCode::UNAUTHORIZED => Err(ConsoleError::SignIn),
        StatusCode::FORBIDDEN => Err(ConsoleError::Forbidden),
        StatusCode::NOT_FOUND => Err(ConsoleError::NotFound(explanation(v))),
        _ => Err(ConsoleError::Unavailable),
    }
}
