//! Authentication of the calling client, shared by the token, introspection and
//! revocation endpoints: lookup, CORS, rate limit, brute-force lock, secret. Failures
//! become events of the endpoint's `_ERROR` type and brute-force counts.

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use portcullis_core::brute_force::FailureKind;
use portcullis_core::client::{validate_client_id, AuthMethod, Client, JwksSource};
use portcullis_core::client_assertion::{verify_client_secret_jwt, verify_private_key_jwt, AssertionError, Expected};
use portcullis_core::context::ClientContext;
use portcullis_core::event::EventType;
use portcullis_core::secret::ClientSecret;
use portcullis_core::{CoreError, OAuthError};

use super::audit::{Audit, Who};
use super::cors::Cors;
use crate::cache::RealmEntry;
use crate::client_keys::FetchError;
use crate::error::OAuthResponseError;
use crate::extract::client_auth::presented_client;
use crate::extract::form::TokenForm;
use crate::issuer::{base_url, realm_issuer};
use crate::state::AppState;

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
    let checked = match &presented.assertion {
        Some(assertion) => check_assertion(state, entry, &ctx.client, assertion, headers).await,
        None if ctx.client.is_confidential() && !presented.method().is_some_and(|m| ctx.client.accepts(m)) => {
            Err(not_allowed(presented.method().map_or("client assertion", AuthMethod::as_str)).into())
        }
        None => state.secrets.authenticate(&ctx.client, presented.secret.as_deref()).await.map_err(Refusal::from),
    };
    if let Err(Refusal::Store(e)) = checked {
        return Err(OAuthResponseError::from(e).into_response());
    }
    if let Err(Refusal::Client(e)) = checked {
        audit.event(error_type, &who, Some("invalid_client_credentials"));
        audit.failed(FailureKind::Client, Some(&ctx.client.id)).await;
        return Err(refuse(e));
    }
    audit.succeeded(FailureKind::Client, &ctx.client.id).await;
    Ok(ctx)
}

/// Why a credential was not accepted: the client's fault, or the database's.
enum Refusal {
    Client(OAuthError),
    Store(CoreError),
}

impl From<OAuthError> for Refusal {
    fn from(e: OAuthError) -> Self {
        Self::Client(e)
    }
}

fn not_allowed(method: &str) -> OAuthError {
    OAuthError::invalid_client(format!("client authentication method {method} is not allowed for this client"))
}

/// RFC 7523 client authentication: the client's configuration says whether the assertion
/// is signed with one of its keys or with its secret; then signature, claims, and the
/// single use of its `jti` (in the database, so across instances).
async fn check_assertion(
    state: &AppState,
    entry: &RealmEntry,
    client: &Client,
    assertion: &str,
    headers: &HeaderMap,
) -> Result<(), Refusal> {
    client.check_usable()?;
    let method = if client.client_authenticator_type == "client-secret-jwt" {
        AuthMethod::ClientSecretJwt
    } else {
        AuthMethod::PrivateKeyJwt
    };
    if !client.accepts(method) {
        return Err(not_allowed(method.as_str()).into());
    }
    let base = base_url(state, headers).ok_or_else(|| OAuthError::invalid_request("missing or invalid Host header"))?;
    let issuer = realm_issuer(&base, &entry.realm.name);
    // The issuer, or the URL of any endpoint that takes client authentication.
    let audiences = [
        format!("{issuer}/protocol/openid-connect/token"),
        format!("{issuer}/protocol/openid-connect/token/introspect"),
        format!("{issuer}/protocol/openid-connect/revoke"),
        issuer,
    ];
    let expected = Expected {
        client_id: &client.client_id,
        audiences: &audiences,
        algorithm: client.assertion_algorithm(),
        now: super::now(),
    };
    let refused = |e: AssertionError| {
        tracing::debug!(client_id = %client.client_id, reason = %e, "client assertion refused");
        OAuthError::invalid_client(e.to_string())
    };
    let accepted = match method {
        AuthMethod::ClientSecretJwt => {
            let secret = client.secret.as_ref().and_then(ClientSecret::plaintext).ok_or_else(|| {
                OAuthError::invalid_client(
                    "client_secret_jwt needs the client's secret, and this realm keeps only its hash",
                )
            })?;
            verify_client_secret_jwt(assertion, secret, &expected).map_err(refused)?
        }
        _ => match client.jwks_source() {
            None => {
                return Err(OAuthError::invalid_client("the client has no keys: set its jwks.url or jwks.string").into())
            }
            Some(JwksSource::Inline(jwks)) => verify_private_key_jwt(assertion, jwks, &expected).map_err(refused)?,
            Some(JwksSource::Url(url)) => {
                let fetch_failed = |e: FetchError| {
                    tracing::warn!(client_id = %client.client_id, error = %e, "client JWKS unavailable");
                    // The caller learns nothing about the network behind the server.
                    OAuthError::invalid_client("the client's keys (jwks.url) could not be fetched")
                };
                let jwks = state.client_keys.get(url, false).await.map_err(fetch_failed)?.unwrap_or_default();
                match verify_private_key_jwt(assertion, &jwks, &expected) {
                    // The client may have rotated its key since the last fetch.
                    Err(AssertionError::UnknownKey) => {
                        match state.client_keys.get(url, true).await.map_err(fetch_failed)? {
                            Some(fresh) => verify_private_key_jwt(assertion, &fresh, &expected).map_err(refused)?,
                            None => return Err(refused(AssertionError::UnknownKey).into()),
                        }
                    }
                    other => other.map_err(refused)?,
                }
            }
        },
    };
    let first_use = state
        .store
        .use_client_assertion(&entry.realm.id, &client.id, &accepted.jti, accepted.exp)
        .await
        .map_err(Refusal::Store)?;
    if !first_use {
        return Err(OAuthError::invalid_client("client assertion already used (jti replay)").into());
    }
    Ok(())
}
