//! RFC 8693 token exchange within a realm, as Keycloak's standard token exchange (V2)
//! does it: a client that a user's access token was issued *for* (it is in the token's
//! `aud`) exchanges it for a token of its own, for the same user, optionally narrowed to
//! one audience (another client of the realm). Opt-in per client.

use serde_json::{Map, Value};

use crate::context::ClientContext;
use crate::error::{OAuthError, OAuthErrorCode};
use crate::grant::{mint_claims, resolve_scopes, validate_resources, IssuedClaims, TokenParams};
use crate::mappers::Subject;

/// The grant type (RFC 8693 §2.1).
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The only token type exchanged and issued (RFC 8693 §3).
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
/// Client attribute that allows a client to exchange tokens (Keycloak's name).
pub const ATTR_ENABLED: &str = "standard.token.exchange.enabled";

/// What the request asks for, already parsed.
#[derive(Debug)]
pub struct ExchangeRequest<'a> {
    /// `subject_token_type`.
    pub subject_token_type: Option<&'a str>,
    /// `requested_token_type`.
    pub requested_token_type: Option<&'a str>,
    /// `audience`: a `clientId` of the realm, whose `aud` the new token gets.
    pub audience: Option<&'a str>,
    /// `scope`, split.
    pub scopes: &'a [&'a str],
}

/// Checks what can be checked before the subject token is read.
pub fn check_request(ctx: &ClientContext, r: &ExchangeRequest<'_>) -> Result<(), OAuthError> {
    if !ctx.client.is_confidential() || ctx.client.attributes.get(ATTR_ENABLED).is_none_or(|v| v != "true") {
        return Err(OAuthError::new(
            OAuthErrorCode::UnauthorizedClient,
            format!("Client not allowed to exchange tokens (client attribute {ATTR_ENABLED})"),
        ));
    }
    if r.subject_token_type != Some(ACCESS_TOKEN_TYPE) {
        return Err(OAuthError::invalid_request(format!("subject_token_type must be {ACCESS_TOKEN_TYPE}")));
    }
    if r.requested_token_type.is_some_and(|t| t != ACCESS_TOKEN_TYPE) {
        return Err(OAuthError::invalid_request(format!("requested_token_type must be {ACCESS_TOKEN_TYPE}")));
    }
    Ok(())
}

/// The new token's claims, given the verified, active claims of the subject token and
/// the user it names. `audience_exists` says whether the `audience` client exists.
pub fn issue(
    ctx: &ClientContext,
    subject_claims: &Map<String, Value>,
    subject: &Subject,
    r: &ExchangeRequest<'_>,
    audience_exists: bool,
    params: &TokenParams<'_>,
) -> Result<(IssuedClaims, String), OAuthError> {
    let me = ctx.client.client_id.as_str();
    let in_audience = match subject_claims.get("aud") {
        Some(Value::String(a)) => a == me,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(me)),
        _ => false,
    };
    if !in_audience {
        return Err(OAuthError::invalid_request("Client is not within the token audience"));
    }
    if !subject.user.enabled {
        return Err(OAuthError::new(OAuthErrorCode::InvalidGrant, "User disabled"));
    }
    if r.audience.is_some() && !audience_exists {
        return Err(OAuthError::new(OAuthErrorCode::InvalidTarget, "Audience not found"));
    }
    validate_resources(&ctx.client, params.resources)?;
    let granted = resolve_scopes(ctx, r.scopes)?;
    let mut issued = mint_claims(ctx, subject, &granted, params);
    if let Some(aud) = r.audience {
        issued.set_audience(Value::from(aud));
    }
    Ok((issued, granted.scope_string))
}
