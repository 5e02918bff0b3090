//! OAuth clients (Keycloak's OpenID Connect clients).

use std::collections::BTreeMap;

use crate::error::{CoreError, CoreResult};
use crate::scope::ProtocolMapper;
use crate::secret::{ClientSecret, SecretCheck, SecretHasher};

/// Client attribute that overrides the realm's access token lifespan (Keycloak's name).
pub const ATTR_ACCESS_TOKEN_LIFESPAN: &str = "access.token.lifespan";

/// Client attribute limiting the RFC 8707 resources (token audiences) the client may ask
/// for: absolute URIs separated by `##` (Keycloak's multi-value form). Absent: any.
pub const ATTR_ALLOWED_RESOURCES: &str = "resource.allowlist";

/// Client attributes of Keycloak's secret rotation (epoch seconds): when the secret was
/// made and when it stops working (absent or 0: never), and the same for the rotated
/// (previous) secret that stays valid for a grace period after a regeneration.
pub const ATTR_SECRET_CREATION_TIME: &str = "client.secret.creation.time";
/// See [`ATTR_SECRET_CREATION_TIME`].
pub const ATTR_SECRET_EXPIRATION_TIME: &str = "client.secret.expiration.time";
/// See [`ATTR_SECRET_CREATION_TIME`].
pub const ATTR_ROTATED_CREATION_TIME: &str = "client.secret.rotated.creation.time";
/// See [`ATTR_SECRET_CREATION_TIME`].
pub const ATTR_ROTATED_EXPIRATION_TIME: &str = "client.secret.rotated.expiration.time";

/// Client attribute choosing the algorithm its access tokens are signed with (Keycloak's
/// name); absent: the realm's `defaultSignatureAlgorithm`.
pub const ATTR_ACCESS_TOKEN_ALG: &str = "access.token.signed.response.alg";

/// Client attribute pinning the one token endpoint authentication method the client may
/// use (RFC 7591 `token_endpoint_auth_method` values); absent: every method of its
/// `clientAuthenticatorType`.
pub const ATTR_AUTH_METHOD: &str = "token.endpoint.auth.method";
/// Client attribute pinning the JWS algorithm of its client assertions (Keycloak's name).
pub const ATTR_AUTH_SIGNING_ALG: &str = "token.endpoint.auth.signing.alg";
/// Client attributes of Keycloak's "Signed JWT" authenticator: the client's JWKS inline
/// (`use.jwks.string` = `true`) or at a URL (`use.jwks.url`, `true` unless `false`).
pub const ATTR_JWKS_STRING: &str = "jwks.string";
/// See [`ATTR_JWKS_STRING`].
pub const ATTR_USE_JWKS_STRING: &str = "use.jwks.string";
/// See [`ATTR_JWKS_STRING`].
pub const ATTR_JWKS_URL: &str = "jwks.url";
/// See [`ATTR_JWKS_STRING`].
pub const ATTR_USE_JWKS_URL: &str = "use.jwks.url";

/// Keycloak's `clientAuthenticatorType` values and the methods each allows.
pub const AUTHENTICATOR_TYPES: [(&str, &[AuthMethod]); 3] = [
    ("client-secret", &[AuthMethod::ClientSecretBasic, AuthMethod::ClientSecretPost]),
    ("client-jwt", &[AuthMethod::PrivateKeyJwt]),
    ("client-secret-jwt", &[AuthMethod::ClientSecretJwt]),
];

/// How a client authenticates at the token, introspection and revocation endpoints
/// (RFC 7591 §2 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// A public client: `client_id` only.
    None,
    /// HTTP Basic with the secret (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// `client_secret` in the body.
    ClientSecretPost,
    /// A JWT signed with HMAC under the secret (RFC 7523).
    ClientSecretJwt,
    /// A JWT signed with a key of the client's JWKS (RFC 7523).
    PrivateKeyJwt,
}

impl AuthMethod {
    /// Every method a confidential client can use, as discovery lists them.
    pub const CONFIDENTIAL: [AuthMethod; 4] =
        [Self::ClientSecretBasic, Self::ClientSecretPost, Self::PrivateKeyJwt, Self::ClientSecretJwt];

