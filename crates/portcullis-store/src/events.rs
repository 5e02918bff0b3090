//! Stored audit events: batched inserts and the filtered, paged queries of the admin API.

use async_trait::async_trait;
use portcullis_core::error::CoreResult;
use portcullis_core::event::{AdminEvent, AdminEventQuery, AuthDetails, Event, EventQuery, EventType, OperationType};
use portcullis_core::store::EventStore;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{db_err, from_json, to_json, SqlStore};

/// Largest page a query returns.
const MAX_PAGE: i64 = 10_000;
/// Rows per INSERT statement: 100 rows of 12 values stay far below SQLite's (32 766) and
/// PostgreSQL's (65 535) limits on bound parameters.
const ROWS_PER_INSERT: usize = 100;

/// `head` followed by `rows` groups of `columns` numbered placeholders.
fn multi_row_insert(head: &str, columns: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(head.len() + rows * columns * 5);
    sql.push_str(head);
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..columns {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", r * columns + c + 1));
        }
        sql.push(')');
    }
    sql
}

/// A WHERE clause built from optional filters, with its bound values in order.
struct Filter {
    sql: String,
    args: Vec<Arg>,
}

enum Arg {
    Text(String),
    Int(i64),
}

impl Filter {
    fn new(realm_id: &str) -> Self {
        Self { sql: " WHERE realm_id = $1".into(), args: vec![Arg::Text(realm_id.to_owned())] }
    }

