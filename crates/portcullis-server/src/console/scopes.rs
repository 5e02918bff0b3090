//! Client scopes in the console: the list, creation, and a scope's mappers (user attribute
//! mappers added from a form; any mapper deleted after confirmation).

use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::pages::{html, ScopePage, ScopesPage};
use super::session::Console;
use super::{base, csrf_ok, error_page, nav, redirect, seg, with_session, ConsoleError};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/console/{realm}/client-scopes", get(list).post(create))
        .route("/admin/console/{realm}/client-scopes/{id}", get(show))
        .route("/admin/console/{realm}/client-scopes/{id}/mappers", post(add_mapper))
        .route("/admin/console/{realm}/client-scopes/{id}/mappers/delete", post(delete_mapper))
}

fn s(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned()
}

#[derive(Deserialize, Default)]
struct Q {
    #[serde(default)]
    delete: String,
    #[serde(default)]
    done: String,
}

async fn list_page(
    state: &AppState,
    console: &Console,
    realm: String,
    form: (String, String, Option<String>),
    flash: Option<String>,
) -> Result<Response, ConsoleError> {
    let nav = nav(console, &realm, "client-scopes").await?;
    let all = console.api.get(&format!("/admin/realms/{}/client-scopes", seg(&realm))).await?;
    let mut rows: Vec<(String, String, String, usize)> = all
        .as_array()
        .into_iter()
        .flatten()
        .map(|sc| {
            let mappers = sc.get("protocolMappers").and_then(Value::as_array).map_or(0, Vec::len);
            (s(sc, "id"), s(sc, "name"), s(sc, "description"), mappers)
        })
        .collect();
    rows.sort_by(|a, b| a.1.cmp(&b.1));
    let (name, description, error) = form;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let csrf = console.session.csrf.clone();
    let page = ScopesPage { base: base(state), nav: Some(nav), flash, realm, csrf, rows, name, description, error };
    Ok(with_session(state, console, html(status, &page)))
}

