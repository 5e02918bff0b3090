//! Realms: the tenant boundary. Each has its own clients, users, roles, scopes and keys.

use std::collections::BTreeMap;

use crate::error::{CoreError, CoreResult};

/// Keycloak's default access token lifespan (5 minutes).
pub const DEFAULT_ACCESS_TOKEN_LIFESPAN: i64 = 300;

/// A realm's settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Realm {
    /// Internal id (Keycloak uses the name for new realms; we do too when none is given).
    pub id: String,
    /// URL name, unique.
    pub name: String,
    /// Shown in consoles.
    pub display_name: Option<String>,
    /// A disabled realm issues nothing.
    pub enabled: bool,
    /// Access token lifetime in seconds.
    pub access_token_lifespan: i64,
    /// Tokens issued before this time (epoch seconds) are invalid; 0 = none.
    pub not_before: i64,
    /// JWS algorithm of access tokens.
    pub default_signature_algorithm: String,
    /// Keycloak's `sslRequired`, kept for round-tripping.
    pub ssl_required: String,
    /// Free-form attributes.
    pub attributes: BTreeMap<String, String>,
    /// Brute-force detection (absent in realms stored by earlier releases: off).
    #[serde(default)]
    pub brute_force: crate::brute_force::BruteForceSettings,
    /// Which events are stored and for how long.
    #[serde(default)]
    pub events: crate::event::EventSettings,
    /// Refresh tokens of the password grant (absent in earlier releases: Keycloak's
    /// defaults).
    #[serde(default)]
    pub sessions: SessionSettings,
}

/// Keycloak's session settings, as far as refresh tokens go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SessionSettings {
    /// `ssoSessionIdleTimeout`: a refresh token works this many seconds after it was
    /// issued (each refresh issues a new one).
    pub idle_timeout: i64,
    /// `ssoSessionMaxLifespan`: no refresh token works past this many seconds after the
    /// login.
    pub max_lifespan: i64,
    /// `revokeRefreshToken`: each refresh token works once.
    pub revoke_refresh_token: bool,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self { idle_timeout: 1800, max_lifespan: 36_000, revoke_refresh_token: false }
    }
}

impl SessionSettings {
    /// When a refresh token issued at `now` for a login at `started` expires.
    pub fn refresh_expiry(&self, started: i64, now: i64) -> i64 {
        (now + self.idle_timeout).min(started + self.max_lifespan)
    }
}

impl Realm {
    /// A new realm with Keycloak's defaults.
    pub fn new(name: &str) -> CoreResult<Self> {
        validate_realm_name(name)?;
        Ok(Self {
            id: name.to_owned(),
            name: name.to_owned(),
            display_name: None,
            enabled: true,
            access_token_lifespan: DEFAULT_ACCESS_TOKEN_LIFESPAN,
            not_before: 0,
            default_signature_algorithm: crate::keys::RS256.to_owned(),
            ssl_required: "external".to_owned(),
            attributes: BTreeMap::new(),
            brute_force: Default::default(),
            events: Default::default(),
            sessions: Default::default(),
        })
    }

