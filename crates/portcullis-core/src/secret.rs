//! Client secrets: generation, the forms they are kept in, and verification.
//!
//! A secret is kept either retrievable ([`ClientSecret::Plain`], sealed with the data key
//! by the store) or only as a hash, by realm policy ([`SecretStorage`]). Generated secrets
//! carry ~190 bits of entropy, so a keyed hash (HMAC-SHA256) protects them as well as a
//! slow KDF would and costs a microsecond; admin-chosen secrets may be weak and get
//! Argon2id, whose cost the server pays once per process thanks to a cache of verified
//! secrets. Every comparison runs in constant time.

use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::distributions::Alphanumeric;
use rand::Rng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::{CoreError, CoreResult};

/// Realm attribute choosing how new client secrets are kept.
pub const ATTR_SECRET_STORAGE: &str = "clientSecretStorage";
/// What admin reads show instead of a secret that is kept only as a hash.
pub const MASKED: &str = "**********";

/// A new client secret: 32 alphanumerics (~190 bits), the shape Keycloak generates.
pub fn generate_secret() -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(32).map(char::from).collect()
}

/// Compares a presented secret with the stored one in time independent of where they
/// differ, so response timing tells an attacker nothing about the secret.
pub fn secrets_match(presented: &str, stored: &str) -> bool {
    presented.as_bytes().ct_eq(stored.as_bytes()).into()
}

/// A realm's policy for new client secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretStorage {
    /// Encrypted at rest and readable by admins (Keycloak's behaviour; the default).
    Encrypted,
    /// Only a hash is kept: the secret is shown once, at creation or regeneration.
    Hashed,
}

impl SecretStorage {
    /// Parses the realm attribute; absent or empty means [`SecretStorage::Encrypted`].
    pub fn parse(value: Option<&str>) -> CoreResult<Self> {
        match value.unwrap_or_default() {
            "" | "encrypted" => Ok(Self::Encrypted),
            "hashed" => Ok(Self::Hashed),
            other => Err(CoreError::Invalid(format!(
                "realm attribute {ATTR_SECRET_STORAGE} must be 'encrypted' or 'hashed', not '{other}'"
            ))),
        }
    }
}

/// How a client's secret is kept.
#[derive(Clone, PartialEq, Eq)]
pub enum ClientSecret {
    /// The secret itself (the store seals it with the data key).
    Plain(String),
    /// HMAC-SHA256 under the data key's pepper, base64url: for generated secrets.
    Keyed(String),
    /// An Argon2id PHC string: for admin-chosen secrets.
    Slow(String),
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Plain(_) => "ClientSecret::Plain(..)",
            Self::Keyed(_) => "ClientSecret::Keyed(..)",
            Self::Slow(_) => "ClientSecret::Slow(..)",
        })
    }
}

impl ClientSecret {
    /// A freshly generated secret kept as `storage` says; the plaintext is returned for
    /// showing once.
    pub fn generate(storage: SecretStorage, hasher: &SecretHasher) -> (Self, String) {
        let secret = generate_secret();
        let kept = match storage {
            SecretStorage::Encrypted => Self::Plain(secret.clone()),
            SecretStorage::Hashed => Self::Keyed(hasher.keyed(&secret)),
        };
        (kept, secret)
    }

    /// An admin-chosen secret kept as `storage` says. Hashing is slow on purpose: call it
    /// on a blocking thread when `storage` is [`SecretStorage::Hashed`].
    pub fn chosen(storage: SecretStorage, secret: &str) -> CoreResult<Self> {
        validate_secret(secret)?;
        match storage {
            SecretStorage::Encrypted => Ok(Self::Plain(secret.to_owned())),
            SecretStorage::Hashed => Ok(Self::Slow(crate::password::hash_password(secret)?)),
        }
    }

    /// The secret, when it is kept retrievable.
    pub fn plaintext(&self) -> Option<&str> {
        match self {
            Self::Plain(s) => Some(s),
            _ => None,
        }
    }

    /// Checks a presented secret: fast forms are decided here; a slow hash is handed back
    /// for the caller to verify off the async threads.
    pub fn check<'a>(&'a self, presented: &str, hasher: &SecretHasher) -> SecretCheck<'a> {
        let ok = match self {
            Self::Plain(s) => secrets_match(presented, s),
            Self::Keyed(digest) => secrets_match(&hasher.keyed(presented), digest),
            Self::Slow(phc) => return SecretCheck::Slow { phc },
        };
        if ok {
            SecretCheck::Valid
        } else {
            SecretCheck::Invalid
        }
    }
}

/// The outcome of [`ClientSecret::check`].
#[derive(Debug, PartialEq, Eq)]
pub enum SecretCheck<'a> {
    /// The secret matches.
    Valid,
    /// It does not.
    Invalid,
    /// Verify with [`verify_slow`] (or a cache of earlier verifications).
    Slow {
        /// The stored Argon2id hash.
        phc: &'a str,
    },
}

/// Argon2id verification of an admin-chosen secret. Slow on purpose.
pub fn verify_slow(presented: &str, phc: &str) -> bool {
    crate::password::verify_password(presented, phc)
}

