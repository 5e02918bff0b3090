//! Client authentication at token-endpoint speed whatever form a secret is kept in, and
//! the one place where Argon2 runs (client secrets and user passwords alike).
//!
//! Argon2id costs tens of milliseconds and ~19 MiB per run, so runs are bounded by a
//! semaphore (one per core) and happen on blocking threads; a bounded set remembers which
//! `(hash, presented secret)` pairs verified, so a client whose admin chose its secret pays
//! that cost once per process, not once per token.

use std::collections::HashSet;
use std::sync::Mutex;

use portcullis_core::client::{Authenticated, Client};
use portcullis_core::error::CoreResult;
use portcullis_core::secret::{verify_slow, SecretHasher};
use portcullis_core::{password, CoreError, OAuthError};
use tokio::sync::Semaphore;

/// Remembered verifications at most; the set starts over when full. 10 000 entries of
/// 32 bytes: well under a megabyte.
const VERIFIED_CAP: usize = 10_000;

/// Verifies client secrets and runs Argon2 for the whole server.
#[derive(Debug)]
pub struct SecretVerifier {
    hasher: SecretHasher,
    verified: Mutex<HashSet<[u8; 32]>>,
    argon2_slots: Semaphore,
}

impl SecretVerifier {
    /// A verifier over the database's secret hasher.
    pub fn new(hasher: SecretHasher) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        Self { hasher, verified: Mutex::new(HashSet::new()), argon2_slots: Semaphore::new(cores) }
    }

    /// The keyed hash for new generated secrets.
    pub fn hasher(&self) -> &SecretHasher {
        &self.hasher
    }

    /// Authenticates `client` with the secret it presented (RFC 6749 §2.3.1).
    pub async fn authenticate(&self, client: &Client, presented: Option<&str>) -> Result<(), OAuthError> {
        let Authenticated::VerifySlowly { phcs } = client.authenticate(presented, &self.hasher, crate::oauth::now())?
        else {
            return Ok(());
        };
        let presented = presented.unwrap_or_default();
        for phc in phcs {
            let key = self.hasher.verified_key(phc, presented);
            if self.verified.lock().is_ok_and(|set| set.contains(&key)) {
                return Ok(());
            }
            let (p, h) = (presented.to_owned(), phc.to_owned());
            if self.run(move || verify_slow(&p, &h)).await.unwrap_or(false) {
                if let Ok(mut set) = self.verified.lock() {
                    if set.len() >= VERIFIED_CAP {
                        set.clear();
                    }
                    set.insert(key);
                }
                return Ok(());
            }
        }
        Err(OAuthError::invalid_client("Invalid client or Invalid client credentials"))
    }

    /// Argon2id verification of a user password.
    pub async fn verify_password(&self, password: String, phc: String) -> CoreResult<bool> {
        self.run(move || password::verify_password(&password, &phc)).await
    }

    /// Argon2id hash of a password or an admin-chosen secret.
    pub async fn hash(&self, secret: String) -> CoreResult<String> {
        self.run(move || password::hash_password(&secret)).await?
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> CoreResult<T> {
        let _slot = self.argon2_slots.acquire().await.map_err(|e| CoreError::Crypto(e.to_string()))?;
        tokio::task::spawn_blocking(f).await.map_err(|e| CoreError::Crypto(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use portcullis_core::secret::ClientSecret;

    use super::*;

    fn client(secret: ClientSecret) -> Client {
        let mut c = Client::new("r", "svc").unwrap();
        c.secret = Some(secret);
        c
    }

    #[tokio::test]
    async fn slow_secrets_verify_once_then_from_memory() {
        let v = SecretVerifier::new(SecretHasher::new(b"pepper"));
        let c = client(ClientSecret::chosen(portcullis_core::secret::SecretStorage::Hashed, "chosen").unwrap());
        assert!(v.authenticate(&c, Some("wrong")).await.is_err());
        assert!(v.verified.lock().unwrap().is_empty(), "failures are not remembered");
        v.authenticate(&c, Some("chosen")).await.unwrap();
        assert_eq!(v.verified.lock().unwrap().len(), 1);
        v.authenticate(&c, Some("chosen")).await.unwrap();
        assert_eq!(v.verified.lock().unwrap().len(), 1);
        assert!(v.authenticate(&c, None).await.is_err());
        // A new hash of the same secret (regenerated salt) is a new entry, never a stale hit.
        let again = client(ClientSecret::chosen(portcullis_core::secret::SecretStorage::Hashed, "chosen").unwrap());
        v.authenticate(&again, Some("chosen")).await.unwrap();
        assert_eq!(v.verified.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn fast_forms_never_touch_argon2() {
        let v = SecretVerifier::new(SecretHasher::new(b"pepper"));
        let (keyed, shown) = ClientSecret::generate(portcullis_core::secret::SecretStorage::Hashed, v.hasher());
        v.authenticate(&client(keyed.clone()), Some(&shown)).await.unwrap();
        assert!(v.authenticate(&client(keyed), Some("nope")).await.is_err());
        v.authenticate(&client(ClientSecret::Plain("p".into())), Some("p")).await.unwrap();
        assert!(v.verified.lock().unwrap().is_empty());
    }
}
