//! Realm-wide console pages: users, realm roles, realm settings (token lifespan, signature
//! algorithm, brute-force detection), keys (with rotation) and events.

use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::pages::{html, Events, Keys, Roles, Settings, SettingsErrors, Users};
use super::session::Console;
use super::{base, csrf_ok, error_page, nav, redirect, seg, with_session, ConsoleError};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/console/{realm}/users", get(users))
        .route("/admin/console/{realm}/roles", get(roles).post(create_role))
        .route("/admin/console/{realm}/roles/delete", post(delete_role))
        .route("/admin/console/{realm}/settings", get(settings).post(save_settings))
        .route("/admin/console/{realm}/keys", get(keys).post(rotate))
        .route("/admin/console/{realm}/events", get(events))
}

fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn b(v: &Value, k: &str) -> bool {
    v.get(k).and_then(Value::as_bool).unwrap_or(false)
}

/// Epoch milliseconds as `YYYY-MM-DD HH:MM:SS` (UTC).
pub(crate) fn when(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60)
}

#[derive(Deserialize, Default)]
struct Q {
    #[serde(default)]
    q: String,
    #[serde(default)]
    delete: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    done: String,
}

fn done(q: &Q) -> Option<String> {
    (!q.done.is_empty()).then(|| format!("{}.", q.done))
}

