use std::collections::HashMap;

use async_trait::async_trait;
use portcullis_core::context::RoleGraph;
use portcullis_core::error::{CoreError, CoreResult};
use portcullis_core::role::Role;
use portcullis_core::store::RoleStore;
use sqlx::{Any, Row, Transaction};

use crate::db::{db_err, from_json, map_err, to_json, SqlStore};

fn conflict(name: &str) -> String {
    format!("Role with name {name} already exists")
}

fn container(role: &Role) -> &str {
    role.client_id.as_deref().unwrap_or(&role.realm_id)
}

pub(crate) async fn insert_role(tx: &mut Transaction<'_, Any>, role: &Role) -> CoreResult<()> {
    sqlx::query(
        "INSERT INTO roles (id, realm_id, client_id, container_id, name, data) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&role.id)
    .bind(&role.realm_id)
    .bind(role.client_id.clone())
    .bind(container(role))
    .bind(&role.name)
    .bind(to_json(role)?)
    .execute(&mut **tx)
    .await
    .map_err(map_err(&conflict(&role.name)))?;
    Ok(())
}

pub(crate) async fn map_roles(tx: &mut Transaction<'_, Any>, user_id: &str, role_ids: &[String]) -> CoreResult<()> {
    for role_id in role_ids {
        // ON CONFLICT DO NOTHING is spelled the same in SQLite and PostgreSQL.
        sqlx::query("INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(user_id)
            .bind(role_id)
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

#[async_trait]
impl RoleStore for SqlStore {
    async fn list_realm_roles(&self, realm_id: &str) -> CoreResult<Vec<Role>> {
        let rows = sqlx::query("SELECT data FROM roles WHERE realm_id = $1 AND client_id IS NULL ORDER BY name")
            .bind(realm_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| from_json(&r.try_get::<String, _>("data").map_err(db_err)?)).collect()
    }

    async fn realm_role_by_name(&self, realm_id: &str, name: &str) -> CoreResult<Option<Role>> {
        let row = sqlx::query("SELECT data FROM roles WHERE container_id = $1 AND client_id IS NULL AND name = $2")
            .bind(realm_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| from_json(&r.try_get::<String, _>("data").map_err(db_err)?)).transpose()
    }

    async fn list_client_roles(&self, client_internal_id: &str) -> CoreResult<Vec<Role>> {
        let rows = sqlx::query("SELECT data FROM roles WHERE client_id = $1 ORDER BY name")
            .bind(client_internal_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| from_json(&r.try_get::<String, _>("data").map_err(db_err)?)).collect()
    }

    async fn client_role_by_name(&self, client_internal_id: &str, name: &str) -> CoreResult<Option<Role>> {
        let row = sqlx::query("SELECT data FROM roles WHERE client_id = $1 AND name = $2")
            .bind(client_internal_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| from_json(&r.try_get::<String, _>("data").map_err(db_err)?)).transpose()
    }

    async fn create_role(&self, role: &Role) -> CoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        insert_role(&mut tx, role).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn update_role(&self, role: &Role) -> CoreResult<()> {
        let done = sqlx::query("UPDATE roles SET name = $1, data = $2 WHERE id = $3")
            .bind(&role.name)
            .bind(to_json(role)?)
            .bind(&role.id)
            .execute(&self.pool)
            .await
            .map_err(map_err(&conflict(&role.name)))?;
        if done.rows_affected() == 0 {
            return Err(CoreError::NotFound("Could not find role".into()));
        }
        Ok(())
    }

    async fn delete_role(&self, id: &str) -> CoreResult<bool> {
        let done = sqlx::query("DELETE FROM roles WHERE id = $1").bind(id).execute(&self.pool).await.map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn role_graph(&self, realm_id: &str) -> CoreResult<RoleGraph> {
        let roles = sqlx::query("SELECT data FROM roles WHERE realm_id = $1")
            .bind(realm_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| from_json::<Role>(&r.try_get::<String, _>("data").map_err(db_err)?))
            .collect::<CoreResult<Vec<_>>>()?;
        let edges = sqlx::query(
            "SELECT c.parent_id, c.child_id FROM role_composites c JOIN roles r ON r.id = c.parent_id \
             WHERE r.realm_id = $1",
        )
        .bind(realm_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| Ok((r.try_get("parent_id").map_err(db_err)?, r.try_get("child_id").map_err(db_err)?)))
        .collect::<CoreResult<Vec<_>>>()?;
        let client_ids = sqlx::query("SELECT id, client_id FROM clients WHERE realm_id = $1")
            .bind(realm_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| Ok((r.try_get("id").map_err(db_err)?, r.try_get("client_id").map_err(db_err)?)))
            .collect::<CoreResult<HashMap<_, _>>>()?;
        Ok(RoleGraph { roles, edges, client_ids })
    }

    async fn user_role_ids(&self, user_id: &str) -> CoreResult<Vec<String>> {
        sqlx::query("SELECT role_id FROM user_roles WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| r.try_get("role_id").map_err(db_err))
            .collect()
    }

    async fn add_user_roles(&self, user_id: &str, role_ids: &[String]) -> CoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        map_roles(&mut tx, user_id, role_ids).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn remove_user_roles(&self, user_id: &str, role_ids: &[String]) -> CoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        for role_id in role_ids {
            sqlx::query("DELETE FROM user_roles WHERE user_id = $1 AND role_id = $2")
                .bind(user_id)
                .bind(role_id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }
}
