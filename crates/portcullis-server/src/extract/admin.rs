//! The admin API's principal: a bearer token of a master-realm user with the `admin`
//! realm role, as Keycloak requires.

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use portcullis_core::keys;
use serde::Deserialize;

use crate::error::ApiError;
use crate::state::AppState;

/// The realm whose users administer the server.
pub const MASTER_REALM: &str = "master";
/// The realm role that grants administration.
pub const ADMIN_ROLE: &str = "admin";

/// Proof that the request comes from an administrator, and who it is.
#[derive(Debug, Clone)]
pub struct Admin {
    /// The administrator's user id (`sub`).
    pub user_id: String,
    /// The client its token was issued to (`azp`).
    pub client_id: String,
    /// The master realm's id.
    pub realm_id: String,
}

/// Where the admin audit layer collects the administrator of a write (the extractor
/// fills it; the layer reads it once the handler answered).
#[derive(Debug, Clone, Default)]
pub struct AdminSlot(pub std::sync::Arc<std::sync::OnceLock<Admin>>);

#[derive(Deserialize)]
struct AdminClaims {
    sub: String,
    #[serde(default)]
    azp: String,
    exp: i64,
    iss: String,
    #[serde(default)]
    realm_access: Option<RealmAccess>,
}

#[derive(Deserialize)]
struct RealmAccess {
    #[serde(default)]
    roles: Vec<String>,
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let unauthorized = || ApiError::Unauthorized("HTTP 401 Unauthorized".into());
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(unauthorized)?;
        let master = state.cache.realm(state.store.as_ref(), MASTER_REALM).await?.ok_or_else(unauthorized)?;
        let claims: AdminClaims = keys::verify(token, &master.verify_keys()).map_err(|_| unauthorized())?;
        let now = crate::oauth::now();
        // The issuer's host part depends on how the token was fetched; the path is what
        // binds the token to the master realm (its key already proved we issued it).
        if claims.exp <= now || !claims.iss.ends_with("/realms/master") || claims.sub.is_empty() {
            return Err(unauthorized());
        }
        if claims.realm_access.is_none_or(|r| !r.roles.iter().any(|r| r == ADMIN_ROLE)) {
            return Err(ApiError::Forbidden("HTTP 403 Forbidden: the admin role is required".into()));
        }
        if let Some(limit) = &state.admin_limit {
            limit.check(&claims.sub).map_err(|over| ApiError::TooManyRequests(over.retry_after_s))?;
        }
        tracing::debug!(admin = %claims.sub, "admin request");
        let admin = Admin { user_id: claims.sub, client_id: claims.azp, realm_id: master.realm.id.clone() };
        if let Some(slot) = parts.extensions.get::<AdminSlot>() {
            let _ = slot.0.set(admin.clone());
        }
        Ok(admin)
    }
}