/// Bounds on admin-chosen secrets.
pub fn validate_secret(secret: &str) -> CoreResult<()> {
    if secret.is_empty() || secret.len() > 512 {
        return Err(CoreError::Invalid("secret must be 1-512 characters".into()));
    }
    if secret == MASKED {
        return Err(CoreError::Invalid("the masked placeholder cannot be a secret".into()));
    }
    Ok(())
}

/// HMAC-SHA256 under a pepper that never leaves the process (derived from the data key).
#[derive(Clone)]
pub struct SecretHasher {
    key: hmac::Key,
}

impl std::fmt::Debug for SecretHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretHasher(..)")
    }
}

impl SecretHasher {
    /// A hasher over `pepper`.
    pub fn new(pepper: &[u8]) -> Self {
        Self { key: hmac::Key::new(hmac::HMAC_SHA256, pepper) }
    }

    /// 32 bytes derived from the pepper for another purpose, named by `label` (e.g. the key
    /// that seals console session cookies, the same on every instance of a database).
    pub fn derive(&self, label: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(&hmac::sign(&self.key, label.as_bytes()).as_ref()[..32]);
        out
    }

    /// The keyed hash of a secret, base64url.
    pub fn keyed(&self, secret: &str) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.key, secret.as_bytes()))
    }

    /// A key for remembering that `presented` verified against `phc`: it names both, so a
    /// changed secret never hits an old entry, and it reveals neither.
    pub fn verified_key(&self, phc: &str, presented: &str) -> [u8; 32] {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(phc.as_bytes());
        ctx.update(&[0]);
        ctx.update(presented.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.sign().as_ref());
        out
    }
}

/// The `Authorization` value of `client_secret_basic`: RFC 6749 §2.3.1 form-encodes the
/// client id and secret before base64, so that `:`, `%` or `+` in either survive.
pub fn basic_credentials(client_id: &str, secret: &str) -> Zeroizing<String> {
    let enc = |s: &str| Zeroizing::new(form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>());
    let raw = Zeroizing::new(format!("{}:{}", *enc(client_id), *enc(secret)));
    Zeroizing::new(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_encoded_first() {
        let h = basic_credentials("my client", "p:a%s+s");
        let decoded = base64::engine::general_purpose::STANDARD.decode(h.trim_start_matches("Basic ")).unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), "my+client:p%3Aa%25s%2Bs");
    }

    fn hasher() -> SecretHasher {
        SecretHasher::new(b"test pepper")
    }

    #[test]
    fn storage_policy_parses_the_realm_attribute() {
        assert_eq!(SecretStorage::parse(None).unwrap(), SecretStorage::Encrypted);
        assert_eq!(SecretStorage::parse(Some("")).unwrap(), SecretStorage::Encrypted);
        assert_eq!(SecretStorage::parse(Some("hashed")).unwrap(), SecretStorage::Hashed);
        assert!(SecretStorage::parse(Some("plain")).unwrap_err().to_string().contains("'encrypted' or 'hashed'"));
    }

    #[test]
    fn each_form_accepts_its_secret_and_nothing_else() {
        let h = hasher();
        let (plain, shown) = ClientSecret::generate(SecretStorage::Encrypted, &h);
        assert_eq!(plain.plaintext(), Some(shown.as_str()));
        assert_eq!(plain.check(&shown, &h), SecretCheck::Valid);
        assert_eq!(plain.check("wrong", &h), SecretCheck::Invalid);

        let (keyed, shown) = ClientSecret::generate(SecretStorage::Hashed, &h);
        assert_eq!(keyed.plaintext(), None);
        assert_eq!(keyed.check(&shown, &h), SecretCheck::Valid);
        assert_eq!(keyed.check(&shown[1..], &h), SecretCheck::Invalid);
        assert_eq!(keyed.check(&shown, &SecretHasher::new(b"other pepper")), SecretCheck::Invalid);

        let slow = ClientSecret::chosen(SecretStorage::Hashed, "chosen-secret").unwrap();
        let SecretCheck::Slow { phc } = slow.check("chosen-secret", &h) else { panic!("expected a slow check") };
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_slow("chosen-secret", phc));
        assert!(!verify_slow("chosen-secreT", phc));
    }

    #[test]
    fn chosen_secrets_are_bounded_and_never_the_mask() {
        assert!(ClientSecret::chosen(SecretStorage::Encrypted, "").is_err());
        assert!(ClientSecret::chosen(SecretStorage::Encrypted, &"x".repeat(513)).is_err());
        assert!(ClientSecret::chosen(SecretStorage::Encrypted, MASKED).is_err());
        assert_eq!(format!("{:?}", ClientSecret::Plain("s3cret".into())), "ClientSecret::Plain(..)");
    }

    #[test]
    fn verified_keys_name_both_the_hash_and_the_secret() {
        let h = hasher();
        assert_eq!(h.verified_key("a", "b"), h.verified_key("a", "b"));
        assert_ne!(h.verified_key("a", "b"), h.verified_key("a", "c"));
        assert_ne!(h.verified_key("ab", ""), h.verified_key("a", "b"));
    }
}
