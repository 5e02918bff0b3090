use async_trait::async_trait;
use portcullis_core::defaults::RealmSeed;
use portcullis_core::error::{CoreError, CoreResult};
use portcullis_core::keys::StoredKey;
use portcullis_core::realm::Realm;
use portcullis_core::store::{ClientSeed, RealmStore};
use sqlx::Row;

use portcullis_core::sealing::DataKey;

use crate::db::{db_err, flag, from_json, map_err, to_json, SqlStore};
use crate::sealed::key_aad;

fn insert_signing_key<'a>(
    dk: &DataKey,
    key: &'a StoredKey,
) -> CoreResult<sqlx::query::Query<'a, sqlx::Any, sqlx::any::AnyArguments<'a>>> {
    let sealed = dk.seal(&key.private_pkcs8, &key_aad(&key.kid))?;
    Ok(sqlx::query(
        "INSERT INTO signing_keys (kid, realm_id, algorithm, private_key, created_at, active) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&key.kid)
    .bind(&key.realm_id)
    .bind(&key.algorithm)
    .bind(sealed)
    .bind(key.created_at)
    .bind(flag(key.active)))
}

#[async_trait]
impl RealmStore for SqlStore {
    async fn list_realms(&self) -> CoreResult<Vec<Realm>> {
        let rows = sqlx::query("SELECT data FROM realms ORDER BY name").fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(|r| from_json(&r.try_get::<String, _>("data").map_err(db_err)?)).collect()
    }

    async fn realm_by_name(&self, name: &str) -> CoreResult<Option<Realm>> {
        let row = sqlx::query("SELECT data FROM realms WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| from_json(&r.try_get::<String, _>("data").map_err(db_err)?)).transpose()
    }

    async fn create_realm(&self, seed: &RealmSeed, key: &StoredKey) -> CoreResult<()> {
        let conflict = format!("Conflict detected. See logs for details: realm '{}' exists", seed.realm.name);
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        sqlx::query("INSERT INTO realms (id, name, data) VALUES ($1, $2, $3)")
            .bind(&seed.realm.id)
            .bind(&seed.realm.name)
            .bind(to_json(&seed.realm)?)
            .execute(&mut *tx)
            .await
            .map_err(map_err(&conflict))?;
        // Order for the foreign keys: roles and scopes, then clients, then their roles,
        // then what refers to any role (composites, users' and service accounts' mappings).
        for role in &seed.roles {
            crate::roles::insert_role(&mut tx, role).await?;
        }
        for scope in &seed.scopes {
            crate::scopes::insert_scope(&mut tx, scope).await?;
        }
        for (scope_id, is_default) in &seed.realm_default_scopes {
            sqlx::query("INSERT INTO realm_default_scopes (realm_id, scope_id, is_default) VALUES ($1, $2, $3)")
                .bind(&seed.realm.id)
                .bind(scope_id)
                .bind(flag(*is_default))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        insert_signing_key(&self.data_key, key)?.execute(&mut *tx).await.map_err(db_err)?;
        for client in &seed.clients {
            // Service accounts get their roles below, once client roles exist.
            let without_roles = ClientSeed {
                service_account: client.service_account.as_ref().map(|(u, _)| (u.clone(), Vec::new())),
                ..client.clone()
            };
            crate::clients::insert_client(&mut tx, &self.data_key, &without_roles).await?;
        }
        for role in &seed.client_roles {
            crate::roles::insert_role(&mut tx, role).await?;
        }
        for (parent, child) in &seed.composites {
            sqlx::query("INSERT INTO role_composites (parent_id, child_id) VALUES ($1, $2)")
                .bind(parent)
                .bind(child)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        for (user, roles) in seed.clients.iter().filter_map(|c| c.service_account.as_ref()) {
            crate::roles::map_roles(&mut tx, &user.id, roles).await?;
        }
        for (user, hash, roles) in &seed.users {
            crate::users::insert_user_with(&mut tx, user, hash.as_deref(), roles).await?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn rotate_signing_key(
        &self,
        key: &StoredKey,
        retire_at: i64,
        only_if_created_before: Option<i64>,
    ) -> CoreResult<u64> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // A concurrent rotation commits first; this UPDATE then sees its new key, which is
        // not older than the cutoff, and changes nothing.
        let done = sqlx::query(
            "UPDATE signing_keys SET active = 0, retire_at = $1 \
             WHERE realm_id = $2 AND algorithm = $3 AND active = 1 AND created_at < $4",
        )
        .bind(retire_at)
        .bind(&key.realm_id)
        .bind(&key.algorithm)
        .bind(only_if_created_before.unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if only_if_created_before.is_some() && done.rows_affected() == 0 {
            return Ok(0);
        }
        insert_signing_key(&self.data_key, key)?.execute(&mut *tx).await.map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn delete_retired_keys(&self, now: i64) -> CoreResult<u64> {
        let done = sqlx::query("DELETE FROM signing_keys WHERE active = 0 AND retire_at > 0 AND retire_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn add_signing_key(&self, key: &StoredKey) -> CoreResult<()> {
        let conflict = format!("signing key {} exists", key.kid);
        insert_signing_key(&self.data_key, key)?.execute(&self.pool).await.map_err(map_err(&conflict)).map(|_| ())
    }

    async fn update_realm(&self, realm: &Realm) -> CoreResult<()> {
        let conflict = format!("Conflict detected. See logs for details: realm '{}' exists", realm.name);
        let done = sqlx::query("UPDATE realms SET name = $1, data = $2 WHERE id = $3")
            .bind(&realm.name)
            .bind(to_json(realm)?)
            .bind(&realm.id)
            .execute(&self.pool)
            .await
            .map_err(map_err(&conflict))?;
        if done.rows_affected() == 0 {
            return Err(CoreError::NotFound("Realm".into()));
        }
        Ok(())
    }

    async fn delete_realm(&self, realm_id: &str) -> CoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let done =
            sqlx::query("DELETE FROM realms WHERE id = $1").bind(realm_id).execute(&mut *tx).await.map_err(db_err)?;
        // Events have no foreign key (see the migration): delete them with the realm.
        for table in ["events", "admin_events"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE realm_id = $1"))
                .bind(realm_id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn realm_default_scopes(&self, realm_id: &str) -> CoreResult<Vec<(String, bool)>> {
        let rows = sqlx::query("SELECT scope_id, is_default FROM realm_default_scopes WHERE realm_id = $1")
            .bind(realm_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok((r.try_get("scope_id").map_err(db_err)?, r.try_get::<i64, _>("is_default").map_err(db_err)? != 0))
            })
            .collect()
    }

    async fn signing_keys(&self, realm_id: &str) -> CoreResult<Vec<StoredKey>> {
        let rows = sqlx::query(
            "SELECT kid, realm_id, algorithm, private_key, created_at, active, retire_at FROM signing_keys \
             WHERE realm_id = $1 ORDER BY active DESC, created_at DESC",
        )
        .bind(realm_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let kid: String = r.try_get("kid").map_err(db_err)?;
                let sealed: Vec<u8> = r.try_get("private_key").map_err(db_err)?;
                let private_pkcs8 = self.data_key.open(&sealed, &key_aad(&kid))?.to_vec();
                Ok(StoredKey {
                    kid,
                    realm_id: r.try_get("realm_id").map_err(db_err)?,
                    algorithm: r.try_get("algorithm").map_err(db_err)?,
                    private_pkcs8,
                    created_at: r.try_get("created_at").map_err(db_err)?,
                    active: r.try_get::<i64, _>("active").map_err(db_err)? != 0,
                    retire_at: r.try_get("retire_at").map_err(db_err)?,
                })
            })
            .collect()
    }

    fn pool_stats(&self) -> Option<portcullis_core::store::PoolStats> {
        Some(portcullis_core::store::PoolStats {
            open: self.pool.size(),
            idle: self.pool.num_idle(),
            max: self.pool.options().get_max_connections(),
        })
    }

    async fn ping(&self) -> CoreResult<()> {
        // A write, not a SELECT: a database that answers but cannot write (read-only,
        // disk full) must not count as ready.
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        sqlx::query(
            "INSERT INTO readiness_probe (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at",
        )
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(db_err)
        .map(|_| ())
    }
}
