//! A client's page in the console: its tabs (Settings, Credentials, Keys, Client scopes,
//! Service accounts roles) and their forms, each action confirmed when it destroys something.

use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::clients::{b, capability_problem, is_url, lines, s};
use super::pages::{html, ClientPage, ClientSettings, NewClientErrors, ScopeRow};
use super::session::Console;
use super::{base, csrf_ok, error_page, nav, redirect, seg, with_session, ConsoleError};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/console/{realm}/clients/{id}", get(show))
        .route("/admin/console/{realm}/clients/{id}/secret", post(regenerate))
        .route("/admin/console/{realm}/clients/{id}/settings", post(save_settings))
        .route("/admin/console/{realm}/clients/{id}/authenticator", post(save_authenticator))
        .route("/admin/console/{realm}/clients/{id}/keys", post(save_keys))
        .route("/admin/console/{realm}/clients/{id}/scopes", post(scope_links))
        .route("/admin/console/{realm}/clients/{id}/roles", post(super::service_account::assign))
}

#[derive(Deserialize)]
struct ShowQuery {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    remove: String,
    #[serde(default)]
    unassign: String,
    #[serde(default)]
    done: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    created: String,
    #[serde(default)]
    regenerated: String,
}

/// Stands for "Client {clientId} created." until the client is read.
const CREATED: &str = "created";

/// What a client page shows besides the client.
#[derive(Default)]
struct View {
    tab: String,
    confirm: String,
    remove: String,
    unassign: String,
    flash: Option<String>,
    /// A refused settings form, shown with its messages.
    settings: Option<(ClientSettings, NewClientErrors)>,
    /// A refused keys form and why.
    keys: Option<(String, String, String)>,
    keys_error: Option<String>,
}

