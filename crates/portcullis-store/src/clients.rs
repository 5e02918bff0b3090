use async_trait::async_trait;
use portcullis_core::client::Client;
use portcullis_core::error::{CoreError, CoreResult};
use portcullis_core::store::{ClientSeed, ClientStore};
use portcullis_core::user::User;
use sqlx::{any::AnyRow, Any, Row, Transaction};

use portcullis_core::sealing::DataKey;

use crate::db::{db_err, flag, from_json, map_err, to_json, SqlStore};
use crate::sealed::{decode_secret, encode_secret};

fn conflict(client_id: &str) -> String {
    format!("Client {client_id} already exists")
}

/// The columns [`client_from_row`] reads.
const COLUMNS: &str = "data, secret, rotated_secret";

fn client_from_row(dk: &DataKey, r: &AnyRow) -> CoreResult<Client> {
    let mut c: Client = from_json(&r.try_get::<String, _>("data").map_err(db_err)?)?;
    let column: Option<String> = r.try_get("secret").map_err(db_err)?;
    c.secret = column.map(|s| decode_secret(dk, &c.id, &s)).transpose()?;
    let column: Option<String> = r.try_get("rotated_secret").map_err(db_err)?;
    c.rotated_secret = column.map(|s| decode_secret(dk, &rotated_aad_id(&c.id), &s)).transpose()?;
    Ok(c)
}

/// Sealed under its own associated data, so the two columns cannot be swapped.
fn rotated_aad_id(client_internal_id: &str) -> String {
    format!("{client_internal_id}#rotated")
}

fn secret_column(dk: &DataKey, c: &Client) -> CoreResult<Option<String>> {
    c.secret.as_ref().map(|s| encode_secret(dk, &c.id, s)).transpose()
}

fn rotated_column(dk: &DataKey, c: &Client) -> CoreResult<Option<String>> {
    c.rotated_secret.as_ref().map(|s| encode_secret(dk, &rotated_aad_id(&c.id), s)).transpose()
}

async fn insert_service_account(tx: &mut Transaction<'_, Any>, sa: &(User, Vec<String>)) -> CoreResult<()> {
    crate::users::insert_user(tx, &sa.0).await?;
    crate::roles::map_roles(tx, &sa.0.id, &sa.1).await
}

/// Inserts a client with its service account and scope links.
pub(crate) async fn insert_client(tx: &mut Transaction<'_, Any>, dk: &DataKey, seed: &ClientSeed) -> CoreResult<()> {
    let c = &seed.client;
    sqlx::query(
        "INSERT INTO clients (id, realm_id, client_id, secret, rotated_secret, data) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&c.id)
    .bind(&c.realm_id)
    .bind(&c.client_id)
    .bind(secret_column(dk, c)?)
    .bind(rotated_column(dk, c)?)
    .bind(to_json(c)?)
    .execute(&mut **tx)
    .await
    .map_err(map_err(&conflict(&c.client_id)))?;
    if let Some(sa) = &seed.service_account {
        insert_service_account(tx, sa).await?;
    }
    for (scope_id, is_default) in &seed.scopes {
        sqlx::query("INSERT INTO client_scope_links (client_id, scope_id, is_default) VALUES ($1, $2, $3)")
            .bind(&c.id)
            .bind(scope_id)
            .bind(flag(*is_default))
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

#[async_trait]
impl ClientStore for SqlStore {
    async fn list_clients(&self, realm_id: &str, client_id: Option<&str>) -> CoreResult<Vec<Client>> {
        let rows = match client_id {
            Some(cid) => {
                sqlx::query(&format!("SELECT {COLUMNS} FROM clients WHERE realm_id = $1 AND client_id = $2"))
                    .bind(realm_id)
                    .bind(cid)
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                sqlx::query(&format!("SELECT {COLUMNS} FROM clients WHERE realm_id = $1 ORDER BY client_id"))
                    .bind(realm_id)
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(db_err)?;
        rows.iter().map(|r| client_from_row(&self.data_key, r)).collect()
    }

    async fn get_client(&self, realm_id: &str, id: &str) -> CoreResult<Option<Client>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM clients WHERE realm_id = $1 AND id = $2"))
            .bind(realm_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(|r| client_from_row(&self.data_key, r)).transpose()
    }

    async fn client_by_client_id(&self, realm_id: &str, client_id: &str) -> CoreResult<Option<Client>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM clients WHERE realm_id = $1 AND client_id = $2"))
            .bind(realm_id)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(|r| client_from_row(&self.data_key, r)).transpose()
    }

    async fn create_client(&self, seed: &ClientSeed) -> CoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        insert_client(&mut tx, &self.data_key, seed).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn update_client(&self, c: &Client, new_service_account: Option<&(User, Vec<String>)>) -> CoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let done = sqlx::query(
            "UPDATE clients SET client_id = $1, secret = $2, rotated_secret = $3, data = $4 \
                 WHERE id = $5 AND realm_id = $6",
        )
        .bind(&c.client_id)
        .bind(secret_column(&self.data_key, c)?)
        .bind(rotated_column(&self.data_key, c)?)
        .bind(to_json(c)?)
        .bind(&c.id)
        .bind(&c.realm_id)
        .execute(&mut *tx)
        .await
        .map_err(map_err(&conflict(&c.client_id)))?;
        if done.rows_affected() == 0 {
            return Err(CoreError::NotFound("Could not find client".into()));
        }
        if let Some(sa) = new_service_account {
            insert_service_account(&mut tx, sa).await?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn delete_client(&self, realm_id: &str, id: &str) -> CoreResult<bool> {
        let done = sqlx::query("DELETE FROM clients WHERE realm_id = $1 AND id = $2")
            .bind(realm_id)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn client_scope_links(&self, client_internal_id: &str) -> CoreResult<Vec<(String, bool)>> {
        sqlx::query("SELECT scope_id, is_default FROM client_scope_links WHERE client_id = $1")
            .bind(client_internal_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| {
                Ok((r.try_get("scope_id").map_err(db_err)?, r.try_get::<i64, _>("is_default").map_err(db_err)? != 0))
            })
            .collect()
    }

    async fn link_client_scope(&self, client_internal_id: &str, scope_id: &str, default: bool) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO client_scope_links (client_id, scope_id, is_default) VALUES ($1, $2, $3) \
             ON CONFLICT (client_id, scope_id) DO UPDATE SET is_default = excluded.is_default",
        )
        .bind(client_internal_id)
        .bind(scope_id)
        .bind(flag(default))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn unlink_client_scope(&self, client_internal_id: &str, scope_id: &str, default: bool) -> CoreResult<bool> {
        let done =
            sqlx::query("DELETE FROM client_scope_links WHERE client_id = $1 AND scope_id = $2 AND is_default = $3")
                .bind(client_internal_id)
                .bind(scope_id)
                .bind(flag(default))
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }
}