    /// The RFC 7591 name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::ClientSecretJwt => "client_secret_jwt",
            Self::PrivateKeyJwt => "private_key_jwt",
        }
    }

    fn from_name(s: &str) -> Option<Self> {
        Self::CONFIDENTIAL.into_iter().chain([Self::None]).find(|m| m.as_str() == s)
    }
}

/// Where a `client-jwt` client's public keys are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwksSource<'a> {
    /// A JWKS document given inline.
    Inline(&'a str),
    /// A JWKS URL fetched (and cached) by the server.
    Url(&'a str),
}

/// A client of a realm.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Client {
    /// Internal id (the `{id}` in admin URLs).
    pub id: String,
    /// Realm it belongs to.
    pub realm_id: String,
    /// The OAuth `client_id`, unique per realm.
    pub client_id: String,
    /// Display name.
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Root URL.
    pub root_url: Option<String>,
    /// Admin URL.
    pub admin_url: Option<String>,
    /// Home URL.
    pub base_url: Option<String>,
    /// Disabled clients cannot authenticate.
    pub enabled: bool,
    /// Keycloak console flag, kept for round-tripping.
    pub always_display_in_console: bool,
    /// Keycloak's `client-secret`, `client-jwt` or `client-secret-jwt`: see
    /// [`AUTHENTICATOR_TYPES`].
    pub client_authenticator_type: String,
    /// Secret of a confidential client. Stored sealed or hashed in its own column, never
    /// in the JSON body.
    #[serde(skip)]
    pub secret: Option<ClientSecret>,
    /// The previous secret, valid until [`ATTR_ROTATED_EXPIRATION_TIME`]; kept like
    /// `secret`, in its own column.
    #[serde(skip)]
    pub rotated_secret: Option<ClientSecret>,
    /// Redirect URIs (kept for the authorization code flow to come).
    pub redirect_uris: Vec<String>,
    /// Allowed CORS origins; also the `allowed-origins` claim.
    pub web_origins: Vec<String>,
    /// Tokens issued before this time (epoch seconds) are invalid.
    pub not_before: i64,
    /// Bearer-only clients get no tokens.
    pub bearer_only: bool,
    /// Consent flag, kept for round-tripping.
    pub consent_required: bool,
    /// Authorization code flow.
    pub standard_flow_enabled: bool,
    /// Implicit flow.
    pub implicit_flow_enabled: bool,
    /// Password grant.
    pub direct_access_grants_enabled: bool,
    /// Client credentials grant.
    pub service_accounts_enabled: bool,
    /// Keycloak authorization services, kept for round-tripping.
    pub authorization_services_enabled: bool,
    /// Public clients have no secret.
    pub public_client: bool,
    /// Kept for round-tripping.
    pub frontchannel_logout: bool,
    /// Always `openid-connect`.
    pub protocol: String,
    /// Keycloak attributes (e.g. `access.token.lifespan`).
    pub attributes: BTreeMap<String, String>,
    /// Whether every role of the user reaches the token (no role scope mappings yet).
    pub full_scope_allowed: bool,
    /// Mappers defined on the client itself.
    pub protocol_mappers: Vec<ProtocolMapper>,
}

/// The outcome of [`Client::authenticate`] when it did not refuse outright.
#[derive(Debug, PartialEq, Eq)]
pub enum Authenticated<'a> {
    /// The client is authenticated.
    Yes,
    /// A live secret of the client is an Argon2id hash: authenticated if the presented
    /// secret verifies against one of `phcs` (see [`crate::secret::verify_slow`]).
    VerifySlowly {
        /// The stored hashes: the secret's, then the rotated one's.
        phcs: Vec<&'a str>,
    },
}

impl Client {
    /// A new client with Keycloak's defaults for a client created through the admin API.
    pub fn new(realm_id: &str, client_id: &str) -> CoreResult<Self> {
        validate_client_id(client_id)?;
        Ok(Self {
            id: crate::new_id(),
            realm_id: realm_id.to_owned(),
            client_id: client_id.to_owned(),
            name: None,
            description: None,
            root_url: None,
            admin_url: None,
            base_url: None,
            enabled: true,
            always_display_in_console: false,
            client_authenticator_type: "client-secret".to_owned(),
            secret: None,
            rotated_secret: None,
            redirect_uris: Vec::new(),
            web_origins: Vec::new(),
            not_before: 0,
            bearer_only: false,
            consent_required: false,
            standard_flow_enabled: true,
            implicit_flow_enabled: false,
            direct_access_grants_enabled: false,
            service_accounts_enabled: false,
            authorization_services_enabled: false,
            public_client: false,
            frontchannel_logout: true,
            protocol: "openid-connect".to_owned(),
            attributes: BTreeMap::new(),
            full_scope_allowed: true,
            protocol_mappers: Vec::new(),
        })
    }

