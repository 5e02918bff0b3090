//! Client secrets: generation and constant-time comparison.

use rand::distributions::Alphanumeric;
use rand::Rng;
use subtle::ConstantTimeEq;

/// A new client secret: 32 alphanumerics (~190 bits), the shape Keycloak generates.
pub fn generate_secret() -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(32).map(char::from).collect()
}

/// Compares a presented secret with the stored one in time independent of where they
/// differ, so response timing tells an attacker nothing about the secret.
pub fn secrets_match(presented: &str, stored: &str) -> bool {
    presented.as_bytes().ct_eq(stored.as_bytes()).into()
}
