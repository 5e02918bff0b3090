//! The claims of an access token (Keycloak's service-account claims, RFC 9068's required
//! ones) and the RFC 8707 resource rules.

use std::sync::Arc;

use serde_json::Value;

use crate::client::Client;
use crate::context::ClientContext;
use crate::error::{OAuthError, OAuthErrorCode};
use crate::grant::claims::{GrantClaims, IssuedClaims, Mapped};
use crate::grant::GrantedScopes;
use crate::mappers::Subject;

/// Per-request inputs of a token.
#[derive(Debug)]
pub struct TokenParams<'a> {
    /// The realm's issuer URL.
    pub issuer: &'a str,
    /// Current time, epoch seconds.
    pub now: i64,
    /// Unique token id.
    pub jti: &'a str,
    /// RFC 8707 resources, already validated.
    pub resources: &'a [String],
}

/// RFC 8707 §2: each `resource` is an absolute URI without a fragment, and one of the
/// client's allowed resources when it has a list ([`crate::client::ATTR_ALLOWED_RESOURCES`]).
pub fn validate_resources(client: &Client, resources: &[String]) -> Result<(), OAuthError> {
    let allowed = client.allowed_resources();
    for r in resources {
        if !is_absolute_uri_without_fragment(r) {
            return Err(OAuthError::new(
                OAuthErrorCode::InvalidTarget,
                format!("resource must be an absolute URI without a fragment: {r}"),
            ));
        }
        if allowed.as_ref().is_some_and(|list| !list.contains(&r.as_str())) {
            return Err(OAuthError::new(
                OAuthErrorCode::InvalidTarget,
                format!("resource is not among the client's allowed resources: {r}"),
            ));
        }
    }
    Ok(())
}

/// RFC 3986 absolute URI without a fragment (what RFC 8707 accepts as a resource).
pub fn is_absolute_uri_without_fragment(s: &str) -> bool {
    // RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ':' and a
    // non-empty rest with no fragment and no characters a URI cannot hold.
    let Some((scheme, rest)) = s.split_once(':') else { return false };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && s.len() <= 2048
        && !s.contains('#')
        && s.bytes().all(|b| b.is_ascii_graphic())
}

/// Builds the claims of an access token for `subject`, acting for the context's client.
/// When the subject is the context's own service account, the mappers' claims come from
/// the context, computed once per set of granted scopes.
pub fn mint_claims(
    ctx: &ClientContext,
    subject: &Subject,
    granted: &GrantedScopes<'_>,
    p: &TokenParams<'_>,
) -> IssuedClaims {
    let map = || Mapped::new(subject, &ctx.client, granted);
    let mapped = match &ctx.service_account {
        Some(own) if std::ptr::eq(own, subject) => ctx.mapped.get_or_insert(granted, map),
        _ => Arc::new(map()),
    };
    let expires_in = ctx.client.access_token_lifespan(ctx.realm.access_token_lifespan);
    let grant = GrantClaims {
        exp: p.now + expires_in,
        iat: p.now,
        jti: p.jti.to_owned(),
        iss: p.issuer.to_owned(),
        aud: audience(ctx, p.resources, mapped.audiences()),
        sub: subject.user.id.clone(),
        typ: "Bearer",
        azp: ctx.client.client_id.clone(),
        client_id: ctx.client.client_id.clone(),
        scope: granted.scope_string.clone(),
    };
    IssuedClaims { grant, mapped, expires_in }
}

/// RFC 8707: requested resources are the audience. Otherwise the audiences mappers asked
/// for (Keycloak), and when there are none the client itself: RFC 9068 §2.2 makes `aud`
/// mandatory where Keycloak would leave it out.
fn audience(ctx: &ClientContext, resources: &[String], mapped: &[String]) -> Value {
    let aud = if resources.is_empty() { mapped } else { resources };
    match aud {
        [] => Value::from(ctx.client.client_id.as_str()),
        [one] => Value::from(one.as_str()),
        many => Value::Array(many.iter().map(|a| Value::from(a.as_str())).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_client() -> Client {
        Client::new("r", "c").unwrap()
    }

    #[test]
    fn allow_list_limits_resources() {
        let mut c = open_client();
        c.attributes
            .insert(crate::client::ATTR_ALLOWED_RESOURCES.into(), "https://a.example## https://b.example/api".into());
        assert!(validate_resources(&c, &["https://b.example/api".into()]).is_ok());
        assert!(validate_resources(&c, &[]).is_ok(), "no resource asked: the default audience");
        let err = validate_resources(&c, &["https://a.example".into(), "https://c.example".into()]).unwrap_err();
        assert_eq!(err.code, OAuthErrorCode::InvalidTarget);
        c.attributes.insert(crate::client::ATTR_ALLOWED_RESOURCES.into(), "not a uri".into());
        assert!(c.validate().is_err());
    }

    #[test]
    fn resource_validation() {
        for ok in ["https://api.example.com", "urn:example:api", "https://a/b?c=d"] {
            assert!(validate_resources(&open_client(), &[ok.to_string()]).is_ok(), "{ok}");
        }
        for bad in ["api.example.com", "https://a/b#frag", "", ":x", "1http://a", "http://a b"] {
            assert!(validate_resources(&open_client(), &[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
