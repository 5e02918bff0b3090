//! Keycloak's event admin endpoints: `GET/DELETE /events`, `GET/DELETE /admin-events`
//! (filters, newest first, paged) and `GET/PUT /events/config`.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use portcullis_core::event::{AdminEventQuery, EventQuery, EventSettings};
use serde::{Deserialize, Serialize};

use super::{realm, ApiResult};
use crate::error::ApiError;
use crate::extract::admin::Admin;
use crate::extract::body::JsonBody;
use crate::state::AppState;

/// Keycloak's page size when `max` is not given.
const DEFAULT_MAX: i64 = 100;

/// Query parameters, repeatable ones (`type`, `operationTypes`, `resourceTypes`) in order.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(raw: Option<String>) -> Self {
        Self(form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect())
    }

    fn one(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(k, v)| k == name && !v.is_empty()).map(|(_, v)| v.clone())
    }

    fn all(&self, name: &str) -> Vec<String> {
        // Keycloak takes both `type=A&type=B` and `type=A,B`.
        self.0.iter().filter(|(k, _)| k == name).flat_map(|(_, v)| v.split(',').map(str::to_owned)).collect()
    }

    fn int(&self, name: &str, default: i64) -> ApiResult<i64> {
        match self.one(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| ApiError::BadRequest(format!("{name} must be a number"))),
        }
    }

    /// `dateFrom`/`dateTo`: `yyyy-MM-dd` (a whole day, `dateTo` inclusive) or epoch ms.
    fn dates(&self) -> ApiResult<(Option<i64>, Option<i64>)> {
        let from = self.one("dateFrom").map(|d| parse_date(&d, false)).transpose()?;
        let to = self.one("dateTo").map(|d| parse_date(&d, true)).transpose()?;
        Ok((from, to))
    }
}

fn parse_date(s: &str, end_of_day: bool) -> ApiResult<i64> {
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(ms + i64::from(end_of_day));
    }
    let bad = || ApiError::BadRequest(format!("invalid date '{s}': expected yyyy-MM-dd or epoch milliseconds"));
    let mut it = s.splitn(3, '-').map(str::parse::<i64>);
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) = (it.next(), it.next(), it.next()) else { return Err(bad()) };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1970..=9999).contains(&y) {
        return Err(bad());
    }
    let day = days_from_civil(y, m, d) + i64::from(end_of_day);
    Ok(day * 86_400_000)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `GET /admin/realms/{realm}/events`.
pub async fn list(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Vec<portcullis_core::event::Event>>> {
    let r = realm(&state, &name).await?;
    let p = Params::parse(raw);
    let (from_ms, to_ms) = p.dates()?;
    let q = EventQuery {
        types: p.all("type"),
        client: p.one("client"),
        user: p.one("user"),
        ip_address: p.one("ipAddress"),
        from_ms,
        to_ms,
        first: p.int("first", 0)?,
        max: p.int("max", DEFAULT_MAX)?,
    };
    state.events.flush().await;
    Ok(Json(state.store.query_events(&r.id, &q).await?))
}

/// `GET /admin/realms/{realm}/admin-events`.
pub async fn list_admin(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Vec<portcullis_core::event::AdminEvent>>> {
    let r = realm(&state, &name).await?;
    let p = Params::parse(raw);
    let (from_ms, to_ms) = p.dates()?;
    let q = AdminEventQuery {
        operation_types: p.all("operationTypes"),
        resource_types: p.all("resourceTypes"),
        resource_path: p.one("resourcePath"),
        auth_realm: p.one("authRealm"),
        auth_client: p.one("authClient"),
        auth_user: p.one("authUser"),
        auth_ip_address: p.one("authIpAddress"),
        from_ms,
        to_ms,
        first: p.int("first", 0)?,
        max: p.int("max", DEFAULT_MAX)?,
    };
    state.events.flush().await;
    Ok(Json(state.store.query_admin_events(&r.id, &q).await?))
}

/// `DELETE /admin/realms/{realm}/events`.
pub async fn clear(_: Admin, State(state): State<AppState>, Path(name): Path<String>) -> ApiResult<StatusCode> {
    let r = realm(&state, &name).await?;
    state.events.flush().await;
    state.store.delete_events(&r.id, false, i64::MAX).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /admin/realms/{realm}/admin-events`.
pub async fn clear_admin(_: Admin, State(state): State<AppState>, Path(name): Path<String>) -> ApiResult<StatusCode> {
    let r = realm(&state, &name).await?;
    state.events.flush().await;
    state.store.delete_events(&r.id, true, i64::MAX).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Keycloak's `RealmEventsConfigRepresentation`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventsConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    events_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events_expiration: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events_listeners: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled_event_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    admin_events_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    admin_events_details_enabled: Option<bool>,
}

/// The only listener: the log (Keycloak's `jboss-logging`).
const LISTENER: &str = "jboss-logging";

/// `GET /admin/realms/{realm}/events/config`.
pub async fn get_config(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Json<EventsConfig>> {
    let s = realm(&state, &name).await?.events;
    let types = if s.enabled_event_types.is_empty() {
        portcullis_core::event::EventType::ALL.iter().map(|t| t.as_str().to_owned()).collect()
    } else {
        s.enabled_event_types
    };
    Ok(Json(EventsConfig {
        events_enabled: Some(s.events_enabled),
        events_expiration: s.events_expiration,
        events_listeners: Some(vec![LISTENER.into()]),
        enabled_event_types: Some(types),
        admin_events_enabled: Some(s.admin_events_enabled),
        admin_events_details_enabled: Some(s.admin_events_details_enabled),
    }))
}

/// `PUT /admin/realms/{realm}/events/config`: changes the fields given.
pub async fn put_config(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
    JsonBody(c): JsonBody<EventsConfig>,
) -> ApiResult<StatusCode> {
    let mut r = realm(&state, &name).await?;
    apply(&mut r.events, c);
    r.validate()?;
    state.store.update_realm(&r).await?;
    state.changed(&name).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Applies the given fields; an expiration of 0 or less means "keep forever".
fn apply(s: &mut EventSettings, c: EventsConfig) {
    if let Some(v) = c.events_enabled {
        s.events_enabled = v;
    }
    if let Some(v) = c.events_expiration {
        s.events_expiration = (v > 0).then_some(v);
    }
    if let Some(v) = c.enabled_event_types {
        s.enabled_event_types = v;
    }
    if let Some(v) = c.admin_events_enabled {
        s.admin_events_enabled = v;
    }
    if let Some(v) = c.admin_events_details_enabled {
        s.admin_events_details_enabled = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-02", false).unwrap(), 86_400_000);
        assert_eq!(parse_date("1970-01-01", true).unwrap(), 86_400_000);
        assert_eq!(parse_date("2024-02-29", false).unwrap(), 1_709_164_800_000);
        assert_eq!(parse_date("1700000000000", false).unwrap(), 1_700_000_000_000);
        for bad in ["2024-13-01", "yesterday", "2024-01", ""] {
            assert!(parse_date(bad, false).is_err(), "{bad}");
        }
    }
}
