//! Which client scopes a request gets (Keycloak's rules): default scopes always, optional
//! ones when asked for, anything else is `invalid_scope`.

use crate::context::ClientContext;
use crate::error::{OAuthError, OAuthErrorCode};
use crate::scope::{validate_scope_name, ClientScope};

/// The OIDC scope; always allowed, it only adds itself to the `scope` claim.
pub const OPENID: &str = "openid";

/// The outcome of scope resolution.
#[derive(Debug)]
pub struct GrantedScopes<'a> {
    /// Scopes whose mappers apply.
    pub scopes: Vec<&'a ClientScope>,
    /// Which optional scopes were granted, in grant order (indices into the context's).
    pub optional: Vec<usize>,
    /// The `scope` claim and response field.
    pub scope_string: String,
}

/// Splits the `scope` parameter (RFC 6749 §3.3) and checks each token's syntax.
pub fn parse_scope_param(scope: Option<&str>) -> Result<Vec<&str>, OAuthError> {
    let Some(scope) = scope else { return Ok(Vec::new()) };
    let tokens: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
    for t in &tokens {
        validate_scope_name(t)
            .map_err(|_| OAuthError::new(OAuthErrorCode::InvalidScope, format!("Invalid scope syntax: {t}")))?;
    }
    Ok(tokens)
}

/// Resolves requested scope names against the client's default and optional scopes.
pub fn resolve_scopes<'a>(ctx: &'a ClientContext, requested: &[&str]) -> Result<GrantedScopes<'a>, OAuthError> {
    let mut scopes: Vec<&ClientScope> = ctx.default_scopes.iter().collect();
    let mut optional = Vec::new();
    let mut invalid = Vec::new();
    let mut openid = false;
    for name in requested {
        if *name == OPENID {
            openid = true;
        } else if ctx.default_scopes.iter().any(|s| s.name == *name) {
            // Default scopes are granted anyway.
        } else if let Some((i, s)) = ctx.optional_scopes.iter().enumerate().find(|(_, s)| s.name == *name) {
            if !scopes.iter().any(|g| g.id == s.id) {
                scopes.push(s);
                optional.push(i);
            }
        } else {
            invalid.push(*name);
        }
    }
    if !invalid.is_empty() {
        return Err(OAuthError::new(OAuthErrorCode::InvalidScope, format!("Invalid scopes: {}", invalid.join(" "))));
    }
    let mut names: Vec<&str> = Vec::with_capacity(scopes.len() + 1);
    if openid {
        names.push(OPENID);
    }
    names.extend(scopes.iter().filter(|s| s.include_in_token_scope()).map(|s| s.name.as_str()));
    Ok(GrantedScopes { scopes, optional, scope_string: names.join(" ") })
}
