//! The admin API's principal: a bearer token of a master-realm user with the `admin`
//! realm role (every realm), or of a realm's user with `realm-management` client roles
//! (that realm, as far as the roles go; see [`portcullis_core::admin_access`]).

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, Method};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use portcullis_core::admin_access::{self, REALM_MANAGEMENT};
use portcullis_core::keys;
use serde::Deserialize;

use crate::error::ApiError;
use crate::state::AppState;

/// The realm whose users administer the server.
pub const MASTER_REALM: &str = "master";
/// The realm role that grants administration.
pub const ADMIN_ROLE: &str = "admin";

/// Proof that the request comes from an administrator allowed to make it, and who it is.
#[derive(Debug, Clone)]
pub struct Admin {
    /// The administrator's user id (`sub`).
    pub user_id: String,
    /// The client its token was issued to (`azp`).
    pub client_id: String,
    /// Id of the realm the administrator belongs to.
    pub realm_id: String,
    /// `None`: every realm (master `admin` role); otherwise the one realm (by name) that
    /// the token's `realm-management` roles administer.
    pub only_realm: Option<String>,
    /// The token's `realm-management` roles (empty for the master admin).
    pub roles: Vec<String>,
}

impl Admin {
    /// Whether the administrator may grant the `realm-management` role `role`: the master
    /// admin and `realm-admin` may grant any; others only roles they hold, so that
    /// `manage-users` cannot make its holder (or anyone) a bigger administrator.
    pub fn may_grant(&self, role: &str) -> bool {
        self.only_realm.is_none() || self.roles.iter().any(|r| r == "realm-admin" || r == role)
    }

    /// Whether the administrator may see realm `name` at all.
    pub fn sees(&self, name: &str) -> bool {
        self.only_realm.as_deref().is_none_or(|r| r == name)
    }
}

/// Where the admin audit layer collects the administrator of a write (the extractor
/// fills it; the layer reads it once the handler answered).
#[derive(Debug, Clone, Default)]
pub struct AdminSlot(pub std::sync::Arc<std::sync::OnceLock<Admin>>);

#[derive(Deserialize)]
struct AdminClaims {
    sub: String,
    #[serde(default)]
    jti: String,
    #[serde(default)]
    azp: String,
    exp: i64,
    iss: String,
    #[serde(default)]
    realm_access: Option<Roles>,
    #[serde(default)]
    resource_access: HashMap<String, Roles>,
}

#[derive(Deserialize, Default)]
struct Roles {
    #[serde(default)]
    roles: Vec<String>,
}

/// The realm named by a token's `iss` (`…/realms/{name}`), read before verification only
/// to pick the keys that must then verify it.
fn issuer_realm(token: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Iss {
        iss: String,
    }
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let iss: Iss = serde_json::from_slice(&bytes).ok()?;
    let name = iss.iss.rsplit_once("/realms/")?.1.to_owned();
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

/// `(target realm, path below it)` of an admin path; `None` for `/admin/realms` itself.
fn target(path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix("/admin/realms/")?;
    let (realm, sub) = rest.split_once('/').unwrap_or((rest, ""));
    Some((super::path_segment(realm), sub.to_owned()))
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let unauthorized = || ApiError::Unauthorized("HTTP 401 Unauthorized".into());
        let forbidden = |why: &str| ApiError::Forbidden(format!("HTTP 403 Forbidden: {why}"));
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(unauthorized)?;
        let token_realm = issuer_realm(token).ok_or_else(unauthorized)?;
        let home = state.cache.realm(state.store.as_ref(), &token_realm).await?.ok_or_else(unauthorized)?;
        let claims: AdminClaims = keys::verify(token, &home.verify_keys()).map_err(|_| unauthorized())?;
        let now = crate::oauth::now();
        // The issuer's host part depends on how the token was fetched; the path is what
        // binds the token to the realm whose key just verified it.
        let bound = claims.iss.ends_with(&format!("/realms/{token_realm}"));
        if claims.exp <= now || !bound || claims.sub.is_empty() || !home.realm.enabled {
            return Err(unauthorized());
        }
        // A revoked admin token (RFC 7009, e.g. at console sign-out) stops working at once.
        if !claims.jti.is_empty() && state.store.is_revoked(&home.realm.id, &claims.jti).await? {
            return Err(unauthorized());
        }
        let super_admin = token_realm == MASTER_REALM
            && claims.realm_access.as_ref().is_some_and(|r| r.roles.iter().any(|r| r == ADMIN_ROLE));
        let roles: Vec<String> =
            claims.resource_access.get(REALM_MANAGEMENT).map(|r| r.roles.clone()).unwrap_or_default();
        let only_realm = if super_admin {
            None
        } else {
            let roles = roles.as_slice();
            match target(parts.uri.path()) {
                // `/admin/realms`: listing shows the own realm; creating needs the master admin.
                None if parts.method == Method::GET && admin_access::sees_realm(roles) => {}
                None => return Err(forbidden("the admin role is required")),
                Some((realm, _)) if realm != token_realm => {
                    return Err(forbidden("this token administers another realm"))
                }
                Some((_, sub)) => {
                    let need = admin_access::need(matches!(parts.method, Method::GET | Method::HEAD), &sub);
                    if !admin_access::allows(roles, need) {
                        return Err(forbidden(&format!("the {} role of realm-management is required", need.role())));
                    }
                }
            }
            Some(token_realm)
        };
        if let Some(limit) = &state.admin_limit {
            limit.check(&claims.sub).map_err(|over| ApiError::TooManyRequests(over.retry_after_s))?;
        }
        tracing::debug!(admin = %claims.sub, "admin request");
        let admin =
            Admin { user_id: claims.sub, client_id: claims.azp, realm_id: home.realm.id.clone(), only_realm, roles };
        if let Some(slot) = parts.extensions.get::<AdminSlot>() {
            let _ = slot.0.set(admin.clone());
        }
        Ok(admin)
    }
}