async fn list(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    Query(q): Query<Q>,
    console: Result<Console, ConsoleError>,
) -> Response {
    let result = async {
        let console = console?;
        let flash = (!q.done.is_empty()).then(|| format!("{}.", q.done));
        list_page(&state, &console, realm, Default::default(), flash).await
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[derive(Deserialize)]
struct ScopeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

async fn create(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    console: Result<Console, ConsoleError>,
    Form(f): Form<ScopeForm>,
) -> Response {
    let result = async {
        let console = console?;
        csrf_ok(&console, &f.csrf)?;
        let name = f.name.trim().to_owned();
        let problem = if name.is_empty() {
            Some("Enter a name: clients ask for the scope by it.".to_owned())
        } else if name.contains(char::is_whitespace) {
            Some("A scope name cannot contain spaces (the scope parameter is space-separated).".to_owned())
        } else {
            None
        };
        if let Some(p) = problem {
            return list_page(&state, &console, realm, (name, f.description, Some(p)), None).await;
        }
        let body = json!({"name": name, "description": f.description.trim(), "protocol": "openid-connect"});
        match console
            .api
            .write(Method::POST, &format!("/admin/realms/{}/client-scopes", seg(&realm)), Some(&body))
            .await?
        {
            Ok(Some(id)) => Ok(with_session(
                &state,
                &console,
                redirect(&format!("{}/{}/client-scopes/{}", base(&state), seg(&realm), seg(&id))),
            )),
            Ok(None) => {
                Ok(with_session(&state, &console, redirect(&format!("{}/{}/client-scopes", base(&state), seg(&realm)))))
            }
            Err(failure) => {
                let why = if failure.status == StatusCode::CONFLICT {
                    format!("A client scope named {name} exists already.")
                } else {
                    failure.message
                };
                list_page(&state, &console, realm, (name, f.description, Some(why)), None).await
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

async fn scope_page(
    state: &AppState,
    console: &Console,
    (realm, id): (String, String),
    confirm_delete: String,
    form: (String, String, String),
    error: Option<String>,
    flash: Option<String>,
) -> Result<Response, ConsoleError> {
    let nav = nav(console, &realm, "client-scopes").await?;
    let sc = console.api.get(&format!("/admin/realms/{}/client-scopes/{}", seg(&realm), seg(&id))).await?;
    let mappers = sc
        .get("protocolMappers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|m| {
            let claim = m.get("config").map(|c| s(c, "claim.name")).unwrap_or_default();
            (s(m, "id"), s(m, "name"), s(m, "protocolMapper"), claim)
        })
        .collect();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ScopePage {
        base: base(state),
        nav: Some(nav),
        flash,
        realm,
        id,
        name: s(&sc, "name"),
        csrf: console.session.csrf.clone(),
        mappers,
        confirm_delete,
        form,
        error,
    };
    Ok(with_session(state, console, html(status, &page)))
}

async fn show(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    Query(q): Query<Q>,
    console: Result<Console, ConsoleError>,
) -> Response {
    let result = async {
        let console = console?;
        let flash = (!q.done.is_empty()).then(|| format!("{}.", q.done));
        scope_page(&state, &console, (realm, id), q.delete, Default::default(), None, flash).await
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[derive(Deserialize)]
struct MapperForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    attribute: String,
    #[serde(default)]
    claim: String,
    #[serde(default)]
    multivalued: String,
}

async fn add_mapper(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    console: Result<Console, ConsoleError>,
    Form(f): Form<MapperForm>,
) -> Response {
    let result = async {
        let console = console?;
        csrf_ok(&console, &f.csrf)?;
        let attribute = f.attribute.trim().to_owned();
        let form = (f.name.clone(), attribute.clone(), f.claim.clone());
        if attribute.is_empty() {
            let why = Some("Enter the user attribute to put into tokens, e.g. applications.".to_owned());
            return scope_page(&state, &console, (realm, id), String::new(), form, why, None).await;
        }
        let claim = if f.claim.trim().is_empty() { attribute.clone() } else { f.claim.trim().to_owned() };
        let name = if f.name.trim().is_empty() { attribute.clone() } else { f.name.trim().to_owned() };
        let body = json!({
            "name": name,
            "protocol": "openid-connect",
            "protocolMapper": "oidc-usermodel-attribute-mapper",
            "config": {
                "user.attribute": attribute,
                "claim.name": claim,
                "jsonType.label": "String",
                "multivalued": if f.multivalued == "on" { "true" } else { "false" },
                "access.token.claim": "true",
                "id.token.claim": "true",
                "introspection.token.claim": "true",
            },
        });
        let path = format!("/admin/realms/{}/client-scopes/{}/protocol-mappers/models", seg(&realm), seg(&id));
        match console.api.write(Method::POST, &path, Some(&body)).await? {
            Ok(_) => Ok(with_session(
                &state,
                &console,
                redirect(&format!(
                    "{}/{}/client-scopes/{}?done={}",
                    base(&state),
                    seg(&realm),
                    seg(&id),
                    seg("Mapper added")
                )),
            )),
            Err(failure) => {
                scope_page(&state, &console, (realm, id), String::new(), form, Some(failure.message), None).await
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mapper: String,
    #[serde(default)]
    confirm: String,
}

async fn delete_mapper(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    console: Result<Console, ConsoleError>,
    Form(f): Form<DeleteForm>,
) -> Response {
    let result = async {
        let console = console?;
        csrf_ok(&console, &f.csrf)?;
        let back = format!("{}/{}/client-scopes/{}", base(&state), seg(&realm), seg(&id));
        if f.confirm != "yes" {
            return Ok(redirect(&format!("{back}?delete={}", seg(&f.mapper))));
        }
        let path = format!(
            "/admin/realms/{}/client-scopes/{}/protocol-mappers/models/{}",
            seg(&realm),
            seg(&id),
            seg(&f.mapper)
        );
        match console.api.write(Method::DELETE, &path, None).await? {
            Ok(_) => Ok(with_session(&state, &console, redirect(&format!("{back}?done={}", seg("Mapper deleted"))))),
            Err(failure) => Err(ConsoleError::NotFound(failure.message)),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}
