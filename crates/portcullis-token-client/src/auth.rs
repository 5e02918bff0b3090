//! How the client proves who it is at the token endpoint (RFC 6749 §2.3, RFC 7523).

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use portcullis_core::keys::{generate_key, Algorithm, Signer};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::PrivatePkcs8KeyDer;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use crate::Error;

/// RFC 7523 §2.2's assertion type.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A client secret; never printed by `Debug`, wiped from memory when dropped.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(Zeroizing::new(secret.into()))
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The client's private key for `private_key_jwt`: RS256, PS256 (RSA), ES256 (P-256) or
/// EdDSA (Ed25519), PKCS#8. Register [`PrivateKey::public_jwks`] with the client
/// (`clientAuthenticatorType: client-jwt`, attribute `jwks.string`, or a JWKS URL).
///
/// ```
/// use portcullis_token_client::{ClientAuth, PrivateKey};
///
/// let key = PrivateKey::generate("ES256").unwrap();
/// let jwks = key.public_jwks(); // register it with the client (attribute jwks.string)
/// assert_eq!(jwks["keys"][0]["kid"], key.kid());
/// assert_eq!(jwks["keys"][0]["crv"], "P-256");
/// assert!(jwks["keys"][0].get("d").is_none(), "public members only");
/// let auth = ClientAuth::PrivateKeyJwt(key);
/// assert_eq!(auth.method(), "private_key_jwt");
/// ```
#[derive(Clone)]
pub struct PrivateKey {
    signer: std::sync::Arc<Signer>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey").field("kid", &self.signer.kid()).field("alg", &self.signer.algorithm()).finish()
    }
}

fn algorithm(alg: &str) -> Result<Algorithm, Error> {
    Algorithm::from_jws(alg)
        .ok_or_else(|| Error::Key(format!("algorithm '{alg}' not supported (RS256, PS256, ES256, EdDSA)")))
}

impl PrivateKey {
    /// A key from PKCS#8 DER; the `kid` defaults to the RFC 7638 thumbprint.
    pub fn from_pkcs8_der(der: &[u8], alg: &str, kid: Option<&str>) -> Result<Self, Error> {
        let alg = algorithm(alg)?;
        let probe = Signer::from_pkcs8("", alg, der, "JWT").map_err(|e| Error::Key(e.to_string()))?;
        let kid = kid.map_or_else(|| probe.jwk().thumbprint(), str::to_owned);
        let signer = Signer::from_pkcs8(&kid, alg, der, "JWT").map_err(|e| Error::Key(e.to_string()))?;
        Ok(Self { signer: signer.into() })
    }

    /// A key from a PEM `PRIVATE KEY` block (PKCS#8, as `openssl genpkey` writes it).
    pub fn from_pkcs8_pem(pem: &str, alg: &str, kid: Option<&str>) -> Result<Self, Error> {
        let der = PrivatePkcs8KeyDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| Error::Key(format!("not a PEM PKCS#8 private key: {e}")))?;
        Self::from_pkcs8_der(der.secret_pkcs8_der(), alg, kid)
    }

    /// A new random key: RSA-2048 for RS256 and PS256, P-256 for ES256, Ed25519 for EdDSA.
    pub fn generate(alg: &str) -> Result<Self, Error> {
        let key = generate_key("", algorithm(alg)?.as_str(), 0).map_err(|e| Error::Key(e.to_string()))?;
        let der = Zeroizing::new(key.private_pkcs8.clone());
        Self::from_pkcs8_der(&der, alg, None)
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        self.signer.kid()
    }

    /// The public key as a JWK set, to register with the client.
    pub fn public_jwks(&self) -> Value {
        let j = self.signer.jwk();
        let mut jwk =
            json!({"kty": j.kty, "kid": self.signer.kid(), "use": "sig", "alg": self.signer.algorithm().as_str()});
        for (name, value) in [
            ("crv", j.crv.map(str::to_owned)),
            ("n", j.n.clone()),
            ("e", j.e.clone()),
            ("x", j.x.clone()),
            ("y", j.y.clone()),
        ] {
            if let Some(v) = value {
                jwk[name] = Value::String(v);
            }
        }
        json!({"keys": [jwk]})
    }

    /// An RFC 7523 client assertion for `audience` (the token endpoint), valid 60 s, with a
    /// fresh `jti` (the server accepts each assertion once).
    pub(crate) fn assertion(&self, client_id: &str, audience: &str, now: i64) -> Result<String, Error> {
        let claims = json!({
            "iss": client_id, "sub": client_id, "aud": audience,
            "iat": now, "exp": now + 60, "jti": B64.encode(uuid::Uuid::new_v4().as_bytes()),
        });
        self.signer.sign(&claims).map_err(|e| Error::Key(e.to_string()))
    }
}

/// How the client authenticates.
#[derive(Debug)]
pub enum ClientAuth {
    /// `client_secret_basic`: HTTP Basic with id and secret form-encoded first (RFC 6749
    /// §2.3.1), the default of Keycloak and of the RFC.
    SecretBasic(Secret),
    /// `client_secret_post`: id and secret in the form body.
    SecretPost(Secret),
    /// `private_key_jwt` (RFC 7523 §2.2): a JWT signed with the client's key; no shared
    /// secret at all.
    PrivateKeyJwt(PrivateKey),
}

impl ClientAuth {
    /// `client_secret_basic` with `secret`.
    pub fn basic(secret: impl Into<String>) -> Self {
        Self::SecretBasic(Secret::new(secret))
    }

    /// `client_secret_post` with `secret`.
    pub fn post(secret: impl Into<String>) -> Self {
        Self::SecretPost(Secret::new(secret))
    }

    /// The `token_endpoint_auth_method` name (RFC 8414).
    pub fn method(&self) -> &'static str {
        match self {
            Self::SecretBasic(_) => "client_secret_basic",
            Self::SecretPost(_) => "client_secret_post",
            Self::PrivateKeyJwt(_) => "private_key_jwt",
        }
    }
}

/// RFC 6749 §2.3.1: the id and secret are form-encoded before base64.
pub(crate) fn basic_header(client_id: &str, secret: &Secret) -> Zeroizing<String> {
    portcullis_core::secret::basic_credentials(client_id, secret.expose())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        assert_eq!(format!("{:?}", ClientAuth::basic("hunter2")), "SecretBasic(Secret(***))");
    }

    #[test]
    fn generated_keys_sign_assertions_their_jwks_verifies() {
        for alg in ["ES256", "EdDSA", "RS256"] {
            let key = PrivateKey::generate(alg).unwrap();
            let jwt = key.assertion("svc", "https://as/token", 1000).unwrap();
            let set: portcullis_core::jwk::JwkSet = serde_json::from_value(key.public_jwks()).unwrap();
            let (signed, sig) = jwt.rsplit_once('.').unwrap();
            set.keys[0].verify(alg, signed.as_bytes(), &B64.decode(sig).unwrap()).unwrap();
            let header: Value = serde_json::from_slice(&B64.decode(jwt.split('.').next().unwrap()).unwrap()).unwrap();
            assert_eq!(header["typ"], "JWT");
            assert_eq!(header["kid"], key.kid());
        }
        assert!(matches!(PrivateKey::generate("HS256"), Err(Error::Key(_))));
        assert!(matches!(PrivateKey::from_pkcs8_pem("nope", "ES256", None), Err(Error::Key(_))));
    }
}
