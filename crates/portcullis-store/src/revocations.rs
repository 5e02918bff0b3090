//! The RFC 7009 revocation list and the RFC 7523 client assertion replay store.

use async_trait::async_trait;
use portcullis_core::error::CoreResult;
use portcullis_core::store::RevocationStore;

use crate::db::{db_err, SqlStore};

#[async_trait]
impl RevocationStore for SqlStore {
    async fn revoke_token(&self, realm_id: &str, jti: &str, expires_at: i64) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO revoked_tokens (realm_id, jti, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (realm_id, jti) DO NOTHING",
        )
        .bind(realm_id)
        .bind(jti)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn is_revoked(&self, realm_id: &str, jti: &str) -> CoreResult<bool> {
        let row = sqlx::query("SELECT 1 AS one FROM revoked_tokens WHERE realm_id = $1 AND jti = $2")
            .bind(realm_id)
            .bind(jti)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(row.is_some())
    }

    async fn prune_revoked(&self, now: i64) -> CoreResult<u64> {
        let done = sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn use_client_assertion(
        &self,
        realm_id: &str,
        client_id: &str,
        jti: &str,
        expires_at: i64,
    ) -> CoreResult<bool> {
        // The primary key decides: of two instances inserting the same jti, one wins.
        let done = sqlx::query(
            "INSERT INTO used_client_assertions (realm_id, client_id, jti, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (realm_id, client_id, jti) DO NOTHING",
        )
        .bind(realm_id)
        .bind(client_id)
        .bind(jti)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn prune_client_assertions(&self, now: i64) -> CoreResult<u64> {
        let done = sqlx::query("DELETE FROM used_client_assertions WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }
}