async fn users(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    Query(q): Query<Q>,
    console: Result<Console, ConsoleError>,
) -> Response {
    let result = async {
        let console = console?;
        let nav = nav(&console, &realm, "users").await?;
        let mut path = format!("/admin/realms/{}/users?max=200", seg(&realm));
        if !q.q.trim().is_empty() {
            path.push_str(&format!("&search={}", seg(q.q.trim())));
        }
        let list = console.api.get(&path).await?;
        let rows = list
            .as_array()
            .into_iter()
            .flatten()
            .map(|u| {
                let enabled = if b(u, "enabled") { "Yes" } else { "No" };
                (s(u, "id"), s(u, "username"), s(u, "email"), s(u, "firstName"), s(u, "lastName"), enabled)
            })
            .collect();
        let page = Users { base: base(&state), nav: Some(nav), flash: None, realm, query: q.q, rows };
        Ok(with_session(&state, &console, html(StatusCode::OK, &page)))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

async fn roles_page(
    state: &AppState,
    console: &Console,
    realm: String,
    confirm_delete: String,
    form: (String, String, Option<String>),
    flash: Option<String>,
) -> Result<Response, ConsoleError> {
    let nav = nav(console, &realm, "roles").await?;
    let list = console.api.get(&format!("/admin/realms/{}/roles", seg(&realm))).await?;
    let mut rows: Vec<(String, bool, String)> =
        list.as_array().into_iter().flatten().map(|r| (s(r, "name"), b(r, "composite"), s(r, "description"))).collect();
    rows.sort();
    let (name, description, error) = form;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let csrf = console.session.csrf.clone();
    let page =
        Roles { base: base(state), nav: Some(nav), flash, realm, csrf, rows, confirm_delete, name, description, error };
    Ok(with_session(state, console, html(status, &page)))
}

async fn roles(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    Query(q): Query<Q>,
    console: Result<Console, ConsoleError>,
) -> Response {
    let result = async {
        let console = console?;
        roles_page(&state, &console, realm, q.delete.clone(), Default::default(), done(&q)).await
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    confirm: String,
}

async fn create_role(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    console: Result<Console, ConsoleError>,
    Form(f): Form<RoleForm>,
) -> Response {
    let result = async {
        let console = console?;
        csrf_ok(&console, &f.csrf)?;
        let name = f.name.trim().to_owned();
        if name.is_empty() {
            let form = (name, f.description, Some("Enter a name for the role.".to_owned()));
            return roles_page(&state, &console, realm, String::new(), form, None).await;
        }
        let body = json!({"name": name, "description": f.description.trim()});
        match console.api.write(Method::POST, &format!("/admin/realms/{}/roles", seg(&realm)), Some(&body)).await? {
            Ok(_) => Ok(with_session(
                &state,
                &console,
                redirect(&format!(
                    "{}/{}/roles?done={}",
                    base(&state),
                    seg(&realm),
                    seg(&format!("Role {name} created"))
                )),
            )),
            Err(failure) => {
                let why = if failure.status == StatusCode::CONFLICT {
                    format!("A role named {name} exists already.")
                } else {
                    failure.message
                };
                roles_page(&state, &console, realm, String::new(), (name, f.description, Some(why)), None).await
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

async fn delete_role(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    console: Result<Console, ConsoleError>,
    Form(f): Form<RoleForm>,
) -> Response {
    let result = async {
        let console = console?;
        csrf_ok(&console, &f.csrf)?;
        let list = format!("{}/{}/roles", base(&state), seg(&realm));
        if f.confirm != "yes" {
            return Ok(redirect(&format!("{list}?delete={}", seg(&f.name))));
        }
        let path = format!("/admin/realms/{}/roles/{}", seg(&realm), seg(&f.name));
        match console.api.write(Method::DELETE, &path, None).await? {
            Ok(_) => Ok(with_session(
                &state,
                &console,
                redirect(&format!("{list}?done={}", seg(&format!("Role {} deleted", f.name)))),
            )),
            Err(failure) => Err(ConsoleError::NotFound(failure.message)),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

fn settings_page(
    state: &AppState,
    console: &Console,
    nav: super::pages::Nav,
    r: &Value,
    errors: SettingsErrors,
    flash: Option<String>,
) -> Response {
    let status =
        if errors.lifespan.is_some() || errors.failures.is_some() || errors.wait.is_some() || errors.save.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
    let page = Settings {
        base: base(state),
        nav: Some(nav),
        flash,
        csrf: console.session.csrf.clone(),
        display_name: s(r, "displayName"),
        enabled: b(r, "enabled"),
        access_token_lifespan: s(r, "accessTokenLifespan"),
        sso_idle: s(r, "ssoSessionIdleTimeout"),
        sso_max: s(r, "ssoSessionMaxLifespan"),
        algorithm: s(r, "defaultSignatureAlgorithm"),
        algorithms: portcullis_core::keys::SUPPORTED_ALGORITHMS.iter().map(|a| (*a).to_owned()).collect(),
        brute_force: b(r, "bruteForceProtected"),
        permanent_lockout: b(r, "permanentLockout"),
        failure_factor: s(r, "failureFactor"),
        wait_increment: s(r, "waitIncrementSeconds"),
        errors,
    };
    with_session(state, console, html(status, &page))
}

async fn settings(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    Query(q): Query<Q>,
    console: Result<Console, ConsoleError>,
) -> Response {
    let result = async {
        let console = console?;
        let nav = nav(&console, &realm, "settings").await?;
        let r = console.api.get(&format!("/admin/realms/{}", seg(&realm))).await?;
        Ok(settings_page(&state, &console, nav, &r, SettingsErrors::default(), done(&q)))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    enabled: String,
    #[serde(default)]
    access_token_lifespan: String,
    #[serde(default)]
    sso_idle: String,
    #[serde(default)]
    sso_max: String,
    #[serde(default)]
    algorithm: String,
    #[serde(default)]
    brute_force: String,
    #[serde(default)]
    permanent_lockout: String,
    #[serde(default)]
    failure_factor: String,
    #[serde(default)]
    wait_increment: String,
}

/// A whole number from a form field within `min..=max`, or the message for the field.
fn number(text: &str, min: i64, max: i64, what: &str) -> Result<i64, String> {
    match text.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("{what} must be a whole number from {min} to {max}.")),
    }
}

async fn save_settings(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    console: Result<Console, ConsoleError>,
    Form(f): Form<SettingsForm>,
) -> Response {
    let result = async {
        let console = console?;
        csrf_ok(&console, &f.csrf)?;
        let nav = nav(&console, &realm, "settings").await?;
        let path = format!("/admin/realms/{}", seg(&realm));
        let mut r = console.api.get(&path).await?;
        let lifespan = number(&f.access_token_lifespan, 1, 31_536_000, "The access token lifespan");
        let sso_idle = number(&f.sso_idle, 1, 31_536_000, "The SSO session idle");
        let sso_max = number(&f.sso_max, 1, 31_536_000, "The SSO session max");
        let failures = number(&f.failure_factor, 1, 1_000_000, "Max login failures");
        let wait = number(&f.wait_increment, 0, 86_400, "The wait increment");
        r["displayName"] = json!(f.display_name.trim());
        r["enabled"] = json!(f.enabled == "on");
        r["defaultSignatureAlgorithm"] = json!(f.algorithm);
        r["bruteForceProtected"] = json!(f.brute_force == "on");
        r["permanentLockout"] = json!(f.permanent_lockout == "on");
        let errors = SettingsErrors {
            lifespan: lifespan.as_ref().err().cloned(),
            sso_idle: sso_idle.as_ref().err().cloned(),
            sso_max: sso_max.as_ref().err().cloned(),
            failures: failures.as_ref().err().cloned(),
            wait: wait.as_ref().err().cloned(),
            save: None,
        };
        match (lifespan, sso_idle, sso_max, failures, wait) {
            (Ok(l), Ok(idle), Ok(max), Ok(fail), Ok(w)) => {
                r["accessTokenLifespan"] = json!(l);
                r["ssoSessionIdleTimeout"] = json!(idle);
                r["ssoSessionMaxLifespan"] = json!(max);
                r["failureFactor"] = json!(fail);
                r["waitIncrementSeconds"] = json!(w);
            }
            _ => {
                for (field, text) in [
                    ("accessTokenLifespan", &f.access_token_lifespan),
                    ("ssoSessionIdleTimeout", &f.sso_idle),
                    ("ssoSessionMaxLifespan", &f.sso_max),
                    ("failureFactor", &f.failure_factor),
                    ("waitIncrementSeconds", &f.wait_increment),
                ] {
                    r[field] = json!(text);
                }
                return Ok(settings_page(&state, &console, nav, &r, errors, None));
            }
        }
        match console.api.write(Method::PUT, &path, Some(&r)).await? {
            Ok(_) => Ok(with_session(
                &state,
                &console,
                redirect(&format!("{}/{}/settings?done=Saved", base(&state), seg(&realm))),
            )),
            Err(failure) => {
                let errors = SettingsErrors { save: Some(failure.message), ..SettingsErrors::default() };
                Ok(settings_page(&state, &console, nav, &r, errors, None))
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

async fn keys(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    Query(q): Query<Q>,
    console: Result<Console, ConsoleError>,
) -> Response {
    let result = async {
        let console = console?;
        let nav = nav(&console, &realm, "keys").await?;
        let k = console.api.get(&format!("/admin/realms/{}/keys", seg(&realm))).await?;
        let rows = k
            .get("keys")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|k| {
                let valid_to = k.get("validTo").and_then(Value::as_i64).map(when).unwrap_or_default();
                let created = k.get("createdAt").and_then(Value::as_i64).map(when).unwrap_or_default();
                (s(k, "algorithm"), s(k, "type"), s(k, "kid"), s(k, "status"), created, valid_to)
            })
            .collect();
        let page = Keys {
            base: base(&state),
            nav: Some(nav),
            flash: done(&q),
            csrf: console.session.csrf.clone(),
            rows,
            confirm: q.confirm == "rotate",
        };
        Ok(with_session(&state, &console, html(StatusCode::OK, &page)))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
}

async fn rotate(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    console: Result<Console, ConsoleError>,
    Form(f): Form<ConfirmForm>,
) -> Response {
    let result = async {
        let console = console?;
        csrf_ok(&console, &f.csrf)?;
        let page = format!("{}/{}/keys", base(&state), seg(&realm));
        if f.confirm != "yes" {
            return Ok(redirect(&format!("{page}?confirm=rotate")));
        }
        match console.api.write(Method::POST, &format!("/admin/realms/{}/keys/rotate", seg(&realm)), None).await? {
            Ok(_) => Ok(with_session(&state, &console, redirect(&format!("{page}?done={}", seg("Keys rotated"))))),
            Err(failure) => Err(ConsoleError::NotFound(failure.message)),
        }
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

async fn events(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    Query(q): Query<Q>,
    console: Result<Console, ConsoleError>,
) -> Response {
    let result = async {
        let console = console?;
        let nav = nav(&console, &realm, "events").await?;
        let admin = q.kind == "admin";
        let config = console.api.get(&format!("/admin/realms/{}/events/config", seg(&realm))).await?;
        let enabled = b(&config, if admin { "adminEventsEnabled" } else { "eventsEnabled" });
        let sub = if admin { "admin-events" } else { "events" };
        let list = console.api.get(&format!("/admin/realms/{}/{sub}?max=100", seg(&realm))).await?;
        let rows = list
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let time = e.get("time").and_then(Value::as_i64).map(when).unwrap_or_default();
                if admin {
                    let auth = e.get("authDetails").cloned().unwrap_or(Value::Null);
                    (
                        time,
                        s(e, "operationType"),
                        s(e, "resourceType"),
                        s(e, "resourcePath"),
                        s(&auth, "ipAddress"),
                        s(e, "error"),
                    )
                } else {
                    (time, s(e, "type"), s(e, "clientId"), s(e, "userId"), s(e, "ipAddress"), s(e, "error"))
                }
            })
            .collect();
        let page = Events {
            base: base(&state),
            nav: Some(nav),
            flash: None,
            kind: if admin { "admin" } else { "user" }.to_owned(),
            enabled,
            rows,
        };
        Ok(with_session(&state, &console, html(StatusCode::OK, &page)))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, e))
}

#[cfg(test)]
mod tests {
    use super::when;

    #[test]
    fn dates() {
        assert_eq!(when(0), "1970-01-01 00:00:00");
        assert_eq!(when(1_795_414_464_000), "2026-11-23 06:14:24");
        assert_eq!(when(951_782_400_000), "2000-02-29 00:00:00");
    }
}