    fn eq(&mut self, column: &str, v: Option<&str>) {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            self.args.push(Arg::Text(v.to_owned()));
            self.sql.push_str(&format!(" AND {column} = ${}", self.args.len()));
        }
    }

    fn any_of(&mut self, column: &str, values: &[String]) {
        let values: Vec<&String> = values.iter().filter(|v| !v.is_empty()).collect();
        if values.is_empty() {
            return;
        }
        let mut marks = Vec::new();
        for v in values {
            self.args.push(Arg::Text(v.clone()));
            marks.push(format!("${}", self.args.len()));
        }
        self.sql.push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
    }

    fn time(&mut self, from_ms: Option<i64>, to_ms: Option<i64>) {
        if let Some(f) = from_ms {
            self.args.push(Arg::Int(f));
            self.sql.push_str(&format!(" AND time >= ${}", self.args.len()));
        }
        if let Some(t) = to_ms {
            self.args.push(Arg::Int(t));
            self.sql.push_str(&format!(" AND time < ${}", self.args.len()));
        }
    }

    /// Keycloak's `*` wildcard in a resource path; every other character is literal.
    fn like(&mut self, column: &str, pattern: Option<&str>) {
        if let Some(p) = pattern.filter(|p| !p.is_empty()) {
            let escaped: String = p
                .chars()
                .flat_map(|c| match c {
                    '*' => vec!['%'],
                    '%' | '_' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            self.args.push(Arg::Text(escaped));
            self.sql.push_str(&format!(" AND {column} LIKE ${} ESCAPE '\\'", self.args.len()));
        }
    }

    fn page(&mut self, first: i64, max: i64) {
        self.sql.push_str(&format!(" ORDER BY time DESC, id LIMIT {} OFFSET {}", max.clamp(0, MAX_PAGE), first.max(0)));
    }

    async fn fetch(self, store: &SqlStore, head: &str) -> CoreResult<Vec<AnyRow>> {
        let sql = format!("{head}{}", self.sql);
        let mut q = sqlx::query(&sql);
        for a in self.args {
            q = match a {
                Arg::Text(s) => q.bind(s),
                Arg::Int(i) => q.bind(i),
            };
        }
        q.fetch_all(&store.pool).await.map_err(db_err)
    }
}

fn event(r: &AnyRow) -> CoreResult<Event> {
    let t: String = r.try_get("type").map_err(db_err)?;
    Ok(Event {
        id: r.try_get("id").map_err(db_err)?,
        time: r.try_get("time").map_err(db_err)?,
        event_type: from_json::<EventType>(&format!("\"{t}\""))?,
        realm_id: r.try_get("realm_id").map_err(db_err)?,
        client_id: r.try_get("client_id").map_err(db_err)?,
        user_id: r.try_get("user_id").map_err(db_err)?,
        ip_address: r.try_get("ip_address").map_err(db_err)?,
        error: r.try_get("error").map_err(db_err)?,
        details: from_json(&r.try_get::<String, _>("details").map_err(db_err)?)?,
    })
}

fn admin_event(r: &AnyRow) -> CoreResult<AdminEvent> {
    let op: String = r.try_get("operation_type").map_err(db_err)?;
    Ok(AdminEvent {
        id: r.try_get("id").map_err(db_err)?,
        time: r.try_get("time").map_err(db_err)?,
        realm_id: r.try_get("realm_id").map_err(db_err)?,
        auth_details: AuthDetails {
            realm_id: r.try_get("auth_realm_id").map_err(db_err)?,
            client_id: r.try_get("auth_client_id").map_err(db_err)?,
            user_id: r.try_get("auth_user_id").map_err(db_err)?,
            ip_address: r.try_get("auth_ip_address").map_err(db_err)?,
        },
        operation_type: OperationType::parse(&op).unwrap_or(OperationType::Action),
        resource_type: r.try_get("resource_type").map_err(db_err)?,
        resource_path: r.try_get("resource_path").map_err(db_err)?,
        representation: r.try_get("representation").map_err(db_err)?,
        error: r.try_get("error").map_err(db_err)?,
    })
}

#[async_trait]
impl EventStore for SqlStore {
    async fn insert_events(&self, events: &[Event], admin_events: &[AdminEvent]) -> CoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // Multi-row INSERTs: one statement per chunk, not per event, so that the writer
        // keeps up with thousands of token requests a second. Only the full-size statement
        // is kept prepared: every other row count is a different SQL text, which would
        // fill each pooled connection's statement cache with one-off variants.
        for chunk in events.chunks(ROWS_PER_INSERT) {
            let sql = multi_row_insert(
                "INSERT INTO events (id, time, realm_id, type, client_id, user_id, ip_address, error, details) VALUES ",
                9,
                chunk.len(),
            );
            let mut q = sqlx::query(&sql).persistent(chunk.len() == ROWS_PER_INSERT);
            for e in chunk {
                q = q
                    .bind(&e.id)
                    .bind(e.time)
                    .bind(&e.realm_id)
                    .bind(e.event_type.as_str())
                    .bind(&e.client_id)
                    .bind(&e.user_id)
                    .bind(&e.ip_address)
                    .bind(&e.error)
                    .bind(to_json(&e.details)?);
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        for chunk in admin_events.chunks(ROWS_PER_INSERT) {
            let sql = multi_row_insert(
                "INSERT INTO admin_events (id, time, realm_id, operation_type, resource_type, resource_path, \
                 representation, error, auth_realm_id, auth_client_id, auth_user_id, auth_ip_address) VALUES ",
                12,
                chunk.len(),
            );
            let mut q = sqlx::query(&sql).persistent(chunk.len() == ROWS_PER_INSERT);
            for e in chunk {
                q = q
                    .bind(&e.id)
                    .bind(e.time)
                    .bind(&e.realm_id)
                    .bind(e.operation_type.as_str())
                    .bind(&e.resource_type)
                    .bind(&e.resource_path)
                    .bind(&e.representation)
                    .bind(&e.error)
                    .bind(&e.auth_details.realm_id)
                    .bind(&e.auth_details.client_id)
                    .bind(&e.auth_details.user_id)
                    .bind(&e.auth_details.ip_address);
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn query_events(&self, realm_id: &str, q: &EventQuery) -> CoreResult<Vec<Event>> {
        let mut f = Filter::new(realm_id);
        f.any_of("type", &q.types);
        f.eq("client_id", q.client.as_deref());
        f.eq("user_id", q.user.as_deref());
        f.eq("ip_address", q.ip_address.as_deref());
        f.time(q.from_ms, q.to_ms);
        f.page(q.first, q.max);
        let head = "SELECT id, time, realm_id, type, client_id, user_id, ip_address, error, details FROM events";
        f.fetch(self, head).await?.iter().map(event).collect()
    }

    async fn query_admin_events(&self, realm_id: &str, q: &AdminEventQuery) -> CoreResult<Vec<AdminEvent>> {
        let mut f = Filter::new(realm_id);
        f.any_of("operation_type", &q.operation_types);
        f.any_of("resource_type", &q.resource_types);
        f.like("resource_path", q.resource_path.as_deref());
        f.eq("auth_realm_id", q.auth_realm.as_deref());
        f.eq("auth_client_id", q.auth_client.as_deref());
        f.eq("auth_user_id", q.auth_user.as_deref());
        f.eq("auth_ip_address", q.auth_ip_address.as_deref());
        f.time(q.from_ms, q.to_ms);
        f.page(q.first, q.max);
        let head = "SELECT id, time, realm_id, operation_type, resource_type, resource_path, representation, error, \
                    auth_realm_id, auth_client_id, auth_user_id, auth_ip_address FROM admin_events";
        f.fetch(self, head).await?.iter().map(admin_event).collect()
    }

    async fn delete_events(&self, realm_id: &str, admin: bool, before_ms: i64) -> CoreResult<u64> {
        let table = if admin { "admin_events" } else { "events" };
        let done = sqlx::query(&format!("DELETE FROM {table} WHERE realm_id = $1 AND time < $2"))
            .bind(realm_id)
            .bind(before_ms)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_row_by_row() {
        assert_eq!(
            super::multi_row_insert("INSERT INTO t (a, b) VALUES ", 2, 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }
}
