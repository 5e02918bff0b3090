//! The token endpoint (RFC 6749 §3.2): `client_credentials` and `password` grants.

use std::sync::{Arc, OnceLock};

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use portcullis_core::context::ClientContext;
use portcullis_core::grant::{self, parse_scope_param, TokenParams};
use portcullis_core::{password, OAuthError, OAuthErrorCode};
use portcullis_types::oauth::TokenResponse;

use crate::cache::{subject_of, RealmEntry};
use crate::error::OAuthResponseError;
use crate::extract::client_auth::presented_client;
use crate::extract::form::TokenForm;
use crate::issuer::{base_url, realm_issuer};
use crate::state::AppState;

#[tracing::instrument(level = "debug", skip_all, fields(realm = %realm))]
pub async fn token(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    form: TokenForm,
) -> Result<Response, OAuthResponseError> {
    let grant_type =
        form.get("grant_type").ok_or_else(|| OAuthError::invalid_request("Missing form parameter: grant_type"))?;
    if !matches!(grant_type, "client_credentials" | "password") {
        return Err(OAuthError::new(
            OAuthErrorCode::UnsupportedGrantType,
            format!("Unsupported grant_type: {grant_type}"),
        )
        .into());
    }
    let entry = state
        .cache
        .realm(state.store.as_ref(), &realm)
        .await?
        .filter(|e| e.realm.enabled)
        .ok_or_else(|| OAuthError::invalid_request("Realm does not exist or is disabled"))?;
    let presented = presented_client(&headers, &form)?;
    let with_basic = |error: OAuthError| OAuthResponseError { error, basic_auth_used: presented.basic };
    let ctx = state
        .cache
        .client(state.store.as_ref(), &entry, &presented.client_id)
        .await?
        .ok_or_else(|| with_basic(OAuthError::invalid_client("Invalid client or Invalid client credentials")))?;
    // Before authentication, so that guessing a client's secret is limited too.
    if let Some(limit) = &state.token_limit {
        if let Err(over) = limit.check(&format!("{}/{}", entry.realm.id, ctx.client.id)) {
            return Ok(over.into_response());
        }
    }
    state.secrets.authenticate(&ctx.client, presented.secret.as_deref()).await.map_err(with_basic)?;

    let base =
        base_url(&state, &headers).ok_or_else(|| OAuthError::invalid_request("missing or invalid Host header"))?;
    let issuer = realm_issuer(&base, &realm);
    let jti = uuid_v4();
    let params = TokenParams { issuer: &issuer, now: super::now(), jti: &jti, resources: &form.resources };
    let scopes = parse_scope_param(form.get("scope"))?;

    let (issued, scope, grant) = match grant_type {
        "client_credentials" => {
            let (issued, scope) = grant::client_credentials::issue(&ctx, &scopes, &params)?;
            (issued, scope, "client_credentials")
        }
        _ => {
            let (issued, scope) = password_grant(&state, &ctx, &form, &scopes, &params).await?;
            (issued, scope, "password")
        }
    };
    let access_token = entry.signer.sign(&issued.claims)?;
    crate::metrics::token_issued(&state, &realm, grant, &ctx.client.client_id);
    tracing::debug!(client_id = %ctx.client.client_id, grant_type, "token issued");
    Ok(token_response(&entry, access_token, issued.expires_in, scope))
}

async fn password_grant(
    state: &AppState,
    ctx: &Arc<ClientContext>,
    form: &TokenForm,
    scopes: &[&str],
    params: &TokenParams<'_>,
) -> Result<(grant::IssuedClaims, String), OAuthResponseError> {
    grant::password::check_client(ctx)?;
    let (Some(username), Some(pw)) = (form.get("username"), form.get("password")) else {
        return Err(OAuthError::invalid_request("Missing parameter: username and password are required").into());
    };
    let user = state.store.user_by_username(&ctx.realm.id, &username.to_lowercase()).await?;
    let hash = match &user {
        Some(u) => state.store.password_hash(&u.id).await?,
        None => None,
    };
    // An unknown user costs one Argon2 verification too, so timing does not reveal which
    // usernames exist.
    let ok = state.secrets.verify_password(pw.to_owned(), hash.unwrap_or_else(|| dummy_hash().to_owned())).await?;
    let user =
        user.filter(|_| ok).ok_or_else(|| OAuthError::new(OAuthErrorCode::InvalidGrant, "Invalid user credentials"))?;
    let subject = subject_of(state.store.as_ref(), user).await?;
    Ok(grant::password::issue(ctx, &subject, scopes, params)?)
}

fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| password::hash_password("portcullis-timing-equalizer").unwrap_or_default())
}

fn uuid_v4() -> String {
    portcullis_core::new_id()
}

fn token_response(entry: &RealmEntry, access_token: String, expires_in: i64, scope: String) -> Response {
    let body = TokenResponse {
        access_token,
        expires_in,
        refresh_expires_in: 0,
        refresh_token: None,
        token_type: "Bearer".into(),
        not_before_policy: entry.realm.not_before,
        scope,
    };
    let mut resp = Json(body).into_response();
    let h = resp.headers_mut();
    // RFC 6749 §5.1: token responses must not be cached.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}
