//! The claims of an access token (Keycloak's service-account claims, RFC 9068's required
//! ones) and the RFC 8707 resource rules.

use serde_json::{Map, Value};

use crate::client::Client;
use crate::context::ClientContext;
use crate::error::{OAuthError, OAuthErrorCode};
use crate::grant::GrantedScopes;
use crate::mappers::{self, MappedClaims, Subject};

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

/// Claims ready to sign.
#[derive(Debug)]
pub struct IssuedClaims {
    /// The JWT payload.
    pub claims: Map<String, Value>,
    /// Seconds until expiry.
    pub expires_in: i64,
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
pub fn mint_claims(
    ctx: &ClientContext,
    subject: &Subject,
    granted: &GrantedScopes<'_>,
    p: &TokenParams<'_>,
) -> IssuedClaims {
    let expires_in = ctx.client.access_token_lifespan(ctx.realm.access_token_lifespan);
    let mut mapped = MappedClaims::default();
    mappers::apply(granted.scopes.iter().flat_map(|s| &s.protocol_mappers), subject, &ctx.client, &mut mapped);
    mappers::apply(&ctx.client.protocol_mappers, subject, &ctx.client, &mut mapped);

    let mut c = Map::with_capacity(16 + mapped.claims.len());
    c.insert("exp".into(), Value::from(p.now + expires_in));
    c.insert("iat".into(), Value::from(p.now));
    c.insert("jti".into(), Value::from(p.jti));
    c.insert("iss".into(), Value::from(p.issuer));
    c.insert("aud".into(), audience(ctx, p.resources, mapped.audiences));
    c.insert("sub".into(), Value::from(subject.user.id.as_str()));
    c.insert("typ".into(), Value::from("Bearer"));
    c.insert("azp".into(), Value::from(ctx.client.client_id.as_str()));
    // RFC 9068 §2.2 requires client_id in every access token.
    c.insert("client_id".into(), Value::from(ctx.client.client_id.as_str()));
    c.insert("scope".into(), Value::from(granted.scope_string.as_str()));
    for (k, v) in mapped.claims {
        c.entry(k).or_insert(v);
    }
    IssuedClaims { claims: c, expires_in }
}

/// RFC 8707: requested resources are the audience. Otherwise the audiences mappers asked
/// for (Keycloak), and when there are none the client itself: RFC 9068 §2.2 makes `aud`
/// mandatory where Keycloak would leave it out.
fn audience(ctx: &ClientContext, resources: &[String], mut mapped: Vec<String>) -> Value {
    let mut aud: Vec<String> = if resources.is_empty() {
        mapped.sort();
        mapped.dedup();
        mapped
    } else {
        resources.to_vec()
    };
    if aud.is_empty() {
        aud.push(ctx.client.client_id.clone());
    }
    if aud.len() == 1 {
        Value::String(aud.remove(0))
    } else {
        Value::Array(aud.into_iter().map(Value::String).collect())
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
