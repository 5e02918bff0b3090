//! Keycloak-compatible Admin REST API under `/admin/realms`. Every handler takes the
//! [`Admin`](crate::extract::admin::Admin) principal first, then the request, then makes
//! its store calls and invalidates the realm's cache after a write.

mod attack_detection;
mod audit;
mod client_roles;
mod client_scopes;
mod client_secret;
mod clients;
pub(crate) mod convert;
mod events;
mod keys;
mod mappers;
mod realms;
mod roles;
mod users;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use portcullis_core::realm::Realm;

use crate::error::ApiError;
use crate::issuer::base_url;
use crate::state::AppState;

/// Result of admin handlers.
pub type ApiResult<T> = Result<T, ApiError>;

/// All admin routes; writes that succeed become admin events.
pub fn routes(state: &AppState) -> Router<AppState> {
    const R: &str = "/admin/realms/{realm}";
    const BF: &str = "/admin/realms/{realm}/attack-detection/brute-force";
    Router::new()
        .route("/admin/realms", get(realms::list).post(realms::create))
        .route(R, get(realms::get).put(realms::update).delete(realms::delete))
        .route(&format!("{R}/push-revocation"), axum::routing::post(realms::push_revocation))
        .route(&format!("{R}/partial-export"), axum::routing::post(realms::partial_export))
        .route(&format!("{R}/partialImport"), axum::routing::post(realms::partial_import))
        .route(&format!("{R}/keys"), get(keys::list))
        .route(&format!("{R}/keys/rotate"), axum::routing::post(keys::rotate))
        .route(&format!("{R}/clients/{{id}}/push-revocation"), axum::routing::post(realms::push_revocation_client))
        .route(&format!("{R}/clients"), get(clients::list).post(clients::create))
        .route(&format!("{R}/clients/{{id}}"), get(clients::get).put(clients::update).delete(clients::delete))
        .route(&format!("{R}/clients/{{id}}/client-secret"), get(client_secret::get).post(client_secret::regenerate))
        .route(
            &format!("{R}/clients/{{id}}/client-secret/rotated"),
            get(client_secret::get_rotated).delete(client_secret::delete_rotated),
        )
        .route(&format!("{R}/clients/{{id}}/service-account-user"), get(clients::service_account_user))
        .route(&format!("{R}/clients/{{id}}/roles"), get(client_roles::list).post(client_roles::create))
        .route(&format!("{R}/clients/{{id}}/roles/{{name}}"), get(client_roles::get).delete(client_roles::delete))
        .route(
            &format!("{R}/users/{{id}}/role-mappings/clients/{{client}}"),
            get(client_roles::mappings).post(client_roles::add).delete(client_roles::remove),
        )
        .route(&format!("{R}/clients/{{id}}/default-client-scopes"), get(client_scopes::list_default))
        .route(&format!("{R}/clients/{{id}}/optional-client-scopes"), get(client_scopes::list_optional))
        .route(
            &format!("{R}/clients/{{id}}/default-client-scopes/{{scope}}"),
            put(client_scopes::add_default).delete(client_scopes::remove_default),
        )
        .route(
            &format!("{R}/clients/{{id}}/optional-client-scopes/{{scope}}"),
            put(client_scopes::add_optional).delete(client_scopes::remove_optional),
        )
        .route(&format!("{R}/client-scopes"), get(client_scopes::list).post(client_scopes::create))
        .route(
            &format!("{R}/client-scopes/{{scope}}"),
            get(client_scopes::get).put(client_scopes::update).delete(client_scopes::delete),
        )
        .route(&format!("{R}/roles"), get(roles::list).post(roles::create))
        .route(&format!("{R}/roles/{{name}}"), get(roles::get).put(roles::update).delete(roles::delete))
        .route(&format!("{R}/users"), get(users::list).post(users::create))
        .route(&format!("{R}/users/count"), get(users::count))
        .route(&format!("{R}/users/{{id}}"), get(users::get).put(users::update).delete(users::delete))
        .route(&format!("{R}/users/{{id}}/reset-password"), put(users::reset_password))
        .route(&format!("{R}/users/{{id}}/role-mappings"), get(users::all_role_mappings))
        .route(
            &format!("{R}/users/{{id}}/role-mappings/realm"),
            get(users::realm_role_mappings).post(users::add_realm_roles).delete(users::remove_realm_roles),
        )
        .route(&format!("{R}/users/{{id}}/role-mappings/realm/composite"), get(users::effective_realm_roles))
        .merge(mapper_routes("clients"))
        .merge(mapper_routes("client-scopes"))
        .route(&format!("{R}/events"), get(events::list).delete(events::clear))
        .route(&format!("{R}/admin-events"), get(events::list_admin).delete(events::clear_admin))
        .route(&format!("{R}/events/config"), get(events::get_config).put(events::put_config))
        .route(BF, get(attack_detection::list_all).delete(attack_detection::clear_all))
        .route(&format!("{BF}/{{kind}}"), get(attack_detection::list).delete(attack_detection::clear_kind))
        .route(&format!("{BF}/{{kind}}/{{id}}"), get(attack_detection::get).delete(attack_detection::clear))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), audit::record))
}

/// Protocol mapper routes of one owner kind; the handlers tell the kind by the matched route.
fn mapper_routes(kind: &str) -> Router<AppState> {
    let base = format!("/admin/realms/{{realm}}/{kind}/{{id}}/protocol-mappers");
    Router::new()
        .route(&format!("{base}/models"), get(mappers::list).post(mappers::create))
        .route(&format!("{base}/add-models"), axum::routing::post(mappers::add_many))
        .route(&format!("{base}/models/{{mapper}}"), get(mappers::get).put(mappers::update).delete(mappers::delete))
}

/// The realm named in the path, or 404.
async fn realm(state: &AppState, name: &str) -> ApiResult<Realm> {
    state
        .cache
        .realm(state.store.as_ref(), name)
        .await?
        .map(|e| e.realm.clone())
        .ok_or_else(|| ApiError::NotFound("Realm not found.".into()))
}

/// `201 Created` with the new resource's URL, which Keycloak clients parse for the id.
fn created(state: &AppState, headers: &HeaderMap, path: &str) -> Response {
    let base = base_url(state, headers).unwrap_or_default();
    let mut resp = StatusCode::CREATED.into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{base}{path}")) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// A boolean query parameter read as JAX-RS `Boolean.valueOf` does in Keycloak: `true` in
/// any case is true, anything else false. python-keycloak sends Python's `True`/`False`.
fn query_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let s = <String as serde::Deserialize>::deserialize(d)?;
    Ok(s.eq_ignore_ascii_case("true"))
}

/// Percent-encodes one path segment for a Location header.
pub(crate) fn seg(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")
}
