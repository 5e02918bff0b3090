//! RFC 6749 §4.3, the resource owner password credentials grant (Keycloak's "direct
//! access grants"), needed by admin tooling such as python-keycloak's `admin-cli` login.

use crate::context::ClientContext;
use crate::error::{OAuthError, OAuthErrorCode};
use crate::grant::{mint_claims, resolve_scopes, validate_resources, IssuedClaims, TokenParams};
use crate::mappers::Subject;

/// Whether the client may use the password grant at all (checked before any password
/// work, so refused clients cost nothing).
pub fn check_client(ctx: &ClientContext) -> Result<(), OAuthError> {
    if ctx.client.bearer_only || !ctx.client.direct_access_grants_enabled {
        return Err(OAuthError::new(OAuthErrorCode::UnauthorizedClient, "Client not allowed for direct access grants"));
    }
    Ok(())
}

/// Issues the claims for a user whose password was verified.
pub fn issue(
    ctx: &ClientContext,
    subject: &Subject,
    requested_scopes: &[&str],
    params: &TokenParams<'_>,
) -> Result<(IssuedClaims, String), OAuthError> {
    check_client(ctx)?;
    if !subject.user.enabled {
        return Err(OAuthError::new(OAuthErrorCode::InvalidGrant, "Account disabled"));
    }
    validate_resources(&ctx.client, params.resources)?;
    let granted = resolve_scopes(ctx, requested_scopes)?;
    let claims = mint_claims(ctx, subject, &granted, params);
    Ok((claims, granted.scope_string))
}
