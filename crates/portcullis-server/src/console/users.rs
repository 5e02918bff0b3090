//! A user in the console: Details (email, names, enabled) and Attributes. Service-account
//! users are reached from their client's Service accounts roles tab.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::pages::{html, UserPage};
use super::session::Console;
use super::{base, csrf_ok, error_page, nav, redirect, seg, with_session, ConsoleError};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/console/{realm}/users/{id}", get(show).post(save_details))
        .route("/admin/console/{realm}/users/{id}/attributes", post(save_attributes))
}

fn s(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned()
}

#[derive(Deserialize)]
struct ShowQuery {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    saved: String,
}

fn user_path(realm: &str, id: &str) -> String {
    format!("/admin/realms/{}/users/{}", seg(realm), seg(id))
}

/// What a page says besides the user: a refused save's messages, or a confirmation.
#[derive(Default)]
struct Messages {
    email_error: Option<String>,
    attributes_error: Option<String>,
    flash: Option<String>,
}

/// The page for `user` (with the form values of a refused save, when there was one).
async fn page(
    state: &AppState,
    console: &Console,
    (realm, id): (String, String),
    user: &Value,
    tab: &str,
    m: Messages,
) -> Result<Response, ConsoleError> {
    let Messages { email_error, attributes_error, flash } = m;
    let nav = nav(console, &realm, "users").await?;
    let service_account_of = match user.get("serviceAccountClientId").and_then(Value::as_str) {
        Some(cid) => {
            let c = console.api.get(&format!("/admin/realms/{}/clients/{}", seg(&realm), seg(cid))).await?;
            Some((cid.to_owned(), s(&c, "clientId")))
        }
        None => None,
    };
    let attributes = user
        .get("attributes")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(k, vs)| {
            vs.as_array().into_iter().flatten().filter_map(Value::as_str).map(move |v| (k.clone(), v.to_owned()))
        })
        .collect();
    let status = if email_error.is_some() || attributes_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = UserPage {
        base: base(state),
        nav: Some(nav),
        flash,
        realm,
        id,
        username: s(user, "username"),
        service_account_of,
        tab: if tab == "attributes" { "attributes" } else { "details" }.to_owned(),
        csrf: console.session.csrf.clone(),
        email: s(user, "email"),
        first_name: s(user, "firstName"),
        last_name: s(user, "lastName"),
        enabled: user.get("enabled").and_then(Value::as_bool).unwrap_or(true),
        email_error,
        attributes,
        attributes_error,
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
        let user = console.api.get(&user_path(&realm, &id)).await?;
        let flash = (q.saved == "1").then(|| "Saved.".to_owned());
        page(&state, &console, (realm, id), &user, &q.tab, Messages { flash, ..Messages::default() }).await
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[derive(Deserialize)]
struct DetailsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    enabled: String,
}

fn email_problem(email: &str) -> Option<String> {
    let ok = email.is_empty()
        || (email.split_once('@').is_some_and(|(a, d)| !a.is_empty() && d.contains('.') && !d.starts_with('.'))
            && !email.contains(char::is_whitespace));
    (!ok).then(|| "Enter an email address such as name@example.com.".to_owned())
}

async fn save_details(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    console: Result<Console, ConsoleError>,
    Form(f): Form<DetailsForm>,
) -> Response {
    let result = async {
        let console = console?;
        csrf_ok(&console, &f.csrf)?;
        let path = user_path(&realm, &id);
        let mut user = console.api.get(&path).await?;
        user["email"] = json!(f.email.trim());
        user["firstName"] = json!(f.first_name.trim());
        user["lastName"] = json!(f.last_name.trim());
        user["enabled"] = json!(f.enabled == "on");
        if let Some(problem) = email_problem(f.email.trim()) {
            let m = Messages { email_error: Some(problem), ..Messages::default() };
            return page(&state, &console, (realm, id), &user, "details", m).await;
        }
        match console.api.write(Method::PUT, &path, Some(&user)).await? {
            Ok(_) => Ok(with_session(
                &state,
                &console,
                redirect(&format!("{}/{}/users/{}?tab=details&saved=1", base(&state), seg(&realm), seg(&id))),
            )),
            Err(failure) => {
                let m = Messages { email_error: Some(failure.message), ..Messages::default() };
                page(&state, &console, (realm, id), &user, "details", m).await
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

async fn save_attributes(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    console: Result<Console, ConsoleError>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let console = console?;
        let csrf = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
        csrf_ok(&console, csrf)?;
        // Rows arrive as key, value, key, value… in the page's order.
        let keys = fields.iter().filter(|(k, _)| k == "key").map(|(_, v)| v.trim());
        let values = fields.iter().filter(|(k, _)| k == "value").map(|(_, v)| v.trim());
        let mut attributes: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut problem = None;
        for (k, v) in keys.zip(values) {
            match (k.is_empty(), v.is_empty()) {
                (true, true) => {}
                (true, false) => problem = Some(format!("The value {v} has no key: give it one, or clear the row.")),
                (false, _) => attributes.entry(k.to_owned()).or_default().push(v.to_owned()),
            }
        }
        let path = user_path(&realm, &id);
        let mut user = console.api.get(&path).await?;
        user["attributes"] = json!(attributes);
        if problem.is_some() {
            let m = Messages { attributes_error: problem, ..Messages::default() };
            return page(&state, &console, (realm, id), &user, "attributes", m).await;
        }
        match console.api.write(Method::PUT, &path, Some(&user)).await? {
            Ok(_) => Ok(with_session(
                &state,
                &console,
                redirect(&format!("{}/{}/users/{}?tab=attributes&saved=1", base(&state), seg(&realm), seg(&id))),
            )),
            Err(failure) => {
                let m = Messages { attributes_error: Some(failure.message), ..Messages::default() };
                page(&state, &console, (realm, id), &user, "attributes", m).await
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[cfg(test)]
mod tests {
    use super::email_problem;

    #[test]
    fn emails() {
        for ok in ["", "a@b.co", "api-demo-project@domain.com"] {
            assert!(email_problem(ok).is_none(), "{ok}");
        }
        for bad in ["a", "a@b", "@b.co", "a b@c.de", "a@.de"] {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
    }
}
