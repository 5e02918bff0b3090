//! Liveness and readiness, in the shape of Keycloak's (MicroProfile Health) answers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::state::AppState;

/// `GET /health/live`: the process serves HTTP.
pub async fn live() -> Json<Value> {
    Json(json!({"status": "UP", "checks": []}))
}

/// `GET /health/ready`: the database answers.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "UP", "checks": [{"name": "database", "status": "UP"}]}))),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "DOWN", "checks": [{"name": "database", "status": "DOWN"}]})),
            )
        }
    }
}
