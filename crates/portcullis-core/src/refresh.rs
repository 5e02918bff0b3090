//! Refresh tokens of the password grant (RFC 6749 §6). A refresh token is 256 random
//! bits shown once; the database keeps only its SHA-256, with the login it continues.
//! Each refresh issues a new refresh token whose life is the realm's idle timeout,
//! capped by the session's maximum lifespan from the login.

use aws_lc_rs::digest;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use rand::RngCore;

use crate::error::{OAuthError, OAuthErrorCode};

/// A refresh token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshSession {
    /// SHA-256 of the token, base64url: the key.
    pub token_hash: String,
    /// Realm id.
    pub realm_id: String,
    /// Internal id of the client it was issued to.
    pub client_id: String,
    /// The user.
    pub user_id: String,
    /// The login it continues (Keycloak's `session_state`); refreshes keep it.
    pub session_id: String,
    /// Scopes granted at the login, space-separated; a refresh may ask for fewer.
    pub scope: String,
    /// When the login happened (epoch seconds).
    pub session_started_at: i64,
    /// When this token was issued.
    pub issued_at: i64,
    /// When it stops working.
    pub expires_at: i64,
}

/// A fresh refresh token and the hash it is stored under.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = B64.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// The key a presented refresh token is looked up by.
pub fn token_hash(token: &str) -> String {
    B64.encode(digest::digest(&digest::SHA256, token.as_bytes()))
}

/// Whether `token` has the shape of a refresh token (not a JWT), to tell the two apart
/// at introspection and revocation without a database read for every JWT.
pub fn looks_like_refresh_token(token: &str) -> bool {
    token.len() == 43 && !token.contains('.')
}

/// The scopes of a refreshed token: those asked for, which must all have been granted at
/// the login (RFC 6749 §6), or all of them when none are asked for.
pub fn narrowed_scopes<'a>(granted: &'a str, requested: &[&'a str]) -> Result<Vec<&'a str>, OAuthError> {
    let granted: Vec<&str> = granted.split(' ').filter(|s| !s.is_empty()).collect();
    if requested.is_empty() {
        return Ok(granted);
    }
    match requested.iter().find(|r| !granted.contains(r)) {
        Some(extra) => Err(OAuthError::new(
            OAuthErrorCode::InvalidScope,
            format!("scope {extra} was not granted to the refresh token"),
        )),
        None => Ok(requested.to_vec()),
    }
}

/// The answer to every refresh token that does not work (RFC 6749 §5.2 `invalid_grant`).
pub fn invalid(description: &str) -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidGrant, description)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_as_hashes() {
        let (a, ha) = new_token();
        let (b, hb) = new_token();
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), ha);
        assert_ne!(ha, hb);
        assert!(!ha.contains(&a));
        assert!(looks_like_refresh_token(&a) && !looks_like_refresh_token("a.b.c"));
    }

    #[test]
    fn a_refresh_asks_for_granted_scopes_only() {
        assert_eq!(narrowed_scopes("openid email profile", &[]).unwrap(), ["openid", "email", "profile"]);
        assert_eq!(narrowed_scopes("openid email profile", &["email"]).unwrap(), ["email"]);
        assert_eq!(narrowed_scopes("email", &["email", "api:admin"]).unwrap_err().code, OAuthErrorCode::InvalidScope);
    }
}
