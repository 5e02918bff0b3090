//! Password hashes in realm exports, in Keycloak's credential format: `secretData`
//! `{"value", "salt"}` (standard base64) and `credentialData` `{"algorithm",
//! "hashIterations", "additionalParameters"}`. Argon2 hashes move both ways, so a
//! Keycloak export's users keep their passwords here and ours keep them in Keycloak.

use argon2::password_hash::PasswordHash;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Value};

/// Why a credential of an export cannot be kept.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TransferError {
    /// A hash algorithm Portcullis does not verify (e.g. Keycloak's older pbkdf2-sha256).
    #[error("password hash algorithm '{0}' is not supported (only argon2)")]
    Algorithm(String),
    /// Not JSON, or a member missing or malformed.
    #[error("malformed credential: {0}")]
    Malformed(String),
}

/// Our PHC string as Keycloak's `(secretData, credentialData)`; `None` for a hash that is
/// not Argon2.
pub fn to_keycloak(phc: &str) -> Option<(String, String)> {
    let parsed = PasswordHash::new(phc).ok()?;
    let kind = parsed.algorithm.as_str().strip_prefix("argon2")?.to_owned();
    let hash = parsed.hash?;
    let mut salt = [0u8; 64];
    let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
    let param = |name: &str| parsed.params.get_decimal(name).map(|v| v.to_string());
    let secret =
        json!({"value": STANDARD.encode(hash.as_bytes()), "salt": STANDARD.encode(salt), "additionalParameters": {}});
    let credential = json!({
        "hashIterations": parsed.params.get_decimal("t")?,
        "algorithm": "argon2",
        "additionalParameters": {
            "hashLength": [hash.len().to_string()],
            "memory": [param("m")?],
            "type": [kind],
            "version": ["1.3"],
            "parallelism": [param("p")?],
        },
    });
    Some((secret.to_string(), credential.to_string()))
}

/// Keycloak's `(secretData, credentialData)` as our PHC string.
pub fn from_keycloak(secret_data: &str, credential_data: &str) -> Result<String, TransferError> {
    let bad = |why: &str| TransferError::Malformed(why.to_owned());
    let secret: Value = serde_json::from_str(secret_data).map_err(|_| bad("secretData is not JSON"))?;
    let cred: Value = serde_json::from_str(credential_data).map_err(|_| bad("credentialData is not JSON"))?;
    let algorithm = cred.get("algorithm").and_then(Value::as_str).unwrap_or("pbkdf2-sha256");
    if algorithm != "argon2" {
        return Err(TransferError::Algorithm(algorithm.to_owned()));
    }
    let extra = cred.get("additionalParameters");
    let first = |name: &str, default: &str| -> String {
        extra.and_then(|e| e.get(name)).and_then(|v| v.get(0)).and_then(Value::as_str).unwrap_or(default).to_owned()
    };
    let kind = first("type", "id");
    if !matches!(kind.as_str(), "id" | "i" | "d") || first("version", "1.3") != "1.3" {
        return Err(bad("unsupported argon2 type or version"));
    }
    let number = |s: String, what: &str| s.parse::<u32>().map_err(|_| bad(what));
    let memory = number(first("memory", "7168"), "memory is not a number")?;
    let parallelism = number(first("parallelism", "1"), "parallelism is not a number")?;
    let iterations = cred.get("hashIterations").and_then(Value::as_u64).ok_or_else(|| bad("no hashIterations"))?;
    let decode = |name: &str| {
        secret
            .get(name)
            .and_then(Value::as_str)
            .and_then(|v| STANDARD.decode(v).ok())
            .ok_or_else(|| bad(&format!("secretData.{name} is not base64")))
    };
    let (value, salt) = (decode("value")?, decode("salt")?);
    let phc = format!(
        "$argon2{kind}$v=19$m={memory},t={iterations},p={parallelism}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(value)
    );
    PasswordHash::new(&phc).map_err(|e| bad(&format!("not a valid argon2 hash: {e}")))?;
    Ok(phc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::password::{hash_password, verify_password};

    #[test]
    fn argon2_hashes_survive_the_round_trip() {
        let phc = hash_password("s3cret!").unwrap();
        let (secret, credential) = to_keycloak(&phc).unwrap();
        let back = from_keycloak(&secret, &credential).unwrap();
        assert_eq!(back, phc);
        assert!(verify_password("s3cret!", &back));
    }

    #[test]
    fn a_keycloak_argon2_credential_verifies() {
        // Keycloak 24+'s default: Argon2id, 7 MiB, 5 iterations, made here with those
        // parameters and written the way Keycloak writes it.
        let phc = hash_password("from-keycloak").unwrap();
        let (secret, _) = to_keycloak(&phc).unwrap();
        let credential = r#"{"hashIterations":5,"algorithm":"argon2","additionalParameters":{"hashLength":["32"],"memory":["7168"],"type":["id"],"version":["1.3"],"parallelism":["1"]}}"#;
        assert!(verify_password("from-keycloak", &from_keycloak(&secret, credential).unwrap()));
    }

    #[test]
    fn other_algorithms_and_junk_are_refused() {
        let pbkdf2 = r#"{"hashIterations":27500,"algorithm":"pbkdf2-sha256","additionalParameters":{}}"#;
        assert_eq!(
            from_keycloak(r#"{"value":"AA==","salt":"AA=="}"#, pbkdf2),
            Err(TransferError::Algorithm("pbkdf2-sha256".into()))
        );
        assert!(matches!(from_keycloak("nope", "{}"), Err(TransferError::Malformed(_))));
        let cred = r#"{"hashIterations":5,"algorithm":"argon2","additionalParameters":{}}"#;
        assert!(matches!(from_keycloak(r#"{"value":"!!","salt":"AA=="}"#, cred), Err(TransferError::Malformed(_))));
        assert_eq!(to_keycloak("not a phc"), None);
    }
}
