//! The console's session: the administrator's tokens, a CSRF token and two clocks, sealed
//! (AES-256-GCM under a key derived from the data key) into one HttpOnly cookie. Nothing
//! is kept on the server, so any instance of a database serves any session; logging out
//! revokes the refresh token.

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};

use super::api::InProcess;
use super::ConsoleError;
use crate::state::AppState;

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "portcullis_console";
/// Name of the pre-login cookie that carries the login form's CSRF token.
pub const LOGIN_COOKIE: &str = "portcullis_console_login";
/// A session unused this long ends (seconds).
pub const IDLE_TIMEOUT: i64 = 30 * 60;
/// A session ends this long after login, used or not (seconds).
pub const MAX_LIFETIME: i64 = 10 * 60 * 60;
const AAD: &str = "portcullis console session";

/// What the cookie holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// The realm the administrator belongs to.
    pub realm: String,
    pub username: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Epoch seconds.
    pub expires_at: i64,
    /// Echoed by every form.
    pub csrf: String,
    pub started: i64,
    pub last_seen: i64,
}

/// A random 256-bit token, base64url (the generator of refresh tokens).
pub fn random_token() -> String {
    portcullis_core::refresh::new_token().0
}

/// The value of cookie `name` in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The `Path` of the console's cookies, under the relative path.
pub fn cookie_path(state: &AppState) -> String {
    format!("{}/admin/console", state.config.relative_path)
}

/// Secure when the server or its public URL speaks TLS.
fn secure(state: &AppState) -> bool {
    state.config.tls || state.config.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
}

/// A `Set-Cookie` value; `value` None deletes the cookie.
pub fn set_cookie(state: &AppState, name: &str, value: Option<&str>) -> Option<HeaderValue> {
    let secure = if secure(state) { "; Secure" } else { "" };
    let (v, age) = match value {
        Some(v) => (v, String::new()),
        None => ("", "; Max-Age=0".to_owned()),
    };
    HeaderValue::from_str(&format!("{name}={v}; Path={}; HttpOnly; SameSite=Lax{secure}{age}", cookie_path(state))).ok()
}

impl Session {
    /// Still usable at `now`: used within [`IDLE_TIMEOUT`], begun within [`MAX_LIFETIME`].
    pub fn live(&self, now: i64) -> bool {
        now - self.last_seen < IDLE_TIMEOUT && now - self.started < MAX_LIFETIME
    }

    /// The sealed cookie value.
    pub fn seal(&self, state: &AppState) -> Result<String, ConsoleError> {
        let key = state.console_key.as_ref().ok_or(ConsoleError::Unavailable)?;
        let json = serde_json::to_string(self).map_err(|_| ConsoleError::Unavailable)?;
        key.seal_text(&json, AAD).map_err(|_| ConsoleError::Unavailable)
    }

    fn open(state: &AppState, value: &str) -> Option<Self> {
        let key = state.console_key.as_ref()?;
        serde_json::from_str(&key.open_text(value, AAD).ok()?).ok()
    }

    /// Adds the session cookie, sealed afresh, to a response's headers.
    pub fn write(&self, state: &AppState, headers: &mut HeaderMap) {
        if let Some(v) = self.seal(state).ok().and_then(|s| set_cookie(state, COOKIE_NAME, Some(&s))) {
            headers.append(SET_COOKIE, v);
        }
    }
}

/// A signed-in administrator, with a fresh access token. Requests without a valid session
/// are sent to the sign-in page.
pub struct Console {
    pub session: Session,
    pub api: InProcess,
    /// The session was renewed (clock or tokens): the response must carry the new cookie.
    pub renewed: bool,
}

impl FromRequestParts<AppState> for Console {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let now = crate::oauth::now();
        let mut session = cookie(&parts.headers, COOKIE_NAME)
            .and_then(|v| Session::open(state, v))
            .filter(|s| s.live(now))
            .ok_or(ConsoleError::SignIn)?;
        // The browser's address goes along, so admin events of console actions carry it.
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().copied();
        let api = InProcess::new(state, &parts.headers).with_peer(peer);
        if session.expires_at - 10 <= now {
            api.refresh(&mut session).await?;
        }
        session.last_seen = now;
        Ok(Self { api: api.with_token(&session.access_token), session, renewed: true })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(started: i64, last_seen: i64) -> Session {
        Session {
            realm: "master".into(),
            username: "admin".into(),
            access_token: String::new(),
            refresh_token: None,
            expires_at: 0,
            csrf: random_token(),
            started,
            last_seen,
        }
    }

    #[test]
    fn sessions_end_when_idle_or_too_old() {
        let now = 100_000;
        assert!(session(now - 60, now - 60).live(now));
        assert!(session(now - 3_600, now - IDLE_TIMEOUT + 1).live(now), "used recently");
        assert!(!session(now - 3_600, now - IDLE_TIMEOUT).live(now), "idle for 30 minutes");
        assert!(!session(now - MAX_LIFETIME, now - 1).live(now), "10 hours after sign-in, even if used");
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_static("a=1; portcullis_console=xyz; b=2"));
        assert_eq!(cookie(&h, COOKIE_NAME), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
