//! OAuth 2.0 / OIDC endpoints of a realm.

mod audit;
mod client_auth;
mod cors;
mod discovery;
mod exchange;
mod introspect;
mod jwks;
mod refresh;
mod token;
mod userinfo;

use axum::routing::{get, post};
use axum::Router;
use portcullis_types::paths;

use crate::state::AppState;

/// Current time in epoch seconds. With [`now_ms`], the only clock reads of the HTTP layer;
/// the domain takes time as a parameter.
pub fn now() -> i64 {
    now_ms() / 1000
}

/// Current time in epoch milliseconds (events, brute-force locks).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Routes under `/realms/{realm}`, plus RFC 8414's well-known location.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("/realms/{{realm}}{}", paths::TOKEN), post(token::token).options(cors::token_preflight))
        .route(
            &format!("/realms/{{realm}}{}", paths::INTROSPECT),
            post(introspect::introspect).options(cors::token_preflight),
        )
        .route(&format!("/realms/{{realm}}{}", paths::REVOKE), post(introspect::revoke).options(cors::token_preflight))
        .merge(public_documents())
}

/// Discovery and JWKS: public, so readable from any origin.
fn public_documents() -> Router<AppState> {
    Router::new()
        .route(&format!("/realms/{{realm}}{}", paths::CERTS), get(jwks::certs))
        .route(&format!("/realms/{{realm}}{}", paths::USERINFO), get(userinfo::userinfo).post(userinfo::userinfo))
        .route(&format!("/realms/{{realm}}{}", paths::OIDC_DISCOVERY), get(discovery::openid_configuration))
        .route(&format!("/realms/{{realm}}{}", paths::OAUTH_METADATA), get(discovery::oauth_metadata))
        .route_layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
            axum::http::HeaderValue::from_static("*"),
        ))
}

pub use discovery::{oauth_metadata, rfc8414_route};