    /// Checks a client before it is stored.
    pub fn validate(&self) -> CoreResult<()> {
        validate_client_id(&self.client_id)?;
        if self.protocol != "openid-connect" {
            return Err(CoreError::Invalid(format!("protocol '{}' is not supported", self.protocol)));
        }
        let Some((_, methods)) = AUTHENTICATOR_TYPES.iter().find(|(t, _)| *t == self.client_authenticator_type) else {
            return Err(CoreError::Invalid(format!(
                "clientAuthenticatorType '{}' is not supported (supported: client-secret, client-jwt, client-secret-jwt)",
                self.client_authenticator_type
            )));
        };
        if let Some(m) = self.attributes.get(ATTR_AUTH_METHOD).filter(|m| !m.is_empty()) {
            match AuthMethod::from_name(m) {
                Some(method) if methods.contains(&method) || (method == AuthMethod::None && self.public_client) => {}
                _ => {
                    return Err(CoreError::Invalid(format!(
                        "{ATTR_AUTH_METHOD} '{m}' does not fit clientAuthenticatorType '{}' (allowed: {})",
                        self.client_authenticator_type,
                        methods.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ")
                    )))
                }
            }
        }
        if let Some(JwksSource::Inline(jwks)) = self.jwks_source() {
            crate::client_assertion::validate_jwks(jwks)
                .map_err(|e| CoreError::Invalid(format!("{ATTR_JWKS_STRING}: {e}")))?;
        }
        if let Some(JwksSource::Url(url)) = self.jwks_source() {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(CoreError::Invalid(format!("{ATTR_JWKS_URL} must be an http(s) URL")));
            }
        }
        if let Some(alg) = self.attributes.get(ATTR_ACCESS_TOKEN_ALG).filter(|a| !a.is_empty()) {
            alg.parse::<crate::keys::Algorithm>().map_err(|_| {
                CoreError::Invalid(format!(
                    "{ATTR_ACCESS_TOKEN_ALG} '{alg}' is not supported (supported: {})",
                    crate::keys::SUPPORTED_ALGORITHMS.join(", ")
                ))
            })?;
        }
        if let Some(alg) = self.attributes.get(ATTR_AUTH_SIGNING_ALG).filter(|a| !a.is_empty()) {
            let known = crate::client_assertion::PRIVATE_KEY_ALGORITHMS
                .iter()
                .chain(crate::client_assertion::SECRET_ALGORITHMS.iter())
                .any(|a| a == alg);
            if !known {
                return Err(CoreError::Invalid(format!("{ATTR_AUTH_SIGNING_ALG} '{alg}' is not supported")));
            }
        }
        if let Some(bad) = self
            .allowed_resources()
            .and_then(|list| list.into_iter().find(|r| !crate::grant::is_absolute_uri_without_fragment(r)))
        {
            return Err(CoreError::Invalid(format!(
                "{ATTR_ALLOWED_RESOURCES}: '{bad}' is not an absolute URI without a fragment"
            )));
        }
        if let Some(secret) = self.secret.as_ref().and_then(ClientSecret::plaintext) {
            crate::secret::validate_secret(secret)?;
        }
        crate::scope::validate_mappers(&self.protocol_mappers)?;
        if self.public_client && self.service_accounts_enabled {
            return Err(CoreError::Invalid("a public client cannot have service accounts enabled".into()));
        }
        if let Some(v) = self.attributes.get(ATTR_ACCESS_TOKEN_LIFESPAN) {
            if !v.is_empty() && v.parse::<i64>().map_or(true, |n| n < 1) {
                return Err(CoreError::Invalid(format!(
                    "attribute {ATTR_ACCESS_TOKEN_LIFESPAN} must be a positive number of seconds"
                )));
            }
        }
        Ok(())
    }

    /// Access token lifetime: the client's attribute when set, else the realm's.
    pub fn access_token_lifespan(&self, realm_default: i64) -> i64 {
        self.attributes
            .get(ATTR_ACCESS_TOKEN_LIFESPAN)
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(realm_default)
    }

    /// The resources the client may ask for, when limited.
    pub fn allowed_resources(&self) -> Option<Vec<&str>> {
        let v = self.attributes.get(ATTR_ALLOWED_RESOURCES)?;
        Some(v.split("##").map(str::trim).filter(|s| !s.is_empty()).collect())
    }

    /// Whether the client authenticates with a secret.
    pub fn is_confidential(&self) -> bool {
        !self.public_client && !self.bearer_only
    }

    /// Whether the client may authenticate with `method`: its `clientAuthenticatorType`
    /// decides, narrowed by [`ATTR_AUTH_METHOD`].
    pub fn accepts(&self, method: AuthMethod) -> bool {
        if self.public_client {
            return method == AuthMethod::None;
        }
        let by_type = AUTHENTICATOR_TYPES
            .iter()
            .find(|(t, _)| *t == self.client_authenticator_type)
            .is_some_and(|(_, methods)| methods.contains(&method));
        let pinned = self.attributes.get(ATTR_AUTH_METHOD).filter(|m| !m.is_empty());
        by_type && pinned.is_none_or(|m| m == method.as_str())
    }

    /// Where the client's public keys are, for `private_key_jwt`.
    pub fn jwks_source(&self) -> Option<JwksSource<'_>> {
        let attr = |k: &str| self.attributes.get(k).map(String::as_str).filter(|v| !v.is_empty());
        if attr(ATTR_USE_JWKS_STRING) == Some("true") {
            return attr(ATTR_JWKS_STRING).map(JwksSource::Inline);
        }
        if attr(ATTR_USE_JWKS_URL) != Some("false") {
            return attr(ATTR_JWKS_URL).map(JwksSource::Url);
        }
        None
    }

    /// The algorithm the client's access tokens are signed with, when it chooses one.
    pub fn access_token_algorithm(&self) -> Option<crate::keys::Algorithm> {
        self.attributes.get(ATTR_ACCESS_TOKEN_ALG).and_then(|a| crate::keys::Algorithm::from_jws(a))
    }

    /// The JWS algorithm the client's assertions must use, when it pins one.
    pub fn assertion_algorithm(&self) -> Option<&str> {
        self.attributes.get(ATTR_AUTH_SIGNING_ALG).map(String::as_str).filter(|a| !a.is_empty())
    }
}

