use async_trait::async_trait;
use portcullis_core::error::{CoreError, CoreResult};
use portcullis_core::scope::ClientScope;
use portcullis_core::store::ScopeStore;
use sqlx::{Any, Row, Transaction};

use crate::db::{db_err, from_json, map_err, to_json, SqlStore};

fn conflict(name: &str) -> String {
    format!("Client Scope {name} already exists")
}

pub(crate) async fn insert_scope(tx: &mut Transaction<'_, Any>, scope: &ClientScope) -> CoreResult<()> {
    sqlx::query("INSERT INTO client_scopes (id, realm_id, name, data) VALUES ($1, $2, $3, $4)")
        .bind(&scope.id)
        .bind(&scope.realm_id)
        .bind(&scope.name)
        .bind(to_json(scope)?)
        .execute(&mut **tx)
        .await
        .map_err(map_err(&conflict(&scope.name)))?;
    Ok(())
}

#[async_trait]
impl ScopeStore for SqlStore {
    async fn list_scopes(&self, realm_id: &str) -> CoreResult<Vec<ClientScope>> {
        let rows = sqlx::query("SELECT data FROM client_scopes WHERE realm_id = $1 ORDER BY name")
            .bind(realm_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| from_json(&r.try_get::<String, _>("data").map_err(db_err)?)).collect()
    }

    async fn get_scope(&self, realm_id: &str, id: &str) -> CoreResult<Option<ClientScope>> {
        let row = sqlx::query("SELECT data FROM client_scopes WHERE realm_id = $1 AND id = $2")
            .bind(realm_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| from_json(&r.try_get::<String, _>("data").map_err(db_err)?)).transpose()
    }

    async fn create_scope(&self, scope: &ClientScope) -> CoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        insert_scope(&mut tx, scope).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn update_scope(&self, scope: &ClientScope) -> CoreResult<()> {
        let done = sqlx::query("UPDATE client_scopes SET name = $1, data = $2 WHERE id = $3 AND realm_id = $4")
            .bind(&scope.name)
            .bind(to_json(scope)?)
            .bind(&scope.id)
            .bind(&scope.realm_id)
            .execute(&self.pool)
            .await
            .map_err(map_err(&conflict(&scope.name)))?;
        if done.rows_affected() == 0 {
            return Err(CoreError::NotFound("Could not find client scope".into()));
        }
        Ok(())
    }

    async fn delete_scope(&self, realm_id: &str, id: &str) -> CoreResult<bool> {
        let done = sqlx::query("DELETE FROM client_scopes WHERE realm_id = $1 AND id = $2")
            .bind(realm_id)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }
}
