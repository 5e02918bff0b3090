use async_trait::async_trait;
use portcullis_core::error::{CoreError, CoreResult};
use portcullis_core::store::{UserQuery, UserStore};
use portcullis_core::user::User;
use sqlx::{Any, Row, Transaction};

use crate::db::{db_err, from_json, map_err, to_json, SqlStore};

fn conflict() -> String {
    "User exists with same username".to_owned()
}

pub(crate) async fn insert_user(tx: &mut Transaction<'_, Any>, user: &User) -> CoreResult<()> {
    sqlx::query(
        "INSERT INTO users (id, realm_id, username, email, first_name, last_name, service_account_client_id, data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&user.id)
    .bind(&user.realm_id)
    .bind(&user.username)
    .bind(user.email.clone())
    .bind(user.first_name.clone())
    .bind(user.last_name.clone())
    .bind(user.service_account_client_id.clone())
    .bind(to_json(user)?)
    .execute(&mut **tx)
    .await
    .map_err(map_err(&conflict()))?;
    Ok(())
}

/// Inserts a user with an optional password hash and role mappings.
pub(crate) async fn insert_user_with(
    tx: &mut Transaction<'_, Any>,
    user: &User,
    password_hash: Option<&str>,
    role_ids: &[String],
) -> CoreResult<()> {
    insert_user(tx, user).await?;
    if let Some(h) = password_hash {
        sqlx::query("INSERT INTO credentials (user_id, type, secret_data) VALUES ($1, 'password', $2)")
            .bind(&user.id)
            .bind(h)
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    crate::roles::map_roles(tx, &user.id, role_ids).await
}

/// Escapes LIKE wildcards so a search for `a_b` matches only `a_b`.
fn like_pattern(s: &str, exact: bool) -> String {
    let escaped = s.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    if exact {
        escaped
    } else {
        format!("%{escaped}%")
    }
}

/// The WHERE clause of a query and its arguments. Keycloak's `search` is a substring of
/// username, e-mail, first or last name (never of ids or attributes).
fn filtered(sql_head: &str, realm_id: &str, q: &UserQuery) -> (String, Vec<String>) {
    let mut sql = format!("{sql_head} WHERE realm_id = $1");
    let mut args = vec![realm_id.to_owned()];
    if let Some(s) = q.search.as_deref().filter(|s| !s.is_empty() && *s != "*") {
        args.push(like_pattern(s.trim_matches('*'), false));
        let n = args.len();
        sql.push_str(&format!(
            " AND (LOWER(username) LIKE ${n} ESCAPE '\\' OR LOWER(COALESCE(email, '')) LIKE ${n} ESCAPE '\\' \
             OR LOWER(COALESCE(first_name, '')) LIKE ${n} ESCAPE '\\' OR LOWER(COALESCE(last_name, '')) LIKE ${n} ESCAPE '\\')"
        ));
    }
    if q.exclude_service_accounts {
        sql.push_str(" AND service_account_client_id IS NULL");
    }
    if let Some(u) = q.username.as_deref() {
        args.push(like_pattern(u, q.exact));
        sql.push_str(&format!(" AND LOWER(username) LIKE ${} ESCAPE '\\'", args.len()));
    }
    if let Some(e) = q.email.as_deref() {
        args.push(like_pattern(e, q.exact));
        sql.push_str(&format!(" AND LOWER(COALESCE(email, '')) LIKE ${} ESCAPE '\\'", args.len()));
    }
    (sql, args)
}

#[async_trait]
impl UserStore for SqlStore {
    async fn list_users(&self, realm_id: &str, q: &UserQuery) -> CoreResult<Vec<User>> {
        let (mut sql, args) = filtered("SELECT data FROM users", realm_id, q);
        sql.push_str(&format!(" ORDER BY username LIMIT {} OFFSET {}", q.max.clamp(0, 10_000), q.first.max(0)));
        let mut query = sqlx::query(&sql);
        for a in &args {
            query = query.bind(a);
        }
        let rows = query.fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(|r| from_json(&r.try_get::<String, _>("data").map_err(db_err)?)).collect()
    }

    async fn count_users(&self, realm_id: &str, q: &UserQuery) -> CoreResult<i64> {
        let (sql, args) = filtered("SELECT COUNT(*) AS n FROM users", realm_id, q);
        let mut query = sqlx::query(&sql);
        for a in &args {
            query = query.bind(a);
        }
        query.fetch_one(&self.pool).await.map_err(db_err)?.try_get::<i64, _>("n").map_err(db_err)
    }

    async fn get_user(&self, realm_id: &str, id: &str) -> CoreResult<Option<User>> {
        let row = sqlx::query("SELECT data FROM users WHERE realm_id = $1 AND id = $2")
            .bind(realm_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| from_json(&r.try_get::<String, _>("data").map_err(db_err)?)).transpose()
    }

    async fn user_by_username(&self, realm_id: &str, username: &str) -> CoreResult<Option<User>> {
        let row = sqlx::query("SELECT data FROM users WHERE realm_id = $1 AND username = $2")
            .bind(realm_id)
            .bind(username.to_lowercase())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| from_json(&r.try_get::<String, _>("data").map_err(db_err)?)).transpose()
    }

    async fn service_account_user(&self, client_internal_id: &str) -> CoreResult<Option<User>> {
        let row = sqlx::query("SELECT data FROM users WHERE service_account_client_id = $1")
            .bind(client_internal_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| from_json(&r.try_get::<String, _>("data").map_err(db_err)?)).transpose()
    }

    async fn create_user(&self, user: &User, password_hash: Option<&str>, role_ids: &[String]) -> CoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        insert_user_with(&mut tx, user, password_hash, role_ids).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn update_user(&self, user: &User) -> CoreResult<()> {
        let done = sqlx::query(
            "UPDATE users SET username = $1, email = $2, first_name = $3, last_name = $4, data = $5 \
             WHERE id = $6 AND realm_id = $7",
        )
        .bind(&user.username)
        .bind(user.email.clone())
        .bind(user.first_name.clone())
        .bind(user.last_name.clone())
        .bind(to_json(user)?)
        .bind(&user.id)
        .bind(&user.realm_id)
        .execute(&self.pool)
        .await
        .map_err(map_err(&conflict()))?;
        if done.rows_affected() == 0 {
            return Err(CoreError::NotFound("User".into()));
        }
        Ok(())
    }

    async fn delete_user(&self, realm_id: &str, id: &str) -> CoreResult<bool> {
        let done = sqlx::query("DELETE FROM users WHERE realm_id = $1 AND id = $2")
            .bind(realm_id)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn password_hash(&self, user_id: &str) -> CoreResult<Option<String>> {
        let row = sqlx::query("SELECT secret_data FROM credentials WHERE user_id = $1 AND type = 'password'")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| r.try_get("secret_data").map_err(db_err)).transpose()
    }

    async fn set_password_hash(&self, user_id: &str, phc: &str) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO credentials (user_id, type, secret_data) VALUES ($1, 'password', $2) \
             ON CONFLICT (user_id, type) DO UPDATE SET secret_data = excluded.secret_data",
        )
        .bind(user_id)
        .bind(phc)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }
}
