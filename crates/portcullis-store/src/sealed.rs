//! The store's side of envelope encryption: the one data key (kept wrapped under the master
//! key), the column forms of client secrets and signing keys, sealing of rows written by
//! releases that kept them in the clear, and master key rotation.

use portcullis_core::error::{CoreError, CoreResult};
use portcullis_core::sealing::{is_sealed, DataKey, MasterKey};
use portcullis_core::secret::ClientSecret;
use sqlx::{Any, AnyPool, Row};

use crate::db::{db_err, SqlStore};

const DATA_KEY_ID: &str = "primary";
const SEALED: &str = "sealed:";
const KEYED: &str = "hmac-sha256:";
const SLOW: &str = "$argon2id$";

fn secret_aad(client_internal_id: &str) -> String {
    format!("client-secret:{client_internal_id}")
}

pub(crate) fn key_aad(kid: &str) -> String {
    format!("signing-key:{kid}")
}

/// The `secret` column of a client.
pub(crate) fn encode_secret(dk: &DataKey, client_internal_id: &str, s: &ClientSecret) -> CoreResult<String> {
    Ok(match s {
        ClientSecret::Plain(p) => format!("{SEALED}{}", dk.seal_text(p, &secret_aad(client_internal_id))?),
        ClientSecret::Keyed(h) => format!("{KEYED}{h}"),
        ClientSecret::Slow(phc) => phc.clone(),
    })
}

/// Reads the `secret` column. A value in none of the known forms was written in the clear
/// by an earlier release; [`seal_cleartext_rows`] seals those at start.
pub(crate) fn decode_secret(dk: &DataKey, client_internal_id: &str, column: &str) -> CoreResult<ClientSecret> {
    if let Some(sealed) = column.strip_prefix(SEALED) {
        Ok(ClientSecret::Plain(dk.open_text(sealed, &secret_aad(client_internal_id))?))
    } else if let Some(h) = column.strip_prefix(KEYED) {
        Ok(ClientSecret::Keyed(h.to_owned()))
    } else if column.starts_with(SLOW) {
        Ok(ClientSecret::Slow(column.to_owned()))
    } else {
        Ok(ClientSecret::Plain(column.to_owned()))
    }
}

fn is_cleartext_secret(column: &str) -> bool {
    !(column.starts_with(SEALED) || column.starts_with(KEYED) || column.starts_with(SLOW))
}

fn wrong_key(stored: &str, given: &MasterKey) -> CoreError {
    CoreError::Invalid(format!(
        "this database's secrets are sealed under master key {stored}, but the master key given is {}: \
         start with the key this database was created with (--master-key-file or PORTCULLIS_MASTER_KEY; \
         every instance sharing a database needs the same key)",
        given.fingerprint()
    ))
}

/// The stored `(master key fingerprint, wrapped data key)`, from the pool or a transaction.
async fn stored_data_key<'e>(db: impl sqlx::Executor<'e, Database = Any>) -> CoreResult<Option<(String, Vec<u8>)>> {
    let row = sqlx::query("SELECT master_key_id, wrapped FROM data_keys WHERE id = $1")
        .bind(DATA_KEY_ID)
        .fetch_optional(db)
        .await
        .map_err(db_err)?;
    row.map(|r| Ok((r.try_get("master_key_id").map_err(db_err)?, r.try_get("wrapped").map_err(db_err)?))).transpose()
}

