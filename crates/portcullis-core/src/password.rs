//! User passwords, hashed with Argon2id. Hashing is slow on purpose: callers run these
//! functions on a blocking thread.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{CoreError, CoreResult};

/// Hashes a password into a PHC string (`$argon2id$...`).
pub fn hash_password(password: &str) -> CoreResult<String> {
    if password.is_empty() || password.len() > 1024 {
        return Err(CoreError::Invalid("password must be 1-1024 characters".into()));
    }
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Crypto(e.to_string()))
}

/// Keycloak's Argon2id parameters (7 MiB, 5 passes, 1 lane, 32-byte hash), one of OWASP's
/// equivalent choices. Against the crate's default (19 MiB, 2 passes) it costs the same
/// time and keeps 12 MiB less memory resident after a login (the allocator keeps what the
/// last hash used). Verification reads the parameters from each stored hash, so hashes
/// made with other parameters still verify.
fn hasher() -> CoreResult<Argon2<'static>> {
    let params = Params::new(7168, 5, 1, Some(32)).map_err(|e| CoreError::Crypto(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks a password against a PHC string; a malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let h = hash_password("s3cret").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{h}");
        assert!(verify_password("s3cret", &h));
        assert!(!verify_password("S3cret", &h));
        assert!(!verify_password("s3cret", "not-a-hash"));
        // A hash with the crate's default parameters (an earlier release's) still verifies.
        let old = Argon2::default().hash_password(b"s3cret", &SaltString::generate(&mut OsRng)).unwrap().to_string();
        assert!(old.contains("m=19456,t=2,p=1") && verify_password("s3cret", &old));
    }
}