    /// Checks the settings an admin may change.
    pub fn validate(&self) -> CoreResult<()> {
        validate_realm_name(&self.name)?;
        if self.access_token_lifespan < 1 || self.access_token_lifespan > 31_536_000 {
            return Err(CoreError::Invalid("accessTokenLifespan must be between 1 second and 1 year".into()));
        }
        self.signature_algorithm()?;
        self.brute_force.validate()?;
        let s = &self.sessions;
        if s.idle_timeout < 1 || s.max_lifespan < 1 || s.idle_timeout > 315_360_000 || s.max_lifespan > 315_360_000 {
            return Err(CoreError::Invalid(
                "ssoSessionIdleTimeout and ssoSessionMaxLifespan must be between 1 second and 10 years".into(),
            ));
        }
        self.events.validate()?;
        crate::secret::SecretStorage::parse(
            self.attributes.get(crate::secret::ATTR_SECRET_STORAGE).map(String::as_str),
        )?;
        if let Some(v) = self.attributes.get(ATTR_KEY_ROTATION_PERIOD).filter(|v| !v.is_empty()) {
            if v.parse::<i64>().map_or(true, |n| n != 0 && !(MIN_KEY_ROTATION_PERIOD..=315_360_000).contains(&n)) {
                return Err(CoreError::Invalid(format!(
                    "realm attribute {ATTR_KEY_ROTATION_PERIOD} must be 0 (off) or {MIN_KEY_ROTATION_PERIOD} seconds to 10 years"
                )));
            }
        }
        for attr in [ATTR_SECRET_LIFETIME, ATTR_ROTATED_SECRET_GRACE] {
            if let Some(v) = self.attributes.get(attr).filter(|v| !v.is_empty()) {
                if v.parse::<i64>().map_or(true, |n| !(0..=315_360_000).contains(&n)) {
                    return Err(CoreError::Invalid(format!(
                        "realm attribute {attr} must be a number of seconds (0 to 10 years)"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Seconds after which the signing keys rotate by themselves; `None`: only on demand.
    pub fn key_rotation_period(&self) -> Option<i64> {
        self.attributes.get(ATTR_KEY_ROTATION_PERIOD).and_then(|v| v.parse::<i64>().ok()).filter(|n| *n > 0)
    }

    /// Seconds a regenerated client secret works (0: no end), and how long the secret it
    /// replaces keeps working (0: it stops at once).
    pub fn secret_rotation(&self) -> (i64, i64) {
        let get = |a: &str| self.attributes.get(a).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0).max(0);
        (get(ATTR_SECRET_LIFETIME), get(ATTR_ROTATED_SECRET_GRACE))
    }

    /// The JWS algorithm of new tokens; `Invalid` unless RS256, PS256, ES256 or EdDSA.
    pub fn signature_algorithm(&self) -> CoreResult<crate::keys::Algorithm> {
        self.default_signature_algorithm.parse()
    }
}

/// Realm attribute: rotate the realm's signing keys when the active one is this many
/// seconds old (absent or 0: only when asked).
pub const ATTR_KEY_ROTATION_PERIOD: &str = "signingKeyRotationPeriod";
/// Shortest automatic rotation period: every rotation adds keys to the JWKS.
pub const MIN_KEY_ROTATION_PERIOD: i64 = 10;

/// Realm attribute: seconds a newly (re)generated client secret works; absent or 0: no
/// end. Keycloak sets this in its secret-rotation client policy (`expiration-period`).
pub const ATTR_SECRET_LIFETIME: &str = "client.secret.expiration.period";
/// Realm attribute: seconds the previous secret keeps working after a regeneration (the
/// rotated secret); absent or 0: it stops at once. Keycloak's `rotated-expiration-period`.
pub const ATTR_ROTATED_SECRET_GRACE: &str = "client.secret.rotated.expiration.period";

/// Realm names appear in URLs: keep them to a safe, unambiguous alphabet.
pub fn validate_realm_name(name: &str) -> CoreResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name != "."
        && name != "..";
    if ok {
        Ok(())
    } else {
        Err(CoreError::Invalid("realm name must be 1-255 characters of letters, digits, '-', '_' or '.'".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_algorithms() {
        let mut r = Realm::new("r").unwrap();
        assert_eq!(r.default_signature_algorithm, "RS256");
        for alg in ["RS256", "PS256", "ES256", "EdDSA"] {
            r.default_signature_algorithm = alg.into();
            assert!(r.validate().is_ok(), "{alg}");
            assert_eq!(r.signature_algorithm().unwrap().as_str(), alg);
        }
        for alg in ["HS256", "none", "es256", "PS384", ""] {
            r.default_signature_algorithm = alg.into();
            assert!(matches!(r.validate(), Err(CoreError::Invalid(_))), "{alg}");
        }
    }
}
