//! Admin events: every successful write through the Admin REST API becomes a Keycloak
//! `AdminEvent` (operation, resource type and path, who, from where, and, when the realm
//! keeps details, the request body without secrets). A layer over the admin routes, so no
//! handler can forget it.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use portcullis_core::event::{redact, resource_type, AdminEvent, AuthDetails, OperationType};

use crate::error::ApiError;
use crate::extract::address::client_address;
use crate::extract::admin::{AdminSlot, MASTER_REALM};
use crate::extract::path_segment;
use crate::oauth::now_ms;
use crate::state::AppState;

/// Largest body an admin write may carry (the router's own limit).
const MAX_BODY: usize = 1024 * 1024;

/// The layer: passes reads through, records writes that succeeded.
pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    if matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let address = client_address(req.headers(), req.extensions(), state.config.proxy_headers);
    let path = req.uri().path().to_owned();
    let slot = AdminSlot::default();
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(slot.clone());
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return ApiError::PayloadTooLarge("request body too large".into()).into_response(),
    };
    let resp = next.run(Request::from_parts(parts, Body::from(bytes.clone()))).await;
    let Some(admin) = slot.0.get() else { return resp };
    if !resp.status().is_success() {
        return resp;
    }
    let Some(target) = Target::of(&path, &method, &bytes, &resp) else { return resp };
    let realm = state.cache.realm(state.store.as_ref(), &target.realm).await.ok().flatten();
    let details = realm.as_ref().is_some_and(|e| e.realm.events.admin_events_details_enabled);
    let representation = details
        .then(|| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .flatten()
        .map(|v| redact(v).to_string());
    let event = AdminEvent {
        id: portcullis_core::new_id(),
        time: now_ms(),
        realm_id: realm.as_ref().map_or_else(|| target.realm.clone(), |e| e.realm.id.clone()),
        auth_details: AuthDetails {
            realm_id: admin.realm_id.clone(),
            client_id: admin.client_id.clone(),
            user_id: admin.user_id.clone(),
            ip_address: address,
        },
        operation_type: target.operation,
        resource_type: target.resource_type.to_owned(),
        resource_path: target.resource_path,
        representation,
        error: None,
    };
    state.events.admin(realm.as_ref().map(|e| &e.realm), event);
    resp
}

/// Where an admin write landed.
struct Target {
    /// Realm (name) whose admin events hold it.
    realm: String,
    operation: OperationType,
    resource_type: &'static str,
    resource_path: String,
}

impl Target {
    fn of(path: &str, method: &Method, body: &[u8], resp: &Response) -> Option<Self> {
        let rest = path.strip_prefix("/admin/realms")?;
        let rest = rest.strip_prefix('/').unwrap_or(rest);
        let (realm, sub) = rest.split_once('/').unwrap_or((rest, ""));
        let operation = match *method {
            Method::PUT => OperationType::Update,
            Method::DELETE => OperationType::Delete,
            _ if is_action(sub) => OperationType::Action,
            _ => OperationType::Create,
        };
        // Realms are created and deleted from the master realm's point of view: the
        // created realm has no events yet, the deleted one takes its events with it.
        if realm.is_empty() || (sub.is_empty() && *method == Method::DELETE) {
            let name = if realm.is_empty() {
                serde_json::from_slice::<serde_json::Value>(body).ok()?.get("realm")?.as_str()?.to_owned()
            } else {
                path_segment(realm)
            };
            return Some(Self { realm: MASTER_REALM.into(), operation, resource_type: "REALM", resource_path: name });
        }
        // A create's path is the new resource's, from the Location header.
        let mut resource_path = sub.to_owned();
        if operation == OperationType::Create {
            if let Some(loc) = resp.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()) {
                if let Some((_, p)) = loc.split_once(&format!("/admin/realms/{realm}/")) {
                    resource_path = p.to_owned();
                }
            }
        }
        Some(Self {
            realm: path_segment(realm),
            operation,
            resource_type: resource_type(&resource_path),
            resource_path: path_segment(&resource_path),
        })
    }
}

/// POSTs that act rather than create (Keycloak's `ACTION`).
fn is_action(sub: &str) -> bool {
    sub.ends_with("/client-secret") || sub.ends_with("push-revocation") || sub.starts_with("logout-all")
}
