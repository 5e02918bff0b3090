//! Brute-force counters. A failure is one atomic upsert, so that instances counting the
//! same client at once never lose a failure.

use async_trait::async_trait;
use portcullis_core::brute_force::{Counted, FailureKind, FailureRecord};
use portcullis_core::error::CoreResult;
use portcullis_core::store::LoginFailureStore;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{db_err, SqlStore};

const COLUMNS: &str = "realm_id, kind, subject, num_failures, last_failure, last_address, locked_until, lockouts";

fn record(r: &AnyRow) -> CoreResult<FailureRecord> {
    let kind: String = r.try_get("kind").map_err(db_err)?;
    Ok(FailureRecord {
        realm_id: r.try_get("realm_id").map_err(db_err)?,
        kind: FailureKind::parse(&kind).unwrap_or(FailureKind::Address),
        subject: r.try_get("subject").map_err(db_err)?,
        num_failures: r.try_get("num_failures").map_err(db_err)?,
        last_failure_ms: r.try_get("last_failure").map_err(db_err)?,
        last_address: r.try_get("last_address").map_err(db_err)?,
        locked_until_ms: r.try_get("locked_until").map_err(db_err)?,
        lockouts: r.try_get("lockouts").map_err(db_err)?,
    })
}

#[async_trait]
impl LoginFailureStore for SqlStore {
    async fn count_failure(
        &self,
        realm_id: &str,
        kind: FailureKind,
        subject: &str,
        address: &str,
        now_ms: i64,
        max_delta_ms: i64,
    ) -> CoreResult<(Counted, i64)> {
        // A count that went quiet for longer than max_delta starts again, lockouts too.
        let row = sqlx::query(
            "INSERT INTO login_failures \
               (realm_id, kind, subject, num_failures, last_failure, previous_failure, last_address, locked_until, lockouts) \
             VALUES ($1, $2, $3, 1, $4, 0, $5, 0, 0) \
             ON CONFLICT (realm_id, kind, subject) DO UPDATE SET \
               num_failures = CASE WHEN $4 - login_failures.last_failure > $6 THEN 1 \
                              ELSE login_failures.num_failures + 1 END, \
               lockouts = CASE WHEN $4 - login_failures.last_failure > $6 THEN 0 ELSE login_failures.lockouts END, \
               previous_failure = login_failures.last_failure, \
               last_failure = $4, \
               last_address = $5 \
             RETURNING num_failures, previous_failure, lockouts",
        )
        .bind(realm_id)
        .bind(kind.as_str())
        .bind(subject)
        .bind(now_ms)
        .bind(address)
        .bind(max_delta_ms)
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        let counted = Counted {
            num_failures: row.try_get("num_failures").map_err(db_err)?,
            previous_failure_ms: row.try_get("previous_failure").map_err(db_err)?,
        };
        Ok((counted, row.try_get("lockouts").map_err(db_err)?))
    }

    async fn lock(&self, realm_id: &str, kind: FailureKind, subject: &str, until_ms: i64) -> CoreResult<()> {
        sqlx::query(
            "UPDATE login_failures SET \
               locked_until = CASE WHEN locked_until < $1 THEN $1 ELSE locked_until END, \
               lockouts = lockouts + 1 \
             WHERE realm_id = $2 AND kind = $3 AND subject = $4",
        )
        .bind(until_ms)
        .bind(realm_id)
        .bind(kind.as_str())
        .bind(subject)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn login_failure(
        &self,
        realm_id: &str,
        kind: FailureKind,
        subject: &str,
    ) -> CoreResult<Option<FailureRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM login_failures WHERE realm_id = $1 AND kind = $2 AND subject = $3"
        ))
        .bind(realm_id)
        .bind(kind.as_str())
        .bind(subject)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.as_ref().map(record).transpose()
    }

    async fn list_login_failures(&self, realm_id: &str, kind: Option<FailureKind>) -> CoreResult<Vec<FailureRecord>> {
        let by_kind = if kind.is_some() { " AND kind = $2" } else { "" };
        let sql =
            format!("SELECT {COLUMNS} FROM login_failures WHERE realm_id = $1{by_kind} ORDER BY last_failure DESC");
        let mut q = sqlx::query(&sql).bind(realm_id);
        if let Some(k) = kind {
            q = q.bind(k.as_str());
        }
        let rows = q.fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(record).collect()
    }

    async fn clear_login_failures(
        &self,
        realm_id: &str,
        kind: Option<FailureKind>,
        subject: Option<&str>,
    ) -> CoreResult<u64> {
        let done = match (kind, subject) {
            (Some(k), Some(s)) => {
                sqlx::query("DELETE FROM login_failures WHERE realm_id = $1 AND kind = $2 AND subject = $3")
                    .bind(realm_id)
                    .bind(k.as_str())
                    .bind(s)
            }
            (Some(k), None) => sqlx::query("DELETE FROM login_failures WHERE realm_id = $1 AND kind = $2")
                .bind(realm_id)
                .bind(k.as_str()),
            (None, _) => sqlx::query("DELETE FROM login_failures WHERE realm_id = $1").bind(realm_id),
        }
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected())
    }
}
