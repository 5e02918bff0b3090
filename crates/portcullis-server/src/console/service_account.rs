//! The Service accounts roles tab of a client: the realm and client roles its service
//! account holds, the ones it could get, and assigning or unassigning them.

use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use serde_json::{json, Value};

use super::clients::s;
use super::session::Console;
use super::{base, csrf_ok, error_page, redirect, seg, with_session, ConsoleError};
use crate::state::AppState;

/// A service account's roles and the roles it could get, realm roles first, then each
/// client's roles; keys are `realm:NAME` and `client:CLIENT-ID:NAME`.
#[allow(clippy::type_complexity)]
pub(super) async fn role_choices(
    console: &Console,
    realm: &str,
    user_id: &str,
) -> Result<(Vec<(String, String, String, String)>, Vec<(String, String)>), ConsoleError> {
    let r = seg(realm);
    let mapped = console.api.get(&format!("/admin/realms/{r}/users/{}/role-mappings", seg(user_id))).await?;
    let mut have: Vec<(String, String, String, String)> = mapped
        .get("realmMappings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|x| (format!("realm:{}", s(x, "name")), s(x, "name"), "realm".to_owned(), s(x, "description")))
        .collect();
    for (client_id, m) in mapped.get("clientMappings").and_then(Value::as_object).into_iter().flatten() {
        for x in m.get("mappings").and_then(Value::as_array).into_iter().flatten() {
            have.push((
                format!("client:{}:{}", s(m, "id"), s(x, "name")),
                s(x, "name"),
                client_id.clone(),
                s(x, "description"),
            ));
        }
    }
    have.sort_by(|a, b| (a.2 != "realm", &a.2, &a.1).cmp(&(b.2 != "realm", &b.2, &b.1)));
    let mut choices: Vec<(String, String)> = Vec::new();
    for x in console.api.get(&format!("/admin/realms/{r}/roles")).await?.as_array().into_iter().flatten() {
        choices.push((format!("realm:{}", s(x, "name")), s(x, "name")));
    }
    choices.sort();
    for c in console.api.get(&format!("/admin/realms/{r}/clients")).await?.as_array().into_iter().flatten() {
        let roles = console.api.get(&format!("/admin/realms/{r}/clients/{}/roles", seg(&s(c, "id")))).await?;
        let mut of_client: Vec<(String, String)> = roles
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| {
                (format!("client:{}:{}", s(c, "id"), s(x, "name")), format!("{} {}", s(c, "clientId"), s(x, "name")))
            })
            .collect();
        of_client.sort();
        choices.extend(of_client);
    }
    choices.retain(|(k, _)| !have.iter().any(|h| &h.0 == k));
    Ok((have, choices))
}

#[derive(Deserialize)]
pub(super) struct RoleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    confirm: String,
}

/// Assigns a realm or client role to a client's service account, or unassigns one after confirmation.
pub(super) async fn assign(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    console: Result<Console, ConsoleError>,
    Form(f): Form<RoleForm>,
) -> Response {
    page!(
        state,
        async {
            let console = console?;
            csrf_ok(&console, &f.csrf)?;
            let back = format!("{}/{}/clients/{}?tab=service-account", base(&state), seg(&realm), seg(&id));
            let (method, done) = match f.action.as_str() {
                "assign" => (Method::POST, "Role assigned"),
                "unassign" if f.confirm == "yes" => (Method::DELETE, "Role unassigned"),
                "unassign" => return Ok(redirect(&format!("{back}&unassign={}", seg(&f.role)))),
                _ => return Err(ConsoleError::NotFound("no such action".into())),
            };
            let user = console
                .api
                .get(&format!("/admin/realms/{}/clients/{}/service-account-user", seg(&realm), seg(&id)))
                .await?;
            let user_path = format!("/admin/realms/{}/users/{}/role-mappings", seg(&realm), seg(&s(&user, "id")));
            let (role, path) = match f.role.split_once(':') {
                Some(("realm", name)) => {
                    let role = console.api.get(&format!("/admin/realms/{}/roles/{}", seg(&realm), seg(name))).await?;
                    (role, format!("{user_path}/realm"))
                }
                Some(("client", rest)) => {
                    let (client, name) =
                        rest.split_once(':').ok_or_else(|| ConsoleError::NotFound("no such role".into()))?;
                    let role = console
                        .api
                        .get(&format!("/admin/realms/{}/clients/{}/roles/{}", seg(&realm), seg(client), seg(name)))
                        .await?;
                    (role, format!("{user_path}/clients/{}", seg(client)))
                }
                _ => return Err(ConsoleError::NotFound("no such role".into())),
            };
            match console.api.write(method, &path, Some(&json!([role]))).await? {
                Ok(_) => Ok(with_session(&state, &console, redirect(&format!("{back}&done={}", seg(done))))),
                Err(failure) => Err(ConsoleError::NotFound(failure.message)),
            }
        }
        .await
    )
}