/// The database's data key, created on first start. Concurrent first starts on one
/// PostgreSQL insert at most one: the loser reads the winner's.
pub(crate) async fn load_data_key(pool: &AnyPool, master: &MasterKey) -> CoreResult<DataKey> {
    if stored_data_key(pool).await?.is_none() {
        let fresh = DataKey::generate()?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        sqlx::query(
            "INSERT INTO data_keys (id, master_key_id, wrapped, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(DATA_KEY_ID)
        .bind(master.fingerprint())
        .bind(fresh.wrap(master)?)
        .bind(now)
        .execute(pool)
        .await
        .map_err(db_err)?;
    }
    let (stored_id, wrapped) =
        stored_data_key(pool).await?.ok_or_else(|| CoreError::Storage("the data key vanished".into()))?;
    if stored_id != master.fingerprint() {
        return Err(wrong_key(&stored_id, master));
    }
    DataKey::unwrap(master, &wrapped)
}

/// Seals client secrets and signing keys that an earlier release stored in the clear, in
/// one transaction. Returns how many rows it sealed.
pub(crate) async fn seal_cleartext_rows(pool: &AnyPool, dk: &DataKey) -> CoreResult<usize> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    let mut sealed = 0;
    let clients = sqlx::query("SELECT id, secret FROM clients WHERE secret IS NOT NULL")
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
    for r in &clients {
        let (id, secret): (String, String) = (r.try_get("id").map_err(db_err)?, r.try_get("secret").map_err(db_err)?);
        if is_cleartext_secret(&secret) {
            let column = encode_secret(dk, &id, &ClientSecret::Plain(secret))?;
            sqlx::query("UPDATE clients SET secret = $1 WHERE id = $2")
                .bind(column)
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            sealed += 1;
        }
    }
    let keys = sqlx::query("SELECT kid, private_key FROM signing_keys").fetch_all(&mut *tx).await.map_err(db_err)?;
    for r in &keys {
        let (kid, der): (String, Vec<u8>) =
            (r.try_get("kid").map_err(db_err)?, r.try_get("private_key").map_err(db_err)?);
        if !is_sealed(&der) {
            sqlx::query("UPDATE signing_keys SET private_key = $1 WHERE kid = $2")
                .bind(dk.seal(&der, &key_aad(&kid))?)
                .bind(&kid)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            sealed += 1;
        }
    }
    tx.commit().await.map_err(db_err)?;
    Ok(sealed)
}

impl SqlStore {
    /// Re-wraps the data key from `old` to `new` in one transaction. Every sealed record
    /// stays as it is (it is sealed under the data key, which does not change), so running
    /// instances keep working; instances started later need `new`.
    pub async fn rotate_master_key(&self, old: &MasterKey, new: &MasterKey) -> CoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let (stored_id, wrapped) =
            stored_data_key(&mut *tx).await?.ok_or_else(|| CoreError::NotFound("data key".into()))?;
        if stored_id == new.fingerprint() {
            return Err(CoreError::Conflict(format!("the data key is already wrapped under master key {stored_id}")));
        }
        if stored_id != old.fingerprint() {
            return Err(wrong_key(&stored_id, old));
        }
        let dk = DataKey::unwrap(old, &wrapped)?;
        // The id check makes a concurrent rotation lose instead of overwriting.
        let done =
            sqlx::query("UPDATE data_keys SET master_key_id = $1, wrapped = $2 WHERE id = $3 AND master_key_id = $4")
                .bind(new.fingerprint())
                .bind(dk.wrap(new)?)
                .bind(DATA_KEY_ID)
                .bind(&stored_id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        if done.rows_affected() != 1 {
            return Err(CoreError::Conflict("another rotation changed the data key first".into()));
        }
        tx.commit().await.map_err(db_err)
    }

    /// The keyed hash of client secrets, under this database's pepper.
    pub fn secret_hasher(&self) -> portcullis_core::secret::SecretHasher {
        self.data_key.secret_hasher()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_columns_round_trip_and_hide_plaintext() {
        let dk = DataKey::generate().unwrap();
        for s in [
            ClientSecret::Plain("s3cret-value".into()),
            ClientSecret::Keyed("digest".into()),
            ClientSecret::Slow("$argon2id$v=19$m=19456,t=2,p=1$salt$hash".into()),
        ] {
            let column = encode_secret(&dk, "c1", &s).unwrap();
            assert!(!column.contains("s3cret-value"));
            assert!(!is_cleartext_secret(&column), "{column}");
            assert_eq!(decode_secret(&dk, "c1", &column).unwrap(), s);
        }
        let sealed = encode_secret(&dk, "c1", &ClientSecret::Plain("x".into())).unwrap();
        assert!(decode_secret(&dk, "c2", &sealed).is_err(), "a sealed secret moved to another client must not open");
        assert!(is_cleartext_secret("legacy-secret"));
        assert_eq!(decode_secret(&dk, "c1", "legacy-secret").unwrap(), ClientSecret::Plain("legacy-secret".into()));
    }
}
