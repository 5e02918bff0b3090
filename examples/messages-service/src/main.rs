//! Resource Server B of the tutorial: a messages API. Reading needs any valid token of the
//! realm; archiving needs the realm role `ADMIN`. Tokens are verified offline against the
//! realm's JWKS.
//!
//! Settings (environment): `ISSUER` (default `http://127.0.0.1:8080/realms/sivalabs`),
//! `ADDR` (default `127.0.0.1:8181`).

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use portcullis_resource_server::{Claims, Config, Verifier, VerifyLayer};
use serde::Serialize;

#[derive(Clone, Serialize)]
struct Message {
    id: u32,
    text: String,
    archived: bool,
}

type Messages = Arc<Mutex<Vec<Message>>>;

async fn list(State(messages): State<Messages>) -> Json<Vec<Message>> {
    Json(messages.lock().map(|m| m.clone()).unwrap_or_default())
}

async fn archive(State(messages): State<Messages>, Extension(claims): Extension<Claims>) -> Json<serde_json::Value> {
    let archived = messages
        .lock()
        .map(|mut m| m.iter_mut().filter(|m| !m.archived).map(|m| m.archived = true).count())
        .unwrap_or(0);
    println!("archived {archived} message(s) for {}", claims.client().unwrap_or("?"));
    Json(serde_json::json!({"archived": archived, "by": claims.client()}))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let issuer = std::env::var("ISSUER").unwrap_or_else(|_| "http://127.0.0.1:8080/realms/sivalabs".into());
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:8181".into());
    let verifier = Arc::new(Verifier::discover(Config::new(&issuer)).await?);
    let messages: Messages = Arc::new(Mutex::new(
        ["hello", "quarterly report", "lunch?"]
            .iter()
            .zip(1..)
            .map(|(text, id)| Message { id, text: (*text).into(), archived: false })
            .collect(),
    ));
    let app = Router::new()
        .route("/api/messages", get(list))
        .route_layer(VerifyLayer::new(verifier.clone()))
        .merge(
            Router::new()
                .route("/api/messages/archive", post(archive))
                .route_layer(VerifyLayer::new(verifier).require_realm_role("ADMIN")),
        )
        .with_state(messages);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("messages-service on http://{addr}, tokens of {issuer}");
    axum::serve(listener, app).await?;
    Ok(())
}
