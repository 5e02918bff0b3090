//! RFC 6749 §4.4, the client credentials grant, with Keycloak's service-account rules.

use crate::context::ClientContext;
use crate::error::{OAuthError, OAuthErrorCode};
use crate::grant::{mint_claims, resolve_scopes, validate_resources, IssuedClaims, TokenParams};

/// Issues the claims of a client-credentials token for an authenticated client.
pub fn issue(
    ctx: &ClientContext,
    requested_scopes: &[&str],
    params: &TokenParams<'_>,
) -> Result<(IssuedClaims, String), OAuthError> {
    if !ctx.client.is_confidential() {
        return Err(OAuthError::new(
            OAuthErrorCode::UnauthorizedClient,
            "Public client not allowed to retrieve service account",
        ));
    }
    let subject = match &ctx.service_account {
        Some(s) if ctx.client.service_accounts_enabled => s,
        _ => {
            return Err(OAuthError::new(
                OAuthErrorCode::UnauthorizedClient,
                "Client not enabled to retrieve service account",
            ))
        }
    };
    if !subject.user.enabled {
        return Err(OAuthError::new(OAuthErrorCode::UnauthorizedClient, "Service account user is disabled"));
    }
    validate_resources(&ctx.client, params.resources)?;
    let granted = resolve_scopes(ctx, requested_scopes)?;
    let claims = mint_claims(ctx, subject, &granted, params);
    Ok((claims, granted.scope_string))
}