/// Client ids appear in tokens, URLs and Basic headers; refuse control characters.
pub fn validate_client_id(client_id: &str) -> CoreResult<()> {
    if client_id.is_empty() || client_id.len() > 255 || client_id.chars().any(char::is_control) {
        return Err(CoreError::Invalid("clientId must be 1-255 printable characters".into()));
    }
    Ok(())
}

impl Client {
    /// Refuses a disabled or bearer-only client, whatever credential it shows.
    pub fn check_usable(&self) -> Result<(), crate::OAuthError> {
        if !self.enabled {
            return Err(crate::OAuthError::invalid_client("Invalid client or Invalid client credentials"));
        }
        if self.bearer_only {
            return Err(crate::OAuthError::invalid_client("Bearer-only client not allowed to obtain tokens"));
        }
        Ok(())
    }

    /// Authenticates the client with a presented secret (RFC 6749 §2.3.1): its secret, or
    /// the rotated one during its grace period, unless expired at `now`. Every failure
    /// answers the same so that responses do not reveal which part was wrong.
    pub fn authenticate<'a>(
        &'a self,
        presented_secret: Option<&str>,
        hasher: &SecretHasher,
        now: i64,
    ) -> Result<Authenticated<'a>, crate::OAuthError> {
        let invalid = || crate::OAuthError::invalid_client("Invalid client or Invalid client credentials");
        self.check_usable()?;
        if self.public_client {
            return Ok(Authenticated::Yes);
        }
        let Some(presented) = presented_secret else {
            return Err(invalid());
        };
        let mut phcs = Vec::new();
        for stored in self.live_secrets(now) {
            match stored.check(presented, hasher) {
                SecretCheck::Valid => return Ok(Authenticated::Yes),
                SecretCheck::Invalid => {}
                SecretCheck::Slow { phc } => phcs.push(phc),
            }
        }
        if phcs.is_empty() {
            Err(invalid())
        } else {
            Ok(Authenticated::VerifySlowly { phcs })
        }
    }

    /// The secrets that work at `now`: the current one unless expired, then the rotated
    /// one while its grace period lasts.
    pub fn live_secrets(&self, now: i64) -> impl Iterator<Item = &ClientSecret> {
        let until = |attr: &str| self.attributes.get(attr).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
        let current = self.secret.as_ref().filter(|_| {
            let exp = until(ATTR_SECRET_EXPIRATION_TIME);
            exp <= 0 || now < exp
        });
        // A rotated secret always has an end: without one it does not work.
        let rotated = self.rotated_secret.as_ref().filter(|_| now < until(ATTR_ROTATED_EXPIRATION_TIME));
        current.into_iter().chain(rotated)
    }

    /// Puts `new` in place of the secret. With a `grace` (seconds) the old secret stays
    /// valid that long as the rotated secret; `lifetime` (seconds) gives the new one an
    /// end. Zero for either: none.
    pub fn replace_secret(&mut self, new: ClientSecret, now: i64, lifetime: i64, grace: i64) {
        let old = self.secret.replace(new);
        let created = self.attributes.remove(ATTR_SECRET_CREATION_TIME);
        self.rotated_secret = None;
        self.attributes.remove(ATTR_ROTATED_CREATION_TIME);
        self.attributes.remove(ATTR_ROTATED_EXPIRATION_TIME);
        if let Some(old) = old.filter(|_| grace > 0) {
            self.rotated_secret = Some(old);
            if let Some(c) = created {
                self.attributes.insert(ATTR_ROTATED_CREATION_TIME.into(), c);
            }
            self.attributes.insert(ATTR_ROTATED_EXPIRATION_TIME.into(), (now + grace).to_string());
        }
        self.attributes.insert(ATTR_SECRET_CREATION_TIME.into(), now.to_string());
        if lifetime > 0 {
            self.attributes.insert(ATTR_SECRET_EXPIRATION_TIME.into(), (now + lifetime).to_string());
        } else {
            self.attributes.remove(ATTR_SECRET_EXPIRATION_TIME);
        }
    }

    /// Ends the rotated secret's grace period now (Keycloak's `DELETE …/client-secret/rotated`).
    pub fn drop_rotated_secret(&mut self) -> bool {
        self.attributes.remove(ATTR_ROTATED_CREATION_TIME);
        self.attributes.remove(ATTR_ROTATED_EXPIRATION_TIME);
        self.rotated_secret.take().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> ClientSecret {
        ClientSecret::Plain(s.into())
    }

    #[test]
    fn rotation_keeps_the_old_secret_for_the_grace_period_only() {
        let hasher = SecretHasher::new(&[7u8; 32]);
        let mut c = Client::new("r", "svc").unwrap();
        c.replace_secret(plain("one"), 100, 0, 0);
        let ok = |c: &Client, s: &str, now: i64| c.authenticate(Some(s), &hasher, now).is_ok();
        assert!(ok(&c, "one", 100) && !ok(&c, "two", 100));

        c.replace_secret(plain("two"), 200, 0, 50);
        assert!(ok(&c, "one", 249) && ok(&c, "two", 249));
        assert!(!ok(&c, "one", 250), "grace over");
        assert_eq!(c.attributes[ATTR_ROTATED_CREATION_TIME], "100");

        // Without a grace period the old secret goes at once, and with it the rotated one.
        c.replace_secret(plain("three"), 300, 0, 0);
        assert!(!ok(&c, "two", 300) && c.rotated_secret.is_none());
        assert!(!c.attributes.contains_key(ATTR_ROTATED_EXPIRATION_TIME));

        // A lifetime ends the secret; a rotated secret without an end does not work.
        c.replace_secret(plain("four"), 400, 10, 0);
        assert!(ok(&c, "four", 409) && !ok(&c, "four", 410));
        c.rotated_secret = Some(plain("stray"));
        assert!(!ok(&c, "stray", 400));
        c.attributes.insert(ATTR_ROTATED_EXPIRATION_TIME.into(), "500".into());
        assert!(ok(&c, "stray", 499));
        assert!(c.drop_rotated_secret() && !ok(&c, "stray", 499) && !c.drop_rotated_secret());
    }
}
