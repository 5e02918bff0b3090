//! Refresh tokens of the password grant, stored as hashes.

use async_trait::async_trait;
use portcullis_core::error::CoreResult;
use portcullis_core::refresh::RefreshSession;
use portcullis_core::store::RefreshTokenStore;
use sqlx::Row;

use crate::db::{db_err, SqlStore};

#[async_trait]
impl RefreshTokenStore for SqlStore {
    async fn insert_refresh(&self, s: &RefreshSession) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, realm_id, client_id, user_id, session_id, scope, \
             session_started_at, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&s.token_hash)
        .bind(&s.realm_id)
        .bind(&s.client_id)
        .bind(&s.user_id)
        .bind(&s.session_id)
        .bind(&s.scope)
        .bind(s.session_started_at)
        .bind(s.issued_at)
        .bind(s.expires_at)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn refresh_session(&self, token_hash: &str) -> CoreResult<Option<RefreshSession>> {
        let row = sqlx::query(
            "SELECT token_hash, realm_id, client_id, user_id, session_id, scope, session_started_at, issued_at, \
             expires_at FROM refresh_tokens WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.map(|r| {
            Ok(RefreshSession {
                token_hash: r.try_get("token_hash").map_err(db_err)?,
                realm_id: r.try_get("realm_id").map_err(db_err)?,
                client_id: r.try_get("client_id").map_err(db_err)?,
                user_id: r.try_get("user_id").map_err(db_err)?,
                session_id: r.try_get("session_id").map_err(db_err)?,
                scope: r.try_get("scope").map_err(db_err)?,
                session_started_at: r.try_get("session_started_at").map_err(db_err)?,
                issued_at: r.try_get("issued_at").map_err(db_err)?,
                expires_at: r.try_get("expires_at").map_err(db_err)?,
            })
        })
        .transpose()
    }

    async fn take_refresh(&self, token_hash: &str) -> CoreResult<bool> {
        let done = sqlx::query("DELETE FROM refresh_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_refresh_session(&self, realm_id: &str, session_id: &str) -> CoreResult<u64> {
        let done = sqlx::query("DELETE FROM refresh_tokens WHERE realm_id = $1 AND session_id = $2")
            .bind(realm_id)
            .bind(session_id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn prune_refresh(&self, now: i64) -> CoreResult<u64> {
        let done = sqlx::query("DELETE FROM refresh_tokens WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }
}
