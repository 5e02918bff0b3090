//! Clients in the console: the list with search and the create-client wizard (general
//! settings, capability config, login settings). A client's own page is in [`super::client`].

use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::pages::{html, ClientRow, Clients, NewClient, NewClientErrors, NewClientForm};
use super::session::Console;
use super::{base, csrf_ok, error_page, nav, redirect, seg, with_session, ConsoleError};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/console/{realm}/clients", get(list))
        .route("/admin/console/{realm}/clients/new", get(new_page).post(new_step))
        .merge(super::client::routes())
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
}

pub(super) fn s(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned()
}

pub(super) fn b(v: &Value, k: &str) -> bool {
    v.get(k).and_then(Value::as_bool).unwrap_or(false)
}

async fn list(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    Query(q): Query<ListQuery>,
    console: Result<Console, ConsoleError>,
) -> Response {
    page!(
        state,
        async {
            let console = console?;
            let nav = nav(&console, &realm, "clients").await?;
            let all = console.api.get(&format!("/admin/realms/{}/clients", seg(&realm))).await?;
            let needle = q.q.trim().to_lowercase();
            let clients = all
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| needle.is_empty() || s(c, "clientId").to_lowercase().contains(&needle))
                .map(|c| ClientRow {
                    id: s(c, "id"),
                    client_id: s(c, "clientId"),
                    name: s(c, "name"),
                    kind: if b(c, "publicClient") {
                        "Public"
                    } else if b(c, "bearerOnly") {
                        "Bearer-only"
                    } else {
                        "Confidential"
                    },
                    service_account: b(c, "serviceAccountsEnabled"),
                    enabled: b(c, "enabled"),
                })
                .collect();
            let page = Clients { base: base(&state), nav: Some(nav), flash: None, realm, query: q.q, clients };
            Ok(with_session(&state, &console, html(StatusCode::OK, &page)))
        }
        .await
    )
}

fn wizard(
    state: &AppState,
    console: &Console,
    nav: super::pages::Nav,
    realm: String,
    form: NewClientForm,
    errors: NewClientErrors,
) -> Response {
    let status =
        if errors.client_id.is_some() || errors.flows.is_some() || errors.root_url.is_some() || errors.save.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
    let csrf = console.session.csrf.clone();
    let page = NewClient { base: base(state), nav: Some(nav), flash: None, realm, csrf, form, errors };
    with_session(state, console, html(status, &page))
}

async fn new_page(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    console: Result<Console, ConsoleError>,
) -> Response {
    page!(
        state,
        async {
            let console = console?;
            let nav = nav(&console, &realm, "clients").await?;
            // Keycloak's defaults: confidential off until chosen, standard flow and direct access on.
            let form = NewClientForm { step: 1, standard_flow: true, direct_access: true, ..NewClientForm::default() };
            Ok(wizard(&state, &console, nav, realm, form, NewClientErrors::default()))
        }
        .await
    )
}

/// What is wrong with a choice of flows, in plain words.
pub(super) fn capability_problem(flows: [bool; 4], service_accounts: bool, client_auth: bool) -> Option<String> {
    if !flows.contains(&true) {
        return Some("Choose at least one way for the client to get tokens.".into());
    }
    (service_accounts && !client_auth)
        .then(|| "Service accounts need client authentication: turn it on, or turn service accounts off.".into())
}

pub(super) fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

pub(super) fn is_url(s: &str) -> bool {
    s.is_empty()
        || ((s.starts_with("https://") || s.starts_with("http://")) && s.len() > 8 && !s.contains(char::is_whitespace))
}

async fn new_step(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    console: Result<Console, ConsoleError>,
    Form(mut form): Form<NewClientForm>,
) -> Response {
    page!(
        state,
        async {
            let console = console?;
            csrf_ok(&console, &form.csrf)?;
            let nav = nav(&console, &realm, "clients").await?;
            let mut errors = NewClientErrors::default();
            let back = form.go == "back";
            match (form.step, back) {
                (1, _) => {
                    let id = form.client_id.trim().to_owned();
                    if id.is_empty() {
                        errors.client_id = Some("Enter a client ID: the name services use to ask for tokens.".into());
                    } else if id.chars().any(char::is_whitespace) {
                        errors.client_id = Some("A client ID cannot contain spaces.".into());
                    } else {
                        let found = console
                            .api
                            .get(&format!("/admin/realms/{}/clients?clientId={}", seg(&realm), seg(&id)))
                            .await?;
                        if found.as_array().is_some_and(|l| !l.is_empty()) {
                            errors.client_id = Some(format!("A client with the ID {id} exists in this realm already."));
                        }
                    }
                    form.client_id = id;
                    if errors.client_id.is_none() {
                        form.step = 2;
                    }
                }
                (2, true) => form.step = 1,
                (2, false) => {
                    errors.flows = capability_problem(
                        [form.standard_flow, form.direct_access, form.service_accounts, form.implicit],
                        form.service_accounts,
                        form.client_auth,
                    );
                    if errors.flows.is_none() {
                        form.step = 3;
                    }
                }
                (3, true) => form.step = 2,
                (3, false) => {
                    if !is_url(form.root_url.trim()) {
                        errors.root_url = Some("The root URL must start with https:// or http://.".into());
                    } else {
                        return save(&state, &console, nav, realm, form).await;
                    }
                }
                _ => form.step = 1,
            }
            Ok(wizard(&state, &console, nav, realm, form, errors))
        }
        .await
    )
}

async fn save(
    state: &AppState,
    console: &Console,
    nav: super::pages::Nav,
    realm: String,
    form: NewClientForm,
) -> Result<Response, ConsoleError> {
    let mut attributes = serde_json::Map::new();
    let post_logout = lines(&form.post_logout_redirect_uris);
    if !post_logout.is_empty() {
        attributes.insert("post.logout.redirect.uris".into(), json!(post_logout.join("##")));
    }
    if form.always_display {
        attributes.insert("display.on.consent.screen".into(), json!("true"));
    }
    let rep = json!({
        "clientId": form.client_id,
        "name": form.name,
        "description": form.description,
        "protocol": "openid-connect",
        "publicClient": !form.client_auth,
        "authorizationServicesEnabled": form.authorization,
        "standardFlowEnabled": form.standard_flow,
        "directAccessGrantsEnabled": form.direct_access,
        "serviceAccountsEnabled": form.service_accounts,
        "implicitFlowEnabled": form.implicit,
        "alwaysDisplayInConsole": form.always_display,
        "rootUrl": form.root_url.trim(),
        "baseUrl": form.home_url.trim(),
        "redirectUris": lines(&form.redirect_uris),
        "webOrigins": lines(&form.web_origins),
        "attributes": attributes,
    });
    match console.api.write(Method::POST, &format!("/admin/realms/{}/clients", seg(&realm)), Some(&rep)).await? {
        Ok(Some(id)) => {
            let to = format!("{}/{}/clients/{}?created=1", base(state), seg(&realm), seg(&id));
            Ok(with_session(state, console, redirect(&to)))
        }
        Ok(None) => Ok(with_session(state, console, redirect(&format!("{}/{}/clients", base(state), seg(&realm))))),
        Err(f) => {
            let errors = NewClientErrors {
                save: Some(format!("The client was not created: {}", f.message)),
                ..NewClientErrors::default()
            };
            Ok(wizard(state, console, nav, realm, form, errors))
        }
    }
}
