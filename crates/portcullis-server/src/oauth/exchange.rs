//! `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693) at the token
//! endpoint: the subject token is checked as introspection would (signature, issuer,
//! expiry, revocation, `notBefore`), then the domain's policy decides.

use std::sync::Arc;

use portcullis_core::context::ClientContext;
use portcullis_core::event::EventType;
use portcullis_core::grant::token_exchange::{self, ExchangeRequest};
use portcullis_core::grant::{IssuedClaims, TokenParams};
use portcullis_core::introspection::active_claims;
use portcullis_core::{OAuthError, OAuthErrorCode};
use serde_json::Value;

use super::audit::{Audit, Who};
use super::introspect::{validity, verified};
use crate::cache::{subject_of, RealmEntry};
use crate::error::OAuthResponseError;
use crate::extract::form::TokenForm;

/// The new token's claims and scope; a `TOKEN_EXCHANGE(_ERROR)` event either way.
pub async fn grant(
    audit: &Audit<'_>,
    entry: &RealmEntry,
    ctx: &Arc<ClientContext>,
    form: &TokenForm,
    scopes: &[&str],
    params: &TokenParams<'_>,
) -> Result<(IssuedClaims, String), OAuthResponseError> {
    let mut who = Who { client_id: &ctx.client.client_id, ..Who::default() };
    let result = exchange(audit, entry, ctx, form, scopes, params).await;
    let user_id = result.as_ref().ok().map(|(i, _)| i.subject());
    who.user_id = user_id;
    match &result {
        Ok(_) => audit.event(EventType::TokenExchange, &who, None),
        Err(e) => audit.event(EventType::TokenExchangeError, &who, Some(e.error.code.as_str())),
    }
    result
}

async fn exchange(
    audit: &Audit<'_>,
    entry: &RealmEntry,
    ctx: &Arc<ClientContext>,
    form: &TokenForm,
    scopes: &[&str],
    params: &TokenParams<'_>,
) -> Result<(IssuedClaims, String), OAuthResponseError> {
    let state = audit.state;
    let request = ExchangeRequest {
        subject_token_type: form.get("subject_token_type"),
        requested_token_type: form.get("requested_token_type"),
        audience: form.get("audience"),
        scopes,
    };
    token_exchange::check_request(ctx, &request)?;
    let token =
        form.get("subject_token").ok_or_else(|| OAuthError::invalid_request("Missing parameter: subject_token"))?;
    let invalid_token = || OAuthError::invalid_request("Invalid token");
    let claims = verified(entry, token).ok_or_else(invalid_token)?;
    let validity = validity(state, entry, &claims).await?;
    let claims = active_claims(claims, &validity).ok_or_else(invalid_token)?;
    let sub = claims.get("sub").and_then(Value::as_str).ok_or_else(invalid_token)?;
    let user = state
        .store
        .get_user(&entry.realm.id, sub)
        .await?
        .ok_or_else(|| OAuthError::new(OAuthErrorCode::InvalidGrant, "User not found"))?;
    let subject = subject_of(state.store.as_ref(), user).await?;
    let audience_exists = match request.audience {
        Some(a) => state.store.client_by_client_id(&entry.realm.id, a).await?.is_some(),
        None => false,
    };
    Ok(token_exchange::issue(ctx, &claims, &subject, &request, audience_exists, params)?)
}
