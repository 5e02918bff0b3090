//! The token endpoint (RFC 6749 §3.2): `client_credentials`, `password`,
//! `refresh_token` and token exchange (RFC 8693) grants.

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use portcullis_core::context::ClientContext;
use portcullis_core::grant::{self, parse_scope_param, token_exchange, TokenParams};
use portcullis_core::{password, OAuthError, OAuthErrorCode};
use portcullis_types::oauth::TokenResponse;

use portcullis_core::brute_force::FailureKind;
use portcullis_core::event::EventType;

use super::audit::{Audit, Who};
use super::client_auth::authenticate_client;
use super::cors::Cors;
use crate::brute_force::Outcome;
use crate::cache::{subject_of, RealmEntry};
use crate::error::OAuthResponseError;
use crate::extract::address::ClientAddress;
use crate::extract::form::TokenForm;
use crate::issuer::{base_url, realm_issuer};
use crate::state::AppState;

#[tracing::instrument(level = "debug", skip_all, fields(realm = %realm))]
pub async fn token(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    form: TokenForm,
) -> Response {
    let mut cors = Cors::default();
    let answer = issue(&state, &realm, &address, &headers, &form, &mut cors).await;
    cors.finish(answer)
}

/// The token request proper; sets `cors` once the client is known and allows the origin.
async fn issue(
    state: &AppState,
    realm: &str,
    address: &str,
    headers: &HeaderMap,
    form: &TokenForm,
    cors: &mut Cors,
) -> Result<Response, OAuthResponseError> {
    let grant_type =
        form.get("grant_type").ok_or_else(|| OAuthError::invalid_request("Missing form parameter: grant_type"))?;
    if !matches!(grant_type, "client_credentials" | "password" | "refresh_token" | token_exchange::GRANT_TYPE) {
        return Err(OAuthError::new(
            OAuthErrorCode::UnsupportedGrantType,
            format!("Unsupported grant_type: {grant_type}"),
        )
        .into());
    }
    let entry = state
        .cache
        .realm(state.store.as_ref(), realm)
        .await?
        .filter(|e| e.realm.enabled)
        .ok_or_else(|| OAuthError::invalid_request("Realm does not exist or is disabled"))?;
    let audit = Audit { state, realm: &entry.realm, address, grant_type };
    let ctx = match authenticate_client(&audit, &entry, headers, form, cors, EventType::ClientLoginError).await {
        Ok(ctx) => ctx,
        Err(refused) => return Ok(refused),
    };
    let who = Who { client_id: &ctx.client.client_id, ..Who::default() };

    let base = base_url(state, headers).ok_or_else(|| OAuthError::invalid_request("missing or invalid Host header"))?;
    let issuer = realm_issuer(&base, realm);
    let jti = uuid_v4();
    let params = TokenParams { issuer: &issuer, now: super::now(), jti: &jti, resources: &form.resources };
    let scopes = parse_scope_param(form.get("scope"))?;

    let (issued, scope, grant, refresh) = match grant_type {
        "client_credentials" => {
            let (issued, scope) = grant::client_credentials::issue(&ctx, &scopes, &params)?;
            audit.event(EventType::ClientLogin, &who, None);
            (issued, scope, "client_credentials", None)
        }
        "refresh_token" => {
            let (issued, scope, next) = super::refresh::grant(&audit, &ctx, form, &params).await?;
            (issued, scope, "refresh_token", Some(next))
        }
        token_exchange::GRANT_TYPE => {
            let (issued, scope) = super::exchange::grant(&audit, &entry, &ctx, form, &scopes, &params).await?;
            (issued, scope, "token-exchange", None)
        }
        _ => {
            let (issued, scope, user_id) = password_grant(&audit, &ctx, form, &scopes, &params).await?;
            let refresh = super::refresh::start(state, &entry.realm, &ctx, &user_id, &scope, params.now).await?;
            (issued, scope, "password", refresh)
        }
    };
    let access_token = state.signing.sign(entry.signer_for(&ctx.client), issued.to_json()?).await?;
    crate::metrics::token_issued(state, realm, grant, &ctx.client.client_id);
    tracing::debug!(client_id = %ctx.client.client_id, grant_type, "token issued");
    let mut response = token_response(&entry, access_token, issued.expires_in, scope, refresh);
    if grant == "token-exchange" {
        response.issued_token_type = Some(token_exchange::ACCESS_TOKEN_TYPE.into());
    }
    Ok(no_store(&response))
}

