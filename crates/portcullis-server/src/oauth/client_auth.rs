//! Authentication of the calling client, shared by the token, introspection and
//! revocation endpoints: lookup, CORS, rate limit, brute-force lock, secret. Failures
//! become events of the endpoint's `_ERROR` type and brute-force counts.

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use portcullis_core::brute_force::FailureKind;
use portcullis_core::client::validate_client_id;
use portcullis_core::context::ClientContext;
use portcullis_core::event::EventType;
use portcullis_core::OAuthError;

use super::audit::{Audit, Who};
use super::cors::Cors;
use crate::cache::RealmEntry;
use crate::error::OAuthResponseError;
use crate::extract::client_auth::presented_client;
use crate::extract::form::TokenForm;

/// The authenticated client, or the answer that refuses it. Sets `cors` as soon as the
/// client is known and allows the request's origin, so that refusals are readable too.
pub async fn authenticate_client(
    audit: &Audit<'_>,
    entry: &RealmEntry,
    headers: &HeaderMap,
    form: &TokenForm,
    cors: &mut Cors,
    error_type: EventType,
) -> Result<Arc<ClientContext>, Response> {
    let state = audit.state;
    let presented = presented_client(headers, form).map_err(IntoResponse::into_response)?;
    let who = Who { client_id: &presented.client_id, ..Who::default() };
    let refuse = |error: OAuthError| OAuthResponseError { error, basic_auth_used: presented.basic }.into_response();
    // A client_id no client can have (control characters, too long) is unknown without a
    // database read, whatever the backend makes of its bytes.
    let found = if validate_client_id(&presented.client_id).is_ok() {
        state
            .cache
            .client(state.store.as_ref(), entry, &presented.client_id)
            .await
            .map_err(|e| OAuthResponseError::from(e).into_response())?
    } else {
        None
    };
    let Some(ctx) = found else {
        if let Some(locked) = audit.locked(FailureKind::Address, audit.address) {
            return Err(locked.into_response());
        }
        audit.event(error_type, &who, Some("client_not_found"));
        audit.failed(FailureKind::Client, None).await;
        return Err(refuse(OAuthError::invalid_client("Invalid client or Invalid client credentials")));
    };
    cors.0 = super::cors::allowed_origin(&ctx.client, headers);
    // Before authentication, so that guessing a client's secret is limited too.
    if let Some(limit) = &state.token_limit {
        if let Err(over) = limit.check(&format!("{}/{}", entry.realm.id, ctx.client.id)) {
            return Err(over.into_response());
        }
    }
    // A locked client is refused without looking at its secret: the answer tells an
    // attacker nothing about the guess.
    if let Some(locked) = audit.locked(FailureKind::Client, &ctx.client.id) {
        audit.event(error_type, &who, Some("client_temporarily_disabled"));
        return Err(locked.into_response());
    }
    if let Err(e) = state.secrets.authenticate(&ctx.client, presented.secret.as_deref()).await {
        audit.event(error_type, &who, Some("invalid_client_credentials"));
        audit.failed(FailureKind::Client, Some(&ctx.client.id)).await;
        return Err(refuse(e));
    }
    audit.succeeded(FailureKind::Client, &ctx.client.id).await;
    Ok(ctx)
}