async fn render(
    state: &AppState,
    console: &Console,
    realm: String,
    id: String,
    view: View,
) -> Result<Response, ConsoleError> {
    let c = console.api.get(&format!("/admin/realms/{}/clients/{}", seg(&realm), seg(&id))).await?;
    let nav = nav(console, &realm, "clients").await?;
    let confidential = !b(&c, "publicClient") && !b(&c, "bearerOnly");
    let service_account = b(&c, "serviceAccountsEnabled");
    let tab = match view.tab.as_str() {
        "credentials" if confidential => "credentials",
        "keys" if confidential => "keys",
        "scopes" => "scopes",
        "service-account" if service_account => "service-account",
        _ => "settings",
    };
    let client_path = format!("/admin/realms/{}/clients/{}", seg(&realm), seg(&id));
    let (mut scopes, mut available_scopes) = (Vec::new(), Vec::new());
    if tab == "scopes" {
        for (sub, kind) in [("default-client-scopes", "Default"), ("optional-client-scopes", "Optional")] {
            for sc in console.api.get(&format!("{client_path}/{sub}")).await?.as_array().into_iter().flatten() {
                scopes.push(ScopeRow { id: s(sc, "id"), name: s(sc, "name"), kind });
            }
        }
        scopes.sort_by(|a, b| a.name.cmp(&b.name));
        let all = console.api.get(&format!("/admin/realms/{}/client-scopes", seg(&realm))).await?;
        available_scopes = all
            .as_array()
            .into_iter()
            .flatten()
            .filter(|sc| !scopes.iter().any(|x| x.id == s(sc, "id")))
            .map(|sc| (s(sc, "id"), s(sc, "name")))
            .collect();
        available_scopes.sort_by(|a, b| a.1.cmp(&b.1));
    }
    let (mut sa_user_id, mut sa_username, mut sa_roles, mut assignable_roles) =
        (String::new(), String::new(), Vec::new(), Vec::new());
    if tab == "service-account" {
        let user = console.api.get(&format!("{client_path}/service-account-user")).await?;
        sa_user_id = s(&user, "id");
        sa_username = s(&user, "username");
        (sa_roles, assignable_roles) = super::service_account::role_choices(console, &realm, &sa_user_id).await?;
    }
    let lines_of = |k: &str| {
        c.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"))
            .unwrap_or_default()
    };
    let (settings, settings_errors) = view.settings.unwrap_or_else(|| {
        let attrs = c.get("attributes").cloned().unwrap_or(Value::Null);
        let settings = ClientSettings {
            name: s(&c, "name"),
            description: s(&c, "description"),
            enabled: b(&c, "enabled"),
            client_auth: confidential,
            standard_flow: b(&c, "standardFlowEnabled"),
            direct_access: b(&c, "directAccessGrantsEnabled"),
            service_accounts: service_account,
            implicit: b(&c, "implicitFlowEnabled"),
            root_url: s(&c, "rootUrl"),
            home_url: s(&c, "baseUrl"),
            redirect_uris: lines_of("redirectUris"),
            post_logout_redirect_uris: s(&attrs, "post.logout.redirect.uris").replace("##", "\n"),
            web_origins: lines_of("webOrigins"),
            csrf: String::new(),
        };
        (settings, NewClientErrors::default())
    });
    let (secret, grace, rotated) = if tab == "credentials" {
        let sec = console.api.get(&format!("/admin/realms/{}/clients/{}/client-secret", seg(&realm), seg(&id))).await?;
        let realm_rep = console.api.get(&format!("/admin/realms/{}", seg(&realm))).await?;
        let grace = realm_rep
            .get("attributes")
            .and_then(|a| a.get("client.secret.rotated.expiration.period"))
            .and_then(Value::as_str)
            .is_some_and(|p| p != "0" && !p.is_empty());
        let rotated = match console.api.json(Method::GET, &format!("{client_path}/client-secret/rotated"), None).await?
        {
            (status, _, v) if status.is_success() => {
                let until = c
                    .get("attributes")
                    .and_then(|a| a.get("client.secret.rotated.expiration.time"))
                    .and_then(Value::as_str)
                    .and_then(|t| t.parse::<i64>().ok())
                    .map_or_else(|| "its grace period ends".to_owned(), |t| super::realm::when(t * 1000) + " UTC");
                Some((s(&v, "value"), until))
            }
            _ => None,
        };
        (s(&sec, "value"), grace, rotated)
    } else {
        (String::new(), false, None)
    };
    // The client's name is only known here.
    let flash = view.flash.map(|f| if f == CREATED { format!("Client {} created.", s(&c, "clientId")) } else { f });
    let page = ClientPage {
        base: base(state),
        nav: Some(nav),
        flash,
        realm,
        id,
        client_id: s(&c, "clientId"),
        tab: tab.to_owned(),
        confidential,
        settings,
        settings_errors,
        authenticator: s(&c, "clientAuthenticatorType"),
        authenticators: [
            ("client-secret", "Client ID and secret"),
            ("client-jwt", "Signed JWT (private_key_jwt)"),
            ("client-secret-jwt", "Signed JWT with client secret"),
        ]
        .iter()
        .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
        .collect(),
        rotated,
        keys: view.keys.clone().unwrap_or_else(|| {
            let attr = |k: &str| {
                c.get("attributes").and_then(|a| a.get(k)).and_then(Value::as_str).unwrap_or_default().to_owned()
            };
            let source = if attr("use.jwks.url") == "true" {
                "url"
            } else if attr("use.jwks.string") == "true" {
                "json"
            } else {
                "none"
            };
            (source.to_owned(), attr("jwks.url"), attr("jwks.string"))
        }),
        keys_error: view.keys_error.clone(),
        secret,
        confirm_regenerate: view.confirm == "regenerate",
        grace,
        csrf: console.session.csrf.clone(),
        service_account,
        scopes,
        available_scopes,
        confirm_remove: view.remove,
        sa_user_id,
        sa_username,
        sa_roles,
        assignable_roles,
        confirm_unassign: view.unassign,
    };
    let status = if page.settings_errors.flows.is_some()
        || page.settings_errors.root_url.is_some()
        || page.settings_errors.save.is_some()
        || page.keys_error.is_some()
    {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(with_session(state, console, html(status, &page)))
}

async fn show(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    Query(q): Query<ShowQuery>,
    console: Result<Console, ConsoleError>,
) -> Response {
    let result = async {
        let console = console?;
        let flash = match (q.created.as_str(), q.regenerated.as_str(), q.done.as_str()) {
            ("1", _, _) => Some(CREATED.to_owned()),
            (_, "1", _) => Some("A new secret was generated.".to_owned()),
            (_, _, "") => None,
            (_, _, done) => Some(format!("{done}.")),
        };
        let view =
            View { tab: q.tab, confirm: q.confirm, remove: q.remove, unassign: q.unassign, flash, ..View::default() };
        render(&state, &console, realm, id, view).await
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

/// Saves the Settings tab; a refused form comes back with its messages.
async fn save_settings(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    console: Result<Console, ConsoleError>,
    Form(f): Form<ClientSettings>,
) -> Response {
    let result = async {
        let console = console?;
        csrf_ok(&console, &f.csrf)?;
        let path = format!("/admin/realms/{}/clients/{}", seg(&realm), seg(&id));
        let errors = NewClientErrors {
            flows: capability_problem(
                [f.standard_flow, f.direct_access, f.service_accounts, f.implicit],
                f.service_accounts,
                f.client_auth,
            ),
            root_url: (!is_url(f.root_url.trim())).then(|| "The root URL must start with https:// or http://.".into()),
            ..NewClientErrors::default()
        };
        let again = |errors| View { tab: "settings".into(), settings: Some((f.clone(), errors)), ..View::default() };
        if errors.flows.is_some() || errors.root_url.is_some() {
            return render(&state, &console, realm, id, again(errors)).await;
        }
        let mut rep = console.api.get(&path).await?;
        rep["name"] = json!(f.name.trim());
        rep["description"] = json!(f.description.trim());
        rep["enabled"] = json!(f.enabled);
        rep["publicClient"] = json!(!f.client_auth);
        rep["standardFlowEnabled"] = json!(f.standard_flow);
        rep["directAccessGrantsEnabled"] = json!(f.direct_access);
        rep["serviceAccountsEnabled"] = json!(f.service_accounts);
        rep["implicitFlowEnabled"] = json!(f.implicit);
        rep["rootUrl"] = json!(f.root_url.trim());
        rep["baseUrl"] = json!(f.home_url.trim());
        rep["redirectUris"] = json!(lines(&f.redirect_uris));
        rep["webOrigins"] = json!(lines(&f.web_origins));
        if !rep.get("attributes").is_some_and(Value::is_object) {
            rep["attributes"] = json!({});
        }
        rep["attributes"]["post.logout.redirect.uris"] = json!(lines(&f.post_logout_redirect_uris).join("##"));
        match console.api.write(Method::PUT, &path, Some(&rep)).await? {
            Ok(_) => Ok(with_session(
                &state,
                &console,
                redirect(&format!("{}/{}/clients/{}?done=Saved", base(&state), seg(&realm), seg(&id))),
            )),
            Err(failure) => {
                let errors = NewClientErrors {
                    save: Some(format!("Not saved: {}", failure.message)),
                    ..NewClientErrors::default()
                };
                render(&state, &console, realm, id, again(errors)).await
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[derive(Deserialize)]
struct AuthenticatorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    authenticator: String,
}

/// Sets the client authenticator on the Credentials tab.
async fn save_authenticator(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    console: Result<Console, ConsoleError>,
    Form(f): Form<AuthenticatorForm>,
) -> Response {
    let result = async {
        let console = console?;
        csrf_ok(&console, &f.csrf)?;
        if !matches!(f.authenticator.as_str(), "client-secret" | "client-jwt" | "client-secret-jwt") {
            return Err(ConsoleError::NotFound(format!("no authenticator {}", f.authenticator)));
        }
        let path = format!("/admin/realms/{}/clients/{}", seg(&realm), seg(&id));
        let mut rep = console.api.get(&path).await?;
        rep["clientAuthenticatorType"] = json!(f.authenticator);
        let back = format!("{}/{}/clients/{}?tab=credentials", base(&state), seg(&realm), seg(&id));
        match console.api.write(Method::PUT, &path, Some(&rep)).await? {
            Ok(_) => Ok(with_session(
                &state,
                &console,
                redirect(&format!("{back}&done={}", seg("Client authenticator saved"))),
            )),
            Err(failure) => Ok(with_session(
                &state,
                &console,
                redirect(&format!("{back}&done={}", seg(&format!("Not saved: {}", failure.message)))),
            )),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[derive(Deserialize)]
struct Regenerate {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
}

async fn regenerate(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    console: Result<Console, ConsoleError>,
    Form(f): Form<Regenerate>,
) -> Response {
    page!(
        state,
        async {
            let console = console?;
            csrf_ok(&console, &f.csrf)?;
            let back = format!("{}/{}/clients/{}?tab=credentials", base(&state), seg(&realm), seg(&id));
            // A destructive action needs the confirmation step.
            if f.confirm != "yes" {
                return Ok(redirect(&format!("{back}&confirm=regenerate")));
            }
            let path = format!("/admin/realms/{}/clients/{}/client-secret", seg(&realm), seg(&id));
            match console.api.write(Method::POST, &path, None).await? {
                Ok(_) => Ok(with_session(&state, &console, redirect(&format!("{back}&regenerated=1")))),
                Err(f) if f.status == StatusCode::NOT_FOUND => Err(ConsoleError::NotFound(f.message)),
                Err(f) => {
                    tracing::warn!(status = %f.status, message = %f.message, "console: the secret was not regenerated");
                    Err(ConsoleError::Unavailable)
                }
            }
        }
        .await
    )
}

#[derive(Deserialize)]
struct LinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    confirm: String,
}

/// Adds a client scope to a client, or removes one after confirmation.
async fn scope_links(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    console: Result<Console, ConsoleError>,
    Form(f): Form<LinkForm>,
) -> Response {
    page!(
        state,
        async {
            let console = console?;
            csrf_ok(&console, &f.csrf)?;
            let back = format!("{}/{}/clients/{}?tab=scopes", base(&state), seg(&realm), seg(&id));
            let sub = if f.kind == "Optional" { "optional-client-scopes" } else { "default-client-scopes" };
            let path = format!("/admin/realms/{}/clients/{}/{sub}/{}", seg(&realm), seg(&id), seg(&f.scope));
            let (method, done) = match f.action.as_str() {
                "add" => (Method::PUT, "Client scope added"),
                "remove" if f.confirm == "yes" => (Method::DELETE, "Client scope removed"),
                "remove" => return Ok(redirect(&format!("{back}&remove={}", seg(&f.scope)))),
                _ => return Err(ConsoleError::NotFound("no such action".into())),
            };
            match console.api.write(method, &path, None).await? {
                Ok(_) => Ok(with_session(&state, &console, redirect(&format!("{back}&done={}", seg(done))))),
                Err(failure) => Err(ConsoleError::NotFound(failure.message)),
            }
        }
        .await
    )
}

#[derive(Deserialize)]
struct KeysForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    jwks_url: String,
    #[serde(default)]
    jwks: String,
}

/// Saves the Keys tab: where the client's JWT keys are.
async fn save_keys(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    console: Result<Console, ConsoleError>,
    Form(f): Form<KeysForm>,
) -> Response {
    let result = async {
        let console = console?;
        csrf_ok(&console, &f.csrf)?;
        let form = (f.source.clone(), f.jwks_url.trim().to_owned(), f.jwks.trim().to_owned());
        let refuse = |why: String| View {
            tab: "keys".into(),
            keys: Some(form.clone()),
            keys_error: Some(why),
            ..View::default()
        };
        let problem = match f.source.as_str() {
            "url" if !(form.1.starts_with("https://") || form.1.starts_with("http://")) => {
                Some("Enter the JWKS URL, starting with https://.".to_owned())
            }
            "json"
                if serde_json::from_str::<Value>(&form.2)
                    .map_or(true, |v| !v.get("keys").is_some_and(Value::is_array)) =>
            {
                Some("The JWKS must be JSON with a \"keys\" list.".to_owned())
            }
            "url" | "json" | "none" => None,
            _ => Some("Choose where the keys are.".to_owned()),
        };
        if let Some(p) = problem {
            return render(&state, &console, realm, id, refuse(p)).await;
        }
        let path = format!("/admin/realms/{}/clients/{}", seg(&realm), seg(&id));
        let mut rep = console.api.get(&path).await?;
        if !rep.get("attributes").is_some_and(Value::is_object) {
            rep["attributes"] = json!({});
        }
        let a = &mut rep["attributes"];
        a["use.jwks.url"] = json!((f.source == "url").to_string());
        a["use.jwks.string"] = json!((f.source == "json").to_string());
        a["jwks.url"] = json!(form.1);
        a["jwks.string"] = json!(form.2);
        match console.api.write(Method::PUT, &path, Some(&rep)).await? {
            Ok(_) => Ok(with_session(
                &state,
                &console,
                redirect(&format!(
                    "{}/{}/clients/{}?tab=keys&done={}",
                    base(&state),
                    seg(&realm),
                    seg(&id),
                    seg("Keys saved")
                )),
            )),
            Err(failure) => render(&state, &console, realm, id, refuse(failure.message)).await,
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}
