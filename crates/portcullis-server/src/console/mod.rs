//! The admin web console at `/admin/console/`: server-rendered pages that work without
//! JavaScript, over the Admin REST API called in process (see [`api`]). Sessions are
//! sealed cookies (see [`session`]); every form carries the session's CSRF token.

mod api;

/// Runs a page handler and shows its error, if any, as a page.
macro_rules! page {
    ($state:expr, $body:expr) => {
        match $body {
            Ok(resp) => resp,
            Err(e) => error_page(&$state, e),
        }
    };
}

mod client;
mod clients;
mod pages;
pub(crate) mod realm;
mod scopes;
mod service_account;
mod session;
mod users;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::Value;

use self::pages::{html, Login, Message, Nav};
use self::session::{cookie, random_token, set_cookie, Console, COOKIE_NAME, LOGIN_COOKIE};
use crate::state::AppState;

pub(crate) use crate::admin_api::seg;

/// Why a console request cannot be served as asked.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("sign in first")]
    SignIn,
    #[error("forbidden")]
    Forbidden,
    #[error("the form is stale or was not sent by the console (CSRF token missing or wrong)")]
    Csrf,
    #[error("not found: {0}")]
    NotFound(String),
    #[error("the console is unavailable")]
    Unavailable,
}

impl IntoResponse for ConsoleError {
    // Handlers take `Result<Console, ConsoleError>` and answer with a page; this is only
    // the answer of last resort, without the state that page links need.
    fn into_response(self) -> Response {
        let status = match self {
            Self::SignIn => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        };
        (status, self.to_string()).into_response()
    }
}

/// The browser's TCP address, when the server runs on a socket.
pub struct Peer(Option<ConnectInfo<SocketAddr>>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<ConnectInfo<SocketAddr>>().copied()))
    }
}

/// `{relative path}/admin/console`.
fn base(state: &AppState) -> String {
    format!("{}/admin/console", state.config.relative_path)
}

fn redirect(to: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        resp.headers_mut().insert(LOCATION, v);
    }
    resp
}

/// A console error as a page, with the state for links.
fn error_page(state: &AppState, e: ConsoleError) -> Response {
    let (status, heading) = match &e {
        ConsoleError::SignIn => {
            let mut resp = redirect(&format!("{}/login", base(state)));
            if let Some(v) = set_cookie(state, COOKIE_NAME, None) {
                resp.headers_mut().append(SET_COOKIE, v);
            }
            return resp;
        }
        ConsoleError::Forbidden | ConsoleError::Csrf => (StatusCode::FORBIDDEN, "Not allowed"),
        ConsoleError::NotFound(_) => (StatusCode::NOT_FOUND, "Not found"),
        ConsoleError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "Unavailable"),
    };
    let text = match &e {
        ConsoleError::Forbidden => "Your administrator account has no right to this realm or page.".to_owned(),
        other => other.to_string(),
    };
    html(status, &Message { base: base(state), nav: None, flash: None, heading: heading.into(), text })
}

/// The console's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(to_console))
        .route("/admin/", get(to_console))
        .route("/admin/console", get(home))
        .route("/admin/console/", get(home))
        .route("/admin/console/login", get(login_page).post(login))
        .route("/admin/console/logout", post(logout))
        .route("/admin/console/go", get(go))
        .route("/admin/console/static/console.css", get(css))
        .route("/admin/console/static/console.js", get(js))
        .merge(clients::routes())
        .merge(users::routes())
        .merge(realm::routes())
        .merge(scopes::routes())
}

async fn to_console(State(state): State<AppState>) -> Response {
    redirect(&format!("{}/", base(&state)))
}

async fn home(State(state): State<AppState>, console: Result<Console, ConsoleError>) -> Response {
    match console {
        Ok(c) => redirect(&format!("{}/{}/clients", base(&state), seg(&c.session.realm))),
        Err(_) => redirect(&format!("{}/login", base(&state))),
    }
}

fn login_form(state: &AppState, csrf: String, realm: String, username: String, error: Option<String>) -> Login {
    Login { base: base(state), nav: None, flash: None, csrf, realm, username, error }
}