async fn password_grant(
    audit: &Audit<'_>,
    ctx: &Arc<ClientContext>,
    form: &TokenForm,
    scopes: &[&str],
    params: &TokenParams<'_>,
) -> Result<(grant::IssuedClaims, String, String), OAuthResponseError> {
    let state = audit.state;
    grant::password::check_client(ctx)?;
    let (Some(username), Some(pw)) = (form.get("username"), form.get("password")) else {
        return Err(OAuthError::invalid_request("Missing parameter: username and password are required").into());
    };
    let invalid = || OAuthError::new(OAuthErrorCode::InvalidGrant, "Invalid user credentials");
    let user = state.store.user_by_username(&ctx.realm.id, &username.to_lowercase()).await?;
    let mut who = Who { client_id: &ctx.client.client_id, user_id: None, username: Some(username) };
    who.user_id = user.as_ref().map(|u| u.id.as_str());
    // Keycloak answers a locked user as a wrong password, without checking the password.
    if let Some(u) = &user {
        if audit.locked(FailureKind::User, &u.id).is_some() {
            audit.event(EventType::LoginError, &who, Some("user_temporarily_disabled"));
            return Err(invalid().into());
        }
    }
    let hash = match &user {
        Some(u) => state.store.password_hash(&u.id).await?,
        None => None,
    };
    // An unknown user costs one Argon2 verification too, so timing does not reveal which
    // usernames exist.
    let ok = state.secrets.verify_password(pw.to_owned(), hash.unwrap_or_else(|| dummy_hash().to_owned())).await?;
    let Some(user) = user.clone().filter(|_| ok) else {
        let error = if user.is_some() { "invalid_user_credentials" } else { "user_not_found" };
        audit.event(EventType::LoginError, &who, Some(error));
        if let (Outcome::Disable, Some(u)) = (audit.failed(FailureKind::User, who.user_id).await, &user) {
            disable_user(audit, u.clone()).await;
        }
        return Err(invalid().into());
    };
    audit.succeeded(FailureKind::User, &user.id).await;
    let subject = subject_of(state.store.as_ref(), user.clone()).await?;
    let issued = grant::password::issue(ctx, &subject, scopes, params);
    match &issued {
        Ok(_) => audit.event(EventType::Login, &who, None),
        Err(e) => audit.event(EventType::LoginError, &who, Some(e.code.as_str())),
    }
    let (claims, scope) = issued?;
    Ok((claims, scope, user.id))
}

/// Keycloak's permanent lockout: the user is disabled until an admin enables it again.
async fn disable_user(audit: &Audit<'_>, mut user: portcullis_core::user::User) {
    user.enabled = false;
    match audit.state.store.update_user(&user).await {
        Ok(()) => {
            tracing::warn!(target: "portcullis::events", realm = %audit.realm.name, user_id = %user.id,
                "user disabled after repeated login failures (permanent lockout)");
            audit.state.changed(&audit.realm.name).await;
        }
        Err(e) => tracing::warn!(error = %e, "could not disable a user after repeated login failures"),
    }
}

fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| password::hash_password("portcullis-timing-equalizer").unwrap_or_default())
}

fn uuid_v4() -> String {
    portcullis_core::new_id()
}

fn token_response(
    entry: &RealmEntry,
    access_token: String,
    expires_in: i64,
    scope: String,
    refresh: Option<super::refresh::Issued>,
) -> TokenResponse {
    let (refresh_token, refresh_expires_in) = refresh.map_or((None, 0), |r| (Some(r.token), r.expires_in));
    TokenResponse {
        access_token,
        expires_in,
        refresh_expires_in,
        refresh_token,
        token_type: "Bearer".into(),
        not_before_policy: entry.realm.not_before,
        scope,
        issued_token_type: None,
    }
}

/// The JSON answer, which must not be cached (RFC 6749 §5.1). Built in one buffer sized
/// for the token, with room for the headers the layers add, so that neither grows.
fn no_store(body: &TokenResponse) -> Response {
    let mut json = Vec::with_capacity(body.access_token.len() + 256);
    if serde_json::to_writer(&mut json, body).is_err() {
        // Strings and numbers always serialize; axum's answer covers the impossible case.
        return Json(body).into_response();
    }
    let mut resp = Response::new(Body::from(json));
    let h = resp.headers_mut();
    h.reserve(12);
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}
