//! Refresh tokens at the token endpoint: issued with the password grant (unless the
//! client's `use.refresh.tokens` is `false`), exchanged with `grant_type=refresh_token`
//! (RFC 6749 §6), found at introspection and revocation.

use std::sync::Arc;

use portcullis_core::context::ClientContext;
use portcullis_core::error::CoreResult;
use portcullis_core::event::EventType;
use portcullis_core::grant::{self, parse_scope_param, IssuedClaims, TokenParams};
use portcullis_core::realm::Realm;
use portcullis_core::refresh::{self, invalid, RefreshSession};
use portcullis_core::OAuthError;

use super::audit::{Audit, Who};
use crate::cache::subject_of;
use crate::error::OAuthResponseError;
use crate::extract::form::TokenForm;
use crate::state::AppState;

/// Client attribute (Keycloak's) turning refresh tokens off for a client.
const ATTR_USE_REFRESH_TOKENS: &str = "use.refresh.tokens";

/// A refresh token handed out, and seconds until it expires.
pub struct Issued {
    pub token: String,
    pub expires_in: i64,
}

/// Starts a session for a password login: its first refresh token, unless the client
/// does not use refresh tokens.
pub async fn start(
    state: &AppState,
    realm: &Realm,
    ctx: &ClientContext,
    user_id: &str,
    scope: &str,
    now: i64,
) -> CoreResult<Option<Issued>> {
    if ctx.client.attributes.get(ATTR_USE_REFRESH_TOKENS).is_some_and(|v| v == "false") {
        return Ok(None);
    }
    let session = new_session(realm, ctx, user_id, scope, portcullis_core::new_id(), now, now);
    store(state, session, now).await.map(Some)
}

fn new_session(
    realm: &Realm,
    ctx: &ClientContext,
    user_id: &str,
    scope: &str,
    session_id: String,
    started: i64,
    now: i64,
) -> (String, RefreshSession) {
    let (token, token_hash) = refresh::new_token();
    let session = RefreshSession {
        token_hash,
        realm_id: realm.id.clone(),
        client_id: ctx.client.id.clone(),
        user_id: user_id.to_owned(),
        session_id,
        scope: scope.to_owned(),
        session_started_at: started,
        issued_at: now,
        expires_at: realm.sessions.refresh_expiry(started, now),
    };
    (token, session)
}

async fn store(state: &AppState, (token, s): (String, RefreshSession), now: i64) -> CoreResult<Issued> {
    state.store.insert_refresh(&s).await?;
    Ok(Issued { token, expires_in: s.expires_at - now })
}

/// `grant_type=refresh_token`: the claims of a new access token for the session's user,
/// and the next refresh token.
pub async fn grant(
    audit: &Audit<'_>,
    ctx: &Arc<ClientContext>,
    form: &TokenForm,
    params: &TokenParams<'_>,
) -> Result<(IssuedClaims, String, Issued), OAuthResponseError> {
    let who = Who { client_id: &ctx.client.client_id, ..Who::default() };
    let result = exchange(audit, ctx, form, params).await;
    match &result {
        Ok(_) => audit.event(EventType::RefreshToken, &who, None),
        Err(e) => audit.event(EventType::RefreshTokenError, &who, Some(e.error.code.as_str())),
    }
    result
}

async fn exchange(
    audit: &Audit<'_>,
    ctx: &Arc<ClientContext>,
    form: &TokenForm,
    params: &TokenParams<'_>,
) -> Result<(IssuedClaims, String, Issued), OAuthResponseError> {
    let (state, realm, now) = (audit.state, audit.realm, params.now);
    let token =
        form.get("refresh_token").ok_or_else(|| OAuthError::invalid_request("Missing parameter: refresh_token"))?;
    let hash = refresh::token_hash(token);
    let session = state
        .store
        .refresh_session(&hash)
        .await?
        .filter(|s| s.realm_id == realm.id)
        .ok_or_else(|| invalid("Invalid refresh token"))?;
    if session.client_id != ctx.client.id {
        return Err(invalid("Invalid refresh token. Token client and authorized client don't match").into());
    }
    if now >= session.expires_at {
        return Err(invalid("Token is not active").into());
    }
    if session.issued_at < realm.not_before.max(ctx.client.not_before) {
        return Err(invalid("Stale token").into());
    }
    // Single use: of two concurrent refreshes with the same token, one deletes it.
    if realm.sessions.revoke_refresh_token && !state.store.take_refresh(&hash).await? {
        return Err(invalid("Maximum allowed refresh token reuse exceeded").into());
    }
    let user = state.store.get_user(&realm.id, &session.user_id).await?.ok_or_else(|| invalid("User not found"))?;
    let subject = subject_of(state.store.as_ref(), user).await?;
    let requested = parse_scope_param(form.get("scope"))?;
    let scopes = refresh::narrowed_scopes(&session.scope, &requested)?;
    let (issued, scope) = grant::password::issue(ctx, &subject, &scopes, params)?;
    let next = new_session(realm, ctx, &session.user_id, &scope, session.session_id, session.session_started_at, now);
    if next.1.expires_at <= now {
        return Err(invalid("Session expired").into());
    }
    let next = store(state, next, now).await?;
    Ok((issued, scope, next))
}

/// Introspection of a refresh token: its claims while it works (RFC 7662 §2.2).
pub async fn introspect(
    state: &AppState,
    realm: &Realm,
    token: &str,
    now: i64,
) -> CoreResult<Option<serde_json::Map<String, serde_json::Value>>> {
    let Some(s) = live(state, realm, token, now).await? else { return Ok(None) };
    let client = state.store.get_client(&realm.id, &s.client_id).await?;
    let user = state.store.get_user(&realm.id, &s.user_id).await?;
    let (Some(client), Some(user)) = (client, user) else { return Ok(None) };
    if !user.enabled || !client.enabled || s.issued_at < realm.not_before.max(client.not_before) {
        return Ok(None);
    }
    let claims = serde_json::json!({
        "active": true,
        "token_type": "Refresh",
        "client_id": client.client_id,
        "azp": client.client_id,
        "username": user.username,
        "sub": user.id,
        "scope": s.scope,
        "iat": s.issued_at,
        "exp": s.expires_at,
        "session_state": s.session_id,
        "sid": s.session_id,
    });
    Ok(claims.as_object().cloned())
}

/// Revocation of a refresh token by `client_internal_id` (RFC 7009): ends its whole
/// session. `Err` with `unauthorized_client` when another client's; `Ok(false)` when no
/// such token works.
pub async fn revoke(
    state: &AppState,
    realm: &Realm,
    client_internal_id: &str,
    token: &str,
    now: i64,
) -> Result<bool, OAuthResponseError> {
    let Some(s) = live(state, realm, token, now).await? else { return Ok(false) };
    if s.client_id != client_internal_id {
        return Err(OAuthError::new(
            portcullis_core::OAuthErrorCode::UnauthorizedClient,
            "Unauthorized client: the token was issued to another client",
        )
        .into());
    }
    state.store.delete_refresh_session(&realm.id, &s.session_id).await?;
    Ok(true)
}

async fn live(state: &AppState, realm: &Realm, token: &str, now: i64) -> CoreResult<Option<RefreshSession>> {
    if !refresh::looks_like_refresh_token(token) {
        return Ok(None);
    }
    let s = state.store.refresh_session(&refresh::token_hash(token)).await?;
    Ok(s.filter(|s| s.realm_id == realm.id && now < s.expires_at))
}