async fn login_page(State(state): State<AppState>) -> Response {
    let csrf = random_token();
    let mut resp = html(StatusCode::OK, &login_form(&state, csrf.clone(), "master".into(), String::new(), None));
    if let Some(v) = set_cookie(&state, LOGIN_COOKIE, Some(&csrf)) {
        resp.headers_mut().append(SET_COOKIE, v);
    }
    resp
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    realm: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

async fn login(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    // The pre-login cookie must match the form: another site cannot sign a browser in.
    if f.csrf.is_empty() || cookie(&headers, LOGIN_COOKIE) != Some(f.csrf.as_str()) {
        return error_page(&state, ConsoleError::Csrf);
    }
    let realm = if f.realm.trim().is_empty() { "master".to_owned() } else { f.realm.trim().to_owned() };
    let again = |error: &str| {
        let page = login_form(&state, f.csrf.clone(), realm.clone(), f.username.clone(), Some(error.to_owned()));
        html(StatusCode::UNAUTHORIZED, &page)
    };
    if f.username.is_empty() || f.password.is_empty() {
        return again("Enter your username and password.");
    }
    let api = api::InProcess::new(&state, &headers).with_peer(peer);
    match api.sign_in(&realm, &f.username, &f.password).await {
        Ok(Ok(session)) => {
            let mut resp = redirect(&format!("{}/{}/clients", base(&state), seg(&realm)));
            session.write(&state, resp.headers_mut());
            if let Some(v) = set_cookie(&state, LOGIN_COOKIE, None) {
                resp.headers_mut().append(SET_COOKIE, v);
            }
            tracing::info!(realm = %realm, username = %session.username, "console sign-in");
            resp
        }
        Ok(Err(_)) => again("Wrong username or password, or the account is locked or has no console access."),
        Err(e) => error_page(&state, e),
    }
}

/// A form's CSRF field.
#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// Checks a form's CSRF token against the session's.
fn csrf_ok(console: &Console, sent: &str) -> Result<(), ConsoleError> {
    let expected = console.session.csrf.as_bytes();
    let same = expected.len() == sent.len() && subtle::ConstantTimeEq::ct_eq(expected, sent.as_bytes()).into();
    if same {
        Ok(())
    } else {
        Err(ConsoleError::Csrf)
    }
}

async fn logout(
    State(state): State<AppState>,
    console: Result<Console, ConsoleError>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let console = match console {
        Ok(c) => c,
        Err(e) => return error_page(&state, e),
    };
    if let Err(e) = csrf_ok(&console, &f.csrf) {
        return error_page(&state, e);
    }
    console.api.revoke(&console.session).await;
    let mut resp = redirect(&format!("{}/login", base(&state)));
    if let Some(v) = set_cookie(&state, COOKIE_NAME, None) {
        resp.headers_mut().append(SET_COOKIE, v);
    }
    resp
}

#[derive(Deserialize)]
struct GoQuery {
    #[serde(default)]
    realm: String,
}

async fn go(State(state): State<AppState>, Query(q): Query<GoQuery>) -> Response {
    redirect(&format!("{}/{}/clients", base(&state), seg(&q.realm)))
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut resp = body.into_response();
    resp.headers_mut().insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp.headers_mut().insert(axum::http::header::CACHE_CONTROL, HeaderValue::from_static("max-age=3600"));
    resp
}

async fn css() -> Response {
    asset(include_str!("../../static/console.css"), "text/css; charset=utf-8")
}

async fn js() -> Response {
    asset(include_str!("../../static/console.js"), "text/javascript; charset=utf-8")
}

/// The navigation of a signed-in page in `realm`.
async fn nav(console: &Console, realm: &str, section: &'static str) -> Result<Nav, ConsoleError> {
    let realms = console.api.get("/admin/realms").await?;
    let mut names: Vec<String> = realms
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("realm").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    names.sort();
    Ok(Nav {
        realm: realm.to_owned(),
        realms: names,
        username: console.session.username.clone(),
        home_realm: console.session.realm.clone(),
        csrf: console.session.csrf.clone(),
        section,
    })
}

/// A page response with the renewed session cookie.
fn with_session(state: &AppState, console: &Console, mut resp: Response) -> Response {
    if console.renewed {
        console.session.write(state, resp.headers_mut());
    }
    resp
}
